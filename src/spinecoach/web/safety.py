"""The safety state on the web: the block page, the banner on every patient page, and what
the clinician sees (issue 10 §1). Decisions come from :mod:`spinecoach.store.safety`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from spinecoach.content.i18n import format_when
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import _
from spinecoach.domain.safety_state import SafetyLevel, SafetyState, what_to_do
from spinecoach.store import models
from spinecoach.store.models import as_utc
from spinecoach.store.safety import current_safety_state, exercise_gate_for, safety_history
from spinecoach.web.context import AppContext


@dataclass(frozen=True)
class SafetyLine:
    """A safety state in plain words for a page: level, reason, exercise, pain and time."""

    level: str
    label: str
    reason: str
    exercise: str
    pain: int | None
    when: str
    blocks: bool
    source: str

    @property
    def detail(self) -> str:
        """``during Cat-cow · pain 6/10 · 07 Dec 10:31`` (whatever is known)."""
        parts = []
        if self.exercise:
            parts.append(f"during {self.exercise}")
        if self.pain is not None:
            parts.append(f"pain {self.pain}/10")
        if self.when:
            parts.append(self.when)
        return " · ".join(parts)


def exercise_name(library: ExerciseLibrary, exercise_id: str | None) -> str:
    """The exercise's name (its id if unknown; empty for none)."""
    if not exercise_id:
        return ""
    exercise = library.exercises.get(exercise_id)
    return exercise.name if exercise else exercise_id.replace("_", " ")


def safety_line(state: SafetyState, library: ExerciseLibrary) -> SafetyLine:
    """Plain words for a state."""
    since = state.since
    when = format_when(as_utc(since), "day_time") if since and state.source != "none" else ""
    return SafetyLine(state.level.value, state.level.label, _(state.reason),
                      exercise_name(library, state.exercise_id), state.pain, when,
                      state.blocks_exercise, state.source)  # fmt: skip


def row_line(row: models.SafetyStateRow, library: ExerciseLibrary) -> SafetyLine:
    """Plain words for a stored history row."""
    level = SafetyLevel(row.level)
    return SafetyLine(row.level, level.label, _(row.reason),
                      exercise_name(library, row.exercise_id), row.pain,
                      format_when(as_utc(row.at), "date_time"), level.blocks_exercise,
                      row.source)  # fmt: skip


def banner_for(ctx: AppContext, person: models.Person) -> SafetyLine | None:
    """The state line every patient page shows (``None`` when clear or nothing recorded)."""
    with ctx.session_factory() as db:
        state = current_safety_state(db, person.id, ctx.rules)
    if state.level is SafetyLevel.CLEAR:
        return None
    return safety_line(state, ctx.library)


def block_context(
    db: DbSession, ctx: AppContext, person: models.Person, state: SafetyState | None = None
) -> dict[str, Any]:
    """Everything the safety page shows: the state, whether and why exercise is blocked, what
    to do now, how it is lifted, the history, the clinician (to share with) and export.

    ``state``: the person's current state where the caller derived it already (with
    ``current_safety_state``, recorded)."""
    if state is None:
        state = current_safety_state(db, person.id, ctx.rules)
    gate = exercise_gate_for(db, person.id, ctx.rules, state)
    history = safety_history(db, person.id)
    latest = history[0] if history else None
    clinician = db.get(models.Person, person.clinician_id) if person.clinician_id else None
    return {
        "state": safety_line(state, ctx.library),
        "gate": gate,
        "todo": gate.todo or what_to_do(state, ctx.rules.tier_advice),
        "history": [row_line(r, ctx.library) for r in history],
        "history_notes": [r.note for r in history],
        "acknowledged_at": (
            as_utc(latest.acknowledged_at) if latest and latest.acknowledged_at else None
        ),
        "clinician": clinician,
    }


def render_block(request: Request, message: str, status_code: int = 409) -> Response | None:
    """The block page for a refused exercise request (``None`` when no patient is signed in)."""
    from spinecoach.web.pages import render

    user = getattr(request.state, "user", None)
    if user is None or user.role != "patient":
        return None
    ctx: AppContext = request.app.state.ctx
    with ctx.session_factory() as db:
        person = db.get(models.Person, user.id)
        if person is None:
            return None
        context = block_context(db, ctx, person)
    return render(request, "safety.html", status_code=status_code, message=message, safety=None,
                  **context)  # fmt: skip
