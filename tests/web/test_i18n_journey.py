"""The whole web journey in Spanish: no English a person can see.

A patient and a clinician whose language setting is Spanish walk every page (intake, Today's
plan, the session page before, during and after a timers-only session with its summary,
progress and a session review, posture pages, reminders, messages, account; the clinic list,
outcomes and a patient). On each page every visible text node (and the placeholder,
``aria-label``, ``title`` and ``alt`` a person or a screen reader meets) is checked against
the English side of the catalogue (a translated msgid shown as is) and a list of common
English words that are not Spanish words. The catalogue test checks every msgid has a
Spanish msgstr with the same placeholders.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from tests.web.conftest import LAPTOP, PHONE, PASSWORD, launch_chromium, serve

from spinecoach.content.i18n import LOCALE_DIR
from spinecoach.settings import Settings
from spinecoach.web.app import create_app

SPANISH_PO = LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"

#: Common English words of a user interface that are not also Spanish words.
ENGLISH_WORDS = frozenset(
    """the and your you with of to is are for this that from not what how when today tomorrow
    yesterday week weeks day days minutes minute seconds second hold reps sets save start stop
    end pain back exercise exercises session sessions progress posture settings account sign
    log out in on at or be it by an if my we our will can do does done next previous
    continue cancel delete edit add remove send open close yes show hide more less than
    keep slowly breathe breath knees hands feet hip hips left right up down sit stand lie
    slow fast move moving great good well better worse same again time times about after
    before while each every only all any none never always here there see seen check
    checked reminder reminders message messages patient patients clinician care team
    outcomes score average now new old first last because why change changes changed
    tracking camera sitting standing desk break breaks neck shoulders chin head spine
    rounded forward upright leaning level""".split()
)
#: Words that may appear untranslated: names of people, the product, formats and units.
ALLOWED = frozenset(
    """spinecoach sam ana rao maya dr ruiz example org csv json pdf fhir imu bluetooth
    mediapipe ok id""".split()
)
WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:'[A-Za-z]+)?")

VISIBLE_TEXT = """() => {
  const out = [];
  const seen = (el) => el && el.checkVisibility
    ? el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) : true;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (!parent || ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(parent.tagName)) continue;
    const text = n.textContent.replace(/\\s+/g, " ").trim();
    if (text && seen(parent)) out.push(text);
  }
  for (const el of document.querySelectorAll("[placeholder], [aria-label], [title], img[alt]")) {
    for (const a of ["placeholder", "aria-label", "title", "alt"]) {
      const v = el.getAttribute(a);
      if (v && v.trim() && (seen(el) || a === "aria-label")) out.push(v.trim());
    }
  }
  out.push(document.title);
  return out;
}"""


def _catalogue() -> Any:
    with SPANISH_PO.open("rb") as fh:
        return read_po(fh, locale="es")


def _english_messages() -> list[re.Pattern[str]]:
    """Patterns for the msgids whose Spanish differs (a msgid shown means it was not
    translated); placeholders match anything."""
    patterns = []
    for m in _catalogue():
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for msgid in ids:
            if not msgid or msgid in strings or len(WORD.findall(msgid)) < 2:
                continue
            parts = re.split(r"\{[^}]*\}|%\([^)]*\)[sd]|%[sd]", msgid)
            body = ".+?".join(re.escape(p) for p in parts)
            patterns.append(re.compile(rf"^{body}$"))
    return patterns


def _english_in(texts: list[str], patterns: list[re.Pattern[str]]) -> list[str]:
    found = []
    for text in texts:
        if any(p.match(text) for p in patterns):
            found.append(f"catalogue msgid: {text!r}")
            continue
        words = [w.lower() for w in WORD.findall(text)]
        english = [w for w in words if w in ENGLISH_WORDS and w not in ALLOWED]
        if english:
            found.append(f"English words {english}: {text!r}")
    return found


def _placeholders(text: str) -> list[str]:
    named = re.findall(r"\{[^}]*\}|%\([^)]*\)[sd]", text)
    return sorted(named)


def test_every_msgid_has_a_spanish_msgstr_with_the_same_placeholders() -> None:
    problems = []
    formatter = string.Formatter()
    for m in _catalogue():
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        if not all(s and s.strip() for s in strings):
            problems.append(f"empty: {ids[0]!r}")
            continue
        for s in strings:
            if _placeholders(s) != _placeholders(ids[0]) and not (
                len(ids) > 1 and _placeholders(s) == _placeholders(ids[-1])
            ):
                problems.append(f"placeholders differ: {ids[0]!r} -> {s!r}")
            try:
                list(formatter.parse(s))
            except ValueError as exc:
                problems.append(f"bad format string {s!r}: {exc}")
    assert not problems, "\n".join(problems[:20])


@pytest.fixture(scope="module")
def spanish_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("data")
    app = create_app(Settings(data_dir=data_dir, secret_key="es-" + "s" * 40))
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def chromium_es(fake_camera: Path) -> Iterator[Any]:
    with launch_chromium(fake_camera) as browser:
        yield browser


def _sign_up(page: Any, base: str, name: str, email: str, role: str, code: str = "") -> None:
    page.goto(base + "/signup")
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.check(f"input[name=role][value={role}]", force=True)
    if code:
        page.fill("input[name=clinic_code]", code)
    page.click("main button[type=submit]")


def _choose_spanish(page: Any, base: str) -> None:
    """The person's setting: Spanish (Spain) on the account page."""
    page.goto(base + "/account")
    page.select_option("select[name=locale]", "es")
    page.select_option("select[name=country]", "ES")
    page.locator("form[action='/account/language'] button[type=submit]").click()
    page.wait_for_load_state()


