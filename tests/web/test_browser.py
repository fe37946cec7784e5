"""End-to-end: Chromium (fake camera fed a real clip) drives the whole product.

A clinician signs up; a patient signs up with the clinic code, answers the screening and
intake, runs a guided session with the webcam (landmarks drawn, cues shown), and sees the
session on the progress page; the clinician then changes a dose and the patient's plan
shows it. Screenshots (laptop 1366x768 and phone 390x844) go to ``tmp/artifacts``.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.browser_steps import LAPTOP, PHONE, onboard, shot, sign_up, sign_up_clinician
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.slow


def _phone_as_back_sensor(context: Any, server: str, errors: list[str]) -> None:
    """A second page of the same patient streams (synthetic, still) devicemotion events into
    the running camera session through /session/sensor until it is calibrated."""
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.goto(server + "/session/sensor")
    phone.click("#sensor-start")
    phone.wait_for_function(
        "() => /Connected|Calibrating/.test(document.getElementById('sensor-status').textContent)"
    )
    phone.evaluate(
        """() => new Promise((done) => {
             const g = 9.80665; let n = 0;
             const timer = setInterval(() => {
               window.dispatchEvent(new DeviceMotionEvent("devicemotion", {
                 accelerationIncludingGravity: {x: 0, y: g, z: 0},
                 rotationRate: {alpha: 0, beta: 0, gamma: 0}, interval: 20}));
               if (++n >= 250) { clearInterval(timer); done(); }
             }, 20);
           })"""
    )  # 5 s at 50 Hz: 3 s of calibration, then measured angles
    phone.wait_for_function(
        "() => /°/.test(document.getElementById('sensor-value').textContent)", timeout=10_000
    )
    shot(phone, "phone-05-back-sensor")
    phone.close()


def test_refused_motion_sensors_tell_how_to_allow_them(chromium: Any, server: str) -> None:
    """A browser that refuses the motion sensors gets instructions, not a dead end."""
    context = chromium.new_context(viewport=PHONE)  # no accelerometer/gyroscope permission
    page = context.new_page()
    sign_up(page, server, "Ana Ruiz", "refused-sensors@example.org", "patient")
    page.wait_for_url("**/screening")
    page.fill("input[name=age]", "40")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check(force=True)
    page.click("main button[type=submit]")
    page.wait_for_url("**/screening/result")
    page.goto(server + "/session/sensor")
    # As Chromium and Safari answer when the person has blocked motion sensors for the site.
    page.evaluate(
        "() => { window.DeviceMotionEvent.requestPermission = () => Promise.resolve('denied'); }"
    )
    page.click("#sensor-start")
    page.wait_for_function(
        "() => /site settings/.test(document.getElementById('sensor-status').textContent)"
    )
    text = page.inner_text("#sensor-status")
    assert "Allow" in text and "reload" in text
    assert not page.is_disabled("#sensor-start")  # they can try again once allowed
    context.close()


def test_patient_and_clinician_journey(chromium: Any, server: str) -> None:
    clinician_ctx = chromium.new_context(viewport=LAPTOP)
    clinician = clinician_ctx.new_page()
    code = sign_up_clinician(clinician, server, "Dr Maya Rao", "rao@clinic.example")

    # Motion sensors granted as a phone owner would: Chromium answers DeviceMotionEvent
    # .requestPermission() with "denied" unless the page holds these permissions.
    patient_ctx = chromium.new_context(
        viewport=LAPTOP, permissions=["camera", "accelerometer", "gyroscope"]
    )
    page = patient_ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    shot(page, "laptop-01-welcome")
    sign_up(page, server, "Sam Patel", "sam@example.org", "patient", code)
    page.wait_for_url("**/screening")
    page.fill("input[name=age]", "47")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check(force=True)
    shot(page, "laptop-02-screening")
    page.click("main button[type=submit]")
    page.wait_for_url("**/screening/result")
    assert "No warning signs" in page.inner_text("h1")
    page.click("text=Continue")
    page.wait_for_url("**/intake")
    page.fill("input[name=pain_now]", "5")
    page.fill("input[name=pain_average]", "4")
    page.fill("input[name=duration_weeks]", "14")
    page.fill("input[name=desk_hours]", "7")
    page.check("input[name=aggravators][value=sitting]", force=True)
    page.check("input[name=aggravators][value=bending]", force=True)
    shot(page, "laptop-03-intake")
    page.click("main button[type=submit]")
    page.wait_for_url("**/today?new=1")
    assert page.locator(".exercise").count() >= 3
    assert page.locator(".why").count() == page.locator(".exercise").count()
    shot(page, "laptop-04-today")

    # Guided session with the (fake) webcam.
    page.click("#start-session")
    page.wait_for_url("**/session")
    page.check("#with-sensor")  # and a phone on the lower back (a second page, below)
    page.click("#start-camera")
    page.wait_for_function("() => window.spinecoachStats.landmarkFrames >= 3", timeout=60_000)
    # The skeleton is drawn on the overlay canvas over the video.
    page.wait_for_function(
        """() => { const c = document.getElementById('overlay');
                   if (!c.width) return false;
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
                   return n > 500; }""",
        timeout=30_000,
    )
    shot(page, "laptop-05-session-skeleton")
    page.wait_for_function("() => window.spinecoachStats.cues >= 1")  # cues shown and spoken
    assert "pain" in (page.inner_text("#step-text") + page.inner_text("#cues")).lower()
    page.locator("#pain-buttons button").nth(2).click()  # pain before: 2/10
    page.wait_for_function(
        "() => document.getElementById('exercise-name').textContent !== 'Pain check'",
        timeout=20_000,
    )
    page.click("#skip")  # past the set-up step, into the first exercise
    page.wait_for_selector("#gauge:not([hidden])", timeout=20_000)  # primary angle vs zone
    page.wait_for_timeout(1500)
    shot(page, "laptop-05-session")
    _phone_as_back_sensor(patient_ctx, server, errors)
    page.wait_for_function(
        "() => /°/.test(document.getElementById('sensor-value').textContent)", timeout=20_000
    )  # the camera page draws the phone's angle as a second trace
    assert "sensor" in page.inner_text("#sensor-name").lower()
    page.locator("#sensor-gauge").scroll_into_view_if_needed()
    shot(page, "laptop-05-session-sensor")
    page.evaluate("window.scrollTo(0, 0)")
    phone_session = patient_ctx.new_page()
    phone_session.set_viewport_size(PHONE)
    phone_session.goto(server + "/session")
    shot(phone_session, "phone-05-session-intro")
    phone_session.close()

    # Something is wrong -> symptom check -> stop rule shown; then skip and end.
    page.click("#wrong")
    page.wait_for_selector("#symptom-dialog[open]")
    shot(page, "laptop-06-symptom-check")
    page.click("#symptom-cancel")
    page.click("#skip")
    page.wait_for_timeout(800)
    page.click("#stop")
    page.wait_for_selector("#summary:not([hidden])", timeout=20_000)
    assert not errors, errors
    shot(page, "laptop-07-summary")
    rtts = page.evaluate("window.spinecoachStats.rtts")
    assert rtts, "frames should have round-tripped"

    page.goto(server + "/progress")
    assert page.locator("table.sessions tbody tr").count() >= 1
    shot(page, "laptop-08-progress")

    # The clinician signs in again, sees the patient and changes a dose.
    clinician.click("text=Sign out")
    clinician.fill("input[name=email]", "rao@clinic.example")
    clinician.fill("input[name=password]", PASSWORD)
    clinician.click("main button[type=submit]")
    clinician.wait_for_url("**/clinic")
    assert "Sam Patel" in clinician.inner_text("table.patients")
    shot(clinician, "laptop-09-clinic")
    clinician.click("text=Sam Patel")
    reps_input = clinician.locator("input[name$='__reps']").first
    new_reps = int(reps_input.input_value()) + 3
    reps_input.fill(str(new_reps))
    clinician.fill("textarea[name=note]", "Nice work, Sam. Three more reps on the first one.")
    shot(clinician, "laptop-10-plan-editor")
    clinician.click("text=Save plan")
    clinician.wait_for_selector("text=Plan saved")

    page.goto(server + "/today")
    assert "Three more reps" in page.inner_text(".note-from-clinician")
    assert f"{new_reps} reps" in page.inner_text(".routine")
    assert "Changed by Dr Maya Rao" in page.inner_text("body")
    shot(page, "laptop-11-today-after-edit")

    for path, name in (("/today", "today"), ("/progress", "progress")):
        page.set_viewport_size(PHONE)
        page.goto(server + path)
        shot(page, f"phone-{name}")
    clinician.set_viewport_size(PHONE)
    clinician.goto(server + "/clinic")
    shot(clinician, "phone-clinic")
    # Phone first: no page is wider than the screen (tables scroll inside their own box).
    page.goto(server + "/progress")
    detail = page.locator("a[href^='/sessions/']").first.get_attribute("href")
    wide = "() => document.documentElement.scrollWidth"
    for who, path in ((page, "/progress"), (page, detail), (clinician, "/clinic")):
        who.goto(server + path)
        assert who.evaluate(wide) <= PHONE["width"], f"{path} is wider than a phone"
    clinician.click("text=Sam Patel")
    assert clinician.evaluate(wide) <= PHONE["width"], "the plan editor is wider than a phone"
    shot(clinician, "phone-plan-editor")
    patient_ctx.close()
    clinician_ctx.close()


def test_timers_only_session_on_a_phone(chromium: Any, server: str) -> None:
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    onboard(page, server, "Lee Chan", "lee@example.org", age="33")
    page.goto(server + "/session")
    page.click("#start-timer")
    page.wait_for_selector("#pain-buttons button")
    wrong = page.locator("#wrong").bounding_box()
    for k in range(page.locator("#pain-buttons button").count()):
        button = page.locator("#pain-buttons button").nth(k)
        button.scroll_into_view_if_needed()
        b, w = button.bounding_box(), page.locator("#wrong").bounding_box()
        overlap = not (b["y"] + b["height"] <= w["y"] or w["y"] + w["height"] <= b["y"])
        assert not overlap, f"'Something is wrong' covers pain button {k}"
    assert wrong is not None
    page.locator("#pain-buttons button").nth(1).click()
    page.wait_for_function(
        "() => document.getElementById('countdown').textContent.trim() !== '–'", timeout=20_000
    )
    first = page.inner_text("#countdown")
    page.wait_for_timeout(1300)
    assert page.inner_text("#countdown") != first, "the countdown runs on timers alone"
    assert page.is_visible("#wrong")
    shot(page, "phone-06-timers-session")
    page.click("#wrong")
    page.locator("#symptom-list input[value=numbness]").check()
    page.click("#symptom-submit")
    page.wait_for_selector("#summary:not([hidden])", timeout=20_000)
    assert "numbness" in page.inner_text("#summary").lower() or page.is_visible("#summary")
    shot(page, "phone-07-stopped-by-symptom")
    assert not errors, errors
    context.close()


def test_posture_check_monitor_and_desk_break(chromium: Any, server: str) -> None:
    """The posture pages in Chromium with the fake camera: a webcam check is measured and
    stored, the monitor is visibly on and then off (minutes stored), a desk break starts from
    the Posture page as a guided session."""
    context = chromium.new_context(viewport=LAPTOP, permissions=["camera", "notifications"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    onboard(page, server, "Dee Desk", "dee@example.org", age="38", desk_hours="9")

    page.goto(server + "/posture/check?view=side&position=standing")
    page.click("#start")
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)
    assert "craniovertebral" in page.inner_text("#result")
    shot(page, "laptop-07-posture-check")

    page.goto(server + "/posture/monitor")
    assert "OFF" in page.inner_text("#monitor-indicator")
    page.click("#monitor-toggle")
    page.wait_for_function(
        "() => /Minutes/.test(document.getElementById('monitor-state').textContent)",
        timeout=30_000,
    )
    assert "ON" in page.inner_text("#monitor-indicator")
    shot(page, "laptop-08-posture-monitor-on")
    page.click("#monitor-toggle")
    page.wait_for_function(
        "() => /Saved/.test(document.getElementById('monitor-state').textContent)",
        timeout=20_000,
    )
    assert "OFF" in page.inner_text("#monitor-indicator")

    page.goto(server + "/posture")
    page.fill("input[name=times]", "09:00,16:00")
    page.click("#breaks button[type=submit]")
    page.wait_for_url("**/posture#breaks")
    assert "Head-forward" in page.inner_text("#check")
    shot(page, "laptop-09-posture")
    page.click("#reminders")  # notifications granted in this context
    page.wait_for_function(
        "() => /Reminders on/.test(document.getElementById('reminder-state').textContent)"
    )
    page.click("#break-0900 a.button")
    page.wait_for_url("**/session?desk_break=09:00")
    assert page.locator(".exercise").count() >= 1 or "Seated" in page.inner_text("main")
    assert not errors, errors
    context.close()


_STREAM_MOTION = """(seconds) => new Promise((done) => {
  const g = 9.80665; let n = 0;
  const timer = setInterval(() => {
    window.dispatchEvent(new DeviceMotionEvent("devicemotion", {
      accelerationIncludingGravity: {x: 0, y: g, z: 0},
      rotationRate: {alpha: 0, beta: 0, gamma: 0}, interval: 20}));
    if (++n >= seconds * 50) { clearInterval(timer); done(); }
  }, 20);
})"""


def test_posture_with_a_phone_on_the_back(chromium: Any, server: str) -> None:
    """The sitting monitor and the posture check with a phone on the back: the computer's page
    waits for the phone (paused: no data), the phone page streams (synthetic, still)
    devicemotion events, the monitor learns the baseline and the check stores a pelvic tilt."""
    context = chromium.new_context(
        viewport=LAPTOP, permissions=["notifications", "accelerometer", "gyroscope"]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_up(page, server, "Pia Phone", "pia@example.org", "patient")
    page.wait_for_url("**/screening")

    page.goto(server + "/posture/monitor")
    page.check("input[name=monitor-source][value=imu]")
    page.click("#monitor-toggle")
    page.wait_for_function(
        "() => /no data from the phone/.test(document.getElementById('monitor-indicator')"
        ".textContent)",
        timeout=15_000,
    )
    assert "ON" in page.inner_text("#monitor-indicator")
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.goto(server + "/posture/sensor")
    phone.click("#sensor-start")
    phone.wait_for_function(
        "() => /sitting monitor/.test(document.getElementById('sensor-status').textContent)"
    )
    phone.evaluate(_STREAM_MOTION, 6)
    assert "Streaming" in phone.inner_text("#sensor-status")
    shot(phone, "phone-08-posture-sensor")
    page.wait_for_function(
        "() => /learning your upright posture|upright/.test("
        "document.getElementById('monitor-indicator').textContent)",
        timeout=10_000,
    )
    shot(page, "laptop-10-monitor-phone")
    page.click("#monitor-toggle")
    page.wait_for_function(
        "() => /Saved/.test(document.getElementById('monitor-state').textContent)",
        timeout=20_000,
    )
    phone.close()

    page.goto(server + "/posture/check?source=imu&position=standing")
    page.click("#start")
    page.wait_for_function(
        "() => /Waiting for the phone/.test(document.getElementById('status').textContent)"
    )
    phone = context.new_page()
    phone.goto(server + "/posture/sensor")
    phone.click("#sensor-start")
    phone.wait_for_function(
        "() => /posture check/.test(document.getElementById('sensor-status').textContent)"
    )
    phone.evaluate(_STREAM_MOTION, 17)  # 3 s calibration + 12 s held + margin
    page.wait_for_selector("#result:not([hidden])", timeout=20_000)
    result = page.inner_text("#result")
    assert "Pelvic tilt (ASIS-PSIS" in result and "not comparable" in result  # the label
    assert "lumbar_angle_deg" in result  # listed as unmeasurable with one sensor
    shot(page, "laptop-11-posture-check-phone")
    assert not errors, errors
    context.close()
