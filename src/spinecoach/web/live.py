"""Live guided sessions: the per-connection pipeline behind the session WebSocket.

For each connection one :class:`LiveSession` owns

* a :class:`~spinecoach.coach.engine.SessionEngine` on the server's monotonic clock, whose
  results go to the database the moment each exercise ends
  (:class:`~spinecoach.store.session_sink.StoreSessionSink`);
* a :class:`~spinecoach.coach.feed.LiveAdapter`, the one way in to the engine that every
  front end uses: keypoints (sent by the client, or estimated here from JPEG frames) pass the
  tracking monitor and the exercise's analysis, and its events steer the engine; IMU lines
  go through the one decoder (:class:`~spinecoach.sources.imu.live.ImuLineDecoder`);
* for camera sessions, a pose backend (MediaPipe BlazePose), created on the first frame and
  run in a worker thread so the event loop stays responsive.

Message validation (types, sizes, value ranges) is done here; any problem becomes a one-line
error message to the client, never a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import struct
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from starlette.concurrency import run_in_threadpool

from spinecoach.coach.clock import Clock, MonotonicClock
from spinecoach.coach.cues import Cue
from spinecoach.coach.engine import EngineOptions, SessionEngine
from spinecoach.coach.feed import Frame, LiveAdapter, MotionFeed, trace_label
from spinecoach.coach.sensors import SensorHost
from spinecoach.domain.exercise import Dose, Exercise
from spinecoach.domain.i18n import _
from spinecoach.domain.movement_words import movement_label
from spinecoach.domain.plan import Plan
from spinecoach.domain.wording import decision_words
from spinecoach.errors import InvalidInput, WorkerUnreachable
from spinecoach.sources.imu.live import ImuLineDecoder
from spinecoach.sources.live_sources import live_source, sensor_plugins
from spinecoach.store import presence
from spinecoach.store.session_sink import session_sink
from spinecoach.web.context import AppContext
from spinecoach.web.jpeg import jpeg_size
from spinecoach.web.relay import LocalRelay, Relay, split_lines

log = logging.getLogger(__name__)

MAX_KEYPOINTS = 64
MAX_FRAME_SIDE_PX = 1920
FRAME_HEADER = struct.Struct("<d")  # client time stamp (ms) before the JPEG bytes
#: Sources that can take a motion sensor *beside* them (an extra measured trace).
SENSOR_BESIDE_SOURCES = ("camera", "keypoints")
#: Shown from a sensor beside the camera when the exercise's ``imu_angle`` is not measurable
#: with the sensors present (one phone on the sacrum measures pelvic angles only).
SENSOR_FALLBACK_ANGLES = ("pelvic_tilt_deg", "trunk_inclination_deg")
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


sensor_label = trace_label  # the display label of an IMU measure's trace


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
            raise InvalidInput(
                _("names: expected up to {max_keypoints} keypoint names").format(
                    max_keypoints=MAX_KEYPOINTS
                )
            )
        names = tuple(raw_names)
    points = message.get("keypoints")
    if not isinstance(points, list) or len(points) != len(names):
        raise InvalidInput(
            _("keypoints: expected a list of {n_names} points").format(n_names=len(names))
        )
    width = len(points[0]) if points and isinstance(points[0], list) else 0
    if width not in (3, 4):
        raise InvalidInput(
            _("keypoints: each point must be [x, y, confidence] or [x, y, z, confidence]")
        )
    try:
        array = np.array(points, dtype=float)  # None becomes NaN (missing)
    except (TypeError, ValueError):
        raise InvalidInput(_("keypoints: coordinates must be numbers or null")) from None
    if array.shape != (len(names), width):
        raise InvalidInput(_("keypoints: every point must have the same length"))
    finite = array[np.isfinite(array)]
    if finite.size and np.abs(finite).max() > 1e5:
        raise InvalidInput(_("keypoints: coordinates out of range"))
    confidence = array[:, -1]
    confidence = np.where(np.isnan(confidence), 0.0, confidence).clip(0.0, 1.0)
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
    clock : Clock, optional
        The engine's clock (default the server's monotonic clock; tests replay recordings
        on a fake one).
    sensors : tuple of str
        Sensor plug-ins beside the main source (``band``, ``emg``): their lines arrive in
        ``sensor`` messages, their cues go through the engine and their summaries are stored
        with each exercise's result.
    resume_id : int, optional
        Continue this interrupted stored session (``plan`` then holds what is left of it).
    """

    def __init__(
        self,
        ctx: AppContext,
        person_id: int,
        plan: Plan,
        plan_id: int,
        source: str,
        sensor_beside: bool = False,
        clock: Clock | None = None,
        sensors: tuple[str, ...] = (),
        resume_id: int | None = None,
    ) -> None:
        kind = live_source(source)  # registered by name (InvalidInput when unknown)
        if sensor_beside and source not in SENSOR_BESIDE_SOURCES:
            raise InvalidInput(
                _(
                    "sensor: a motion sensor beside another source needs source "
                    "{sensor_beside_sources}, got {source}"
                ).format(
                    sensor_beside_sources=" or ".join(SENSOR_BESIDE_SOURCES), source=repr(source)
                )
            )
        self.sensor_beside = sensor_beside
        plugins = sensor_plugins()
        for name in sensors:
            if name not in plugins:
                raise InvalidInput(
                    _("sensor: expected one of imu, {plugins}, got {name}").format(
                        plugins=", ".join(plugins), name=repr(name)
                    )
                )
        self.sensor_host = SensorHost({n: plugins[n].channel() for n in sensors})  # type: ignore[misc]
        self.ctx = ctx
        self.person_id = person_id
        self.plan = plan
        self.source = source
        self.clock = clock or MonotonicClock()
        self._db = ctx.session_factory()
        origin_s = self.clock.now()
        started_at = datetime.now(UTC)
        self.sink = session_sink(
            self._db,
            person_id,
            plan_id,
            source=source,
            started_at=started_at,
            origin_s=origin_s,
            session_id=resume_id,
        )
        self.feed = MotionFeed(
            measure_for=kind.measure_for,
            dose_for=self._dose,
            min_confidence=ctx.settings.min_keypoint_confidence,
        )
        self.engine = SessionEngine(
            plan,
            ctx.library,
            ctx.rules,
            clock=self.clock,
            sink=self.sink,
            sensor=kind.steers,
            options=EngineOptions(pain_limit=ctx.settings.pain_limit, wait_for_stop_ack=True),
            sensor_for=self.feed.measurable if kind.measure_for is not None else None,
        )
        self._t0 = origin_s
        self.adapter = LiveAdapter(self.engine, self.feed)
        self._imu = ImuLineDecoder()  # the IMU steering the session (source imu)
        self._beside = ImuLineDecoder(thin=False)  # a sensor beside the camera: every row
        self.imu_error = ""
        self._sensor_angle: SensorReadout | None = None
        self._pose: Any = None
        self._pose_lock = threading.Lock()
        self._sensor_lock = threading.Lock()
        self._last_angle: AngleReadout | None = None
        self._readout_t_s = -math.inf
        self.frames = 0
        self.adapted = False
        #: Set by the connection: lets go of the session when a reconnect takes it over.
        self.let_go: Callable[[], Awaitable[None]] | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def session_id(self) -> int | None:
        """The stored session's id (set when the engine starts)."""
        return self.sink.session_id

    def start(self) -> list[Cue]:
        """Start the engine (opens the stored session)."""
        cues = self.engine.start()
        self.release_connection()
        return cues

    def release_connection(self) -> None:
        """End the database transaction a read left open (reading the new session's id after
        its commit begins one), so the connection goes back to the pool: a running session
        holds no database connection between its writes (hundreds run per process)."""
        if self._db.in_transaction():
            self._db.commit()

    def close(self, reason: str = "Connection closed.", resumable: bool = False) -> None:
        """Stop the engine if still running (results so far are already stored).

        With ``resumable`` (the connection dropped) the stored session is left unfinished,
        so the page can reconnect and resume it (``resume=ID``) on any server process.
        """
        if resumable and not self.engine.finished:
            log.info("live session %s left resumable: %s", self.session_id, reason)
        elif not self.engine.finished and self.engine.status != "not_started":
            self.adapter.catch_up()
            self.engine.stop(reason)
        if self._pose is not None:
            self._pose.close()
            self._pose = None
        self._db.close()

    # ------------------------------------------------------------------ inputs
    def tick(self) -> list[Cue]:
        """Advance the engine to now."""
        cues = self.engine.tick()
        self.release_connection()
        return cues

    def control(self, message: dict[str, Any]) -> list[Cue]:
        """Apply a control message: pain, symptoms, skip, stop, pause, resume,
        acknowledge_stop."""
        try:
            return self._control(message)
        finally:
            self.release_connection()

    def _control(self, message: dict[str, Any]) -> list[Cue]:
        kind = message.get("type")
        if kind == "pain":
            pain = message.get("pain")
            if isinstance(pain, bool) or not isinstance(pain, int) or not 0 <= pain <= 10:
                raise InvalidInput(
                    _("pain: expected a whole number 0-10, got {pain}").format(pain=repr(pain))
                )
            return self.engine.report_pain(pain)
        if kind == "symptoms":
            symptoms = message.get("symptoms", [])
            known = {r.symptom for r in self.ctx.rules.stop_rules}
            if not isinstance(symptoms, list) or not all(s in known for s in symptoms):
                raise InvalidInput(
                    _("symptoms: expected a list of {known}").format(known=", ".join(sorted(known)))
                )
            pain = message.get("pain")
            if pain is not None and (
                isinstance(pain, bool) or not isinstance(pain, int) or not 0 <= pain <= 10
            ):
                raise InvalidInput(
                    _("pain: expected a whole number 0-10, got {pain}").format(pain=repr(pain))
                )
            self.engine.resume()
            return self.engine.report_symptoms(set(symptoms), pain=pain)
        if kind == "skip":
            return self.adapter.catch_up() + self.engine.skip()
        if kind == "stop":
            return self.adapter.catch_up() + self.engine.stop(_("Stopped by you."))
        if kind == "pause":
            self.engine.pause()
            return []
        if kind == "resume":
            self.engine.resume()
            return []
        if kind == "acknowledge_stop":  # the person read "stop this exercise"
            return self.engine.acknowledge_stop()
        raise InvalidInput(_("type: unknown message type {kind}").format(kind=repr(str(kind)[:40])))

    @property
    def imu_rows(self) -> int:
        """Measure rows decoded from IMU messages so far."""
        return self._imu.n_rows + self._beside.n_rows

    def _dose(self, exercise: Exercise) -> Dose:
        """The plan's dose of ``exercise`` (its own dose when the plan lacks it)."""
        return next(
            (i.dose for i in self.plan.items if i.exercise_id == exercise.id), exercise.dose
        )

    def _stream_t(self) -> float:
        return self.clock.now() - self._t0

    def push_keypoints(
        self,
        positions: np.ndarray,
        confidence: np.ndarray,
        names: Sequence[str],
        at_s: float | None = None,
    ) -> list[Cue]:
        """Feed one frame of keypoints (image pixels) through the live adapter into the engine.

        ``at_s`` is when the frame arrived, on the engine's clock (default now).
        """
        self.frames += 1
        names_tuple = names if isinstance(names, tuple) else tuple(names)
        t_s = self._stream_t() if at_s is None else at_s - self._t0
        frame = Frame(t_s, positions, confidence, names_tuple)
        cues = self.adapter.push(frame)
        self._update_readout(frame.t_s)
        return cues

    def push_keypoints_many(
        self, frames: Sequence[tuple[np.ndarray, np.ndarray, tuple[str, ...], float]]
    ) -> list[tuple[list[Cue], dict[str, object] | None, dict[str, object] | None]]:
        """Feed frames that arrived together (positions, confidence, names, arrival time on the
        engine's clock), in order, in one call; per frame its cues, the angle readout and
        (with a sensor beside) the sensor readout after it."""
        out = []
        for positions, confidence, names, at_s in frames:
            cues = self.push_keypoints(positions, confidence, names, at_s)
            sensor = self.snapshot_sensor() if self.sensor_beside else None
            out.append((cues, self.snapshot_angle(), sensor))
        return out

    def push_keypoints_here(
        self, frames: Sequence[tuple[np.ndarray, np.ndarray, tuple[str, ...], float]]
    ) -> tuple[
        list[tuple[list[Cue], dict[str, object] | None, dict[str, object] | None]],
        list[Callable[[], None]],
    ]:
        """:meth:`push_keypoints_many` on the caller's thread (the event loop) with the
        database writes it causes (an exercise or the session ending) held back: they are
        returned, in order, for the caller to run at once off the loop."""
        self.sink.defer_writes()
        try:
            results = self.push_keypoints_many(frames)
        except BaseException:
            for write in self.sink.take_deferred():  # nothing recorded is lost, even then
                write()
            raise
        return results, self.sink.take_deferred()

    def push_imu(self, text: str) -> list[Cue]:
        """Feed IMU protocol lines (``spinecoach.sources.imu.live``: one sample or frame of
        gyro/accel per line) through the one decoder and the live adapter into the engine.

        The first seconds are the neutral calibration window (stand still, upright); then
        every frame yields measures (``lumbar_flexion_deg``, ``pelvic_tilt_deg``, ...) and the
        current exercise's ``imu_angle`` is analysed. Malformed lines are skipped; the last
        problem is kept in :attr:`imu_error` for the caller to report.
        """
        self._check_lines(text)
        before = self._imu.n_bad_lines
        cues: list[Cue] = []
        for row_t, values in self._imu.feed(text):
            cues.extend(self.adapter.push(Frame(row_t, measures=values)))
            self._update_readout(row_t)
        cues.extend(self.engine.tick())
        self.imu_error = self._imu.last_error if self._imu.n_bad_lines > before else ""
        return cues

    def push_sensor(self, text: str) -> None:
        """Feed IMU protocol lines from a sensor *beside* the camera: measured and shown only.

        The same decoder as :meth:`push_imu`; the latest row becomes the sensor readout (the
        current exercise's ``imu_angle``, or a pelvic/trunk angle when that is not measurable
        with the sensors present). Repetitions, holds and the engine stay with the camera.
        Malformed lines are skipped; the last problem is kept in :attr:`imu_error`.
        """
        if not self.sensor_beside:
            raise InvalidInput(_("imu: this session was not opened with a motion sensor"))
        self._check_lines(text)
        before = self._beside.n_bad_lines
        rows = self._beside.feed(text)
        self._update_sensor_angle(rows[-1] if rows else None)
        self.imu_error = self._beside.last_error if self._beside.n_bad_lines > before else ""

    def _check_lines(self, text: str) -> None:
        """Bound the work one message can cause (``Settings.max_imu_lines_per_message``)."""
        limit = self.ctx.settings.max_imu_lines_per_message
        count = text.count("\n") + 1
        if count > limit:
            raise InvalidInput(
                _("imu: {count} lines in one message; at most {limit}").format(
                    count=count, limit=limit
                )
            )

    def push_plugin(self, name: str, text: str) -> list[Cue]:
        """Lines of sensor plug-in ``name``: decoded, coached, summarised (see
        :class:`~spinecoach.coach.sensors.SensorHost`). Malformed lines are skipped; the last
        problem is kept in :attr:`imu_error`."""
        channel = self.sensor_host.channels.get(name)
        if channel is None:
            raise InvalidInput(
                _("sensor: this session was not opened with the {name} sensor").format(
                    name=name[:40]
                )
            )
        with self._sensor_lock:
            before = channel.n_bad_lines  # type: ignore[attr-defined]
            channel.feed(text)  # type: ignore[attr-defined]
            bad = channel.n_bad_lines > before  # type: ignore[attr-defined]
            self.imu_error = channel.last_error if bad else ""  # type: ignore[attr-defined]
            if self.engine.finished:
                return []
            angle = self._last_angle.value_deg if self._last_angle is not None else None
            return self.sensor_host.step(self.engine, angle)

    def push_sensor_locked(self, text: str) -> None:
        """:meth:`push_sensor` from another connection (the phone's), one message at a time."""
        with self._sensor_lock:
            self.push_sensor(text)

    def _update_sensor_angle(self, row: tuple[float, dict[str, float]] | None) -> None:
        calibrated = self._beside.calibrated
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
        if calibrated:  # kept for the session review's trace (engine clock)
            self.sink.record_sample("sensor", self.clock.now(), value, sensor_label(name))

    def _update_readout(self, t_s: float) -> None:
        """The page's angle readout: the analysed measure's excursion and its zone."""
        exercise = self.engine.current_exercise
        current = self.feed.current
        if exercise is None or current is None or self.engine.finished:
            self._last_angle = None
            return
        if t_s - self._readout_t_s < READOUT_INTERVAL_S and self._last_angle is not None:
            return
        self._readout_t_s = t_s
        signature = current.signature or exercise.signature  # the measure's own zone
        name = current.measure or signature.primary_angle
        low, high = (float(v) for v in signature.target_range_deg)
        label = movement_label(name, signature.direction)
        self._last_angle = AngleReadout(name, current.readout().angle_deg, low, high, label)

    def estimate(self, jpeg: bytes) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
        """Decode a JPEG frame and estimate the pose (call from a worker thread).

        Returns
        -------
        positions : ndarray, shape (33, 3)
        confidence : ndarray, shape (33,)
        size : (width_px, height_px)
        """
        import cv2

        width, height = jpeg_size(jpeg)  # checked before decoding: no decompression bombs
        if max(height, width) > MAX_FRAME_SIDE_PX:
            raise InvalidInput(
                _("frame: {width}x{height} is larger than {max_frame_side_px} px").format(
                    width=width, height=height, max_frame_side_px=MAX_FRAME_SIDE_PX
                )
            )
        frame = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
        if frame is None:
            raise InvalidInput(_("frame: not a JPEG image"))
        height, width = frame.shape[:2]
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
        if self.sensor_host.channels:
            state["sensors"] = self.sensor_host.readouts()
        state["session_id"] = self.session_id
        return state

    def end_summary(self, changes: list[dict[str, str]]) -> dict[str, object] | None:
        """The end-of-session summary (what was done, what improved, what changes tomorrow,
        whether to ask "pain now?"), once finished and stored."""
        if not self.engine.finished or self.session_id is None:
            return None
        from spinecoach.reports.session_summary import session_summary

        names = {e.id: _(e.name) for e in self.ctx.library}
        return session_summary(self._db, self.session_id, changes, names).to_json()

    def exercise_name(self, exercise_id: str) -> str:
        """Display name of an exercise (its id when unknown)."""
        exercise = self.ctx.library.exercises.get(exercise_id)
        return _(exercise.name) if exercise is not None else exercise_id

    def snapshot_angle(self) -> dict[str, object] | None:
        """The primary-angle readout of the last frame (None outside exercises)."""
        return None if self._last_angle is None else self._last_angle.to_json()

    def snapshot_sensor(self) -> dict[str, object] | None:
        """The sensor-beside readout (None before the first IMU message)."""
        return None if self._sensor_angle is None else self._sensor_angle.to_json()

    def count_confidences(self) -> list[dict[str, str]]:
        """Per stored exercise result of this session, in order: ``count_confidence`` (level)
        and ``count_confidence_text`` (the review's sentence; empty when nothing was counted)."""
        if self.session_id is None:
            return []
        from sqlalchemy import select

        from spinecoach.reports.review import count_confidence_words
        from spinecoach.store import models

        with self.ctx.session_factory() as db:
            rows = db.scalars(
                select(models.ExerciseResult)
                .where(models.ExerciseResult.session_id == self.session_id)
                .order_by(models.ExerciseResult.id)
            ).all()
            out = []
            for row in rows:
                durations = [float(x) for x in (row.tempo or {}).get("rep_durations_s") or []]
                ranges = [float(x) for x in row.ranges_deg or []]
                level, text = count_confidence_words(row.traces or {}, durations, ranges)
                out.append({"count_confidence": level, "count_confidence_text": text})
        return out

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
                "exercise": names.get(c.exercise_id, _("Your plan")),
                "action": decision_words(c.action.value),
                "kind": c.action.value,  # plain words, not "regress"
                "reason": c.reason,
            }
            for c in plan.changes
        ]


