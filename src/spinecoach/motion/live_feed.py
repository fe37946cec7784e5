"""The one adapter from live sensor frames to motion events for one exercise.

Every live path (the guided session's driver, the web session, the camera pipeline behind
``analyze VIDEO`` / ``live``, the IMU stream) analyses frames through an
:class:`ExerciseFeed`, so they all get the same behaviour:

* keypoint frames pass a :class:`~spinecoach.motion.tracking_quality.TrackingMonitor`
  (missing keypoints, person switches); while tracking is poor the analyser sees a gap;
* after a person switch the analyser is rebuilt by the same factory as at the start (the
  exercise's error codes, measure and dose are kept);
* measure frames (IMU, other sensors) go straight to the analyser on the source's measure.

Pure NumPy: no I/O; time comes in with each frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from spinecoach.domain.exercise import Dose, Exercise
from spinecoach.motion.analysis import error_codes_for
from spinecoach.motion.measure_zone import placement_signature
from spinecoach.motion.required_keypoints import TORSO, required_keypoints
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.tracking_quality import TrackingMonitor
from spinecoach.motion.types import EventKind, FloatArray, MotionEvent


@dataclass(frozen=True)
class Readout:
    """What the analysis shows right now.

    Attributes
    ----------
    angle_deg : float or None
        The analysed measure as an excursion from the start position (smoothed), on the
        scale of the source's zone; None before a start position is known or while unseen.
    reps : int or None
        Repetitions so far.
    hold_s : float or None
        The running hold (s), None when not holding.
    """

    angle_deg: float | None = None
    reps: int | None = None
    hold_s: float | None = None


def gate_keypoints(
    positions: FloatArray, confidence: FloatArray, ok: bool
) -> tuple[FloatArray, FloatArray]:
    """Keypoints as the analyser may see them: a gap (NaN, zero confidence) unless ``ok``."""
    if ok:
        return positions, confidence
    return np.full_like(positions, np.nan), np.zeros_like(confidence)


class ExerciseFeed:
    """Frames in, motion events out, for one exercise (or tracking only without one).

    Parameters
    ----------
    exercise : Exercise or None
        None: the tracking monitor only (skeleton and tracking, no analysis).
    measure : str, optional
        The measure analysed from measure frames (an IMU's ``imu_angle``); keypoint frames
        are analysed on the exercise's primary angle.
    dose : Dose, optional
        The dose actually prescribed (the plan's); default the exercise's own.
    min_confidence : float
        Keypoints below this confidence count as missing.
    required : sequence of str, optional
        Keypoints the tracking gate needs; default those of the primary angle.
    image_size_px : tuple of int, optional
        ``(width, height)`` of camera images (the monitor checks framing with it).
    sample_rate_hz : float
        Nominal frame rate (informative).
    keypoint_names : sequence of str, optional
        The keypoint set of the frames to come, to build the tracking monitor now (it is
        built, or rebuilt, from the first frame otherwise).
    """

    def __init__(
        self,
        exercise: Exercise | None,
        *,
        measure: str | None = None,
        dose: Dose | None = None,
        min_confidence: float = 0.5,
        required: Sequence[str] | None = None,
        image_size_px: tuple[int, int] | None = None,
        sample_rate_hz: float = 30.0,
        keypoint_names: Sequence[str] | None = None,
    ) -> None:
        self.exercise = exercise
        self.measure = measure
        self.dose = dose if dose is not None or exercise is None else exercise.dose
        self.min_confidence = min_confidence
        self.sample_rate_hz = sample_rate_hz
        self._required = tuple(required) if required is not None else None
        self._image_size = image_size_px
        #: The signature the analysis uses: the exercise's, with the measure's own zone.
        self.signature = (
            placement_signature(exercise.signature, measure) if exercise is not None else None
        )
        self.analyzer: StreamingAnalyzer | None = self.new_analyzer()
        self.monitor: TrackingMonitor | None = None
        self._names: tuple[str, ...] | None = None
        if keypoint_names is not None:
            self._monitor_for(tuple(keypoint_names))
        self._t_s = 0.0
        self.switch_times_s: list[float] = []

    def new_analyzer(self) -> StreamingAnalyzer | None:
        """A fresh analyser for the exercise (at the start and after a person switch).

        The source's measure is judged by its own zone and minimum excursion, as the file
        analysis judges it (:func:`~spinecoach.motion.measure_zone.placement_signature`).
        """
        exercise, signature = self.exercise, self.signature
        if exercise is None or signature is None:
            return None
        return StreamingAnalyzer(
            signature,
            angle=self.measure,
            dose=self.dose,
            sample_rate_hz=self.sample_rate_hz,
            min_confidence=self.min_confidence,
            exercise_id=exercise.id,
            error_codes=error_codes_for(exercise),
            start_position=exercise.position.value,  # keypoints: wait for the start position
        )

    @property
    def tracking_ok(self) -> bool:
        """Whether the person is seen well enough to coach (always for measure frames)."""
        return self.monitor is None or self.monitor.ok

    def required_for(self, names: Sequence[str]) -> tuple[str, ...]:
        """Keypoints the tracking gate needs with keypoint set ``names``.

        Only the primary angle gates feedback: secondary measures feed form rules, which the
        motion core skips when they are not measured (in a side view the far limbs are often
        hidden, and pausing for them would pause most side-view exercises).
        """
        if self._required is not None:
            return self._required
        if self.exercise is None:
            return TORSO
        return required_keypoints((self.exercise.signature.primary_angle,), names)

    def push_keypoints(
        self, t_s: float, positions: FloatArray, confidence: FloatArray, names: tuple[str, ...]
    ) -> list[MotionEvent]:
        """One frame of keypoints: tracking events, then the analyser's events (gated)."""
        self._t_s = t_s
        monitor = self.monitor
        if monitor is None or names != self._names:
            monitor = self._monitor_for(names)
        events = monitor.update(t_s, positions, confidence)
        if any(e.kind is EventKind.PERSON_SWITCH for e in events):
            # the keypoints now belong to someone else: restart the analysis
            self.switch_times_s.append(t_s)
            self.analyzer = self.new_analyzer()
        if self.analyzer is not None:
            seen, conf = gate_keypoints(positions, confidence, monitor.ok)
            events += self.analyzer.push_keypoints(t_s, seen, conf, names)
        return events

    def catch_up(self) -> list[MotionEvent]:
        """Analyse the frames still held while the starting position was confirmed (their
        events, oldest first; none when nothing is held)."""
        return self.analyzer.catch_up() if self.analyzer is not None else []

    @property
    def catching_up(self) -> bool:
        """Whether keypoint frames of the settling second still wait to be analysed."""
        return self.analyzer is not None and self.analyzer.catching_up

    def _monitor_for(self, names: tuple[str, ...]) -> TrackingMonitor:
        self._names = names
        width, height = self._image_size or (None, None)
        self.monitor = TrackingMonitor(
            names,
            self.required_for(names),
            min_confidence=self.min_confidence,
            width_px=width,
            height_px=height,
        )
        return self.monitor

    def push_measures(self, t_s: float, values: Mapping[str, float]) -> list[MotionEvent]:
        """One row of already computed measures (degrees, or the source's unit)."""
        self._t_s = t_s
        if self.analyzer is None:
            return []
        return self.analyzer.push_measures(t_s, dict(values))

    def readout(self) -> Readout:
        """Current excursion, repetitions so far and the running hold."""
        if self.analyzer is None:
            return Readout()
        tracker = self.analyzer.tracker
        excursion = None
        if math.isfinite(tracker.last_angle_deg) and self.tracking_ok:
            excursion = tracker.last_excursion_deg
        hold_start_s = tracker.hold_start_s
        hold_s = None if hold_start_s is None else self._t_s - hold_start_s
        return Readout(excursion, len(tracker.repetitions), hold_s)
