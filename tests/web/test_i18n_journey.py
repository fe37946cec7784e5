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
from tests.web.browser_steps import (
    LAPTOP,
    PHONE,
    end_session,
    onboard,
    sign_up,
    sign_up_clinician,
    start_session,
)
from tests.web.conftest import launch_chromium, serve

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
    rounded forward upright leaning level warning signs reported early ended stopped off
    switch none over which where who please try loading waiting saved
    jan apr aug dec mon tue wed thu fri sat sun""".split()
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
    // commands, paths and works cited in their own language are not interface text
    if (parent.closest("code, kbd, pre, samp")) continue;
    const lang = parent.closest("[lang]");
    if (lang && lang.getAttribute("lang") !== document.documentElement.lang) continue;
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
            parts = re.split(r"\{[^}]*\}|%\([^)]*\)[sd]|%[sd]", msgid)
            if not msgid or msgid in strings or len(WORD.findall(" ".join(parts))) < 2:
                continue
            body = ".+?".join(re.escape(p) for p in parts)
            patterns.append(re.compile(rf"^{body}$"))
    return patterns


def _english_in(texts: list[str], patterns: list[re.Pattern[str]]) -> list[str]:
    found = []
    for text in texts:
        if re.match(r"^(https?://|/)\S*$", text):
            continue  # an address
        if any(p.match(text) for p in patterns):
            found.append(f"catalogue msgid: {text!r}")
            continue
        # source tags ([IN112]) and named instruments are not words to translate
        plain = re.sub(r"\[[A-Z0-9]+\]|STarT Back", " ", text)
        words = [w.lower() for w in WORD.findall(plain)]
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
    code = sign_up_clinician(clinician, base, "Dr Maya Rao", "rao-es@clinic.example")
    _choose_spanish(clinician, base)

    ctx = chromium_es.new_context(viewport=PHONE, locale="en-GB")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_up(page, base, "Ana Ruiz", "ana-es@example.org", "patient", code)
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
        end_session(page)
        check(page, f"/session (summary {n + 1})")
        if page.is_visible("#summary-pain"):
            page.locator("#summary-pain-buttons button").nth(2).click()
            page.wait_for_selector("#summary-pain-saved:not([hidden])")
            check(page, "/session (summary, pain saved)")

    # a pain check-in from Today (tomorrow's changes need a session on an earlier day: see
    # test_words_the_walk_cannot_reach_are_spanish)
    page.goto(base + "/today")
    page.click("form[action='/checkin'].pain-scale button[value='3']")
    page.wait_for_load_state()
    check(page, "/checkin (result)")
    # the desk questionnaire with answers that bring advice, and desk-break times
    page.goto(base + "/posture")
    page.fill("form[action='/posture/desk'] input[name=hours_sitting]", "8")
    for name, value in (("screen_height", "well_below"), ("chair", "no_back_support"),
                        ("feet", "not_supported"), ("breaks", "rarely"),
                        ("device", "laptop_only")):  # fmt: skip
        page.select_option(f"form[action='/posture/desk'] select[name={name}]", value)
    page.click("form[action='/posture/desk'] button[type=submit]")
    page.wait_for_load_state()
    page.goto(base + "/posture")
    assert page.locator("#advice li").count() >= 4, "the desk answers bring advice"
    page.fill("form[action='/posture/breaks'] input[name=times]", "10:30,15:30")
    page.click("form[action='/posture/breaks'] button[type=submit]")
    page.wait_for_load_state()
    page.goto(base + "/posture")
    assert page.locator("ol.breaks li").count() == 2
    check(page, "/posture (advice and breaks)")
    page.locator("#desk").scroll_into_view_if_needed()
    page.evaluate("() => document.getElementById('advice').scrollIntoView({block: 'center'})")
    shot_to_docs(page, "web-phone-desk-advice-es")

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


def test_words_the_walk_cannot_reach_are_spanish(library: Any, rules: Any) -> None:
    """What only a camera, a sensor or several days bring (tomorrow's changes, set-up and
    tracking cues, form tips, posture findings and comparisons, desk advice, movement
    names), made with Spanish bound as the web middleware binds it: no English left."""
    from datetime import UTC, datetime, timedelta

    import numpy as np

    from spinecoach.content.i18n import translations
    from spinecoach.content.posture import load_desk_guide, load_norms
    from spinecoach.domain.adaptation import adapt_plan
    from spinecoach.domain.desk_breaks import build_desk_breaks
    from spinecoach.domain.exercise import ExcursionDirection
    from spinecoach.domain.i18n import _, use_translator
    from spinecoach.domain.intake import make_profile
    from spinecoach.domain.movement_words import movement_label
    from spinecoach.domain.plan import ExerciseReport, SessionReport
    from spinecoach.domain.planning import generate_plan
    from spinecoach.domain.posture import (
        PostureAssessment,
        PostureFigure,
        apply_findings,
        compare_all,
        findings,
    )
    from spinecoach.motion.form import FORM_RULES
    from spinecoach.motion.setup_check import check_setup
    from spinecoach.motion.start_position import GET_INTO
    from spinecoach.motion.tracking_quality import frame_tracking

    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    profile = make_profile({"pain_now": 3, "pain_average": 3, "duration_weeks": 20, "age": 40,
                            "activity_level": "moderate", "minutes_per_day": 10})  # fmt: skip
    texts: list[str] = []
    with use_translator("es", translations("es")):
        plan = generate_plan(profile, library, [], now)

        def report(during: int, morning: int | None, done: bool = True) -> SessionReport:
            return SessionReport(
                started_at=now, pain_before=3, pain_after=3, next_morning_pain=morning,
                symptoms=frozenset(),
                exercises=tuple(
                    ExerciseReport(i.exercise_id, done, i.dose.reps if done else 1,
                                   i.dose.reps, pain_during=during)
                    for i in plan.items
                ),
            )  # fmt: skip

        later = now + timedelta(days=1)
        once = adapt_plan(plan, [report(3, 3)], later, library=library, rules=rules)
        twice = adapt_plan(once, [report(3, 3)], later, library=library, rules=rules)
        for new in (
            once,
            twice,
            adapt_plan(plan, [report(8, 3)], later, library=library, rules=rules),
            adapt_plan(plan, [report(4, 6)], later, library=library, rules=rules),
            adapt_plan(plan, [report(3, None)], later, library=library, rules=rules),
            adapt_plan(plan, [report(3, 3, done=False)], later, library=library, rules=rules),
        ):
            texts += [c.reason for c in new.changes] + list(new.reasons)
        assert any(c.action.value == "progress" for c in twice.changes)
        norms = load_norms()
        check = PostureAssessment(
            now, "seated", "side",
            (PostureFigure("craniovertebral_angle_deg", 41.0, 0.9, "camera"),
             PostureFigure("pelvic_tilt_deg", 30.0, 1.0, "manual"),
             PostureFigure("slump_deg", 12.0, 0.8, "camera")),
        )  # fmt: skip
        found = findings([check], norms)
        assert {f.code for f in found} == {"forward_head"}
        texts += [f.reason for f in found] + [c.text for c in compare_all(check, norms)]
        posture_plan = apply_findings(plan, found, library, frozenset())
        texts += [c.reason for c in posture_plan.changes] + [i.reason for i in posture_plan.items]
        times = [datetime(2026, 1, 1, 10, 30).time(), datetime(2026, 1, 1, 15, 30).time()]
        for desk_break in build_desk_breaks(times, library, frozenset(), found):
            texts += [desk_break.reason] + [i.reason for i in desk_break.items]
        guide = load_desk_guide()
        texts += [_(q.text) for q in guide.questions] + [_(a.text) for a in guide.advice]
        texts += [_(n.label) for n in norms.values()] + [_(n.note) for n in norms.values()]
        texts += [_(r.message) for r in FORM_RULES] + [_(t) for t in GET_INTO.values()]
        texts += [movement_label(m, d) for m in ("trunk_flexion_deg", "left_hip_flexion_deg",
                  "right_knee_flexion_deg") for d in ExcursionDirection]  # fmt: skip
        names = ["nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip",
                 "left_knee", "right_knee", "left_ankle", "right_ankle"]  # fmt: skip
        positions = np.array([[320, 40], [300, 90], [340, 90], [305, 200], [335, 200],
                              [305, 300], [335, 300], [305, 420], [335, 420]], float)  # fmt: skip
        seen = check_setup(positions[None], np.ones((1, 9)), names, 640, 360, view="side")
        texts += [issue.instruction for issue in seen.issues]
        lost = frame_tracking(positions, np.r_[np.ones(5), np.zeros(4)], range(9), names,
                              min_confidence=0.5, width_px=640, height_px=480)  # fmt: skip
        texts.append(lost.reason)
    assert len(texts) > 60 and all(texts)
    found_english = _english_in(texts, _english_messages())
    assert not found_english, "\n".join(found_english)


OVERLAP = """() => {
  const box = (el) => el.getBoundingClientRect();
  const wrong = box(document.getElementById("wrong"));
  const out = [];
  const watched = [document.getElementById("step-text"), document.querySelector("#live .big-row")];
  for (const el of watched) {
    const b = box(el);
    if (!el.textContent.trim() || b.height === 0) continue;
    const overlap = Math.min(b.bottom, wrong.bottom) - Math.max(b.top, wrong.top);
    if (overlap > 0 && b.left < wrong.right && wrong.left < b.right)
      out.push(`${el.id || el.className} ${Math.round(b.top)}-${Math.round(b.bottom)} under `
               + `the button ${Math.round(wrong.top)}-${Math.round(wrong.bottom)}: `
               + el.textContent.trim().slice(0, 50));
  }
  // the strip over the camera view repeats the step and countdown: when it is in sight,
  // clear of the button, the person reads them there (the page is not scrolled away from it)
  const hud = document.getElementById("video-hud");
  const h = hud ? box(hud) : null;
  const hudInSight = !!(hud && getComputedStyle(hud).display !== "none" && h.top >= 0
    && h.bottom <= wrong.top
    && document.getElementById("hud-step").textContent.trim()
       === document.getElementById("step-text").textContent.trim());
  return {position: getComputedStyle(document.getElementById("wrong")).position,
          out: hudInSight ? [] : out};
}"""


@pytest.mark.parametrize("start", ["#start-camera", "#start-timer"])
def test_the_pinned_button_never_covers_the_step_on_a_phone(
    chromium_es: Any, spanish_server: str, start: str
) -> None:
    """At 390x844, "Something is wrong" is pinned to the bottom of the screen; whatever the
    step (long Spanish instructions included), the step text and the countdown row are
    never under it, unless the strip over the camera view shows them in sight instead."""
    base = spanish_server
    context = chromium_es.new_context(viewport=PHONE, locale="es-ES")
    page = context.new_page()
    who = start.removeprefix("#start-")
    onboard(page, base, "Ana Ruiz", f"ana-{who}@example.org", age="47", pain_now="4",
            pain_average="4", duration_weeks="14")  # fmt: skip
    start_session(page, base, start)
    page.locator("#pain-buttons button").nth(3).click()
    problems: list[str] = []
    steps: list[str] = []
    for _ in range(4):
        # the person has scrolled so the step text sits right under the pinned button ...
        page.evaluate(
            """() => { const s = document.getElementById("step-text").getBoundingClientRect();
                       const w = document.getElementById("wrong").getBoundingClientRect();
                       window.scrollBy(0, s.top - w.top - 4); }"""
        )
        before = page.inner_text("#step-text")
        # ... when the next step comes, it is shown clear of the button
        page.wait_for_function(
            "(t) => document.getElementById('step-text').textContent !== t", arg=before,
            timeout=20_000,
        )  # fmt: skip
        page.wait_for_timeout(700)
        seen = page.evaluate(OVERLAP)
        assert seen["position"] == "fixed", "the button is pinned on a phone while it runs"
        steps.append(page.inner_text("#step-text"))
        problems += seen["out"]
    assert len(set(steps)) >= 3, steps
    if start == "#start-camera":
        shot_to_docs(page, "web-phone-session-camera-es")
    context.close()
    assert not problems, "\n".join(sorted(set(problems)))


def shot_to_docs(page: Any, name: str) -> None:
    """A screenshot for docs/img (written when SPINECOACH_DOCS_SHOTS=1: reviewed by hand)."""
    import os

    if os.environ.get("SPINECOACH_DOCS_SHOTS") == "1":
        page.screenshot(path=str(DOCS_IMG / f"{name}.png"), full_page=False)
