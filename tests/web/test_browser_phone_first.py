"""Phone first (issue 14) at 390x844: with the camera view on screen, the countdown, the
instruction and the latest cue are in sight too (a strip over the bottom of the video on a
phone; beside it on a laptop), and no table is wider than the screen on the session detail,
the clinic list and the plan editor."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.browser_steps import (
    LAPTOP,
    PHONE,
    end_session,
    into_camera_exercise,
    onboard,
    page_with_errors,
    shot,
    sign_up_clinician,
    start_session,
)

pytestmark = pytest.mark.slow

BOX = """(sel) => { const e = document.querySelector(sel); if (!e) return null;
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
          shown: s.display !== 'none' && s.visibility !== 'hidden' && r.height > 0,
          text: e.textContent.trim()}; }"""


def _in(inner: dict[str, Any], outer: dict[str, Any]) -> bool:
    return (
        inner["top"] >= outer["top"] - 0.5
        and inner["bottom"] <= outer["bottom"] + 0.5
        and inner["left"] >= outer["left"] - 0.5
        and inner["right"] <= outer["right"] + 0.5
    )


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_countdown_instruction_and_cue_in_sight_with_the_camera(
    chromium: Any, server: str, size: str
) -> None:
    viewport = PHONE if size == "phone" else LAPTOP
    context = chromium.new_context(viewport=viewport)
    page, errors = page_with_errors(context)
    onboard(page, server, "Kim Lo", f"hud-{size}@example.org", age="36")
    into_camera_exercise(page, server)
    page.wait_for_function(
        "() => document.getElementById('step-text').textContent.trim() !== ''"
        " && document.querySelector('#cues li')",
        timeout=20_000,
    )
    page.evaluate("() => document.getElementById('video-wrap').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    screen = {"top": 0, "left": 0, "bottom": viewport["height"], "right": viewport["width"]}
    video = page.evaluate(BOX, "#video-wrap")
    assert _in(video, screen), video
    if size == "phone":
        # before: with the video in view the countdown was 880 px down, the cue below 960
        for hud, source in (
            ("#hud-countdown", "#countdown"),
            ("#hud-step", "#step-text"),
            ("#hud-cue", "#cues li"),
        ):
            page.wait_for_function(
                "([a, b]) => document.querySelector(a).textContent.trim() ==="
                " document.querySelector(b).textContent.trim()",
                arg=[hud, source],
                timeout=5_000,
            )
            box = page.evaluate(BOX, hud)
            assert box["shown"] and box["text"], (hud, box)
            assert _in(box, video) and _in(box, screen), (hud, box, video)
        assert page.get_attribute("#video-hud", "aria-hidden") == "true"
        # it follows the session: the next cue or count shows in the strip too
        first = page.evaluate("() => document.querySelector('#cues li').textContent")
        page.wait_for_function(
            "(t) => document.querySelector('#cues li').textContent !== t", arg=first, timeout=30_000
        )
        page.wait_for_function(
            "() => document.getElementById('hud-cue').textContent ==="
            " document.querySelector('#cues li').textContent",
            timeout=2_000,
        )
        shot(page, "phone-session-camera-hud")
    else:
        # beside the video on a laptop: the panel's own countdown, instruction and cue
        assert not page.evaluate(BOX, "#video-hud")["shown"]
        for selector in ("#countdown", "#step-text", "#cues li"):
            box = page.evaluate(BOX, selector)
            assert box["shown"] and _in(box, screen), (selector, box)
        shot(page, "laptop-session-camera-hud")
    page.click("#stop")
    assert not errors, errors
    context.close()


TABLES = """() => [...document.querySelectorAll('table')].map((t) => {
  const r = t.getBoundingClientRect();
  const cells = [...t.querySelectorAll('th, td')].map((c) => c.getBoundingClientRect())
    .filter((c) => c.width > 0);
  return {id: t.id || t.className || t.parentElement.className,
          left: Math.min(r.left, ...cells.map((c) => c.left)),
          right: Math.max(r.right, ...cells.map((c) => c.right)), scroll: t.scrollWidth}; })"""


def test_no_table_wider_than_a_phone(chromium: Any, server: str) -> None:
    """Session detail (patient and clinician), clinic list and plan editor at 390 px: every
    table fits the screen itself (not only inside a scrolling box), and the page does too."""
    clinician_ctx = chromium.new_context(viewport=PHONE)
    clinician = clinician_ctx.new_page()
    code = sign_up_clinician(clinician, server, "Dr Ana Gil", "gil@clinic.example")
    patient_ctx = chromium.new_context(viewport=PHONE)
    page = patient_ctx.new_page()
    onboard(page, server, "Rui Costa", "rui@example.org", code, age="52", pain_now="4",
            pain_average="4")  # fmt: skip
    start_session(page, server)
    page.locator("#pain-buttons button").nth(3).click()
    page.wait_for_function(
        "() => document.getElementById('countdown').textContent.trim() !== '–'", timeout=20_000
    )
    page.wait_for_timeout(4000)
    end_session(page)
    session_id = page.evaluate("() => document.body.dataset.sessionId")
    clinician.goto(server + "/clinic")
    patient_href = clinician.locator("a[href^='/clinic/patients/']").first.get_attribute("href")
    pages = [
        (page, f"/sessions/{session_id}", "patient-session-detail"),
        (clinician, "/clinic", "clinic-list"),
        (clinician, patient_href, "plan-editor"),
        (clinician, f"{patient_href}/sessions/{session_id}", "clinic-session-review"),
    ]
    failures = []
    for who, path, name in pages:
        who.goto(server + path)
        width = who.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            failures.append(f"{path}: the page is {width} px wide")
        tables = who.evaluate(TABLES)
        for t in tables:
            if (
                t["right"] > PHONE["width"] + 0.5
                or t["left"] < -0.5
                or t["scroll"] > PHONE["width"]
            ):
                failures.append(f"{path}: table {t['id']} spans {t['left']:.0f}-{t['right']:.0f}")
        if name == "plan-editor":  # before: the Lock column ended at 459 px
            who.locator("table.editor").scroll_into_view_if_needed()
        shot(who, f"phone-tables-{name}")
    assert not failures, "\n".join(failures)
    patient_ctx.close()
    clinician_ctx.close()
