"""Journey details in Chromium, at laptop and 390x844 phone sizes: the end-of-session summary
with "pain now?" after a session ended early (stored with the session), and reminders at the
times the person picks (browser notifications, a fake clock). Reviewed screenshots are copied
to docs/img/ by hand from tmp/artifacts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.web.browser_steps import (
    LAPTOP,
    PHONE,
    answer_screening,
    end_session,
    into_camera_exercise,
    page_with_errors,
    send_intake,
    shot,
    start_session,
)

pytestmark = pytest.mark.slow


def _onboard(page: Any, server: str, email: str) -> None:
    answer_screening(page, server, "Sam Park", email, age="39")
    assert page.locator("input[name=age]").count() == 0, "age is asked once, at screening"
    assert page.locator("input[name=equipment]").count() == 5
    send_intake(page, pain_now="3", pain_average="3", duration_weeks="20")


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_summary_and_pain_now_after_ending_early(
    chromium: Any,
    server: str,
    size: str,
) -> None:
    context = chromium.new_context(viewport=LAPTOP if size == "laptop" else PHONE)
    page, errors = page_with_errors(context)
    _onboard(page, server, f"summary-{size}@example.org")
    start_session(page, server)
    page.locator("#pain-buttons button").nth(2).click()  # pain before: 2
    page.wait_for_function(
        "() => document.getElementById('countdown').textContent.trim() !== '–'", timeout=20_000
    )
    end_session(page)  # ended early, before the end check-in
    assert page.is_visible("#summary-pain"), "pain now? is asked after an early end"
    did = page.inner_text("#summary-did")
    assert "exercises done" in did and "ended early" in did
    assert page.inner_text("#summary-improved").strip()
    assert page.inner_text("#summary-changes").strip()
    shot(page, f"{size}-summary-pain-now")
    page.locator("#summary-pain-buttons button").nth(4).click()
    page.wait_for_selector("#summary-pain-saved:not([hidden])")
    assert "4/10 saved" in page.inner_text("#summary-pain-saved")
    assert not page.is_visible("#summary-pain")
    session_id = page.evaluate("() => document.body.dataset.sessionId")
    page.goto(server + f"/sessions/{session_id}")
    assert "4" in page.inner_text("main")
    # the width fits a phone: nothing wider than the screen
    page.goto(server + "/today")
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_reminders_at_the_times_the_person_picks(
    chromium: Any,
    server: str,
    size: str,
) -> None:
    """Notifications permission granted in the context; a fake clock (page.clock) walks the
    day: the daily reminder at 09:00 and the desk break at 10:30 come once each, from the
    service worker (so clicking one opens the app)."""
    import datetime as dt

    context = chromium.new_context(viewport=LAPTOP if size == "laptop" else PHONE)
    context.grant_permissions(["notifications"], origin=server)
    page, errors = page_with_errors(context)
    _onboard(page, server, f"reminders-{size}@example.org")
    page.goto(server + "/posture")
    page.fill("#breaks input[name=times]", "10:30,15:00")
    page.click("#breaks button[type=submit]")
    page.wait_for_url("**/posture#breaks")
    page.clock.install(time=dt.datetime(2026, 3, 2, 8, 59, 0))  # local wall-clock time
    page.goto(server + "/reminders")
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")
    assert page.inner_text("#break-times") == "10:30, 15:00"
    page.fill("#daily-time", "09:00")
    page.click("#save-reminders")
    page.wait_for_function(
        "() => /Reminders on: daily session at 09:00; desk breaks at 10:30, 15:00/"
        ".test(document.getElementById('reminder-status').textContent)"
    )
    shot(page, f"{size}-reminders")

    def titles() -> list[str]:
        return list(
            page.evaluate(
                "() => navigator.serviceWorker.ready.then((r) => r.getNotifications())"
                ".then((ns) => ns.map((n) => n.title))"
            )
        )

    assert titles() == []  # 08:59: nothing due yet
    page.clock.run_for("01:30")  # 09:00:30
    page.wait_for_timeout(300)
    assert titles() == ["Time for your back routine"]
    page.goto(server + "/today")  # any page of the app keeps the reminders going
    page.clock.fast_forward("01:30:00")  # 10:30:30
    page.clock.run_for("00:31")
    page.wait_for_timeout(300)
    assert sorted(titles()) == ["Desk break 10:30", "Time for your back routine"]
    page.clock.run_for("02:00")  # each reminder once a day
    page.wait_for_timeout(300)
    assert len(titles()) == 2
    assert not errors, errors
    context.close()


YELLOW = """() => { const c = document.getElementById('overlay');
             if (!c.width) return 0;
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             let n = 0;
             for (let i = 0; i < d.length; i += 4)
               if (d[i + 3] > 60 && d[i] > 180 && d[i + 1] > 140 && d[i + 2] < 90) n++;
             return n; }"""


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_ghost_of_the_target_pose_over_the_person(
    chromium: Any,
    server: str,
    size: str,
) -> None:
    """With the (fake) webcam and pose in the browser, the exercise's target pose is drawn
    (dashed yellow) over the person's skeleton, scaled to their torso; the button hides it."""
    context = chromium.new_context(viewport=LAPTOP if size == "laptop" else PHONE)
    page, errors = page_with_errors(context)
    _onboard(page, server, f"ghost-{size}@example.org")
    into_camera_exercise(page, server)
    page.wait_for_function("() => window.spinecoachStats.ghostFrames >= 5", timeout=30_000)
    page.wait_for_function(f"() => ({YELLOW})() > 200", timeout=10_000)
    # scaled to the person: the ghost's hips sit on theirs (both drawn on the same canvas)
    assert page.get_attribute("#ghost-toggle", "aria-pressed") == "true"
    page.locator("#video-wrap").scroll_into_view_if_needed()
    shot(page, f"{size}-session-ghost")
    page.click("#ghost-toggle")
    assert page.get_attribute("#ghost-toggle", "aria-pressed") == "false"
    page.wait_for_timeout(500)
    frames = page.evaluate("() => window.spinecoachStats.ghostFrames")
    assert page.evaluate(YELLOW) == 0
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.spinecoachStats.ghostFrames") == frames
    page.click("#ghost-toggle")  # and back on
    page.wait_for_function(f"() => ({YELLOW})() > 200", timeout=10_000)
    page.click("#stop")
    assert not errors, errors
    context.close()


