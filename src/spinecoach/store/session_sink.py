"""The store side of a guided session: a :class:`~spinecoach.coach.sink.SessionSink` that
writes every event to the database the moment it happens.

Each exercise result and pain report is committed on arrival, so a session killed at any
point (even ``kill -9``) loses at most the exercise in progress. Unfinished sessions are
found with :meth:`SessionRepository.unfinished` and resumed (:func:`resume_point`) or
closed (:func:`close_unfinished`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session as DbSession

from spinecoach.coach.cues import Cue
from spinecoach.coach.results import ExerciseResult, PainCheck, SessionStart, SessionSummary
from spinecoach.domain.cues import CheckinKind, PainReportKind
from spinecoach.domain.plan import Plan
from spinecoach.store import models
from spinecoach.store.repositories import SessionRepository
from spinecoach.store.safety import current_safety_state

log = logging.getLogger(__name__)

#: Engine check-in kinds -> stored pain-report kinds (kept for callers; the rule is
#: :meth:`PainReportKind.of_checkin`).
PAIN_KINDS = {k.value: PainReportKind.of_checkin(k).value for k in CheckinKind}

#: Stored trace rate: samples a second kept per channel (enough to draw a repetition).
TRACE_HZ = 10.0
#: At most this many samples are buffered per channel (about 20 minutes at ``TRACE_HZ``).
MAX_TRACE_SAMPLES = 12_000
#: At most this many cues are kept per exercise.
MAX_CUES = 400


class StoreSessionSink:
    """Writes a session to the database as it runs.

    Parameters
    ----------
    db : sqlalchemy.orm.Session
    person_id : int
    plan_id : int or None
    started_at : datetime
        Wall-clock time (UTC) matching engine time ``origin_s``.
    origin_s : float
        Engine-clock seconds at ``started_at``; engine times convert as
        ``started_at + (t_s - origin_s)``.
    source : str
        ``timer``, ``camera``, ``video``, ``keypoints``, ``imu`` or ``imu_stream``.
    session_id : int, optional
        Continue this stored session (resume) instead of opening a new one.
    next_checkin_at : datetime, optional
        When the next-morning check-in is due; stored in the session summary.
    """

    def __init__(
        self,
        db: DbSession,
        person_id: int,
        plan_id: int | None,
        *,
        started_at: datetime,
        origin_s: float = 0.0,
        source: str = "timer",
        session_id: int | None = None,
        next_checkin_at: datetime | None = None,
    ) -> None:
        self.repo = SessionRepository(db)
        self.person_id = person_id
        self.plan_id = plan_id
        self.started_at = started_at
        self.origin_s = origin_s
        self.source = source
        self.session_id = session_id
        self.next_checkin_at = next_checkin_at
        self._traces: dict[str, dict[str, Any]] = {}
        self._cues: list[tuple[float, str, str]] = []
        self._deferred: list[Callable[[], None]] | None = None

    def defer_writes(self) -> None:
        """From now until :meth:`take_deferred`, queue the database writes instead of making
        them (a caller on an event loop runs the engine there, then the writes off it)."""
        self._deferred = []

    def take_deferred(self) -> list[Callable[[], None]]:
        """Stop queueing; the queued writes, in order, for the caller to run at once (each
        commits, as if made when its event happened)."""
        pending, self._deferred = self._deferred or [], None
        return pending

    def _write(self, write: Callable[[], None]) -> None:
        if self._deferred is not None:
            self._deferred.append(write)
        else:
            write()

    def record_sample(self, channel: str, t_s: float, value_deg: float | None, label: str) -> None:
        """Keep one measured angle for the review page's trace (thinned to ``TRACE_HZ``).

        Parameters
        ----------
        channel : str
            ``camera`` (the exercise's primary angle), ``imu`` (the sensor steering the
            session) or ``sensor`` (a sensor beside the camera).
        t_s : float
            Engine-clock seconds.
        value_deg : float or None
            The angle in degrees; ``None`` or NaN (nothing measured) is skipped.
        label : str
            What the angle is, e.g. ``"Lumbar flexion (sensor)"``.
        """
        if value_deg is None or not math.isfinite(value_deg):
            return
        trace = self._traces.setdefault(channel, {"label": label, "t_s": [], "deg": []})
        times = trace["t_s"]
        if times and (t_s - times[-1] < 1.0 / TRACE_HZ - 1e-6 or len(times) >= MAX_TRACE_SAMPLES):
            return
        trace["label"] = label
        times.append(t_s)
        trace["deg"].append(value_deg)

    def record_cue(self, cue: Cue) -> None:
        """Keep a cue the engine gave (spoken or shown) for the review page."""
        if len(self._cues) < MAX_CUES:
            self._cues.append((cue.t_s, str(cue.kind), cue.text))

    def _take_traces(self, start_s: float, end_s: float) -> dict[str, Any] | None:
        """The buffered samples within ``[start_s, end_s]`` (times from ``start_s``)."""
        out: dict[str, Any] = {}
        for channel, trace in self._traces.items():
            pairs = [
                (round(t - start_s, 2), round(v, 1))
                for t, v in zip(trace["t_s"], trace["deg"], strict=True)
                if start_s <= t <= end_s
            ]
            if pairs:
                out[channel] = {
                    "label": trace["label"],
                    "t_s": [p[0] for p in pairs],
                    "deg": [p[1] for p in pairs],
                }
            keep = [i for i, t in enumerate(trace["t_s"]) if t > end_s]
            trace["t_s"] = [trace["t_s"][i] for i in keep]
            trace["deg"] = [trace["deg"][i] for i in keep]
        return out or None

    def _take_cues(self, start_s: float, end_s: float) -> list[dict[str, Any]] | None:
        taken = [
            {"t_s": round(t - start_s, 1), "kind": kind, "text": text}
            for t, kind, text in self._cues
            if t <= end_s
        ]
        self._cues = [c for c in self._cues if c[0] > end_s]
        return taken or None

    def wall(self, t_s: float) -> datetime:
        """Wall-clock datetime of engine time ``t_s``."""
        return self.started_at + timedelta(seconds=t_s - self.origin_s)

    def on_session_started(self, start: SessionStart) -> None:
        """Open (and commit) the session row unless resuming one."""
        if self.session_id is None:
            row = self.repo.start(
                self.person_id, self.plan_id, source=self.source, started_at=self.wall(start.t_s)
            )
            self.session_id = row.id
        log.info("session %s started", self.session_id)

    def _id(self) -> int:
        if self.session_id is None:
            raise RuntimeError("session not started")
        return self.session_id

    def on_exercise_finished(self, result: ExerciseResult) -> None:
        """Commit one exercise's result."""
        traces = self._take_traces(result.started_s, result.ended_s)
        cues = self._take_cues(result.started_s, result.ended_s)
        self._write(lambda: self._add_result(result, traces, cues))

    def _add_result(
        self,
        result: ExerciseResult,
        traces: dict[str, Any] | None,
        cues: list[dict[str, Any]] | None,
    ) -> None:
        self.repo.add_result(
            self._id(),
            exercise_id=result.exercise_id,
            started_at=self.wall(result.started_s),
            ended_at=self.wall(result.ended_s),
            completed=result.completed,
            reps_done=result.reps_done,
            reps_target=result.reps_target,
            ranges_deg=list(result.ranges_deg),
            hold_times_s=list(result.hold_times_s),
            tempo=dict(result.tempo, hold_target_s=result.hold_target_s),
            form_flags=list(result.form_flags),
            tracking=dict(result.tracking, replaced_by=result.replaced_by),
            pain_during=result.pain_during,
            stop_action=result.stop_action,
            traces=traces,
            cues=cues,
        )

    def on_pain_report(self, check: PainCheck) -> None:
        """Commit a pain report; the check-in before the session sets its baseline."""
        self._write(lambda: self._add_pain_report(check))

    def _add_pain_report(self, check: PainCheck) -> None:
        session_id = self._id()
        self.repo.add_pain_report(
            self.person_id,
            session_id=session_id,
            exercise_id=check.exercise_id,
            at=self.wall(check.t_s),
            kind=PainReportKind.of_checkin(check.kind).value,
            pain=check.pain,
            symptoms=sorted(check.symptoms),
            decision=check.decision.to_json(),
        )
        current_safety_state(self.repo.db, self.person_id)  # an emergency sets it at once
        if check.kind == "before" and check.pain is not None:
            row = self.repo.get(session_id)
            row.pain_before = check.pain
            self.repo.db.commit()

    def on_session_finished(self, summary: SessionSummary) -> None:
        """Close the session with its status, pain after and summary (commits)."""
        self._write(lambda: self._finish(summary))

    def _finish(self, summary: SessionSummary) -> None:
        data = summary.to_dict()
        if self.next_checkin_at is not None and summary.status != "urgent_care":
            data["next_morning_checkin_due"] = self.next_checkin_at.isoformat()
        self.repo.finish(
            self._id(),
            status=summary.status,
            ended_at=self.wall(summary.t_s),
            pain_after=summary.pain_after,
            summary=data,
        )


