"""What a person does in the browser, shared by the Chromium tests: sign up, answer the
screening and the intake, start a session (timers or camera), end it; the laptop and phone
sizes and screenshots into ``tmp/artifacts``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "tmp" / "artifacts"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def shot(page: Any, name: str) -> None:
    """A screenshot of ``page`` into ``tmp/artifacts``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def page_with_errors(context: Any) -> tuple[Any, list[str]]:
    """A new page of ``context`` and the list its uncaught script errors go to."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def sign_up(page: Any, base: str, name: str, email: str, role: str, code: str = "") -> None:
    """Fill and send the sign-up form."""
    page.goto(base + "/signup")
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.check(f"input[name=role][value={role}]")
    if code:
        page.fill("input[name=clinic_code]", code)
    page.click("main button[type=submit]")


def sign_up_clinician(page: Any, base: str, name: str, email: str) -> str:
    """Sign up as a clinician; lands on the clinic list. Returns the clinic code."""
    sign_up(page, base, name, email, "clinician")
    page.wait_for_url("**/clinic")
    return str(page.inner_text("#clinic-code")).strip()


def answer_screening(page: Any, base: str, name: str, email: str, age: str, code: str = "") -> None:
    """Sign up as a patient (with a clinic ``code`` if given) and answer no to every warning
    sign; lands on the intake (through the result page's link, in any language)."""
    sign_up(page, base, name, email, "patient", code)
    page.wait_for_url("**/screening")
    page.fill("input[name=age]", age)
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check(force=True)
    page.click("main button[type=submit]")
    page.wait_for_url("**/screening/result")
    page.click("a[href='/intake']")
    page.wait_for_url("**/intake")


def send_intake(page: Any, **answers: str) -> None:
    """Fill the intake's fields with ``answers`` and send it; lands on Today."""
    for field, value in answers.items():
        page.fill(f"input[name={field}]", value)
    page.click("main button[type=submit]")
    page.wait_for_url("**/today?new=1")


def onboard(page: Any, base: str, name: str, email: str, code: str = "", **intake: str) -> None:
    """Sign up as a patient, answer no to every warning sign, send the intake; lands on
    Today. ``intake`` overrides the intake fields (``age`` also answers the screening)."""
    answers = {"pain_now": "3", "pain_average": "3", "duration_weeks": "20", "age": "41"}
    answers.update(intake)
    age = answers.pop("age")  # asked once, at screening: the intake has no age field
    answer_screening(page, base, name, email, age, code)
    send_intake(page, **answers)


def start_session(page: Any, base: str, button: str = "#start-timer") -> None:
    """Open the session page and start it (``#start-timer`` or ``#start-camera``); returns
    when the pain-before buttons are shown."""
    page.goto(base + "/session")
    page.click(button)
    page.wait_for_selector("#pain-buttons button")


def into_camera_exercise(page: Any, base: str) -> None:
    """Start a camera session (the fake webcam), answer pain 2 and skip the set-up step:
    the first exercise is running."""
    page.goto(base + "/session")
    page.click("#start-camera")
    page.wait_for_function("() => window.spinecoachStats.landmarkFrames >= 3", timeout=60_000)
    page.locator("#pain-buttons button").nth(2).click()
    page.wait_for_function(
        "() => document.getElementById('exercise-name').textContent !== 'Pain check'",
        timeout=20_000,
    )
    page.click("#skip")  # past the set-up step, into the first exercise


def end_session(page: Any) -> None:
    """Press Stop; returns when the end-of-session summary is shown."""
    page.click("#stop")
    page.wait_for_selector("#summary:not([hidden])", timeout=20_000)
