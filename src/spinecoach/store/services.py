"""Application services shared by the CLI and the web app: domain decisions + storage.

Each method takes plain inputs, runs the pure domain function, stores the outcome and returns
the domain result; no clinical logic lives here beyond wiring.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.adaptation import adapt_plan
from spinecoach.domain.cues import PainReportKind
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import gettext
from spinecoach.domain.intake import Profile, make_profile
from spinecoach.domain.plan import Plan
from spinecoach.domain.planning import DosingSettings, generate_plan, relabel
from spinecoach.domain.rules import Rules
from spinecoach.domain.safety import ScreeningResult, StopDecision, evaluate_checkin, screen
from spinecoach.errors import InvalidInput, UnsafeToExercise
from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.store.models import as_utc
from spinecoach.store.posture import PostureService
from spinecoach.store.repositories import (
    IntakeRepository,
    PlanRepository,
    ScreeningRepository,
    SessionRepository,
    plan_from_row,
)
from spinecoach.store.safety import current_safety_state, require_exercise_allowed


def dosing_from(settings: Settings, rules: Rules | None = None) -> DosingSettings:
    """The planner's conflict-resolving settings, taken from :class:`Settings`."""
    dosing = DosingSettings(
        static_hold_s=settings.static_hold_s,
        older_adult_age=settings.older_adult_age,
        older_adult_hold_s=settings.older_adult_hold_s,
    )
    if rules is not None:
        dosing = replace(dosing, ceilings=rules.ceilings)
    return dosing