def test_the_whole_journey_in_spanish_shows_no_english(
    chromium_es: Any, spanish_server: str
) -> None:
    base = spanish_server
    patterns = _english_messages()
    problems: list[str] = []

    def check(page: Any, label: str) -> None:
        for p in _english_in(page.evaluate(VISIBLE_TEXT), patterns):
            problems.append(f"{label}: {p}")

    clinician_ctx = chromium_es.new_context(viewport=LAPTOP, locale="en-GB")
    clinician = clinician_ctx.new_page()
    _sign_up(clinician, base, "Dr Maya Rao", "rao-es@clinic.example", "clinician")
    clinician.wait_for_url("**/clinic")
    code = clinician.inner_text("#clinic-code").strip()
    _choose_spanish(clinician, base)

    ctx = chromium_es.new_context(viewport=PHONE, locale="en-GB")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_up(page, base, "Ana Ruiz", "ana-es@example.org", "patient", code)
    page.wait_for_url("**/screening")
    _choose_spanish(page, base)
    page.goto(base + "/screening")
    check(page, "/screening")
    page.fill("input[name=age]", "47")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check(force=True)
    page.click("main button[type=submit]")
    page.wait_for_url("**/screening/result")
    check(page, "/screening/result")
    page.goto(base + "/intake")
    check(page, "/intake")
    page.fill("input[name=pain_now]", "4")
    page.fill("input[name=pain_average]", "4")
    page.fill("input[name=duration_weeks]", "14")
    page.click("main button[type=submit]")
    page.wait_for_url("**/today?new=1")
    check(page, "/today?new=1")

    for n in range(2):  # two sessions: the summary compares with the last one
        page.goto(base + "/session")
        check(page, "/session (intro)")
        page.click("#start-timer")
        page.wait_for_selector("#pain-buttons button")
        check(page, "/session (pain before)")
        page.locator("#pain-buttons button").nth(3).click()
        page.wait_for_function(
            "() => document.getElementById('countdown').textContent.trim() !== '–'",
            timeout=20_000,
        )
        page.wait_for_timeout(1500)
        check(page, "/session (live)")
        page.click("#stop")
        page.wait_for_selector("#summary:not([hidden])", timeout=20_000)
        check(page, f"/session (summary {n + 1})")
        if page.is_visible("#summary-pain"):
            page.locator("#summary-pain-buttons button").nth(2).click()
            page.wait_for_selector("#summary-pain-saved:not([hidden])")
            check(page, "/session (summary, pain saved)")

    page.goto(base + "/progress")
    detail = page.locator("a[href^='/sessions/']").first.get_attribute("href")
    patient_pages = [
        "/today", "/progress", detail, "/messages", "/posture",
        "/posture/check?view=side&position=seated", "/posture/monitor", "/safety", "/account",
        "/sources", "/session/sensor", "/reminders", "/posture/sensor",
    ]  # fmt: skip
    for path in patient_pages:
        response = page.goto(base + path)
        assert response is not None and response.status < 400, (path, response)
        page.wait_for_timeout(300)
        check(page, path)

    clinician.goto(base + "/clinic")
    patient_href = clinician.locator("a[href^='/clinic/patients/']").first.get_attribute("href")
    for path in ["/clinic", "/clinic/outcomes", patient_href, "/account"]:
        response = clinician.goto(base + path)
        assert response is not None and response.status < 400, (path, response)
        check(clinician, "clinician " + path)
    ctx.close()
    clinician_ctx.close()
    assert not errors, errors
    assert not problems, f"{len(problems)} English texts:\n" + "\n".join(problems)
