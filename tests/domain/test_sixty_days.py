"""60 simulated days of sessions and check-ins keep every invariant, every day (issue 10 §2)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.domain.sixty_days import DAY_KINDS, has_stability, problems, simulate

from spinecoach.domain.intake import KNOWN_AGGRAVATORS, KNOWN_CONDITIONS, KNOWN_GOALS, make_profile

profiles = st.fixed_dictionaries(
    {
        "pain_now": st.integers(0, 9),
        "pain_average": st.integers(0, 9),
        "duration_weeks": st.integers(0, 200),
        "aggravators": st.lists(st.sampled_from(sorted(KNOWN_AGGRAVATORS - {"none"})), max_size=3),
        "leg_symptoms": st.sampled_from(["none", "above_knee", "below_knee"]),
        "age": st.integers(16, 95),
        "activity_level": st.sampled_from(["low", "moderate", "high"]),
        "goals": st.lists(st.sampled_from(sorted(KNOWN_GOALS)), min_size=1, max_size=3),
        "minutes_per_day": st.integers(5, 15),
        "conditions": st.lists(st.sampled_from(sorted(KNOWN_CONDITIONS)), max_size=3),
    },
    optional={
        "pregnancy_weeks": st.integers(4, 40),
        "weeks_since_surgery": st.integers(2, 60),
    },
)
# mostly good days, with bad days, flare-ups, spreading leg pain and rare neurological days
days = st.lists(
    st.sampled_from(DAY_KINDS[:1] * 6 + DAY_KINDS[1:2] * 2 + DAY_KINDS[2:4] + DAY_KINDS[4:]),
    min_size=60,
    max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=profiles, kinds=days)
def test_sixty_days_keep_every_invariant(library, rules, answers, kinds) -> None:  # type: ignore[no-untyped-def]
    profile = make_profile(answers)
    first_has_stability = None
    for day in simulate(profile, kinds, library, rules):
        assert not problems(day.plan, profile, library, rules), (day.n, day.kind)
        if first_has_stability is None:
            first_has_stability = has_stability(day.plan)
        elif first_has_stability and not day.plan.paused:
            assert has_stability(day.plan), (day.n, day.kind, day.plan.exercise_ids)


SIX = ("pregnant_22_weeks", "stenosis_68", "gymnast_spondylolisthesis", "acute_sciatica_pain8",
       "desk_worker_pain3", "after_discectomy_6_weeks")  # fmt: skip


@pytest.mark.parametrize("name", SIX)
def test_the_six_example_people_over_sixty_days(library, rules, name) -> None:  # type: ignore[no-untyped-def]
    import json
    from pathlib import Path

    from tests.domain.sixty_days import SCHEDULE, summary_lines

    examples = Path(__file__).resolve().parents[2] / "examples"
    profile = make_profile(json.loads((examples / f"profile_{name}.json").read_text()))
    days = list(simulate(profile, SCHEDULE, library, rules))
    assert all(not problems(d.plan, profile, library, rules) for d in days)
    paused = [d.n for d in days if d.plan.paused]
    assert paused == list(range(40, 47))  # the neurological day pauses; a review resumes
    assert days[-1].plan.level == profile.start_level
    assert summary_lines(profile, library, rules)[-1] == "paused: days 40-46; broken invariants: 0"
