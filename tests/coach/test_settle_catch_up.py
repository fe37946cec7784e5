"""The settling second is not lost: keypoint frames held while the starting position is
confirmed (then analysed a few per frame) are analysed before a skip or stop ends the
exercise, so the stored trace has them even when the exercise ends right after the gate
opened (a slow connection delivers few frames in that time)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
from tests.web.test_live import _figure_in_position

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.engine import SessionEngine
from spinecoach.coach.feed import Frame, LiveAdapter, MotionFeed
from spinecoach.coach.sink import MemorySink
from spinecoach.domain.plan import Plan, PlanItem
from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES


def _session(library, rules):  # type: ignore[no-untyped-def]
    exercise = library.get("prone_press_up")
    plan = Plan(
        (PlanItem(exercise.id, exercise.name, exercise.section, exercise.dose, "test"),), 1,
        datetime(2026, 1, 5, tzinfo=UTC), metadata={"checkin_after": "none"},
    )  # fmt: skip
    clock, feed, sink = FakeClock(), MotionFeed(), MemorySink()
    engine = SessionEngine(
        plan, library, rules, clock=clock, sink=sink, sensor=True, sensor_for=feed.measurable
    )
    engine.start()
    engine.report_pain(1)
    assert engine.state()["step"]["kind"] == "setup"
    engine.skip()  # set-up -> the exercise
    assert engine.current_exercise is exercise
    figure = np.array(_figure_in_position(list(BLAZEPOSE_33_NAMES), exercise.position.value))
    return clock, feed, sink, engine, LiveAdapter(engine, feed), figure


def _push_until_the_gate_opens(clock, feed, engine, adapter, figure) -> float:  # type: ignore[no-untyped-def]
    """A still person in the starting position at 30 frames a second, until the gate opens."""
    for n in range(300):
        t = n / 30
        clock.set(t)
        adapter.push(Frame(t, figure[:, :2], figure[:, 2], BLAZEPOSE_33_NAMES))
        current = feed.current
        if current is not None and current.catching_up:
            return t
    raise AssertionError("the starting position was never reached")


def _measured(sink: MemorySink) -> list[tuple[str, float, float, str]]:
    """The camera trace's samples with an angle (what the store keeps)."""
    return [
        (c, t, v, label)
        for c, t, v, label in sink.samples
        if c == "camera" and v is not None and math.isfinite(v)
    ]


def test_a_skip_right_after_the_gate_opens_keeps_the_settling_second(library, rules) -> None:
    clock, feed, sink, engine, adapter, figure = _session(library, rules)
    opened_s = _push_until_the_gate_opens(clock, feed, engine, adapter, figure)
    assert not _measured(sink)  # the held frames are not analysed yet
    adapter.catch_up()
    engine.skip()
    assert not feed.current.catching_up
    camera = _measured(sink)
    assert camera and all(abs(v) < 1.0 for _, _, v, _ in camera)  # a still person
    assert camera[-1][1] == opened_s  # recorded before the exercise ended
    assert sink.results and sink.results[0].exercise_id == "prone_press_up"


def test_catch_up_between_exercises_does_nothing(library, rules) -> None:
    clock, feed, sink, engine, adapter, figure = _session(library, rules)
    _push_until_the_gate_opens(clock, feed, engine, adapter, figure)
    engine.skip()  # the held frames belong to the ended exercise: not fed to the next step
    assert adapter.catch_up() == []
    assert feed.current.catching_up
