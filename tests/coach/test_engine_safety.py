"""Every stop-rule path: continue, regress, stop exercise, end session, urgent care."""

from __future__ import annotations

import pytest
from tests.coach.helpers import (
    ISOMETRIC,
    LIBRARY,
    STATIC,
    TEMPO,
    drive,
    make_plan,
    one_step_instructions,
    timeline,
)

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.engine import SessionEngine
from spinecoach.coach.sink import MemorySink
from spinecoach.errors import InvalidInput


def start(rules, *exercises, pain_before=2, checkin_after="none"):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    sink = MemorySink()
    plan = make_plan(*exercises, checkin_after=checkin_after)
    engine = SessionEngine(
        plan, LIBRARY, rules, clock=clock, sink=sink, options=one_step_instructions()
    )
    engine.start()
    engine.report_pain(pain_before)
    return engine, clock, sink


def safety(cues):  # type: ignore[no-untyped-def]
    return [text for _, kind, text in timeline(cues) if kind == "safety"]


def test_centralisation_is_shown_and_the_session_continues(rules) -> None:
    engine, clock, sink = start(rules, TEMPO)
    drive(engine, clock, 20.0)
    cues = engine.report_symptoms({"centralisation": True})
    assert safety(cues) == [rules.stop_rule("centralisation").reason]
    assert engine.state()["step"]["exercise_id"] == "cat_cow"
    assert sink.pain[-1].decision.action.value == "continue"


def test_pain_rise_regresses_to_the_first_regression(rules) -> None:
    engine, clock, sink = start(rules, STATIC, TEMPO, pain_before=2)
    drive(engine, clock, 25.0)
    cues = engine.report_pain(4)  # +2 within the limit
    (said,) = safety(cues)
    assert said.startswith("Let's switch to an easier version: Easy Breathing.")
    assert "Pain rose from 2 to 4/10" in said
    assert engine.state()["step"]["exercise_id"] == "easy_breathing"
    first = sink.results[0]
    assert first.exercise_id == "static_stretch" and first.stop_action == "regress"
    assert first.replaced_by == "easy_breathing" and not first.completed
    assert first.pain_during == 4
    drive(engine, clock, 400.0)
    assert [r.exercise_id for r in sink.results] == ["static_stretch", "easy_breathing", "cat_cow"]
    assert sink.summaries[0].status == "completed"


def test_regress_without_an_easier_version_stops_the_exercise(rules) -> None:
    engine, clock, sink = start(rules, TEMPO, ISOMETRIC, pain_before=1)
    drive(engine, clock, 20.0)
    cues = engine.report_pain(3)
    (said,) = safety(cues)
    assert "There is no easier version" in said
    assert sink.results[0].stop_action == "stop_exercise"
    assert engine.state()["step"]["exercise_id"] == "side_bridge"


@pytest.mark.parametrize("report", [{"pain": 7}, {"symptoms": {"sharp_pain"}}])
def test_stop_exercise_moves_to_the_next_one(rules, report) -> None:  # type: ignore[no-untyped-def]
    engine, clock, sink = start(rules, TEMPO, ISOMETRIC, pain_before=2)
    drive(engine, clock, 20.0)
    if "pain" in report:
        cues = engine.report_pain(report["pain"])
    else:
        cues = engine.report_symptoms(report["symptoms"])
    (said,) = safety(cues)
    assert said.startswith("Stop this exercise.")
    assert sink.results[0].stop_action == "stop_exercise" and not sink.results[0].completed
    state = engine.state()
    assert state["step"]["exercise_id"] == "side_bridge" and state["step"]["kind"] == "instruction"
    drive(engine, clock, 500.0)
    assert sink.summaries[0].status == "completed"


@pytest.mark.parametrize("symptom", ["numbness", "weakness"])
def test_neurological_signs_end_the_session(rules, symptom: str) -> None:
    engine, clock, sink = start(rules, TEMPO, ISOMETRIC)
    drive(engine, clock, 20.0)
    cues = engine.report_symptoms([symptom])
    (said,) = safety(cues)
    assert said.startswith("We'll end today's session here.")
    assert rules.stop_rule(symptom).reason in said
    assert engine.finished and sink.summaries[0].status == "stopped"
    assert sink.summaries[0].seek_care == rules.stop_rule(symptom).seek_care.value
    assert sink.results[0].stop_action == "end_session"
    assert engine.tick() == [] and engine.state()["step"] is None