def remaining_plan(plan: Plan, done: list[str]) -> Plan:
    """The plan without the exercises already recorded (to resume a session)."""
    left = list(done)
    items = []
    for item in plan.items:
        if item.exercise_id in left:
            left.remove(item.exercise_id)
        else:
            items.append(item)
    return Plan(tuple(items), plan.level, plan.created_at, plan.reasons, plan.changes,
                plan.note, plan.paused, plan.budget_s, dict(plan.metadata),
                conditions=plan.conditions, set_aside=plan.set_aside)  # fmt: skip


def done_exercise_ids(session: models.Session) -> list[str]:
    """Exercise ids with a stored result in ``session``, in order."""
    return [r.exercise_id for r in session.results]


#: Hour (local time) from which the next-morning check-in after a session is due.
MORNING_CHECKIN_HOUR = 8


def next_morning(now: datetime, hour: int = MORNING_CHECKIN_HOUR) -> datetime:
    """When the next-morning check-in after a session is due: tomorrow at ``hour`` o'clock,
    local time, as an aware datetime (the same rule for the terminal and the web)."""
    local = now.astimezone()
    return (local + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)


def close_session(db: DbSession, row: models.Session, *, now: datetime) -> None:
    """Close one interrupted session (status ``closed``), noting what it recorded."""
    summary = dict(row.summary or {})
    summary["closed_after_interruption"] = True
    summary["exercises_recorded"] = done_exercise_ids(row)
    SessionRepository(db).finish(row.id, status="closed", ended_at=now, summary=summary)


