"""Live guided sessions: the per-connection pipeline behind the session WebSocket.

For each connection one :class:`LiveSession` owns

* a :class:`~spinecoach.coach.engine.SessionEngine` on the server's monotonic clock, whose
  results go to the database the moment each exercise ends
  (:class:`~spinecoach.store.session_sink.StoreSessionSink`);
* a :class:`~spinecoach.motion.streaming.StreamingAnalyzer` for the exercise in progress,
  fed keypoints (sent by the client, or estimated here from JPEG frames) and steering the
  engine with its events;
* for camera sessions, a pose backend (MediaPipe BlazePose), created on the first frame and
  run in a worker thread so the event loop stays responsive.

Message validation (types, sizes, value ranges) is done here; any problem becomes a one-line
error message to the client, never a crash.
"""

from __future__ import annotations

import logging
import math
import struct
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from spinecoach.coach.clock import MonotonicClock
from spinecoach.coach.cues import Cue
from spinecoach.coach.engine import EngineOptions, SessionEngine
from spinecoach.domain.exercise import ExcursionDirection, Exercise
from spinecoach.domain.movement_words import movement_label
from spinecoach.domain.plan import Plan
from spinecoach.errors import InvalidInput, InvalidRecording
from spinecoach.motion.body import Body
from spinecoach.motion.measures import MEASURES, measure_values
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import EventKind, FrameKind
from spinecoach.store.session_sink import StoreSessionSink
from spinecoach.web.context import AppContext

log = logging.getLogger(__name__)

#: Form-flag codes checked for every exercise besides its own common errors.
GENERIC_FORM_CODES = frozenset({"out_of_range", "too_fast", "not_enough_range"})
MAX_KEYPOINTS = 64
MAX_FRAME_SIDE_PX = 1920
FRAME_HEADER = struct.Struct("<d")  # client time stamp (ms) before the JPEG bytes
ALWAYS_FORWARDED = frozenset(
    {
        EventKind.TRACKING_LOST,
        EventKind.TRACKING_RESTORED,
        EventKind.START_POSITION_NEEDED,
        EventKind.START_POSITION_REACHED,
    }
)
SOURCES = ("camera", "keypoints", "imu", "timer")
#: Sources that can take a motion sensor *beside* them (an extra measured trace).
SENSOR_BESIDE_SOURCES = ("camera", "keypoints")
#: Shown from a sensor beside the camera when the exercise's ``imu_angle`` is not measurable
#: with the sensors present (one phone on the sacrum measures pelvic angles only).
SENSOR_FALLBACK_ANGLES = ("pelvic_tilt_deg", "trunk_inclination_deg")
MORNING_CHECKIN_HOUR = 8
READOUT_INTERVAL_S = 0.06  # the angle shown on the page is refreshed at most ~16 times/s


@dataclass(frozen=True)
class AngleReadout:
    """The exercise's primary angle now, as an excursion from the start position (degrees)."""

    name: str
    value_deg: float | None
    low_deg: float
    high_deg: float
    label: str = ""  # the movement in words ("Backward bend")

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "name": self.name,
            "label": self.label,
            "value_deg": None if self.value_deg is None else round(self.value_deg, 1),
            "low_deg": self.low_deg,
            "high_deg": self.high_deg,
        }


@dataclass(frozen=True)
class SensorReadout:
    """The motion sensor's angle beside the camera (degrees from the calibrated neutral).

    ``value_deg`` is the IMU measure itself (not an excursion from the exercise's start
    position): 0 is the posture held during the sensor's calibration window.
    """

    name: str
    label: str
    value_deg: float | None
    calibrated: bool
    t_s: float | None

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "name": self.name,
            "label": self.label,
            "value_deg": None if self.value_deg is None else round(self.value_deg, 1),
            "calibrated": self.calibrated,
            "t_s": None if self.t_s is None else round(self.t_s, 3),
        }


def sensor_label(measure: str) -> str:
    """Display label of an IMU measure, e.g. ``Lumbar flexion (sensor)``."""
    words = measure.removesuffix("_deg").replace("_", " ")
    return f"{words[:1].upper()}{words[1:]} (sensor)"