@dataclass
class CoachService:
    """Screening, intake, planning and check-ins for one database session."""

    db: DbSession
    library: ExerciseLibrary
    rules: Rules
    settings: Settings

    @property
    def posture(self) -> PostureService:
        """Posture assessments, desk breaks and the sitting monitor (same session)."""
        from spinecoach.content.posture import load_norms

        return PostureService(
            self.db, self.library, self.rules, self.settings, load_norms(self.settings.content_dir)
        )

    def screen(self, person_id: int, payload: dict[str, Any]) -> ScreeningResult:
        """Screen a documented answers object and store the verdict.

        ``payload`` is ``{"answers": {question_id: yes/no}, "age": int?,
        "pain_months": float?, "inflammatory": {feature: yes/no}?}``.
        """
        if not isinstance(payload, dict) or not isinstance(payload.get("answers"), dict):
            raise InvalidInput(
                gettext('answers: expected an object {"answers": {question_id: yes/no}}')
            )
        age = payload.get("age")
        if age is not None and (isinstance(age, bool) or not isinstance(age, int) or age < 0):
            raise InvalidInput(
                gettext("age: expected a whole number of years, got {age}").format(age=repr(age))
            )
        months = payload.get("pain_months")
        if months is not None and (isinstance(months, bool) or not isinstance(months, int | float)):
            raise InvalidInput(
                gettext("pain_months: expected a number, got {months}").format(months=repr(months))
            )
        result = screen(
            payload["answers"],
            self.rules,
            age=age,
            pain_months=months,
            inflammatory_features=payload.get("inflammatory") or None,
        )
        ScreeningRepository(self.db).add(
            person_id, result.tier.value, payload, list(result.reasons)
        )
        current_safety_state(self.db, person_id, self.rules)  # history: re-screening lifts
        return result

    def require_clearance(self, person_id: int) -> None:
        """Raise :class:`UnsafeToExercise` unless a screening was made and the safety state
        allows exercise (no urgent or emergency state, no pause)."""
        latest = ScreeningRepository(self.db).latest(person_id)
        if latest is None:
            raise UnsafeToExercise(
                gettext("No red-flag screening yet: run `spinecoach screen` before exercising.")
            )
        # The safety state holds the screening's verdict (urgent and emergency block) until a
        # re-screening or the clinician's clearance with a note lifts it (docs/safety.md).
        require_exercise_allowed(self.db, person_id, self.rules)

    def record_intake(self, person_id: int, answers: dict[str, Any]) -> Profile:
        """Validate and store intake answers; return the profile."""
        profile = make_profile(answers)
        scores: dict[str, Any] = {
            "duration_class": profile.duration_class.value,
            "directional_preference": profile.directional_preference,
            "risk": profile.risk.value,
            "start_level": profile.start_level,
        }
        if profile.rmdq is not None:
            scores["rmdq"] = profile.rmdq.score
        if profile.start_back is not None:
            scores["start_back"] = {
                "total": profile.start_back.total,
                "psychosocial": profile.start_back.psychosocial,
                "risk": profile.start_back.risk.value,
            }
        IntakeRepository(self.db).add(person_id, answers, scores)
        return profile

    def latest_profile(self, person_id: int) -> Profile | None:
        """Profile from the most recent intake, if any."""
        row = IntakeRepository(self.db).latest(person_id)
        return None if row is None else make_profile(row.answers)

    def make_plan(
        self, person_id: int, profile: Profile, now: datetime, *, fresh: bool = False
    ) -> tuple[Plan, int]:
        """Generate and store today's plan; returns ``(plan, plan_id)``.

        Unless ``fresh``, the latest stored plan is the history (the items a clinician
        locked and the exercises set aside are kept; its level is kept unless the intake is
        newer than that plan, and never above what the intake allows).
        """
        plans = PlanRepository(self.db)
        previous_row = None if fresh else plans.latest_row(person_id)
        previous = None if previous_row is None else plan_from_row(previous_row)
        intake = IntakeRepository(self.db).latest(person_id)
        new_intake = (
            previous_row is not None
            and intake is not None
            and as_utc(intake.created_at) >= as_utc(previous_row.created_at)
        )
        plan = generate_plan(
            profile,
            self.library,
            [previous] if previous else [],
            now,
            dosing=dosing_from(self.settings, self.rules),
            new_intake=new_intake,
        )
        plan = self.posture.posture_plan(person_id, plan, profile)
        row = plans.add(person_id, plan, origin="generated")
        return plan, row.id

    def current_plan(self, person_id: int) -> tuple[Plan, int] | None:
        """The latest stored plan with names filled in, and its id."""
        row = PlanRepository(self.db).latest_row(person_id)
        if row is None:
            return None
        plan = PlanRepository(self.db).latest(person_id)
        assert plan is not None
        return relabel(plan, self.library), row.id

    def checkin(
        self,
        person_id: int,
        *,
        kind: str,
        pain: int | None,
        symptoms: set[str],
        now: datetime,
        session_id: int | None = None,
        exercise_id: str | None = None,
        baseline_pain: int | None = None,
    ) -> StopDecision:
        """Record a pain/symptom check-in and return the stop-rule decision."""
        if kind not in set(PainReportKind):
            raise InvalidInput(
                f"kind: expected {', '.join(PainReportKind)}, got {kind!r}".replace(
                    ", symptom", " or symptom"
                )
            )
        decision = evaluate_checkin(
            pain, baseline_pain, symptoms, self.rules, pain_limit=self.settings.pain_limit
        )
        SessionRepository(self.db).add_pain_report(
            person_id,
            session_id=session_id,
            exercise_id=exercise_id,
            at=now,
            kind=kind,
            pain=pain,
            symptoms=sorted(symptoms),
            decision=decision.to_json(),
        )
        current_safety_state(self.db, person_id, self.rules)  # an emergency sets it at once
        return decision

    def adapt_after_session(self, person_id: int, session_id: int, now: datetime) -> Plan:
        """Adapt the plan the session followed to its report and store the new plan.

        Adapting from the session's own plan (not the latest one) makes a repeated
        adaptation of the same session idempotent: an end-of-session adaptation followed by
        the next-morning check-in never regresses a dose twice.
        """
        sessions = SessionRepository(self.db)
        session_row = sessions.get(session_id)
        if session_row.kind == "desk_break":
            return self._adapt_after_desk_break(person_id, session_id, now)
        followed = self.db.get(models.Plan, session_row.plan_id) if session_row.plan_id else None
        if followed is not None:
            plan = relabel(plan_from_row(followed), self.library)
        else:
            current = self.current_plan(person_id)
            if current is None:
                raise InvalidInput(gettext("no plan to adapt: run `spinecoach plan` first"))
            plan, _ = current
        report = sessions.session_report(session_id)
        profile = self.latest_profile(person_id)
        conditions = profile.planning_conditions if profile else frozenset()
        adapted = adapt_plan(
            plan,
            [report],
            now,
            library=self.library,
            rules=self.rules,
            conditions=conditions,
            pain_limit=self.settings.pain_limit,
        )
        PlanRepository(self.db).add(person_id, adapted, origin="adapted")
        return adapted

    def _adapt_after_desk_break(self, person_id: int, session_id: int, now: datetime) -> Plan:
        """A desk break adapts its own break (same rules); the routine changes only when the
        stop rules pause the plan. Returns the routine with the break's changes attached."""
        from dataclasses import replace

        from spinecoach.domain.serialize import change_from_dict

        _, changes, _ = self.posture.adapt_after_break(
            person_id, session_id, self.latest_profile(person_id), now
        )
        current = self.current_plan(person_id)
        if current is None:
            raise InvalidInput(gettext("no plan to adapt: run `spinecoach plan` first"))
        return replace(current[0], changes=tuple(change_from_dict(c) for c in changes))