def _wait_for_notifications(page: Any, done: Any, timeout_s: float = 10.0) -> None:
    """Poll the shown notifications' titles until ``done(titles)`` (``wait_for_function``
    cannot: its predicate's promise counts as true at once)."""
    deadline = time.monotonic() + timeout_s
    while not done(titles := _notification_titles(page)):
        assert time.monotonic() < deadline, f"notifications still {titles}"
        page.wait_for_timeout(100)


def _notification_titles(page: Any) -> list[str]:
    return sorted(
        page.evaluate(
            "() => navigator.serviceWorker.getRegistration()"
            ".then((r) => r ? r.getNotifications() : []).then((ns) => ns.map((n) => n.title))"
        )
    )


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_reminders_page_offers_the_calendar_and_says_which_mode_is_active(
    chromium: Any,
    server: str,
    size: str,
) -> None:
    """The page offers the calendar file once times are saved (downloaded here and read back
    with `icalendar`: the browser's time zone, the chosen weekdays) and says plainly which
    mode is active: notifications only while a page is open in a browser tab; background
    checks once the browser grants Periodic Background Sync (as it does to an installed app;
    granted here through the DevTools protocol); the service worker's periodic sync, fired
    with no app page open, shows the reminder that is due."""
    import icalendar

    context = chromium.new_context(
        viewport=LAPTOP if size == "laptop" else PHONE, timezone_id="America/New_York"
    )
    context.grant_permissions(["notifications"], origin=server)
    page, errors = page_with_errors(context)
    _onboard(page, server, f"calendar-{size}@example.org")
    page.goto(server + "/posture")
    page.fill("#breaks input[name=times]", "10:30,15:00")
    page.click("#breaks button[type=submit]")
    page.wait_for_url("**/posture#breaks")
    page.goto(server + "/reminders")
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")
    assert not page.is_visible("#calendar-download")  # nothing saved yet
    assert page.input_value("#time-zone") == "America/New_York"  # from the browser
    page.wait_for_function("() => document.getElementById('reminder-mode').dataset.mode === 'off'")
    page.fill("#daily-time", "07:40")
    for day in ("MO", "TU", "WE", "TH", "FR"):
        page.uncheck(f"input[name=break_days][value={day}]")
    page.check("input[name=break_days][value=SA]")
    page.click("#save-reminders")
    page.wait_for_function("() => document.getElementById('reminder-mode').dataset.mode === 'page'")
    mode = page.inner_text("#reminder-mode")
    assert "only while a spinecoach page is open" in mode and "calendar" in mode
    assert page.is_visible("#calendar-download")
    with page.expect_download() as info:
        page.click("#calendar-download")
    download = info.value
    assert download.suggested_filename == "spinecoach-reminders.ics"
    cal = icalendar.Calendar.from_ical(open(download.path(), "rb").read())
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Time for your back routine", "Desk break 10:30", "Desk break 15:00"}
    assert events["Desk break 10:30"]["RRULE"]["BYDAY"] == ["SA"]
    for event in events.values():
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert event.walk("VALARM")[0]["ACTION"] == "DISPLAY"
    assert events["Time for your back routine"].decoded("DTSTART").strftime("%H:%M") == "07:40"
    page.locator("#reminder-ways").scroll_into_view_if_needed()
    shot(page, f"{size}-reminders-calendar")

    # An installed app: the browser grants Periodic Background Sync; saving registers it.
    cdp = context.new_cdp_session(page)
    browser_context = cdp.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
    cdp.send(
        "Browser.grantPermissions",
        {
            "origin": server,
            "permissions": ["notifications", "periodicBackgroundSync"],
            "browserContextId": browser_context,
        },
    )
    page.reload()
    page.click("#save-reminders")
    page.wait_for_function(
        "() => document.getElementById('reminder-mode').dataset.mode === 'background'"
    )
    assert "background checks by the installed app" in page.inner_text("#reminder-mode")
    tags = page.evaluate(
        "() => navigator.serviceWorker.ready.then((r) => r.periodicSync.getTags())"
    )
    assert tags == ["spinecoach-reminders"]
    page.locator("#reminder-mode").scroll_into_view_if_needed()
    shot(page, f"{size}-reminders-background")

    # No app page open (a static file of the app only): the browser wakes the service worker
    # for its periodic sync; a reminder whose time passed shows. This device's copy of the
    # settings says the daily session is at 5 minutes ago (or midnight).
    page.goto(server + "/static/app.css")
    local = page.evaluate(
        "() => { const d = new Date(Date.now() - 5 * 60 * 1000), m = new Date();"
        " m.setHours(0, 0, 0, 0); const t = d < m ? m : d;"
        " const two = (n) => String(n).padStart(2, '0');"
        " return two(t.getHours()) + ':' + two(t.getMinutes()); }"
    )
    page.evaluate(
        """(at) => caches.open('spinecoach-reminders').then(async (c) => {
             const s = await (await c.match('/reminders/device/settings')).json();
             s.daily = at; s.breaksOn = false;
             await c.put('/reminders/device/settings', new Response(JSON.stringify(s)));
             await c.delete('/reminders/device/shown');
           })""",
        local,
    )
    page.evaluate(  # close what the open pages showed before
        "() => navigator.serviceWorker.getRegistration().then((r) => r.getNotifications())"
        ".then((ns) => ns.forEach((n) => n.close()))"
    )
    _wait_for_notifications(page, lambda titles: titles == [])
    assert _notification_titles(page) == []
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10.0  # the registrations event comes when the browser says
    while not (
        mine := [
            r for r in registrations if r["scopeURL"].startswith(server) and not r["isDeleted"]
        ]
    ):
        assert time.monotonic() < deadline, "no service worker registration reported"
        page.wait_for_timeout(100)
    reg = mine[0]
    cdp.send(
        "ServiceWorker.dispatchPeriodicSyncEvent",
        {"origin": server, "registrationId": reg["registrationId"], "tag": "spinecoach-reminders"},
    )
    _wait_for_notifications(page, lambda titles: titles != [])
    assert _notification_titles(page) == ["Time for your back routine"]
    assert not errors, errors
    context.close()
