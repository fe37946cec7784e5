"""In Chromium, laptop and phone: "stop this exercise" stays on screen until the person
acknowledges it, nothing counts down under it, and the session goes on only after the
button; an emergency block page is shown in plain words (issue 10 §1)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.browser_steps import LAPTOP, PHONE, onboard, shot

pytestmark = pytest.mark.slow


def _inside(page: Any, selector: str, viewport: dict[str, int]) -> bool:
    box = page.locator(selector).bounding_box()
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"] + 1
        and box["y"] + box["height"] <= viewport["height"] + 1
    )


@pytest.mark.parametrize(("label", "viewport"), [("laptop", LAPTOP), ("phone", PHONE)])
def test_stop_message_waits_for_acknowledgement(
    chromium: Any, server: str, label: str, viewport: dict[str, int]
) -> None:
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    onboard(page, server, f"Stop {label}", f"stop-{label}@example.org")
    page.goto(server + "/session")
    page.click("#start-timer")
    page.locator("#pain-buttons button").nth(1).click()
    page.wait_for_function(
        "() => !/Getting ready|Pain check/.test(document.getElementById('exercise-name')"
        ".textContent)",
        timeout=20_000,
    )
    page.click("#wrong")
    page.locator("#symptom-list input[value=sharp_pain]").check()
    page.click("#symptom-submit")
    page.wait_for_selector("#stop-overlay:not([hidden])", timeout=10_000)
    assert "Stop this exercise" in page.inner_text("#stop-title")
    assert "Sharp pain" in page.inner_text("#stop-text")
    assert _inside(page, "#stop-box", viewport) and _inside(page, "#stop-ack", viewport)
    countdown = page.inner_text("#countdown")
    page.wait_for_timeout(3000)  # the session waits: still shown, no countdown runs under it
    assert page.is_visible("#stop-overlay") and page.is_visible("#stop-ack")
    assert page.inner_text("#countdown") == countdown == "–"
    shot(page, f"{label}-stop-waits-for-acknowledgement")
    page.click("#stop-ack")
    page.wait_for_selector("#stop-overlay", state="hidden", timeout=10_000)
    # the session goes on: the next exercise's instructions are said line by line (no
    # countdown under them), then its timers run
    first = page.inner_text("#step-text")
    page.wait_for_function(
        "(first) => document.getElementById('step-text').textContent !== first"
        " || document.getElementById('countdown').textContent.trim() !== '–'",
        arg=first,
        timeout=20_000,
    )
    assert not errors, errors
    context.close()


def test_an_emergency_shows_the_page_to_acknowledge_on_a_phone(chromium: Any, server: str) -> None:
    context = chromium.new_context(viewport=PHONE, locale="en-GB")  # UK: 999 and A&E
    page = context.new_page()
    onboard(page, server, "Emma Block", "emma-block@example.org")
    page.locator("#symptom-checkin summary").click()
    page.locator("input[name=symptoms][value=bladder_bowel_change]").check()
    page.click("#report-symptoms")
    page.wait_for_url("**/safety")
    assert "get medical help now" in page.inner_text("h1")
    assert "Call 999" in page.inner_text("#safety-todo")
    shot(page, "phone-safety-block")
    page.click("#acknowledge-safety")
    page.wait_for_selector("#safety-acknowledged")
    page.goto(server + "/today")
    page.wait_for_url("**/safety")
    assert page.locator("#start-session").count() == 0
    context.close()