def next_morning(now: datetime, hour: int = MORNING_CHECKIN_HOUR) -> datetime:
    """When the next-morning check-in after a session is due (the next day at ``hour``)."""
    return (now + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)


def parse_keypoints(
    message: dict[str, Any], names: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Validate a ``keypoints`` message into positions ``(n, 2|3)`` and confidence ``(n,)``.

    ``message["keypoints"]`` is a list of ``[x, y, confidence]`` or ``[x, y, z, confidence]``
    (pixels, image axes x right / y down); ``null`` coordinates mean missing. ``names``
    (optional, default the 33 BlazePose names) names them in order.
    """
    raw_names = message.get("names")
    if raw_names is not None:
        if (
            not isinstance(raw_names, list)
            or not 1 <= len(raw_names) <= MAX_KEYPOINTS
            or not all(isinstance(n, str) and len(n) <= 40 for n in raw_names)
        ):
            raise InvalidInput(f"names: expected up to {MAX_KEYPOINTS} keypoint names")
        names = tuple(raw_names)
    points = message.get("keypoints")
    if not isinstance(points, list) or len(points) != len(names):
        raise InvalidInput(f"keypoints: expected a list of {len(names)} points")
    width = len(points[0]) if points and isinstance(points[0], list) else 0
    if width not in (3, 4):
        raise InvalidInput(
            "keypoints: each point must be [x, y, confidence] or [x, y, z, confidence]"
        )
    try:
        array = np.array(points, dtype=float)  # None becomes NaN (missing)
    except (TypeError, ValueError):
        raise InvalidInput("keypoints: coordinates must be numbers or null") from None
    if array.shape != (len(names), width):
        raise InvalidInput("keypoints: every point must have the same length")
    finite = array[np.isfinite(array)]
    if finite.size and np.abs(finite).max() > 1e5:
        raise InvalidInput("keypoints: coordinates out of range")
    confidence = np.nan_to_num(array[:, -1], nan=0.0).clip(0.0, 1.0)
    return array[:, :-1], confidence, names


class LiveSession:
    """One guided session over one WebSocket connection.

    Parameters
    ----------
    ctx : AppContext
    person_id : int
    plan : Plan
        Today's plan (names filled in).
    plan_id : int
    source : str
        ``camera`` (JPEG frames), ``keypoints`` (client-side keypoints), ``imu`` (a motion
        sensor steers the session) or ``timer``.
    sensor_beside : bool
        A motion sensor streams *beside* the camera (or keypoints): its angle is measured and
        shown as an extra trace, while the camera still drives analysis and the engine.
    """

    def __init__(
        self,
        ctx: AppContext,
        person_id: int,
        plan: Plan,
        plan_id: int,
        source: str,
        sensor_beside: bool = False,
    ) -> None:
        if source not in SOURCES:
            raise InvalidInput(f"source: expected one of {', '.join(SOURCES)}, got {source!r}")
        if sensor_beside and source not in SENSOR_BESIDE_SOURCES:
            raise InvalidInput(
                "sensor: a motion sensor beside another source needs source "
                f"{' or '.join(SENSOR_BESIDE_SOURCES)}, got {source!r}"
            )
        self.sensor_beside = sensor_beside
        self.ctx = ctx
        self.person_id = person_id
        self.plan = plan
        self.source = source
        self.clock = MonotonicClock()
        self._db = ctx.session_factory()
        origin_s = self.clock.now()
        started_at = datetime.now(UTC)
        self.sink = StoreSessionSink(
            self._db,
            person_id,
            plan_id,
            started_at=started_at,
            origin_s=origin_s,
            source=source,
            next_checkin_at=next_morning(started_at),
        )
        self.engine = SessionEngine(
            plan,
            ctx.library,
            ctx.rules,
            clock=self.clock,
            sink=self.sink,
            sensor=source != "timer",
            options=EngineOptions(pain_limit=ctx.settings.pain_limit),
        )
        self._t0 = origin_s
        self._imu_assembler: Any = None
        self._imu_processor: Any = None
        self.imu_rows = 0
        self._sensor_angle: SensorReadout | None = None
        self._analyzer: StreamingAnalyzer | None = None
        self._analyzer_key: tuple[int, str] | None = None
        self._pose: Any = None
        self._pose_lock = threading.Lock()
        self._last_angle: AngleReadout | None = None
        self._readout_t_s = -math.inf
        self.frames = 0
        self.adapted = False

    # ------------------------------------------------------------------ lifecycle
    @property
    def session_id(self) -> int | None:
        """The stored session's id (set when the engine starts)."""
        return self.sink.session_id

    def start(self) -> list[Cue]:
        """Start the engine (opens the stored session)."""
        return self.engine.start()

    def close(self, reason: str = "Connection closed.") -> None:
        """Stop the engine if still running (results so far are already stored)."""
        if not self.engine.finished and self.engine.status != "not_started":
            self.engine.stop(reason)
        if self._pose is not None:
            self._pose.close()
            self._pose = None
        self._db.close()

    # ------------------------------------------------------------------ inputs
    def tick(self) -> list[Cue]:
        """Advance the engine to now."""
        return self.engine.tick()

    def control(self, message: dict[str, Any]) -> list[Cue]:
        """Apply a control message: pain, symptoms, skip, stop, pause, resume."""
        kind = message.get("type")
        if kind == "pain":
            pain = message.get("pain")
            if isinstance(pain, bool) or not isinstance(pain, int) or not 0 <= pain <= 10:
                raise InvalidInput(f"pain: expected a whole number 0-10, got {pain!r}")
            return self.engine.report_pain(pain)
        if kind == "symptoms":
            symptoms = message.get("symptoms", [])
            known = {r.symptom for r in self.ctx.rules.stop_rules}
            if not isinstance(symptoms, list) or not all(s in known for s in symptoms):
                raise InvalidInput(f"symptoms: expected a list of {', '.join(sorted(known))}")
            pain = message.get("pain")
            if pain is not None and (
                isinstance(pain, bool) or not isinstance(pain, int) or not 0 <= pain <= 10
            ):
                raise InvalidInput(f"pain: expected a whole number 0-10, got {pain!r}")
            self.engine.resume()
            return self.engine.report_symptoms(set(symptoms), pain=pain)
        if kind == "skip":
            return self.engine.skip()
        if kind == "stop":
            return self.engine.stop("Stopped by you.")
        if kind == "pause":
            self.engine.pause()
            return []
        if kind == "resume":
            self.engine.resume()
            return []
        raise InvalidInput(f"type: unknown message type {str(kind)[:40]!r}")

    def push_keypoints(
        self, positions: np.ndarray, confidence: np.ndarray, names: Sequence[str]
    ) -> list[Cue]:
        """Feed one frame of keypoints (image pixels) through analysis into the engine."""
        self.frames += 1
        exercise = self.engine.current_exercise
        if exercise is None or self.engine.finished:
            self._last_angle = None
            return []
        analyzer = self._analyzer_for(exercise)
        t_s = self.clock.now() - self._t0
        names_tuple = names if isinstance(names, tuple) else tuple(names)
        events = analyzer.push_keypoints(t_s, positions, confidence, names_tuple)
        if t_s - self._readout_t_s >= READOUT_INTERVAL_S or self._last_angle is None:
            self._readout_t_s = t_s
            self._last_angle = self._readout(exercise, analyzer, positions, confidence, names_tuple)
        cues: list[Cue] = []
        moving = self.engine.accepts_motion
        for event in events:
            if moving or event.kind in ALWAYS_FORWARDED:
                cues.extend(self.engine.on_motion_event(event))
        cues.extend(self.engine.tick())
        return cues

    def push_imu(self, text: str) -> list[Cue]:
        """Feed IMU protocol lines (``spinecoach.sources.imu.live``: one sample or frame of
        gyro/accel per line) through orientation, calibration and analysis into the engine.

        The first seconds are the neutral calibration window (stand still, upright); then
        every frame yields measures (``lumbar_flexion_deg``, ``pelvic_tilt_deg``, ...) and the
        current exercise's ``imu_angle`` is analysed.
        """
        cues: list[Cue] = []
        for row_t, values in self._imu_rows(text):
            cues.extend(self._push_measures(row_t, values))
        cues.extend(self.engine.tick())
        return cues

    def push_sensor(self, text: str) -> None:
        """Feed IMU protocol lines from a sensor *beside* the camera: measured and shown only.

        The same orientation and calibration pipeline as :meth:`push_imu`; the latest row
        becomes the sensor readout (the current exercise's ``imu_angle``, or a pelvic/trunk
        angle when that is not measurable with the sensors present). Repetitions, holds and
        the engine stay with the camera.
        """
        if not self.sensor_beside:
            raise InvalidInput("imu: this session was not opened with a motion sensor")
        last: tuple[float, dict[str, float]] | None = None
        try:
            for row in self._imu_rows(text):
                last = row
        finally:  # rows before a malformed line still count
            self._update_sensor_angle(last)

    def _imu_rows(self, text: str) -> Iterator[tuple[float, dict[str, float]]]:
        """Measure rows ``(t_s, {name: degrees})`` from IMU protocol lines, as they appear."""
        from spinecoach.motion.imu_pipeline import ImuStreamProcessor
        from spinecoach.sources.imu.live import FrameAssembler, parse_line

        if self._imu_assembler is None:
            self._imu_assembler = FrameAssembler()
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                kind, t_s, samples = parse_line(line)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise InvalidInput(f"imu: malformed line ({exc})") from None
            if kind == "end":
                continue
            try:
                for frame_t, frame in self._imu_assembler.add(t_s, samples):
                    if self._imu_processor is None:
                        self._imu_processor = ImuStreamProcessor(tuple(frame))
                    for row in self._imu_processor.push(frame_t, frame):
                        self.imu_rows += 1
                        yield row
            except InvalidRecording as exc:
                raise InvalidInput(f"imu: {exc}") from None

    def _update_sensor_angle(self, row: tuple[float, dict[str, float]] | None) -> None:
        calibrated = self._imu_processor is not None and bool(self._imu_processor.calibrated)
        exercise = self.engine.current_exercise
        if row is None:
            if self._sensor_angle is None:
                name = (exercise.signature.imu_angle if exercise else None) or "lumbar_flexion_deg"
                self._sensor_angle = SensorReadout(name, sensor_label(name), None, False, None)
            return
        t_s, values = row
        preferred = exercise.signature.imu_angle if exercise is not None else None
        candidates = (preferred or "lumbar_flexion_deg", *SENSOR_FALLBACK_ANGLES)
        name = next(
            (n for n in candidates if math.isfinite(values.get(n, math.nan))),
            candidates[0],
        )
        raw = values.get(name, math.nan)
        value = float(raw) if math.isfinite(raw) else None
        self._sensor_angle = SensorReadout(name, sensor_label(name), value, calibrated, t_s)

    def _push_measures(self, t_s: float, values: dict[str, float]) -> list[Cue]:
        exercise = self.engine.current_exercise
        if exercise is None or self.engine.finished or exercise.signature.imu_angle is None:
            self._last_angle = None
            return []
        analyzer = self._analyzer_for(exercise)
        events = analyzer.push_measures(t_s, values)
        signature = exercise.signature
        raw = values.get(signature.imu_angle or "", math.nan)
        low, high = (float(v) for v in signature.target_range_deg)
        self._last_angle = AngleReadout(
            signature.imu_angle or "",
            _excursion(signature.direction, raw, analyzer.tracker.baseline_deg),
            low,
            high,
            movement_label(signature.imu_angle or "", signature.direction),
        )
        cues: list[Cue] = []
        moving = self.engine.accepts_motion
        for event in events:
            if moving or event.kind in ALWAYS_FORWARDED:
                cues.extend(self.engine.on_motion_event(event))
        return cues

    def estimate(self, jpeg: bytes) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
        """Decode a JPEG frame and estimate the pose (call from a worker thread).

        Returns
        -------
        positions : ndarray, shape (33, 3)
        confidence : ndarray, shape (33,)
        size : (width_px, height_px)
        """
        import cv2

        frame = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
        if frame is None:
            raise InvalidInput("frame: not a JPEG image")
        height, width = frame.shape[:2]
        if max(height, width) > MAX_FRAME_SIDE_PX:
            raise InvalidInput(f"frame: {width}x{height} is larger than {MAX_FRAME_SIDE_PX} px")
        with self._pose_lock:
            if self._pose is None:
                from spinecoach.sources.pose import create_backend

                self._pose = create_backend(
                    "mediapipe", model_complexity=self.ctx.settings.pose_model_complexity
                )
            positions, confidence = self._pose.estimate(frame)
        return positions, confidence, (width, height)

    # ------------------------------------------------------------------ outputs
    def snapshot(self) -> dict[str, object]:
        """Engine state plus the angle readout, for the page."""
        state = self.engine.state()
        state["angle"] = None if self._last_angle is None else self._last_angle.to_json()
        if self.sensor_beside:
            state["sensor_angle"] = self.snapshot_sensor()
        state["session_id"] = self.session_id
        return state

    def exercise_name(self, exercise_id: str) -> str:
        """Display name of an exercise (its id when unknown)."""
        exercise = self.ctx.library.exercises.get(exercise_id)
        return exercise.name if exercise is not None else exercise_id

    def snapshot_angle(self) -> dict[str, object] | None:
        """The primary-angle readout of the last frame (None outside exercises)."""
        return None if self._last_angle is None else self._last_angle.to_json()

    def snapshot_sensor(self) -> dict[str, object] | None:
        """The sensor-beside readout (None before the first IMU message)."""
        return None if self._sensor_angle is None else self._sensor_angle.to_json()

    def maybe_adapt(self) -> list[dict[str, str]]:
        """Once finished, adapt tomorrow's plan to this session (once); returns the changes."""
        if not self.engine.finished or self.adapted or self.session_id is None:
            return []
        self.adapted = True
        if not self.engine.results:
            return []
        from spinecoach.store.services import CoachService

        service = CoachService(self._db, self.ctx.library, self.ctx.rules, self.ctx.settings)
        plan = service.adapt_after_session(self.person_id, self.session_id, datetime.now(UTC))
        names = {i.exercise_id: i.name for i in self.plan.items}
        return [
            {
                "exercise": names.get(c.exercise_id, c.exercise_id.replace("_", " ")),
                "action": c.action.value,
                "reason": c.reason,
            }
            for c in plan.changes
        ]

    # ------------------------------------------------------------------ helpers
    def _analyzer_for(self, exercise: Exercise) -> StreamingAnalyzer:
        # A new analyzer for every exercise run (an exercise ends -> a result is recorded).
        key = (len(self.engine.results), exercise.id)
        if self._analyzer is None or self._analyzer_key != key:
            dose = next(
                (i.dose for i in self.plan.items if i.exercise_id == exercise.id), exercise.dose
            )
            imu = self.source == "imu" and exercise.signature.imu_angle is not None
            self._analyzer = StreamingAnalyzer(
                exercise.signature,
                angle=exercise.signature.imu_angle if imu else None,
                dose=dose,
                min_confidence=self.ctx.settings.min_keypoint_confidence,
                exercise_id=exercise.id,
                error_codes=frozenset(e.code for e in exercise.common_errors) | GENERIC_FORM_CODES,
                start_position=None if imu else exercise.position.value,
            )
            self._analyzer_key = key
        return self._analyzer

    def _readout(
        self,
        exercise: Exercise,
        analyzer: StreamingAnalyzer,
        positions: np.ndarray,
        confidence: np.ndarray,
        names: tuple[str, ...],
    ) -> AngleReadout:
        signature = exercise.signature
        low, high = (float(v) for v in signature.target_range_deg)
        definition = MEASURES.get(signature.primary_angle)
        baseline = analyzer.tracker.baseline_deg
        value: float | None = None
        if definition is not None and baseline is not None:
            body = Body(
                positions[None],
                confidence[None],
                names,
                FrameKind.IMAGE,
                "x right, y down",
                self.ctx.settings.min_keypoint_confidence,
            )
            try:
                raw = float(measure_values(body, definition)[0])
            except (KeyError, ValueError, IndexError):
                raw = math.nan
            value = _excursion(signature.direction, raw, baseline)
        label = movement_label(signature.primary_angle, signature.direction)
        return AngleReadout(signature.primary_angle, value, low, high, label)


def _excursion(
    direction: ExcursionDirection, raw_deg: float, baseline_deg: float | None
) -> float | None:
    """Excursion from the start position on the scale of ``target_range_deg`` (degrees)."""
    if baseline_deg is None or not math.isfinite(raw_deg):
        return None
    relative = raw_deg - baseline_deg
    if direction is ExcursionDirection.BOTH:
        return abs(relative)
    if direction is ExcursionDirection.NEGATIVE:
        return -relative
    return relative


def landmarks_json(
    positions: np.ndarray, confidence: np.ndarray, size: tuple[int, int]
) -> list[list[float]] | None:
    """Landmarks as ``[[x, y, visibility], ...]`` in 0-1 image fractions (None: no person)."""
    width, height = size
    if not np.isfinite(positions[:, :2]).any():
        return None
    out = []
    for (x, y, *_), v in zip(positions.tolist(), confidence.tolist(), strict=True):
        if math.isfinite(x) and math.isfinite(y):
            out.append([round(x / width, 4), round(y / height, 4), round(v, 3)])
        else:
            out.append([-1.0, -1.0, 0.0])
    return out


class LiveHub:
    """Registry of running live sessions, bounded so the server never overcommits.

    Camera sessions run pose estimation (CPU-heavy); at most ``max_camera`` at once.
    """

    def __init__(self, ctx: AppContext, max_sessions: int = 200, max_camera: int = 4) -> None:
        self.ctx = ctx
        self.max_sessions = max_sessions
        self.max_camera = max_camera
        self.active: dict[int, LiveSession] = {}
        self._serial = 0

    def open(
        self, person_id: int, plan: Plan, plan_id: int, source: str, sensor_beside: bool = False
    ) -> tuple[int, LiveSession]:
        """Register a new live session; returns its registry key and the session."""
        if len(self.active) >= self.max_sessions:
            raise InvalidInput("the server is busy: too many live sessions, try again shortly")
        if (
            source == "camera"
            and sum(1 for s in self.active.values() if s.source == "camera") >= self.max_camera
        ):
            raise InvalidInput(
                "the server is analysing too many cameras now; use timers only or try later"
            )
        if any(s.person_id == person_id for s in self.active.values()):
            raise InvalidInput(
                "a session is already running in another window; finish or close it first"
            )
        self._close_interrupted(person_id)
        self._serial += 1
        live = LiveSession(self.ctx, person_id, plan, plan_id, source, sensor_beside)
        self.active[self._serial] = live
        return self._serial, live

    def find_sensor_session(self, person_id: int) -> LiveSession:
        """The person's running session that takes a motion sensor beside the camera."""
        live = next((s for s in self.active.values() if s.person_id == person_id), None)
        if live is None or not live.sensor_beside or live.engine.finished:
            raise InvalidInput(
                "no session is waiting for a sensor: start a camera session with "
                "'also use my phone as a back sensor' ticked first"
            )
        return live

    def is_active(self, live: LiveSession) -> bool:
        """Whether ``live`` is still running (not finished, not closed)."""
        return not live.engine.finished and any(s is live for s in self.active.values())

    def _close_interrupted(self, person_id: int) -> None:
        """Close sessions left ``in_progress`` by a crash (their finished exercises stay)."""
        from spinecoach.store.session_sink import close_unfinished

        with self.ctx.session_factory() as db:
            closed = close_unfinished(db, person_id, now=datetime.now(UTC))
        if closed:
            log.info("closed interrupted session(s) %s of person %s", closed, person_id)

    def close(self, key: int, reason: str = "Connection closed.") -> None:
        """Stop and forget a live session."""
        live = self.active.pop(key, None)
        if live is not None:
            live.close(reason)
