"""Repositories: every query lives here; callers pass a SQLAlchemy session and commit policy.

Each write that records something the person did (a pain report, an exercise result) commits
at once, so a crash never loses finished work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.exercise import Section
from spinecoach.domain.i18n import _
from spinecoach.domain.plan import ExerciseReport, Plan, SessionReport
from spinecoach.domain.plan import PlanItem as DomainPlanItem
from spinecoach.domain.serialize import (
    change_from_dict,
    change_to_dict,
    dose_from_dict,
    dose_to_dict,
)
from spinecoach.errors import NotFound
from spinecoach.store import models
from spinecoach.store.language import LOCAL_PERSON_NAME
from spinecoach.store.models import utcnow


class MeasuredResult(NamedTuple):
    """One exercise result's measurement, with when and how its session was measured."""

    exercise_id: str
    ranges_deg: list[float] | None
    tracking: dict[str, Any] | None
    started_at: datetime
    source: str


class PersonRepository:
    """People (patients and clinicians)."""

    def __init__(self, db: DbSession) -> None:
        self.db = db

    def get(self, person_id: int) -> models.Person:
        """Return person ``person_id`` or raise :class:`NotFound`."""
        person = self.db.get(models.Person, person_id)
        if person is None:
            raise NotFound(_("person {person_id} not found").format(person_id=person_id))
        return person

    def local_person(self) -> models.Person:
        """The single local user of a personal install (created on first use)."""
        person = self.db.scalars(
            select(models.Person).where(
                models.Person.name == LOCAL_PERSON_NAME, models.Person.email.is_(None)
            )
        ).first()
        if person is None:
            person = models.Person(name=LOCAL_PERSON_NAME, role="patient")
            self.db.add(person)
            self.db.commit()
        return person

    def create(
        self,
        name: str,
        *,
        email: str | None = None,
        password_hash: str | None = None,
        role: str = "patient",
        clinician_id: int | None = None,
    ) -> models.Person:
        """Create and commit a person."""
        person = models.Person(
            name=name,
            email=email,
            password_hash=password_hash,
            role=role,
            clinician_id=clinician_id,
        )
        self.db.add(person)
        self.db.commit()
        return person

    def by_email(self, email: str) -> models.Person | None:
        """The person with this e-mail, if any."""
        return self.db.scalars(select(models.Person).where(models.Person.email == email)).first()

    def patients_of(self, clinician_id: int) -> list[models.Person]:
        """Patients assigned to a clinician."""
        return list(
            self.db.scalars(
                select(models.Person)
                .where(models.Person.clinician_id == clinician_id)
                .order_by(models.Person.name)
            )
        )


class ScreeningRepository:
    """Red-flag screenings."""

    def __init__(self, db: DbSession) -> None:
        self.db = db

    def add(
        self, person_id: int, tier: str, answers: dict[str, Any], reasons: list[str]
    ) -> models.Screening:
        """Record and commit a screening."""
        row = models.Screening(person_id=person_id, tier=tier, answers=answers, reasons=reasons)
        self.db.add(row)
        self.db.commit()
        return row

    def latest(self, person_id: int) -> models.Screening | None:
        """Most recent screening of a person."""
        return self.db.scalars(
            select(models.Screening)
            .where(models.Screening.person_id == person_id)
            .order_by(models.Screening.created_at.desc(), models.Screening.id.desc())
        ).first()


class IntakeRepository:
    """Intake answers."""

    def __init__(self, db: DbSession) -> None:
        self.db = db

    def add(self, person_id: int, answers: dict[str, Any], scores: dict[str, Any]) -> models.Intake:
        """Record and commit an intake."""
        row = models.Intake(person_id=person_id, answers=answers, scores=scores)
        self.db.add(row)
        self.db.commit()
        return row

    def latest(self, person_id: int) -> models.Intake | None:
        """Most recent intake of a person."""
        return self.db.scalars(
            select(models.Intake)
            .where(models.Intake.person_id == person_id)
            .order_by(models.Intake.created_at.desc(), models.Intake.id.desc())
        ).first()