def landmarks_json(
    positions: np.ndarray, confidence: np.ndarray, size: tuple[int, int]
) -> list[list[float]] | None:
    """Landmarks as ``[[x, y, visibility], ...]`` in 0-1 image fractions (None: no person)."""
    width, height = size
    if not np.isfinite(positions[:, :2]).any():
        return None
    out = []
    for (x, y, *_rest), v in zip(positions.tolist(), confidence.tolist(), strict=True):
        if math.isfinite(x) and math.isfinite(y):
            out.append([round(x / width, 4), round(y / height, 4), round(v, 3)])
        else:
            out.append([-1.0, -1.0, 0.0])
    return out


def sensor_push(live: LiveSession, plugin: str | None, lines: str) -> dict[str, Any]:
    """Feed a sensor device's lines into ``live`` (IMU beside the camera, or the sensor
    plug-in ``plugin``); returns the ``ack`` for the device.

    Raises
    ------
    InvalidInput
        A malformed message or line (the good lines still count).
    """
    if plugin is not None:
        live.push_plugin(plugin, lines)
        if live.imu_error:
            raise InvalidInput(f"{plugin}: {live.imu_error}")
        return {"type": "ack", "sensors": live.sensor_host.readouts()}
    live.push_sensor_locked(lines)
    if live.imu_error:
        raise InvalidInput(_("imu: {imu_error}").format(imu_error=live.imu_error))
    return {"type": "ack", "sensor_angle": live.snapshot_sensor()}


