"""The sitting monitor: baseline, slump, pauses when no one is in view, nudges, minutes."""

from __future__ import annotations

import numpy as np
import pytest
from _posture_person import NAMES, front_pose, side_pose

from spinecoach.motion.posture_monitor import (
    MonitorSample,
    MonitorSettings,
    PostureMonitor,
    frame_sample,
    imu_sample,
)


def _arrays(points):  # type: ignore[no-untyped-def]
    positions = np.full((len(NAMES), 2), np.nan)
    confidence = np.zeros(len(NAMES))
    for name, xy in points.items():
        positions[NAMES.index(name)] = xy
        confidence[NAMES.index(name)] = 0.95
    return positions, confidence


def _front(drop_px: float = 0.0, lean: float = 1.0):  # type: ignore[no-untyped-def]
    points = front_pose(0.0)
    centre = (points["left_shoulder"] + points["right_shoulder"]) / 2
    out = {}
    for name, xy in points.items():
        xy = centre + (xy - centre) * lean  # leaning in: everything larger
        if "ear" in name or "eye" in name or name == "nose":
            xy = xy + np.array([0.0, drop_px])  # head dropping towards the shoulders
        out[name] = xy
    return _arrays(out)


def test_front_features_fall_with_a_dropped_head_and_grow_when_leaning_in() -> None:
    upright = frame_sample(*_front(), NAMES)
    dropped = frame_sample(*_front(drop_px=25.0), NAMES)
    leaning = frame_sample(*_front(lean=1.3), NAMES)
    assert upright is not None and upright.kind == "front"
    assert dropped is not None and dropped.values[0] < upright.values[0] * 0.85
    assert leaning is not None and leaning.values[1] > upright.values[1] * 1.15


def test_side_features_and_no_one_in_view() -> None:
    sample = frame_sample(*_arrays(side_pose(45.0, 5.0, True)), NAMES)
    assert sample is not None and sample.kind == "side"
    np.testing.assert_allclose(sample.values, (45.0, 5.0), atol=0.5)
    empty = (np.full((len(NAMES), 2), np.nan), np.zeros(len(NAMES)))
    assert frame_sample(*empty, NAMES) is None


def _run(monitor, samples, start=0.0):  # type: ignore[no-untyped-def]
    nudges = []
    for i, sample in enumerate(samples):
        nudges += monitor.push(start + i, sample)
    return nudges


UP = MonitorSample("front", (0.6, 100.0))
SLUMP = MonitorSample("front", (0.45, 100.0))


def test_slump_against_own_baseline_and_minutes() -> None:
    monitor = PostureMonitor(MonitorSettings(baseline_s=10, posture_nudge_min=100))
    _run(monitor, [UP] * 11 + [UP] * 60 + [SLUMP] * 120)
    assert monitor.state.calibrated and monitor.baseline == UP
    minutes = monitor.state.minutes()
    assert minutes["slumped"] == pytest.approx(119 / 60, abs=0.05)
    assert minutes["upright"] == pytest.approx(71 / 60, abs=0.05)
    # someone whose upright is a "slumped-looking" 0.45 is upright against their own baseline
    own = PostureMonitor(MonitorSettings(baseline_s=10))
    _run(own, [SLUMP] * 200)
    assert own.state.minutes()["slumped"] == 0.0


def test_nudges_after_set_times_and_pauses_when_away() -> None:
    settings = MonitorSettings(baseline_s=5, sitting_nudge_min=2, posture_nudge_min=1,
                               away_break_s=60)  # fmt: skip
    monitor = PostureMonitor(settings)
    nudges = _run(monitor, [UP] * 6 + [SLUMP] * 61)
    assert [n.kind for n in nudges] == ["posture"]
    nudges = _run(monitor, [UP] * 60, start=67)
    assert [n.kind for n in nudges] == ["break"]  # 2 minutes of sitting
    # a short absence pauses but does not reset sitting; a long one counts as a break
    _run(monitor, [UP] * 30, start=127)
    _run(monitor, [None] * 20, start=157)
    assert monitor.state.category == "away" and monitor.state.sitting_run_s >= 30
    _run(monitor, [None] * 61, start=177)
    assert monitor.state.sitting_run_s == 0.0
    assert monitor.state.seconds["away"] == pytest.approx(80.0)


def test_gaps_are_capped_and_imu_samples() -> None:
    monitor = PostureMonitor(MonitorSettings(baseline_s=2, slump_deg=10), baseline=imu_sample(0.0))
    monitor.push(0.0, imu_sample(2.0))
    monitor.push(1000.0, imu_sample(15.0))  # a long gap counts at most max_gap_s
    assert sum(monitor.state.seconds.values()) == pytest.approx(5.0)
    monitor.push(1001.0, imu_sample(15.0))
    assert monitor.state.category == "slumped"
    assert imu_sample(float("nan")) is None
