"""Issue 10 §3: each red flag on its own, inflammatory pain told apart, unsure never clears."""

from __future__ import annotations

import pytest

from spinecoach.domain.rules import Tier
from spinecoach.domain.safety import screen


def all_no(rules):  # type: ignore[no-untyped-def]
    return {q.id: "no" for q in rules.asked_questions}


def test_each_red_flag_is_its_own_question(rules) -> None:  # type: ignore[no-untyped-def]
    ids = {q.id for q in rules.asked_questions}
    assert {"long_term_steroids", "minor_fall_or_lift", "thin_bones", "sepsis_signs"} <= ids
    assert "bone_fragility_injury" not in ids  # the old combined question is no longer asked
    for q in rules.asked_questions:
        # one question each: no "and do you ... or take ..." bundles of separate flags
        assert " and do you " not in q.text.lower(), q.id


def test_older_files_with_the_combined_question_still_work(rules) -> None:  # type: ignore[no-untyped-def]
    answers = all_no(rules) | {"bone_fragility_injury": "yes"}
    assert screen(answers, rules, age=40).tier == Tier.URGENT
    assert screen(all_no(rules) | {"bone_fragility_injury": "no"}, rules, age=40).tier == Tier.CLEAR


def test_long_term_steroids_is_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    assert screen(all_no(rules) | {"long_term_steroids": "yes"}, rules, age=40).tier == Tier.URGENT


@pytest.mark.parametrize(
    ("age", "thin", "tier"),
    [(72, "no", Tier.URGENT), (35, "yes", Tier.URGENT), (35, "unsure", Tier.URGENT),
     (35, "no", Tier.CLEAR), (None, "no", Tier.URGENT)],
)  # fmt: skip
def test_minor_fall_matters_with_older_age_or_thin_bones(rules, age, thin, tier) -> None:  # type: ignore[no-untyped-def]
    answers = all_no(rules) | {"minor_fall_or_lift": "yes", "thin_bones": thin}
    assert screen(answers, rules, age=age).tier == tier


def test_sepsis_signs_are_an_emergency(rules) -> None:  # type: ignore[no-untyped-def]
    result = screen(all_no(rules) | {"sepsis_signs": "yes"}, rules, age=40)
    assert result.tier == Tier.EMERGENCY
    # a fever alone is urgent, not an emergency
    assert screen(all_no(rules) | {"feverish_unwell": "yes"}, rules, age=40).tier == Tier.URGENT


def test_both_legs_asks_about_new_symptoms(rules) -> None:  # type: ignore[no-untyped-def]
    text = rules.question("both_legs").text
    assert "NEWLY" in text and "long time" in text


def test_unknown_age_is_handled_conservatively(rules) -> None:  # type: ignore[no-untyped-def]
    assert screen(all_no(rules), rules, age=None).tier == Tier.ROUTINE
    assert screen(all_no(rules) | {"first_episode": "yes"}, rules, age=None).tier == Tier.URGENT
    assert screen(all_no(rules), rules, age=40).tier == Tier.CLEAR


def test_inflammatory_back_pain_is_routine_not_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    answers = all_no(rules) | {
        "pain_over_3_months": "yes",
        "gradual_onset": "yes",
        "morning_stiffness": "yes",
        "wakes_second_half_night": "yes",
        "better_with_exercise_not_rest": "yes",
    }
    result = screen(answers, rules, age=30)
    assert result.tier == Tier.ROUTINE and result.may_exercise
    assert any("inflammatory" in r and "rheumatologist" in r for r in result.reasons)
    # serious night pain, unrelieved by any position, is urgent
    serious = screen(all_no(rules) | {"night_or_rest_pain": "yes"}, rules, age=30)
    assert serious.tier == Tier.URGENT and not serious.may_exercise


def test_not_improving_alone_is_a_routine_review(rules) -> None:  # type: ignore[no-untyped-def]
    result = screen(all_no(rules) | {"not_improving_month": "yes"}, rules, age=40)
    assert result.tier == Tier.ROUTINE and result.may_exercise
    both = all_no(rules) | {"not_improving_month": "yes", "weight_loss": "yes"}
    assert screen(both, rules, age=40).tier == Tier.URGENT


@pytest.mark.parametrize("tier", [Tier.URGENT, Tier.EMERGENCY])
def test_unsure_on_an_urgent_or_emergency_question_never_allows_exercise(rules, tier) -> None:  # type: ignore[no-untyped-def]
    for question in [q for q in rules.asked_questions if q.tier == tier]:
        result = screen(all_no(rules) | {question.id: "unsure"}, rules, age=40)
        assert result.tier == Tier.URGENT and not result.may_exercise, question.id
        assert any(question.text in r for r in result.reasons)


def test_every_tier_matches_the_clinical_reference(rules) -> None:  # type: ignore[no-untyped-def]
    """CLINICAL.md §1: A emergency, B urgent, C routine (not_improving: see docs/safety.md)."""
    expected = {
        "bladder_change": Tier.EMERGENCY, "bowel_incontinence": Tier.EMERGENCY,
        "saddle_numbness": Tier.EMERGENCY, "sexual_dysfunction": Tier.EMERGENCY,
        "both_legs": Tier.EMERGENCY, "progressive_weakness": Tier.EMERGENCY,
        "major_trauma": Tier.EMERGENCY, "chest_pain": Tier.EMERGENCY,
        "sepsis_signs": Tier.EMERGENCY,
        "feverish_unwell": Tier.URGENT, "weight_loss": Tier.URGENT,
        "lump_or_deformity": Tier.URGENT, "night_or_rest_pain": Tier.URGENT,
        "cough_strain_pain": Tier.URGENT, "thoracic_pain": Tier.URGENT,
        "cancer_history": Tier.URGENT, "infection_risk": Tier.URGENT,
        "long_term_steroids": Tier.URGENT,
        "worsening_or_limiting": Tier.ROUTINE, "not_improving_month": Tier.ROUTINE,
    }  # fmt: skip
    for question_id, tier in expected.items():
        assert rules.question(question_id).tier == tier, question_id
    assert rules.age_rule.tier == Tier.URGENT and rules.age_rule.older_than == 50
    assert rules.fragility_rule.tier == Tier.URGENT
    assert rules.inflammatory.tier == Tier.ROUTINE
