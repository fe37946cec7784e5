"""A small clinic on stored data: one clinician, five patients, each with a different need.

Used by the dashboard, report, FHIR and outcomes tests. Times are fixed (``NOW``), so every
figure is known: Ann reported a stop-rule symptom (safety), Ben's pain rose 3 -> 6 this week,
Cat stopped doing her sessions, Dan's range of motion stopped improving, Eve is doing well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session as DbSession

from spinecoach.store import models
from spinecoach.store.outcomes import clinic_outcomes
from spinecoach.store.repositories import PersonRepository, SessionRepository
from spinecoach.store.services import CoachService

NOW = datetime(2026, 3, 29, 18, 0, tzinfo=UTC)  # a Sunday evening
START = NOW - timedelta(days=35)
PERIOD = (date(2026, 3, 16), date(2026, 3, 29))

INTAKE = {
    "pain_now": 6, "pain_average": 5, "duration_weeks": 14, "aggravators": ["sitting", "bending"],
    "leg_symptoms": "none", "age": 46, "activity_level": "moderate", "desk_hours": 7,
    "goals": ["pain_relief"], "minutes_per_day": 10, "conditions": [],
    "rmdq": [True] * 9 + [False] * 15,
    "start_back": {
        "agree": [True, True, False, False, True, False, False, False], "bothersomeness": 3
    },
}  # fmt: skip


@dataclass
class World:
    """Ids of the stored people and sessions."""

    clinician: models.Person
    other_clinician: models.Person
    patients: dict[str, models.Person]
    sessions: dict[str, list[int]]


def _intake(db: DbSession, service: CoachService, person: models.Person, at: datetime) -> None:
    service.screen(person.id, {"answers": {q.id: "no" for q in service.rules.red_flags}, "age": 46})
    service.record_intake(person.id, dict(INTAKE))
    _, plan_id = service.make_plan(person.id, service.latest_profile(person.id), at)  # type: ignore[arg-type]
    for model in (models.Screening, models.Intake):
        for row in db.query(model).filter(model.person_id == person.id):
            row.created_at = at
    db.commit()


def _session(
    db: DbSession, person: models.Person, at: datetime, exercise_id: str, ranges: list[float],
    *, pain_before: int | None = None, pain_after: int | None = None, ok: float = 0.92,
    completed: bool = True,
) -> int:  # fmt: skip
    repo = SessionRepository(db)
    plan = db.query(models.Plan).filter(models.Plan.person_id == person.id).first()
    row = repo.start(person.id, plan.id if plan else None, source="camera", started_at=at)
    repo.add_result(
        row.id, exercise_id=exercise_id, started_at=at, ended_at=at + timedelta(minutes=2),
        completed=completed, reps_done=len(ranges), reps_target=8, ranges_deg=ranges,
        tempo={"rep_durations_s": [4.0] * len(ranges), "mean_rep_s": 4.0},
        tracking={"measured": True, "ok_fraction": ok},
    )  # fmt: skip
    for kind, pain in (("before", pain_before), ("after", pain_after)):
        if pain is not None:
            minutes = 0 if kind == "before" else 9
            repo.add_pain_report(
                person.id, session_id=row.id, at=at + timedelta(minutes=minutes),
                kind=kind, pain=pain, symptoms=[], decision={"action": "continue"},
            )  # fmt: skip
    repo.finish(row.id, ended_at=at + timedelta(minutes=9), pain_after=pain_after)
    row.pain_before = pain_before
    db.commit()
    return row.id


def build_world(db: DbSession, library: Any, rules: Any, settings: Any) -> World:
    """Store the clinic described in the module docstring."""
    people = PersonRepository(db)
    clinician = people.create("Dr Rao", email="rao@clinic.org", role="clinician")
    other = people.create("Dr Lee", email="lee@clinic.org", role="clinician")
    service = CoachService(db, library, rules, settings)
    patients = {
        name: people.create(name, email=f"{name.lower()}@example.org", clinician_id=clinician.id)
        for name in ("Ann", "Ben", "Cat", "Dan", "Eve")
    }
    sessions: dict[str, list[int]] = {name: [] for name in patients}
    for person in patients.values():
        _intake(db, service, person, START)
    # Ann: steady sessions, then sharp pain two days ago that ended the session.
    ann = patients["Ann"]
    for d in range(7, 0, -1):
        sessions["Ann"].append(_session(db, ann, NOW - timedelta(days=d), "cat_cow", [20.0 + d]))
    SessionRepository(db).add_pain_report(
        ann.id, session_id=sessions["Ann"][-2], exercise_id="cat_cow",
        at=NOW - timedelta(days=2, hours=-1), kind="symptom", pain=6, symptoms=["sharp_pain"],
        decision={"action": "end_session", "reasons": ["Sharp pain: stop for today."]},
    )  # fmt: skip
    # Ben: daily sessions, pain 3 -> 6 over the week.
    for n, d in enumerate(range(6, -1, -1)):
        sessions["Ben"].append(
            _session(db, patients["Ben"], NOW - timedelta(days=d, hours=2), "pelvic_tilt",
                     [15.0 + n], pain_before=3 + n // 2, pain_after=3 + n // 2)
        )  # fmt: skip
    # Cat: six days the week before, one this week (an unfinished exercise).
    for d in range(13, 7, -1):
        sessions["Cat"].append(
            _session(db, patients["Cat"], NOW - timedelta(days=d), "cat_cow", [25.0],
                     pain_before=5, pain_after=4)
        )  # fmt: skip
    sessions["Cat"].append(
        _session(db, patients["Cat"], NOW - timedelta(days=5), "cat_cow", [22.0], completed=False)
    )
    # Dan: daily this week; weekly best 20, 30, then 31, 31, 30 (stopped improving).
    weekly = [20.0, 30.0, 31.0, 31.0, 30.0]
    for w, best in enumerate(weekly):
        days = range(6, -1, -1) if w == len(weekly) - 1 else (3,)
        for d in days:
            at = NOW - timedelta(weeks=len(weekly) - 1 - w, days=d - 0)
            if at > NOW:
                continue
            sessions["Dan"].append(
                _session(db, patients["Dan"], at, "cat_cow", [best - 2, best], pain_before=4,
                         pain_after=4)
            )  # fmt: skip
    # Eve: daily, improving range, pain falling from 6 to 2 (reaches the minimal change).
    for n, d in enumerate(range(13, -1, -1)):
        pain = max(2, 6 - n // 3)
        sessions["Eve"].append(
            _session(db, patients["Eve"], NOW - timedelta(days=d), "cat_cow", [20.0 + n],
                     pain_before=pain, pain_after=pain)
        )  # fmt: skip
    return World(clinician, other, patients, sessions)


def check_world_outcomes(db: DbSession, world: World) -> None:
    """The figures of tests/web/clinic_world.py over 16-29 March (shared with PostgreSQL)."""
    out = clinic_outcomes(db, world.clinician.id, *PERIOD)
    rows = {r.name: r for r in out.rows}
    assert out.days == 14 and out.patients == 5
    assert (rows["Ann"].pain_change, rows["Ann"].reached_mic) == (None, None)  # one report
    assert rows["Ann"].safety_events == 1 and rows["Ann"].sessions == 7
    assert (rows["Ben"].pain_first, rows["Ben"].pain_last, rows["Ben"].pain_change) == (3, 6, 3)
    assert rows["Ben"].reached_mic is False
    assert (rows["Cat"].pain_change, rows["Cat"].reached_mic) == (-1, False)  # < 2 points
    assert (rows["Dan"].pain_change, rows["Dan"].sessions, rows["Dan"].active_days) == (0, 8, 8)
    assert (rows["Eve"].pain_first, rows["Eve"].pain_last, rows["Eve"].reached_mic) == (6, 2, True)
    assert rows["Eve"].adherence == pytest.approx(1.0)
    assert rows["Eve"].sessions_per_week == pytest.approx(7.0)
    assert out.patients_with_pain == 4
    assert out.mean_pain_change == pytest.approx((3 - 1 + 0 - 4) / 4)
    assert out.share_reaching_mic == pytest.approx(0.25)
    assert out.mean_adherence == pytest.approx((7 + 7 + 7 + 8 + 14) / 5 / 14)
    assert out.sessions_per_week == pytest.approx((7 + 7 + 7 + 8 + 14) / 5 / 2)
    assert out.safety_events == 1
    other = clinic_outcomes(db, world.other_clinician.id, *PERIOD)
    assert other.patients == 0 and other.rows == [] and other.mean_pain_change is None