def plan_from_row(row: models.Plan) -> Plan:
    """Convert a stored plan to the domain :class:`Plan`."""
    return Plan(
        items=tuple(
            DomainPlanItem(
                exercise_id=i.exercise_id,
                name=i.exercise_id,
                section=Section(i.section),
                dose=dose_from_dict(i.dose),
                reason=i.reason,
                sources=tuple(i.sources),
                locked=i.locked,
                note=i.note,
                good_sessions=i.good_sessions,
            )
            for i in row.items
        ),
        level=row.level,
        created_at=row.created_at,
        reasons=tuple(row.reasons),
        changes=tuple(change_from_dict(c) for c in row.changes),
        note=row.note,
        paused=row.paused,
        budget_s=row.budget_s,
        conditions=frozenset(row.conditions or ()),
        set_aside=tuple(row.set_aside or ()),
    )


class PlanRepository:
    """Plans and their items."""

    def __init__(self, db: DbSession) -> None:
        self.db = db

    def add(
        self, person_id: int, plan: Plan, *, origin: str, author_id: int | None = None
    ) -> models.Plan:
        """Store and commit a plan; returns the row (``row.id`` identifies it)."""
        row = models.Plan(
            person_id=person_id,
            created_at=plan.created_at,
            origin=origin,
            level=plan.level,
            total_duration_s=plan.total_duration_s,
            budget_s=plan.budget_s,
            reasons=list(plan.reasons),
            changes=[change_to_dict(c) for c in plan.changes],
            note=plan.note,
            paused=plan.paused,
            conditions=sorted(plan.conditions),
            set_aside=list(plan.set_aside),
            author_id=author_id,
            items=[
                models.PlanItem(
                    position=n,
                    exercise_id=item.exercise_id,
                    section=item.section.value,
                    dose=dose_to_dict(item.dose),
                    reason=item.reason,
                    sources=list(item.sources),
                    locked=item.locked,
                    note=item.note,
                    good_sessions=item.good_sessions,
                )
                for n, item in enumerate(plan.items)
            ],
        )
        self.db.add(row)
        self.db.commit()
        return row

    def latest_row(self, person_id: int) -> models.Plan | None:
        """Most recent plan row of a person."""
        return self.db.scalars(
            select(models.Plan)
            .where(models.Plan.person_id == person_id)
            .order_by(models.Plan.created_at.desc(), models.Plan.id.desc())
        ).first()

    def latest(self, person_id: int) -> Plan | None:
        """Most recent plan of a person, as a domain object."""
        row = self.latest_row(person_id)
        return None if row is None else plan_from_row(row)

    def history(self, person_id: int, limit: int = 30) -> list[models.Plan]:
        """Plans newest first."""
        return list(
            self.db.scalars(
                select(models.Plan)
                .where(models.Plan.person_id == person_id)
                .order_by(models.Plan.created_at.desc(), models.Plan.id.desc())
                .limit(limit)
            )
        )


