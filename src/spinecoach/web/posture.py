"""The posture pages' logic: the webcam check, the sitting monitor and desk-break sessions.

Both WebSocket paths take the same binary frames as the guided session (8-byte little-endian
client time stamp in ms, then a JPEG) and run MediaPipe in this process; frames are never
stored. The check keeps the keypoints of a few seconds and turns them into figures; the
monitor keeps only the :class:`~spinecoach.motion.posture_monitor.PostureMonitor` state and
stores minutes per category and the nudges given when it stops.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from spinecoach.domain.i18n import N_, _
from spinecoach.domain.plan import Plan
from spinecoach.domain.posture import (
    POSITIONS,
    VIEWS,
    PostureAssessment,
    compare_all,
    latest_checks,
)
from spinecoach.errors import InvalidInput
from spinecoach.settings import Settings
from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES
from spinecoach.sources.posture import figures_from_poses, make_monitor, pose_sample
from spinecoach.store.services import CoachService
from spinecoach.web.context import AppContext
from spinecoach.web.live import FRAME_HEADER, MAX_FRAME_SIDE_PX
from spinecoach.web.posture_sensor import PostureSensorLink

#: Most frames one webcam check keeps (about 10 s at 4 fps).
MAX_CHECK_FRAMES = 60


def coach_service(ctx: AppContext, db: Any) -> CoachService:
    """A coach service on ``db`` with the app's content."""
    return CoachService(db, ctx.library, ctx.rules, ctx.settings)


