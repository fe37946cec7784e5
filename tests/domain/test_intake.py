"""Intake validation and questionnaire scoring (from supplied answers only)."""

from __future__ import annotations

import pytest

from spinecoach.domain.intake import (
    DurationClass,
    Risk,
    make_profile,
    profile_to_dict,
    score_rmdq,
    score_start_back,
)
from spinecoach.errors import InvalidInput


def test_rmdq_counts_ticks() -> None:
    assert score_rmdq([True] * 5 + [False] * 19).score == 5
    assert score_rmdq([False] * 24).score == 0
    assert score_rmdq([True] * 18).n_items == 18
    with pytest.raises(InvalidInput, match="rmdq"):
        score_rmdq([True] * 10)


@pytest.mark.parametrize(
    ("agree", "bother", "total", "psych", "risk"),
    [
        ([False] * 8, 1, 0, 0, Risk.LOW),
        ([True, True, True, False, False, False, False, False], 1, 3, 0, Risk.LOW),
        ([True, True, True, True, False, False, False, False], 1, 4, 0, Risk.MEDIUM),
        ([True, True, False, False, True, True, True, False], 2, 5, 3, Risk.MEDIUM),
        ([False, False, False, False, True, True, True, False], 4, 4, 4, Risk.HIGH),
        ([True] * 8, 5, 9, 5, Risk.HIGH),
    ],
)
def test_start_back_bands(agree, bother, total, psych, risk) -> None:  # type: ignore[no-untyped-def]
    score = score_start_back(agree, bother)
    assert (score.total, score.psychosocial, score.risk) == (total, psych, risk)


def test_start_back_rejects_bad_answers() -> None:
    with pytest.raises(InvalidInput, match="bothersomeness"):
        score_start_back([False] * 8, 6)
    with pytest.raises(InvalidInput, match="agree"):
        score_start_back([False] * 7, 2)


BASE = {"pain_now": 4, "duration_weeks": 8}


def test_profile_derivations() -> None:
    flex = make_profile(BASE | {"aggravators": ["sitting", "bending"]})
    assert flex.flexion_intolerant and flex.directional_preference == "extension"
    assert "flexion_intolerant" in flex.planning_conditions
    ext = make_profile(BASE | {"aggravators": ["standing", "arching"]})
    assert ext.extension_intolerant and ext.directional_preference == "flexion"
    assert make_profile(BASE | {"duration_weeks": 3}).duration_class == DurationClass.ACUTE
    assert make_profile(BASE | {"duration_weeks": 10}).duration_class == DurationClass.SUBACUTE
    assert make_profile(BASE | {"duration_weeks": 13}).duration_class == DurationClass.CHRONIC
    assert make_profile(BASE | {"duration_weeks": 3}).start_level == 1
    assert make_profile(BASE | {"conditions": ["osteoporosis"]}).start_level == 1


def test_profile_round_trips() -> None:
    profile = make_profile(
        BASE | {"aggravators": ["sitting"], "goals": ["core_strength"], "age": 55}
    )
    assert make_profile(profile_to_dict(profile)) == profile


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pain_now": 11}, "pain_now"),
        ({"pain_now": "a lot"}, "pain_now"),
        ({"duration_weeks": -1}, "duration_weeks"),
        ({"aggravators": ["jumping"]}, "aggravators"),
        ({"leg_symptoms": "foot"}, "leg_symptoms"),
        ({"minutes_per_day": 30}, "minutes_per_day"),
        ({"conditions": ["flu"]}, "conditions"),
        ({"colour": "blue"}, "unknown field"),
        ({"rmdq": [True]}, "rmdq"),
    ],
)
def test_profile_errors_name_the_field(change, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=field):
        make_profile(BASE | change)


def test_missing_required_field() -> None:
    with pytest.raises(InvalidInput, match="duration_weeks: missing"):
        make_profile({"pain_now": 3})
