"""Connect the motion core's :class:`StreamingAnalyzer` to the camera pipeline.

The analysis itself (angles, baseline, repetitions, holds, form flags) is the motion core's;
this module only adapts it to :class:`~spinecoach.sources.video.pipeline.FrameAnalyzer` and
reads out what the overlay shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from spinecoach.domain.exercise import ExcursionDirection, Exercise
from spinecoach.motion.required_keypoints import TORSO, required_keypoints
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import EventKind, FloatArray, MotionEvent
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

    ``angle_deg`` in the readout is the excursion from the start position as the motion
    core defines it (``|relative|`` for side-to-side work, sign-corrected otherwise), so it
    is on the same scale as the exercise's ``target_range_deg``.
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
        self._hold_start_s: float | None = None
        self._t_s = 0.0
        self.last_primary_deg = math.nan
        # Remember the primary angle the analyser feeds its event tracker each frame (the
        # overlay shows it); the tracker's own logic is untouched.
        tracker_update = self.analyzer.tracker.update

        def capture(
            t_s: float, value: float, secondary: Mapping[str, float] | None = None
        ) -> list[MotionEvent]:
            self.last_primary_deg = value
            return tracker_update(t_s, value, secondary)  # type: ignore[arg-type]

        setattr(self.analyzer.tracker, "update", capture)  # noqa: B010

    def update(
        self, t_s: float, positions: FloatArray, confidence: FloatArray
    ) -> list[MotionEvent]:
        """Feed one frame; return the motion core's events."""
        self._t_s = t_s
        events = self.analyzer.push_keypoints(t_s, positions, confidence, self.names)
        for event in events:
            if event.kind is EventKind.HOLD_STARTED:
                hold = getattr(self.analyzer.tracker, "_hold", None)
                self._hold_start_s = getattr(hold, "start_s", event.t_s)
            elif event.kind is EventKind.HOLD_ENDED:
                self._hold_start_s = None
        return events

    def readout(self) -> Readout:
        """Current excursion (deg), repetitions so far and the running hold (s)."""
        tracker = self.analyzer.tracker
        excursion = None
        value = self.last_primary_deg
        if tracker.baseline_deg is not None and math.isfinite(value):
            relative = value - tracker.baseline_deg
            direction = self.exercise.signature.direction
            if direction is ExcursionDirection.BOTH:
                excursion = abs(relative)
            elif direction is ExcursionDirection.NEGATIVE:
                excursion = -relative
            else:
                excursion = relative
        hold_s = None if self._hold_start_s is None else self._t_s - self._hold_start_s
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
