"""Posture assessments, the desk questionnaire, desk breaks and the sitting monitor's logs.

:class:`PostureService` is what the CLI and the web app call: it stores each weekly check,
turns the latest figures into findings that change the routine (every change with its
reason), keeps the day's desk breaks and adapts them from each break's report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.desk import DeskAdvice, DeskGuide, desk_advice, validate_desk_answers
from spinecoach.domain.desk_breaks import (
    DeskBreak,
    adapt_desk_break,
    break_plan,
    build_desk_breaks,
)
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import gettext
from spinecoach.domain.intake import Profile
from spinecoach.domain.plan import Plan
from spinecoach.domain.posture import (
    Finding,
    PostureAssessment,
    PostureFigure,
    PostureNorm,
    apply_findings,
    findings,
)
from spinecoach.domain.rules import Rules
from spinecoach.domain.serialize import change_to_dict, item_from_dict, item_to_dict
from spinecoach.errors import InvalidInput, NotFound
from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.store.models import as_utc
from spinecoach.store.repositories import PlanRepository, SessionRepository


def figure_to_dict(figure: PostureFigure) -> dict[str, Any]:
    """JSON form of a figure."""
    return {
        "measure": figure.measure,
        "value_deg": figure.value_deg,
        "confidence": figure.confidence,
        "confidence_label": figure.confidence_label,
        "source": figure.source,
        "spread_deg": figure.spread_deg,
        "n_samples": figure.n_samples,
        "note": figure.note,
    }


def figure_from_dict(data: Mapping[str, Any]) -> PostureFigure:
    """Inverse of :func:`figure_to_dict`."""
    return PostureFigure(
        measure=str(data["measure"]),
        value_deg=float(data["value_deg"]),
        confidence=float(data["confidence"]),
        source=str(data["source"]),
        spread_deg=float(data.get("spread_deg", 0.0)),
        n_samples=int(data.get("n_samples", 1)),
        note=str(data.get("note", "")),
    )


def assessment_from_row(row: models.PostureAssessment) -> PostureAssessment:
    """Domain assessment of a stored row."""
    return PostureAssessment(
        taken_at=as_utc(row.taken_at),
        position=row.position,
        view=row.view,
        figures=tuple(figure_from_dict(f) for f in row.figures),
        unmeasurable=dict(row.unmeasurable or {}),
        input_name=row.input_name,
    )


def break_to_dict(desk_break: DeskBreak) -> dict[str, Any]:
    """JSON form of a desk break."""
    return {
        "at": desk_break.label,
        "reason": desk_break.reason,
        "duration_s": round(desk_break.duration_s),
        "items": [item_to_dict(i) for i in desk_break.items],
    }


def break_from_dict(data: Mapping[str, Any]) -> DeskBreak:
    """Inverse of :func:`break_to_dict`."""
    hour, minute = (int(x) for x in str(data["at"]).split(":"))
    return DeskBreak(
        time(hour, minute),
        tuple(item_from_dict(i) for i in data["items"]),
        str(data.get("reason", "")),
    )


@dataclass
class WeekSummary:
    """One ISO week of the working day: sitting, breaks and posture."""

    week: str
    sitting_min: float = 0.0
    slumped_min: float = 0.0
    upright_min: float = 0.0
    nudges: int = 0
    breaks_done: int = 0
    sessions_done: int = 0
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def slumped_share(self) -> float | None:
        """Share of monitored sitting time spent slumped."""
        return self.slumped_min / self.sitting_min if self.sitting_min > 0 else None


class PostureService:
    """Posture and working-day operations on one database session."""

    def __init__(
        self,
        db: DbSession,
        library: ExerciseLibrary,
        rules: Rules,
        settings: Settings,
        norms: Mapping[str, PostureNorm],
    ) -> None:
        self.db = db
        self.library = library
        self.rules = rules
        self.settings = settings
        self.norms = norms

    # -- assessments ------------------------------------------------------------------
    def record_assessment(
        self, person_id: int, assessment: PostureAssessment, notes: Sequence[str] = ()
    ) -> int:
        """Store one check; returns its id."""
        row = models.PostureAssessment(
            person_id=person_id,
            taken_at=assessment.taken_at,
            position=assessment.position,
            view=assessment.view,
            input_name=assessment.input_name[:400],
            figures=[figure_to_dict(f) for f in assessment.figures],
            unmeasurable=dict(assessment.unmeasurable),
            notes=list(notes),
        )
        self.db.add(row)
        self.db.commit()
        return row.id

    def assessments(self, person_id: int) -> list[PostureAssessment]:
        """Every stored check, oldest first."""
        rows = self.db.scalars(
            select(models.PostureAssessment)
            .where(models.PostureAssessment.person_id == person_id)
            .order_by(models.PostureAssessment.taken_at, models.PostureAssessment.id)
        ).all()
        return [assessment_from_row(r) for r in rows]

    def findings(self, person_id: int) -> list[Finding]:
        """Findings from the latest figures."""
        return findings(self.assessments(person_id), self.norms)

    def posture_plan(self, person_id: int, plan: Plan, profile: Profile | None) -> Plan:
        """``plan`` with the exercises the latest posture findings bring (said why)."""
        found = self.findings(person_id)
        if not found:
            return plan
        conditions = profile.planning_conditions if profile is not None else frozenset()
        direction = profile.directional_preference if profile is not None else "none"
        return apply_findings(plan, found, self.library, conditions, preferred_direction=direction)

    # -- desk questionnaire -----------------------------------------------------------
    def record_desk(
        self, person_id: int, raw: Any, guide: DeskGuide, now: datetime, name: str = "answers"
    ) -> tuple[dict[str, Any], list[DeskAdvice]]:
        """Validate and store the desk answers; returns them with the advice they bring."""
        answers = validate_desk_answers(raw, guide, name)
        advice = desk_advice(answers, guide)
        self.db.add(
            models.DeskQuestionnaire(
                person_id=person_id,
                created_at=now,
                answers=answers,
                advice=[a.id for a in advice],
            )
        )
        self.db.commit()
        return answers, advice

    def latest_desk(self, person_id: int) -> dict[str, Any] | None:
        """The latest desk answers."""
        row = self.db.scalars(
            select(models.DeskQuestionnaire)
            .where(models.DeskQuestionnaire.person_id == person_id)
            .order_by(
                models.DeskQuestionnaire.created_at.desc(), models.DeskQuestionnaire.id.desc()
            )
        ).first()
        return None if row is None else dict(row.answers)

    # -- desk breaks ------------------------------------------------------------------
    def set_break_times(
        self, person_id: int, times: Sequence[time], profile: Profile | None, now: datetime
    ) -> tuple[DeskBreak, ...]:
        """Build and store the desk breaks for ``times``."""
        conditions = profile.planning_conditions if profile is not None else frozenset()
        direction = profile.directional_preference if profile is not None else "none"
        breaks = build_desk_breaks(
            times,
            self.library,
            conditions,
            self.findings(person_id),
            preferred_direction=direction,
        )
        self._store_breaks(person_id, breaks, now, "generated", [])
        return breaks

    def _store_breaks(
        self,
        person_id: int,
        breaks: Sequence[DeskBreak],
        now: datetime,
        origin: str,
        changes: list[dict[str, Any]],
    ) -> None:
        self.db.add(
            models.DeskBreakPlan(
                person_id=person_id,
                created_at=now,
                origin=origin,
                breaks=[break_to_dict(b) for b in breaks],
                changes=changes,
            )
        )
        self.db.commit()

    def breaks(self, person_id: int) -> tuple[DeskBreak, ...]:
        """The current desk breaks (empty when none are set)."""
        row = self._latest_breaks_row(person_id)
        return () if row is None else tuple(break_from_dict(b) for b in row.breaks)

    def break_changes(self, person_id: int) -> list[dict[str, Any]]:
        """Changes made by the latest adaptation of the breaks."""
        row = self._latest_breaks_row(person_id)
        return [] if row is None else list(row.changes)

    def _latest_breaks_row(self, person_id: int) -> models.DeskBreakPlan | None:
        return self.db.scalars(
            select(models.DeskBreakPlan)
            .where(models.DeskBreakPlan.person_id == person_id)
            .order_by(models.DeskBreakPlan.created_at.desc(), models.DeskBreakPlan.id.desc())
        ).first()

    def desk_break(self, person_id: int, label: str) -> DeskBreak:
        """The break at ``label`` (``HH:MM``) or its 1-based number."""
        breaks = self.breaks(person_id)
        if not breaks:
            raise NotFound(
                gettext("no desk breaks yet: run `spinecoach posture breaks --times 10:30,15:00`")
            )
        if label.isdigit() and 1 <= int(label) <= len(breaks):
            return breaks[int(label) - 1]
        for b in breaks:
            if b.label == label:
                return b
        known = ", ".join(b.label for b in breaks)
        raise InvalidInput(
            gettext("desk break {label}: expected a number 1-{n_breaks} or {known}").format(
                label=repr(label), n_breaks=len(breaks), known=known
            )
        )

    def break_plan(self, person_id: int, desk_break: DeskBreak, now: datetime) -> Plan:
        """The break as a plan for the session engine (at the routine's level)."""
        latest = PlanRepository(self.db).latest(person_id)
        return break_plan(desk_break, latest.level if latest else 1, now)

    def start_break_session(
        self, person_id: int, desk_break: DeskBreak, source: str, now: datetime
    ) -> int:
        """Open the session row of a desk break (kind ``desk_break``); returns its id."""
        row = SessionRepository(self.db).start(person_id, None, source=source, started_at=now)
        row.kind = "desk_break"
        row.break_at = desk_break.label
        self.db.commit()
        return row.id

    def adapt_after_break(
        self, person_id: int, session_id: int, profile: Profile | None, now: datetime
    ) -> tuple[DeskBreak, list[dict[str, Any]], bool]:
        """Adapt the break the session was, with the ordinary rules; store the new breaks.

        When the stop rules pause the plan, the morning routine is paused too.
        """
        sessions = SessionRepository(self.db)
        row = sessions.get(session_id)
        if row.kind != "desk_break" or row.break_at is None:
            raise InvalidInput(
                gettext("session {session_id} is not a desk break").format(session_id=session_id)
            )
        breaks = list(self.breaks(person_id))
        index = next((i for i, b in enumerate(breaks) if b.label == row.break_at), None)
        if index is None:
            raise NotFound(
                gettext("desk break {break_at} is no longer in your plan").format(
                    break_at=row.break_at
                )
            )
        report = sessions.session_report(session_id)
        conditions = profile.planning_conditions if profile is not None else frozenset()
        adapted, changes, paused = adapt_desk_break(
            breaks[index],
            report,
            now,
            library=self.library,
            rules=self.rules,
            conditions=conditions,
            pain_limit=self.settings.pain_limit,
        )
        breaks[index] = adapted
        change_dicts = [{**change_to_dict(c), "break_at": row.break_at} for c in changes]
        self._store_breaks(person_id, breaks, now, "adapted", change_dicts)
        if paused:
            plans = PlanRepository(self.db)
            routine = plans.latest(person_id)
            if routine is not None and not routine.paused:
                plans.add(
                    person_id,
                    replace(
                        routine,
                        created_at=now,
                        paused=True,
                        changes=changes,
                        reasons=(*routine.reasons, "Paused after a desk break: see a clinician."),
                    ),
                    origin="adapted",
                )
        return adapted, change_dicts, paused

    def breaks_done(self, person_id: int, day: date) -> list[str]:
        """Labels of the desk breaks done (with at least one result) on ``day``.

        Break times are the person's wall-clock times, so ``day`` is a local date and session
        times are compared in the machine's local time zone.
        """
        rows = self.db.scalars(
            select(models.Session).where(
                models.Session.person_id == person_id, models.Session.kind == "desk_break"
            )
        ).all()
        return sorted(
            {
                r.break_at
                for r in rows
                if r.break_at and r.results and as_utc(r.started_at).astimezone().date() == day
            }
        )

    # -- sitting monitor --------------------------------------------------------------
    def record_monitor(
        self,
        person_id: int,
        started_at: datetime,
        ended_at: datetime,
        source: str,
        minutes: Mapping[str, float],
        nudges: Sequence[Mapping[str, Any]],
    ) -> int:
        """Store one monitor run: minutes per category and the nudges (kind and time)."""
        row = models.PostureMonitorLog(
            person_id=person_id,
            started_at=started_at,
            ended_at=ended_at,
            source=source,
            minutes={k: float(v) for k, v in minutes.items()},
            nudges=[{"at": str(n["at"]), "kind": str(n["kind"])} for n in nudges],
        )
        self.db.add(row)
        self.db.commit()
        return row.id

    # -- weekly summary ---------------------------------------------------------------
    def weekly(self, person_id: int) -> list[WeekSummary]:
        """Sitting time, breaks taken and posture trend by ISO week, oldest first."""
        return week_summaries(self.db, person_id)


def week_summaries(db: DbSession, person_id: int) -> list[WeekSummary]:
    """Sitting time, breaks taken and posture trend by ISO week, oldest first."""
    weeks: dict[str, WeekSummary] = {}

    def week_of(at: datetime) -> WeekSummary:
        year, week, _ = as_utc(at).isocalendar()
        key = f"{year}-W{week:02d}"
        return weeks.setdefault(key, WeekSummary(key))

    for log in db.scalars(
        select(models.PostureMonitorLog).where(models.PostureMonitorLog.person_id == person_id)
    ).all():
        summary = week_of(log.started_at)
        upright = float(log.minutes.get("upright", 0.0))
        slumped = float(log.minutes.get("slumped", 0.0))
        summary.upright_min += upright
        summary.slumped_min += slumped
        summary.sitting_min += upright + slumped
        summary.nudges += len(log.nudges or [])
    for session in db.scalars(
        select(models.Session).where(models.Session.person_id == person_id)
    ).all():
        if not (session.status == "completed" or session.results):
            continue
        summary = week_of(session.started_at)
        if session.kind == "desk_break":
            summary.breaks_done += 1
        else:
            summary.sessions_done += 1
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for assessment in _assessments(db, person_id):
        summary = week_of(assessment.taken_at)
        for f in assessment.figures:
            # never average across sources: an IMU pelvic tilt is a change from standing,
            # a manual one the ASIS-PSIS angle (keys: measure:position[:source])
            suffix = "" if f.source == "camera" else f":{f.source}"
            values[summary.week][f"{f.measure}:{assessment.position}{suffix}"].append(f.value_deg)
    for key, by_measure in values.items():
        weeks[key].figures = {m: round(sum(v) / len(v), 1) for m, v in by_measure.items()}
    return [weeks[k] for k in sorted(weeks)]


def _assessments(db: DbSession, person_id: int) -> list[PostureAssessment]:
    rows = db.scalars(
        select(models.PostureAssessment)
        .where(models.PostureAssessment.person_id == person_id)
        .order_by(models.PostureAssessment.taken_at, models.PostureAssessment.id)
    ).all()
    return [assessment_from_row(r) for r in rows]
