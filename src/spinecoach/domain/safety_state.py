"""One current safety state per person, derived from what they reported (docs/safety.md).

A small state machine folded over time-ordered events:

* a **screening** sets the state from its tier (emergency, urgent, routine -> see a
  clinician, clear): re-screening with the symptom gone is how a person lifts a block
  themselves;
* a **report** (a check-in, or a symptom or pain report inside a session) can only raise the
  state: urgent care -> emergency (or urgent), end session -> urgent or see a clinician,
  stop this exercise / easier version -> caution; a later report with nothing wrong lowers a
  *caution* (only) back to clear;
* a **clearance** by the person's clinician, with a note, sets the state to clear.

A report that ends the session or sends the person to urgent care also **pauses** the
programme (the adaptation rule "paused until you have spoken to a clinician").

Urgent and emergency block exercise everywhere until lifted. A pause (from such a report,
or a plan paused by ``adapt_plan``) also blocks exercise until a clinician's clearance or a
re-screening that allows exercise comes *after* it (:func:`exercise_gate`).

Pure: no I/O; times come in with the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from spinecoach.domain.emergency import emergency_words
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.rules import StopAction, Tier


class SafetyLevel(StrEnum):
    """A person's safety state, from least to most serious."""

    CLEAR = "clear"
    CAUTION = "caution"
    SEE_CLINICIAN = "see_clinician"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def severity(self) -> int:
        """0 for clear up to 4 for emergency."""
        return _SEVERITY[self.value]

    @property
    def blocks_exercise(self) -> bool:
        """Urgent and emergency block every exercise until lifted."""
        return self.severity >= SafetyLevel.URGENT.severity

    @property
    def label(self) -> str:
        """Plain words for pages and the terminal."""
        return _(LEVEL_LABELS[self])


_SEVERITY = {"clear": 0, "caution": 1, "see_clinician": 2, "urgent": 3, "emergency": 4}

LEVEL_LABELS = {
    SafetyLevel.CLEAR: N_("Clear"),
    SafetyLevel.CAUTION: N_("Take care"),
    SafetyLevel.SEE_CLINICIAN: N_("See a clinician soon"),
    SafetyLevel.URGENT: N_("Urgent: see a clinician before exercising"),
    SafetyLevel.EMERGENCY: N_("Emergency: get medical help now"),
}

#: What a person does now, per level (urgent and emergency use the rules' tier advice).
LEVEL_TODO = {
    SafetyLevel.CLEAR: N_("Carry on with your routine. Stop and tell us if anything changes."),
    SafetyLevel.CAUTION: N_(
        "Carry on gently. Stop any exercise that makes the symptom come back, and check in "
        "tomorrow morning."
    ),
    SafetyLevel.SEE_CLINICIAN: N_(
        "You may exercise gently, but book an appointment with your GP or physiotherapist soon "
        "and tell them what happened."
    ),
}

LIFT_TEXT = N_(
    "Exercise stays blocked until either you answer the safety questions again once the "
    "symptom has gone, or your clinician reviews you and clears you with a note."
)


class EventKind(StrEnum):
    """What happened."""

    SCREENING = "screening"
    REPORT = "report"
    CLEARANCE = "clearance"


@dataclass(frozen=True)
class SafetyEvent:
    """One input to the state machine.

    Attributes
    ----------
    at : datetime
        When it happened (aware).
    kind : EventKind
    reason : str
        Plain words: what was reported, or the clinician's note.
    tier : Tier, optional
        The screening verdict (screening events).
    action : StopAction, optional
        The stop-rule decision (report events).
    seek_care : Tier, optional
        Where the stop rule sends the person (report events).
    source : str
        ``screening``, ``check-in``, ``session`` or ``clinician``.
    exercise_id : str, optional
        The exercise in progress when it was reported.
    pain : int, optional
        The pain score reported with it (0-10).
    """

    at: datetime
    kind: EventKind
    reason: str
    tier: Tier | None = None
    action: StopAction | None = None
    seek_care: Tier | None = None
    source: str = ""
    exercise_id: str | None = None
    pain: int | None = None


