"""Issue 10 §2 through storage: a new intake sets the level; plans keep their conditions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spinecoach.settings import Settings
from spinecoach.store.db import open_database
from spinecoach.store.repositories import PersonRepository, PlanRepository
from spinecoach.store.services import CoachService

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
GOOD = {"pain_now": 2, "pain_average": 2, "duration_weeks": 30, "activity_level": "high"}
WORSE = {"pain_now": 8, "pain_average": 7, "duration_weeks": 30, "leg_symptoms": "below_knee"}


@pytest.fixture()
def service(library, rules, tmp_path):  # type: ignore[no-untyped-def]
    engine, factory = open_database("sqlite://")
    with factory() as db:
        yield CoachService(db, library, rules, Settings(data_dir=tmp_path))
    engine.dispose()


def test_a_new_intake_sets_the_level_both_ways(service) -> None:  # type: ignore[no-untyped-def]
    person = PersonRepository(service.db).local_person().id
    profile = service.record_intake(person, GOOD)
    first, _ = service.make_plan(person, profile, NOW)
    assert first.level == 3
    worse = service.record_intake(person, WORSE)
    second, _ = service.make_plan(person, worse, datetime.now(UTC))
    assert second.level == 1  # a worse intake never keeps the higher level
    better = service.record_intake(person, GOOD)
    third, _ = service.make_plan(person, better, datetime.now(UTC))
    assert third.level == 3  # and a better one sets it from the new answers


def test_stored_plans_keep_conditions_and_set_aside(service) -> None:  # type: ignore[no-untyped-def]
    person = PersonRepository(service.db).local_person().id
    profile = service.record_intake(
        person, {"pain_now": 3, "duration_weeks": 20, "pregnancy_weeks": 24}
    )
    plan, _ = service.make_plan(person, profile, NOW)
    stored = PlanRepository(service.db).latest(person)
    assert stored is not None
    assert "pregnancy_after_first_trimester" in stored.conditions
    assert stored.conditions == plan.conditions
