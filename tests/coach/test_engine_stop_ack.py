"""``wait_for_stop_ack``: after "stop this exercise" the engine freezes every timer until the
person acknowledges the message, so the next exercise never counts down under it."""

from __future__ import annotations

from tests.coach.helpers import LIBRARY, STATIC, TEMPO, drive, make_plan

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.engine import EngineOptions, SessionEngine
from spinecoach.coach.sink import MemorySink


def test_stop_message_freezes_the_session_until_acknowledged(rules) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    sink = MemorySink()
    engine = SessionEngine(make_plan(TEMPO, STATIC), LIBRARY, rules, clock=clock, sink=sink,
                           options=EngineOptions(wait_for_stop_ack=True))  # fmt: skip
    engine.start()
    engine.report_pain(2)
    drive(engine, clock, 20.0)
    engine.report_symptoms({"sharp_pain"})
    state = engine.state()
    assert state["status"] == "awaiting_acknowledgement"
    assert state["awaiting"] == "acknowledge_stop"
    assert str(state["stop_notice"]).startswith("Stop this exercise. Sharp pain")
    assert state["countdown_s"] is None
    frozen_t = state["t_s"]
    step = state["step"]
    assert drive(engine, clock, 200.0) == []  # minutes pass: nothing is said, nothing moves
    engine.resume()  # a plain resume does not dismiss it
    after = engine.state()
    assert after["t_s"] == frozen_t and after["step"] == step and after["stop_notice"]
    assert [r.exercise_id for r in sink.results] == ["cat_cow"]

    engine.acknowledge_stop()
    assert engine.state()["stop_notice"] is None and engine.state()["awaiting"] is None
    drive(engine, clock, 600.0)
    assert [r.exercise_id for r in sink.results] == ["cat_cow", "static_stretch"]
    assert sink.summaries[0].status == "completed"


def test_without_the_option_the_engine_moves_on_as_before(rules) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    engine = SessionEngine(make_plan(TEMPO, STATIC), LIBRARY, rules, clock=clock)
    engine.start()
    engine.report_pain(2)
    drive(engine, clock, 20.0)
    engine.report_symptoms({"sharp_pain"})
    assert engine.state()["stop_notice"] is None and engine.state()["status"] == "running"


def test_going_back_to_the_last_tolerated_exercise_also_waits(library, rules) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from spinecoach.domain.plan import Plan, PlanItem

    ids = ["diaphragmatic_breathing", "standing_extension", "prone_press_up"]
    items = tuple(
        PlanItem(i, library.get(i).name, library.get(i).section, library.get(i).dose, "test")
        for i in ids
    )
    plan = Plan(items, 2, datetime(2026, 1, 5, tzinfo=UTC), metadata={"checkin_after": "none"})
    clock = FakeClock()
    engine = SessionEngine(plan, library, rules, clock=clock,
                           options=EngineOptions(wait_for_stop_ack=True))  # fmt: skip
    engine.start()
    engine.report_pain(2)
    t = 0.0
    while engine.state()["step"]["exercise_id"] != "standing_extension":  # type: ignore[index]
        t += 1.0
        drive(engine, clock, t, pain=None)
    engine.report_symptoms({"peripheralisation"})
    notice = str(engine.state()["stop_notice"])
    assert notice.startswith("Stop this exercise.") and "back to Diaphragmatic breathing" in notice
    assert drive(engine, clock, t + 120.0) == []  # waits
    engine.acknowledge_stop()
    assert engine.state()["step"]["exercise_id"] == "diaphragmatic_breathing"  # type: ignore[index]
