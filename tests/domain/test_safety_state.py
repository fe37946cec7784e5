"""The safety state machine (pure): what sets each state, what lifts it, what it blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spinecoach.domain.rules import StopAction, Tier
from spinecoach.domain.safety_state import (
    NO_STATE,
    EventKind,
    SafetyEvent,
    SafetyLevel,
    derive_state,
    exercise_gate,
    report_level,
)

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ADVICE = {Tier.EMERGENCY: "Call 999.", Tier.URGENT: "See a clinician today."}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def screening(minutes: int, tier: Tier) -> SafetyEvent:
    return SafetyEvent(at(minutes), EventKind.SCREENING, f"screened {tier}", tier=tier)


def report(minutes: int, action: StopAction, seek: Tier | None = None, **kw: object) -> SafetyEvent:
    return SafetyEvent(at(minutes), EventKind.REPORT, f"reported {action}", action=action,
                       seek_care=seek, source="session", **kw)  # type: ignore[arg-type]  # fmt: skip


def clearance(minutes: int) -> SafetyEvent:
    return SafetyEvent(
        at(minutes), EventKind.CLEARANCE, "Cleared by Dr Rao: seen", source="clinician"
    )


@pytest.mark.parametrize(
    ("action", "seek", "level"),
    [
        (StopAction.URGENT_CARE, Tier.EMERGENCY, SafetyLevel.EMERGENCY),
        (StopAction.URGENT_CARE, Tier.URGENT, SafetyLevel.URGENT),
        (StopAction.END_SESSION, Tier.URGENT, SafetyLevel.URGENT),
        (StopAction.END_SESSION, Tier.ROUTINE, SafetyLevel.SEE_CLINICIAN),
        (StopAction.STOP_EXERCISE, Tier.ROUTINE, SafetyLevel.CAUTION),
        (StopAction.REGRESS, None, SafetyLevel.CAUTION),
        (StopAction.CONTINUE, None, SafetyLevel.CLEAR),
    ],
)
def test_report_levels(action: StopAction, seek: Tier | None, level: SafetyLevel) -> None:
    assert report_level(action, seek) is level


def test_nothing_recorded_is_clear_and_allows_exercise() -> None:
    assert derive_state([]) == NO_STATE
    assert exercise_gate(NO_STATE, ADVICE).allowed


def test_an_emergency_in_a_session_blocks_until_a_clear_rescreen() -> None:
    emergency = report(10, StopAction.URGENT_CARE, Tier.EMERGENCY, exercise_id="cat_cow", pain=6)
    events = [screening(0, Tier.CLEAR), emergency]
    state = derive_state(events)
    assert state.level is SafetyLevel.EMERGENCY and state.blocks_exercise
    assert (state.exercise_id, state.pain, state.since) == ("cat_cow", 6, at(10))
    gate = exercise_gate(state, ADVICE)
    assert not gate.allowed and "Call 999." in gate.todo and "answer the safety" in gate.todo
    # later harmless reports never lower an emergency
    events.append(report(20, StopAction.CONTINUE))
    assert derive_state(events).level is SafetyLevel.EMERGENCY
    # a re-screening that still says yes keeps it blocked; a clear one lifts it
    events.append(screening(30, Tier.URGENT))
    assert derive_state(events).blocks_exercise
    events.append(screening(40, Tier.CLEAR))
    state = derive_state(events)
    assert state.level is SafetyLevel.CLEAR and exercise_gate(state, ADVICE).allowed


def test_a_clinician_clearance_lifts_a_block_and_a_new_emergency_sets_it_again() -> None:
    events = [screening(0, Tier.CLEAR), report(5, StopAction.URGENT_CARE, Tier.EMERGENCY),
              clearance(60)]  # fmt: skip
    state = derive_state(events)
    assert state.level is SafetyLevel.CLEAR and state.source == "clinician"
    assert exercise_gate(state, ADVICE).allowed
    events.append(report(90, StopAction.URGENT_CARE, Tier.EMERGENCY))
    assert derive_state(events).level is SafetyLevel.EMERGENCY


def test_events_are_ordered_by_time_not_by_arrival() -> None:
    events = [clearance(60), report(5, StopAction.URGENT_CARE, Tier.EMERGENCY),
              screening(0, Tier.CLEAR)]  # fmt: skip
    assert derive_state(events).level is SafetyLevel.CLEAR


def test_a_caution_lifts_with_a_good_checkin_but_see_a_clinician_does_not() -> None:
    events = [screening(0, Tier.CLEAR), report(5, StopAction.STOP_EXERCISE, Tier.ROUTINE)]
    assert derive_state(events).level is SafetyLevel.CAUTION
    assert exercise_gate(derive_state(events), ADVICE).allowed
    assert derive_state([*events, report(9, StopAction.CONTINUE)]).level is SafetyLevel.CLEAR
    routine = [screening(0, Tier.ROUTINE), report(5, StopAction.CONTINUE)]
    assert derive_state(routine).level is SafetyLevel.SEE_CLINICIAN


def test_an_ended_session_pauses_until_cleared_or_rescreened_after_it() -> None:
    events = [screening(0, Tier.CLEAR), report(5, StopAction.END_SESSION, Tier.ROUTINE)]
    state = derive_state(events)
    assert state.level is SafetyLevel.SEE_CLINICIAN and not state.blocks_exercise
    gate = exercise_gate(state, ADVICE)
    assert not gate.allowed and gate.why == "reported end_session" and "paused" in gate.todo
    assert (
        exercise_gate(derive_state([*events, report(8, StopAction.CONTINUE)]), ADVICE).allowed
        is False
    )
    assert exercise_gate(derive_state([*events, clearance(9)]), ADVICE).allowed
    assert exercise_gate(derive_state([*events, screening(9, Tier.ROUTINE)]), ADVICE).allowed


def test_a_paused_plan_is_lifted_only_by_a_lift_after_its_pause() -> None:
    state = derive_state([screening(0, Tier.CLEAR)])
    assert not exercise_gate(state, ADVICE, plan_paused_at=at(5), plan_pause_reason="x").allowed
    later = derive_state([screening(0, Tier.CLEAR), clearance(10)])
    assert exercise_gate(later, ADVICE, plan_paused_at=at(5)).allowed
