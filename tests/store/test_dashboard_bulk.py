"""The clinician's list in a few set-based queries gives exactly the per-patient answer.

``rank_patients`` loads every patient's rows at once; ``attention_items`` (one patient, used
by the patient page) and the per-patient safety state read them one patient at a time. On a
clinic of many varied patients (generated with a fixed seed on top of the five-patient world:
red flags, clearances, stop decisions, check-ins, rising pain, missed and unfinished sessions,
plateaus, poor tracking, no plan, no sessions) both give the same items, texts, order and
last session, on SQLite and (with ``SPINECOACH_TEST_POSTGRES_URL``) on PostgreSQL.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session as DbSession
from tests.web.clinic_world import NOW, START, World, _intake, _session, build_world

from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.store.dashboard import (
    PatientAttention,
    Wording,
    attention_items,
    rank_patients,
    safety_state_items,
)
from spinecoach.store.db import make_engine, migrate, open_database, session_factory
from spinecoach.store.repositories import PersonRepository, SessionRepository
from spinecoach.store.safety import clear_by_clinician, current_safety_state, last_recorded
from spinecoach.store.services import CoachService

PG_URL = os.environ.get("SPINECOACH_TEST_POSTGRES_URL")
EXTRA = 40


def _sqlite() -> Iterator[DbSession]:
    engine = make_engine("sqlite://")
    migrate(engine)
    with session_factory(engine)() as db:
        yield db
    engine.dispose()


def _postgres() -> Iterator[DbSession]:
    assert PG_URL is not None
    engine, _ = open_database(PG_URL)
    with engine.begin() as conn:  # start from an empty schema every time
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    engine, factory = open_database(PG_URL)
    with factory() as db:
        yield db
    engine.dispose()


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


def _wording(library: Any, rules: Any) -> Wording:
    return Wording(
        library,
        {r.symptom: r.label for r in rules.stop_rules},
        {q.id: q.text for q in rules.red_flags},
        rules,
    )


def _grow(db: DbSession, world: World, library: Any, rules: Any, settings: Settings) -> None:
    """Add ``EXTRA`` patients with a random mix of everything the list looks at."""
    rng = random.Random(13)
    people = PersonRepository(db)
    service = CoachService(db, library, rules, settings)
    repo = SessionRepository(db)
    symptoms = sorted({r.symptom for r in rules.stop_rules})
    flags = [q.id for q in rules.red_flags]
    actions = ["continue", "stop_exercise", "end_session", "urgent_care"]
    for k in range(EXTRA):
        person = people.create(
            f"P{k:02d}", email=f"p{k}@example.org", clinician_id=world.clinician.id
        )
        if rng.random() < 0.85:  # some never got a plan
            _intake(db, service, person, START + timedelta(days=rng.randrange(0, 30)))
        if k % 9 == 0:
            continue  # no sessions at all
        days = sorted(rng.sample(range(35), rng.randrange(1, 30)), reverse=True)
        improving = rng.random() < 0.5
        for n, d in enumerate(days):
            at = NOW - timedelta(days=d, hours=rng.choice([0, 2, 6]))  # ties across patients
            best = 20.0 + (n if improving else min(n, 4))
            sid = _session(
                db, person, at, rng.choice(["cat_cow", "pelvic_tilt"]),
                [best - 1, best] if rng.random() < 0.9 else [],
                pain_before=rng.choice([None, 2, 3, 4, 5, 6, 7]),
                pain_after=rng.choice([None, 3, 5, 8]),
                ok=rng.choice([0.3, 0.55, 0.62, 0.9, 1.0]),
                completed=rng.random() < 0.85,
            )  # fmt: skip
            if rng.random() < 0.15:  # a symptom check-in during the session
                action = rng.choice(actions)
                reasons = [] if action == "continue" else [f"Stop rule {action}."]
                repo.add_pain_report(
                    person.id, session_id=sid, exercise_id="cat_cow",
                    at=at + timedelta(minutes=5), kind="symptom", pain=rng.randrange(3, 10),
                    symptoms=rng.sample(symptoms, 1),
                    decision={"action": action, "reasons": reasons,
                              **({"seek_care": "urgent"} if action == "urgent_care" else {})},
                )  # fmt: skip
            if rng.random() < 0.1:  # a next-morning check-in outside any session
                repo.add_pain_report(
                    person.id, session_id=None, at=at + timedelta(hours=14),
                    kind="next_morning", pain=rng.randrange(0, 9), symptoms=[],
                    decision={"action": rng.choice(actions[:2])},
                )  # fmt: skip
        if rng.random() < 0.25:  # a later screening: a red flag, a "not sure" or all clear
            answer = rng.choice(["yes", "unsure", "no"])
            answers = {q: "no" for q in flags}
            answers[rng.choice(flags)] = answer
            service.screen(person.id, {"answers": answers, "age": 46})
            newest = db.scalars(
                select(models.Screening)
                .where(models.Screening.person_id == person.id)
                .order_by(models.Screening.id.desc())
            ).first()
            assert newest is not None
            newest.created_at = NOW - timedelta(days=rng.randrange(0, 10), hours=3)
            db.commit()
        if rng.random() < 0.15:  # a clinician cleared the patient
            note = "Seen in clinic, fine to continue."
            at = NOW - timedelta(days=rng.randrange(0, 8), hours=1)
            clear_by_clinician(db, person.id, world.clinician, note, at)
    # another clinician's patient with a red flag must not appear
    stranger = people.create("Zed", email="zed@example.org", clinician_id=world.other_clinician.id)
    _intake(db, service, stranger, START)
    _session(db, stranger, NOW - timedelta(days=1), "cat_cow", [20.0], pain_before=2, pain_after=9)


def _one_by_one(db: DbSession, clinician_id: int, wording: Wording) -> list[PatientAttention]:
    """The list as the per-patient functions give it."""
    rows = []
    for person in db.scalars(
        select(models.Person).where(
            models.Person.clinician_id == clinician_id, models.Person.role == "patient"
        )
    ):
        last = db.scalar(
            select(func.max(models.Session.started_at)).where(models.Session.person_id == person.id)
        )
        items = tuple(attention_items(db, person.id, NOW, wording))
        rows.append(PatientAttention(person, items, models.as_utc(last) if last else None))
    return sorted(rows, key=PatientAttention.sort_key)


@pytest.fixture
def clinic(db: DbSession, library, rules, tmp_path) -> World:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path)
    world = build_world(db, library, rules, settings)
    _grow(db, world, library, rules, settings)
    return world


@contextmanager
def _statements(db: DbSession) -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    seen: list[str] = []

    def before(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_bulk_list_equals_the_per_patient_items(
    db: DbSession, clinic: World, library, rules
) -> None:  # type: ignore[no-untyped-def]
    wording = _wording(library, rules)
    expected = _one_by_one(db, clinic.clinician.id, wording)
    assert len(expected) == 5 + EXTRA
    kinds = {i.kind for row in expected for i in row.items}
    assert kinds >= {"safety", "pain_rising", "missed_sessions", "adherence_falling", "plateau",
                     "poor_tracking"}  # fmt: skip
    assert any(r.last_session is None for r in expected) and any(not r.items for r in expected)
    db.expire_all()
    with _statements(db) as queries:
        bulk = rank_patients(db, clinic.clinician.id, NOW, wording)
    assert len(queries) <= 12, queries  # a fixed number, whatever the number of patients
    assert [r.person.name for r in bulk] == [r.person.name for r in expected]
    for got, want in zip(bulk, expected, strict=True):
        assert got.items == want.items, got.person.name
        assert got.last_session == want.last_session, got.person.name
        assert got.state is not None
        assert got.state == current_safety_state(db, got.person.id, rules, record=False)
    # the per-patient path (any other safety source) gives the same list
    per_patient = rank_patients(
        db, clinic.clinician.id, NOW, wording, safety=lambda *a: safety_state_items(*a)
    )
    assert per_patient == bulk
    assert all(r.state is None for r in per_patient)


def _history(db: DbSession) -> Counter[tuple[int, str, Any]]:
    rows = db.scalars(select(models.SafetyStateRow))
    return Counter((r.person_id, r.level, models.as_utc(r.at)) for r in rows)


def test_bulk_list_records_the_changed_states_like_one_by_one(
    db: DbSession, clinic: World, library, rules
) -> None:  # type: ignore[no-untyped-def]
    """``record_safety`` appends the rows that ``current_safety_state`` would append: one for
    each patient whose state differs from the history row recorded last."""
    wording = _wording(library, rules)
    for _round in range(2):
        expected: Counter[tuple[int, str, Any]] = Counter()
        patients = db.scalars(
            select(models.Person).where(models.Person.clinician_id == clinic.clinician.id)
        ).all()
        for person in patients:
            state = current_safety_state(db, person.id, rules, record=False)
            last = last_recorded(db, person.id)
            newest = None if last is None else (last.level, models.as_utc(last.at))
            if state.since is not None and newest != (state.level.value, state.since):
                expected[(person.id, state.level.value, state.since)] += 1
        before = _history(db)
        ranked = rank_patients(db, clinic.clinician.id, NOW, wording, record_safety=True)
        assert _history(db) - before == expected
        assert expected or _round == 1  # the first round records states
        assert all(row.state is not None for row in ranked)
