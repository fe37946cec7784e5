"""Monocular trunk rotation, live edges (issue 11): a calibration that lands on a held twist,
and inputs that cannot measure rotation at all.

The KERAAL Vicon skeleton (CTK's last second, arms down) is turned about the vertical and
projected through a pinhole camera with pixel noise and an estimator's depth (gain 0.4,
2 px noise), as ``bench.rotation`` does. The person holds a 30 deg twist for the first 2 s
(still: the first still half second used to become the neutral widths and depths), turns
back square over 1 s, then twists 3 times +-40 deg. Before, every later angle was read
offset by the held twist (twists of +-40 read +9..+27 / -50..-69 deg, sides mixed up);
now that still window is refused ("face the camera square") and the next, square one
calibrates. Plain 2D keypoints, or a side view, used to give a "tracking lost ... out of
view" cue once counting began; now one NOT_MEASURABLE event says why, in plain words.
"""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.domain.exercise import Exercise
from spinecoach.motion.analysis import analyze
from spinecoach.motion.projection import (
    Camera,
    project,
    sinusoidal_twist,
    still_pose,
    twist_upper_body,
)
from spinecoach.motion.rotation import FACE_SQUARE
from spinecoach.motion.streaming import NO_DEPTH_ROTATION, SIDE_VIEW_ROTATION, StreamingAnalyzer
from spinecoach.motion.types import EventKind, KeypointSeries, MotionEvent, Side

RATE_HZ = 30.0
AMPLITUDE = 40.0


def held_then_twisting(vicon: KeypointSeries, held_deg: float) -> KeypointSeries:
    """Held twist for 2 s, back to square over 1 s, square 1 s, 3 twists of +-40 deg."""
    base = still_pose(vicon, int(20.0 * RATE_HZ), RATE_HZ)
    t = base.time_s
    turn = sinusoidal_twist(t, AMPLITUDE, 4.0, 4.0, 3.0)
    back = held_deg * (1.0 + np.cos(np.pi * (t - 2.0))) / 2.0
    turn = np.where(t < 2.0, held_deg, np.where(t < 3.0, back, turn))
    return twist_upper_body(base, turn)


def stream(
    twist: Exercise, image: KeypointSeries, dims: int = 3
) -> tuple[StreamingAnalyzer, list[MotionEvent]]:
    live = StreamingAnalyzer(twist.signature, dose=twist.dose, frame=image.frame)
    events: list[MotionEvent] = []
    for i in range(image.n_frames):
        events += live.push_keypoints(
            float(image.time_s[i]),
            image.positions[i, :, :dims].copy(),
            image.confidence[i],
            image.names,
        )
    return live, events


def _twists_read_right(sides: list[Side], peaks: list[float]) -> None:
    assert sides == [Side.RIGHT, Side.LEFT] * 3
    assert all(abs(abs(p) - AMPLITUDE) < 10.0 for p in peaks), peaks


@pytest.mark.parametrize("held_deg", [30.0, -30.0])
@pytest.mark.parametrize("yaw_deg", [0.0, 30.0])
def test_live_calibration_on_a_held_twist_asks_to_face_the_camera(
    vicon: KeypointSeries, twist: Exercise, held_deg: float, yaw_deg: float
) -> None:
    image = project(
        held_then_twisting(vicon, held_deg), Camera(yaw_deg=yaw_deg, depth_noise_px=2.0), seed=0
    )
    live, events = stream(twist, image)
    result = live.finish()
    asked = [e for e in events if e.kind is EventKind.START_POSITION_NEEDED]
    assert [e.detail for e in asked] == [FACE_SQUARE]
    assert asked[0].t_s < 2.0  # while the twist is held
    _twists_read_right(
        [r.side for r in result.repetitions], [r.peak_deg for r in result.repetitions]
    )
    assert not [e for e in events if e.kind in (EventKind.TRACKING_LOST, EventKind.NOT_MEASURABLE)]


def test_a_square_start_is_not_asked_to_face_the_camera(
    vicon: KeypointSeries, twist: Exercise
) -> None:
    for seed in range(3):
        image = project(held_then_twisting(vicon, 0.0), Camera(depth_noise_px=2.0), seed=seed)
        live, events = stream(twist, image)
        assert not [e for e in events if e.kind is EventKind.START_POSITION_NEEDED]
        assert len(live.finish().repetitions) == 6


def test_a_file_is_calibrated_on_its_first_square_still_window(
    vicon: KeypointSeries, twist: Exercise
) -> None:
    """The held twist itself is read as what it is: a right twist of about 30 deg that the
    recording starts in (before: the rest level, and every twist offset by it)."""
    image = project(held_then_twisting(vicon, 30.0), Camera(depth_noise_px=2.0), seed=1)
    result = analyze(image, twist)
    first, *twists = result.repetitions
    assert first.side is Side.RIGHT and first.start_s < 0.5 and abs(first.peak_deg - 30.0) < 8.0
    _twists_read_right([r.side for r in twists], [r.peak_deg for r in twists])


def test_plain_2d_keypoints_say_once_that_rotation_needs_depth(
    vicon: KeypointSeries, twist: Exercise
) -> None:
    image = project(held_then_twisting(vicon, 0.0), Camera(depth_noise_px=2.0), seed=0)
    live, events = stream(twist, image, dims=2)
    told = [e for e in events if e.kind is EventKind.NOT_MEASURABLE]
    assert [e.detail for e in told] == [NO_DEPTH_ROTATION]
    assert not [e for e in events if e.kind is EventKind.TRACKING_LOST]
    result = live.finish()
    assert not result.repetitions
    assert result.tracking.get("unmeasurable")


def test_a_side_view_says_once_that_rotation_cannot_be_measured_from_it(
    vicon: KeypointSeries, twist: Exercise
) -> None:
    image = project(held_then_twisting(vicon, 0.0), Camera(yaw_deg=90.0, depth_noise_px=2.0))
    live, events = stream(twist, image)
    told = [e for e in events if e.kind is EventKind.NOT_MEASURABLE]
    assert [e.detail for e in told] == [SIDE_VIEW_ROTATION]
    assert not [e for e in events if e.kind is EventKind.TRACKING_LOST]
    assert not live.finish().repetitions
