"""Whole sessions replayed from real keypoints (KERAAL flank stretch) and simulated IMU data,
with results stored in an in-memory database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.driver import SessionDriver
from spinecoach.coach.engine import EngineOptions, SessionEngine
from spinecoach.coach.feed import Frame, MotionFeed
from spinecoach.coach.timeline import TimelineOptions
from spinecoach.domain.exercise import TempoPhase
from spinecoach.domain.plan import Plan, PlanItem
from spinecoach.store.db import open_database
from spinecoach.store.repositories import PersonRepository, SessionRepository
from spinecoach.store.session_sink import StoreSessionSink

ELK = "keraal/G3-BP-ELK-P1T1-Unknown-C-0.json"


@pytest.fixture()
def db():  # type: ignore[no-untyped-def]
    engine, factory = open_database("sqlite://")
    yield factory()
    engine.dispose()


def run_session(db, plan, library, rules, frames, feed, options=None):  # type: ignore[no-untyped-def]
    person = PersonRepository(db).local_person()
    clock = FakeClock()
    sink = StoreSessionSink(db, person.id, None, started_at=datetime(2026, 1, 5, tzinfo=UTC))
    engine = SessionEngine(
        plan, library, rules, clock=clock, sink=sink, sensor=True,
        options=options or EngineOptions(), sensor_for=feed.measurable,
    )  # fmt: skip
    cues = []

    def hook(e):  # type: ignore[no-untyped-def]
        if e.state()["awaiting"] == "pain":
            cues.extend(e.report_pain(1))

    driver = SessionDriver(
        engine, clock, frames=frames, feed=feed, speed=0, on_cues=cues.extend, hook=hook
    )
    driver.run()
    return engine, SessionRepository(db).get(sink.session_id), cues


def test_keraal_flank_stretch_replay_measures_holds_and_repetitions(
    shared_data, library, rules, db
) -> None:
    from spinecoach.sources.keypoints import read_keypoints

    series = read_keypoints(shared_data / ELK)
    exercise = library.get("seated_side_bend")
    # The recording is one short trial (~6.4 s: lean left, lean right); the dose is shortened
    # to fit it, the way a clinician would set a demo: one 1-s hold per side.
    tempo = tuple(TempoPhase(p.name, 1.0, p.breath, p.cue) for p in exercise.dose.tempo)
    dose = exercise.dose.with_changes(reps=1, hold_s=1.0, tempo=tempo)
    plan = Plan(
        (PlanItem(exercise.id, exercise.name, exercise.section, dose, "test"),), 1,
        datetime(2026, 1, 5, tzinfo=UTC), metadata={"checkin_after": "none"},
    )  # fmt: skip
    frames = (
        Frame(float(series.time_s[i]), series.positions[i], series.confidence[i], series.names)
        for i in range(series.n_frames)
    )
    options = EngineOptions(timeline=TimelineOptions(switch_side_s=1.0))
    engine, stored, cues = run_session(db, plan, library, rules, frames, MotionFeed(), options)
    texts = [c.text for c in cues]
    # both holds were started by the sensor, and the session went on by the clock afterwards
    assert sum(t.startswith("Good, hold it there") for t in texts) == 2
    assert "The recording ended; I'll carry on with the timer." in texts
    (row,) = stored.results
    assert row.exercise_id == "seated_side_bend" and row.completed
    assert row.reps_done == 2 and row.hold_times_s == [1.0, 1.0]
    # the measured side-bend excursion (left): about 20 degrees of lateral flexion
    assert len(row.ranges_deg) >= 1 and 15.0 <= row.ranges_deg[0] <= 25.0
    assert row.tracking["measured"] is True and row.tracking["ok_fraction"] == 1.0
    assert row.tracking["measured_reps"] == 2
    assert stored.status == "completed"


def test_simulated_imu_cat_cow_counts_every_measured_repetition(library, rules, db) -> None:
    from spinecoach.motion.imu_pipeline import recording_measures
    from spinecoach.sources.imu.simulate import simulate

    sim = simulate("cat_cow", n_reps=18, rep_s=4.0, rest_s=0.5, seed=1)  # 16 + slack
    measures = recording_measures(sim.recording)
    names = tuple(measures.values)
    frames = (
        Frame(float(t), measures={n: float(measures.values[n][i]) for n in names})
        for i, t in enumerate(measures.time_s)
    )
    exercise = library.get("cat_cow")  # 2 sets of 8, measured on lumbar_flexion_deg
    plan = Plan(
        (PlanItem(exercise.id, exercise.name, exercise.section, exercise.dose, "test"),), 1,
        datetime(2026, 1, 5, tzinfo=UTC), metadata={"checkin_after": "none"},
    )  # fmt: skip
    engine, stored, cues = run_session(db, plan, library, rules, frames, MotionFeed(imu=True))
    (row,) = stored.results
    assert row.reps_done == 16 and row.completed
    assert row.tracking["measured_reps"] == 16
    assert row.ranges_deg == pytest.approx([20.0] * 16, abs=1.0)  # truth: 12 - (-8) degrees
    assert row.tempo["mean_rep_s"] == pytest.approx(3.3, abs=0.3)
    counts = [c.text for c in cues if c.kind.value == "count" and c.text.isdigit()]
    assert counts.count("8") == 2  # each set counted up to 8 from measured repetitions