@pytest.mark.parametrize("symptom", ["bladder_bowel_change", "saddle_numbness", "both_legs"])
def test_cauda_equina_signs_send_to_urgent_care(rules, symptom: str) -> None:
    engine, clock, sink = start(rules, STATIC)
    drive(engine, clock, 25.0)
    cues = engine.report_symptoms({symptom: True, "numbness": False})
    (said,) = safety(cues)
    assert said.startswith("Stop now.") and rules.stop_rule(symptom).reason in said
    assert engine.finished and engine.status == "urgent_care"
    assert sink.summaries[0].seek_care == "emergency"
    assert sink.results[0].stop_action == "urgent_care"


def test_urgent_care_at_any_moment_even_before_exercise(rules) -> None:
    engine, clock, sink = start(rules, STATIC)
    drive(engine, clock, 3.0)  # during set-up
    cues = engine.report_symptoms({"saddle_numbness"})
    assert safety(cues) and engine.status == "urgent_care" and sink.results == []


def test_pain_above_limit_before_starting_keeps_it_gentle_not_refused(rules) -> None:
    """Pain 7 at the start: the session runs, and pain must not rise above 7 (issue 10)."""
    clock = FakeClock()
    sink = MemorySink()
    engine = SessionEngine(make_plan(STATIC, TEMPO), LIBRARY, rules, clock=clock, sink=sink)
    engine.start()
    engine.report_pain(7)
    assert not engine.finished
    assert "stop if pain rises above 7/10" in sink.pain[-1].decision.reasons[0]
    drive(engine, clock, 20.0, pain=None)
    cues = engine.report_pain(7)  # no worse than at the start: carry on
    assert not safety(cues) and not engine.finished
    cues = engine.report_pain(8)  # worse than at the start: stop this exercise
    assert safety(cues)[0].startswith("Stop this exercise.")


def test_after_exercise_check_in_records_the_decision(rules) -> None:
    engine, clock, sink = start(rules, TEMPO, ISOMETRIC, pain_before=1, checkin_after="each")
    drive(engine, clock, 36.5, pain=None)  # cat-cow ends at 36 s, then its check-in
    assert engine.state()["awaiting"] == "pain"
    assert sink.results == []  # the result is written once the check-in is answered
    engine.report_pain(3)
    (first,) = sink.results
    assert first.completed and first.pain_during == 3 and first.stop_action == "regress"
    assert engine.state()["step"]["exercise_id"] == "side_bridge"


def test_check_in_without_answer_times_out(rules) -> None:
    clock = FakeClock()
    engine = SessionEngine(make_plan(TEMPO), LIBRARY, rules, clock=clock)
    engine.start()
    drive(engine, clock, 29.0, pain=None)
    assert engine.state()["awaiting"] == "pain"
    drive(engine, clock, 31.0, pain=None)
    assert engine.state()["step"]["kind"] == "setup" and engine.pain_before is None


def test_bad_reports_are_refused(rules) -> None:
    engine, _, _ = start(rules, TEMPO)
    with pytest.raises(InvalidInput, match="pain"):
        engine.report_pain(11)
    with pytest.raises(InvalidInput, match="symptoms"):
        engine.report_symptoms({"hiccups"})


def test_skip_stop_pause_resume(rules) -> None:
    engine, clock, sink = start(rules, TEMPO, ISOMETRIC)
    engine.skip()  # skips the set-up
    assert engine.state()["step"]["kind"] == "instruction"
    clock.set(2.0)
    engine.skip()  # skips cat-cow
    assert sink.results[0].stop_action == "skipped"
    assert engine.state()["step"]["exercise_id"] == "side_bridge"
    drive(engine, clock, 5.0)
    engine.pause()
    clock.set(100.0)
    assert engine.tick() == [] and engine.state()["status"] == "paused"
    engine.resume()
    state = engine.state()  # the 100 s paused do not count; instructions have no countdown
    assert state["t_s"] == pytest.approx(5.0) and state["countdown_s"] is None
    engine.stop()
    assert engine.finished and sink.summaries[0].status == "stopped"
    assert sink.results[-1].stop_action == "stopped"


def test_a_session_whose_every_exercise_was_skipped_ends_as_skipped(rules) -> None:  # type: ignore[no-untyped-def]
    """``_final_status`` reports what happened: nothing done is not 'completed'."""
    engine, clock, sink = start(rules, STATIC)
    for _ in range(10_000):
        if engine.finished:
            break
        if engine.state()["awaiting"] == "pain":
            engine.report_pain(2)
        elif engine.current_exercise is not None:
            engine.skip()
        clock.advance(0.5)
        engine.tick()
    assert [r.completed for r in engine.results] == [False]
    assert engine.status == "skipped" and sink.summaries[0].status == "skipped"
