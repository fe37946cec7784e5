"""Resuming a guided session that a crash or a closed window left unfinished.

The exercises already recorded stay; the session continues with what is left of the plan,
under the same stored session id (as ``spinecoach session --resume`` does in the terminal).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.i18n import _
from spinecoach.domain.plan import Plan
from spinecoach.errors import NotFound
from spinecoach.store import models
from spinecoach.store.repositories import SessionRepository
from spinecoach.store.session_sink import done_exercise_ids, remaining_plan


@dataclass(frozen=True)
class Interrupted:
    """An unfinished stored session that can be resumed."""

    session_id: int
    started_at: str
    done: int


def latest_interrupted(db: DbSession, person_id: int) -> Interrupted | None:
    """The person's most recent session still ``in_progress``, if any."""
    rows = SessionRepository(db).unfinished(person_id)
    if not rows:
        return None
    row = max(rows, key=lambda r: r.id)
    return Interrupted(row.id, row.started_at.strftime("%Y-%m-%d %H:%M"), len(row.results))


def resumed_plan(db: DbSession, person_id: int, session_id: int, plan: Plan) -> Plan:
    """What is left of ``plan`` in the person's unfinished session ``session_id``.

    Raises :class:`NotFound` unless it is this person's and still unfinished.
    """
    row = db.get(models.Session, session_id)
    if row is None or row.person_id != person_id or row.status != "in_progress":
        raise NotFound(_("resume: there is no unfinished session of yours with this number"))
    left = remaining_plan(plan, done_exercise_ids(row))
    if not left.items:
        raise NotFound(_("resume: every exercise of that session is already recorded"))
    return left
