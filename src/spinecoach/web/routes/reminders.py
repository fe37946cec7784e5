"""Reminders: the daily session and the desk breaks at the times the person picks.

* ``GET /reminders``: the page (times, desk-break weekdays, the browser's time zone; which
  reminder mode is active on this device).
* ``POST /reminders`` (CSRF): store the settings (``daily_time``, ``breaks_on``,
  ``break_days``, ``time_zone``) -> 303 back, or JSON ``{"ok": true, ...}`` for the page's
  script.
* ``GET /reminders.ics``: the stored reminders as an iCalendar file (RFC 5545): one
  recurring event per reminder with a DISPLAY alarm, in the person's time zone, so the
  phone's own calendar reminds them with no page open and nothing sent anywhere.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from spinecoach.domain.i18n import N_, _
from spinecoach.domain.reminders import WEEKDAYS, WORKING_DAYS, make_reminder_settings
from spinecoach.errors import NotFound
from spinecoach.reports.calendar import CalendarBreak, check_time_zone, reminders_calendar
from spinecoach.store import models
from spinecoach.store.reminders import load_reminders, save_reminders
from spinecoach.web.deps import CareDep, CsrfChecked, DbDep, PatientUser
from spinecoach.web.errors import wants_json
from spinecoach.web.pages import redirect, render

router = APIRouter()

#: Weekday codes with the words the form shows.
DAY_NAMES = {
    "MO": N_("Mon"),
    "TU": N_("Tue"),
    "WE": N_("Wed"),
    "TH": N_("Thu"),
    "FR": N_("Fri"),
    "SA": N_("Sat"),
    "SU": N_("Sun"),
}


def _uid_key(person: models.Person) -> str:
    """A stable key for the person's calendar events that does not name them."""
    seed = f"{person.id}:{person.created_at.isoformat() if person.created_at else ''}"
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


@router.get("/reminders")
def reminders_page(request: Request, user: PatientUser, care: CareDep, db: DbDep) -> Response:
    """Reminder times (daily session, desk breaks), the calendar file and this device's mode."""
    breaks = [b.label for b in care.service.posture.breaks(user.id)]
    stored = load_reminders(db, user.id)
    days = stored.ordered_days() if stored else [d for d in WEEKDAYS if d in WORKING_DAYS]
    config = {
        "breaks": breaks,
        "saved": stored is not None,
        "daily": stored.daily_label if stored else "",
        "breaksOn": stored.breaks_on if stored else True,
        "breakDays": days,
        "timeZone": stored.time_zone if stored else "",
    }
    return render(
        request,
        "reminders.html",
        breaks=breaks,
        stored=stored,
        days=[(d, _(DAY_NAMES[d])) for d in WEEKDAYS],
        chosen_days=set(days),
        config_json=json.dumps(config).replace("<", "\\u003c"),
    )


@router.post("/reminders")
async def reminders_save(
    request: Request, _csrf: CsrfChecked, user: PatientUser, db: DbDep
) -> Response:
    """Store the reminder settings from the form (the browser fills in its time zone)."""
    form = await request.form()
    settings = make_reminder_settings(
        daily=str(form.get("daily_time", "")),
        breaks_on=bool(form.get("breaks_on")),
        break_days=[str(d) for d in form.getlist("break_days")],
        time_zone=str(form.get("time_zone", "")),
    )
    check_time_zone(settings.time_zone)
    save_reminders(db, user.id, settings, datetime.now(UTC))
    if wants_json(request):
        return JSONResponse(
            {
                "ok": True,
                "daily": settings.daily_label,
                "breaks_on": settings.breaks_on,
                "break_days": settings.ordered_days(),
                "time_zone": settings.time_zone,
            }
        )
    return redirect("/reminders?saved=1")


@router.get("/reminders.ics")
def reminders_ics(request: Request, user: PatientUser, care: CareDep, db: DbDep) -> Response:
    """The stored reminders as an iCalendar file for the person's own calendar."""
    settings = load_reminders(db, user.id)
    if settings is None:
        raise NotFound(
            _("reminders: no reminder times saved yet; choose them on the Reminders page first")
        )
    breaks = [CalendarBreak(b.label, b.duration_s) for b in care.service.posture.breaks(user.id)]
    today = care.today(user)
    minutes = today.plan.total_duration_s / 60.0 if today is not None else 0.0
    body = reminders_calendar(
        settings,
        breaks,
        minutes,
        datetime.now(UTC),
        uid_key=_uid_key(user),
        app_url=str(request.base_url).rstrip("/"),
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="spinecoach-reminders.ics"',
            "Cache-Control": "no-store",
        },
    )
