"""A clinic's outcomes over a chosen period, computed in the database (SQLite or PostgreSQL).

Per patient of one clinician: the first and last pain report in the period and the change,
whether the drop reached the minimal important change (2 points or 30 % of the first value,
whichever is larger [OST]), the share of days with a session (adherence), sessions per week,
and safety events (stop-rule decisions and screenings that blocked exercise). Then the same
figures across the clinic. Everything is aggregate SQL (window functions, GROUP BY, CASE):
no per-row Python, so it scales with the database, not with this process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, cast, distinct, func, literal, select
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.store import models

MIC_POINTS = 2.0  # [OST]
MIC_FRACTION = 0.30  # [OST]
SAFETY_ACTIONS = ("stop_exercise", "end_session", "urgent_care")
MAX_PERIOD_DAYS = 3660


@dataclass(frozen=True)
class PatientOutcome:
    """One patient's figures over the period."""

    patient_id: int
    name: str
    pain_first: int | None
    pain_last: int | None
    pain_change: int | None
    reached_mic: bool | None
    active_days: int
    sessions: int
    adherence: float
    sessions_per_week: float
    safety_events: int


@dataclass(frozen=True)
class ClinicOutcomes:
    """The clinic's figures over ``[start, end]`` (dates, inclusive) and each patient's."""

    start: date
    end: date
    days: int
    patients: int
    patients_with_pain: int
    mean_pain_change: float | None
    share_reaching_mic: float | None
    mean_adherence: float | None
    sessions_per_week: float | None
    safety_events: int
    rows: list[PatientOutcome]


def _bounds(start: date, end: date) -> tuple[datetime, datetime, int]:
    if end < start:
        raise InvalidInput(
            _("period: the end {end} is before the start {start}").format(end=end, start=start)
        )
    days = (end - start).days + 1
    if days > MAX_PERIOD_DAYS:
        raise InvalidInput(
            _("period: at most {max_period_days} days, got {days}").format(
                max_period_days=MAX_PERIOD_DAYS, days=days
            )
        )
    from datetime import UTC

    low = datetime.combine(start, time.min, UTC)
    return low, low + timedelta(days=days), days


