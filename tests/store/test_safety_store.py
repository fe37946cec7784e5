"""The stored safety state: derived from real stored rows, history on change, and the
shortcuts that keep it fast (last reset, irrelevant "continue" reports) exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from spinecoach.domain.rules import StopAction, Tier
from spinecoach.domain.safety_state import EventKind, SafetyEvent, SafetyLevel, derive_state
from spinecoach.store import models
from spinecoach.store.db import open_database
from spinecoach.store.repositories import PersonRepository
from spinecoach.store.safety import _relevant_reports, current_safety_state, safety_events
from spinecoach.store.services import CoachService

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture()
def db():  # type: ignore[no-untyped-def]
    engine, factory = open_database("sqlite://")
    with factory() as session:
        yield session
    engine.dispose()


def test_reports_through_the_service_set_and_lower_a_caution(db, rules, library, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.settings import Settings

    service = CoachService(db, library, rules, Settings(data_dir=tmp_path))
    person = PersonRepository(db).local_person().id
    service.screen(person, {"answers": {q.id: "no" for q in rules.red_flags}, "age": 40})
    now = datetime.now(UTC)  # the screening is stored at the real time
    service.checkin(person, kind="during", pain=8, symptoms=set(), now=now + timedelta(hours=1))
    state = current_safety_state(db, person, rules)
    assert (state.level, state.pain) == (SafetyLevel.CAUTION, 8)
    service.checkin(person, kind="next_morning", pain=2, symptoms=set(),
                    now=now + timedelta(hours=20))  # fmt: skip
    assert current_safety_state(db, person, rules).level is SafetyLevel.CLEAR
    rows = db.scalars(select(models.SafetyStateRow).order_by(models.SafetyStateRow.id)).all()
    assert [r.level for r in rows] == ["clear", "caution", "clear"]
    assert "above the limit" in rows[1].reason
    current_safety_state(db, person, rules)  # unchanged: no new history row
    assert len(db.scalars(select(models.SafetyStateRow)).all()) == 3


def test_a_history_row_dated_after_the_state_is_not_answered_at_every_look(
    db, rules, library, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A stored row dated after the current state began (an earlier state recorded with a
    later time) made every look append the current state again (the newest row was chosen
    by its date): now the state is recorded once, whichever way the list or the person's
    own page looks."""
    from spinecoach.settings import Settings
    from spinecoach.store.safety import safety_states

    service = CoachService(db, library, rules, Settings(data_dir=tmp_path))
    person = PersonRepository(db).local_person().id
    service.screen(person, {"answers": {q.id: "no" for q in rules.red_flags}, "age": 40})
    state = current_safety_state(db, person, rules)
    assert state.since is not None
    db.add(models.SafetyStateRow(person_id=person, at=state.since + timedelta(days=1),
                                 level="caution", reason="imported", source="checkin"))  # fmt: skip
    db.commit()

    def count() -> int:
        return len(db.scalars(select(models.SafetyStateRow)).all())

    before = count()
    current_safety_state(db, person, rules)
    assert count() == before + 1  # the current state differs from the last recorded: once
    people = select(models.Person.id).where(models.Person.id == person)
    for _ in range(3):
        current_safety_state(db, person, rules)
        safety_states(db, people, rules, record=True)
    assert count() == before + 1


def test_only_events_since_the_last_reset_are_read(db, rules, library, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.settings import Settings

    service = CoachService(db, library, rules, Settings(data_dir=tmp_path))
    person = PersonRepository(db).local_person().id
    service.checkin(person, kind="symptom", pain=None, symptoms={"both_legs"}, now=T0)
    service.screen(person, {"answers": {q.id: "no" for q in rules.red_flags}, "age": 40})
    events = safety_events(db, person, rules)
    assert [e.kind for e in events] == [EventKind.SCREENING]
    assert current_safety_state(db, person, rules).level is SafetyLevel.CLEAR


@pytest.mark.parametrize("seed", range(40))
def test_dropping_irrelevant_continue_reports_never_changes_the_state(seed: int) -> None:
    rng = np.random.default_rng(seed)
    actions = list(StopAction)
    events = []
    for n in range(int(rng.integers(1, 40))):
        at = T0 + timedelta(minutes=n)
        if rng.random() < 0.1:
            tier = [Tier.CLEAR, Tier.ROUTINE, Tier.URGENT][int(rng.integers(0, 3))]
            events.append(SafetyEvent(at, EventKind.SCREENING, "s", tier=tier))
        elif rng.random() < 0.05:
            events.append(SafetyEvent(at, EventKind.CLEARANCE, "c"))
        else:
            action = StopAction.CONTINUE if rng.random() < 0.6 else actions[int(rng.integers(1, 5))]
            seek = [None, Tier.ROUTINE, Tier.URGENT, Tier.EMERGENCY][int(rng.integers(0, 4))]
            events.append(SafetyEvent(at, EventKind.REPORT, f"r{n}", action=action,
                                      seek_care=seek, pain=int(rng.integers(0, 11))))  # fmt: skip
    reports = [e for e in events if e.kind is EventKind.REPORT]
    others = [e for e in events if e.kind is not EventKind.REPORT]
    assert derive_state(others + _relevant_reports(reports)) == derive_state(events)
