"""Gauges name the movement in words, never the raw measure name (issue 14)."""

from __future__ import annotations

import pytest

from spinecoach.content import load_library
from spinecoach.domain.exercise import ExcursionDirection
from spinecoach.domain.movement_words import movement_label


@pytest.mark.parametrize(
    ("measure", "direction", "words"),
    [
        ("trunk_flexion_deg", ExcursionDirection.NEGATIVE, "Backward bend"),
        ("trunk_flexion_deg", ExcursionDirection.POSITIVE, "Forward bend"),
        ("trunk_lateral_flexion_deg", ExcursionDirection.BOTH, "Side bend"),
        ("trunk_rotation_deg", ExcursionDirection.BOTH, "Twist"),
        ("left_knee_flexion_deg", ExcursionDirection.POSITIVE, "Left knee bend"),
        ("right_hip_flexion_deg", ExcursionDirection.NEGATIVE, "Right hip opening"),
        ("lumbar_flexion_deg", ExcursionDirection.NEGATIVE, "Backward bend"),
        ("knee_flexion_deg", ExcursionDirection.POSITIVE, "Knee bend"),
        ("knee_flexion_deg", ExcursionDirection.NEGATIVE, "Standing up"),
    ],
)
def test_words(measure: str, direction: ExcursionDirection, words: str) -> None:
    assert movement_label(measure, direction) == words


def test_every_exercise_gauge_has_words() -> None:
    for exercise in load_library():
        s = exercise.signature
        for measure in filter(None, (s.primary_angle, s.imu_angle)):
            label = movement_label(measure, s.direction)
            assert "_" not in label and "deg" not in label and label[0].isupper(), label
