"""A front camera alone counts squats and sit-to-stands (issue 11).

Knee flexion, and so squat depth, needs a side view: from a front camera every squat used
to be "not measurable" (0 of 4). Now the repetitions are counted from the hips' height
above the ankles in shoulder widths (``hip_height_pct``), the result says that squat depth
is not measured from the front, and the front-view form rule (knee valgus by the FPPA)
still applies. Synthetic squats from the pose builder through a pinhole camera in front
(3.5 m, 1.5 or 3 px noise): 4 of 4; a still person and arm raises: none.
"""

from __future__ import annotations

import numpy as np
import pytest
from _squat_person import (
    SQUAT_BOTTOM,
    SQUAT_FAULTS,
    STANDING,
    _play,
    front_camera_series,
    sit_to_stand_poses,
    squat_poses,
)

from spinecoach.content import load_library
from spinecoach.motion.analysis import FRONT_SQUAT_MEASURE, analyze

LIBRARY = load_library()
SQUAT = LIBRARY.get("squat_to_chair")
SIT_TO_STAND = LIBRARY.get("sit_to_stand")


def _front_result(poses: list[dict[str, float]], exercise, noise_px: float, seed: int):  # type: ignore[no-untyped-def]
    result = analyze(front_camera_series(poses, noise_px=noise_px, seed=seed), exercise)
    assert result.angle == FRONT_SQUAT_MEASURE
    assert "side view" in result.tracking["not_measured"]["knee_flexion_deg"]
    return result


@pytest.mark.parametrize("noise_px", [1.5, 3.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_front_camera_counts_four_squats_of_four(noise_px: float, seed: int) -> None:
    result = _front_result(squat_poses(STANDING | SQUAT_BOTTOM), SQUAT, noise_px, seed)
    assert len(result.repetitions) == 4
    assert result.count["confidence"] == "high"
    if noise_px == 1.5:
        assert not result.form_flags  # no depth or tempo guess, no valgus on a correct squat


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_knees_falling_in_are_flagged_from_the_front(seed: int) -> None:
    poses = squat_poses(STANDING | SQUAT_BOTTOM | SQUAT_FAULTS["valgus"])
    result = _front_result(poses, SQUAT, 1.5, seed)
    assert len(result.repetitions) == 4
    assert {f.code for f in result.form_flags} == {"knee_valgus"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_front_camera_counts_four_sit_to_stands(seed: int) -> None:
    result = _front_result(sit_to_stand_poses(), SIT_TO_STAND, 1.5, seed)
    assert len(result.repetitions) == 4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_squat_is_counted_on_a_still_person_or_arm_raises(seed: int) -> None:
    still = _play([(20.0, STANDING, STANDING)])
    raised = STANDING | {"left_shoulder_flexion": 170.0, "right_shoulder_flexion": 170.0}
    raises = _play(
        [(1.5, STANDING, STANDING)] + [(2.0, STANDING, raised), (2.0, raised, STANDING)] * 4
    )
    for poses in (still, raises):
        result = analyze(front_camera_series(poses, noise_px=3.0, seed=seed), SQUAT)
        assert result.angle == FRONT_SQUAT_MEASURE
        assert not result.repetitions


def test_a_side_camera_still_counts_on_the_knee_angle() -> None:
    from _squat_person import side_camera_series

    result = analyze(side_camera_series(squat_poses(STANDING | SQUAT_BOTTOM)), SQUAT)
    assert result.angle == "knee_flexion_deg" and len(result.repetitions) == 4
    assert np.isfinite(result.repetitions[0].range_deg)
