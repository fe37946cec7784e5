"""Tracking gate (visibility, hysteresis) and person-switch detection on synthetic skeletons."""

from __future__ import annotations

import numpy as np
from _synthetic_person import NAMES, person

from spinecoach.motion.tracking_quality import (
    PersonSwitchDetector,
    TrackingMonitor,
    frame_tracking,
    visible_mask,
)
from spinecoach.motion.types import EventKind

KNEE = ("left_hip", "left_knee", "left_ankle")
FPS = 30.0


def test_visible_mask_rejects_low_confidence_nan_and_off_image() -> None:
    positions = np.array([[10.0, 10.0], [np.nan, 5.0], [50.0, 50.0], [700.0, 10.0]])
    confidence = np.array([0.9, 0.9, 0.2, 0.9])
    mask = visible_mask(positions, confidence, 0.5, width_px=640, height_px=480)
    assert mask.tolist() == [True, False, False, False]


def test_frame_tracking_names_the_missing_parts_in_plain_words() -> None:
    positions, confidence = person()
    confidence[NAMES.index("left_ankle")] = 0.1
    index = [NAMES.index(n) for n in KNEE]
    report = frame_tracking(positions, confidence, index, KNEE, 0.5, 1280, 720)
    assert not report.ok
    assert report.missing == ("left_ankle",)
    assert "left ankle" in report.reason and "paused" in report.reason


def test_monitor_hysteresis_and_reasons() -> None:
    monitor = TrackingMonitor(NAMES, KNEE, width_px=1280, height_px=720)
    good = person()
    bad = person()
    bad[1][NAMES.index("left_knee")] = 0.0
    timeline = [good] * 30 + [bad] * 3 + [good] * 30 + [bad] * 30 + [good] * 30
    kinds: list[tuple[int, EventKind]] = []
    for i, (p, c) in enumerate(timeline):
        for event in monitor.update(i / FPS, p, c):
            kinds.append((i, event.kind))
    # Restored after 0.5 s of good frames; a 0.1 s glitch does not toggle; a 1 s loss does.
    assert kinds == [
        (15, EventKind.TRACKING_RESTORED),
        (72, EventKind.TRACKING_LOST),
        (108, EventKind.TRACKING_RESTORED),
    ]
    assert monitor.n_usable == 90


def test_switch_detector_ignores_fast_walking_and_flags_a_jump() -> None:
    detector = PersonSwitchDetector(NAMES)
    reasons = []
    # Walking: 2 m/s ~ 4 torso lengths/s across the image, with a one-frame dropout.
    for i in range(60):
        if i == 30:
            continue
        p, c = person(centre_x_px=200 + 8.0 * i)
        reasons.append(detector.update(i / FPS, p, c))
    assert all(r is None for r in reasons)
    # Someone else, 3 torso lengths away, after a one-frame dropout.
    p, c = person(centre_x_px=200 + 8.0 * 59 + 3 * 192)
    reason = detector.update(61 / FPS, p, c)
    assert reason is not None and "jumped" in reason


def test_switch_detector_flags_a_sudden_change_of_size() -> None:
    detector = PersonSwitchDetector(NAMES)
    for i in range(10):
        assert detector.update(i / FPS, *person(height_px=600)) is None
    reason = detector.update(10 / FPS, *person(height_px=300, top_y_px=360))
    assert reason is not None and "size" in reason


def test_monitor_emits_switch_and_pauses_feedback() -> None:
    monitor = TrackingMonitor(NAMES, KNEE, width_px=1280, height_px=720)
    for i in range(30):
        monitor.update(i / FPS, *person(centre_x_px=300))
    assert monitor.ok
    events = monitor.update(30 / FPS, *person(centre_x_px=1000))
    assert [e.kind for e in events] == [EventKind.PERSON_SWITCH, EventKind.TRACKING_LOST]
    assert "only you" in events[0].detail
    assert not monitor.ok