def _utc_day(db: DbSession, column: Any) -> Any:
    """The UTC calendar day of a time stamp, in SQL (PostgreSQL would use its session zone)."""
    if db.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def clinic_outcomes(db: DbSession, clinician_id: int, start: date, end: date) -> ClinicOutcomes:
    """Outcomes of ``clinician_id``'s patients from ``start`` to ``end`` (inclusive).

    Parameters
    ----------
    db : Session
    clinician_id : int
    start, end : date
        The period, both days included (UTC).
    """
    low, high, days = _bounds(start, end)
    P, S, R, Sc = models.Person, models.Session, models.PainReport, models.Screening
    patients = (
        select(P.id, P.name)
        .where(P.clinician_id == clinician_id, P.role == "patient")
        .subquery("patients")
    )

    in_period = and_(R.at >= low, R.at < high, R.pain.is_not(None))
    ranked = (
        select(
            R.person_id.label("pid"),
            R.pain.label("pain"),
            func.row_number().over(partition_by=R.person_id, order_by=(R.at, R.id)).label("up"),
            func.row_number()
            .over(partition_by=R.person_id, order_by=(R.at.desc(), R.id.desc()))
            .label("down"),
            func.count().over(partition_by=R.person_id).label("n"),
        )
        .join(patients, patients.c.id == R.person_id)
        .where(in_period)
        .subquery("ranked")
    )
    pain = (
        select(
            ranked.c.pid,
            func.max(case((ranked.c.up == 1, ranked.c.pain))).label("first"),
            func.max(case((ranked.c.down == 1, ranked.c.pain))).label("last"),
            func.max(ranked.c.n).label("n"),
        )
        .group_by(ranked.c.pid)
        .subquery("pain")
    )
    session_day = _utc_day(db, S.started_at)
    sessions = (
        select(
            S.person_id.label("pid"),
            func.count(S.id).label("sessions"),
            func.count(distinct(session_day)).label("days"),
        )
        .where(S.started_at >= low, S.started_at < high)
        .group_by(S.person_id)
        .subquery("sess")
    )
    action = R.decision["action"].as_string()
    stops = (
        select(R.person_id.label("pid"), func.count(R.id).label("events"))
        .where(R.at >= low, R.at < high, action.in_(SAFETY_ACTIONS))
        .group_by(R.person_id)
        .subquery("stops")
    )
    blocked = (
        select(Sc.person_id.label("pid"), func.count(Sc.id).label("events"))
        .where(Sc.created_at >= low, Sc.created_at < high, Sc.tier.in_(("emergency", "urgent")))
        .group_by(Sc.person_id)
        .subquery("blocked")
    )
    change = pain.c.last - pain.c.first
    threshold = case(
        (cast(pain.c.first, Float) * MIC_FRACTION > MIC_POINTS,
         cast(pain.c.first, Float) * MIC_FRACTION),
        else_=literal(MIC_POINTS),
    )  # fmt: skip
    reached = case(
        (func.coalesce(pain.c.n, 0) < 2, None),
        (cast(pain.c.first - pain.c.last, Float) >= threshold, 1),
        else_=0,
    )
    n_sessions = func.coalesce(sessions.c.sessions, 0)
    n_days = func.coalesce(sessions.c.days, 0)
    events = func.coalesce(stops.c.events, 0) + func.coalesce(blocked.c.events, 0)
    per_patient = (
        select(
            patients.c.id.label("pid"),
            patients.c.name.label("name"),
            pain.c.first.label("first"),
            pain.c.last.label("last"),
            case((pain.c.n >= 2, change)).label("change"),
            reached.label("reached"),
            n_days.label("days"),
            n_sessions.label("sessions"),
            events.label("events"),
        )
        .outerjoin(pain, pain.c.pid == patients.c.id)
        .outerjoin(sessions, sessions.c.pid == patients.c.id)
        .outerjoin(stops, stops.c.pid == patients.c.id)
        .outerjoin(blocked, blocked.c.pid == patients.c.id)
        .subquery("per_patient")
    )
    weeks = days / 7.0
    rows = [
        PatientOutcome(
            patient_id=r.pid,
            name=r.name,
            pain_first=r.first,
            pain_last=r.last,
            pain_change=r.change,
            reached_mic=None if r.reached is None else bool(r.reached),
            active_days=int(r.days),
            sessions=int(r.sessions),
            adherence=int(r.days) / days,
            sessions_per_week=int(r.sessions) / weeks,
            safety_events=int(r.events),
        )  # fmt: skip
        for r in db.execute(select(per_patient).order_by(per_patient.c.name, per_patient.c.pid))
    ]
    totals = db.execute(
        select(
            func.count(per_patient.c.pid),
            func.count(per_patient.c.change),
            func.avg(cast(per_patient.c.change, Float)),
            func.avg(cast(per_patient.c.reached, Float)),
            func.avg(cast(per_patient.c.days, Float)),
            func.avg(cast(per_patient.c.sessions, Float)),
            func.coalesce(func.sum(per_patient.c.events), 0),
        )
    ).one()
    count, with_pain, mean_change, share, mean_days, mean_sessions, n_events = totals
    return ClinicOutcomes(
        start=start, end=end, days=days, patients=int(count), patients_with_pain=int(with_pain),
        mean_pain_change=None if mean_change is None else float(mean_change),
        share_reaching_mic=None if share is None else float(share),
        mean_adherence=None if mean_days is None else float(mean_days) / days,
        sessions_per_week=None if mean_sessions is None else float(mean_sessions) / weeks,
        safety_events=int(n_events), rows=rows,
    )  # fmt: skip


CSV_COLUMNS = (
    "patient_id", "name", "pain_first", "pain_last", "pain_change", "reached_mic",
    "active_days", "sessions", "adherence", "sessions_per_week", "safety_events",
)  # fmt: skip


def outcomes_csv_rows(outcomes: ClinicOutcomes) -> list[list[Any]]:
    """CSV rows: a header, one row per patient, then the clinic's row (``patient_id`` all)."""

    def fmt(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return f"{value:.3f}"
        return value

    out: list[list[Any]] = [list(CSV_COLUMNS)]
    for r in outcomes.rows:
        out.append([fmt(getattr(r, c)) for c in CSV_COLUMNS])
    out.append(
        ["all", f"{outcomes.patients} patients", "", "", fmt(outcomes.mean_pain_change),
         fmt(outcomes.share_reaching_mic), "", "", fmt(outcomes.mean_adherence),
         fmt(outcomes.sessions_per_week), outcomes.safety_events]
    )  # fmt: skip
    return out
