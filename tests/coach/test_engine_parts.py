"""The engine's small parts and its event handlers (which return intents, not mutations)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from tests.coach.helpers import STATIC, TEMPO

from spinecoach.coach._events import on_hold_ended, on_zone
from spinecoach.coach._parts import (
    Act,
    At,
    HoldTimer,
    PauseHold,
    RepPacer,
    Say,
    SensorHolding,
    TrackingState,
)
from spinecoach.coach.timeline import Step, StepKind
from spinecoach.domain.cues import CueKind
from spinecoach.motion.types import EventKind, Hold, MotionEvent, ZoneChange


def test_hold_timer_is_the_one_held_time_sum() -> None:
    hold = HoldTimer()
    hold.start(10.0)
    assert hold.held(14.0) == 4.0 and hold.base() == 10.0
    hold.pause(14.0)
    hold.start(20.0)
    assert hold.held(23.0) == 7.0 and hold.base() == 16.0
    hold.pause(23.0)
    hold.credit(9.0)  # the analyser measured more than the coach saw
    assert hold.held(99.0) == 9.0 and not hold.running


def test_rep_pacer_announces_each_phase_once_and_restarts_on_a_repetition() -> None:
    tempo = TEMPO.dose.tempo
    pacer = RepPacer()
    pacer.reset(0.0)
    first = pacer.new_phase(tempo, 0.1)
    assert first is not None and first[0] == (0, 0) and first[2] == 0.0
    assert pacer.new_phase(tempo, 0.2) is None  # same phase: nothing new
    cycle = sum(p.seconds for p in tempo)
    assert pacer.end_s(tempo, 3) == 3 * cycle
    pacer.count(5.0)
    assert pacer.set_reps == 1 and pacer.end_s(tempo, 3) == 5.0 + 2 * cycle
    assert pacer.breath_at(tempo, 5.0) is tempo[0].breath


def test_rep_pacer_announces_the_same_phases_as_the_exact_path_at_any_tick() -> None:
    # new_phase skips the exact computation inside the phase it announced last; at 30 Hz and
    # at irregular ticks (repetitions counted mid-phase) it announces what phase_at says.
    tempo = TEMPO.dose.tempo
    rng = np.random.default_rng(7)
    for ticks in (np.arange(0.0, 40.0, 1 / 30), np.cumsum(rng.uniform(0.001, 0.4, 300))):
        fast, exact = RepPacer(), RepPacer()
        fast.reset(0.0)
        exact.reset(0.0)
        announced: list[object] = []
        expected: list[object] = []
        for k, now in enumerate(ticks):
            if k % 97 == 96:
                fast.count(float(now))
                exact.count(float(now))
            announced.append(fast.new_phase(tempo, float(now)))
            due = exact.phase_at(tempo, float(now))
            assert due is not None
            expected.append(None if due[0] == exact.last_key else due)
            exact.last_key = due[0]
        assert announced == expected and sum(a is not None for a in announced) > 10


def test_tracking_state_reports_changes_only() -> None:
    tracking = TrackingState()
    assert tracking.lose(3.0) and not tracking.lose(4.0)
    assert tracking.restore() == 3.0 and tracking.restore() is None and tracking.ok


def _view(step: Step, *, holding_since: float | None = None) -> SimpleNamespace:
    hold = HoldTimer()
    if holding_since is not None:
        hold.start(holding_since)
    run = SimpleNamespace(exercise=STATIC)
    return SimpleNamespace(step=step, run=run, tracking_ok=True, hold=hold, pacer=RepPacer())


HOLD_STEP = Step(StepKind.HOLD, 10.0, "Hold.", exercise_index=0, gated=True)


def test_leaving_the_zone_past_its_edge_asks_to_ease_off() -> None:
    beyond = MotionEvent(5.0, EventKind.ZONE_LEFT, ZoneChange(55.0, True), "55 deg from start")
    short = MotionEvent(5.0, EventKind.ZONE_LEFT, ZoneChange(3.0, False), "3 deg from start")
    (said,) = on_zone(_view(HOLD_STEP), beyond, 5.0)  # type: ignore[arg-type]
    assert isinstance(said, Say) and said.kind is CueKind.FORM
    error = next((e.cue for e in STATIC.common_errors if e.code == "out_of_range"), None)
    assert said.text == (error or "Ease off a little.")
    (back,) = on_zone(_view(HOLD_STEP), short, 5.0)  # type: ignore[arg-type]
    assert isinstance(back, Say) and back.text.startswith("Ease back")


def test_a_hold_that_reached_its_time_completes_the_step_as_an_intent() -> None:
    event = MotionEvent(12.0, EventKind.HOLD_ENDED, Hold(1.0, 12.0, 20.0, 1.0))
    intents = on_hold_ended(_view(HOLD_STEP, holding_since=1.5), event, 12.0)  # type: ignore[arg-type]
    assert intents == [
        SensorHolding(False),
        PauseHold(12.0, event.payload),
        At(Act.COMPLETE_STEP, 12.0),
    ]  # type: ignore[arg-type]
