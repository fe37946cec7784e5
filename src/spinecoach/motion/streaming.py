"""Live analysis: feed one frame at a time, get events as they happen.

>>> analyzer = StreamingAnalyzer(exercise.signature, dose=exercise.dose)        # doctest: +SKIP
>>> for t_s, positions, confidence in frames:                                 # doctest: +SKIP
...     for event in analyzer.push_keypoints(t_s, positions, confidence, names):
...         print(event.kind, event.detail)
>>> result = analyzer.finish()                                                # doctest: +SKIP

Camera path: :meth:`StreamingAnalyzer.push_keypoints` computes the primary angle (and the
secondary measures the form rules need) for the frame with the same vectorised measure code
as :func:`~spinecoach.motion.measures.compute_measures`. IMU path:
:meth:`StreamingAnalyzer.push_measures` takes measures already computed. Both feed a
:class:`~spinecoach.motion.events.MotionTracker`, the detector batch analysis uses, so the
repetitions and holds match :func:`~spinecoach.motion.analysis.analyze_measures` on the same
data. Events whose time lies in the past (the first second is buffered to find the start
position) are emitted with their true time stamps.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator, Mapping

import numpy as np

from spinecoach.domain.exercise import Dose, SensorSignature
from spinecoach.domain.i18n import N_
from spinecoach.motion.analysis import AnalysisResult, result_from_tracker
from spinecoach.motion.body import Body
from spinecoach.motion.events import EventParameters, MotionTracker
from spinecoach.motion.measures import (
    MEASURES,
    MeasureDefinition,
    measure_values,
    static_problem,
)
from spinecoach.motion.rotation import RotationEstimator
from spinecoach.motion.start_position import PositionGate, Posture
from spinecoach.motion.types import (
    CoordinateFrame,
    EventKind,
    FloatArray,
    FrameKind,
    MotionEvent,
)

IMAGE_FRAME = CoordinateFrame(FrameKind.IMAGE)

#: What the person is told, once, when the exercise's movement cannot be measured from this
#: input (instead of a "tracking lost" cue every time the stream goes on without a value).
NO_DEPTH_ROTATION = N_(
    "Trunk rotation can't be measured from this camera: it needs depth, which plain 2D "
    "keypoints don't have. Repetitions aren't counted; follow the timer."
)
SIDE_VIEW_ROTATION = N_(
    "Trunk rotation can't be measured from this view: face the camera and start again. "
    "Repetitions aren't counted meanwhile; follow the timer."
)
NOT_MEASURABLE_HERE = N_(
    "This movement can't be measured from this input. Repetitions aren't counted; follow the timer."
)
#: Held frames analysed per pushed frame, beside it, once the start position is reached:
#: the settling second (about 30 frames, ~5 ms) is caught up over the next few frames
#: instead of in one (its events keep their true times).
CATCH_UP_FRAMES = 4


class _LazyMeasures(Mapping[str, float]):
    """Secondary measures of one frame, computed only if the tracker looks at them."""

    __slots__ = ("_body", "_definitions", "_cache")

    def __init__(self, body: Body, definitions: dict[str, MeasureDefinition]) -> None:
        self._body = body
        self._definitions = definitions
        self._cache: dict[str, float] = {}

    def __getitem__(self, name: str) -> float:
        value = self._cache.get(name)
        if value is None:
            value = float(measure_values(self._body, self._definitions[name])[0])
            self._cache[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._definitions)

    def __len__(self) -> int:
        return len(self._definitions)


class StreamingAnalyzer:
    """Incremental analysis of one exercise's primary angle.

    Parameters
    ----------
    signature : SensorSignature
        The exercise's sensor signature.
    angle : str, optional
        Measure to analyse (default ``signature.primary_angle``; IMU: ``imu_angle``).
    dose : Dose, optional
        For the ``too_fast`` check.
    sample_rate_hz : float
        Expected frame rate (informative; detection works on the given time stamps).
    min_confidence : float
        Keypoints below this confidence count as missing.
    frame : CoordinateFrame, optional
        Coordinate frame of pushed keypoints (default: image, x right, y down).
    exercise_id : str
        Copied into the final result.
    error_codes : frozenset of str, optional
        Report only these form-flag codes.
    params : EventParameters, optional
        Detection tuning.
    start_position : str, optional
        The exercise's starting position (``Exercise.position``): keypoint frames are not
        analysed until the person has settled in it (:class:`~spinecoach.motion.posture.
        PositionGate`); ``START_POSITION_NEEDED`` (detail: how to get there) is emitted while
        they are not, ``START_POSITION_REACHED`` once they are. None: no waiting.
    """

    def __init__(
        self,
        signature: SensorSignature,
        *,
        angle: str | None = None,
        dose: Dose | None = None,
        sample_rate_hz: float = 30.0,
        min_confidence: float = 0.5,
        frame: CoordinateFrame | None = None,
        exercise_id: str = "",
        error_codes: frozenset[str] | None = None,
        params: EventParameters | None = None,
        start_position: str | None = None,
    ) -> None:
        self.angle = angle or signature.primary_angle
        self.sample_rate_hz = sample_rate_hz
        self.min_confidence = min_confidence
        self.frame = frame or IMAGE_FRAME
        self.exercise_id = exercise_id
        self.tracker = MotionTracker(
            signature, self.angle, dose=dose, error_codes=error_codes, params=params
        )
        self._events: list[MotionEvent] = []
        self._names: tuple[str, ...] | None = None
        self._n_dims = 0
        self._primary: MeasureDefinition | None = None
        self._secondary: dict[str, MeasureDefinition] = {}
        self._unmeasurable: str | None = None
        self._told_unmeasurable: str | None = None
        self._told_hint: str | None = None
        self.gate = (
            PositionGate(start_position, self.frame.kind, self.frame.axes, min_confidence)
            if start_position is not None
            else None
        )
        self._asked: Posture | None = None
        #: image keypoints: trunk rotation needs a calibration kept across frames
        self._rotation: RotationEstimator | None = None
        self._rest_deg = math.nan  # the rotation estimate's rest level last followed
        self._backlog: deque[tuple[float, FloatArray, FloatArray, tuple[str, ...]]] = deque()
        self._settling: list[tuple[float, FloatArray, FloatArray, tuple[str, ...]]] = []

    def _wait_for_position(
        self, t_s: float, positions: FloatArray, confidence: FloatArray, names: tuple[str, ...]
    ) -> list[MotionEvent]:
        """Events while waiting for the starting position (the frames of the settling second
        are kept, and analysed once the gate opens: they are the start position's baseline)."""
        gate = self.gate
        assert gate is not None
        opened = gate.update(t_s, positions, confidence, names)
        if gate.in_position or opened:
            self._settling.append((t_s, positions.copy(), confidence.copy(), names))
        else:
            self._settling.clear()
        if opened:
            event = MotionEvent(t_s, EventKind.START_POSITION_REACHED, None, "in position")
            self._events.append(event)
            return [event]
        if gate.in_position or gate.last is self._asked:
            return []
        self._asked = gate.last
        event = MotionEvent(t_s, EventKind.START_POSITION_NEEDED, None, gate.cue)
        self._events.append(event)
        return [event]

    def _prepare(self, names: tuple[str, ...], n_dims: int) -> None:
        probe = Body(
            np.full((1, len(names), n_dims), np.nan),
            np.zeros((1, len(names))),
            names,
            self.frame.kind,
            self.frame.axes,
            self.min_confidence,
        )
        self._primary = None
        self._secondary = {}
        self._unmeasurable = None
        for name in (self.angle, *self.tracker.secondary):
            definition = MEASURES.get(name)
            if definition is None:
                problem: str | None = f"{name} is not a keypoint measure"
            else:
                problem = static_problem(definition, probe)
            if problem is None and definition is not None:
                if name == self.angle:
                    self._primary = definition
                else:
                    self._secondary[name] = definition
            elif name == self.angle:
                self._unmeasurable = problem
        self._names = names
        self._n_dims = n_dims
        self._rotation = None
        self._rest_deg = math.nan
        if (
            self._primary is not None
            and self._primary.name == "trunk_rotation_deg"
            and self.frame.kind is FrameKind.IMAGE
        ):
            self._rotation = RotationEstimator()

    def push_keypoints(
        self,
        t_s: float,
        positions: FloatArray,
        confidence: FloatArray,
        names: tuple[str, ...],
    ) -> list[MotionEvent]:
        """Analyse one frame of keypoints.

        Parameters
        ----------
        t_s : float
            Frame time in seconds (increasing).
        positions : ndarray, shape (n_keypoints, n_dims)
            NaN for missing points.
        confidence : ndarray, shape (n_keypoints,)
        names : tuple of str
            Canonical keypoint names (the same tuple object every frame is fastest).

        Returns
        -------
        list of MotionEvent
            Events this frame produced (often empty).
        """
        if self.gate is not None and not self.gate.ready:
            events = self._wait_for_position(t_s, positions, confidence, names)
            if not self.gate.ready:
                return events
            # the settling second (this frame included) becomes the backlog
            self._backlog.extend(self._settling)
            self._settling = []
            return events + self._catch_up(CATCH_UP_FRAMES)
        if self._backlog:
            self._backlog.append((t_s, positions.copy(), confidence.copy(), names))
            return self._catch_up(CATCH_UP_FRAMES + 1)
        return self._analyse(t_s, positions, confidence, names)

    def _catch_up(self, n: int) -> list[MotionEvent]:
        """Analyse up to ``n`` frames of the backlog, oldest first."""
        events: list[MotionEvent] = []
        backlog = self._backlog
        for _ in range(min(n, len(backlog))):
            events += self._analyse(*backlog.popleft())
        return events

    def catch_up(self) -> list[MotionEvent]:
        """Analyse every held frame now (the exercise is ending: what was received counts).

        Returns
        -------
        list of MotionEvent
            Events the held frames produced, with their true times.
        """
        return self._catch_up(len(self._backlog))

    @property
    def catching_up(self) -> bool:
        """Whether held frames of the settling second still wait to be analysed."""
        return bool(self._backlog)

    def _analyse(
        self,
        t_s: float,
        positions: FloatArray,
        confidence: FloatArray,
        names: tuple[str, ...],
    ) -> list[MotionEvent]:
        n_dims = positions.shape[-1]
        if (names is not self._names and names != self._names) or n_dims != self._n_dims:
            # a new keypoint set, or depth appearing or going (a client that sends
            # [x, y, z] after [x, y]): measurability and the rotation calibration restart
            self._prepare(names, n_dims)
        body = Body(
            positions[None],
            confidence[None],
            names,
            self.frame.kind,
            self.frame.axes,
            self.min_confidence,
        )
        primary = math.nan
        rotation = self._rotation
        if rotation is not None:
            primary = rotation.push(t_s, body)
            if rotation.problem is not None:
                return self._not_measurable(t_s, rotation.problem)
            if rotation.calibrating:
                # still looking for the still window that calibrates it: not a gap in
                # tracking (no "out of view" while the person sits still to be measured);
                # a still window on a held twist is not calibrated on: "face the camera"
                return self._hint(t_s, rotation.hint)
            self._follow_rest(rotation.rest_deg)
        elif self._primary is not None:
            primary = float(measure_values(body, self._primary)[0])
        elif self._unmeasurable is not None:
            return self._not_measurable(t_s, self._unmeasurable)
        secondary = _LazyMeasures(body, self._secondary) if self._secondary else None
        events = self.tracker.update(t_s, primary, secondary)
        if events:
            self._events.extend(events)
        return events

    def _hint(self, t_s: float, hint: str | None) -> list[MotionEvent]:
        """While calibrating: say what the person should do (once per episode)."""
        told, self._told_hint = self._told_hint, hint
        if hint is None or hint == told:
            return []
        event = MotionEvent(t_s, EventKind.START_POSITION_NEEDED, None, hint)
        self._events.append(event)
        return [event]

    def _not_measurable(self, t_s: float, problem: str) -> list[MotionEvent]:
        """The primary angle cannot be measured from this input (plain 2D keypoints for a
        rotation, a side view): one :attr:`EventKind.NOT_MEASURABLE` with plain words, then
        nothing. The tracker is not fed, so the missing angle is no "out of view" gap."""
        self._unmeasurable = problem
        if self._told_unmeasurable == problem:
            return []
        self._told_unmeasurable = problem
        if self.angle == "trunk_rotation_deg":
            text = NO_DEPTH_ROTATION if "depth" in problem else SIDE_VIEW_ROTATION
        else:
            text = NOT_MEASURABLE_HERE
        event = MotionEvent(t_s, EventKind.NOT_MEASURABLE, None, text)
        self._events.append(event)
        return [event]

    @property
    def not_measurable(self) -> str | None:
        """Why the primary angle cannot be measured from this input (None: it can)."""
        rotation = self._rotation
        if rotation is not None and rotation.problem is not None:
            return rotation.problem
        return self._unmeasurable if self._primary is None and rotation is None else None

    def _follow_rest(self, rest_deg: float) -> None:
        """The tracker's rest level from the rotation estimate's: its first value (the first
        second of readings may already be a turn), then, between repetitions, every change
        of it as the estimate refines its rest depths on the frames at rest (so the reading
        of a still person stays on the rest level). The tracker's own refinement (a stream
        that starts turned) still moves the level on top of that."""
        tracker = self.tracker
        if tracker.baseline_deg is None:
            tracker.adopt_baseline(rest_deg)
            self._rest_deg = rest_deg
        elif not tracker.in_repetition and self._rest_deg == self._rest_deg:
            tracker.adopt_baseline(tracker.baseline_deg + rest_deg - self._rest_deg, replace=True)
            self._rest_deg = rest_deg

    def push_measures(self, t_s: float, values: dict[str, float]) -> list[MotionEvent]:
        """Analyse one sample of already-computed measures (the IMU path).

        ``values`` maps measure names to their value (NaN or absent = not measured).
        """
        primary = values.get(self.angle, math.nan)
        secondary = {k: values[k] for k in self.tracker.secondary if k in values}
        events = self.tracker.update(t_s, primary, secondary or None)
        if events:
            self._events.extend(events)
        return events

    def finish(self) -> AnalysisResult:
        """Close open holds and return the result of the whole stream."""
        self._catch_up(len(self._backlog))
        self._events.extend(self.tracker.finish())
        return result_from_tracker(self.tracker, self.exercise_id, self._events, self._unmeasurable)
