"""Red-flag screening and in-session stop rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.domain.rules import StopAction, Tier
from spinecoach.domain.safety import evaluate_checkin, screen
from spinecoach.errors import InvalidInput


def all_no(rules):  # type: ignore[no-untyped-def]
    return {q.id: "no" for q in rules.red_flags}


def test_all_no_is_clear(rules) -> None:  # type: ignore[no-untyped-def]
    result = screen(all_no(rules), rules, age=40)
    assert result.tier == Tier.CLEAR
    assert result.may_exercise
    assert "not a substitute" in result.advice


@pytest.mark.parametrize("tier", [Tier.EMERGENCY, Tier.URGENT, Tier.ROUTINE])
def test_each_question_yes_gives_its_tier(rules, tier) -> None:  # type: ignore[no-untyped-def]
    for question in [q for q in rules.red_flags if q.tier == tier and q.asked]:
        answers = all_no(rules) | {question.id: "yes"}
        result = screen(answers, rules, age=40)
        assert result.tier == tier, question.id
        assert any(question.text in r for r in result.reasons)
        assert not any(question.id in r for r in result.reasons)  # plain words, no ids


def test_emergency_questions_cover_cauda_equina_and_trauma(rules) -> None:  # type: ignore[no-untyped-def]
    emergency = {q.id for q in rules.red_flags if q.tier == Tier.EMERGENCY}
    assert {"bladder_change", "bowel_incontinence", "saddle_numbness", "both_legs",
            "progressive_weakness", "major_trauma", "chest_pain"} <= emergency  # fmt: skip


answer_values = st.sampled_from(["yes", "no", None, True, False, "unsure"])


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_no_emergency_answer_is_ever_cleared(rules, data) -> None:  # type: ignore[no-untyped-def]
    """Property: any emergency 'yes' gives emergency; an unanswered one is never clear."""
    answers = {q.id: data.draw(answer_values, label=q.id) for q in rules.red_flags}
    age = data.draw(st.one_of(st.none(), st.integers(16, 100)))
    result = screen(answers, rules, age=age)
    emergency = [q for q in rules.red_flags if q.tier == Tier.EMERGENCY]
    if any(answers[q.id] in ("yes", True) for q in emergency):
        assert result.tier == Tier.EMERGENCY
    if any(answers[q.id] in (None, "unsure") for q in emergency):
        assert result.tier in (Tier.EMERGENCY, Tier.URGENT)
        assert not result.may_exercise
    if result.tier == Tier.CLEAR:
        assert all(answers[q.id] in ("no", False) for q in emergency)


def test_missing_emergency_answer_blocks(rules) -> None:  # type: ignore[no-untyped-def]
    answers = all_no(rules)
    del answers["saddle_numbness"]
    result = screen(answers, rules, age=40)
    assert result.tier == Tier.URGENT
    assert "saddle_numbness" in result.unanswered
    assert any("cannot be assumed" in r for r in result.reasons)


def test_age_rule_needs_first_episode(rules) -> None:  # type: ignore[no-untyped-def]
    answers = all_no(rules) | {"first_episode": "yes"}
    assert screen(answers, rules, age=62).tier == Tier.URGENT
    assert screen(answers, rules, age=17).tier == Tier.URGENT
    assert screen(answers, rules, age=35).tier == Tier.CLEAR
    assert screen(all_no(rules), rules, age=62).tier == Tier.CLEAR


def test_inflammatory_pattern_is_routine(rules) -> None:  # type: ignore[no-untyped-def]
    features = dict.fromkeys(rules.inflammatory.features, "yes")
    assert (
        screen(all_no(rules), rules, age=45, pain_months=6, inflammatory_features=features).tier
        == Tier.ROUTINE
    )
    three = dict(list(features.items())[:3])
    assert (
        screen(all_no(rules), rules, age=45, pain_months=6, inflammatory_features=three).tier
        == Tier.CLEAR
    )
    assert (
        screen(all_no(rules), rules, age=45, pain_months=2, inflammatory_features=features).tier
        == Tier.CLEAR
    )


def test_bad_answers_are_named(rules) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="answers.bladder_change"):
        screen(all_no(rules) | {"bladder_change": "maybe"}, rules)
    with pytest.raises(InvalidInput, match="unknown question"):
        screen(all_no(rules) | {"nonsense": "no"}, rules)


@pytest.mark.parametrize(
    ("pain", "baseline", "symptoms", "action"),
    [
        (2, 2, set(), StopAction.CONTINUE),
        (4, 2, set(), StopAction.REGRESS),
        (6, 2, set(), StopAction.STOP_EXERCISE),
        (3, 2, {"sharp_pain"}, StopAction.STOP_EXERCISE),
        (3, 2, {"peripheralisation"}, StopAction.STOP_EXERCISE),
        (3, 2, {"below_knee"}, StopAction.STOP_EXERCISE),
        (3, 2, {"numbness"}, StopAction.END_SESSION),
        (3, 2, {"weakness"}, StopAction.END_SESSION),
        (3, 2, {"bladder_bowel_change"}, StopAction.URGENT_CARE),
        (3, 2, {"saddle_numbness"}, StopAction.URGENT_CARE),
        (3, 2, {"both_legs", "numbness"}, StopAction.URGENT_CARE),
        (5, 2, {"centralisation"}, StopAction.CONTINUE),
        (None, None, {"weakness"}, StopAction.END_SESSION),
    ],
)
def test_stop_rules(rules, pain, baseline, symptoms, action) -> None:  # type: ignore[no-untyped-def]
    decision = evaluate_checkin(pain, baseline, symptoms, rules)
    assert decision.action == action
    assert decision.reasons and all(decision.reasons)
    if action != StopAction.CONTINUE:
        assert decision.sources


def test_weakness_sends_to_clinician(rules) -> None:  # type: ignore[no-untyped-def]
    decision = evaluate_checkin(None, None, {"weakness"}, rules)
    assert decision.seek_care == Tier.URGENT
    assert evaluate_checkin(None, None, {"saddle_numbness"}, rules).seek_care == Tier.EMERGENCY


def test_pain_limit_is_a_setting(rules) -> None:  # type: ignore[no-untyped-def]
    assert evaluate_checkin(5, 4, set(), rules).action == StopAction.CONTINUE
    assert evaluate_checkin(5, 4, set(), rules, pain_limit=4).action == StopAction.STOP_EXERCISE


def test_stop_rule_input_errors(rules) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="pain_now"):
        evaluate_checkin(11, 2, set(), rules)
    with pytest.raises(InvalidInput, match="symptoms"):
        evaluate_checkin(2, 2, {"dizzy"}, rules)
