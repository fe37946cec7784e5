"""60 simulated days of sessions and check-ins keep every invariant, every day (issue 10 §2)."""

from __future__ import annotations

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
