"""Accessibility: axe-core (WCAG 2.1 A/AA) on every page of the patient and clinician journey
at laptop and phone sizes, and the whole patient journey with the keyboard alone.

axe-core comes from npm (package.json devDependency) and is served by the app itself from
/static/vendor/axe (Makefile ``web-assets``): no network. A page passes when axe finds no
violation of impact "serious" or "critical".
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spinecoach.settings import Settings
from spinecoach.web.app import create_app
from spinecoach.web.context import STATIC_DIR

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
AXE = STATIC_DIR / "vendor" / "axe" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery"
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"],
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
  });
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on loopback (uvicorn in a thread, SQLite in a temporary folder)."""
    import uvicorn

    app = create_app(
        Settings(data_dir=tmp_path_factory.mktemp("data"), secret_key="a11y-" + "s" * 40)
    )
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium (launched as in test_browser.py)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is required for the browser tests (apt-get install chromium)")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make web-assets` (axe-core from npm)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless=new", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield browser
        browser.close()


def _violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe violations of the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    found = page.evaluate(AXE_RUN)
    return [v for v in found if v["impact"] in ("serious", "critical")]


def _sign_up(page: Any, base: str, name: str, email: str, role: str, code: str = "") -> None:
    page.goto(base + "/signup")
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.check(f"input[name=role][value={role}]", force=True)
    if code:
        page.fill("input[name=clinic_code]", code)
    page.click("main button[type=submit]")


def _onboard(page: Any, base: str, name: str, email: str, code: str = "") -> None:
    """Sign up, answer the screening (all no) and the intake: Today's plan is ready."""
    _sign_up(page, base, name, email, "patient", code)
    page.wait_for_url("**/screening")
    page.fill("input[name=age]", "47")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check(force=True)
    page.click("main button[type=submit]")
    page.wait_for_url("**/screening/result")
    page.goto(base + "/intake")
    page.fill("input[name=pain_now]", "4")
    page.fill("input[name=pain_average]", "4")
    page.fill("input[name=duration_weeks]", "14")
    if page.locator("form.intake input[name=age]").count():  # asked only if screening did not
        page.fill("form.intake input[name=age]", "47")
    page.click("main button[type=submit]")
    page.wait_for_url("**/today?new=1")


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
    _sign_up(clinician, server, "Dr Maya Rao", "rao-a11y@clinic.example", "clinician")
    clinician.wait_for_url("**/clinic")
    code = clinician.inner_text("#clinic-code").strip()

    patient_ctx = chromium.new_context(viewport=LAPTOP)
    page = patient_ctx.new_page()
    _onboard(page, server, "Sam Patel", "sam-a11y@example.org", code)
    # a timers-only session: the live view and the summary are checked too
    page.goto(server + "/session")
    page.click("#start-timer")
    page.wait_for_selector("#pain-buttons button")
    _check(page, "/session (live)", "laptop", problems)
    page.locator("#pain-buttons button").nth(2).click()
    page.click("#stop")
    page.wait_for_selector("#summary:not([hidden])", timeout=20_000)
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
