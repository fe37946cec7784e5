"""The same storage and service flow on PostgreSQL (what a clinic runs).

`.ci/run` installs and starts a local PostgreSQL server and sets SPINECOACH_TEST_POSTGRES_URL;
on a developer machine without one this module is skipped with that reason.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from spinecoach.reports.export import export_person
from spinecoach.settings import Settings
from spinecoach.store.db import open_database
from spinecoach.store.repositories import PersonRepository, PlanRepository, SessionRepository
from spinecoach.store.services import CoachService

URL = os.environ.get("SPINECOACH_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not URL, reason="no PostgreSQL server: set SPINECOACH_TEST_POSTGRES_URL (.ci/run does)"
)
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
PROFILE = {"pain_now": 4, "duration_weeks": 20, "minutes_per_day": 8, "aggravators": ["sitting"]}


@pytest.fixture()
def pg():  # type: ignore[no-untyped-def]
    assert URL is not None
    engine, _ = open_database(URL)  # make sure the database exists and is reachable
    with engine.begin() as conn:  # start from an empty schema every time
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    engine, factory = open_database(URL)
    with factory() as db:
        yield db
    engine.dispose()


def test_migrations_and_service_flow_on_postgres(pg, library, rules) -> None:  # type: ignore[no-untyped-def]
    assert pg.get_bind().dialect.name == "postgresql"
    tables = set(inspect(pg.get_bind()).get_table_names())
    assert {"people", "plans", "sessions", "exercise_results", "pain_reports"} <= tables
    service = CoachService(pg, library, rules, Settings(data_dir="/nonexistent"))
    person = PersonRepository(pg).local_person().id
    clear = {q.id: "no" for q in rules.red_flags}
    assert service.screen(person, {"answers": clear, "age": 40}).tier.value == "clear"
    profile = service.record_intake(person, PROFILE)
    plan, plan_id = service.make_plan(person, profile, NOW)
    sessions = SessionRepository(pg)
    row = sessions.start(person, plan_id, pain_before=4, started_at=NOW)
    for item in plan.items:
        sessions.add_result(
            row.id,
            exercise_id=item.exercise_id,
            started_at=NOW,
            ended_at=NOW + timedelta(minutes=1),
            completed=True,
            reps_done=item.dose.reps,
            reps_target=item.dose.reps,
            ranges_deg=[22.5],
            pain_during=4,
        )
    sessions.finish(row.id, pain_after=4)
    service.checkin(person, kind="next_morning", pain=4, symptoms=set(), now=NOW,
                    session_id=row.id, baseline_pain=4)  # fmt: skip
    adapted = service.adapt_after_session(person, row.id, NOW + timedelta(days=1))
    stored = PlanRepository(pg).latest(person)
    assert stored is not None and stored.exercise_ids == adapted.exercise_ids
    assert stored.created_at == NOW + timedelta(days=1)  # time zones survive the round trip
    export = export_person(pg, person, NOW)
    assert export["sessions"][0]["results"][0]["ranges_deg"] == [22.5]


def test_clinic_outcomes_dashboard_and_fhir_on_postgres(pg, library, rules, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The clinician's SQL (window functions, JSON, dates) on PostgreSQL: outcomes, the
    dashboard's ranking, and the FHIR round trip."""
    from tests.web.clinic_world import NOW, build_world, check_world_outcomes

    from spinecoach.reports.fhir import export_bundle, import_bundle
    from spinecoach.store.dashboard import rank_patients

    world = build_world(pg, library, rules, Settings(data_dir=tmp_path))
    check_world_outcomes(pg, world)
    ranked = [r.person.name for r in rank_patients(pg, world.clinician.id, NOW)]
    assert ranked == ["Ann", "Ben", "Cat", "Dan", "Eve"]
    first = export_bundle(pg, world.patients["Ann"].id, NOW, library)
    first["entry"][0]["resource"]["telecom"] = []  # the e-mail is taken in this database
    person = import_bundle(pg, first)
    again = export_bundle(pg, person.id, NOW, library)
    assert again["entry"][1:] == first["entry"][1:]
