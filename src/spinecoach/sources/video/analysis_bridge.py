"""Connect the motion core's streaming analysis to the camera pipeline."""

from __future__ import annotations

from collections.abc import Sequence

from spinecoach.domain.exercise import Exercise
from spinecoach.sources.video.pipeline import AnalyzerFactory

TORSO = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")


def required_keypoints_for(exercise: Exercise | None, names: Sequence[str]) -> tuple[str, ...]:
    """Keypoints the exercise's measures need (the torso when no exercise is given)."""
    return TORSO


def analyzer_factory_for(
    exercise: Exercise | None, min_confidence: float
) -> AnalyzerFactory | None:
    """A factory of streaming analysers for ``exercise`` (None without an exercise)."""
    return None
