"""Desk questionnaire advice, desk breaks (1-3 minutes, 2-4 a day) and their adaptation."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from spinecoach.content.posture import load_desk_guide
from spinecoach.domain.desk import desk_advice, validate_desk_answers
from spinecoach.domain.desk_breaks import (
    MAX_BREAK_S,
    MIN_BREAK_S,
    adapt_desk_break,
    build_desk_breaks,
    due_break,
    parse_break_times,
)
from spinecoach.domain.plan import ChangeAction, ExerciseReport, SessionReport
from spinecoach.domain.posture import Finding
from spinecoach.errors import InvalidInput

NOW = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
ANSWERS = {"hours_sitting": 9, "screen_height": "well_below", "chair": "chair_with_back",
           "feet": "supported", "breaks": "rarely", "device": "laptop_only"}  # fmt: skip


@pytest.fixture(scope="module")
def guide():  # type: ignore[no-untyped-def]
    return load_desk_guide()


def test_desk_answers_bring_cited_advice(guide) -> None:  # type: ignore[no-untyped-def]
    answers = validate_desk_answers(ANSWERS, guide)
    ids = [a.id for a in desk_advice(answers, guide)]
    assert ids == ["screen_height", "laptop", "chair_support", "breaks", "long_sitting"]
    assert all(a.sources for a in desk_advice(answers, guide))
    good = {**ANSWERS, "hours_sitting": 3, "screen_height": "eye_level", "breaks": "every_30_min",
            "device": "desktop_monitor", "chair": "adjustable_with_back_support"}  # fmt: skip
    assert desk_advice(validate_desk_answers(good, guide), guide) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours_sitting": 30}, "field 'hours_sitting': expected a number from 0 to 16"),
        ({"hours_sitting": True}, "field 'hours_sitting'"),
        ({"device": "tablet"}, "field 'device': expected one of"),
        ({"shoe_size": 42}, "unknown field 'shoe_size'"),
    ],
)
def test_bad_desk_answers_name_the_field(guide, change, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=message):
        validate_desk_answers({**ANSWERS, **change}, guide, "desk.json")
    missing = dict(ANSWERS)
    missing.pop("chair")
    with pytest.raises(InvalidInput, match="field 'chair' is missing"):
        validate_desk_answers(missing, guide)


def test_break_times_are_checked() -> None:
    assert parse_break_times(["15:00", "10:30"]) == (time(10, 30), time(15, 0))
    for bad, message in ((["10:30"], "2 to 4"), (["9:00", "10:00", "11:00", "12:00", "13:00"],
                         "2 to 4"), (["10:30", "10:30"], "only once"), (["25:00", "10:00"],
                         "HH:MM")):  # fmt: skip
        with pytest.raises(InvalidInput, match=message):
            parse_break_times(bad)


def test_breaks_last_one_to_three_minutes_and_differ(library) -> None:  # type: ignore[no-untyped-def]
    breaks = build_desk_breaks(parse_break_times(["10:30", "12:30", "15:00", "16:30"]), library,
                               frozenset())  # fmt: skip
    assert len(breaks) == 4
    for b in breaks:
        assert MIN_BREAK_S <= b.duration_s <= MAX_BREAK_S, (b.label, b.duration_s)
        assert all("[OSHAWS]" in i.reason for i in b.items)
    used = {i.exercise_id for b in breaks for i in b.items}
    assert used == {"seated_pelvic_tilt", "seated_hip_hinge", "seated_cat_cow",
                    "standing_extension"}  # fmt: skip
    assert breaks[0].items != breaks[1].items


def test_findings_shape_the_breaks(library) -> None:  # type: ignore[no-untyped-def]
    found = [Finding("forward_head", "CVA 42", ("SHEIK18",)),
             Finding("anterior_pelvic_tilt", "tilt 28", ("PRE",))]  # fmt: skip
    breaks = build_desk_breaks(parse_break_times(["10:30", "15:00"]), library, frozenset(), found)
    used = [i.exercise_id for b in breaks for i in b.items]
    assert "chin_tuck" in used and "standing_extension" not in used
    four = parse_break_times(["10:00", "11:30", "14:00", "16:00"])
    kept = build_desk_breaks(four, library, frozenset(), found, preferred_direction="extension")
    assert "standing_extension" in [i.exercise_id for b in kept for i in b.items]
    # every reason says what the findings changed for that item, and nothing it did not do
    for item in (i for b in kept for i in b.items):
        assert "no standing back-bend" not in item.reason
        assert ("kept although" in item.reason) == (item.exercise_id == "standing_extension")
        assert ("a chin tuck" in item.reason) == (item.exercise_id == "chin_tuck")
    assert all("no standing back-bend" in i.reason for b in breaks for i in b.items)


def test_contraindicated_break_exercise_left_out(library) -> None:  # type: ignore[no-untyped-def]
    breaks = build_desk_breaks(parse_break_times(["10:30", "15:00"]), library,
                               frozenset({"extension_intolerant"}))  # fmt: skip
    assert "standing_extension" not in [i.exercise_id for b in breaks for i in b.items]


def _report(exercise_id: str, pain: int | None, morning: int | None, reps=8, target=8):  # type: ignore[no-untyped-def]
    return SessionReport(
        NOW, 2, pain, (ExerciseReport(exercise_id, True, reps, target, pain),),
        next_morning_pain=morning,
    )  # fmt: skip


def test_pain_in_a_break_regresses_it(library, rules) -> None:  # type: ignore[no-untyped-def]
    (first, _) = build_desk_breaks(parse_break_times(["10:30", "15:00"]), library, frozenset())
    exercise_id = first.items[0].exercise_id
    adapted, changes, paused = adapt_desk_break(
        first, _report(exercise_id, 7, None), NOW, library=library, rules=rules
    )
    assert not paused
    change = next(c for c in changes if c.exercise_id == exercise_id)
    assert change.action is ChangeAction.REGRESS and "above" in change.reason
    assert adapted.duration_s <= MAX_BREAK_S


def test_good_breaks_progress_like_sessions(library, rules) -> None:  # type: ignore[no-untyped-def]
    (first, _) = build_desk_breaks(parse_break_times(["10:30", "15:00"]), library, frozenset())
    current = first
    actions = []
    for _ in range(rules.progression.good_sessions_to_advance):
        exercise_id = current.items[0].exercise_id
        item = current.items[0]
        report = _report(exercise_id, 2, 2, item.dose.reps, item.dose.reps)
        current, changes, _ = adapt_desk_break(current, report, NOW, library=library, rules=rules)
        actions.append(next(c for c in changes if c.exercise_id == exercise_id).action)
    assert actions[-1] is ChangeAction.PROGRESS


def test_stop_symptom_in_a_break_pauses(library, rules) -> None:  # type: ignore[no-untyped-def]
    (first, _) = build_desk_breaks(parse_break_times(["10:30", "15:00"]), library, frozenset())
    symptom = next(r.symptom for r in rules.stop_rules if r.action.value == "urgent_care")
    report = SessionReport(NOW, 2, 2, (), symptoms=frozenset({symptom}))
    _, changes, paused = adapt_desk_break(first, report, NOW, library=library, rules=rules)
    assert paused and all(c.action is ChangeAction.PAUSE for c in changes)


def test_due_break(library) -> None:  # type: ignore[no-untyped-def]
    breaks = build_desk_breaks(parse_break_times(["10:30", "15:00"]), library, frozenset())
    assert due_break(breaks, [], time(9, 0)) is None
    assert due_break(breaks, [], time(11, 0)).label == "10:30"  # type: ignore[union-attr]
    assert due_break(breaks, ["10:30"], time(11, 0)) is None
    assert due_break(breaks, ["10:30"], time(15, 1)).label == "15:00"  # type: ignore[union-attr]
