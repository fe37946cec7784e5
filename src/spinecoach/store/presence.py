"""Live-session presence rows shared by every server process (table ``live_presence``).

A worker *claims* a person's row when it opens their live session, refreshes it while the
session runs (:func:`beat`) and deletes it when the session ends (:func:`release`). Another
worker reached by a second tab, a reconnect or the person's phone reads the row
(:func:`holder`) to know which process holds the session. A row whose heartbeat is older
than ``stale_s`` belongs to a process that died: it is ignored and taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from spinecoach.store import models
from spinecoach.store.models import as_utc


@dataclass(frozen=True)
class Holder:
    """Who holds a person's live session now."""

    person_id: int
    session_id: int | None
    worker: str
    key: int
    takes_sensor: bool
    heartbeat_at: datetime


def _holder(row: models.LivePresence) -> Holder:
    return Holder(
        row.person_id,
        row.session_id,
        row.worker,
        row.key,
        row.takes_sensor,
        as_utc(row.heartbeat_at),
    )


def holder(db: DbSession, person_id: int, now: datetime, stale_s: float) -> Holder | None:
    """The live (not stale) holder of ``person_id``'s session, if any."""
    row = db.get(models.LivePresence, person_id, populate_existing=True)
    if row is None or as_utc(row.heartbeat_at) < now - timedelta(seconds=stale_s):
        return None
    return _holder(row)


def claim(
    db: DbSession,
    person_id: int,
    worker: str,
    key: int,
    takes_sensor: bool,
    now: datetime,
    stale_s: float,
    foreign_is_stale: bool = False,
    dead_worker: str | None = None,
) -> Holder | None:
    """Claim ``person_id``'s row for ``(worker, key)``; returns the current holder instead
    when another live one holds it (nothing changes then).

    A stale row is replaced; with ``foreign_is_stale`` (a single-process server) so is
    every row of another worker (left over from an earlier run), and a row of
    ``dead_worker`` (a process known to have stopped).
    Two workers claiming at once: the primary key lets exactly one insert win.
    """
    for _ in range(3):
        row = db.get(models.LivePresence, person_id, populate_existing=True)
        if row is not None:
            stale = as_utc(row.heartbeat_at) < now - timedelta(seconds=stale_s)
            if (foreign_is_stale and row.worker != worker) or row.worker == dead_worker:
                stale = True
            if not stale:
                found = _holder(row)
                db.rollback()
                return found
            db.execute(
                delete(models.LivePresence).where(
                    models.LivePresence.person_id == person_id,
                    models.LivePresence.worker == row.worker,
                    models.LivePresence.key == row.key,
                )
            )
        db.add(
            models.LivePresence(
                person_id=person_id,
                session_id=None,
                worker=worker,
                key=key,
                takes_sensor=takes_sensor,
                heartbeat_at=now,
            )
        )
        try:
            db.commit()
            return None
        except IntegrityError:  # another worker claimed it between our read and insert
            db.rollback()
    found_holder = holder(db, person_id, now, stale_s)
    db.rollback()
    if found_holder is None:  # pragma: no cover - three lost races in a row
        raise RuntimeError("live_presence: could not claim the row")
    return found_holder


def set_session(db: DbSession, person_id: int, worker: str, key: int, session_id: int) -> None:
    """Record the stored session id once the engine has started."""
    db.execute(
        update(models.LivePresence)
        .where(
            models.LivePresence.person_id == person_id,
            models.LivePresence.worker == worker,
            models.LivePresence.key == key,
        )
        .values(session_id=session_id)
    )
    db.commit()


def beat(db: DbSession, worker: str, now: datetime) -> None:
    """Refresh the heartbeat of every row ``worker`` holds (one statement)."""
    db.execute(
        update(models.LivePresence)
        .where(models.LivePresence.worker == worker)
        .values(heartbeat_at=now)
    )
    db.commit()


def release(db: DbSession, person_id: int, worker: str, key: int) -> None:
    """Delete the row if ``(worker, key)`` still holds it."""
    db.execute(
        delete(models.LivePresence).where(
            models.LivePresence.person_id == person_id,
            models.LivePresence.worker == worker,
            models.LivePresence.key == key,
        )
    )
    db.commit()
