"""The reminders as an iCalendar file (RFC 5545) for the person's own calendar app.

Browsers cannot show a notification at an exact time without a push server, and nothing may
be sent anywhere; a phone's calendar can. ``reminders_calendar`` turns the stored reminder
settings into one recurring event per reminder — the daily session every day, each desk
break on the chosen weekdays — each with a DISPLAY alarm at its start, in the person's time
zone (a VTIMEZONE built from the time zone database, and TZID on every time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from icalendar import Alarm, Calendar, Event, Timezone, vRecur

from spinecoach.domain.i18n import _
from spinecoach.domain.reminders import WEEKDAYS, ReminderSettings
from spinecoach.errors import InvalidInput

#: The VTIMEZONE spells out this many years of daylight-saving changes from today.
TIME_ZONE_YEARS = 10
PRODID = "-//spinecoach//reminders//EN"


@dataclass(frozen=True)
class CalendarBreak:
    """One desk break as the calendar needs it: its ``HH:MM`` and length."""

    label: str
    duration_s: float


def check_time_zone(name: str) -> ZoneInfo:
    """The time zone ``name`` from the time zone database.

    Raises
    ------
    InvalidInput
        When the name is not a known IANA time zone (one line naming it).
    """
    if name not in _zone_names():
        raise InvalidInput(
            _("time_zone: unknown time zone {name} (expected e.g. Europe/Madrid)").format(
                name=repr(name)
            )
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            _("time_zone: unknown time zone {name}").format(name=repr(name))
        ) from None


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def reminders_calendar(
    settings: ReminderSettings,
    breaks: Sequence[CalendarBreak],
    session_minutes: float,
    now: datetime,
    *,
    uid_key: str,
    app_url: str = "",
) -> bytes:
    """The reminders as an ``.ics`` file.

    Parameters
    ----------
    settings : ReminderSettings
        The stored settings (daily time, desk breaks on/off and weekdays, time zone).
    breaks : sequence of CalendarBreak
        The person's desk breaks (times and lengths) from their desk-break plan.
    session_minutes : float
        Length of today's routine: the daily event lasts this long (at least 5 minutes).
    now : datetime
        Time stamp (DTSTAMP); the events start on this day in the person's time zone.
    uid_key : str
        A stable, non-identifying key for this person: the events' UIDs are made from it and
        the reminder's time, so importing the file again updates the same events.
    app_url : str
        The app's address, written into each event so it opens the right page.

    Returns
    -------
    bytes
        The calendar (UTF-8, CRLF line endings, lines folded at 75 octets).

    Raises
    ------
    InvalidInput
        Unknown time zone, or no reminder to put in the calendar.
    """
    zone = check_time_zone(settings.time_zone)
    today = now.astimezone(zone).date()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("spinecoach reminders"))
    cal.add("x-wr-timezone", settings.time_zone)
    cal.add_component(
        Timezone.from_tzinfo(
            zone,
            tzid=settings.time_zone,
            first_date=today - timedelta(days=1),
            last_date=date(today.year + TIME_ZONE_YEARS, 12, 31),
        )
    )
    events = 0
    if settings.daily is not None:
        start = datetime.combine(today, settings.daily, tzinfo=zone)
        cal.add_component(
            _event(
                uid=f"daily-{settings.daily_label.replace(':', '')}-{uid_key}@spinecoach",
                summary=_("Time for your back routine"),
                description=_("Your daily spinecoach session is ready."),
                start=start,
                minutes=max(5.0, session_minutes),
                rule={"freq": "daily"},
                url=app_url + "/session" if app_url else "",
                now=now,
            )
        )
        events += 1
    if settings.breaks_on and settings.break_days:
        for item in breaks:
            hour, minute = (int(p) for p in item.label.split(":"))
            start = datetime.combine(today, datetime.min.time(), tzinfo=zone).replace(
                hour=hour, minute=minute
            )
            cal.add_component(
                _event(
                    uid=f"break-{item.label.replace(':', '')}-{uid_key}@spinecoach",
                    summary=_("Desk break {time}").format(time=item.label),
                    description=_("Two minutes to move: your desk break is due."),
                    start=start,
                    minutes=max(1.0, item.duration_s / 60.0),
                    rule={"freq": "weekly", "byday": settings.ordered_days()},
                    url=f"{app_url}/session?desk_break={item.label}" if app_url else "",
                    now=now,
                )
            )
            events += 1
    if not events:
        raise InvalidInput(
            _(
                "reminders: no reminder to add to a calendar (set a daily "
                "time, or turn on desk breaks and choose their times on the "
                "Posture page)"
            )
        )
    return bytes(cal.to_ical())


def _event(
    *,
    uid: str,
    summary: str,
    description: str,
    start: datetime,
    minutes: float,
    rule: dict[str, object],
    url: str,
    now: datetime,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", start)
    event.add("duration", timedelta(seconds=round(minutes * 60)))
    event.add("rrule", vRecur(rule))
    event.add("summary", summary)
    event.add("description", description + (f"\n{url}" if url else ""))
    if url:
        event.add("url", url)
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(0))  # at the start
    event.add_component(alarm)
    return event


__all__ = ["WEEKDAYS", "CalendarBreak", "check_time_zone", "reminders_calendar"]
