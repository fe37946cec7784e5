"""Every combination of the intake's equipment answers (mat, chair, towel, foam roller, band;
none at all included), for people with different conditions and daily minutes, gets a full,
properly dosed routine within the daily time, in warm-up -> stretch/stability -> integration
order, with no exercise that needs equipment they have not got — unless its data file says
how to do it without, and then the plan's reason says so."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from spinecoach.content.loader import default_content_dir, load_library
from spinecoach.domain.exercise import ExerciseLibrary, Section
from spinecoach.domain.intake import EQUIPMENT, make_profile, without_equipment
from spinecoach.domain.plan import Plan
from spinecoach.domain.planning import (
    DosingSettings,
    dose_limits,
    generate_plan,
    missing_equipment,
)

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
COMBINATIONS = [
    list(c) for k in range(len(EQUIPMENT) + 1) for c in itertools.combinations(EQUIPMENT, k)
]
PEOPLE = {
    "acute, pain 8": {"pain_now": 8, "pain_average": 7, "duration_weeks": 2},
    "sitting hurts": {
        "pain_now": 4, "pain_average": 4, "duration_weeks": 20, "aggravators": ["sitting"],
    },
    "arching hurts": {
        "pain_now": 4, "pain_average": 4, "duration_weeks": 20,
        "aggravators": ["standing", "arching"],
    },
    "active runner": {
        "pain_now": 2, "pain_average": 2, "duration_weeks": 30, "activity_level": "high",
    },
    "below the knee": {
        "pain_now": 3, "pain_average": 3, "duration_weeks": 20, "leg_symptoms": "below_knee",
    },
    "pregnant 22 weeks": {
        "pain_now": 3, "pain_average": 3, "duration_weeks": 20, "pregnancy_weeks": 22,
    },
    "osteoporosis, 72": {
        "pain_now": 3, "pain_average": 3, "duration_weeks": 20, "age": 72,
        "conditions": ["osteoporosis"],
    },
    "stenosis, 68": {
        "pain_now": 4, "pain_average": 4, "duration_weeks": 30, "age": 68,
        "conditions": ["spinal_stenosis"],
    },
    "6 weeks after surgery": {
        "pain_now": 3, "pain_average": 3, "duration_weeks": 30, "weeks_since_surgery": 6,
    },
}  # fmt: skip
MINUTES = (5, 8, 10, 12, 15)


@pytest.fixture(scope="module")
def library() -> ExerciseLibrary:
    return load_library(default_content_dir())


def _problems(plan: Plan, library: ExerciseLibrary, equipment: list[str], age: int) -> list[str]:
    out = []
    budget = plan.budget_s
    if plan.total_duration_s > budget:
        out.append(f"{plan.total_duration_s:.0f} s over the {budget:.0f} s a day")
    if plan.total_duration_s < 0.65 * budget:
        out.append(f"only {plan.total_duration_s:.0f} s of {budget:.0f} s: not a full routine")
    sections = [i.section for i in plan.items]
    if Section.STABILITY not in sections:
        out.append("no stability exercise")
    # order: warm-ups first, integration last; in one position stretches before stability
    rank = {Section.WARM_UP: 0, Section.STRETCH: 1, Section.STABILITY: 1, Section.INTEGRATION: 2}
    if [rank[s] for s in sections] != sorted(rank[s] for s in sections):
        out.append(f"sections out of order: {[s.value for s in sections]}")
    middle = [i for i in plan.items if rank[i.section] == 1]
    for a, b in itertools.pairwise(middle):
        same_place = library.get(a.exercise_id).position == library.get(b.exercise_id).position
        if same_place and a.section is Section.STABILITY and b.section is Section.STRETCH:
            out.append(f"{b.exercise_id} (stretch) after {a.exercise_id} (stability)")
    ceilings = DosingSettings().ceilings
    for item in plan.items:
        exercise = library.get(item.exercise_id)
        (low, high), holds = dose_limits(exercise, age, ceilings)
        if not low <= item.dose.reps <= high:
            out.append(f"{item.exercise_id}: {item.dose.reps} reps outside {low}-{high}")
        if holds is not None and item.dose.hold_s is not None:
            if not holds[0] <= item.dose.hold_s <= holds[1]:
                out.append(f"{item.exercise_id}: hold {item.dose.hold_s} s outside {holds}")
        for need in exercise.equipment:
            if need in equipment:
                continue
            notes = [
                c.note
                for c in exercise.contraindications
                if c.level == "caution" and c.condition == without_equipment(need)
            ]
            if not notes:
                out.append(f"{item.exercise_id} needs {need}, which they have not got")
            elif notes[0].rstrip(".") not in item.reason:
                out.append(f"{item.exercise_id}: no note on doing it without {need}")
    return out


@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_every_equipment_answer_gets_a_full_routine_in_order(
    person: str, library: ExerciseLibrary
) -> None:
    failures = []
    for minutes, equipment in itertools.product(MINUTES, COMBINATIONS):
        answers = {**PEOPLE[person], "minutes_per_day": minutes, "equipment": equipment}
        profile = make_profile(answers)
        plan = generate_plan(profile, library, now=NOW, new_intake=True)
        for problem in _problems(plan, library, equipment, profile.age):
            failures.append(f"{minutes} min, {equipment or 'nothing'}: {problem}")
    assert not failures, "\n".join(failures[:20])


def test_with_no_equipment_a_full_routine_on_the_floor_with_the_note(
    library: ExerciseLibrary,
) -> None:
    """Today (before issue 14's fix) a person with nothing got two standing warm-ups (2
    minutes, no stability work). Now: the same routine as with a mat, done on a carpet, a rug
    or a firm bed, each floor exercise saying so, and the plan saying why."""
    answers = {**PEOPLE["below the knee"], "minutes_per_day": 8, "equipment": []}
    profile = make_profile(answers)
    plan = generate_plan(profile, library, now=NOW, new_intake=True)
    with_mat = generate_plan(
        make_profile({**answers, "equipment": ["mat"]}), library, now=NOW, new_intake=True
    )
    assert plan.exercise_ids == with_mat.exercise_ids
    assert 5 * 60 <= plan.total_duration_s <= 8 * 60
    assert {i.section for i in plan.items} >= {Section.WARM_UP, Section.STABILITY}
    floor = [i for i in plan.items if library.get(i.exercise_id).position.value != "standing"]
    assert floor
    for item in floor:
        assert "You have no mat:" in item.reason, item.reason
        assert "carpet" in item.reason or "bed" in item.reason, item.reason
    reasons = " ".join(plan.reasons)
    assert "Without an exercise mat" in reasons and "firm bed" in reasons
    assert "Exercises that need a firm chair are left out" in reasons  # seated work
    runner = make_profile({**PEOPLE["active runner"], "equipment": []})  # level 3
    reasons = " ".join(generate_plan(runner, library, now=NOW, new_intake=True).reasons)
    assert "a firm chair, a foam roller and a resistance band are left out" in reasons
    # nothing stands in for a foam roller or a band
    for exercise_id in ("foam_roll_paraspinals", "band_cat_cow"):
        assert missing_equipment(library.get(exercise_id), profile.planning_conditions)
    # the note is also what the session says when the exercise starts
    from spinecoach.domain.planning import cautions_for_person

    notes = cautions_for_person(library.get(floor[0].exercise_id), plan.conditions)
    assert any(n.startswith("You have no mat:") for n in notes)


def test_a_towel_stands_in_only_where_the_file_says(library: ExerciseLibrary) -> None:
    conditions = make_profile(
        {"pain_now": 2, "pain_average": 2, "duration_weeks": 30, "equipment": ["mat"]}
    ).planning_conditions
    assert not missing_equipment(library.get("hamstring_stretch"), conditions)
    notes = [
        c.note
        for c in library.get("hamstring_stretch").cautions_for(conditions)
        if c.condition == "without_towel"
    ]
    assert notes and "belt" in notes[0]
    # a chair has no stand-in: seated work is left out without one
    no_chair = make_profile(
        {"pain_now": 2, "pain_average": 2, "duration_weeks": 30, "equipment": []}
    ).planning_conditions
    assert missing_equipment(library.get("sit_to_stand"), no_chair) == ["chair"]
