"""How the engine reacts to motion events (internal to :mod:`spinecoach.coach.engine`).

Repetitions count in measured sets, holds run between HOLD_STARTED and HOLD_ENDED, form
flags become the exercise's own cues, and lost tracking mutes feedback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from spinecoach.coach.cues import Cue, CueKind
from spinecoach.coach.timeline import StepKind
from spinecoach.motion.types import EventKind, FormFlag, Hold, MotionEvent, Repetition

if TYPE_CHECKING:
    from spinecoach.coach.engine import SessionEngine

Handler = Callable[["SessionEngine", MotionEvent, float, list[Cue]], None]


def on_repetition(engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]) -> None:
    """A measured repetition: counts in a measured set, its range is recorded."""
    run, step = engine._run, engine._step
    rep = event.payload if isinstance(event.payload, Repetition) else None
    if run is None or step is None or not step.is_movement or not engine.tracking_ok:
        return
    run.add_repetition(rep)
    if step.kind is not StepKind.REPS:
        return
    engine._set_reps += 1
    run.measured_reps += 1
    run.reps_done += 1
    engine._cycle_start_s = now
    engine._last_phase_key = None
    left = step.reps - engine._set_reps
    engine._say(now, CueKind.COUNT, f"{engine._set_reps}", out)
    if left == 1:
        engine._say(now, CueKind.ENCOURAGEMENT, "Last one.", out, topic="feedback")
    if left <= 0:
        engine._complete_step(now, out)


def on_hold_started(engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]) -> None:
    """The position is held: a sensor-gated hold timer starts (or resumes)."""
    step = engine._step
    engine._sensor_holding = True
    if step is None or step.kind is not StepKind.HOLD or not step.gated:
        return
    if engine._holding_since is None and engine.tracking_ok:
        engine._holding_since = now
        left = (step.duration_s or 0.0) - engine._held_s
        text = f"Good, hold it there: {left:.0f} seconds."
        engine._say(now, CueKind.COUNT, text, out)


def on_hold_ended(engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]) -> None:
    """The position was left: the hold timer pauses (the analyser's hold time is credited)."""
    step = engine._step
    engine._sensor_holding = False
    if step is None or step.kind is not StepKind.HOLD or not step.gated:
        return
    if engine._holding_since is not None:
        engine._held_s += now - engine._holding_since
        engine._holding_since = None
        hold = event.payload if isinstance(event.payload, Hold) else None
        if hold is not None:
            # the analyser confirms holds after a delay; credit what it measured
            engine._held_s = max(engine._held_s, hold.duration_s)
        if engine._held_s + 1e-9 >= (step.duration_s or 0.0):
            engine._complete_step(now, out)
            return
        engine._last_guide_s = now
        engine._say(
            now,
            CueKind.FORM,
            "Come back into the position to keep the timer running.",
            out,
            topic="zone",
        )


def on_form(engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]) -> None:
    """A form flag: recorded, and cued with the exercise's own words for its code."""
    run = engine._run
    flag = event.payload if isinstance(event.payload, FormFlag) else None
    if run is None or flag is None or not engine.tracking_ok:
        return
    run.add_form_flag(flag)
    error = next((e for e in run.exercise.common_errors if e.code == flag.code), None)
    text = error.cue if error is not None else flag.message
    if text:
        engine._say(now, CueKind.FORM, text, out, topic="feedback")


def on_zone(engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]) -> None:
    """Entering or leaving the target zone during a hold: guide back or confirm."""
    step = engine._step
    if step is None or not step.is_movement:
        return
    if event.kind is EventKind.ZONE_LEFT and step.kind is StepKind.HOLD:
        beyond = any(w in event.detail.lower() for w in ("above", "beyond", "too far", "over"))
        run = engine._run
        error = None
        if beyond and run is not None:
            error = next((e for e in run.exercise.common_errors if e.code == "out_of_range"), None)
        text = (
            error.cue
            if error is not None
            else (
                "Ease off a little." if beyond else "Ease back into the position you were holding."
            )
        )
        engine._say(now, CueKind.FORM, text, out, topic="zone")
    elif event.kind is EventKind.ZONE_ENTERED and step.kind is StepKind.HOLD:
        engine._say(now, CueKind.ENCOURAGEMENT, "That's the spot.", out, topic="zone")


def on_tracking_lost(engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]) -> None:
    """The sensor cannot see the person: say so, mute feedback, pause holds."""
    if not engine.tracking_ok:
        return
    engine.tracking_ok = False
    engine._sensor_holding = False
    engine._lost_since = now
    if engine._run is not None:
        engine._run.lost_count += 1
    if engine._holding_since is not None:
        engine._held_s += now - engine._holding_since
        engine._holding_since = None
    why = f" ({event.detail})" if event.detail else ""
    engine._say(
        now,
        CueKind.INSTRUCTION,
        f"I can't see you clearly{why}. Feedback is paused until I can; "
        "check that your whole body is in view.",
        out,
        force=True,
    )


def on_tracking_restored(
    engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]
) -> None:
    """Tracking is back: feedback resumes."""
    if engine.tracking_ok:
        return
    engine.tracking_ok = True
    if engine._lost_since is not None and engine._run is not None:
        engine._run.lost_s += now - max(engine._lost_since, engine._run.started_s)
    engine._lost_since = None
    engine._say(now, CueKind.INSTRUCTION, "I can see you again.", out, force=True)


def on_person_switch(engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]) -> None:
    """Someone else came into view."""
    engine._say(
        now,
        CueKind.INSTRUCTION,
        "Someone else came into view; I'm following one person only.",
        out,
    )


def on_start_position(
    engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]
) -> None:
    """Not yet in the exercise's starting position: say how to get there (nothing counts)."""
    engine._say(now, CueKind.INSTRUCTION, event.detail, out, topic="position", force=True)


def on_start_position_reached(
    engine: SessionEngine, event: MotionEvent, now: float, out: list[Cue]
) -> None:
    """Settled in the starting position: counting can begin."""
    engine._say(
        now, CueKind.INSTRUCTION, "Good, that's the starting position.", out, topic="position"
    )


EVENT_HANDLERS: dict[EventKind, Handler] = {
    EventKind.REPETITION: on_repetition,
    EventKind.HOLD_STARTED: on_hold_started,
    EventKind.HOLD_ENDED: on_hold_ended,
    EventKind.FORM: on_form,
    EventKind.ZONE_ENTERED: on_zone,
    EventKind.ZONE_LEFT: on_zone,
    EventKind.TRACKING_LOST: on_tracking_lost,
    EventKind.TRACKING_RESTORED: on_tracking_restored,
    EventKind.PERSON_SWITCH: on_person_switch,
    EventKind.START_POSITION_NEEDED: on_start_position,
    EventKind.START_POSITION_REACHED: on_start_position_reached,
}