@dataclass(frozen=True)
class SafetyState:
    """A person's current safety state and why.

    Attributes
    ----------
    level : SafetyLevel
    reason : str
        Plain words: what set it.
    since : datetime or None
        When it was set (``None``: nothing recorded yet).
    source : str
        What set it: ``screening``, ``check-in``, ``session``, ``clinician`` or ``none``.
    exercise_id : str or None
        The exercise in progress when it was set, if any.
    pain : int or None
        The pain score reported with it, if any.
    lifted_at : datetime or None
        The latest clinician clearance or re-screening that allows exercise (lifts pauses
        and blocks set before it).
    paused_at : datetime or None
        When a report ended a session or sent the person to a clinician (the programme is
        paused until a clearance or an allowing re-screening); ``None`` when not paused.
    pause_reason : str
        Why it was paused, in plain words.
    """

    level: SafetyLevel
    reason: str
    since: datetime | None = None
    source: str = "none"
    exercise_id: str | None = None
    pain: int | None = None
    lifted_at: datetime | None = None
    paused_at: datetime | None = None
    pause_reason: str = ""

    @property
    def blocks_exercise(self) -> bool:
        """Whether this state alone blocks exercise (urgent or emergency)."""
        return self.level.blocks_exercise

    def to_json(self) -> dict[str, object]:
        """JSON form (ISO times)."""
        return {
            "level": self.level.value,
            "label": self.level.label,
            "reason": self.reason,
            "since": self.since.isoformat() if self.since else None,
            "source": self.source,
            "exercise_id": self.exercise_id,
            "pain": self.pain,
            "blocks_exercise": self.blocks_exercise,
        }


#: Stop-rule actions that pause the programme until a clinician has been seen (CLINICAL §5).
PAUSING = (StopAction.END_SESSION, StopAction.URGENT_CARE)

NO_STATE = SafetyState(SafetyLevel.CLEAR, N_("Nothing reported yet."))

SCREENING_LEVEL = {
    Tier.EMERGENCY: SafetyLevel.EMERGENCY,
    Tier.URGENT: SafetyLevel.URGENT,
    Tier.ROUTINE: SafetyLevel.SEE_CLINICIAN,
    Tier.CLEAR: SafetyLevel.CLEAR,
}


def screening_level(tier: Tier) -> SafetyLevel:
    """The level a screening verdict sets (a tier without an entry maps by its severity)."""
    if tier in SCREENING_LEVEL:
        return SCREENING_LEVEL[tier]
    by_severity = {3: SafetyLevel.EMERGENCY, 2: SafetyLevel.URGENT, 1: SafetyLevel.SEE_CLINICIAN}
    return by_severity.get(tier.severity, SafetyLevel.CLEAR)


def report_level(action: StopAction, seek_care: Tier | None) -> SafetyLevel:
    """The level a stop-rule decision asks for.

    Urgent care -> emergency (urgent when the rule sends to urgent care only); end session ->
    urgent when the rule says see a clinician within a day, else see a clinician; stop this
    exercise or an easier version -> caution; continue -> clear.
    """
    if action is StopAction.URGENT_CARE:
        return SafetyLevel.URGENT if seek_care is Tier.URGENT else SafetyLevel.EMERGENCY
    if action is StopAction.END_SESSION:
        if seek_care is Tier.EMERGENCY:
            return SafetyLevel.EMERGENCY
        return SafetyLevel.URGENT if seek_care is Tier.URGENT else SafetyLevel.SEE_CLINICIAN
    if action in (StopAction.STOP_EXERCISE, StopAction.REGRESS):
        return SafetyLevel.CAUTION
    return SafetyLevel.CLEAR


