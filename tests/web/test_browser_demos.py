"""Browser: exercise demonstrations are drawn on the Today page (thumbnails) and in the
guided session (full size while getting ready, small during the exercise), laptop and phone.
Screenshots go to ``tmp/artifacts`` (the reviewed ones are copied to docs/img/)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.browser_steps import LAPTOP, PHONE, onboard, shot

pytestmark = pytest.mark.slow

#: Counts drawn pixels of a canvas (the figure and floor), 0 for a blank one.
INK = """(canvas) => {
  const c = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0; for (let i = 3; i < c.length; i += 4) if (c[i] > 0) n++; return n; }"""


def _onboard(page: Any, base: str, email: str) -> None:
    onboard(page, base, "Sam Demo", email, age="45", pain_now="4", pain_average="4")


@pytest.mark.parametrize(("size", "viewport"), [("laptop", LAPTOP), ("phone", PHONE)])
def test_demonstrations_are_drawn(chromium: Any, server: str, size: str, viewport: dict) -> None:
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _onboard(page, server, f"demo-{size}@example.org")
    thumbs = page.locator("canvas.demo-thumb")
    assert thumbs.count() >= 3
    page.wait_for_function(
        f"() => [...document.querySelectorAll('canvas.demo-thumb')].every(c => ({INK})(c) > 200)",
        timeout=15_000,
    )
    # the figures move (thumbnails on screen animate; those off screen wait)
    first = thumbs.first
    first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    snap = "() => [...document.querySelectorAll('canvas.demo-thumb')].map(c => c.toDataURL())"
    a = page.evaluate(snap)
    page.wait_for_timeout(2500)
    b = page.evaluate(snap)
    assert a != b, "the thumbnails animate"
    shot(page, f"{size}-demo-today")

    page.goto(server + "/session")
    page.click("#start-timer")
    page.locator("#pain-buttons button").nth(1).click()
    page.wait_for_selector("#demo-box:not([hidden])", timeout=20_000)
    box = page.locator("#demo-box")
    page.wait_for_function(
        f"() => ({INK})(document.getElementById('session-demo')) > 500", timeout=10_000
    )
    assert "full" in (box.get_attribute("class") or "")
    assert page.inner_text("#demo-caption").strip(), "the step's cue is written under it"
    # the exercise's own view first (side or front), then the other, and back
    own = page.inner_text("[data-demo-toggle]")
    other = {
        "Show from the front": "Show from the side",
        "Show from the side": "Show from the front",
    }
    assert own in other
    page.click("[data-demo-toggle]")
    assert page.inner_text("[data-demo-toggle]") == other[own]
    page.click("[data-demo-toggle]")  # and back: the view people see first
    assert page.inner_text("[data-demo-toggle]") == own
    shot(page, f"{size}-demo-session-ready")
    if size == "phone":  # the countdown and the latest cue are in view without scrolling
        for selector in ("#countdown", "#exercise-name", "#session-demo"):
            box_ = page.locator(selector).bounding_box()
            assert box_ is not None and box_["y"] + box_["height"] <= 844 - 70, selector
    page.wait_for_function(  # after the first steps (and, with no mat, the note on a carpet)
        "() => document.getElementById('demo-box').classList.contains('small')", timeout=90_000
    )
    shot(page, f"{size}-demo-session-during")
    assert not errors, errors
    context.close()


def test_demonstration_json_is_public_library_content(server: str) -> None:
    import httpx

    ok = httpx.get(server + "/exercises/cat_cow/demonstration.json")
    assert ok.status_code == 200
    data = ok.json()
    assert data["exercise_id"] == "cat_cow" and len(data["frames"]) == len(data["times"])
    assert len(data["frames"][0]) == len(data["names"])
    assert httpx.get(server + "/exercises/no_such/demonstration.json").status_code == 404


def test_installable_app_opens_offline(chromium: Any, server: str) -> None:
    """Manifest + service worker: once visited, Today opens with its styles while offline,
    and signing out clears the saved pages."""
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    _onboard(page, server, "offline@example.org")
    manifest = page.evaluate(
        "() => fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/today"
    assert any(i["sizes"] == "512x512" for i in manifest["icons"])
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.goto(server + "/today")  # now controlled: the page and its files are saved
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_timeout(500)
    context.set_offline(True)
    page.goto(server + "/today")
    assert "Your routine" in page.inner_text("main")
    colour = page.evaluate(
        "() => getComputedStyle(document.getElementById('start-session')).backgroundColor"
    )
    assert colour == "rgb(15, 118, 110)", "the stylesheet came from the device's cache"
    shot(page, "phone-offline-today")
    context.set_offline(False)
    page.click("text=Sign out")
    page.wait_for_load_state()
    saved = page.evaluate("() => caches.has('spinecoach-pages')")
    assert saved is False
    context.close()