class SensorTarget:
    """Where a phone's sensor lines go: a live session in this process, or (``worker`` set)
    one held by another server process, reached through the relay."""

    def __init__(
        self, hub: LiveHub, live: LiveSession | None, holder: presence.Holder | None = None
    ) -> None:
        self.hub = hub
        self.live = live
        self.holder = holder
        self.ended = False

    @property
    def session_id(self) -> int | None:
        """The stored session's id."""
        if self.live is not None:
            return self.live.session_id
        return None if self.holder is None else self.holder.session_id

    @property
    def active(self) -> bool:
        """Whether the session still runs (as far as this process knows)."""
        if self.live is not None:
            return self.hub.is_active(self.live)
        return not self.ended

    async def push(self, plugin: str | None, lines: str) -> dict[str, Any] | None:
        """Feed the lines; the ``ack`` for the device, or None once the session is over.

        Raises
        ------
        InvalidInput
            A malformed message or line.
        WorkerUnreachable
            The process holding the session did not answer.
        """
        if self.live is not None:
            if not self.active:
                return None
            return await run_in_threadpool(sensor_push, self.live, plugin, lines)
        assert self.holder is not None
        ack: dict[str, Any] | None = None
        for chunk in split_lines(lines):
            reply = await self.hub.relay.request(
                self.holder.worker,
                {
                    "op": "sensor",
                    "person_id": self.holder.person_id,
                    "key": self.holder.key,
                    "plugin": plugin,
                    "lines": chunk,
                },
                self.hub.ctx.settings.live_relay_timeout_s,
            )
            if reply.get("inactive"):
                self.ended = True
                return None
            if "error" in reply:
                raise InvalidInput(str(reply["error"]))
            ack = reply.get("ack")
        return ack