def close_unfinished(
    db: DbSession, person_id: int, *, now: datetime, keep: int | None = None
) -> list[int]:
    """Close every ``in_progress`` session of a person (status ``closed``) except ``keep``
    (the one being resumed); returns their ids."""
    closed = []
    for row in SessionRepository(db).unfinished(person_id):
        if row.id == keep:
            continue
        close_session(db, row, now=now)
        closed.append(row.id)
    return closed


def session_sink(
    db: DbSession,
    person_id: int,
    plan_id: int | None,
    *,
    source: str,
    started_at: datetime,
    origin_s: float = 0.0,
    session_id: int | None = None,
) -> StoreSessionSink:
    """The one way a front end (terminal or web) starts storing a live session."""
    return StoreSessionSink(
        db,
        person_id,
        plan_id,
        started_at=started_at,
        origin_s=origin_s,
        source=source,
        session_id=session_id,
        next_checkin_at=next_morning(started_at),
    )


def pending_morning_checkin(db: DbSession, person_id: int) -> tuple[int, datetime] | None:
    """The latest session whose next-morning check-in is due and not yet made.

    Returns
    -------
    tuple of (session id, due datetime) or None
    """
    repo = SessionRepository(db)
    answered = {r.session_id for r in repo.pain_reports(person_id, "next_morning")}
    for row in repo.recent(person_id, limit=10):
        due = (row.summary or {}).get("next_morning_checkin_due")
        if due and row.id not in answered:
            return row.id, datetime.fromisoformat(due)
    return None
