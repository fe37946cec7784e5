"""The Reminders page stores the person's times, weekdays and time zone; /reminders.ics turns
them into a calendar file (each person gets only their own), never cached."""

from __future__ import annotations

import icalendar
from fastapi import FastAPI
from tests.web.conftest import Browser

FORM = {
    "daily_time": "08:45",
    "breaks_on": "1",
    "break_days": ["TU", "TH"],
    "time_zone": "Europe/Madrid",
}


def _patient(app: FastAPI, name: str, email: str) -> Browser:
    browser = Browser(app)
    browser.onboard(name, email)
    return browser


def test_saved_reminders_become_the_calendar_file(app: FastAPI) -> None:
    ann = _patient(app, "Ann", "ann@example.org")
    assert ann.post("/posture/breaks", {"times": "10:30,15:00"}).status_code == 303
    page = ann.get("/reminders").text
    assert 'id="calendar-ready" hidden' in page  # nothing saved yet: no file to offer
    missing = ann.get("/reminders.ics")
    assert missing.status_code == 404
    assert "no reminder times saved yet" in missing.text
    saved = ann.post("/reminders", FORM)
    assert saved.status_code == 303 and saved.headers["location"] == "/reminders?saved=1"
    page = ann.get("/reminders").text
    assert 'href="/reminders.ics"' in page and 'id="calendar-ready" hidden' not in page
    assert 'value="08:45"' in page and 'value="Europe/Madrid"' in page
    assert 'value="TU" checked' in page and 'value="MO" checked' not in page

    response = ann.get("/reminders.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"] == (
        'attachment; filename="spinecoach-reminders.ics"'
    )
    cal = icalendar.Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Time for your back routine", "Desk break 10:30", "Desk break 15:00"}
    daily = events["Time for your back routine"]
    assert daily.decoded("DTSTART").strftime("%H:%M") == "08:45"
    assert daily["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert daily["RRULE"]["FREQ"] == ["DAILY"]
    for label in ("10:30", "15:00"):
        event = events[f"Desk break {label}"]
        assert event["RRULE"]["BYDAY"] == ["TU", "TH"]
        assert event["DTSTART"].params["TZID"] == "Europe/Madrid"
        assert event.walk("VALARM")[0]["ACTION"] == "DISPLAY"
    assert str(events["Desk break 10:30"]["URL"]).endswith("/session?desk_break=10:30")
    # the download names no one: no name or e-mail in the file
    assert b"Ann" not in response.content and b"ann@example.org" not in response.content
    # and the export holds the saved settings
    export = ann.get("/export.json").json()
    assert export["reminders"]["daily_time"] == "08:45"
    assert export["reminders"]["break_days"] == ["TU", "TH"]


def test_each_person_gets_only_their_own_reminders(app: FastAPI) -> None:
    ann = _patient(app, "Ann", "ann@example.org")
    bob = _patient(app, "Bob", "bob@example.org")
    assert ann.post("/reminders", FORM).status_code == 303
    assert bob.get("/reminders.ics").status_code == 404  # Bob saved nothing
    bob_form = {**FORM, "daily_time": "19:10", "time_zone": "America/Chicago"}
    assert bob.post("/reminders", bob_form).status_code == 303
    ann_cal = ann.get("/reminders.ics").content
    bob_cal = bob.get("/reminders.ics").content
    assert b"T084500" in ann_cal and b"T191000" not in ann_cal
    assert b"T191000" in bob_cal and b"T084500" not in bob_cal
    assert b"TZID=America/Chicago" in bob_cal and b"Europe/Madrid" not in bob_cal


def test_the_page_script_gets_json_and_bad_input_is_one_line(app: FastAPI) -> None:
    ann = _patient(app, "Ann", "ann@example.org")
    reply = ann.post("/reminders", FORM, headers={"Accept": "application/json"})
    assert reply.status_code == 200
    assert reply.json() == {
        "ok": True,
        "daily": "08:45",
        "breaks_on": True,
        "break_days": ["TU", "TH"],
        "time_zone": "Europe/Madrid",
    }
    for field, value, words in (
        ("time_zone", "Mars/Olympus", "time_zone: unknown time zone 'Mars/Olympus'"),
        ("daily_time", "8 o'clock", "daily_time: expected a time as HH:MM"),
        ("break_days", ["XX"], "break_days: unknown weekday 'XX'"),
    ):
        bad = ann.post("/reminders", {**FORM, field: value}, headers={"Accept": "application/json"})
        assert bad.status_code == 422
        assert bad.json()["error"].startswith(words)
    # nothing was changed by the refused forms
    cal = icalendar.Calendar.from_ical(ann.get("/reminders.ics").content)
    assert {str(e["DTSTART"].params["TZID"]) for e in cal.walk("VEVENT")} == {"Europe/Madrid"}
    # no CSRF token: refused
    assert ann.post("/reminders", FORM, token=False).status_code == 403
