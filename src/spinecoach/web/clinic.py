"""The clinician's side: their patients with flags, and the plan editor.

A clinician only ever reaches patients whose ``clinician_id`` is theirs; any other id is
reported as not found (so ids of other clinics' patients are not revealed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.plan import ChangeAction, Plan, PlanChange, PlanItem
from spinecoach.domain.rules import Rules
from spinecoach.domain.safety_state import SafetyLevel
from spinecoach.errors import InvalidInput, NotFound
from spinecoach.store import models
from spinecoach.store.repositories import PersonRepository, PlanRepository, plan_from_row
from spinecoach.store.safety import current_safety_state
from spinecoach.web.progress import MIC_POINTS
from spinecoach.web.safety import SafetyLine, safety_line

FLAG_WINDOW_DAYS = 7
MISSED_DAYS_FLAG = 3
POOR_TRACKING_FRACTION = 0.6
MAX_NOTE_CHARS = 4000


@dataclass(frozen=True)
class Flag:
    """Something a clinician should look at, with a one-line explanation."""

    kind: str  # red_flag | pain_rising | missed_sessions | poor_tracking
    text: str


@dataclass(frozen=True)
class PatientRow:
    """One row of the clinician's patient list."""

    person: models.Person
    flags: tuple[Flag, ...]
    last_session: datetime | None
    safety: SafetyLine | None = None  # shown first, in plain words (issue 10 §1)
    severity: int = 0


@dataclass(frozen=True)
class ItemEdit:
    """The clinician's edit of one plan item (``None`` keeps the current value)."""

    exercise_id: str
    keep: bool = True
    locked: bool = False
    reps: int | None = None
    sets: int | None = None
    hold_s: float | None = None
    position: int | None = None  # the row in the plan (rows of a duplicated exercise differ)


