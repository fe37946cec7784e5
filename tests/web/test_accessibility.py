"""Accessibility: axe-core (WCAG 2.1 A/AA) on every page of the patient and clinician journey
at laptop and phone sizes, and the whole patient journey with the keyboard alone.

axe-core comes from npm (package.json devDependency) and is served by the app itself from
/static/vendor/axe (Makefile ``web-assets``): no network. A page passes when axe finds no
violation of impact "serious" or "critical".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.web.browser_steps import (
    LAPTOP,
    PHONE,
    end_session,
    onboard,
    sign_up_clinician,
    start_session,
)
from tests.web.conftest import PASSWORD, launch_chromium

from spinecoach.web.context import STATIC_DIR

pytestmark = pytest.mark.slow

AXE = STATIC_DIR / "vendor" / "axe" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"],
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
  });
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, no camera (the app on loopback is conftest's ``server``)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make web-assets` (axe-core from npm)")
    with launch_chromium(None) as browser:
        yield browser


def _violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe violations of the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    found = page.evaluate(AXE_RUN)
    return [v for v in found if v["impact"] in ("serious", "critical")]


def _onboard(page: Any, base: str, name: str, email: str, code: str = "") -> None:
    """Sign up, answer the screening (all no) and the intake: Today's plan is ready."""
    onboard(page, base, name, email, code, age="47", pain_now="4", pain_average="4",
            duration_weeks="14")  # fmt: skip


def _check(page: Any, url: str, size: str, problems: list[str]) -> None:
    for v in _violations(page):
        problems.append(f"{size} {url}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")


def test_no_serious_wcag_violation_on_any_page(chromium: Any, server: str) -> None:
    problems: list[str] = []
    anon = chromium.new_context(viewport=LAPTOP)
    page = anon.new_page()
    for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        for path in ("/", "/login", "/signup"):
            page.goto(server + path)
            _check(page, path, size, problems)
    anon.close()

    clinician_ctx = chromium.new_context(viewport=LAPTOP)
    clinician = clinician_ctx.new_page()
    code = sign_up_clinician(clinician, server, "Dr Maya Rao", "rao-a11y@clinic.example")

    patient_ctx = chromium.new_context(viewport=LAPTOP)
    page = patient_ctx.new_page()
    _onboard(page, server, "Sam Patel", "sam-a11y@example.org", code)
    # a timers-only session: the live view and the summary are checked too
    start_session(page, server)
    _check(page, "/session (live)", "laptop", problems)
    page.locator("#pain-buttons button").nth(2).click()
    end_session(page)
    _check(page, "/session (summary)", "laptop", problems)
    page.goto(server + "/progress")
    detail = page.locator("a[href^='/sessions/']").first.get_attribute("href")

    patient_pages = [
        "/screening", "/screening/result", "/intake", "/today", "/session", "/progress", detail,
        "/messages", "/posture", "/posture/check?view=side&position=seated", "/posture/monitor",
        "/safety", "/account", "/sources", "/session/sensor", "/reminders", "/posture/sensor",
    ]  # fmt: skip
    clinician.goto(server + "/clinic")
    patient_href = clinician.locator("a[href^='/clinic/patients/']").first.get_attribute("href")
    clinician_pages = ["/clinic", "/clinic/outcomes", patient_href, "/account"]
    for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        for who, paths in ((page, patient_pages), (clinician, clinician_pages)):
            who.set_viewport_size(viewport)
            for path in paths:
                response = who.goto(server + path)
                assert response is not None and response.status < 400, (path, response)
                _check(who, path, size, problems)
    patient_ctx.close()
    clinician_ctx.close()
    assert not problems, "\n".join(problems)


def _tab_to(page: Any, selector: str, limit: int = 200) -> None:
    """Press Tab until the focused element matches ``selector`` (it must be reachable)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)",
                         selector):  # fmt: skip
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _type_into(page: Any, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.type(text)


def test_the_whole_journey_works_with_the_keyboard_alone(chromium: Any, server: str) -> None:
    """Sign-up -> screening -> intake -> start a session -> stop, no mouse."""
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(server + "/")
    _tab_to(page, "a[href='/signup']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/signup")
    _type_into(page, "input[name=name]", "Kim Keys")
    _type_into(page, "input[name=email]", "kim-keys@example.org")
    _type_into(page, "input[name=password]", PASSWORD)
    _tab_to(page, "input[name=role]")
    page.keyboard.press("Space")  # the first choice: looking after my own back
    _tab_to(page, "form[action='/signup'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/screening")

    _type_into(page, "input[name=age]", "41")
    questions = page.locator("ol.questions > li").count()
    for n in range(questions):
        _tab_to(page, f"ol.questions > li:nth-child({n + 1}) input[value=no]")
        page.keyboard.press("Space")
    assert page.locator("input[type=radio][value=no]:checked").count() == questions
    _tab_to(page, "form[action='/screening'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/screening/result")
    _tab_to(page, "a[href='/intake']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/intake")

    _type_into(page, "input[name=pain_now]", "4")
    _type_into(page, "input[name=pain_average]", "3")
    _type_into(page, "input[name=duration_weeks]", "12")
    if page.locator("form.intake input[name=age]").count():  # asked only if screening did not
        _type_into(page, "form.intake input[name=age]", "41")
    _tab_to(page, "input[name=aggravators][value=sitting]")
    page.keyboard.press("Space")
    _tab_to(page, "form[action='/intake'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/today?new=1")

    _tab_to(page, "#start-session")
    page.keyboard.press("Enter")
    page.wait_for_url("**/session")
    _tab_to(page, "#start-timer")
    page.keyboard.press("Enter")
    page.wait_for_selector("#pain-buttons button")
    _tab_to(page, "#pain-buttons button:nth-child(3)")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('countdown').textContent.trim() !== '–'", timeout=20_000
    )
    _tab_to(page, "#stop")
    page.keyboard.press("Enter")
    page.wait_for_selector("#summary:not([hidden])", timeout=20_000)
    context.close()


def test_tracking_cues_do_not_flood_a_screen_reader(chromium: Any, server: str) -> None:
    """The spoken cues reach assistive technology through one polite live region, and a cue
    repeated within a few seconds (e.g. "I can't see you" / "I can see you again" flapping)
    is announced once."""
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    _onboard(page, server, "Ray Reader", "ray-reader@example.org")
    page.goto(server + "/session")
    live = page.locator("[aria-live]:not([aria-live=off])")
    regions = live.evaluate_all("(els) => els.map((e) => [e.id, e.getAttribute('aria-live')])")
    assert ["cue-announcer", "polite"] in regions
    assert all(kind == "polite" for _, kind in regions), regions
    page.evaluate(
        """() => { for (let i = 0; i < 6; i++) {
             window.spinecoachAnnounce("I can't see you clearly.");
             window.spinecoachAnnounce("I can see you again.");
           } }"""
    )
    text = page.inner_text("#cue-announcer")
    assert text.count("I can't see you clearly.") == 1 and text.count("I can see you again.") <= 1
    context.close()
