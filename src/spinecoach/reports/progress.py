"""Progress figures for a person: pain over time, range of motion, adherence, disability.

The minimal important change in pain is 2 points or 30 % of the starting value [OST]; the
chart marks the threshold line and every report that reached it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import selectinload

from spinecoach.store import models
from spinecoach.store.models import as_utc

MIC_POINTS = 2.0  # [OST]
MIC_FRACTION = 0.30  # [OST]


def minimal_important_change(baseline_pain: float) -> float:
    """Pain drop (0-10 points) that counts as a minimal important change: max(2, 30 %) [OST]."""
    return max(MIC_POINTS, MIC_FRACTION * baseline_pain)


@dataclass(frozen=True)
class PainPoint:
    """One pain report."""

    at: datetime
    pain: int
    kind: str


@dataclass
class Progress:
    """Figures for the Progress page and the clinician's patient page."""

    pain: list[PainPoint] = field(default_factory=list)
    baseline_pain: float | None = None
    mic_threshold: float | None = None
    rom_weekly: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    adherence: list[tuple[date, bool]] = field(default_factory=list)
    rest_days: set[date] = field(default_factory=set)
    week_done: int = 0
    week_goal: int = 0
    streak_days: int = 0
    disability: list[tuple[datetime, int]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reached_mic(self) -> bool:
        """Whether any report after the baseline reached the minimal important change."""
        if self.mic_threshold is None:
            return False
        return any(p.pain <= self.mic_threshold for p in self.pain[1:])


def session_summary(row: models.Session) -> dict[str, Any]:
    """One session as shown in history tables (with its measurements)."""
    results = []
    for r in row.results:
        results.append(
            {
                "exercise_id": r.exercise_id,
                "completed": r.completed,
                "reps_done": r.reps_done,
                "reps_target": r.reps_target,
                "ranges_deg": [round(float(x), 1) for x in (r.ranges_deg or [])],
                "max_range_deg": round(max(r.ranges_deg), 1) if r.ranges_deg else None,
                "hold_times_s": [round(float(x), 1) for x in (r.hold_times_s or [])],
                "form_flags": list(r.form_flags or []),
                "tracking": dict(r.tracking or {}),
                "pain_during": r.pain_during,
                "stop_action": r.stop_action,
            }
        )
    duration_s = None
    if row.ended_at is not None:
        duration_s = (as_utc(row.ended_at) - as_utc(row.started_at)).total_seconds()
    return {
        "id": row.id,
        "started_at": as_utc(row.started_at),
        "duration_s": duration_s,
        "status": row.status,
        "source": row.source,
        "pain_before": row.pain_before,
        "pain_after": row.pain_after,
        "results": results,
    }


def compute_progress(db: DbSession, person_id: int, today: date, weeks: int = 6) -> Progress:
    """Gather the person's progress figures.

    Parameters
    ----------
    db : Session
    person_id : int
    today : date
        The last day of the adherence calendar.
    weeks : int
        Length of the adherence calendar in weeks.
    """
    progress = Progress()
    reports = db.scalars(
        select(models.PainReport)
        .where(models.PainReport.person_id == person_id, models.PainReport.pain.is_not(None))
        .order_by(models.PainReport.at, models.PainReport.id)
    ).all()
    intake = db.scalars(
        select(models.Intake)
        .where(models.Intake.person_id == person_id)
        .order_by(models.Intake.created_at, models.Intake.id)
    ).all()
    points = [PainPoint(as_utc(r.at), int(r.pain), r.kind) for r in reports if r.pain is not None]
    if intake:
        first = intake[0]
        pain_now = first.answers.get("pain_now")
        if isinstance(pain_now, int):
            points.insert(0, PainPoint(as_utc(first.created_at), pain_now, "intake"))
    progress.pain = sorted(points, key=lambda p: p.at)
    if progress.pain:
        progress.baseline_pain = float(progress.pain[0].pain)
        progress.mic_threshold = progress.baseline_pain - minimal_important_change(
            progress.baseline_pain
        )
    for row in intake:
        score = (row.scores or {}).get("rmdq")
        if isinstance(score, int):
            progress.disability.append((as_utc(row.created_at), score))

    sessions = db.scalars(
        select(models.Session)
        .where(models.Session.person_id == person_id)
        .order_by(models.Session.started_at.desc(), models.Session.id.desc())
        .options(  # the results in one query (not one per session), without the traces
            selectinload(models.Session.results)
            .defer(models.ExerciseResult.traces)
            .defer(models.ExerciseResult.cues)
        )
    ).all()
    progress.sessions = [session_summary(s) for s in sessions]

    weekly: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in sessions:
        day = as_utc(s.started_at).date()
        monday = (day - timedelta(days=day.weekday())).isoformat()  # the week, as a date
        for r in s.results:
            if r.ranges_deg:
                weekly[r.exercise_id][monday].append(max(map(float, r.ranges_deg)))
    progress.rom_weekly = {
        exercise_id: sorted((wk, sum(v) / len(v)) for wk, v in by_week.items())
        for exercise_id, by_week in sorted(weekly.items())
    }

    active_days = {
        as_utc(s.started_at).date() for s in sessions if s.status == "completed" or s.results
    }
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    progress.adherence = [
        (start + timedelta(days=n), (start + timedelta(days=n)) in active_days)
        for n in range(weeks * 7)
    ]
    plans = db.execute(
        select(models.Plan.created_at, models.Plan.paused)
        .where(models.Plan.person_id == person_id)
        .order_by(models.Plan.created_at, models.Plan.id)
    ).all()
    progress.rest_days = rest_days(
        [(as_utc(at).date(), bool(paused)) for at, paused in plans], start, today
    )
    progress.week_done, progress.week_goal = weekly_goal(active_days, progress.rest_days, today)
    progress.streak_days = streak(active_days, progress.rest_days, today)
    return progress


#: Days a week with a session that make the weekly goal (before prescribed rest days).
WEEKLY_GOAL_DAYS = 5


def rest_days(plans: list[tuple[date, bool]], first: date, last: date) -> set[date]:
    """Days from ``first`` to ``last`` on which the plan in force was paused (prescribed rest).

    ``plans`` are ``(created on, paused)``, oldest first; the plan in force on a day is the
    latest created on or before it.
    """
    rest: set[date] = set()
    day = first
    while day <= last:
        current = [paused for created, paused in plans if created <= day]
        if current and current[-1]:
            rest.add(day)
        day += timedelta(days=1)
    return rest


def weekly_goal(active: set[date], rest: set[date], today: date) -> tuple[int, int]:
    """``(days with a session this week, goal)``: the goal is :data:`WEEKLY_GOAL_DAYS` less
    the week's prescribed rest days, so resting as told never misses the goal."""
    monday = today - timedelta(days=today.weekday())
    week = [monday + timedelta(days=n) for n in range(7)]
    done = sum(1 for d in week if d in active)
    goal = max(WEEKLY_GOAL_DAYS - sum(1 for d in week if d in rest), 0)
    return done, goal


def streak(active: set[date], rest: set[date], today: date) -> int:
    """Days in a row with a session, up to today (today may still be to come); prescribed
    rest days neither break the streak nor count in it."""
    day = today if today in active or today in rest else today - timedelta(days=1)
    count = 0
    while day in active or day in rest:
        if day in active:
            count += 1
        day -= timedelta(days=1)
    return count
