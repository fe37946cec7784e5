"""A clinic's outcomes over a period, computed in SQL (the same query runs on PostgreSQL in
tests/store/test_postgres.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session as DbSession
from tests.web.clinic_world import PERIOD, World, build_world, check_world_outcomes

from spinecoach.errors import InvalidInput
from spinecoach.settings import Settings
from spinecoach.store.db import make_engine, migrate, session_factory
from spinecoach.store.outcomes import clinic_outcomes, outcomes_csv_rows

START, END = PERIOD


@pytest.fixture
def world(library, rules, tmp_path) -> tuple[DbSession, World]:  # type: ignore[no-untyped-def]
    engine = make_engine("sqlite://")
    migrate(engine)
    db = session_factory(engine)()
    return db, build_world(db, library, rules, Settings(data_dir=tmp_path))


def test_outcomes_over_a_period(world) -> None:  # type: ignore[no-untyped-def]
    db, w = world
    check_world_outcomes(db, w)


def test_outcomes_are_a_fixed_number_of_queries(world) -> None:  # type: ignore[no-untyped-def]
    """Computed in the database: two statements whatever the number of rows."""
    db, w = world
    statements: list[str] = []
    engine = db.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        clinic_outcomes(db, w.clinician.id, START, END)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 2
    assert "row_number() OVER" in statements[0] and "GROUP BY" in statements[0]


def test_a_later_period_and_bad_periods(world) -> None:  # type: ignore[no-untyped-def]
    db, w = world
    empty = clinic_outcomes(db, w.clinician.id, date(2026, 6, 1), date(2026, 6, 30))
    assert empty.patients == 5 and all(r.sessions == 0 for r in empty.rows)
    assert empty.mean_pain_change is None and empty.share_reaching_mic is None
    with pytest.raises(InvalidInput, match="before the start"):
        clinic_outcomes(db, w.clinician.id, END, START)


def test_csv_rows(world) -> None:  # type: ignore[no-untyped-def]
    db, w = world
    rows = outcomes_csv_rows(clinic_outcomes(db, w.clinician.id, START, END))
    assert rows[0][:3] == ["patient_id", "name", "pain_first"]
    eve = next(r for r in rows if r[1] == "Eve")
    assert eve[2:6] == [6, 2, -4, "yes"]
    assert rows[-1][0] == "all" and rows[-1][5] == "0.250" and rows[-1][-1] == 1
