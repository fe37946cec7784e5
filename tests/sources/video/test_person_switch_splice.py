"""Person switch on real keypoints spliced from two recordings (a construction with a known
answer), and masking at a switch so no angle spans two people."""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.motion.tracking_quality import detect_person_switches, split_at_switches
from spinecoach.motion.types import KeypointSeries

pytestmark = pytest.mark.slow


def _window(series: KeypointSeries, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    return series.positions[start:stop], series.confidence[start:stop]


def test_splicing_two_people_is_detected_at_the_splice(clip_pose) -> None:  # type: ignore[no-untyped-def]
    walk, _ = clip_pose("sports2d_walk_side.mp4")
    balance, _ = clip_pose("pose2sim_single_cam01.mp4")
    # Walker frames 100-199 (all tracked), then the balance-trial person (other video,
    # rescaled into the walker's 1280x720 image as a second camera would show them).
    wp, wc = _window(walk, 100, 200)
    bp, bc = _window(balance, 0, 100)
    bp = bp.copy()
    bp[..., :2] = bp[..., :2] * (720 / 1920) + np.array([900.0, 0.0])
    positions = np.concatenate([wp, bp])
    confidence = np.concatenate([wc, bc])
    time_s = np.arange(200) / 30.0
    spliced = KeypointSeries(time_s, walk.names, positions, confidence, walk.frame, "test")
    switches = detect_person_switches(spliced)
    assert [frame for frame, _ in switches] == [100]
    masked = split_at_switches(spliced, [100], blank_s=0.2)
    assert masked.metadata["person_switch_frames"] == [100]
    assert np.all(np.isnan(masked.positions[100:107]))
    assert np.all(masked.confidence[100:107] == 0.0)
    assert np.isfinite(masked.positions[107, 11, 0])
    assert np.isfinite(masked.positions[99, 11, 0])