class SessionRepository:
    """Guided sessions, per-exercise results and pain reports; every write commits."""

    def __init__(self, db: DbSession) -> None:
        self.db = db

    def start(
        self,
        person_id: int,
        plan_id: int | None,
        *,
        source: str = "timer",
        started_at: datetime | None = None,
        pain_before: int | None = None,
    ) -> models.Session:
        """Open and commit a session row (status ``in_progress``)."""
        row = models.Session(
            person_id=person_id,
            plan_id=plan_id,
            source=source,
            started_at=started_at or utcnow(),
            pain_before=pain_before,
        )
        self.db.add(row)
        self.db.commit()
        return row

    def get(self, session_id: int) -> models.Session:
        """Return session ``session_id`` or raise :class:`NotFound`."""
        row = self.db.get(models.Session, session_id)
        if row is None:
            raise NotFound(_("session {session_id} not found").format(session_id=session_id))
        return row

    def add_result(self, session_id: int, **fields: Any) -> models.ExerciseResult:
        """Record and commit one exercise's result the moment it ends."""
        position = len(self.results(session_id))
        row = models.ExerciseResult(session_id=session_id, position=position, **fields)
        self.db.add(row)
        self.db.commit()
        return row

    def results(self, session_id: int) -> list[models.ExerciseResult]:
        """Exercise results of a session in the order they were done (fresh from the DB)."""
        return list(
            self.db.scalars(
                select(models.ExerciseResult)
                .where(models.ExerciseResult.session_id == session_id)
                .order_by(models.ExerciseResult.position, models.ExerciseResult.id)
            )
        )

    def add_pain_report(self, person_id: int, **fields: Any) -> models.PainReport:
        """Record and commit a pain/symptom report."""
        row = models.PainReport(person_id=person_id, **fields)
        self.db.add(row)
        self.db.commit()
        return row

    def finish(
        self,
        session_id: int,
        *,
        status: str = "completed",
        ended_at: datetime | None = None,
        pain_after: int | None = None,
        summary: dict[str, Any] | None = None,
    ) -> models.Session:
        """Close a session (``completed``, ``stopped`` or ``closed`` after a crash)."""
        row = self.get(session_id)
        row.status = status
        row.ended_at = ended_at or utcnow()
        if pain_after is not None:
            row.pain_after = pain_after
        if summary is not None:
            row.summary = summary
        self.db.commit()
        return row

    def unfinished(self, person_id: int) -> list[models.Session]:
        """Sessions still ``in_progress`` (e.g. the process was killed)."""
        return list(
            self.db.scalars(
                select(models.Session).where(
                    models.Session.person_id == person_id,
                    models.Session.status == "in_progress",
                )
            )
        )

    def recent(self, person_id: int, limit: int = 30) -> list[models.Session]:
        """Sessions newest first."""
        return list(
            self.db.scalars(
                select(models.Session)
                .where(models.Session.person_id == person_id)
                .order_by(models.Session.started_at.desc(), models.Session.id.desc())
                .limit(limit)
            )
        )

    def pain_reports(self, person_id: int, kind: str | None = None) -> list[models.PainReport]:
        """Pain reports oldest first, optionally of one kind."""
        query = select(models.PainReport).where(models.PainReport.person_id == person_id)
        if kind is not None:
            query = query.where(models.PainReport.kind == kind)
        return list(self.db.scalars(query.order_by(models.PainReport.at, models.PainReport.id)))

    def measured_results(self, person_id: int) -> list[MeasuredResult]:
        """Every exercise result's measured ranges and tracking, oldest session first.

        Parameters
        ----------
        person_id : int
            The person.

        Returns
        -------
        list of MeasuredResult
            One per exercise result, with its session's start time and source. The
            progress report's weekly ranges and the clinician's plateau check both read it.
        """
        rows = self.db.execute(
            select(
                models.ExerciseResult.exercise_id,
                models.ExerciseResult.ranges_deg,
                models.ExerciseResult.tracking,
                models.Session.started_at,
                models.Session.source,
            )
            .join(models.Session)
            .where(models.Session.person_id == person_id)
            .order_by(models.Session.started_at)
        ).all()
        return [MeasuredResult(*row) for row in rows]

    def session_report(self, session_id: int) -> SessionReport:
        """Build the domain :class:`SessionReport` of a stored session for adaptation."""
        row = self.get(session_id)
        morning = [
            r
            for r in self.pain_reports(row.person_id, "next_morning")
            if r.session_id == session_id and r.pain is not None
        ]
        symptoms: set[str] = set()
        for report in self.db.scalars(
            select(models.PainReport).where(models.PainReport.session_id == session_id)
        ):
            symptoms.update(report.symptoms or [])
        return SessionReport(
            started_at=row.started_at,
            pain_before=row.pain_before,
            pain_after=row.pain_after,
            exercises=tuple(
                ExerciseReport(
                    exercise_id=r.exercise_id,
                    completed=r.completed,
                    reps_done=r.reps_done,
                    reps_target=r.reps_target,
                    pain_during=r.pain_during,
                    form_flag_count=len(r.form_flags or []),
                    range_deg=max(r.ranges_deg) if r.ranges_deg else None,
                    stop_action=r.stop_action,
                )
                for r in self.results(session_id)
            ),
            next_morning_pain=morning[-1].pain if morning else None,
            symptoms=frozenset(symptoms),
        )