def decode_jpeg_frame(data: bytes) -> tuple[float, np.ndarray]:
    """Split a binary frame message into (client time s, BGR image); one-line errors."""
    import cv2

    if len(data) <= FRAME_HEADER.size:
        raise InvalidInput(_("frame: expected an 8-byte time stamp and a JPEG"))
    (t_ms,) = FRAME_HEADER.unpack_from(data)
    image = cv2.imdecode(np.frombuffer(data[FRAME_HEADER.size :], np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise InvalidInput(_("frame: not a JPEG image"))
    height, width = image.shape[:2]
    if max(height, width) > MAX_FRAME_SIDE_PX:
        raise InvalidInput(
            _("frame: {width}x{height} is larger than {max_frame_side_px} px").format(
                width=width, height=height, max_frame_side_px=MAX_FRAME_SIDE_PX
            )
        )
    return float(t_ms) / 1000.0, image


class _Pose:
    """A lazily created pose backend used from worker threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.backend: Any = None

    def estimate(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with self.lock:
            if self.backend is None:
                from spinecoach.sources.pose import create_backend

                self.backend = create_backend(
                    "mediapipe", model_complexity=self.settings.pose_model_complexity
                )
            return self.backend.estimate(image)  # type: ignore[no-any-return]

    def close(self) -> None:
        with self.lock:
            if self.backend is not None:
                self.backend.close()
                self.backend = None


@dataclass
class CheckRun:
    """One webcam posture check: frames in, figures out."""

    ctx: AppContext
    person_id: int
    view: str
    position: str
    times: list[float] = field(default_factory=list)
    positions: list[np.ndarray] = field(default_factory=list)
    confidence: list[np.ndarray] = field(default_factory=list)
    size: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise InvalidInput(
                _("view: expected one of {views}, got {view}").format(
                    views=", ".join(VIEWS), view=repr(self.view)
                )
            )
        if self.position not in POSITIONS:
            raise InvalidInput(
                _("position: expected one of {positions}, got {position}").format(
                    positions=", ".join(POSITIONS), position=repr(self.position)
                )
            )
        self.pose = _Pose(self.ctx.settings)

    def add_frame(self, data: bytes) -> int:
        """Estimate the pose in one frame; returns how many frames are kept."""
        if len(self.times) >= MAX_CHECK_FRAMES:
            return len(self.times)
        t_s, image = decode_jpeg_frame(data)
        if self.times and t_s <= self.times[-1]:
            raise InvalidInput(_("frame: time stamps must increase"))
        positions, confidence = self.pose.estimate(image)
        self.size = (image.shape[1], image.shape[0])
        self.times.append(t_s)
        self.positions.append(positions[:, :2])
        self.confidence.append(confidence)
        return len(self.times)

    def finish(self, now: datetime) -> dict[str, Any]:
        """Figures of the frames so far, stored as an assessment; the result as JSON."""
        self.pose.close()
        if len(self.times) < 5:
            raise InvalidInput(_("the check needs at least 5 frames with you in view"))
        measured = figures_from_poses(
            self.times,
            self.positions,
            self.confidence,
            BLAZEPOSE_33_NAMES,
            self.size,
            view=self.view,
            position=self.position,
            min_confidence=self.ctx.settings.min_keypoint_confidence,
        )
        if not measured.figures:
            why = "; ".join(_(n) for n in measured.notes) or _(
                "ears, shoulders and hips must be in view"
            )
            raise InvalidInput(_("no posture figure could be measured: {why}").format(why=why))
        assessment = PostureAssessment(
            taken_at=now,
            position=self.position,
            view=self.view,
            figures=measured.figures,
            unmeasurable=measured.unmeasurable,
            input_name="webcam",
        )
        return store_check(self.ctx, self.person_id, assessment, measured.notes)


def store_check(
    ctx: AppContext, person_id: int, assessment: PostureAssessment, notes: Any
) -> dict[str, Any]:
    """Store a check's assessment; the ``result`` message for the page."""
    with ctx.session_factory() as db:
        service = coach_service(ctx, db).posture
        assessment_id = service.record_assessment(person_id, assessment, tuple(notes))
        comparisons = compare_all(assessment, service.norms)
        found = service.findings(person_id)
    return {
        "type": "result",
        "id": assessment_id,
        "figures": [
            {
                "measure": c.figure.measure,
                "label": _(c.norm.label) if c.norm is not None else c.figure.measure,
                "value_deg": c.figure.value_deg,
                "confidence": c.figure.confidence,
                "confidence_label": _(c.figure.confidence_label),
                "status": c.status.value,
                "comparison": c.text,
                "normal_range": None
                if c.norm is None or not c.norm.has_range
                else c.norm.range_text(),
                "norm_sources": [] if c.norm is None else list(c.norm.sources),
            }
            for c in comparisons
        ],
        "unmeasurable": {k: _(v) for k, v in assessment.unmeasurable.items()},
        "notes": [_(n) for n in notes],
        "findings": [f.reason for f in found],
    }


#: Seconds of held posture an IMU check needs after the 3 s upright calibration.
MIN_IMU_HELD_S = 5.0


def finish_imu_check(
    ctx: AppContext, person_id: int, position: str, link: PostureSensorLink, now: datetime
) -> dict[str, Any]:
    """Pelvic tilt and lumbar angle of a check streamed by a back IMU; stored; the result."""
    if position not in POSITIONS:
        raise InvalidInput(
            _("position: expected one of {choices}, got {value}").format(
                choices=", ".join(POSITIONS), value=repr(position)
            )
        )
    with link.lock:
        held = link.collector.held_seconds()
        if held < MIN_IMU_HELD_S:
            raise InvalidInput(
                _(
                    "the sensor check needs {needed} s of the posture after the 3 s upright "
                    "calibration (got {held} s): is the phone streaming?"
                ).format(needed=f"{MIN_IMU_HELD_S:g}", held=f"{held:.1f}")
            )
        figures, unmeasurable = link.collector.figures()
    if not figures:
        why = "; ".join(_(v) for v in unmeasurable.values()) or _("no sensor data")
        raise InvalidInput(_("no posture figure could be measured: {why}").format(why=why))
    unmeasurable.setdefault(
        "craniovertebral_angle_deg", _("back sensors do not see the head and neck: use the camera")
    )
    assessment = PostureAssessment(
        taken_at=now,
        position=position,
        view="none",
        figures=figures,
        unmeasurable=unmeasurable,
        input_name=_("back sensor (phone or bridge)"),
    )
    notes = [_("angles are changes from your 3 s of upright standing at the start")]
    return store_check(ctx, person_id, assessment, notes)


@dataclass
class MonitorRun:
    """One opt-in monitor connection: frames (about 1 a second) in, state and nudges out."""

    ctx: AppContext
    person_id: int
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    last_t: float | None = None
    t0: float | None = None
    link: PostureSensorLink | None = None  # source imu: a phone on the back

    def __post_init__(self) -> None:
        s = self.ctx.settings
        self.monitor = make_monitor(
            sitting_nudge_min=s.monitor_sitting_nudge_min,
            posture_nudge_min=s.monitor_posture_nudge_min,
            slump_deg=s.monitor_slump_deg,
            neck_drop_fraction=s.monitor_neck_drop_fraction,
        )
        self.pose = _Pose(s)

    def _t(self, client_t_s: float) -> float:
        if self.t0 is None:
            self.t0 = client_t_s
        t = client_t_s - self.t0
        if self.last_t is not None and t <= self.last_t:
            raise InvalidInput(_("frame: time stamps must increase"))
        self.last_t = t
        return t

    def add_frame(self, data: bytes) -> dict[str, Any]:
        """One frame: pose here, features, the monitor's state (and any nudges)."""
        client_t_s, image = decode_jpeg_frame(data)
        t = self._t(client_t_s)
        positions, confidence = self.pose.estimate(image)
        sample = pose_sample(
            positions, confidence, BLAZEPOSE_33_NAMES, self.ctx.settings.min_keypoint_confidence
        )
        return self._state(self.monitor.push(t, sample))

    def add_keypoints(self, message: dict[str, Any]) -> dict[str, Any]:
        """Keypoints estimated in the browser: ``{"type": "keypoints", "t": ms, "keypoints":
        [[x, y, confidence], ...], "names": [...]?}`` (pixels; the guided session's format)."""
        from spinecoach.web.live import parse_keypoints

        t_ms = message.get("t")
        if not isinstance(t_ms, int | float) or isinstance(t_ms, bool):
            raise InvalidInput(_("keypoints: expected a time stamp 't' in ms"))
        positions, confidence, names = parse_keypoints(message, BLAZEPOSE_33_NAMES)
        t = self._t(float(t_ms) / 1000.0)
        sample = pose_sample(
            positions, confidence, names, self.ctx.settings.min_keypoint_confidence
        )
        return self._state(self.monitor.push(t, sample))

    def add_tick(self, client_t_s: float) -> dict[str, Any]:
        """Once a second with a back sensor: its latest angle (or no data: paused)."""
        if self.link is None:
            raise InvalidInput(_("tick: this monitor was not opened with source=imu"))
        state = self._state(self.monitor.push(self._t(client_t_s), self.link.monitor_sample()))
        state["sensor"] = self.link.status()
        return state

    def add_absent(self, client_t_s: float) -> dict[str, Any]:
        """The page says no frame could be taken (camera paused): count as away."""
        return self._state(self.monitor.push(self._t(client_t_s), None))

    def _state(self, nudges: list[Any]) -> dict[str, Any]:
        state = self.monitor.state
        return {
            "type": "state",
            "category": state.category,
            "calibrated": state.calibrated,
            "minutes": state.minutes(),
            "nudges": [{"kind": n.kind, "text": n.text} for n in nudges],
        }

    def stop(self) -> dict[str, Any]:
        """Store minutes per category and the nudges; close the pose backend."""
        self.pose.close()
        if self.last_t is not None:
            self.monitor.push(self.last_t + 1.0, None)
        state = self.monitor.state
        ended = self.started_at + timedelta(seconds=self.last_t or 0.0)
        nudges = [
            {"at": (self.started_at + timedelta(seconds=n.t_s)).isoformat(), "kind": n.kind}
            for n in state.nudges
        ]
        with self.ctx.session_factory() as db:
            coach_service(self.ctx, db).posture.record_monitor(
                self.person_id,
                self.started_at,
                ended,
                "camera" if self.link is None else "imu",
                state.minutes(),
                nudges,
            )
        return {"type": "stopped", "minutes": state.minutes(), "nudges": len(nudges)}


def clinic_posture_context(ctx: AppContext, db: Any, person_id: int, today: Any) -> dict[str, Any]:
    """What the clinician sees of a patient's posture and working day (clinic patient page).

    Latest check per position and view (figures, confidence, the cited range and sources),
    the weekly trend of every figure, desk-break adherence (breaks taken of those scheduled,
    by week) and sitting-monitor minutes by week.
    """
    from datetime import date

    service = coach_service(ctx, db).posture
    assessments = service.assessments(person_id)
    checks = [
        {"assessment": a, "comparisons": compare_all(a, service.norms)}
        for a in latest_checks(assessments)
    ]
    breaks = service.breaks(person_id)
    weeks = service.weekly(person_id)
    adherence = []
    for week in weeks:
        year, number = (int(x) for x in week.week.split("-W"))
        monday = date.fromisocalendar(year, number, 1)
        days = max(min((today - monday).days + 1, 7), 0)
        scheduled = len(breaks) * days
        adherence.append(
            {
                "week": week.week,
                "done": week.breaks_done,
                "scheduled": scheduled,
                "share": None if not scheduled else min(week.breaks_done / scheduled, 1.0),
            }
        )
    measures = sorted({key for week in weeks for key in week.figures})
    labels = {}
    for key in measures:
        measure, position, *source = key.split(":")
        norm = service.norms.get(measure)
        label = _(norm.label) if norm is not None else measure.replace("_", " ")
        labels[key] = f"{label} ({', '.join(_(w) for w in [position, *source])})"
    return {
        "posture_checks": checks,
        "posture_findings": service.findings(person_id),
        "posture_weeks": weeks,
        "posture_measures": measures,
        "posture_labels": labels,
        "desk_breaks": breaks,
        "break_adherence": adherence,
        "n_assessments": len(assessments),
    }


def desk_break_session_plan(ctx: AppContext, db: Any, person_id: int, label: str) -> Plan:
    """The desk break ``label`` as a plan for the live session (for ``/ws/session``)."""
    service = coach_service(ctx, db).posture
    desk_break = service.desk_break(person_id, label)
    from spinecoach.domain.planning import relabel

    return relabel(service.break_plan(person_id, desk_break, datetime.now(UTC)), ctx.library)


def mark_desk_break(ctx: AppContext, session_id: int | None, plan: Plan) -> None:
    """Mark a live session that runs a desk break (so adherence and adaptation count it)."""
    if session_id is None or plan.metadata.get("kind") != "desk_break":
        return
    from spinecoach.store import models

    with ctx.session_factory() as db:
        row = db.get(models.Session, session_id)
        if row is not None:
            row.kind = "desk_break"
            row.break_at = plan.metadata.get("at")
            db.commit()


#: Words stored as ids and shown translated on the posture pages (``{{ _(word) }}``): the
#: desk questionnaire's choices (shown with spaces for underscores), positions, views,
#: figure sources, confidence labels and input names.
DISPLAY_WORDS = (
    N_("above eyes"), N_("eye level"), N_("slightly below"), N_("well below"),
    N_("adjustable with back support"), N_("chair with back"), N_("no back support"),
    N_("supported"), N_("not supported"),
    N_("every 30 min"), N_("hourly"), N_("every 2 hours"), N_("rarely"),
    N_("laptop only"), N_("laptop raised with keyboard"), N_("desktop monitor"),
    N_("seated"), N_("standing"), N_("side"), N_("front"),
    N_("camera"), N_("imu"), N_("manual"), N_("high"), N_("moderate"), N_("low"),
    N_("webcam"), N_("desk questionnaire"),
)  # fmt: skip
