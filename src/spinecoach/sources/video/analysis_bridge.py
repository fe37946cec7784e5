"""Connect the motion core's :class:`StreamingAnalyzer` to the camera pipeline.

The analysis itself (angles, baseline, repetitions, holds, form flags) is the motion core's;
this module only adapts it to :class:`~spinecoach.sources.video.pipeline.FrameAnalyzer` and
reads out what the overlay shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from spinecoach.domain.exercise import Exercise
from spinecoach.motion.required_keypoints import TORSO, required_keypoints
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import FloatArray, MotionEvent
from spinecoach.sources.video.pipeline import AnalyzerFactory, Readout

#: Form-flag codes the motion core checks besides an exercise's own common errors.
GENERIC_FORM_CODES = frozenset({"out_of_range", "too_fast", "not_enough_range"})


def required_keypoints_for(exercise: Exercise | None, names: Sequence[str]) -> tuple[str, ...]:
    """Keypoints the exercise's primary angle needs (the torso when no exercise is given).

    Only the primary angle gates feedback: secondary measures feed form rules, which the
    motion core skips when they are not measured (in a side view the far limbs are often
    hidden, and pausing for them would pause most side-view exercises).
    """
    if exercise is None:
        return TORSO
    return required_keypoints((exercise.signature.primary_angle,), names)


class ExerciseStream:
    """A :class:`StreamingAnalyzer` for one exercise, with the overlay's readout.

    ``angle_deg`` in the readout is the motion core's live excursion from the start position
    (``|relative|`` for side-to-side work, sign-corrected otherwise, smoothed), on the same
    scale as the exercise's ``target_range_deg``.
    """

    def __init__(
        self, exercise: Exercise, names: Sequence[str], min_confidence: float = 0.5
    ) -> None:
        codes = frozenset(e.code for e in exercise.common_errors) | GENERIC_FORM_CODES
        self.exercise = exercise
        self.names = tuple(names)
        self.analyzer = StreamingAnalyzer(
            exercise.signature,
            dose=exercise.dose,
            min_confidence=min_confidence,
            exercise_id=exercise.id,
            error_codes=codes,
        )
        self._t_s = 0.0

    def update(
        self, t_s: float, positions: FloatArray, confidence: FloatArray
    ) -> list[MotionEvent]:
        """Feed one frame; return the motion core's events."""
        self._t_s = t_s
        return self.analyzer.push_keypoints(t_s, positions, confidence, self.names)

    def readout(self) -> Readout:
        """Current excursion (deg), repetitions so far and the running hold (s)."""
        tracker = self.analyzer.tracker
        excursion = None
        if math.isfinite(tracker.last_angle_deg):
            excursion = tracker.last_excursion_deg
        hold_start_s = tracker.hold_start_s
        hold_s = None if hold_start_s is None else self._t_s - hold_start_s
        return Readout(excursion, len(tracker.repetitions), hold_s)


def analyzer_factory_for(
    exercise: Exercise | None, min_confidence: float, names: Sequence[str] = ()
) -> AnalyzerFactory | None:
    """A factory of :class:`ExerciseStream` for ``exercise`` (None without an exercise)."""
    if exercise is None:
        return None
    from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES

    keypoint_names = tuple(names) or BLAZEPOSE_33_NAMES
    return lambda: ExerciseStream(exercise, keypoint_names, min_confidence)
