"""Progress figures and clinician flags on known stored data (in-memory SQLite)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.planning import generate_plan
from spinecoach.reports.progress import compute_progress, minimal_important_change
from spinecoach.store.db import make_engine, migrate, session_factory
from spinecoach.store.repositories import PersonRepository, PlanRepository, SessionRepository
from spinecoach.web.clinic import Clinic

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def db() -> DbSession:
    engine = make_engine("sqlite://")
    migrate(engine)
    return session_factory(engine)()


@pytest.mark.parametrize(("baseline", "mic"), [(2, 2.0), (6, 2.0), (8, 2.4), (10, 3.0)])
def test_minimal_important_change_is_2_points_or_30_percent(baseline: int, mic: float) -> None:
    assert minimal_important_change(baseline) == pytest.approx(mic)


def _patient_with_plan(db: DbSession, library, created: datetime):  # type: ignore[no-untyped-def]
    from spinecoach.domain.intake import make_profile

    people = PersonRepository(db)
    clinician = people.create("Dr Rao", email="rao@x.org", role="clinician")
    patient = people.create("Ann", email="ann@x.org", clinician_id=clinician.id)
    profile = make_profile({"pain_now": 4, "duration_weeks": 10})
    PlanRepository(db).add(
        patient.id, generate_plan(profile, library, [], created), origin="generated"
    )
    return clinician, patient


def _session(db: DbSession, person_id: int, at: datetime, ranges: list[float], ok: float) -> None:
    repo = SessionRepository(db)
    row = repo.start(person_id, None, source="camera", started_at=at)
    repo.add_result(
        row.id,
        exercise_id="cat_cow",
        started_at=at,
        ended_at=at + timedelta(minutes=1),
        completed=True,
        reps_done=len(ranges),
        reps_target=len(ranges),
        ranges_deg=ranges,
        tracking={"ok_fraction": ok},
    )
    repo.finish(row.id, ended_at=at + timedelta(minutes=8))


def test_rom_by_week_adherence_and_history(db: DbSession, library) -> None:  # type: ignore[no-untyped-def]
    _, patient = _patient_with_plan(db, library, NOW - timedelta(days=14))
    _session(db, patient.id, NOW - timedelta(days=8), [20.0, 24.0], 0.9)  # Sun, week 10: max 24
    _session(db, patient.id, NOW - timedelta(days=7), [30.0], 0.9)  # Mon, week 11: max 30
    _session(db, patient.id, NOW - timedelta(days=1), [35.0, 33.0], 0.9)  # Sun, week 11: max 35
    _session(db, patient.id, NOW, [40.0], 0.9)  # week 12
    figures = compute_progress(db, patient.id, NOW.date(), weeks=2)
    weekly = dict(figures.rom_weekly["cat_cow"])
    # each week is named by its Monday's date (ISO weeks 10, 11 and 12 of 2026)
    assert weekly == {"2026-03-02": 24.0, "2026-03-09": 32.5, "2026-03-16": 40.0}
    done = {day for day, active in figures.adherence if active}
    assert done == {date(2026, 3, 9), date(2026, 3, 15), date(2026, 3, 16)}
    assert len(figures.adherence) == 14 and figures.adherence[0][0] == date(2026, 3, 9)
    assert [s["started_at"].date() for s in figures.sessions][0] == NOW.date()
    assert figures.sessions[0]["results"][0]["max_range_deg"] == 40.0


def test_flags_missed_sessions_and_poor_tracking(db: DbSession, library) -> None:  # type: ignore[no-untyped-def]
    clinician, patient = _patient_with_plan(db, library, NOW - timedelta(days=10))
    _session(db, patient.id, NOW - timedelta(days=2), [20.0], 0.3)
    kinds = {f.kind: f.text for f in Clinic(db, library).flags(patient, NOW)}
    assert "missed_sessions" in kinds and "6 of the last 7 days" in kinds["missed_sessions"]
    assert "poor_tracking" in kinds and "30%" in kinds["poor_tracking"]
    assert "red_flag" not in kinds and "pain_rising" not in kinds


def test_no_flags_for_a_regular_well_tracked_patient(db: DbSession, library) -> None:  # type: ignore[no-untyped-def]
    clinician, patient = _patient_with_plan(db, library, NOW - timedelta(days=3))
    for days in (3, 2, 1, 0):
        _session(db, patient.id, NOW - timedelta(days=days), [25.0], 0.95)
    assert Clinic(db, library).flags(patient, NOW) == []
    rows = Clinic(db, library).patient_rows(clinician, NOW)
    assert [r.person.name for r in rows] == ["Ann"] and rows[0].last_session is not None
