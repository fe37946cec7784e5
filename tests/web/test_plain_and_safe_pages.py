"""Issue 10 §3-4 on the web: new screening questions, plain words, cautions, sources."""

from __future__ import annotations

import re
from typing import Any


def test_screening_form_asks_each_red_flag_on_its_own(browser: Any) -> None:
    browser.sign_up("Ann", "ann@example.org")
    page = browser.get("/screening").text
    for question_id in ("long_term_steroids", "minor_fall_or_lift", "thin_bones", "sepsis_signs",
                        "morning_stiffness", "wakes_second_half_night"):  # fmt: skip
        assert f'name="q_{question_id}"' in page, question_id
    assert 'name="q_bone_fragility_injury"' not in page
    assert 'name="age"' in page and "required" in page.split('name="age"')[1].split(">")[0]


def test_unsure_on_an_urgent_question_blocks_with_plain_reasons(browser: Any) -> None:
    browser.sign_up("Ann", "ann@example.org")
    assert browser.screen({"long_term_steroids": "unsure"}).status_code == 303
    result = browser.get("/screening/result").text
    assert "Exercise is blocked" in result
    assert "steroid tablets" in result and "long_term_steroids" not in result
    assert browser.get("/today").status_code in (303, 409)  # no routine offered


def test_inflammatory_answers_are_routine_with_a_review(browser: Any) -> None:
    browser.sign_up("Ann", "ann@example.org")
    answers = dict.fromkeys(
        ("pain_over_3_months", "gradual_onset", "morning_stiffness", "wakes_second_half_night",
         "better_with_exercise_not_rest"),
        "yes",
    )  # fmt: skip
    assert browser.screen(answers, age=30).status_code == 303
    result = browser.get("/screening/result").text
    assert "book a check-up" in result and "rheumatologist" in result
    assert "Exercise is blocked" not in result


def test_plan_page_shows_cautions_minutes_and_readable_sources(browser: Any) -> None:
    browser.sign_up("Ana", "ana@example.org")
    browser.screen(age=31)
    response = browser.intake(
        aggravators=["standing"], conditions=["pregnancy"], pregnancy_weeks="22",
        minutes_per_day="10", pain_now="4", pain_average="4",
    )  # fmt: skip
    assert response.status_code == 303, response.text
    today = browser.get("/today").text
    assert "Take care:" in today
    assert re.search(r"Slow walking.*?about 2 minutes", today, re.S)
    assert "15 reps" not in today
    assert 'href="/sources#' in today
    assert "pregnancy_after_first_trimester" not in today and "extension_intolerant" not in today
    sources = browser.get("/sources").text
    assert 'id="ACOG804"' in sources and "Obstet Gynecol" in sources


def test_intake_errors_name_fields_in_plain_words(browser: Any) -> None:
    browser.sign_up("Ann", "ann@example.org")
    browser.screen()
    response = browser.intake(pregnancy_weeks="60")
    assert response.status_code == 422
    assert "Weeks of pregnancy" in response.text and "pregnancy_weeks:" not in response.text
