"""The clinician's patient list sorted by need, each item in plain words."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy.orm import Session as DbSession
from tests.web.clinic_world import NOW, World, build_world

from spinecoach.settings import Settings
from spinecoach.store import dashboard
from spinecoach.store.dashboard import AttentionItem, Wording, attention_items, rank_patients
from spinecoach.store.db import make_engine, migrate, session_factory

CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # a stored code like sharp_pain or stop_exercise


@pytest.fixture
def db() -> DbSession:
    engine = make_engine("sqlite://")
    migrate(engine)
    return session_factory(engine)()


@pytest.fixture
def world(db: DbSession, library, rules, tmp_path) -> World:  # type: ignore[no-untyped-def]
    return build_world(db, library, rules, Settings(data_dir=tmp_path))


def _wording(library, rules) -> Wording:  # type: ignore[no-untyped-def]
    return Wording(
        library,
        {r.symptom: r.label for r in rules.stop_rules},
        {q.id: q.text for q in rules.red_flags},
    )


def test_patients_are_sorted_by_need(db: DbSession, world: World, library, rules) -> None:  # type: ignore[no-untyped-def]
    rows = rank_patients(db, world.clinician.id, NOW, _wording(library, rules))
    assert [r.person.name for r in rows] == ["Ann", "Ben", "Cat", "Dan", "Eve"]
    kinds = {r.person.name: [i.kind for i in r.items] for r in rows}
    assert kinds["Ann"] == ["safety"]  # the persistent safety state leads
    assert kinds["Ben"] == ["pain_rising"]
    assert set(kinds["Cat"]) == {"missed_sessions", "adherence_falling"}
    assert kinds["Dan"] == ["plateau"]
    assert kinds["Eve"] == []
    assert rank_patients(db, world.other_clinician.id, NOW) == []


def test_each_item_is_plain_words_with_exercise_numbers_and_date(
    db: DbSession, world: World, library, rules
) -> None:  # type: ignore[no-untyped-def]
    wording = _wording(library, rules)
    cat_cow = library.get("cat_cow").name
    rows = {r.person.name: r for r in rank_patients(db, world.clinician.id, NOW, wording)}
    assert rows["Ann"].items[0].text == (
        f"See a clinician soon: Sharp pain: stop for today. (during {cat_cow}, pain 6/10, "
        "27 Mar 19:00)"
    )
    # the stored flags read directly (``safety_items``) say the same in their own words
    flags = rank_patients(db, world.clinician.id, NOW, wording, safety=dashboard.safety_items)
    assert flags[0].items[0].text == (
        f"27 Mar, during {cat_cow}: sharp or stabbing pain (pain 6/10); "
        "the coach ended the session."
    )
    ben = rows["Ben"].items[0].text
    assert ben.startswith("Pain rose from 3 to 6/10 between 23 Mar and 29 Mar")
    cat = {i.kind: i.text for i in rows["Cat"].items}
    assert cat["adherence_falling"].startswith("Sessions fell from 6 days the week before to 1")
    assert f"{cat_cow} left unfinished 1 time" in cat["adherence_falling"]
    assert "No session on 6 of the last 7 days (22 Mar to 29 Mar)" in cat["missed_sessions"]
    dan = rows["Dan"].items[0].text
    assert dan.startswith(f"{cat_cow}: best range 31°, 31°, 30° in the weeks from 09 Mar")
    assert "no gain over the 30° reached before" in dan
    for row in rows.values():
        for item in row.items:
            assert not CODE.search(item.text), item.text


def test_the_safety_input_is_one_switch(db: DbSession, world: World, library, rules) -> None:  # type: ignore[no-untyped-def]
    """A persistent safety state plugs in as the ``safety`` source (or SAFETY_SOURCE)."""
    eve = world.patients["Eve"]

    def state(
        db: DbSession, person_id: int, now: datetime, wording: Wording
    ) -> list[AttentionItem]:
        if person_id != eve.id:
            return []
        return [AttentionItem("red_flag", "Safety state: urgent since 28 Mar.", now, 2.0)]

    rows = rank_patients(db, world.clinician.id, NOW, safety=state)
    assert rows[0].person.name == "Eve"
    original = dashboard.SAFETY_SOURCE
    try:
        dashboard.SAFETY_SOURCE = state
        assert attention_items(db, eve.id, NOW)[0].text == "Safety state: urgent since 28 Mar."
        assert [i.kind for i in attention_items(db, world.patients["Ann"].id, NOW)] == []
    finally:
        dashboard.SAFETY_SOURCE = original
