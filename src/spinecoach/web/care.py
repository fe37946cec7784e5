"""The patient's side: screening, intake, plans and check-ins, over the domain core and store.

Every clinical decision is made by ``spinecoach.domain`` (``screen``, ``make_profile``,
``generate_plan``, ``evaluate_checkin``); this module only gathers inputs, stores results and
shapes them for the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.emergency import emergency_words
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import _
from spinecoach.domain.intake import Profile, make_profile
from spinecoach.domain.plan import Plan
from spinecoach.domain.planning import cautions_for_person, relabel
from spinecoach.domain.rules import Rules, Tier
from spinecoach.domain.safety import ScreeningResult, StopDecision
from spinecoach.domain.serialize import dose_from_dict, dose_to_dict
from spinecoach.domain.wording import decision_words
from spinecoach.domain.wording import describe_dose as dose_words
from spinecoach.errors import InvalidInput, UnsafeToExercise
from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.store.repositories import (
    IntakeRepository,
    PlanRepository,
    ScreeningRepository,
    plan_from_row,
)
from spinecoach.store.safety import require_exercise_allowed
from spinecoach.store.services import CoachService

ANSWER_CHOICES = ("yes", "no", "unsure")


@dataclass(frozen=True)
class PlanChangeLine:
    """One line of "what changed since yesterday and why"."""

    exercise: str
    what: str
    why: str


@dataclass(frozen=True)
class TodayView:
    """Everything the Today page shows."""

    plan: Plan
    plan_id: int
    origin: str
    changes: tuple[PlanChangeLine, ...]
    first_plan: bool


def describe_dose(dose: dict[str, Any]) -> str:
    """A short description of a stored dose in words that fit the exercise (minutes for
    walking), e.g. ``2 reps, hold 30 s, each side`` (see :func:`spinecoach.domain.wording`)."""
    return dose_words(dose_from_dict(dose))


def _stored(change: dict[str, Any]) -> str:
    """A stored change's reason in the reader's language when it has no placeholders (one
    written in English before it was translated), else as written."""
    text = str(change["reason"])
    return _(text)


class Care:
    """Patient services for one request (one database session)."""

    def __init__(
        self, db: DbSession, settings: Settings, library: ExerciseLibrary, rules: Rules
    ) -> None:
        self.db = db
        self.settings = settings
        self.library = library
        self.rules = rules
        self.screenings = ScreeningRepository(db)
        self.intakes = IntakeRepository(db)
        self.plans = PlanRepository(db)
        self.service = CoachService(db, library, rules, settings)

    # --- screening -------------------------------------------------------------------
    def submit_screening(
        self, person: models.Person, answers: dict[str, str], age: int | None
    ) -> ScreeningResult:
        """Screen and store the answers (``yes``/``no``/``unsure`` per question id)."""
        for question_id, value in answers.items():
            if value not in ANSWER_CHOICES:
                raise InvalidInput(
                    _("{question_id}: expected yes, no or unsure, got {value}").format(
                        question_id=question_id, value=repr(value)
                    )
                )
        if age is not None and not 16 <= age <= 110:
            raise InvalidInput(_("age: expected 16 to 110, got {age}").format(age=age))
        return self.service.screen(person.id, {"answers": answers, "age": age})

    def latest_screening(self, person: models.Person) -> ScreeningResult | None:
        """The person's latest screening verdict, re-derived from the stored row."""
        row = self.screenings.latest(person.id)
        if row is None:
            return None
        tier = Tier(row.tier)
        return ScreeningResult(
            tier=tier,
            reasons=tuple(row.reasons),
            advice=emergency_words(self.rules.tier_advice[tier]),
        )

    def screening_age(self, person: models.Person) -> int | None:
        """The age given at the latest screening (the intake does not ask it again)."""
        row = self.screenings.latest(person.id)
        age = (row.answers or {}).get("age") if row is not None else None
        return age if isinstance(age, int) and not isinstance(age, bool) else None

    def require_clear_to_exercise(self, person: models.Person) -> None:
        """Raise :class:`UnsafeToExercise` unless screened and the safety state allows exercise."""
        result = self.latest_screening(person)
        if result is None:
            raise UnsafeToExercise(_("Please answer the safety questions before you exercise."))
        # the screening's verdict lives on in the safety state until re-screened or cleared
        require_exercise_allowed(self.db, person.id, self.rules)

    # --- intake and plans ------------------------------------------------------------
    def submit_intake(self, person: models.Person, answers: dict[str, Any], now: datetime) -> Plan:
        """Validate the intake, store it, and create the person's plan from it."""
        self.require_clear_to_exercise(person)
        profile = self.service.record_intake(person.id, answers)
        plan, _explained = self.service.make_plan(person.id, profile, now)
        return relabel(plan, self.library)

    def adapt_after_session(self, person: models.Person, session_id: int, now: datetime) -> Plan:
        """Adapt tomorrow's plan to a finished session (the domain's ``adapt_plan``)."""
        return relabel(self.service.adapt_after_session(person.id, session_id, now), self.library)

    def profile(self, person: models.Person) -> Profile | None:
        """The person's latest intake as a profile."""
        row = self.intakes.latest(person.id)
        return None if row is None else make_profile(dict(row.answers))

    def today(self, person: models.Person) -> TodayView | None:
        """Today's plan and what changed since the previous one (``None`` before intake)."""
        rows = self.plans.history(person.id, limit=2)
        if not rows:
            return None
        current = relabel(plan_from_row(rows[0]), self.library)
        lines: list[PlanChangeLine] = []
        if len(rows) > 1:
            lines = self._diff(rows[1], rows[0])
        return TodayView(
            plan=current,
            plan_id=rows[0].id,
            origin=rows[0].origin,
            changes=tuple(lines),
            first_plan=len(rows) == 1,
        )

    def _name(self, exercise_id: str) -> str:
        if exercise_id == "*":
            return _("Your plan")
        exercise = self.library.exercises.get(exercise_id)
        return _(exercise.name) if exercise else exercise_id

    def _diff(self, before: models.Plan, after: models.Plan) -> list[PlanChangeLine]:
        """Changes between two stored plans, with the reasons the newer plan recorded."""
        # a reason stored in English (no placeholders) is shown in the reader's language
        reasons = {c["exercise_id"]: _stored(c) for c in after.changes}
        fallback = (
            _("Changed by your clinician.")
            if after.origin == "clinician"
            else _("Adapted to your last sessions.")
        )
        old = {i.exercise_id: i for i in before.items}
        new = {i.exercise_id: i for i in after.items}
        lines: list[PlanChangeLine] = []
        for exercise_id, item in new.items():
            why = reasons.get(exercise_id, fallback)
            if exercise_id not in old:
                lines.append(PlanChangeLine(self._name(exercise_id), _("added"), why))
            elif old[exercise_id].dose != item.dose:
                what = f"{describe_dose(old[exercise_id].dose)} → {describe_dose(item.dose)}"
                lines.append(PlanChangeLine(self._name(exercise_id), what, why))
            elif old[exercise_id].locked != item.locked:
                what = _("kept fixed by your clinician") if item.locked else _("no longer fixed")
                lines.append(PlanChangeLine(self._name(exercise_id), what, why))
        for exercise_id in sorted(old.keys() - new.keys()):
            why = reasons.get(exercise_id, fallback)
            lines.append(PlanChangeLine(self._name(exercise_id), _("removed"), why))
        if before.level != after.level:
            lines.append(
                PlanChangeLine(
                    _("Phase"),
                    _("level {before} → level {after}").format(
                        before=before.level, after=after.level
                    ),
                    fallback,
                )
            )
        for change in after.changes:
            if change["exercise_id"] not in old.keys() | new.keys():
                lines.append(
                    PlanChangeLine(
                        self._name(change["exercise_id"]),
                        decision_words(change["action"]),
                        _stored(change),
                    )
                )
        return lines

    # --- check-ins ---------------------------------------------------------------------
    def check_in(
        self,
        person: models.Person,
        *,
        kind: str,
        pain: int | None,
        symptoms: set[str],
        now: datetime,
        session_id: int | None = None,
        exercise_id: str | None = None,
        baseline_pain: int | None = None,
    ) -> StopDecision:
        """Apply the stop rules to a pain/symptom report and store it (committed at once)."""
        return self.service.checkin(
            person.id,
            kind=kind,
            pain=pain,
            symptoms=symptoms,
            now=now,
            session_id=session_id,
            exercise_id=exercise_id,
            baseline_pain=baseline_pain,
        )


