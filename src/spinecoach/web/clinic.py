"""The clinician's side: their patients with flags, and the plan editor.

A clinician only ever reaches patients whose ``clinician_id`` is theirs; any other id is
reported as not found (so ids of other clinics' patients are not revealed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.plan import ChangeAction, Plan, PlanChange, PlanItem
from spinecoach.domain.rules import Rules
from spinecoach.domain.safety_state import SafetyLevel, SafetyState
from spinecoach.domain.serialize import dose_from_dict
from spinecoach.errors import InvalidInput, NotFound
from spinecoach.store import models
from spinecoach.store.dashboard import (
    AttentionItem,
    Wording,
    attention_items,
    rank_patients,
    state_items,
)
from spinecoach.store.repositories import PersonRepository, PlanRepository, plan_from_row
from spinecoach.web.safety import SafetyLine, safety_line

MAX_NOTE_CHARS = 4000
MAX_MESSAGE_CHARS = 4000
NOTE_VISIBILITY = ("private", "shared")


@dataclass(frozen=True)
class PatientRow:
    """One row of the clinician's patient list, in the order of ``rank_patients``."""

    person: models.Person
    flags: tuple[AttentionItem, ...]
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
            raise NotFound(
                _("patient {patient_id} not found among your patients").format(
                    patient_id=patient_id
                )
            )
        return person

    def wording(self) -> Wording:
        """Exercise names and symptom labels for the attention sentences."""
        if self.rules is None:
            return Wording(self.library)
        return Wording(
            self.library,
            {r.symptom: r.label for r in self.rules.stop_rules},
            {q.id: q.text for q in self.rules.red_flags},
            self.rules,
        )

    def patient_rows(self, clinician: models.Person, now: datetime) -> list[PatientRow]:
        """The clinician's patients sorted by need (``store.dashboard.rank_patients``).

        The safety state leads each row as its own line (``safety``); the other items follow.
        """
        rows = []
        ranked_rows = rank_patients(
            self.db, clinician.id, now, self.wording(), record_safety=True
        )  # each patient's safety state derived once, for the whole list (recorded if changed)
        for ranked in ranked_rows:
            state = ranked.state
            assert state is not None  # the default safety source gives every row its state
            line = None if state.level is SafetyLevel.CLEAR else safety_line(state, self.library)
            items = tuple(i for i in ranked.items if line is None or i.kind != "safety")
            rows.append(
                PatientRow(ranked.person, items, ranked.last_session, line, state.level.severity)
            )
        return rows

    def flags(
        self, person: models.Person, now: datetime, state: SafetyState | None = None
    ) -> list[AttentionItem]:
        """What needs attention for one patient, most urgent first, in plain words
        (``state``: the patient's safety state where the caller derived it already)."""
        if state is None:
            return attention_items(self.db, person.id, now, self.wording())
        known = state

        def safety(
            _db: DbSession, _person_id: int, _now: datetime, wording: Wording
        ) -> list[AttentionItem]:
            return state_items(known, wording)

        return attention_items(self.db, person.id, now, self.wording(), safety=safety)

    def notes(self, patient: models.Person, *, shared_only: bool = False) -> list[models.Note]:
        """Notes about a patient, newest first (only the shared ones with ``shared_only``)."""
        query = select(models.Note).where(models.Note.patient_id == patient.id)
        if shared_only:
            query = query.where(models.Note.visibility == "shared")
        return list(
            self.db.scalars(query.order_by(models.Note.created_at.desc(), models.Note.id.desc()))
        )

    def add_note(
        self,
        clinician: models.Person,
        patient: models.Person,
        text: str,
        visibility: str = "private",
    ) -> models.Note:
        """Store a note (committed at once): ``private`` to clinicians or ``shared``."""
        text = text.strip()
        if not 1 <= len(text) <= MAX_NOTE_CHARS:
            raise InvalidInput(
                _("note: write 1 to {max_note_chars} characters").format(
                    max_note_chars=MAX_NOTE_CHARS
                )
            )
        if visibility not in NOTE_VISIBILITY:
            raise InvalidInput(
                _("visibility: expected private or shared, got {visibility}").format(
                    visibility=repr(visibility)
                )
            )
        note = models.Note(
            patient_id=patient.id, author_id=clinician.id, text=text, visibility=visibility
        )
        self.db.add(note)
        self.db.commit()
        return note

    # ------------------------------------------------------------------ templates
    def templates(self, clinician: models.Person) -> list[models.PlanTemplate]:
        """The clinician's saved plan templates, by name."""
        return list(
            self.db.scalars(
                select(models.PlanTemplate)
                .where(models.PlanTemplate.clinician_id == clinician.id)
                .order_by(models.PlanTemplate.name, models.PlanTemplate.id)
            )
        )

    def save_template(
        self, clinician: models.Person, patient: models.Person, name: str
    ) -> models.PlanTemplate:
        """Save the patient's current plan (exercises, doses, level, note) as a template."""
        name = name.strip()
        if not 1 <= len(name) <= 200:
            raise InvalidInput(_("name: write 1 to 200 characters"))
        row = self.plans.latest_row(patient.id)
        if row is None:
            raise InvalidInput(_("plan: this patient has no plan to save yet"))
        template = models.PlanTemplate(
            clinician_id=clinician.id,
            name=name,
            level=row.level,
            note=row.note,
            items=[
                {
                    "exercise_id": i.exercise_id,
                    "section": i.section,
                    "dose": dict(i.dose),
                    "reason": i.reason,
                    "locked": i.locked,
                }
                for i in row.items
            ],
        )
        self.db.add(template)
        self.db.commit()
        return template

    def assign_template(
        self, clinician: models.Person, patient: models.Person, template_id: int, now: datetime
    ) -> Plan:
        """Make one of the clinician's templates the patient's plan (origin ``clinician``)."""
        template = self.db.get(models.PlanTemplate, template_id)
        if template is None or template.clinician_id != clinician.id:
            raise NotFound(
                _("template {template_id} not found among your templates").format(
                    template_id=template_id
                )
            )
        current = self.plans.latest_row(patient.id)
        previous = {i.exercise_id for i in current.items} if current is not None else set()
        who = _("From {name}'s template '{template}'").format(
            name=clinician.name, template=template.name
        )
        items = []
        for entry in template.items:
            exercise = self.library.get(str(entry["exercise_id"]))
            items.append(
                PlanItem(
                    exercise_id=exercise.id,
                    name=exercise.name,
                    section=exercise.section,
                    dose=dose_from_dict(entry["dose"]),
                    reason=str(
                        entry.get("reason")
                        or _("Chosen by your clinician, {name}.").format(name=clinician.name)
                    ),
                    sources=exercise.sources,
                    locked=bool(entry.get("locked", True)),
                )
            )
        now_ids = {i.exercise_id for i in items}
        changes = [
            PlanChange(e, ChangeAction.ADD, f"{who}: added.") for e in sorted(now_ids - previous)
        ] + [
            PlanChange(e, ChangeAction.REMOVE, f"{who}: removed.")
            for e in sorted(previous - now_ids)
        ]
        plan = Plan(
            items=tuple(items),
            level=template.level,
            created_at=now,
            reasons=(f"{who}.",),
            changes=tuple(changes),
            note=template.note,
        )
        self.plans.add(patient.id, plan, origin="clinician", author_id=clinician.id)
        return plan

    # ------------------------------------------------------------------ messages
    def messages(self, patient: models.Person) -> list[models.Message]:
        """The patient's conversation with their clinician, oldest first."""
        return list(
            self.db.scalars(
                select(models.Message)
                .where(models.Message.patient_id == patient.id)
                .order_by(models.Message.created_at, models.Message.id)
            )
        )

    def send_message(
        self, sender: models.Person, patient: models.Person, text: str, now: datetime
    ) -> models.Message:
        """Store a message from ``sender`` (the patient or their clinician), committed at once."""
        text = text.strip()
        if not 1 <= len(text) <= MAX_MESSAGE_CHARS:
            raise InvalidInput(
                _("message: write 1 to {max_message_chars} characters").format(
                    max_message_chars=MAX_MESSAGE_CHARS
                )
            )
        if sender.id != patient.id and sender.id != patient.clinician_id:
            raise NotFound(_("conversation not found"))
        message = models.Message(
            patient_id=patient.id, sender_id=sender.id, text=text, created_at=now
        )
        self.db.add(message)
        self.db.commit()
        return message

    def mark_read(self, reader: models.Person, patient: models.Person, now: datetime) -> int:
        """Mark the messages ``reader`` received in this conversation as read; returns how many."""
        unread = [
            m for m in self.messages(patient) if m.sender_id != reader.id and m.read_at is None
        ]
        for m in unread:
            m.read_at = now
        self.db.commit()
        return len(unread)

    def unread_from_patients(self, clinician: models.Person) -> dict[int, int]:
        """Unread messages from each of the clinician's patients: ``{patient_id: count}``."""
        rows = self.db.execute(
            select(models.Message.patient_id, func.count(models.Message.id))
            .join(models.Person, models.Person.id == models.Message.patient_id)
            .where(
                models.Person.clinician_id == clinician.id,
                models.Message.sender_id == models.Message.patient_id,
                models.Message.read_at.is_(None),
            )
            .group_by(models.Message.patient_id)
        ).all()
        return {int(pid): int(n) for pid, n in rows}

    def edit_plan(
        self, clinician: models.Person, patient: models.Person, edit: PlanEdit, now: datetime
    ) -> Plan:
        """Apply the editor's changes to the patient's latest plan and store the result.

        The new plan (origin ``clinician``) becomes the patient's current plan; each change
        is recorded with a reason the patient sees.
        """
        row = self.plans.latest_row(patient.id)
        if row is None:
            raise InvalidInput(
                _("plan: this patient has no plan yet (they have not done the intake)")
            )
        current = plan_from_row(row)
        by_position = {e.position: e for e in edit.items if e.position is not None}
        by_id: dict[str, ItemEdit] = {}
        for legacy in edit.items:
            if legacy.position is None:
                by_id.setdefault(legacy.exercise_id, legacy)
        items: list[PlanItem] = []
        changes: list[PlanChange] = []
        who = _("Changed by {name}").format(name=clinician.name)
        for position, item in enumerate(current.items):
            e = by_position.get(position)
            if e is not None and e.exercise_id != item.exercise_id:
                raise InvalidInput(
                    _("plan: the plan changed since this page was opened; reload it and edit again")
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
                raise InvalidInput(
                    _("add_exercise_id: {name} is already in the plan").format(name=exercise.name)
                )
            items.append(
                PlanItem(
                    exercise_id=exercise.id,
                    name=exercise.name,
                    section=exercise.section,
                    dose=exercise.dose,
                    reason=_("Added by your clinician, {name}.").format(name=clinician.name),
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
                    _(
                        "plan: {name} is listed twice; untick one of its rows (a "
                        "plan holds each exercise once). Nothing was saved."
                    ).format(name=name)
                )
            seen.add(item.exercise_id)
        level = current.level
        if edit.level is not None:
            if edit.level not in (1, 2, 3):
                raise InvalidInput(
                    _("level: expected 1, 2 or 3, got {level}").format(level=edit.level)
                )
            level = edit.level
        note = edit.note.strip()
        if len(note) > MAX_NOTE_CHARS:
            raise InvalidInput(
                _("note: at most {max_note_chars} characters").format(max_note_chars=MAX_NOTE_CHARS)
            )
        order = {s: n for n, s in enumerate(("warm_up", "stretch", "stability", "integration"))}
        items.sort(key=lambda i: order.get(i.section.value, 9))
        plan = replace(
            current,
            items=tuple(items),
            level=level,
            created_at=now,
            changes=tuple(changes),
            note=note,
            reasons=(_("Plan reviewed by {name}.").format(name=clinician.name),),
        )
        self.plans.add(patient.id, plan, origin="clinician", author_id=clinician.id)
        return plan


#: Profile values stored as ids and shown translated on a patient's page
#: (``{{ _(value) }}``; "none", "low", "medium", "high", "moderate", "extension" and
#: "flexion" are marked elsewhere).
PROFILE_WORDS = (N_("above knee"), N_("below knee"))