class LiveHub:
    """Registry of the live sessions running in this process, bounded so the server never
    overcommits, and their presence in the database for the other worker processes.

    Camera sessions run pose estimation (CPU-heavy); at most ``max_camera`` at once (per
    process). One person has at most one running session across every process: a second
    window is refused, a reconnect (``resume=ID``) takes the session over from whichever
    process held it, and a phone joining as a back sensor reaches it wherever it runs.
    ``new_clock`` makes each session's engine clock (the server's monotonic clock; a test
    that replays a recording over a real socket gives a clock it sets per frame).
    """

    def __init__(
        self,
        ctx: AppContext,
        max_sessions: int = 200,
        max_camera: int = 4,
        relay: Relay | None = None,
        new_clock: Callable[[], Clock] = MonotonicClock,
    ) -> None:
        self.ctx = ctx
        self.max_sessions = max_sessions
        self.max_camera = max_camera
        self.new_clock = new_clock
        self.active: dict[int, LiveSession] = {}
        self.relay: Relay = relay or LocalRelay(uuid.uuid4().hex[:16])
        self.worker = self.relay.worker
        self.relay.set_handler(self._answer)
        self._serial = 0
        self._serial_lock = threading.Lock()
        self._last_beat = time.monotonic()
        #: How late this process's event loop runs (s, smoothed; see :meth:`_watch_loop`).
        self.loop_lag_s = 0.0
        self._watcher: asyncio.Task[None] | None = None

    def _watch_loop(self) -> None:
        """Start measuring the event loop's lateness (once per loop): a loop that runs late
        is full, and a new live session would slow every page and session it serves."""
        loop = asyncio.get_running_loop()
        if self._watcher is not None and not self._watcher.done():
            if self._watcher.get_loop() is loop:
                return
            with contextlib.suppress(RuntimeError):  # that loop may be closed (tests)
                self._watcher.cancel()
        self._watcher = loop.create_task(self._measure_lag())

    async def _measure_lag(self, period_s: float = 0.1) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(period_s)
            late = max(0.0, loop.time() - start - period_s)
            self.loop_lag_s = 0.7 * self.loop_lag_s + 0.3 * late

    # ------------------------------------------------------------------ presence
    def _now(self) -> datetime:
        return datetime.now(UTC)

    def _claim(
        self, person_id: int, key: int, takes_sensor: bool, dead_worker: str | None = None
    ) -> presence.Holder | None:
        settings = self.ctx.settings
        with self.ctx.session_factory() as db:
            return presence.claim(
                db,
                person_id,
                self.worker,
                key,
                takes_sensor,
                self._now(),
                settings.live_stale_s,
                foreign_is_stale=not self.relay.shared,
                dead_worker=dead_worker,
            )

    def holder(self, person_id: int) -> presence.Holder | None:
        """Who holds ``person_id``'s running session (None: nobody)."""
        with self.ctx.session_factory() as db:
            found = presence.holder(db, person_id, self._now(), self.ctx.settings.live_stale_s)
        if found is not None and not self.relay.shared and found.worker != self.worker:
            return None  # one process only: a row of an earlier run is left over
        return found

    def beat_due(self) -> bool:
        """Whether ``live_heartbeat_s`` has passed since the last :meth:`beat` was due
        (checked on the event loop, so only due heartbeats reach a worker thread)."""
        now = time.monotonic()
        if now - self._last_beat < self.ctx.settings.live_heartbeat_s:
            return False
        self._last_beat = now
        return True

    def beat(self) -> None:
        """Refresh this process's presence rows (every ``live_heartbeat_s``)."""
        with self.ctx.session_factory() as db:
            presence.beat(db, self.worker, self._now())

    def started(self, key: int) -> None:
        """Record the stored session id of ``key`` in its presence row."""
        live = self.active.get(key)
        if live is None or live.session_id is None:
            return
        with self.ctx.session_factory() as db:
            presence.set_session(db, live.person_id, self.worker, key, live.session_id)

    # ------------------------------------------------------------------ sessions
    async def open(
        self,
        person_id: int,
        plan: Plan,
        plan_id: int | None,
        source: str,
        sensor_beside: bool = False,
        sensors: tuple[str, ...] = (),
        resume_id: int | None = None,
    ) -> tuple[int, LiveSession]:
        """Register a new live session (or one resuming ``resume_id``); returns its registry
        key and the session.

        A session of the same person running elsewhere (another tab, any process) refuses
        it, unless this resumes that very session: then the holder lets go of it first.
        """
        self._watch_loop()
        busy_lag_s = self.ctx.settings.live_busy_lag_ms / 1000.0
        if len(self.active) >= self.max_sessions or 0 < busy_lag_s < self.loop_lag_s:
            raise InvalidInput(_("the server is busy: too many live sessions, try again shortly"))
        if (
            source == "camera"
            and sum(1 for s in self.active.values() if s.source == "camera") >= self.max_camera
        ):
            raise InvalidInput(
                _("the server is analysing too many cameras now; use timers only or try later")
            )
        with self._serial_lock:
            self._serial += 1
            key = self._serial
        takes_sensor = sensor_beside or bool(sensors)
        await self.relay.start()  # listening before the session can be asked for
        holder = await run_in_threadpool(self._claim, person_id, key, takes_sensor)
        if (
            holder is not None
            and holder.worker != self.worker
            and not await self.relay.alive(holder.worker)
        ):  # its process was killed: take the row now, not once its heartbeat is stale
            log.info("live session of person %s: worker %s stopped", person_id, holder.worker)
            holder = await run_in_threadpool(
                self._claim, person_id, key, takes_sensor, holder.worker
            )
        if holder is not None and resume_id is not None and holder.session_id == resume_id:
            await self._take_over(holder)
            holder = await run_in_threadpool(self._claim, person_id, key, takes_sensor)
        if holder is not None:
            raise InvalidInput(
                _("a session is already running in another window; finish or close it first")
            )
        try:
            live = await run_in_threadpool(
                self._create, person_id, plan, plan_id, source, sensor_beside, sensors, resume_id
            )
        except BaseException:
            await run_in_threadpool(self._release, person_id, key)
            raise
        self.active[key] = live
        return key, live

    def _create(
        self,
        person_id: int,
        plan: Plan,
        plan_id: int | None,
        source: str,
        sensor_beside: bool,
        sensors: tuple[str, ...],
        resume_id: int | None,
    ) -> LiveSession:
        self._close_interrupted(person_id, keep=resume_id)
        return LiveSession(
            self.ctx,
            person_id,
            plan,
            plan_id,  # type: ignore[arg-type]  # None for a desk break (the sink accepts it)
            source,
            sensor_beside,
            sensors=sensors,
            resume_id=resume_id,
            clock=self.new_clock(),
        )

    async def _take_over(self, holder: presence.Holder) -> None:
        """Ask the process holding the session to let go of it (its page was closed or its
        connection dropped, and the person reconnected)."""
        with contextlib.suppress(WorkerUnreachable):  # then the claim still finds it held
            await self.relay.request(
                holder.worker,
                {"op": "release", "person_id": holder.person_id, "key": holder.key},
                self.ctx.settings.live_relay_timeout_s,
            )

    async def find_sensor_target(self, person_id: int) -> SensorTarget:
        """The person's running session that takes a motion sensor, in any process."""
        live = next((s for s in self.active.values() if s.person_id == person_id), None)
        if live is not None:
            takes = live.sensor_beside or bool(live.sensor_host.channels)
            if takes and not live.engine.finished:
                return SensorTarget(self, live)
        else:
            holder = await run_in_threadpool(self.holder, person_id)
            if holder is not None and holder.takes_sensor and holder.worker != self.worker:
                return SensorTarget(self, None, holder)
        raise InvalidInput(
            _(
                "no session is waiting for a sensor: start a camera session with "
                "'also use my phone as a back sensor' ticked first"
            )
        )

    def is_active(self, live: LiveSession) -> bool:
        """Whether ``live`` is still running (not finished, not closed)."""
        return not live.engine.finished and any(s is live for s in self.active.values())

    async def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer another process's request about a session held here."""
        key, person_id = request.get("key"), request.get("person_id")
        if not isinstance(key, int):
            return {"inactive": True}
        live = self.active.get(key)
        if live is None or live.person_id != person_id:
            return {"inactive": True}
        if request.get("op") == "release":
            if live.let_go is not None:
                await live.let_go()
            else:
                await run_in_threadpool(self.close, key, _("Continued in another window."), True)
            return {"released": True}
        if request.get("op") == "sensor":
            if not self.is_active(live):
                return {"inactive": True}
            plugin = request.get("plugin")
            try:
                ack = await run_in_threadpool(
                    sensor_push,
                    live,
                    plugin if isinstance(plugin, str) else None,
                    str(request.get("lines", "")),
                )
            except InvalidInput as exc:
                return {"error": str(exc)}
            return {"ack": ack}
        return {"error": f"unknown request {str(request.get('op'))[:40]!r}"}

    def _close_interrupted(self, person_id: int, keep: int | None = None) -> None:
        """Close sessions left ``in_progress`` by a crash (their finished exercises stay),
        except ``keep``, the one being resumed."""
        from spinecoach.store.session_sink import close_unfinished

        with self.ctx.session_factory() as db:
            closed = close_unfinished(db, person_id, now=datetime.now(UTC), keep=keep)
        if closed:
            log.info("closed interrupted session(s) %s of person %s", closed, person_id)

    def _release(self, person_id: int, key: int) -> None:
        with self.ctx.session_factory() as db:
            presence.release(db, person_id, self.worker, key)

    def close(self, key: int, reason: str = "Connection closed.", resumable: bool = False) -> None:
        """Stop (or, ``resumable``, leave unfinished) and forget a live session."""
        live = self.active.pop(key, None)
        if live is not None:
            live.close(reason, resumable)
            self._release(live.person_id, key)
