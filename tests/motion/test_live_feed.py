"""The one live adapter: the analyser after a person switch is built like the first one."""

from __future__ import annotations

import numpy as np

from spinecoach.content import load_library
from spinecoach.domain.exercise import Dose
from spinecoach.motion.analysis import GENERIC_FORM_CODES, error_codes_for
from spinecoach.motion.live_feed import ExerciseFeed
from spinecoach.motion.types import EventKind

NAMES = ("left_shoulder", "right_shoulder", "left_hip", "right_hip", "left_knee", "right_knee")


def _person(x0: float, scale: float) -> np.ndarray:
    return (
        np.array(
            [
                [x0, 100],
                [x0 + 60, 100],
                [x0 + 5, 250],
                [x0 + 55, 250],
                [x0 + 5, 380],
                [x0 + 55, 380],
            ],
            float,
        )
        * scale
    )


def test_a_person_switch_rebuilds_the_same_analyser() -> None:
    exercise = load_library().get("cat_cow")
    dose = Dose(reps=3, sets=1)
    feed = ExerciseFeed(exercise, measure="lumbar_flexion_deg", dose=dose)
    first = feed.analyzer
    assert first is not None
    confidence = np.ones(len(NAMES))
    events = []
    for k in range(30):
        events += feed.push_keypoints(k / 30, _person(100, 1.0), confidence, NAMES)
    for k in range(30, 60):  # someone else, elsewhere in the picture
        events += feed.push_keypoints(k / 30, _person(900, 0.5), confidence, NAMES)
    assert any(e.kind is EventKind.PERSON_SWITCH for e in events)
    second = feed.analyzer
    assert second is not None and second is not first
    assert second.angle == first.angle == "lumbar_flexion_deg"
    assert second.tracker.dose == first.tracker.dose == dose
    assert second.tracker.error_codes == first.tracker.error_codes == error_codes_for(exercise)
    assert GENERIC_FORM_CODES <= error_codes_for(exercise)
