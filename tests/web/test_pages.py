"""Patient onboarding, Today, Progress and the clinician's plan editor, through the pages."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.web.conftest import Browser

from spinecoach.store import models
from spinecoach.store.repositories import SessionRepository


def test_home_walks_a_new_patient_through_onboarding(browser: Browser) -> None:
    assert "Create an account" in browser.get("/").text
    browser.sign_up("Ann", "ann@example.org")
    assert browser.get("/").headers["location"] == "/screening"
    page = browser.get("/screening").text
    assert "bladder" in page and "Not sure" in page
    assert browser.screen().headers["location"] == "/screening/result"
    assert "No warning signs" in browser.get("/screening/result").text
    assert browser.get("/").headers["location"] == "/intake"
    assert browser.intake().headers["location"] == "/today?new=1"
    assert browser.get("/").headers["location"] == "/today"


def test_first_plan_shows_each_exercise_with_its_reason(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    page = browser.get("/today?new=1").text
    assert "Your plan is ready" in page
    assert "This is your first plan" in page
    n_items = page.count('class="exercise"')
    assert n_items >= 1
    assert page.count("<strong>Why:</strong>") == n_items
    assert re.search(r"about \d+ minutes", page)
    assert "Start guided session" in page


def test_emergency_answer_blocks_exercise_and_says_what_to_do(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    browser.screen({"saddle_numbness": "yes"})
    page = browser.get("/screening/result").text
    assert "get urgent medical help now" in page
    assert "Call 999" in page and "Exercise is blocked" in page
    for path in ("/intake", "/session"):
        blocked = browser.get(path)
        assert blocked.status_code == 409 and "Call 999" in blocked.text
    assert browser.intake().status_code == 409
    assert browser.get("/today").headers["location"] == "/screening/result"


def test_unanswered_emergency_question_is_not_cleared(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    browser.screen({"bladder_change": "unsure"})
    page = browser.get("/screening/result").text
    assert "speak to a clinician first" in page
    assert browser.get("/intake").status_code == 409


def test_bad_intake_is_explained_and_nothing_is_stored(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    browser.screen()
    response = browser.intake(pain_now="12")
    assert response.status_code == 422 and "pain_now" in response.text
    with browser.app.state.ctx.session_factory() as db:
        assert db.scalars(select(models.Plan)).first() is None


def test_morning_checkin_and_progress_with_minimal_important_change(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")  # intake pain_now 5
    response = browser.post("/checkin", {"pain": "2", "kind": "next_morning"})
    assert response.status_code == 200 and "Pain 2/10 recorded" in response.text
    page = browser.get("/progress").text
    assert '<svg class="chart"' in page
    assert "important improvement" in page and "You have reached it" in page
    # intake (5) and check-in (2) on the same day are one point: that day's mean
    assert page.count('<circle class="dot') == 1 and "pain 3.5/10" in page
    assert 'class="calendar"' in page
    assert "This week: 0 of 5 days" in page


def _store_session(app, person_email: str, ranges: list[float]) -> int:  # type: ignore[no-untyped-def]
    with app.state.ctx.session_factory() as db:
        person = db.scalars(select(models.Person).where(models.Person.email == person_email)).one()
        repo = SessionRepository(db)
        now = datetime.now(UTC)
        row = repo.start(person.id, None, source="camera", pain_before=4, started_at=now)
        repo.add_result(
            row.id, exercise_id="cat_cow", started_at=now, ended_at=now + timedelta(seconds=60),
            completed=True, reps_done=8, reps_target=8, ranges_deg=ranges,
            tracking={"ok_fraction": 0.95},
        )  # fmt: skip
        repo.finish(row.id, pain_after=3)
        return row.id


def test_session_history_and_detail(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    session_id = _store_session(browser.app, "ann@example.org", [21.0, 24.5])
    page = browser.get("/progress").text
    assert f"/sessions/{session_id}" in page and "24.5°" in page
    detail = browser.get(f"/sessions/{session_id}").text
    assert "You did 8 of 8 repetitions, moving between 21° and 24°" in detail
    assert "High confidence: in view 95%" in detail


def test_clinician_edits_dose_and_patient_sees_it(make_browser) -> None:  # type: ignore[no-untyped-def]
    clinician, patient = make_browser(), make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient.onboard("Ann", "ann@example.org", code)
    listing = clinician.get("/clinic").text
    patient_id = int(re.search(r'data-patient="(\d+)"', listing).group(1))
    page = clinician.get(f"/clinic/patients/{patient_id}").text
    assert "Directional preference" in page and "extension" in page  # sitting/bending worse
    items = re.findall(r'name="item" value="([^"]+)"', page)
    assert items
    reps = int(re.search(r'name="row0__reps"[^>]*value="(\d+)"', page).group(1))
    form: dict[str, object] = {"item": items, "level": "1", "note": "Keep it slow this week."}
    for n in range(len(items)):
        form[f"row{n}__keep"] = "on"
    form["row0__reps"] = str(reps + 2)
    saved = clinician.post(f"/clinic/patients/{patient_id}/plan", form)
    assert saved.status_code == 303
    today = patient.get("/today").text
    assert "Keep it slow this week." in today
    assert f"{reps + 2} reps" in today
    assert "Changed by Dr Rao" in today
    assert "reviewed by your clinician" in today


def test_clinician_removes_adds_and_locks(make_browser, app) -> None:  # type: ignore[no-untyped-def]
    clinician, patient = make_browser(), make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient.onboard("Ann", "ann@example.org", code)
    patient_id = int(re.search(r'data-patient="(\d+)"', clinician.get("/clinic").text).group(1))
    page = clinician.get(f"/clinic/patients/{patient_id}").text
    items = re.findall(r'name="item" value="([^"]+)"', page)
    addable = re.findall(r'<option value="([a-z_]+)">', page)
    assert addable
    form: dict[str, object] = {"item": items, "add_exercise_id": addable[0]}
    for n in range(1, len(items)):
        form[f"row{n}__keep"] = "on"
    clinician.post(f"/clinic/patients/{patient_id}/plan", form)
    first_id = items[0].partition(":")[2]
    with app.state.ctx.session_factory() as db:
        latest = db.scalars(select(models.Plan).order_by(models.Plan.id.desc())).first()
        ids = [i.exercise_id for i in latest.items]
        assert first_id not in ids and addable[0] in ids
        assert next(i for i in latest.items if i.exercise_id == addable[0]).locked
        assert latest.origin == "clinician"
    today = patient.get("/today").text
    assert "removed" in today and "added" in today


def test_clinician_flags_and_notes(make_browser) -> None:  # type: ignore[no-untyped-def]
    clinician, patient = make_browser(), make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient.onboard("Ann", "ann@example.org", code)
    patient.post("/checkin", {"pain": "3"})
    patient.post("/checkin", {"pain": "7"})
    listing = clinician.get("/clinic").text
    assert "flag-pain_rising" in listing and "Pain rose from" in listing
    patient_id = int(re.search(r'data-patient="(\d+)"', listing).group(1))
    clinician.post(
        f"/clinic/patients/{patient_id}/notes", {"text": "Called Ann; flare after gardening."}
    )
    assert "flare after gardening" in clinician.get(f"/clinic/patients/{patient_id}").text
    empty = clinician.post(f"/clinic/patients/{patient_id}/notes", {"text": "   "})
    assert empty.status_code == 422


def test_routine_screening_flags_patient_for_clinician(make_browser) -> None:  # type: ignore[no-untyped-def]
    clinician, patient = make_browser(), make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient.sign_up("Ann", "ann@example.org", code=code)
    patient.screen({"worsening_or_limiting": "yes"})
    assert "book a check-up" in patient.get("/screening/result").text
    listing = clinician.get("/clinic").text  # the safety state leads, with the question
    assert 'data-safety="see_clinician"' in listing and "See a clinician soon" in listing
    question = next(
        q for q in patient.app.state.ctx.rules.red_flags if q.id == "worsening_or_limiting"
    )
    assert html.escape(question.text, quote=False) in listing


def test_patient_joins_a_clinic_later(make_browser) -> None:  # type: ignore[no-untyped-def]
    clinician, patient = make_browser(), make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient.onboard("Ann", "ann@example.org")
    assert "enter their clinic code" in patient.get("/today").text
    assert "Ann" not in clinician.get("/clinic").text
    bad = patient.post("/join-clinic", {"code": "7-0000000000"})
    assert bad.status_code == 422 and "not valid" in bad.text
    assert patient.post("/join-clinic", {"code": code}).status_code == 303
    assert "shared with <strong>Dr Rao</strong>" in patient.get("/today").text
    assert "Ann" in clinician.get("/clinic").text


def _duplicate_first_item(app, patient_id: int) -> str:  # type: ignore[no-untyped-def]
    """Store a plan that lists its first exercise twice (as older versions could)."""
    from dataclasses import replace as dc_replace

    from spinecoach.store.repositories import PlanRepository, plan_from_row

    with app.state.ctx.session_factory() as db:
        plans = PlanRepository(db)
        current = plan_from_row(plans.latest_row(patient_id))
        twin = dc_replace(current.items[0], dose=current.items[0].dose.with_changes(reps=3))
        plans.add(patient_id, dc_replace(current, items=(current.items[0], twin,
                                                          *current.items[1:])),
                  origin="generated")  # fmt: skip
        return current.items[0].exercise_id


def test_plan_editor_edits_one_row_of_a_duplicated_exercise(make_browser, app) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: unticking or editing one row of a duplicate never changes both."""
    clinician, patient = make_browser(), make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient.onboard("Ann", "ann@example.org", code)
    patient_id = int(re.search(r'data-patient="(\d+)"', clinician.get("/clinic").text).group(1))
    twin_id = _duplicate_first_item(app, patient_id)
    page = clinician.get(f"/clinic/patients/{patient_id}").text
    assert "listed twice: untick one row" in page
    items = re.findall(r'name="item" value="([^"]+)"', page)
    assert items[0] == f"0:{twin_id}" and items[1] == f"1:{twin_id}"
    # keeping both rows is refused with a clear message, and nothing is saved
    keep_all: dict[str, object] = {"item": items}
    for n in range(len(items)):
        keep_all[f"row{n}__keep"] = "on"
    refused = clinician.post(f"/clinic/patients/{patient_id}/plan", keep_all)
    assert refused.status_code == 422 and "listed twice" in refused.text
    assert "Plan saved" not in refused.text
    # untick the second row and edit the first: only those rows change
    form: dict[str, object] = {"item": items, "row0__reps": "7"}
    for n in range(len(items)):
        if n != 1:
            form[f"row{n}__keep"] = "on"
    assert clinician.post(f"/clinic/patients/{patient_id}/plan", form).status_code == 303
    with app.state.ctx.session_factory() as db:
        latest = db.scalars(select(models.Plan).order_by(models.Plan.id.desc())).first()
        ids = [i.exercise_id for i in latest.items]
        assert ids.count(twin_id) == 1 and len(ids) == len(items) - 1
        assert latest.items[0].dose["reps"] == 7
