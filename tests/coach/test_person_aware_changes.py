"""Issue 10 §2 in a session: regression with the planner's filter, spreading leg pain, cautions.

Real library exercises and plans made by the planner for the example people.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.coach.helpers import drive

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.cues import CueKind
from spinecoach.coach.engine import SessionEngine
from spinecoach.coach.sink import MemorySink
from spinecoach.domain.intake import make_profile
from spinecoach.domain.plan import Plan, PlanItem
from spinecoach.domain.planning import generate_plan

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str):  # type: ignore[no-untyped-def]
    return make_profile(json.loads((EXAMPLES / f"profile_{name}.json").read_text()))


def plan_of(library, ids, conditions, level=1):  # type: ignore[no-untyped-def]
    items = tuple(
        PlanItem(i, library.get(i).name, library.get(i).section, library.get(i).dose, "test")
        for i in ids
    )
    return Plan(items, level, NOW, conditions=conditions, metadata={"checkin_after": "none"})


def run(plan, library, rules, pain_before=2):  # type: ignore[no-untyped-def]
    clock, sink = FakeClock(), MemorySink()
    engine = SessionEngine(plan, library, rules, clock=clock, sink=sink)
    engine.start()
    engine.report_pain(pain_before)
    return engine, clock, sink


def current_id(engine) -> str | None:  # type: ignore[no-untyped-def]
    step = engine.state()["step"]
    return None if step is None else step.get("exercise_id")


def test_after_a_discectomy_bird_dog_regresses_in_session_to_drawing_in_not_dead_bug(
    library, rules
) -> None:  # type: ignore[no-untyped-def]
    person = example("after_discectomy_6_weeks")
    plan = plan_of(library, ["bird_dog", "slow_walking"], person.planning_conditions)
    engine, clock, sink = run(plan, library, rules)
    drive(engine, clock, 40.0, pain=None)
    assert current_id(engine) == "bird_dog"
    engine.report_pain(4)  # +2: make it easier
    assert current_id(engine) == "drawing_in"
    assert sink.results[0].replaced_by == "drawing_in"


def test_in_session_regression_never_swaps_in_a_contraindicated_exercise(library, rules) -> None:  # type: ignore[no-untyped-def]
    person = make_profile({"pain_now": 2, "duration_weeks": 20, "pregnancy_weeks": 24})
    plan = plan_of(library, ["standing_extension", "slow_walking"], person.planning_conditions, 2)
    engine, clock, sink = run(plan, library, rules)
    drive(engine, clock, 30.0, pain=None)
    assert current_id(engine) == "standing_extension"
    engine.report_pain(4)
    # prone press-up is left out in pregnancy: no easier version, on to the next exercise
    assert sink.results[0].replaced_by is None
    assert sink.results[0].stop_action == "stop_exercise"
    assert current_id(engine) == "slow_walking"


def test_spreading_leg_pain_goes_back_to_the_last_tolerated_exercise(library, rules) -> None:  # type: ignore[no-untyped-def]
    person = make_profile({"pain_now": 3, "duration_weeks": 20})
    plan = plan_of(
        library, ["diaphragmatic_breathing", "standing_extension", "prone_press_up"],
        person.planning_conditions, 2,
    )  # fmt: skip
    engine, clock, sink = run(plan, library, rules)
    t = 0.0
    while current_id(engine) != "standing_extension":
        t += 1.0
        drive(engine, clock, t, pain=None)
    cues = engine.report_symptoms({"peripheralisation"})
    said = " ".join(c.text for c in cues if c.kind is CueKind.SAFETY)
    assert "go back to Diaphragmatic breathing" in said
    assert current_id(engine) == "diaphragmatic_breathing"
    drive(engine, clock, t + 600.0, pain=2)
    done = [r.exercise_id for r in sink.results]
    # never on to the next exercise in the same direction
    assert "prone_press_up" not in done
    assert done == ["diaphragmatic_breathing", "standing_extension", "diaphragmatic_breathing"]
    assert engine.finished and engine.pain_after == 2  # the closing check-in still happened


def test_spreading_leg_pain_in_the_first_exercise_ends_the_movement_part(library, rules) -> None:  # type: ignore[no-untyped-def]
    person = make_profile({"pain_now": 3, "duration_weeks": 20})
    plan = plan_of(library, ["standing_extension", "prone_press_up"], person.planning_conditions, 2)
    engine, clock, sink = run(plan, library, rules)
    drive(engine, clock, 30.0, pain=None)
    assert current_id(engine) == "standing_extension"
    cues = engine.report_symptoms({"below_knee"})
    assert any("end the exercises for today" in c.text for c in cues)
    assert engine.state()["awaiting"] == "pain"  # the closing check-in
    engine.report_pain(3)
    assert engine.finished
    assert [r.exercise_id for r in sink.results] == ["standing_extension"]


def test_cautions_are_spoken_and_shown_when_the_exercise_starts(library, rules) -> None:  # type: ignore[no-untyped-def]
    person = example("pregnant_22_weeks")
    plan = generate_plan(person, library, [], NOW)
    engine, clock, _ = run(plan, library, rules)
    said = [c.text for c in drive(engine, clock, 2000.0, pain=2)]
    instruction = {c for c in said if c.startswith("Take care:") or "Take care:" in c}
    bird_dog = next(c for c in said if c.startswith("Bird dog."))
    assert "Take care: Keep your back level" in bird_dog
    pelvic_tilt = next(c for c in instruction if c.startswith("Pelvic tilt"))
    assert "standing with your back against a wall" in pelvic_tilt
