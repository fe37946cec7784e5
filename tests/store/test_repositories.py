"""Storage on in-memory SQLite: migrations, round trips, writes as they happen."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from spinecoach.domain.intake import make_profile
from spinecoach.domain.planning import generate_plan
from spinecoach.errors import NotFound, StorageError, UnsafeToExercise
from spinecoach.settings import Settings
from spinecoach.store.db import open_database
from spinecoach.store.repositories import (
    PersonRepository,
    PlanRepository,
    SessionRepository,
)
from spinecoach.store.services import CoachService

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
PROFILE = {"pain_now": 3, "duration_weeks": 20, "minutes_per_day": 8, "aggravators": ["sitting"]}


@pytest.fixture()
def db():  # type: ignore[no-untyped-def]
    engine, factory = open_database("sqlite://")
    with factory() as session:
        yield session
    engine.dispose()


def test_migration_creates_every_table(db) -> None:  # type: ignore[no-untyped-def]
    tables = set(inspect(db.get_bind()).get_table_names())
    assert {"people", "screenings", "intakes", "plans", "plan_items", "sessions",
            "exercise_results", "pain_reports", "notes", "alembic_version"} <= tables  # fmt: skip


def test_file_database_migrates_twice_and_uses_wal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'sub' / 'spinecoach.db'}"
    for _ in range(2):  # second run is a no-op upgrade
        engine, factory = open_database(url)
        with factory() as session:
            PersonRepository(session).local_person()
        engine.dispose()
    with sqlite3.connect(tmp_path / "sub" / "spinecoach.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("select count(*) from people").fetchone()[0] == 1


def test_unopenable_database_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot"):
        open_database(f"sqlite:///{blocker / 'db.sqlite'}")


def test_plan_round_trip(db, library) -> None:  # type: ignore[no-untyped-def]
    person = PersonRepository(db).local_person()
    plan = generate_plan(make_profile(PROFILE), library, [], NOW)
    PlanRepository(db).add(person.id, plan, origin="generated")
    stored = PlanRepository(db).latest(person.id)
    assert stored is not None
    assert stored.exercise_ids == plan.exercise_ids
    assert [i.dose for i in stored.items] == [i.dose for i in plan.items]
    assert stored.total_duration_s == pytest.approx(plan.total_duration_s)
    assert stored.reasons == plan.reasons


def test_session_results_are_committed_as_they_happen(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine, factory = open_database(url)
    with factory() as session:
        person = PersonRepository(session).local_person()
        repo = SessionRepository(session)
        row = repo.start(person.id, None, pain_before=3, started_at=NOW)
        repo.add_result(
            row.id, exercise_id="cat_cow", started_at=NOW, ended_at=NOW + timedelta(seconds=40),
            completed=True, reps_done=8, reps_target=8, ranges_deg=[22.0, 25.5],
        )  # fmt: skip
        # Another connection sees the finished exercise before the session ends.
        with sqlite3.connect(tmp_path / "db.sqlite") as other:
            rows = other.execute("select exercise_id, reps_done from exercise_results").fetchall()
        assert rows == [("cat_cow", 8)]
        assert [s.id for s in repo.unfinished(person.id)] == [row.id]
        repo.finish(row.id, pain_after=2)
        assert repo.unfinished(person.id) == []
        report = repo.session_report(row.id)
        assert report.pain_before == 3 and report.exercises[0].range_deg == 25.5
    engine.dispose()


def test_missing_session_is_not_found(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match="session 99"):
        SessionRepository(db).get(99)


def record_full_session(db, person, plan, plan_id, *, pain_during: int):  # type: ignore[no-untyped-def]
    """Store a session (pain before 3) in which every plan item was completed."""
    sessions = SessionRepository(db)
    row = sessions.start(person, plan_id, pain_before=3, started_at=NOW)
    for item in plan.items:
        sessions.add_result(row.id, exercise_id=item.exercise_id, started_at=NOW, ended_at=NOW,
                            completed=True, reps_done=item.dose.reps, reps_target=item.dose.reps,
                            pain_during=pain_during)  # fmt: skip
    sessions.finish(row.id, pain_after=pain_during)
    return row


def test_service_flow_screen_intake_plan_checkin_adapt(db, library, rules) -> None:  # type: ignore[no-untyped-def]
    service = CoachService(db, library, rules, Settings(data_dir="/nonexistent"))
    person = PersonRepository(db).local_person().id
    with pytest.raises(UnsafeToExercise, match="screening"):
        service.require_clearance(person)
    emergency = {q.id: "no" for q in rules.red_flags} | {"bladder_change": "yes"}
    assert service.screen(person, {"answers": emergency}).tier.value == "emergency"
    with pytest.raises(UnsafeToExercise, match="Call 999 or go to A&E now"):
        service.require_clearance(person)
    clear = {q.id: "no" for q in rules.red_flags}
    assert service.screen(person, {"answers": clear, "age": 40}).tier.value == "clear"
    service.require_clearance(person)
    profile = service.record_intake(person, PROFILE)
    plan, plan_id = service.make_plan(person, profile, NOW)
    row = record_full_session(db, person, plan, plan_id, pain_during=3)
    decision = service.checkin(person, kind="next_morning", pain=3, symptoms=set(), now=NOW,
                               session_id=row.id, baseline_pain=3)  # fmt: skip
    assert decision.action.value == "continue"
    adapted = service.adapt_after_session(person, row.id, NOW + timedelta(days=1))
    assert adapted.changes and all(c.reason for c in adapted.changes)
    assert PlanRepository(db).latest_row(person).origin == "adapted"


def test_adapting_the_same_session_twice_does_not_regress_twice(db, library, rules) -> None:  # type: ignore[no-untyped-def]
    service = CoachService(db, library, rules, Settings(data_dir="/nonexistent"))
    person = PersonRepository(db).local_person().id
    profile = service.record_intake(person, PROFILE)
    plan, plan_id = service.make_plan(person, profile, NOW)
    row = record_full_session(db, person, plan, plan_id, pain_during=7)
    first = service.adapt_after_session(person, row.id, NOW + timedelta(hours=1))
    second = service.adapt_after_session(person, row.id, NOW + timedelta(days=1))
    assert [i.dose for i in first.items] == [i.dose for i in second.items]
    assert first.exercise_ids == second.exercise_ids
