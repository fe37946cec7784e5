"""Reminder settings: when the person wants to be reminded of the daily session and their
desk breaks, and in which time zone their clock runs.

Pure values and validation; the calendar file is written in ``spinecoach.reports.calendar``
and the settings are stored by ``spinecoach.store.reminders``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput

#: Weekday codes in RFC 5545 order (Monday first), as the calendar's BYDAY uses them.
WEEKDAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Desk breaks are for working days unless the person picks others.
WORKING_DAYS: frozenset[str] = frozenset(WEEKDAYS[:5])
#: IANA time zone names: letters, digits and ``/_+-`` (``Europe/Madrid``, ``Etc/GMT+5``).
_TZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-")


@dataclass(frozen=True)
class ReminderSettings:
    """What the person picked on the Reminders page.

    Attributes
    ----------
    daily : datetime.time or None
        Wall-clock time of the daily session reminder (every day); ``None``: no daily reminder.
    breaks_on : bool
        Whether each desk break (their times come from the desk-break plan) is reminded.
    break_days : frozenset of str
        Weekdays (``MO`` ... ``SU``) on which desk breaks are reminded.
    time_zone : str
        The IANA time zone of the person's clock (from the browser), e.g. ``Europe/Madrid``.
    """

    daily: time | None
    breaks_on: bool
    break_days: frozenset[str]
    time_zone: str

    @property
    def daily_label(self) -> str:
        """``HH:MM`` of the daily reminder, or an empty string."""
        return "" if self.daily is None else self.daily.strftime("%H:%M")

    def ordered_days(self) -> list[str]:
        """The desk-break weekdays in week order (Monday first)."""
        return [d for d in WEEKDAYS if d in self.break_days]


def parse_clock(value: str, field: str) -> time | None:
    """``HH:MM`` (24-hour) -> :class:`datetime.time`; an empty string -> ``None``.

    Raises
    ------
    InvalidInput
        One line naming ``field`` and the bad value.
    """
    text = value.strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) == 2 and all(p.isdigit() and len(p) == 2 for p in parts):
        hour, minute = int(parts[0]), int(parts[1])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise InvalidInput(
        _("{field}: expected a time as HH:MM (24-hour), got {value}").format(
            field=field, value=repr(value)
        )
    )


def make_reminder_settings(
    daily: str, breaks_on: bool, break_days: list[str], time_zone: str
) -> ReminderSettings:
    """Validate the Reminders form.

    Parameters
    ----------
    daily : str
        ``HH:MM`` or empty (no daily reminder).
    breaks_on : bool
        Remind each desk break.
    break_days : list of str
        Weekday codes ``MO`` ... ``SU``; must not be empty when ``breaks_on``.
    time_zone : str
        IANA name as the browser reports it; its existence is checked where the time zone
        database is read (``spinecoach.reports.calendar.check_time_zone``).

    Raises
    ------
    InvalidInput
        One line naming the field and what is wrong.
    """
    clock = parse_clock(daily, "daily_time")
    days = {d.strip().upper() for d in break_days if d.strip()}
    unknown = sorted(days - set(WEEKDAYS))
    if unknown:
        raise InvalidInput(
            _("break_days: unknown weekday {unknown} (expected {weekdays})").format(
                unknown=repr(unknown[0]), weekdays=", ".join(WEEKDAYS)
            )
        )
    if breaks_on and not days:
        raise InvalidInput(_("break_days: choose at least one weekday for the desk breaks"))
    zone = time_zone.strip()
    if not zone or len(zone) > 64 or not set(zone) <= _TZ_CHARS or zone.startswith("/"):
        raise InvalidInput(
            _("time_zone: expected a time zone name such as Europe/Madrid, got {time_zone}").format(
                time_zone=repr(time_zone)
            )
        )
    return ReminderSettings(
        daily=clock, breaks_on=breaks_on, break_days=frozenset(days), time_zone=zone
    )
