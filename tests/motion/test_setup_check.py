"""Camera set-up check on synthetic people: view angle, framing, distance."""

from __future__ import annotations

import numpy as np
import pytest
from _synthetic_person import NAMES, person

from spinecoach.motion.setup_check import check_setup, shoulder_torso_ratio

W, H = 1280, 720


def _codes(needed_view: str, **kwargs: float | str) -> list[str]:
    p, c = person(**kwargs)  # type: ignore[arg-type]
    result = check_setup(p[None], c[None], NAMES, W, H, view=needed_view)
    return [issue.code for issue in result.issues]


def test_good_front_setup_passes() -> None:
    assert _codes("front") == []
    assert _codes("any") == []


def test_side_view_needed_but_facing_camera() -> None:
    p, c = person()
    result = check_setup(p[None], c[None], NAMES, W, H, view="side")
    assert [i.code for i in result.issues] == ["wrong_view"]
    assert "side-on" in result.issues[0].instruction
    assert result.shoulder_ratio == pytest.approx(0.22 / 0.32, abs=0.01)


def test_front_view_needed_but_side_on() -> None:
    p, c = person(view="side")
    result = check_setup(p[None], c[None], NAMES, W, H, view="front")
    assert [i.code for i in result.issues] == ["wrong_view"]
    assert "Face the camera" in result.issues[0].instruction
    assert _codes("side", view="side") == []


def test_feet_out_of_picture() -> None:
    result_codes = _codes("any", top_y_px=200.0, height_px=600.0)  # feet at y = 800 > 720
    assert result_codes == ["not_in_frame"]
    p, c = person(top_y_px=200.0)
    issue = check_setup(p, c, NAMES, W, H).issues[0]
    assert "feet" in issue.instruction


def test_too_close_and_too_far() -> None:
    assert _codes("any", top_y_px=-150.0, height_px=1000.0) == ["not_in_frame", "too_close"]
    assert _codes("any", top_y_px=300.0, height_px=200.0) == ["too_far"]


def test_no_person() -> None:
    p = np.full((5, 33, 3), np.nan)
    c = np.zeros((5, 33))
    result = check_setup(p, c, NAMES, W, H, view="side")
    assert [i.code for i in result.issues] == ["no_person"]


def test_shoulder_ratio_uses_the_window_median() -> None:
    frames = [person(view="side") for _ in range(8)] + [person() for _ in range(2)]
    p = np.stack([f[0] for f in frames])
    c = np.stack([f[1] for f in frames])
    ratios = shoulder_torso_ratio(p, NAMES)
    assert ratios.shape == (10,)
    assert check_setup(p, c, NAMES, W, H, view="side").ok


def test_real_front_view_keypoints_pass_front_and_fail_side(shared_data) -> None:  # type: ignore[no-untyped-def]
    """KERAAL BlazePose, seated facing the camera (960x544): a front view."""
    from spinecoach.sources.keypoints import read_keypoints

    series = read_keypoints(shared_data / "keraal" / "G3-BP-ELK-P1T1-Unknown-C-0.json")
    window = slice(0, 30)
    args = (series.positions[window], series.confidence[window], series.names, 960, 544)
    seated_upper_body = ("nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip")
    front = check_setup(*args, view="front", required=seated_upper_body)
    assert front.ok, front.issues
    assert 0.6 < (front.shoulder_ratio or 0) < 0.85
    side = check_setup(*args, view="side", required=seated_upper_body)
    assert [i.code for i in side.issues] == ["wrong_view"]
