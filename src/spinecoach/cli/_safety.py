"""The safety state in the terminal: shown by every command that starts exercise, and the
one guard those commands call (``spinecoach plan``, ``session``, ``run --terminal``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.panel import Panel

from spinecoach.cli._common import console
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.safety_state import SafetyLevel, SafetyState

if TYPE_CHECKING:
    from spinecoach.cli._common import AppContext

LEVEL_STYLE = {
    SafetyLevel.CLEAR: "green",
    SafetyLevel.CAUTION: "yellow",
    SafetyLevel.SEE_CLINICIAN: "bold yellow",
    SafetyLevel.URGENT: "bold red",
    SafetyLevel.EMERGENCY: "bold white on red",
}


_W_SAFETY = N_("Safety")

_W_YOUR_SAFETY_STATE = N_("Your safety state")


def describe_state(state: SafetyState) -> str:
    """One plain line: level, reason, when (and the exercise and pain, when known)."""
    parts = [f"{state.level.label}."]
    if state.since is not None and state.source != "none":
        when = f"{state.since.astimezone():%d %b %H:%M}"
        extra = []
        if state.exercise_id:
            extra.append(
                _("during {exercise}").format(exercise=state.exercise_id.replace("_", " "))
            )
        if state.pain is not None:
            extra.append(_("pain {pain}/10").format(pain=state.pain))
        parts.append(f"{_(state.reason)} ({', '.join([when, *extra])})")
    return " ".join(parts)


def show_safety(ctx: AppContext, *, quiet_when_clear: bool = False) -> SafetyState:
    """Print the person's current safety state (a panel when it is not clear)."""
    from spinecoach.store.safety import current_safety_state

    state = current_safety_state(ctx.db, ctx.person_id, ctx.rules)
    style = LEVEL_STYLE[state.level]
    if state.level is SafetyLevel.CLEAR:
        if not quiet_when_clear:
            console.print(f"[{style}]{_(_W_SAFETY)}: {describe_state(state)}[/]", highlight=False)
        return state
    console.print(Panel(describe_state(state), title=f"[{style}]{_(_W_YOUR_SAFETY_STATE)}[/]"),
                  highlight=False)  # fmt: skip
    return state


def guard_exercise(ctx: AppContext) -> None:
    """Refuse (``UnsafeToExercise``, exit code 3) when exercise is blocked: an urgent or
    emergency state, or a plan paused until a clinician has been seen."""
    from spinecoach.store.safety import require_exercise_allowed

    require_exercise_allowed(ctx.db, ctx.person_id, ctx.rules)
