"""The end-of-session summary compares with the last session of the same exercises, and the
"pain now?" answer after an early end is stored with the session (in-memory SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spinecoach.errors import InvalidInput
from spinecoach.reports.session_summary import record_pain_now, session_summary
from spinecoach.store.db import open_database
from spinecoach.store.repositories import PersonRepository, SessionRepository

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _session(repo, person_id, day, ranges, holds, reps, status="completed"):  # type: ignore[no-untyped-def]
    start = T0 + timedelta(days=day)
    row = repo.start(person_id, None, started_at=start, pain_before=3)
    repo.add_result(
        row.id, exercise_id="cat_cow", started_at=start, ended_at=start + timedelta(minutes=2),
        completed=True, reps_done=reps, reps_target=8, ranges_deg=ranges, hold_times_s=[],
    )  # fmt: skip
    repo.add_result(
        row.id, exercise_id="side_bridge", started_at=start, ended_at=start + timedelta(minutes=4),
        completed=True, reps_done=3, reps_target=3, ranges_deg=[], hold_times_s=holds,
    )  # fmt: skip
    repo.finish(row.id, status=status, ended_at=start + timedelta(minutes=9))
    return row.id


def test_summary_says_what_improved_and_what_changes_tomorrow() -> None:
    engine, factory = open_database("sqlite://")
    db = factory()
    person = PersonRepository(db).local_person()
    repo = SessionRepository(db)
    _session(repo, person.id, 0, [14.0, 16.0], [8.0, 9.0], 8)
    second = _session(repo, person.id, 1, [19.0, 21.0], [9.0, 9.5], 8, status="stopped")
    changes = [
        {
            "exercise": "Cat-cow",
            "action": "do a little more",
            "reason": "Easy.",
            "kind": "progress",
        },
        {"exercise": "Side bridge", "action": "keep the same", "reason": "Fine.", "kind": "hold"},
    ]
    view = session_summary(db, second, changes, {"cat_cow": "Cat-cow"})
    assert view.did[0] == "2 of 2 exercises done, about 9 minutes."
    assert "The session ended early; what you did is saved." in view.did
    # range 16 -> 21 degrees is an improvement; the hold 9 -> 9.5 s is below 1 s: not claimed
    assert view.improved == ["Cat-cow: moved further, 21° (last time 16°)."]
    assert view.tomorrow == ["Cat-cow: do a little more — Easy."]
    assert view.ask_pain is True
    record_pain_now(db, person.id, second, 4, T0)
    assert repo.get(second).pain_after == 4
    assert session_summary(db, second).ask_pain is False
    record_pain_now(db, person.id, second, 9, T0)  # the first answer stays
    assert repo.get(second).pain_after == 4
    with pytest.raises(InvalidInput, match="pain: expected a whole number 0-10"):
        record_pain_now(db, person.id, second, 11)
    db.close()
    engine.dispose()
