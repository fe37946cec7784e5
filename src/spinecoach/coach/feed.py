"""The one way in from any sensor to the session engine.

A :class:`MotionFeed` holds one :class:`~spinecoach.motion.live_feed.ExerciseFeed` (tracking
monitor for keypoints, analyser rebuilt after a person switch) for the exercise run in
progress, and starts a fresh one for every run, dosed with the plan's dose. A
:class:`LiveAdapter` puts a feed in front of a :class:`~spinecoach.coach.engine.SessionEngine`:
every front end (the terminal session's driver, the web session) hands it frames, and it
runs the set-up check, the analysis and the engine's event handling the same way. Frames
come from any source (keypoint files, video pose estimation, IMU orientation, other
sensors' measures) as :class:`Frame` objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from spinecoach.domain.cues import Cue
from spinecoach.domain.exercise import Dose, Exercise
from spinecoach.domain.i18n import N_
from spinecoach.motion.live_feed import ExerciseFeed, Readout
from spinecoach.motion.setup_check import check_setup
from spinecoach.motion.types import FloatArray, MotionEvent

if TYPE_CHECKING:
    from spinecoach.coach.engine import SessionEngine

#: Per exercise, the measure a measure-frame source analyses (None: it cannot measure it).
MeasureFor = Callable[[Exercise], str | None]
#: Per exercise, the dose actually prescribed (the plan's).
DoseFor = Callable[[Exercise], Dose]


@dataclass(frozen=True, eq=False)
class Frame:
    """One sample of a sensor stream.

    Attributes
    ----------
    t_s : float
        Stream time in seconds (increasing).
    positions : ndarray, shape (n_keypoints, n_dims), optional
        Keypoints (NaN where missing), for camera/keypoint sources.
    confidence : ndarray, shape (n_keypoints,), optional
    names : tuple of str, optional
        Keypoint names (the same tuple object on every frame is fastest).
    measures : mapping of str to float, optional
        Already computed angles in degrees (IMU sources), e.g. ``lumbar_flexion_deg``.
    image_size_px : tuple of int, optional
        ``(width, height)`` of the camera image, for the set-up check.
    """

    t_s: float
    positions: FloatArray | None = None
    confidence: FloatArray | None = None
    names: tuple[str, ...] | None = None
    measures: Mapping[str, float] | None = None
    image_size_px: tuple[int, int] | None = None


def imu_measurable(exercise: Exercise, available: frozenset[str] | None = None) -> bool:
    """Whether an IMU can analyse ``exercise`` (it names an ``imu_angle`` that is available)."""
    angle = exercise.signature.imu_angle
    return angle is not None and (available is None or angle in available)


def imu_measure(exercise: Exercise) -> str | None:
    """The measure an IMU analyses for ``exercise`` (its ``imu_angle``)."""
    return exercise.signature.imu_angle


class MotionFeed:
    """Frames in, motion events for the current exercise out.

    Parameters
    ----------
    imu : bool
        Frames carry IMU measures (each exercise is analysed on its ``imu_angle``); a
        shorthand for ``measure_for=imu_measure``.
    min_confidence : float
        Keypoints below this confidence count as missing.
    sample_rate_hz : float
        Nominal frame rate (informative).
    measure_for : callable, optional
        Measure-frame sources (IMU, other sensors): the measure analysed per exercise, None
        where the source cannot measure it. Keypoint sources leave it out.
    dose_for : callable, optional
        The dose prescribed per exercise (the plan's); default the exercise's own.
    """

    def __init__(
        self,
        *,
        imu: bool = False,
        min_confidence: float = 0.5,
        sample_rate_hz: float = 30.0,
        measure_for: MeasureFor | None = None,
        dose_for: DoseFor | None = None,
    ) -> None:
        self.imu = imu or measure_for is not None
        self.measure_for: MeasureFor | None = measure_for or (imu_measure if imu else None)
        self.dose_for = dose_for
        self.min_confidence = min_confidence
        self.sample_rate_hz = sample_rate_hz
        self._current: ExerciseFeed | None = None
        self._run_key: object = None
        self.frames = 0
        self._setup_frames: list[Frame] = []
        self._setup_count = 0

    def check_setup(
        self, frame: Frame, view: str, *, window: int = 30, every: int = 15
    ) -> tuple[bool, tuple[str, ...]] | None:
        """Camera set-up check over the last ``window`` frames, every ``every`` frames.

        Parameters
        ----------
        frame : Frame
            A camera frame with keypoints and ``image_size_px``.
        view : str
            ``front``, ``side`` or ``any`` (the first exercise's view).

        Returns
        -------
        tuple of (ok, instructions) or None
            ``None`` between checks or when the frame cannot be checked (no image size).
        """
        if frame.positions is None or frame.confidence is None or frame.names is None:
            return None
        if frame.image_size_px is None:
            return None
        self._setup_frames.append(frame)
        del self._setup_frames[:-window]
        self._setup_count += 1
        if self._setup_count % every:
            return None
        names = frame.names
        shape = frame.positions.shape  # a client may switch between [x, y] and [x, y, z]
        same = [
            f
            for f in self._setup_frames
            if f.names == names and f.positions is not None and f.positions.shape == shape
        ]
        positions = np.stack([f.positions for f in same])  # type: ignore[misc]
        confidence = np.stack([f.confidence for f in same])  # type: ignore[misc]
        width, height = frame.image_size_px
        result = check_setup(positions, confidence, names, width, height, view=view)
        return result.ok, tuple(issue.instruction for issue in result.issues)

    def measurable(self, exercise: Exercise) -> bool:
        """Whether this feed's sensor can measure ``exercise``."""
        return self.measure_for is None or self.measure_for(exercise) is not None

    def push(
        self, exercise: Exercise | None, frame: Frame, run: object = None
    ) -> list[MotionEvent]:
        """Analyse ``frame`` for ``exercise`` (``None``: between exercises, nothing to do).

        Parameters
        ----------
        exercise : Exercise or None
        frame : Frame
        run : hashable, optional
            Identifies the exercise run: a new run (even of the same exercise) starts a
            fresh analysis.

        Returns
        -------
        list of MotionEvent
        """
        self.frames += 1
        if exercise is None or not self.measurable(exercise):
            self._current = None
            return []
        key = (exercise.id, run)
        if self._current is None or self._run_key != key:
            self._run_key = key
            self._current = ExerciseFeed(
                exercise,
                measure=self.measure_for(exercise) if self.measure_for is not None else None,
                dose=self.dose_for(exercise) if self.dose_for is not None else None,
                min_confidence=self.min_confidence,
                sample_rate_hz=self.sample_rate_hz,
            )
        current = self._current
        if frame.measures is not None:
            return current.push_measures(frame.t_s, frame.measures)
        if frame.positions is None or frame.confidence is None or frame.names is None:
            return []
        return current.push_keypoints(frame.t_s, frame.positions, frame.confidence, frame.names)

    @property
    def current(self) -> ExerciseFeed | None:
        """The analysis of the exercise run in progress (None between exercises)."""
        return self._current

    def current_for(self, exercise: Exercise, run: object = None) -> ExerciseFeed | None:
        """The analysis in progress if it is the one of ``exercise``'s run ``run`` (None when
        no frame of that run has been pushed yet)."""
        if self._current is None or self._run_key != (exercise.id, run):
            return None
        return self._current

    def readout(self) -> Readout:
        """The current analysis's excursion, repetitions and hold (empty between exercises)."""
        return self._current.readout() if self._current is not None else Readout()


#: The stored traces' labels: English message ids, shown through ``_()`` by the review chart.
CAMERA_TRACE_LABEL = N_("Movement (camera)")
_SENSOR_TRACE_LABELS = (
    N_("Lumbar flexion (sensor)"), N_("Lumbar lateral flexion (sensor)"),
    N_("Lumbar rotation (sensor)"), N_("Pelvic obliquity (sensor)"),
    N_("Pelvic rotation (sensor)"), N_("Pelvic tilt (sensor)"), N_("Sensor frontal (sensor)"),
    N_("Sensor sagittal (sensor)"), N_("Trunk inclination (sensor)"),
    N_("Trunk lateral inclination (sensor)"),
)  # fmt: skip


def trace_label(measure: str) -> str:
    """Display label of a sensor measure's trace, e.g. ``Lumbar flexion (sensor)``."""
    words = measure.removesuffix("_deg").replace("_", " ")
    return f"{words[:1].upper()}{words[1:]} (sensor)"


class LiveAdapter:
    """The only way frames reach a :class:`~spinecoach.coach.engine.SessionEngine`.

    Parameters
    ----------
    engine : SessionEngine
    feed : MotionFeed
    """

    def __init__(self, engine: SessionEngine, feed: MotionFeed) -> None:
        self.engine = engine
        self.feed = feed

    def push(self, frame: Frame, *, analyse: bool = True) -> list[Cue]:
        """Tick the engine, check the camera set-up, analyse ``frame`` and apply its events.

        Parameters
        ----------
        frame : Frame
            Its time must be on the engine's clock already (the caller sets the clock).
        analyse : bool
            Analyse for the exercise in progress (recordings pass False outside movement
            steps: nothing is analysed between exercises).

        Returns
        -------
        list of Cue
            Every cue given meanwhile.
        """
        engine = self.engine
        cues = engine.tick()
        view = engine.setup_view
        if view is not None:
            checked = self.feed.check_setup(frame, view)
            if checked is not None:
                cues += engine.report_setup(*checked)
        exercise = engine.current_exercise if analyse and not engine.finished else None
        for event in self.feed.push(exercise, frame, run=len(engine.results)):
            cues += engine.on_motion_event(event)
        current = self.feed.current
        if exercise is not None and current is not None:
            self._record_trace(frame, current.measure or exercise.signature.primary_angle)
        return cues

    def catch_up(self) -> list[Cue]:
        """Analyse the keypoint frames still held for the exercise in progress (the settling
        second, analysed a few frames at a time once the starting position is reached).

        Call it before a skip or stop ends the exercise: what the person did until then
        counts and is kept in the trace, instead of being dropped with the analysis.

        Returns
        -------
        list of Cue
            Every cue the held frames' events gave.
        """
        engine = self.engine
        exercise = engine.current_exercise if not engine.finished else None
        current = None if exercise is None else self.feed.current_for(exercise, len(engine.results))
        if exercise is None or current is None or not current.catching_up:
            return []
        cues: list[Cue] = []
        for event in current.catch_up():
            cues += engine.on_motion_event(event)
        if not engine.finished and engine.current_exercise is exercise:
            engine.sink.record_sample(
                "camera", engine.clock.now(), self.feed.readout().angle_deg, CAMERA_TRACE_LABEL
            )
        return cues

    def _record_trace(self, frame: Frame, measure: str) -> None:
        """Keep the analysed excursion for the session review (every path, one place)."""
        angle = self.feed.readout().angle_deg
        if frame.measures is not None:
            self.engine.sink.record_sample(
                "imu", self.engine.clock.now(), angle, trace_label(measure)
            )
        else:
            self.engine.sink.record_sample(
                "camera", self.engine.clock.now(), angle, CAMERA_TRACE_LABEL
            )
