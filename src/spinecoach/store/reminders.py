"""The person's reminder settings (one row each): read and write as domain values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.reminders import ReminderSettings, parse_clock
from spinecoach.store import models


def load_reminders(db: DbSession, person_id: int) -> ReminderSettings | None:
    """The stored settings of ``person_id``, or ``None`` when they never saved any."""
    row = db.get(models.ReminderSetting, person_id)
    if row is None:
        return None
    return ReminderSettings(
        daily=parse_clock(row.daily_time or "", "daily_time"),
        breaks_on=row.breaks_on,
        break_days=frozenset(str(d) for d in row.break_days),
        time_zone=row.time_zone,
    )


def save_reminders(
    db: DbSession, person_id: int, settings: ReminderSettings, now: datetime
) -> None:
    """Store ``settings`` for ``person_id`` (replacing earlier ones) and commit."""
    row = db.get(models.ReminderSetting, person_id)
    if row is None:
        row = models.ReminderSetting(person_id=person_id)
        db.add(row)
    row.daily_time = settings.daily_label or None
    row.breaks_on = settings.breaks_on
    row.break_days = settings.ordered_days()
    row.time_zone = settings.time_zone
    row.updated_at = now
    db.commit()