def morning_check_in(
    care: Care, person: models.Person, pain: int, now: datetime
) -> tuple[StopDecision, Plan | None]:
    """Record a next-morning pain check-in; if a session awaits it, adapt tomorrow's plan.

    Returns the stop-rule decision and the adapted plan (``None`` when no session was due).
    """
    from spinecoach.store.session_sink import pending_morning_checkin

    pending = pending_morning_checkin(care.db, person.id)
    session_id = pending[0] if pending else None
    decision = care.check_in(
        person, kind="next_morning", pain=pain, symptoms=set(), now=now, session_id=session_id
    )
    if session_id is None:
        return decision, None
    return decision, care.adapt_after_session(person, session_id, now)


def plan_items_for_page(plan: Plan, library: ExerciseLibrary) -> list[dict[str, Any]]:
    """Plan items with names, steps and a dose description, for templates and the session page."""
    out = []
    for item in plan.items:
        exercise = library.exercises.get(item.exercise_id)
        dose = dose_to_dict(item.dose)
        out.append(
            {
                "exercise_id": item.exercise_id,
                "name": _(exercise.name) if exercise else item.exercise_id,
                "summary": _(exercise.summary) if exercise else "",
                "steps": [_(s) for s in exercise.steps] if exercise else [],
                "section": _(item.section.value.replace("_", " ")),
                "dose": dose,
                "dose_text": describe_dose(dose),
                "cautions": [_(c) for c in cautions_for_person(exercise, plan.conditions)]
                if exercise
                else [],
                "duration_s": round(item.duration_s),
                "reason": item.reason,
                "sources": list(item.sources),
                "locked": item.locked,
                "note": item.note,
            }
        )
    return out
