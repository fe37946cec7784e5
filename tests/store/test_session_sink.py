"""The store's session sink: results committed as they happen; resume/close; morning check-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.coach.helpers import ISOMETRIC, LIBRARY, STATIC, TEMPO, drive, make_plan

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.engine import SessionEngine
from spinecoach.store.db import open_database
from spinecoach.store.repositories import PersonRepository, SessionRepository
from spinecoach.store.session_sink import (
    StoreSessionSink,
    close_unfinished,
    pending_morning_checkin,
)

T0 = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)


@pytest.fixture()
def factory():  # type: ignore[no-untyped-def]
    engine, factory = open_database("sqlite://")
    yield factory
    engine.dispose()


def make_engine(db, person_id, rules, *exercises, next_checkin_at=None):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    sink = StoreSessionSink(
        db, person_id, None, started_at=T0, origin_s=0.0, next_checkin_at=next_checkin_at
    )
    engine = SessionEngine(
        make_plan(*exercises, checkin_after="each"), LIBRARY, rules, clock=clock, sink=sink
    )
    return engine, clock, sink


def test_each_result_is_committed_when_the_exercise_ends(factory, rules) -> None:
    db = factory()
    person = PersonRepository(db).local_person()
    engine, clock, sink = make_engine(db, person.id, rules, TEMPO, ISOMETRIC)
    engine.start()
    engine.report_pain(2)
    other = factory()  # a second session sees only committed data
    drive(engine, clock, 37.0)
    rows = SessionRepository(other).get(sink.session_id).results
    assert [r.exercise_id for r in rows] == ["cat_cow"]
    row = rows[0]
    assert row.completed and row.reps_done == 3 and row.reps_target == 3
    assert row.started_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=10)
    assert row.pain_during == 2 and row.tracking["measured"] is False
    drive(engine, clock, 500.0)
    session = SessionRepository(factory()).get(sink.session_id)
    assert session.status == "completed" and session.pain_before == 2 and session.pain_after == 2
    assert [r.exercise_id for r in session.results] == ["cat_cow", "side_bridge"]
    assert session.results[1].hold_times_s == [10.0, 10.0]
    kinds = [r.kind for r in SessionRepository(db).pain_reports(person.id)]
    assert kinds == ["before", "after", "after", "after"]
    report = SessionRepository(db).session_report(sink.session_id)
    assert report.pain_before == 2 and len(report.exercises) == 2


def test_stop_rule_outcomes_are_stored(factory, rules) -> None:
    db = factory()
    person = PersonRepository(db).local_person()
    engine, clock, sink = make_engine(db, person.id, rules, STATIC, TEMPO)
    engine.start()
    engine.report_pain(2)
    drive(engine, clock, 25.0)
    engine.report_symptoms({"weakness"})
    session = SessionRepository(db).get(sink.session_id)
    assert session.status == "stopped"
    assert session.results[0].stop_action == "end_session"
    symptom = SessionRepository(db).pain_reports(person.id, "symptom")[0]
    assert symptom.symptoms == ["weakness"] and symptom.decision["action"] == "end_session"
    report = SessionRepository(db).session_report(sink.session_id)
    assert "weakness" in report.symptoms


def test_morning_check_in_is_scheduled(factory, rules) -> None:
    db = factory()
    person = PersonRepository(db).local_person()
    due = T0 + timedelta(hours=14)
    engine, clock, sink = make_engine(db, person.id, rules, ISOMETRIC, next_checkin_at=due)
    engine.start()
    drive(engine, clock, 500.0)
    assert pending_morning_checkin(db, person.id) == (sink.session_id, due)
    SessionRepository(db).add_pain_report(
        person.id, session_id=sink.session_id, kind="next_morning", pain=1
    )
    assert pending_morning_checkin(db, person.id) is None


def test_unfinished_sessions_are_closed(factory, rules) -> None:
    db = factory()
    person = PersonRepository(db).local_person()
    engine, clock, sink = make_engine(db, person.id, rules, TEMPO, ISOMETRIC)
    engine.start()
    drive(engine, clock, 60.0)  # first exercise done, second in progress; "killed" here
    assert [s.id for s in SessionRepository(db).unfinished(person.id)] == [sink.session_id]
    closed = close_unfinished(db, person.id, now=T0 + timedelta(minutes=5))
    assert closed == [sink.session_id]
    row = SessionRepository(db).get(sink.session_id)
    assert row.status == "closed" and row.summary["exercises_recorded"] == ["cat_cow"]
    assert SessionRepository(db).unfinished(person.id) == []


def test_traces_and_cues_are_stored_with_each_exercise(factory, rules) -> None:  # type: ignore[no-untyped-def]
    """Samples are thinned to 10 per second and cut at each exercise's end; the cues the
    engine gives reach the sink by themselves and are cut likewise."""
    import math

    db = factory()
    person = PersonRepository(db).local_person()
    engine, clock, sink = make_engine(db, person.id, rules, TEMPO, ISOMETRIC)
    engine.start()
    engine.report_pain(2)
    while not engine.finished and clock.now() < 500.0:
        clock.set(round(clock.now() + 0.02, 6))  # 50 samples a second offered
        t = clock.now()
        sink.record_sample("camera", t, 20.0 * math.sin(t), "Movement (camera)")
        sink.record_sample("sensor", t, None, "Lumbar flexion (sensor)")  # nothing measured
        engine.tick()
        if engine.state()["awaiting"] == "pain":
            engine.report_pain(2)
    rows = SessionRepository(factory()).get(sink.session_id).results
    assert [r.exercise_id for r in rows] == ["cat_cow", "side_bridge"]
    for row in rows:
        trace = row.traces["camera"]
        assert set(row.traces) == {"camera"}  # the empty sensor channel is not stored
        duration = (row.ended_at - row.started_at).total_seconds()
        assert 0.0 <= trace["t_s"][0] < 0.2 and trace["t_s"][-1] <= duration + 1e-6
        assert len(trace["t_s"]) == pytest.approx(10 * duration, abs=2)
        start = (row.started_at.replace(tzinfo=UTC) - T0).total_seconds()
        for t, v in zip(trace["t_s"], trace["deg"], strict=True):
            assert v == pytest.approx(20.0 * math.sin(start + t), abs=0.06)
        assert row.cues and all(c["t_s"] <= duration + 1e-6 for c in row.cues)
    for row in rows:  # no cue stored twice (both test exercises share step lines)
        said = [(c["text"], c["t_s"]) for c in row.cues]
        assert len(said) == len(set(said))
