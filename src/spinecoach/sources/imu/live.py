"""Live IMU streams: the JSON-lines protocol and the session that analyses it.

Transports (UDP and WebSocket listeners, the replayer) are in
:mod:`spinecoach.sources.imu.transport`.

Protocol (docs/imu.md)
----------------------
Each UDP datagram or WebSocket text message carries one or more lines, each a JSON object:

* a **sample** of one sensor::

    {"t": 12.34, "sensor": "upper", "gyro": [gx, gy, gz], "accel": [ax, ay, az],
     "mag": [mx, my, mz]}

* or a **frame** with every sensor at one time::

    {"t": 12.34, "sensors": {"upper": {"gyro": [...], "accel": [...]}, "lower": {...}}}

* or the **end** of the stream: ``{"type": "end"}``.

``t`` is seconds on the sender's clock (increasing), ``gyro`` °/s (optional: accelerometer-
only tilt), ``accel`` g *including gravity*, ``mag`` µT (optional). ``sensor`` is a
placement: ``upper`` (T12/L1), ``lower`` (sacrum), ``thigh``, ``wrist``. Samples of
different sensors with the same ``t`` form one frame; a sensor missing from a frame keeps its
previous sample (zero-order hold). Malformed lines are counted and skipped, never fatal.

The first ``calibration_s`` seconds are the neutral window (stand still, upright); then each
frame yields measures and, through :class:`~spinecoach.motion.streaming.StreamingAnalyzer`,
events (every ``event_stride``-th frame: events run at about 30 Hz, as in batch analysis).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinecoach.domain.exercise import Dose, Exercise, SensorSignature
from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidInput, InvalidRecording
from spinecoach.motion.analysis import AnalysisResult, error_codes_for
from spinecoach.motion.imu_angles import CalibrationOptions
from spinecoach.motion.imu_orientation import AhrsOptions
from spinecoach.motion.imu_pipeline import ImuStreamProcessor, Sample, event_stride
from spinecoach.motion.imu_types import (
    SENSORS_BY_PLACEMENT,
    Placement,
    PlacementSet,
    placement_set_of,
)
from spinecoach.motion.measure_zone import placement_signature
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import MotionEvent

logger = logging.getLogger(__name__)

MAX_LINE_BYTES = 4096
PLACEMENT_SENSORS = SENSORS_BY_PLACEMENT
#: What a malformed line can raise while it is parsed (all of them are caught).
LINE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, RecursionError)
MeasureRow = tuple[float, dict[str, float]]


def _vector(value: Any, name: str) -> list[float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError(f"'{name}' must be a list of 3 numbers")
    out = [float(v) for v in value]
    if not all(math.isfinite(v) for v in out):
        raise ValueError(f"'{name}' has a non-finite value")
    return out


def parse_line(line: str) -> tuple[str, float, dict[Placement, Sample]]:
    """Parse one protocol line into ``(kind, t_s, {placement: (gyro, accel, mag)})``.

    ``kind`` is ``"data"`` or ``"end"``. Raises ValueError on a malformed line.
    """
    if len(line) > MAX_LINE_BYTES:
        raise ValueError("line too long")
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("a line must be a JSON object")
    if obj.get("type") == "end":
        return "end", math.nan, {}
    t = float(obj["t"])
    if not math.isfinite(t):
        raise ValueError("'t' must be finite")
    if "sensors" in obj:
        sensors = obj["sensors"]
        if not isinstance(sensors, dict):
            raise ValueError("'sensors' must be an object of placement -> sample")
        items = list(sensors.items())
    else:
        items = [(obj.get("sensor", "lower"), obj)]
    samples: dict[Placement, Sample] = {}
    for name, body in items:
        if not isinstance(body, dict):
            raise ValueError(f"sensor {str(name)[:20]!r}: a sample must be an object")
        placement = Placement(str(name))
        accel = _vector(body.get("accel"), "accel")
        if accel is None:
            raise ValueError("'accel' is required")
        samples[placement] = (
            _vector(body.get("gyro"), "gyro"),
            accel,
            _vector(body.get("mag"), "mag"),
        )
    return "data", t, samples


@dataclass
class FrameAssembler:
    """Groups per-sensor samples with equal time stamps into frames."""

    expected: tuple[Placement, ...] = ()
    _pending_t: float | None = None
    _pending: dict[Placement, Sample] = field(default_factory=dict)
    _last: dict[Placement, Sample] = field(default_factory=dict)
    _last_t: float | None = None
    n_dropped: int = 0
    n_out_of_order: int = 0

    def add(
        self, t_s: float, samples: dict[Placement, Sample]
    ) -> list[tuple[float, dict[Placement, Sample]]]:
        """Add samples at ``t_s``; return frames now complete (in time order).

        Samples not later than the last emitted frame (late UDP datagrams, a sender's clock
        stepping back) are dropped and counted in ``n_out_of_order``.
        """
        out: list[tuple[float, dict[Placement, Sample]]] = []
        if self._last_t is not None and t_s <= self._last_t:
            self.n_out_of_order += 1
            return out
        if self._pending_t is not None and t_s != self._pending_t:
            frame = self._close()
            if frame is not None:
                out.append(frame)
        if self._pending_t is None:
            self._pending_t = t_s
        self._pending.update(samples)
        if not self.expected:
            return out
        if all(p in self._pending for p in self.expected):
            frame = self._close()
            if frame is not None:
                out.append(frame)
        return out

    def _close(self) -> tuple[float, dict[Placement, Sample]] | None:
        t, pending = self._pending_t, self._pending
        self._pending_t, self._pending = None, {}
        if t is None:
            return None
        if not self.expected:
            self.expected = tuple(sorted(pending, key=str))
        frame = {p: pending.get(p, self._last.get(p)) for p in self.expected}
        if any(v is None for v in frame.values()):
            self.n_dropped += 1
            return None
        self._last.update(pending)
        self._last_t = t
        return t, frame  # type: ignore[return-value]

    def finish(self) -> list[tuple[float, dict[Placement, Sample]]]:
        """Close the last pending frame."""
        frame = self._close()
        return [frame] if frame is not None else []


class EventThinner:
    """Keeps every ``stride``-th measure row: the one place rows are thinned to the event rate.

    The stride comes from the rate of the first batch of rows
    (:func:`~spinecoach.motion.imu_pipeline.event_stride`, about 25 Hz as in batch analysis).
    """

    def __init__(self) -> None:
        self.stride: int | None = None
        self._index = 0

    def __call__(self, rows: list[MeasureRow]) -> list[MeasureRow]:
        """The rows of ``rows`` that events are detected on."""
        if rows and self.stride is None:
            self.stride = event_stride(np.array([t for t, _ in rows]))
        stride = self.stride or 1
        out = [row for k, row in enumerate(rows, self._index) if k % stride == 0]
        self._index += len(rows)
        return out


def recording_rows(path: Path) -> tuple[list[MeasureRow], tuple[str, ...]]:
    """Measure rows of an IMU recording file, thinned to the event rate like a live stream.

    Returns
    -------
    rows : list of (t_s, {measure: degrees})
    names : tuple of str
        The measures the recording's sensors provide.
    """
    from spinecoach.motion.imu_pipeline import recording_measures
    from spinecoach.sources.imu.registry import read_imu

    measures = recording_measures(read_imu(path))
    names = tuple(measures.values)
    columns = [measures.values[n].tolist() for n in names]
    rows = [
        (float(t), {n: float(c[i]) for n, c in zip(names, columns, strict=True)})
        for i, t in enumerate(measures.time_s.tolist())
    ]
    return EventThinner()(rows), names


class ImuLineDecoder:
    """The one IMU decoder: protocol lines in, measure rows (thinned to the event rate) out.

    Parses each line (:func:`parse_line`), groups samples into frames
    (:class:`FrameAssembler`), runs orientation, calibration and angles
    (:class:`~spinecoach.motion.imu_pipeline.ImuStreamProcessor`) and keeps every
    :class:`EventThinner` row. Malformed lines are counted and skipped, never fatal:
    ``n_bad_lines`` and ``last_error`` say what was wrong.

    Parameters
    ----------
    placement_set : PlacementSet, optional
        Which sensors to expect; learned from the first frame when None.
    thin : bool
        Thin rows to the event rate (False: every row, e.g. for a live readout).
    """

    def __init__(
        self,
        placement_set: PlacementSet | None = None,
        *,
        ahrs: AhrsOptions | None = None,
        calibration: CalibrationOptions | None = None,
        thin: bool = True,
    ) -> None:
        self.placement_set = placement_set
        self.ahrs = ahrs or AhrsOptions()
        self.calibration = calibration or CalibrationOptions()
        expected = SENSORS_BY_PLACEMENT.get(placement_set) if placement_set else ()
        self.assembler = FrameAssembler(expected=tuple(expected or ()))
        self.processor: ImuStreamProcessor | None = None
        self.thinner: EventThinner | None = EventThinner() if thin else None
        self.n_bad_lines = 0
        self.n_frames = 0
        self.n_rows = 0
        self.last_error = ""
        self.ended = False
        self.last_row: MeasureRow | None = None

    @property
    def calibrated(self) -> bool:
        """Whether the calibration window is over (rows are coming)."""
        return self.processor is not None and self.processor.calibrated

    def feed(self, text: str) -> list[MeasureRow]:
        """Decode a message (one or more lines); return the rows it completed."""
        rows: list[MeasureRow] = []
        for line in text.splitlines():
            if line.strip():
                rows.extend(self.feed_line(line))
        return rows

    def feed_line(self, line: str) -> list[MeasureRow]:
        """Decode one line (a bad one is counted in ``n_bad_lines`` and skipped)."""
        try:
            kind, t, samples = parse_line(line)
        except LINE_ERRORS as exc:
            self._bad(gettext("malformed line ({why})").format(why=exc))
            return []
        if kind == "end":
            return self.end()
        rows: list[MeasureRow] = []
        for frame_t, frame in self.assembler.add(t, samples):
            rows.extend(self._frame(frame_t, frame))
        return self._out(rows)

    def end(self) -> list[MeasureRow]:
        """The stream ended: flush the pending frame (and a short calibration window)."""
        if self.ended:
            return []
        self.ended = True
        rows: list[MeasureRow] = []
        for frame_t, frame in self.assembler.finish():
            rows.extend(self._frame(frame_t, frame))
        if self.processor is not None:
            rows.extend(self.processor.flush())
        return self._out(rows)

    def _frame(self, t_s: float, frame: dict[Placement, Sample]) -> list[MeasureRow]:
        if self.processor is None:
            self.processor = ImuStreamProcessor(
                tuple(frame),
                placement_set=self.placement_set,
                ahrs=self.ahrs,
                calibration=self.calibration,
            )
        self.n_frames += 1
        try:
            return self.processor.push(t_s, frame)
        except InvalidRecording as exc:
            self._bad(str(exc))
            return []

    def _out(self, rows: list[MeasureRow]) -> list[MeasureRow]:
        if rows:
            self.n_rows += len(rows)
            self.last_row = rows[-1]
        return self.thinner(rows) if self.thinner is not None else rows

    def _bad(self, problem: str) -> None:
        self.n_bad_lines += 1
        self.last_error = problem
        logger.debug("bad IMU line skipped: %s", problem)


@dataclass
class LiveSession:
    """Protocol lines in, measures and events out (no I/O: transports call :meth:`feed`).

    Parameters
    ----------
    signature : SensorSignature or None
        Exercise signature; its ``imu_angle`` (or ``angle``) is analysed. None: the default
        angle of the placement found in the first frame (lumbar flexion for two sensors,
        pelvic tilt for a sacral sensor, trunk inclination for an upper one).
    placement_set : PlacementSet, optional
        Which sensors to expect; learned from the first frame when None.
    angle : str, optional
    error_codes : frozenset of str, optional
        Form-flag codes to report (an exercise's: ``error_codes_for(exercise)``, as the file
        analysis reports); None: every rule for the angle.
    """

    signature: SensorSignature | None
    placement_set: PlacementSet | None = None
    angle: str | None = None
    dose: Dose | None = None
    exercise_id: str = ""
    error_codes: frozenset[str] | None = None
    ahrs: AhrsOptions = field(default_factory=AhrsOptions)
    calibration: CalibrationOptions = field(default_factory=CalibrationOptions)
    on_event: Callable[[MotionEvent], None] | None = None
    n_bad_lines: int = 0
    n_frames: int = 0
    ended: bool = False

    @classmethod
    def for_exercise(cls, exercise: Exercise, **kwargs: Any) -> LiveSession:
        """A session that analyses ``exercise`` as the file analysis does: its signature
        (judged in its IMU zone), dose, id and form-flag codes (``error_codes_for``).

        Parameters
        ----------
        exercise : Exercise
        **kwargs
            Other :class:`LiveSession` fields (``placement_set``, ``calibration``,
            ``on_event``, ...).
        """
        return cls(
            exercise.signature,
            dose=exercise.dose,
            exercise_id=exercise.id,
            error_codes=error_codes_for(exercise),
            **kwargs,
        )

    def __post_init__(self) -> None:
        self.decoder = ImuLineDecoder(
            self.placement_set, ahrs=self.ahrs, calibration=self.calibration
        )
        self.assembler = self.decoder.assembler
        self._analyzer: StreamingAnalyzer | None = None
        self.events: list[MotionEvent] = []

    @property
    def processor(self) -> ImuStreamProcessor | None:
        """The orientation and angle processor (created with the first frame)."""
        return self.decoder.processor

    def feed(self, text: str) -> list[MotionEvent]:
        """Process a message (one or more lines); return the events it produced."""
        events = self._analyse(self.decoder.feed(text))
        self.n_bad_lines = self.decoder.n_bad_lines
        self.n_frames = self.decoder.n_frames
        self.ended = self.decoder.ended
        return events

    def _start_analyzer(self, placements: tuple[Placement, ...]) -> None:
        signature = self.signature
        if signature is None:
            from spinecoach.sources.imu.handler import DEFAULT_SIGNATURES

            chosen = self.placement_set or placement_set_of(placements)
            signature = DEFAULT_SIGNATURES.get(chosen, DEFAULT_SIGNATURES[PlacementSet.SACRUM])
            self.signature = signature
        angle = self.angle or signature.imu_angle or signature.primary_angle
        self._analyzer = StreamingAnalyzer(
            placement_signature(signature, angle),  # the file analysis's zone for the angle
            angle=angle,
            dose=self.dose,
            exercise_id=self.exercise_id,
            error_codes=self.error_codes,
        )

    @property
    def analyzer(self) -> StreamingAnalyzer:
        """The streaming analyser (created with the first frame)."""
        if self._analyzer is None:
            raise InvalidInput(gettext("no frame received yet"))
        return self._analyzer

    def _analyse(self, rows: list[MeasureRow]) -> list[MotionEvent]:
        """Feed the decoder's rows (already thinned to the event rate) to the analyser."""
        if rows and self._analyzer is None:
            assert self.decoder.processor is not None
            self._start_analyzer(tuple(self.decoder.processor.placements))
        events: list[MotionEvent] = []
        for row_t, values in rows:
            events.extend(self.analyzer.push_measures(row_t, values))
        self._emit(events)
        return events

    def _emit(self, events: list[MotionEvent]) -> None:
        self.events.extend(events)
        if self.on_event is not None:
            for event in events:
                self.on_event(event)

    def end(self) -> list[MotionEvent]:
        """Flush pending frames (the stream ended); return their events."""
        events = self._analyse(self.decoder.end())
        self.ended = True
        self.n_frames = self.decoder.n_frames
        return events

    def finish(self) -> AnalysisResult:
        """End the stream and return the analysis of everything received."""
        self.end()
        if self._analyzer is None:
            self._start_analyzer(self.assembler.expected or (Placement.LOWER,))
        result = self.analyzer.finish()
        new = [e for e in result.events if e not in self.events]
        self._emit(new)
        return result


def event_json(event: MotionEvent) -> dict[str, Any]:
    """A JSON-ready dict of a motion event."""
    out: dict[str, Any] = {
        "t_s": round(event.t_s, 3),
        "kind": str(event.kind),
        "detail": event.detail,
    }
    payload = event.payload
    if payload is not None:
        out["payload"] = {
            k: (
                round(v, 3)
                if isinstance(v, float)
                else str(v)
                if not isinstance(v, int | str)
                else v
            )
            for k, v in vars(payload).items()
        }
    return out
