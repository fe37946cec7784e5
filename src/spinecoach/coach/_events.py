"""How the engine reacts to motion events (internal to :mod:`spinecoach.coach.engine`).

Each handler reads the engine through :class:`~spinecoach.coach._parts.EngineView` and
returns intents; the engine applies them. Repetitions count in measured sets, holds run
between HOLD_STARTED and HOLD_ENDED, form flags become the exercise's own cues, leaving the
zone past its edge (a typed :class:`~spinecoach.motion.types.ZoneChange`) says "ease off",
and lost tracking mutes feedback.
"""

from __future__ import annotations

from collections.abc import Callable

from spinecoach.coach._parts import (
    Act,
    At,
    EngineView,
    Intent,
    PauseHold,
    RecordForm,
    RecordRepetition,
    Say,
    SensorHolding,
)
from spinecoach.coach.timeline import StepKind
from spinecoach.domain.cues import CueKind
from spinecoach.domain.i18n import N_, _
from spinecoach.motion.types import EventKind, FormFlag, Hold, MotionEvent, Repetition, ZoneChange

Handler = Callable[[EngineView, MotionEvent, float], list[Intent]]

BACK_INTO_POSITION = N_("Come back into the position to keep the timer running.")


def on_repetition(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """A measured repetition: counts in a measured set, its range is recorded."""
    run, step = engine.run, engine.step
    rep = event.payload if isinstance(event.payload, Repetition) else None
    if run is None or step is None or not step.is_movement or not engine.tracking_ok:
        return []
    out: list[Intent] = [RecordRepetition(rep)]
    if step.kind is not StepKind.REPS:
        return out
    done = engine.pacer.set_reps + 1
    left = step.reps - done
    out += [At(Act.COUNT_REP, now), Say(now, CueKind.COUNT, f"{done}")]
    if left == 1:
        out.append(Say(now, CueKind.ENCOURAGEMENT, _("Last one."), "feedback"))
    if left <= 0:
        out.append(At(Act.COMPLETE_STEP, now))
    return out


def on_hold_started(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """The position is held: a sensor-gated hold timer starts (or resumes)."""
    step = engine.step
    out: list[Intent] = [SensorHolding(True)]
    if step is None or step.kind is not StepKind.HOLD or not step.gated:
        return out
    if not engine.hold.running and engine.tracking_ok:
        left = (step.duration_s or 0.0) - engine.hold.held_s
        out += [
            At(Act.START_HOLD, now),
            Say(now, CueKind.COUNT, _("Good, hold it there: {n} seconds.").format(n=f"{left:.0f}")),
        ]
    return out


def on_hold_ended(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """The position was left: the hold timer pauses (the analyser's hold time is credited)."""
    step = engine.step
    out: list[Intent] = [SensorHolding(False)]
    if step is None or step.kind is not StepKind.HOLD or not step.gated:
        return out
    if not engine.hold.running:
        return out
    measured = event.payload if isinstance(event.payload, Hold) else None
    held = max(engine.hold.held(now), measured.duration_s if measured is not None else 0.0)
    out.append(PauseHold(now, measured))
    if held + 1e-9 >= (step.duration_s or 0.0):
        return [*out, At(Act.COMPLETE_STEP, now)]
    return [*out, At(Act.GUIDED, now), Say(now, CueKind.FORM, _(BACK_INTO_POSITION), "zone")]


def on_form(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """A form flag: recorded, and cued with the exercise's own words for its code."""
    run = engine.run
    flag = event.payload if isinstance(event.payload, FormFlag) else None
    if run is None or flag is None or not engine.tracking_ok:
        return []
    error = next((e for e in run.exercise.common_errors if e.code == flag.code), None)
    text = _(error.cue) if error is not None else _(flag.message)
    out: list[Intent] = [RecordForm(flag)]
    if text:
        out.append(Say(now, CueKind.FORM, text, "feedback"))
    return out


def on_zone(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """Entering or leaving the target zone during a hold: guide back or confirm."""
    step = engine.step
    if step is None or not step.is_movement or step.kind is not StepKind.HOLD:
        return []
    if event.kind is EventKind.ZONE_ENTERED:
        return [Say(now, CueKind.ENCOURAGEMENT, _("That's the spot."), "zone")]
    change = event.payload if isinstance(event.payload, ZoneChange) else None
    beyond = change is not None and change.beyond
    run = engine.run
    error = None
    if beyond and run is not None:
        error = next((e for e in run.exercise.common_errors if e.code == "out_of_range"), None)
    if error is not None:
        text = _(error.cue)
    elif beyond:
        text = _("Ease off a little.")
    else:
        text = _("Ease back into the position you were holding.")
    return [Say(now, CueKind.FORM, text, "zone")]


def lost_tracking_text(detail: str | None) -> str:
    """What the person is told (and shown) when the sensor cannot see them."""
    why = f" ({_(detail)})" if detail else ""
    return _(
        "I can't see you clearly{why}. Feedback is paused until I can; "
        "check that your whole body is in view."
    ).format(why=why)


def on_tracking_lost(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """The sensor cannot see the person: mute feedback and pause holds at once.

    The person is told by the engine's :class:`~spinecoach.coach._parts.TrackingAnnouncer`
    once the loss has lasted (with ``event.detail``), so a flickering view is not announced
    every few seconds.
    """
    if not engine.tracking_ok:
        return []
    return [At(Act.LOSE_TRACKING, now), SensorHolding(False), PauseHold(now)]


def on_tracking_restored(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """Tracking is back: feedback resumes (the return is announced once it lasts)."""
    if engine.tracking_ok:
        return []
    return [At(Act.RESTORE_TRACKING, now)]


def on_person_switch(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """Someone else came into view."""
    text = _("Someone else came into view; I'm following one person only.")
    return [Say(now, CueKind.INSTRUCTION, text)]


def on_start_position(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """Not yet in the exercise's starting position: say how to get there (nothing counts)."""
    return [Say(now, CueKind.INSTRUCTION, _(event.detail), "position", force=True)]


def on_start_position_reached(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """Settled in the starting position: counting can begin."""
    return [Say(now, CueKind.INSTRUCTION, _("Good, that's the starting position."), "position")]


def on_not_measurable(engine: EngineView, event: MotionEvent, now: float) -> list[Intent]:
    """The exercise's movement cannot be measured from this input (plain 2D keypoints for a
    rotation, a side view): said once, in plain words; nothing is counted, no "out of view"."""
    return [Say(now, CueKind.INSTRUCTION, _(event.detail), "measurable", force=True)]


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
    EventKind.NOT_MEASURABLE: on_not_measurable,
}
