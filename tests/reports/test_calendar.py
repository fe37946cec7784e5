"""The reminders' calendar file: valid RFC 5545 text, read back with the `icalendar` package,
one recurring event per reminder with a DISPLAY alarm at its start, in the person's time zone
(also across the clocks changing), and one clear line for bad settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from spinecoach.domain.reminders import make_reminder_settings
from spinecoach.errors import InvalidInput
from spinecoach.reports.calendar import CalendarBreak, reminders_calendar

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
BREAKS = [CalendarBreak("10:30", 120.0), CalendarBreak("15:00", 150.0)]


def _calendar(daily: str = "09:00", days: tuple[str, ...] = ("MO", "WE", "FR"), **kw: object):
    settings = make_reminder_settings(
        daily, bool(kw.get("breaks_on", True)), list(days), str(kw.get("tz", "Europe/Madrid"))
    )
    return reminders_calendar(
        settings, BREAKS, 7.4, NOW, uid_key="k1", app_url="http://127.0.0.1:8000"
    )


def _structure_problems(raw: bytes) -> list[str]:
    """RFC 5545 §3.1 by hand: CRLF line ends, lines at most 75 octets, balanced BEGIN/END."""
    problems = []
    if b"\n" in raw.replace(b"\r\n", b""):
        problems.append("a line ends without CR LF")
    stack: list[str] = []
    for line in raw.split(b"\r\n"):
        if len(line) > 75:
            problems.append(f"line longer than 75 octets: {line[:30]!r}")
        text = line.decode("utf-8")
        if text.startswith("BEGIN:"):
            stack.append(text[6:])
        elif text.startswith("END:"):
            if not stack or stack.pop() != text[4:]:
                problems.append(f"unbalanced {text}")
    if stack:
        problems.append(f"not closed: {stack}")
    return problems


def test_file_is_valid_icalendar_text() -> None:
    raw = _calendar()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert _structure_problems(raw) == []
    cal = icalendar.Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    for event in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "RRULE"):
            assert prop in event, prop


def test_one_recurring_event_per_reminder_with_a_display_alarm_at_its_start() -> None:
    cal = icalendar.Calendar.from_ical(_calendar())
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Time for your back routine", "Desk break 10:30", "Desk break 15:00"}
    daily = events["Time for your back routine"]
    assert daily["RRULE"]["FREQ"] == ["DAILY"] and "BYDAY" not in daily["RRULE"]
    assert daily.decoded("DTSTART").strftime("%H:%M") == "09:00"
    assert daily.decoded("DURATION") == timedelta(minutes=7, seconds=24)
    for label, minutes in (("10:30", 2.0), ("15:00", 2.5)):
        event = events[f"Desk break {label}"]
        assert event["RRULE"]["FREQ"] == ["WEEKLY"]
        assert event["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
        assert event.decoded("DTSTART").strftime("%H:%M") == label
        assert event.decoded("DURATION") == timedelta(minutes=minutes)
        assert str(event["URL"]) == f"http://127.0.0.1:8000/session?desk_break={label}"
    for event in events.values():
        alarms = event.walk("VALARM")
        assert len(alarms) == 1
        assert alarms[0]["ACTION"] == "DISPLAY" and str(alarms[0]["DESCRIPTION"])
        assert alarms[0].decoded("TRIGGER") == timedelta(0)
    uids = [str(e["UID"]) for e in events.values()]
    assert len(set(uids)) == 3 and all(u.endswith("@spinecoach") for u in uids)


def test_times_carry_the_persons_time_zone_with_its_vtimezone() -> None:
    raw = _calendar(tz="America/New_York")
    assert b"DTSTART;TZID=America/New_York:20260302T090000" in raw
    cal = icalendar.Calendar.from_ical(raw)
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["America/New_York"]
    offsets = {(str(sub.name), sub.decoded("TZOFFSETTO")) for z in zones for sub in z.subcomponents}
    assert ("DAYLIGHT", timedelta(hours=-4)) in offsets
    assert ("STANDARD", timedelta(hours=-5)) in offsets
    for event in cal.walk("VEVENT"):
        assert event["DTSTART"].params["TZID"] == "America/New_York"


def test_reminders_stay_at_local_time_when_the_clocks_change() -> None:
    """Expanded with dateutil (not the writer's code): 09:00 in Madrid is 08:00 UTC in March
    before the change (29 March) and 07:00 UTC after it; desk breaks only on the chosen days."""
    cal = icalendar.Calendar.from_ical(_calendar())
    madrid = ZoneInfo("Europe/Madrid")
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    daily = events["Time for your back routine"]
    start = daily.decoded("DTSTART")
    rule = rrulestr(daily["RRULE"].to_ical().decode(), dtstart=start)
    days = list(
        rule.between(datetime(2026, 3, 27, tzinfo=madrid), datetime(2026, 4, 1, tzinfo=madrid))
    )
    assert [d.astimezone(UTC).hour for d in days] == [8, 8, 7, 7, 7]
    assert all(d.astimezone(madrid).strftime("%H:%M") == "09:00" for d in days)
    brk = events["Desk break 10:30"]
    rule = rrulestr(brk["RRULE"].to_ical().decode(), dtstart=brk.decoded("DTSTART"))
    week = rule.between(datetime(2026, 3, 9, tzinfo=madrid), datetime(2026, 3, 16, tzinfo=madrid))
    assert [d.strftime("%a %H:%M") for d in week] == ["Mon 10:30", "Wed 10:30", "Fri 10:30"]


def test_only_the_reminders_chosen() -> None:
    cal = icalendar.Calendar.from_ical(_calendar(daily="", days=("SA",)))
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == [
        "Desk break 10:30",
        "Desk break 15:00",
    ]
    cal = icalendar.Calendar.from_ical(_calendar(daily="07:15", days=(), breaks_on=False))
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Time for your back routine"]
    with pytest.raises(InvalidInput, match="no reminder to add"):
        _calendar(daily="", days=(), breaks_on=False)


@pytest.mark.parametrize(
    ("daily", "days", "tz", "message"),
    [
        ("9am", ("MO",), "Europe/Madrid", "daily_time: expected a time as HH:MM"),
        ("24:00", ("MO",), "Europe/Madrid", "daily_time: expected a time as HH:MM"),
        ("09:00", ("XX",), "Europe/Madrid", "break_days: unknown weekday 'XX'"),
        ("09:00", (), "Europe/Madrid", "break_days: choose at least one weekday"),
        ("09:00", ("MO",), "Mars/Olympus", "time_zone: unknown time zone 'Mars/Olympus'"),
        ("09:00", ("MO",), "../../etc/passwd", "time_zone: expected a time zone name"),
        ("09:00", ("MO",), "", "time_zone: expected a time zone name"),
    ],
)
def test_bad_settings_are_one_clear_line(
    daily: str, days: tuple[str, ...], tz: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _calendar(daily=daily, days=days, tz=tz)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