@dataclass(frozen=True)
class PlanEdit:
    """A whole plan-editor submission."""

    items: tuple[ItemEdit, ...]
    add_exercise_id: str = ""
    level: int | None = None
    note: str = ""


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Clinic:
    """Clinician services for one request."""

    def __init__(self, db: DbSession, library: ExerciseLibrary, rules: Rules | None = None) -> None:
        self.db = db
        self.library = library
        self.rules = rules
        self.people = PersonRepository(db)
        self.plans = PlanRepository(db)

    def patient(self, clinician: models.Person, patient_id: int) -> models.Person:
        """The clinician's own patient ``patient_id``, else :class:`NotFound`."""
        person = self.db.get(models.Person, patient_id)
        if person is None or person.role != "patient" or person.clinician_id != clinician.id:
            raise NotFound(f"patient {patient_id} not found among your patients")
        return person

    def patient_rows(self, clinician: models.Person, now: datetime) -> list[PatientRow]:
        """The clinician's patients with their flags, flagged patients first."""
        rows = []
        for person in self.people.patients_of(clinician.id):
            last = self.db.scalars(
                select(models.Session.started_at)
                .where(models.Session.person_id == person.id)
                .order_by(models.Session.started_at.desc())
            ).first()
            state = current_safety_state(self.db, person.id, self.rules)
            line = None if state.level is SafetyLevel.CLEAR else safety_line(state, self.library)
            rows.append(
                PatientRow(
                    person,
                    tuple(self.flags(person, now)),
                    _aware(last) if last else None,
                    line,
                    state.level.severity,
                )  # fmt: skip
            )
        return sorted(rows, key=lambda r: (-r.severity, -len(r.flags), r.person.name.lower()))

    def flags(self, person: models.Person, now: datetime) -> list[Flag]:
        """Red-flag answers, pain rising over the last week, missed sessions, poor tracking."""
        since = now - timedelta(days=FLAG_WINDOW_DAYS)
        flags: list[Flag] = []
        screening = self.db.scalars(
            select(models.Screening)
            .where(models.Screening.person_id == person.id)
            .order_by(models.Screening.created_at.desc(), models.Screening.id.desc())
        ).first()
        if screening is not None and screening.tier != "clear":
            stored = screening.answers
            answers = stored.get("answers", stored) if isinstance(stored, dict) else {}
            yes = [q for q, a in answers.items() if a == "yes"]
            detail = ", ".join(q.replace("_", " ") for q in yes) or "unanswered questions"
            flags.append(Flag("red_flag", f"Screening {screening.tier}: {detail}"))
        reports = self.db.scalars(
            select(models.PainReport)
            .where(models.PainReport.person_id == person.id)
            .order_by(models.PainReport.at, models.PainReport.id)
        ).all()
        recent = [r for r in reports if _aware(r.at) >= since]
        for r in recent:
            action = (r.decision or {}).get("action")
            if action in ("end_session", "urgent_care") or (
                r.symptoms and action not in (None, "continue")
            ):
                flags.append(
                    Flag(
                        "red_flag",
                        f"Reported {', '.join(r.symptoms) or 'pain'} on {r.at:%d %b}: {action}",
                    )
                )
        pains = [r.pain for r in recent if r.pain is not None]
        if len(pains) >= 2 and pains[-1] - pains[0] >= MIC_POINTS:
            flags.append(
                Flag("pain_rising", f"Pain rose from {pains[0]} to {pains[-1]}/10 this week")
            )
        first_plan = self.db.scalars(
            select(models.Plan.created_at)
            .where(models.Plan.person_id == person.id)
            .order_by(models.Plan.created_at)
        ).first()
        if first_plan is not None:
            start = max(_aware(first_plan), since)
            expected_days = (now.date() - start.date()).days
            session_days = {
                _aware(s).date()
                for s in self.db.scalars(
                    select(models.Session.started_at).where(
                        models.Session.person_id == person.id, models.Session.started_at >= start
                    )
                )
            }
            missed = expected_days - len(session_days)
            if missed >= MISSED_DAYS_FLAG:
                flags.append(
                    Flag(
                        "missed_sessions",
                        f"No session on {missed} of the last {expected_days} days",
                    )
                )
        fractions = [
            float(frac)
            for r in self.db.scalars(
                select(models.ExerciseResult)
                .join(models.Session)
                .where(models.Session.person_id == person.id, models.Session.started_at >= since)
            )
            if isinstance(frac := (r.tracking or {}).get("ok_fraction"), int | float)
        ]
        if fractions and sum(fractions) / len(fractions) < POOR_TRACKING_FRACTION:
            flags.append(
                Flag(
                    "poor_tracking",
                    f"Camera tracked only {100 * sum(fractions) / len(fractions):.0f}% of frames",
                )
            )
        return flags

    def notes(self, patient: models.Person) -> list[models.Note]:
        """Notes about a patient, newest first."""
        return list(
            self.db.scalars(
                select(models.Note)
                .where(models.Note.patient_id == patient.id)
                .order_by(models.Note.created_at.desc(), models.Note.id.desc())
            )
        )

    def add_note(self, clinician: models.Person, patient: models.Person, text: str) -> models.Note:
        """Store a note (committed at once)."""
        text = text.strip()
        if not 1 <= len(text) <= MAX_NOTE_CHARS:
            raise InvalidInput(f"note: write 1 to {MAX_NOTE_CHARS} characters")
        note = models.Note(patient_id=patient.id, author_id=clinician.id, text=text)
        self.db.add(note)
        self.db.commit()
        return note

    def edit_plan(
        self, clinician: models.Person, patient: models.Person, edit: PlanEdit, now: datetime
    ) -> Plan:
        """Apply the editor's changes to the patient's latest plan and store the result.

        The new plan (origin ``clinician``) becomes the patient's current plan; each change
        is recorded with a reason the patient sees.
        """
        row = self.plans.latest_row(patient.id)
        if row is None:
            raise InvalidInput("plan: this patient has no plan yet (they have not done the intake)")
        current = plan_from_row(row)
        by_position = {e.position: e for e in edit.items if e.position is not None}
        by_id: dict[str, ItemEdit] = {}
        for legacy in edit.items:
            if legacy.position is None:
                by_id.setdefault(legacy.exercise_id, legacy)
        items: list[PlanItem] = []
        changes: list[PlanChange] = []
        who = f"Changed by {clinician.name}"
        for position, item in enumerate(current.items):
            e = by_position.get(position)
            if e is not None and e.exercise_id != item.exercise_id:
                raise InvalidInput(
                    "plan: the plan changed since this page was opened; reload it and edit again"
                )
            if e is None:
                e = by_id.pop(item.exercise_id, None)  # older form: first row of that id
            if e is None:
                items.append(item)
                continue
            if not e.keep:
                changes.append(
                    PlanChange(item.exercise_id, ChangeAction.REMOVE, f"{who}: removed.")
                )
                continue
            dose = item.dose
            updates: dict[str, Any] = {}
            if e.reps is not None and e.reps != dose.reps:
                updates["reps"] = e.reps
            if e.sets is not None and e.sets != dose.sets:
                updates["sets"] = e.sets
            if e.hold_s is not None and dose.hold_s is not None and e.hold_s != dose.hold_s:
                updates["hold_s"] = e.hold_s
            if updates:
                dose = dose.with_changes(**updates)
                what = ", ".join(f"{k.replace('_s', '')} {v:g}" for k, v in updates.items())
                changes.append(PlanChange(item.exercise_id, ChangeAction.DOSE, f"{who}: {what}."))
            if e.locked != item.locked:
                action = "kept fixed" if e.locked else "no longer fixed"
                if not updates:
                    changes.append(
                        PlanChange(item.exercise_id, ChangeAction.HOLD, f"{who}: {action}.")
                    )
            items.append(replace(item, dose=dose, locked=e.locked))
        if edit.add_exercise_id:
            exercise = self.library.get(edit.add_exercise_id)
            if exercise.id in {i.exercise_id for i in items}:
                raise InvalidInput(f"add_exercise_id: {exercise.name} is already in the plan")
            items.append(
                PlanItem(
                    exercise_id=exercise.id,
                    name=exercise.name,
                    section=exercise.section,
                    dose=exercise.dose,
                    reason=f"Added by your clinician, {clinician.name}.",
                    sources=exercise.sources,
                    locked=True,
                )
            )
            changes.append(PlanChange(exercise.id, ChangeAction.ADD, f"{who}: added."))
        seen: set[str] = set()
        for item in items:
            if item.exercise_id in seen:
                name = (
                    self.library.exercises[item.exercise_id].name
                    if (item.exercise_id in self.library)
                    else item.exercise_id
                )
                raise InvalidInput(
                    f"plan: {name} is listed twice; untick one of its rows (a plan holds each "
                    "exercise once). Nothing was saved."
                )
            seen.add(item.exercise_id)
        level = current.level
        if edit.level is not None:
            if edit.level not in (1, 2, 3):
                raise InvalidInput(f"level: expected 1, 2 or 3, got {edit.level}")
            level = edit.level
        note = edit.note.strip()
        if len(note) > MAX_NOTE_CHARS:
            raise InvalidInput(f"note: at most {MAX_NOTE_CHARS} characters")
        order = {s: n for n, s in enumerate(("warm_up", "stretch", "stability", "integration"))}
        items.sort(key=lambda i: order.get(i.section.value, 9))
        plan = replace(
            current,
            items=tuple(items),
            level=level,
            created_at=now,
            changes=tuple(changes),
            note=note,
            reasons=(f"Plan reviewed by {clinician.name}.",),
        )
        self.plans.add(patient.id, plan, origin="clinician", author_id=clinician.id)
        return plan
