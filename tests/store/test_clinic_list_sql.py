"""The clinician's list does its heavy lifting in the database and still gives exactly the
per-patient answer.

Two shortcuts keep ``/clinic`` cheap at clinic scale: the best range of each exercise in
each week is aggregated in SQL (instead of decoding every stored result), and of the stored
check-ins only those that can change a safety state are read (every one that is not a
"continue", and the one right after each). Here both are checked against the per-patient
functions on stored rows made to hit their edges (a session at Sunday 23:59:59.999999, whole
and empty and null ranges, ranges that are not numbers, "continue" spelt another way, an
unknown action, a null decision, check-ins at the same instant), on SQLite and (with
``SPINECOACH_TEST_POSTGRES_URL``) on PostgreSQL; and on the synthetic clinic that
``bench.clinic_pages`` times, through the web app.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session as DbSession
from tests.store.test_dashboard_bulk import PG_URL, _one_by_one, _postgres, _sqlite, _wording
from tests.web.clinic_world import NOW, START, _intake, _session

from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.store.dashboard import (
    PatientAttention,
    _weekly_best,
    attention_items,
    rank_patients,
    weekly_bests,
)
from spinecoach.store.repositories import PersonRepository, SessionRepository
from spinecoach.store.safety import current_safety_state, safety_states
from spinecoach.store.services import CoachService


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                PG_URL is None, reason="set SPINECOACH_TEST_POSTGRES_URL to run on PostgreSQL"
            ),
        ),
    ]
)
def db(request: pytest.FixtureRequest) -> Iterator[DbSession]:
    yield from (_sqlite() if request.param == "sqlite" else _postgres())


def _clinician(db: DbSession) -> models.Person:
    return PersonRepository(db).create("Dr Rao", email="rao@clinic.org", role="clinician")


SUNDAY_NIGHT = datetime(2026, 3, 22, 23, 59, 59, 999999, tzinfo=UTC)  # a Sunday


def test_weekly_bests_from_sql_equal_the_python_reading(
    db: DbSession, library: Any, rules: Any, tmp_path: Path
) -> None:
    clinician = _clinician(db)
    people = PersonRepository(db)
    service = CoachService(db, library, rules, Settings(data_dir=tmp_path))
    cases: dict[str, list[tuple[datetime, list[Any]]]] = {
        # the week's edge: Sunday's last microsecond and Monday's first
        "Edge": [(SUNDAY_NIGHT - timedelta(weeks=w), [30.0, 31.0]) for w in range(5)]
        + [(SUNDAY_NIGHT + timedelta(microseconds=1), [45.0])],
        # whole degrees stored as integers, and no improvement: a plateau
        "Ints": [(NOW - timedelta(weeks=w, hours=3), [28, 30]) for w in range(6)],
        # empty and null ranges (no measurement) between measured ones
        "Empty": [(NOW - timedelta(days=3 * d), [] if d % 2 else [20.0 + 0.123456789 * d])
                  for d in range(12)]
        + [(NOW - timedelta(days=1, hours=5), None)],  # type: ignore[list-item]
        # many digits: the same float both ways
        "Digits": [(NOW - timedelta(days=4 * d), [19.999999999999996, 20.000000000000004 + d / 7])
                   for d in range(10)],
    }  # fmt: skip
    for name, sessions in cases.items():
        person = people.create(name, email=f"{name}@example.org", clinician_id=clinician.id)
        _intake(db, service, person, START - timedelta(weeks=4))
        for at, ranges in sessions:
            sid = _session(db, person, at, "cat_cow", [1.0], pain_before=3, pain_after=3)
            result = db.scalars(
                select(models.ExerciseResult).where(models.ExerciseResult.session_id == sid)
            ).one()
            result.ranges_deg = ranges  # type: ignore[assignment]
        db.commit()
    wording = _wording(library, rules)
    ids = list(db.scalars(select(models.Person.id).where(models.Person.role == "patient")))
    in_sql = _weekly_best(db, ids)  # aggregated in the database
    assert in_sql is not None
    repo = SessionRepository(db)
    for pid in ids:
        rows = [(r[0], r[1], r[3]) for r in repo.measured_results(pid)]
        expected_weeks = weekly_bests(rows)
        got = {e: w for (p, e), w in in_sql.items() if p == pid}
        assert got == expected_weeks, pid
        assert all(isinstance(v, float) for w in got.values() for v in w.values())
    expected = _one_by_one(db, clinician.id, wording)
    assert {i.kind for row in expected for i in row.items} >= {"plateau"}
    db.expire_all()
    assert rank_patients(db, clinician.id, NOW, wording) == expected

    # ranges that are not a list of numbers: read in Python, still the same answer
    odd = people.create("Odd", email="odd@example.org", clinician_id=clinician.id)
    _intake(db, service, odd, START)
    sid = _session(db, odd, NOW - timedelta(days=2), "cat_cow", [1.0])
    db.execute(
        text("UPDATE exercise_results SET ranges_deg = :r WHERE session_id = :s"),
        {"r": '["25.5", 26]', "s": sid},
    )
    db.commit()
    ids.append(odd.id)
    assert _weekly_best(db, ids) is None
    expected = _one_by_one(db, clinician.id, wording)
    db.expire_all()
    assert rank_patients(db, clinician.id, NOW, wording) == expected


DECISIONS: list[Any] = [
    {"action": "continue"},
    {"action": "continue", "reasons": []},
    {"action": "stop_exercise", "reasons": ["Stop this exercise."]},
    {"action": "end_session", "reasons": ["Sharp pain: stop for today."]},
    {"action": "urgent_care", "reasons": ["Get advice today."], "seek_care": "urgent"},
    {"action": "Continue"},  # not how a "continue" is stored: read and parsed
    {"action": "bogus"},  # an unknown action: skipped when parsed
    None,  # JSON null
    {},
]


@pytest.mark.parametrize("seed", range(6))
def test_safety_states_read_only_what_can_count_and_equal_one_by_one(
    db: DbSession, library: Any, rules: Any, seed: int, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    clinician = _clinician(db)
    people = PersonRepository(db)
    repo = SessionRepository(db)
    service = CoachService(db, library, rules, Settings(data_dir=tmp_path))
    flags = [q.id for q in rules.red_flags]
    for k in range(12):
        person = people.create(f"P{k}", email=f"p{k}@example.org", clinician_id=clinician.id)
        if rng.random() < 0.8:
            answers = {q: "no" for q in flags}
            if rng.random() < 0.2:
                answers[rng.choice(flags)] = rng.choice(["yes", "unsure"])
            service.screen(person.id, {"answers": answers, "age": 46})
            screening = db.scalars(
                select(models.Screening).where(models.Screening.person_id == person.id)
            ).one()
            screening.created_at = NOW - timedelta(days=rng.randrange(0, 30))
        at = NOW - timedelta(days=30)
        for _n in range(rng.randrange(0, 40)):
            if rng.random() > 0.2:  # some check-ins at the same instant as the one before
                at += timedelta(minutes=rng.randrange(1, 900))
            weights = [40, 10, 5, 4, 2, 2, 2, 2, 2]
            decision = rng.choices(DECISIONS, weights)[0]
            repo.add_pain_report(
                person.id, session_id=None, at=at, kind=rng.choice(["during", "next_morning"]),
                pain=rng.randrange(0, 11), symptoms=[], decision=decision,  # type: ignore[arg-type]
            )  # fmt: skip
        db.commit()
    wanted = select(models.Person.id).where(models.Person.clinician_id == clinician.id)
    bulk = safety_states(db, wanted, rules)
    one_by_one = {pid: current_safety_state(db, pid, rules) for pid in db.scalars(wanted)}
    assert bulk == one_by_one
    assert len({s.level for s in bulk.values()}) > 1


def test_the_bench_clinic_list_equals_the_per_patient_items(
    tmp_path: Path, library: Any, rules: Any
) -> None:
    """The clinic ``bench.clinic_pages`` times (signed up, screened, planned, 60 days of
    sessions, stop-rule symptoms and rising pain), stored through the app: the list the page
    shows is the per-patient answer."""
    from bench.clinic_pages import make_clinic

    from spinecoach.web.app import create_app

    app = create_app(Settings(data_dir=tmp_path, secret_key="k" * 40, allowed_hosts=["testserver"]))
    client, ids = make_clinic(app, 30, 60)
    page = client.get("/clinic")
    assert page.status_code == 200
    assert page.text.count('<tr data-patient="') == 30
    with app.state.ctx.session_factory() as db:
        clinician = db.scalars(select(models.Person).where(models.Person.role == "clinician")).one()
        wording = _wording(library, rules)
        now = datetime.now(UTC)
        expected = [
            (row.person.id, row.items, row.last_session)
            for row in _one_by_one_at(db, clinician.id, wording, now)
        ]
        db.expire_all()
        bulk = rank_patients(db, clinician.id, now, wording)
        assert [(r.person.id, r.items, r.last_session) for r in bulk] == expected
        kinds = {i.kind for row in bulk for i in row.items}
        assert kinds >= {"safety", "pain_rising"}
        # a patient's page (its safety state derived once) shows the per-patient items
        shown = {kind: r.person.id for r in bulk for kind in {i.kind for i in r.items}}
        for pid in (shown["safety"], shown["pain_rising"]):
            items = attention_items(db, pid, datetime.now(UTC), wording)
            assert items
            page = client.get(f"/clinic/patients/{pid}")
            assert page.status_code == 200
            for item in items:
                assert html.escape(item.text) in page.text, item.text
    app.state.ctx.engine.dispose()


def _one_by_one_at(db: DbSession, clinician_id: int, wording: Any, now: datetime) -> list[Any]:
    """The list as the per-patient functions give it at ``now`` (as ``_one_by_one``)."""
    rows = []
    for person in db.scalars(
        select(models.Person).where(
            models.Person.clinician_id == clinician_id, models.Person.role == "patient"
        )
    ):
        last = db.scalar(
            select(func.max(models.Session.started_at)).where(models.Session.person_id == person.id)
        )
        items = tuple(attention_items(db, person.id, now, wording))
        rows.append(PatientAttention(person, items, models.as_utc(last) if last else None))
    return sorted(rows, key=PatientAttention.sort_key)
