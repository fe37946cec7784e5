"""Cue timelines on the clock alone (no sensor), with a fake clock."""

from __future__ import annotations

import pytest
from tests.coach.helpers import (
    ISOMETRIC,
    LIBRARY,
    PNF,
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

SETUP = "Set up: clear a space, have a firm chair and a mat nearby."
BEFORE = "Before we start: how is your back pain right now, from 0 to 10?"
END = "We're done. How is your back pain now, from 0 to 10?"


def run(rules, *exercises, dt_s=0.1, options=None):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    sink = MemorySink()
    engine = SessionEngine(
        make_plan(*exercises), LIBRARY, rules, clock=clock, sink=sink,
        options=options or one_step_instructions(),
    )  # fmt: skip
    cues = engine.start()
    cues += drive(engine, clock, 1000.0, dt_s=dt_s)
    return engine, sink, timeline(cues)


def test_static_stretch_timeline(rules) -> None:
    from spinecoach.coach.engine import EngineOptions

    engine, sink, cues = run(rules, STATIC, options=EngineOptions())
    # pain before answered at 0.1 s; set-up 10 s; the instructions said one short line at a
    # time (3 s each at least: name, then each step); lean 3 s; hold 30 s; return 3 s; pain
    assert cues == [
        (0.0, "instruction", BEFORE),
        (0.1, "instruction", "Thank you. Carry on."),
        (0.1, "instruction", SETUP),
        (10.1, "instruction", "Static Stretch."),
        (13.1, "instruction", "Start position."),
        (16.1, "instruction", "Move slowly."),
        (19.1, "breath", "Breathe out and lean over."),
        (22.1, "instruction", "Hold for 30 seconds, breathing slowly."),
        (37.1, "encouragement", "Halfway: 15 seconds to go. Keep breathing."),
        (49.1, "count", "3"),
        (50.1, "count", "2"),
        (51.1, "count", "1"),
        (52.1, "breath", "Breathe in and come back up."),
        (55.1, "instruction", END),
        (55.1, "instruction", "Thank you. Carry on."),
        (55.1, "instruction", "Session complete: 1 of 1 exercises done. Well done."),
    ]
    (result,) = sink.results
    assert result.completed and result.reps_done == 1 and result.hold_times_s == (30.0,)
    assert sink.summaries[0].status == "completed"
    assert sink.summaries[0].pain_before == 2 and sink.summaries[0].pain_after == 2


def test_instructions_are_short_lines_said_in_turn_while_getting_into_position(
    rules, library
) -> None:  # type: ignore[no-untyped-def]
    """A real exercise's 5 steps are not one paragraph under a countdown: one line at a time,
    each given the time it takes to say it (2.5 words/s), shown as the step text."""
    from spinecoach.coach.timeline import TimelineOptions, exercise_steps

    exercise = library.get("cat_cow")
    steps = exercise_steps(
        exercise, exercise.dose, 0, sensor=False, options=TimelineOptions(), checkin_after=False
    )
    lines = [s for s in steps if s.kind.value == "instruction"]
    assert [s.text for s in lines] == ["Cat-cow with breath.", *exercise.steps]
    for s in lines:
        assert len(s.text.split()) <= 25
        assert s.duration_s >= max(3.0, len(s.text.split()) / 2.5) - 1e-9
    assert [(s.rep, s.reps) for s in lines] == [(n, len(lines)) for n in range(1, len(lines) + 1)]
    clock = FakeClock()
    engine = SessionEngine(make_plan(TEMPO), LIBRARY, rules, clock=clock, sink=MemorySink())
    engine.start()
    engine.report_pain(1)
    drive(engine, clock, 10.5)
    state = engine.state()
    assert state["step"]["kind"] == "instruction" and state["countdown_s"] is None


def test_pnf_timeline_has_exact_phase_timings(rules) -> None:
    _, sink, cues = run(rules, PNF)
    starts = [(t, text) for t, kind, text in cues if kind in ("instruction", "breath")]
    t0 = 18.1  # after check-in, set-up and instructions
    expected = [
        (t0, "Ease into the stretch until you feel gentle tension. Breathe easily."),
        (
            t0 + 20,
            "Now gently push against the stretch at about 30% effort. Keep breathing; "
            "don't hold your breath.",
        ),
        (t0 + 26, "Relax completely and breathe out."),
        (t0 + 29, "Breathe out and ease a little deeper into the stretch. Hold it there."),
        (t0 + 49, "Relax for 5 seconds."),
        (t0 + 54, "Ease into the stretch until you feel gentle tension. Breathe easily."),
        (
            t0 + 74,
            "Now gently push against the stretch at about 30% effort. Keep breathing; "
            "don't hold your breath.",
        ),
        (t0 + 80, "Relax completely and breathe out."),
        (t0 + 83, "Breathe out and ease a little deeper into the stretch. Hold it there."),
        (t0 + 103, END),
    ]
    got = [
        (round(t, 3), text)
        for t, text in starts
        if t >= t0 and "Session" not in text and "Thank" not in text
    ]
    assert got == [(round(t, 3), text) for t, text in expected]
    counts = [(t, text) for t, kind, text in cues if kind == "count"]
    assert (round(t0, 3), "Round 1 of 2.") in counts and (
        round(t0 + 54, 3),
        "Round 2 of 2.",
    ) in counts
    # 3-2-1 before the end of the contraction
    assert [(round(t0 + 23 + k, 3), str(3 - k)) for k in range(3)] == [
        c for c in counts if t0 + 22 < c[0] < t0 + 26
    ]
    assert sink.results[0].completed and sink.results[0].reps_done == 2


def test_tempo_paced_mobility_drill(rules) -> None:
    _, sink, cues = run(rules, TEMPO)
    t0 = 18.1
    paced = [(t, kind, text) for t, kind, text in cues if t0 <= t < t0 + 18]
    assert paced == [
        (t0, "count", "Repetition 1 of 3."),
        (t0, "breath", "Breathe out and round your back."),
        (t0 + 3, "breath", "Breathe in and let your back dip."),
        (t0 + 6, "count", "Repetition 2 of 3."),
        (t0 + 6, "breath", "Breathe out and round your back."),
        (t0 + 9, "breath", "Breathe in and let your back dip."),
        (t0 + 12, "count", "Repetition 3 of 3."),
        (t0 + 12, "breath", "Breathe out and round your back."),
        (t0 + 15, "breath", "Breathe in and let your back dip."),
    ]
    assert sink.results[0].reps_done == 3 and sink.results[0].completed


def test_isometric_hold_with_rests(rules) -> None:
    _, sink, cues = run(rules, ISOMETRIC)
    t0 = 18.1
    body = [(t, kind, text) for t, kind, text in cues if t0 <= t < t0 + 30]
    assert body == [
        (t0, "count", "Repetition 1 of 2."),
        (t0, "instruction", "Hold for 10 seconds, breathing slowly."),
        (t0 + 7, "count", "3"),
        (t0 + 8, "count", "2"),
        (t0 + 9, "count", "1"),
        (t0 + 10, "instruction", "Relax for 10 seconds."),
        (t0 + 17, "count", "3"),
        (t0 + 18, "count", "2"),
        (t0 + 19, "count", "1"),
        (t0 + 20, "count", "Repetition 2 of 2."),
        (t0 + 20, "instruction", "Hold for 10 seconds, breathing slowly."),
        (t0 + 27, "count", "3"),
        (t0 + 28, "count", "2"),
        (t0 + 29, "count", "1"),
    ]
    assert sink.results[0].hold_times_s == (10.0, 10.0)


@pytest.mark.parametrize("dt_s", [0.05, 0.7, 5.0])
def test_timeline_does_not_depend_on_tick_rate(rules, dt_s: float) -> None:
    """Coarse or fine ticks give the same cue times (steps end at their exact times)."""
    _, _, fine = run(rules, TEMPO, ISOMETRIC, dt_s=0.1)
    _, _, other = run(rules, TEMPO, ISOMETRIC, dt_s=dt_s)

    # only the check-in answers move (they come at the first tick after the question)
    def body(cues):  # type: ignore[no-untyped-def]
        return [(round(t - cues[2][0], 3), k, x) for t, k, x in cues[2:-3]]

    assert body(fine) == body(other)


def test_state_snapshot_is_json_ready(rules) -> None:
    import json

    clock = FakeClock()
    engine = SessionEngine(make_plan(STATIC), LIBRARY, rules, clock=clock)
    engine.start()
    assert engine.state()["awaiting"] == "pain"
    engine.report_pain(1)
    drive(engine, clock, 30.0)
    state = engine.state()
    json.dumps(state)
    assert state["step"]["kind"] == "hold"
    # instructions said in three 3-s lines (name, two steps): the hold started at 22 s
    assert state["countdown_s"] == pytest.approx(22.0, abs=0.01)
    assert state["breath"] == "natural"
    assert state["exercise_number"] == 1 and state["exercise_count"] == 1
    assert state["reps_target"] == 1
