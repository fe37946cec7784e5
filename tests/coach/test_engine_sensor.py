"""Sensor-steered sessions: measured repetitions, gated holds, form cues, lost tracking."""

from __future__ import annotations

from tests.coach.helpers import (
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
from spinecoach.motion.types import EventKind, FormFlag, Hold, MotionEvent, Repetition


def start(rules, *exercises):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    sink = MemorySink()
    engine = SessionEngine(
        make_plan(*exercises),
        LIBRARY,
        rules,
        clock=clock,
        sink=sink,
        sensor=True,
        options=one_step_instructions(),
    )
    engine.start()
    engine.report_pain(2)
    return engine, clock, sink


def rep_event(t_s: float, range_deg: float = 30.0) -> MotionEvent:
    return MotionEvent(
        t_s, EventKind.REPETITION, Repetition(t_s - 5.0, t_s - 2.5, t_s, range_deg, range_deg)
    )


def test_repetitions_count_only_when_measured(rules) -> None:
    engine, clock, sink = start(rules, TEMPO)
    drive(engine, clock, 40.0)  # instructions end at 18 s; no movement measured since
    state = engine.state()
    assert state["step"]["kind"] == "reps" and state["reps_done"] == 0
    cues = []
    for n, t in enumerate((42.0, 48.5, 55.0)):
        clock.set(t)
        cues += engine.tick()
        cues += engine.on_motion_event(rep_event(t, 25.0 + n))
    counts = [(t, text) for t, kind, text in timeline(cues) if kind == "count"]
    assert counts == [(42.0, "1"), (48.5, "2"), (55.0, "3")]
    assert (48.5, "encouragement", "Last one.") in timeline(cues)
    (result,) = sink.results  # the set ended at the third measured repetition
    assert result.reps_done == 3 and result.completed
    assert result.ranges_deg == (25.0, 26.0, 27.0)
    assert result.tempo["rep_durations_s"] == [5.0, 5.0, 5.0]
    assert result.tracking["measured"] is True


def test_tempo_pacing_restarts_with_each_measured_repetition(rules) -> None:
    engine, clock, _ = start(rules, TEMPO)
    cues = drive(engine, clock, 20.0)
    clock.set(20.0)
    cues = engine.on_motion_event(rep_event(20.0))
    cues += drive(engine, clock, 24.0)
    breath = [(t, text) for t, kind, text in timeline(cues) if kind == "breath"]
    assert breath == [
        (20.0, "Breathe out and round your back."),
        (23.0, "Breathe in and let your back dip."),
    ]


def test_measured_set_times_out_with_what_was_measured(rules) -> None:
    engine, clock, sink = start(rules, TEMPO)
    drive(engine, clock, 30.0)
    engine.on_motion_event(rep_event(30.0))
    drive(engine, clock, 200.0, pain=None)
    (result,) = sink.results
    assert result.reps_done == 1 and not result.completed


def test_hold_runs_only_while_held(rules) -> None:
    engine, clock, sink = start(rules, STATIC)
    cues = drive(engine, clock, 30.0)  # lean ends at 21 s; hold waits for the sensor
    assert engine.state()["step"]["kind"] == "hold"
    assert engine.state()["countdown_s"] == 30.0
    assert any("Move into the position" in text for _, _, text in timeline(cues))
    engine.on_motion_event(MotionEvent(30.0, EventKind.HOLD_STARTED))
    drive(engine, clock, 40.0)
    assert engine.state()["countdown_s"] == 20.0
    clock.set(40.0)
    cues = engine.on_motion_event(MotionEvent(40.0, EventKind.HOLD_ENDED, Hold(30, 40, 20, 1)))
    assert timeline(cues) == [
        (40.0, "form", "Come back into the position to keep the timer running.")
    ]
    drive(engine, clock, 45.0)
    assert engine.state()["countdown_s"] == 20.0  # paused while out of position
    engine.on_motion_event(MotionEvent(45.0, EventKind.HOLD_STARTED))
    cues = drive(engine, clock, 70.0)
    # 20 s left from 45 s: the hold ends at 65 s, counted 3-2-1 at 62, 63, 64
    assert [(t, text) for t, kind, text in timeline(cues) if kind == "count"] == [
        (62.0, "3"),
        (63.0, "2"),
        (64.0, "1"),
    ]
    assert (65.0, "breath", "Breathe in and come back up.") in timeline(cues)
    drive(engine, clock, 100.0)
    (result,) = sink.results
    assert result.hold_times_s == (30.0,) and result.completed


def test_hold_never_reached_is_recorded_short(rules) -> None:
    engine, clock, sink = start(rules, STATIC)
    drive(engine, clock, 30.0)
    engine.on_motion_event(MotionEvent(30.0, EventKind.HOLD_STARTED))
    clock.set(35.0)
    engine.on_motion_event(MotionEvent(35.0, EventKind.HOLD_ENDED))
    drive(engine, clock, 300.0)
    (result,) = sink.results
    assert result.hold_times_s == (5.0,)
    assert result.reps_done == 0 and not result.completed


def test_form_cues_come_from_common_errors_and_are_rate_limited(rules) -> None:
    engine, clock, sink = start(rules, TEMPO)
    drive(engine, clock, 20.0)
    flag = FormFlag(20.0, "too_fast", "analyser wording")
    cues = engine.on_motion_event(MotionEvent(20.0, EventKind.FORM, flag))
    clock.set(21.0)
    cues += engine.on_motion_event(
        MotionEvent(21.0, EventKind.FORM, FormFlag(21.0, "too_fast", ""))
    )
    clock.set(21.5)
    unknown = FormFlag(21.5, "lateral_lean", "Keep your shoulders level.")
    cues += engine.on_motion_event(MotionEvent(21.5, EventKind.FORM, unknown))
    clock.set(26.0)
    cues += engine.on_motion_event(MotionEvent(26.0, EventKind.FORM, unknown))
    form = [(t, text) for t, kind, text in timeline(cues) if kind == "form"]
    assert form == [
        (20.0, "Slow down: three seconds each way."),
        (26.0, "Keep your shoulders level."),
    ]
    drive(engine, clock, 400.0)
    assert [f["code"] for f in sink.results[0].form_flags] == [
        "too_fast",
        "too_fast",
        "lateral_lean",
        "lateral_lean",
    ]


def test_lost_tracking_suppresses_feedback_and_tells_the_person(rules) -> None:
    engine, clock, sink = start(rules, TEMPO)
    drive(engine, clock, 20.0)
    cues = engine.on_motion_event(
        MotionEvent(20.0, EventKind.TRACKING_LOST, detail="hips not visible")
    )
    # feedback is muted at once; the person is told once the loss has lasted 1.5 s
    assert [k for _, k, _ in timeline(cues) if k == "instruction"] == []
    assert engine.state()["tracking_ok"] is False
    assert engine.state()["tracking_notice"] is None
    clock.set(20.5)
    told = engine.tick()
    clock.set(21.5)
    told += engine.tick()
    lost_text = (
        "I can't see you clearly (hips not visible). Feedback is paused until I can; "
        "check that your whole body is in view."
    )
    assert [(t, k, x) for t, k, x in timeline(told) if k == "instruction"] == [
        (21.5, "instruction", lost_text)
    ]
    assert engine.state()["tracking_notice"] == lost_text
    clock.set(21.6)
    muted = engine.on_motion_event(
        MotionEvent(21.6, EventKind.FORM, FormFlag(21.6, "too_fast", ""))
    )
    muted += engine.on_motion_event(rep_event(21.6))
    assert [c.kind.value for c in told + muted] == ["breath", "instruction"]  # no form, no count
    assert engine.state()["reps_done"] == 0
    # breath pacing carries on while tracking is lost
    paced = drive(engine, clock, 27.0)
    assert [k for _, k, _ in timeline(paced)] == ["breath", "breath"]
    clock.set(30.0)
    back = engine.on_motion_event(MotionEvent(30.0, EventKind.TRACKING_RESTORED))
    assert engine.state()["tracking_notice"] is not None  # still shown until it lasts
    clock.set(31.0)
    heard = engine.on_motion_event(
        MotionEvent(31.0, EventKind.FORM, FormFlag(31.0, "too_fast", ""))
    )
    assert [c.kind.value for c in heard] == ["form"]  # feedback resumes at once
    for t in (32.0, 38.0, 44.0):
        clock.set(t)
        back += engine.on_motion_event(rep_event(t))
    assert (33.0, "instruction", "I can see you again.") not in timeline(back)
    assert (38.0, "instruction", "I can see you again.") in timeline(back)  # once it lasted
    assert engine.state()["tracking_notice"] is None
    drive(engine, clock, 100.0)
    tracking = sink.results[0].tracking
    assert tracking["lost_count"] == 1 and tracking["lost_s"] == 10.0
    assert 0.0 < tracking["ok_fraction"] < 1.0


def test_lost_tracking_pauses_a_gated_hold(rules) -> None:
    engine, clock, _ = start(rules, STATIC)
    drive(engine, clock, 22.0)
    engine.on_motion_event(MotionEvent(22.0, EventKind.HOLD_STARTED))
    clock.set(32.0)
    engine.on_motion_event(MotionEvent(32.0, EventKind.TRACKING_LOST))
    drive(engine, clock, 50.0)
    assert engine.state()["countdown_s"] == 20.0


def test_when_the_sensor_ends_the_session_carries_on_by_the_clock(rules) -> None:
    engine, clock, sink = start(rules, STATIC, TEMPO)
    drive(engine, clock, 30.0)
    engine.on_motion_event(MotionEvent(30.0, EventKind.HOLD_STARTED))
    clock.set(40.0)
    cues = engine.end_sensor("the recording ended")
    assert timeline(cues) == [
        (40.0, "instruction", "The recording ended; I'll carry on with the timer.")
    ]
    assert engine.state()["countdown_s"] == 20.0
    drive(engine, clock, 500.0)
    static, tempo = sink.results
    assert static.hold_times_s == (30.0,) and static.completed
    assert tempo.reps_done == 3 and tempo.tracking["measured"] is False
    assert sink.summaries[0].status == "completed"


def test_exercises_the_sensor_cannot_measure_run_on_the_clock(rules) -> None:
    clock = FakeClock()
    sink = MemorySink()
    engine = SessionEngine(
        make_plan(STATIC, TEMPO), LIBRARY, rules, clock=clock, sink=sink, sensor=True,
        sensor_for=lambda exercise: exercise.id != "cat_cow",
    )  # fmt: skip
    engine.start()
    engine.report_pain(1)
    drive(engine, clock, 30.0)
    engine.on_motion_event(MotionEvent(30.0, EventKind.HOLD_STARTED))
    drive(engine, clock, 500.0)
    assert [r.tracking["measured"] for r in sink.results] == [True, False]
    assert sink.results[1].reps_done == 3


def test_camera_setup_check_guides_then_ends_the_setup_early(rules) -> None:
    import numpy as np

    from spinecoach.coach.feed import Frame, MotionFeed

    engine, clock, _ = start(rules, STATIC)
    clock.set(1.0)
    assert engine.setup_view == "side"
    feed = MotionFeed()
    names = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    result = None
    for k in range(15):  # nobody in the picture for half a second
        frame = Frame(k / 30, np.full((4, 2), np.nan), np.zeros(4), names, None, (640, 480))
        result = feed.check_setup(frame, "side") or result
    assert result is not None and result[0] is False
    cues = engine.report_setup(*result)
    assert timeline(cues) == [
        (1.0, "instruction", "Step into the picture so the camera can see you.")
    ]
    assert engine.report_setup(*result) == []  # the same advice is not repeated at once
    clock.set(3.0)
    cues = engine.report_setup(True)
    assert timeline(cues)[0] == (3.0, "instruction", "Good: I can see you well.")
    assert engine.state()["step"]["kind"] == "instruction" and engine.setup_view is None