def step(state: SafetyState, event: SafetyEvent) -> SafetyState:
    """One transition of the state machine (see the module docstring)."""
    if event.kind is EventKind.CLEARANCE:
        return SafetyState(SafetyLevel.CLEAR, event.reason, event.at, event.source or "clinician",
                           lifted_at=event.at)  # fmt: skip
    if event.kind is EventKind.SCREENING:
        if event.tier is None:
            raise ValueError("a screening event needs its tier")
        level = screening_level(event.tier)
        if level.blocks_exercise:
            return replace(state, level=level, reason=event.reason, since=event.at,
                           source="screening", exercise_id=None, pain=None)  # fmt: skip
        return SafetyState(level, event.reason, event.at, "screening", lifted_at=event.at)
    if event.action is None:
        raise ValueError("a report event needs its stop-rule action")
    level = report_level(event.action, event.seek_care)
    if event.action in PAUSING:
        state = replace(state, paused_at=event.at, pause_reason=event.reason)
    if level.severity > state.level.severity:
        return replace(state, level=level, reason=event.reason, since=event.at,
                       source=event.source or "check-in", exercise_id=event.exercise_id,
                       pain=event.pain)  # fmt: skip
    if level is SafetyLevel.CLEAR and state.level is SafetyLevel.CAUTION:
        return replace(state, level=SafetyLevel.CLEAR,
                       reason=N_("Your last check-in reported nothing wrong."), since=event.at,
                       source=event.source or "check-in", exercise_id=None,
                       pain=event.pain)  # fmt: skip
    return state


def derive_state(events: Iterable[SafetyEvent]) -> SafetyState:
    """Fold events (any order; sorted by time here) into the current state."""
    state = NO_STATE
    for event in sorted(events, key=lambda e: e.at):
        state = step(state, event)
    return state


@dataclass(frozen=True)
class ExerciseGate:
    """Whether exercise may start now, and if not, what to tell the person.

    Attributes
    ----------
    allowed : bool
    why : str
        Plain words: what blocks exercise (empty when allowed).
    todo : str
        What to do now.
    """

    allowed: bool
    why: str = ""
    todo: str = ""


def what_to_do(state: SafetyState, advice: Mapping[Tier, str]) -> str:
    """What the person should do now, in plain words (``advice``: the rules' tier advice)."""
    if state.level is SafetyLevel.EMERGENCY:
        return emergency_words(advice.get(Tier.EMERGENCY, N_("Get medical help now.")))
    if state.level is SafetyLevel.URGENT:
        return emergency_words(
            advice.get(Tier.URGENT, N_("Speak to a clinician today or tomorrow."))
        )
    return _(LEVEL_TODO[state.level])


def exercise_gate(
    state: SafetyState,
    advice: Mapping[Tier, str],
    *,
    plan_paused_at: datetime | None = None,
    plan_pause_reason: str = "",
) -> ExerciseGate:
    """Whether exercise may start, given the safety state and the current plan's pause.

    Parameters
    ----------
    state : SafetyState
    advice : mapping of Tier to str
        The rules' tier advice (what to do now).
    plan_paused_at : datetime, optional
        When the current plan was paused (``None`` if it is not paused).
    plan_pause_reason : str
        Why it was paused (shown to the person).

    Returns
    -------
    ExerciseGate
        Blocked when the state is urgent or emergency, or when the plan is paused and no
        clearance or allowing re-screening came after the pause.
    """
    if state.blocks_exercise:
        return ExerciseGate(False, _(state.reason), f"{what_to_do(state, advice)} {_(LIFT_TEXT)}")
    plan_paused = plan_paused_at is not None and (
        state.lifted_at is None or state.lifted_at < plan_paused_at
    )
    if state.paused_at is not None or plan_paused:
        why = (
            state.pause_reason
            or plan_pause_reason
            or N_("Your programme was paused after your last session.")
        )
        return ExerciseGate(
            False,
            _(why),
            _(
                "Your programme stays paused until you have spoken to a clinician: your "
                "clinician can clear you with a note, or answer the safety questions again once "
                "the symptom has gone."
            ),
        )
    return ExerciseGate(True)
