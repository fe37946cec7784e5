"""The persistent safety state on the web (issue 10 §1): an emergency reported at a check-in
or inside a live session blocks Start, the session page and every live WebSocket until the
person re-screens clear or their clinician clears them with a note; a paused plan stays
paused; a blocked person can still share and export their data."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from tests.web.conftest import Browser

from spinecoach.store import models

WS_PATHS = ("/ws/session", "/ws/session/keypoints", "/ws/session/imu")


def _ws_refusal(browser: Browser, path: str) -> str:
    with browser.client.websocket_connect(path) as ws:
        message = ws.receive_json()
        assert message["type"] == "error" and message["fatal"], message
        return str(message["error"])


def _clinic_and_patient(make_browser: Any) -> tuple[Browser, Browser, int]:
    clinician = make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient = make_browser()
    patient.onboard("Ann", "ann@example.org", code)
    listing = clinician.get("/clinic").text
    patient_id = int(re.search(r'data-patient="(\d+)"', listing).group(1))
    return clinician, patient, patient_id


def _assert_blocked_everywhere(patient: Browser) -> None:
    assert patient.get("/today").headers["location"] == "/safety"
    assert patient.get("/").headers["location"] == "/safety"
    page = patient.get("/session")
    assert page.status_code == 409
    assert 'id="acknowledge-safety"' in page.text and "Call 999" in page.text
    assert 'id="start-camera"' not in page.text
    assert patient.get("/session/sensor").status_code == 409
    for path in WS_PATHS:
        assert "Exercise is blocked" in _ws_refusal(patient, path)


def _assert_allowed(patient: Browser) -> None:
    today = patient.get("/today")
    assert today.status_code == 200 and 'id="start-session"' in today.text
    assert patient.get("/session").status_code == 200
    with patient.client.websocket_connect("/ws/session") as ws:
        assert ws.receive_json()["type"] == "hello"
        ws.send_text(json.dumps({"type": "stop"}))


def test_emergency_at_a_checkin_blocks_until_the_clinician_clears_with_a_note(
    make_browser: Any,
) -> None:
    clinician, patient, patient_id = _clinic_and_patient(make_browser)
    other = make_browser()
    other.onboard("Zed", "zed@example.org", clinician.get("/clinic").text.split(
        'id="clinic-code">')[1].split("<")[0])  # fmt: skip
    response = patient.post("/checkin", {"kind": "symptom", "symptoms": ["saddle_numbness"]})
    assert response.headers["location"] == "/safety"
    page = patient.get("/safety").text
    assert "get medical help now" in page and "Saddle-area numbness" in page
    assert "answer the safety questions again" in page
    _assert_blocked_everywhere(patient)

    # the page must be acknowledged; it is recorded
    assert patient.post("/safety/acknowledge").headers["location"] == "/safety"
    assert 'id="safety-acknowledged"' in patient.get("/safety").text

    # a blocked person can still export their data and share it with a clinic
    export = patient.get("/export.json")
    assert export.status_code == 200 and export.json()["person"]["name"] == "Ann"
    assert patient.post("/join-clinic", {"code": "bad"}).status_code in (303, 404, 422)

    # the clinician sees the flag first, in plain words, with the time
    listing = clinician.get("/clinic").text
    first_row = listing.split("<tbody>")[1].split("</tr>")[0]
    assert f'data-patient="{patient_id}"' in first_row and 'data-safety="emergency"' in first_row
    assert "Emergency: get medical help now" in first_row and "numbness" in first_row
    assert re.search(r"\d\d \w\w\w \d\d:\d\d", first_row)

    # clearance needs a note, and is logged in the history both sides see
    assert clinician.post(f"/clinic/patients/{patient_id}/clear", {"note": " "}).status_code == 422
    cleared = clinician.post(f"/clinic/patients/{patient_id}/clear",
                             {"note": "Seen in clinic: no cauda equina signs."})  # fmt: skip
    assert cleared.status_code == 303
    assert "Seen in clinic: no cauda equina signs." in clinician.get(
        f"/clinic/patients/{patient_id}").text  # fmt: skip
    _assert_allowed(patient)
    assert "Cleared by Dr Rao: Seen in clinic" in patient.get("/safety").text


def test_emergency_inside_a_live_session_blocks_the_next_start_until_rescreened_clear(
    make_browser: Any,
) -> None:
    browser = make_browser()
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session") as ws:
        ws.receive_json()
        ws.send_text(json.dumps({"type": "pause"}))
        ws.send_text(json.dumps({"type": "symptoms", "symptoms": ["bladder_bowel_change"]}))
        for _ in range(50):
            if ws.receive_json()["type"] == "finished":
                break
    _assert_blocked_everywhere(browser)
    assert "bladder or bowel" in browser.get("/safety").text
    # still blocked, they share their records with a clinic and export them
    assert 'id="safety-share"' in browser.get("/safety").text
    clinician = make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    assert browser.post("/join-clinic", {"code": code}).status_code == 303
    assert 'data-safety="emergency"' in clinician.get("/clinic").text
    export = browser.get("/export.json").json()
    assert [s["level"] for s in export["safety_states"]] == ["clear", "emergency"]
    # re-screening with the symptom still there keeps the block; with it gone lifts it
    browser.screen({"bladder_change": "yes"})
    assert browser.get("/session").status_code == 409
    browser.screen()
    _assert_allowed(browser)
    with browser.app.state.ctx.session_factory() as db:
        history = [(r.level, r.source) for r in db.scalars(select(models.SafetyStateRow).order_by(
            models.SafetyStateRow.id))]  # fmt: skip
    assert history == [("clear", "screening"), ("emergency", "session"),
                       ("emergency", "screening"), ("clear", "screening")]  # fmt: skip


def test_a_plan_paused_by_new_weakness_stays_paused_and_today_says_why(
    make_browser: Any,
) -> None:
    clinician, patient, patient_id = _clinic_and_patient(make_browser)
    with patient.client.websocket_connect("/ws/session") as ws:
        ws.receive_json()
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        ws.send_text(json.dumps({"type": "skip"}))
        ws.send_text(json.dumps({"type": "symptoms", "symptoms": ["numbness"]}))
        for _ in range(80):
            if ws.receive_json()["type"] == "finished":
                break
    with patient.app.state.ctx.session_factory() as db:
        plan = db.scalars(select(models.Plan).order_by(models.Plan.id.desc())).first()
        assert plan is not None and plan.paused
    today = patient.get("/today")
    assert today.status_code == 200
    assert 'id="plan-paused"' in today.text and "numbness" in today.text
    assert 'id="start-session"' not in today.text
    assert patient.get("/session").status_code == 409
    assert "Exercise is blocked" in _ws_refusal(patient, "/ws/session")
    # the next-morning check-in re-adapts the same session: still paused
    patient.post("/checkin", {"pain": "2", "kind": "next_morning"})
    assert patient.get("/session").status_code == 409
    clinician.post(f"/clinic/patients/{patient_id}/clear", {"note": "Numbness assessed."})
    _assert_allowed(patient)


def test_a_clinician_clears_an_urgent_screening_answer_with_a_note(make_browser: Any) -> None:
    clinician, patient, patient_id = _clinic_and_patient(make_browser)
    patient.screen({"cancer_history": "yes"})
    assert patient.get("/today").headers["location"] == "/screening/result"
    assert patient.get("/session").status_code == 409
    listing = clinician.get("/clinic").text
    assert 'data-safety="urgent"' in listing and "cancer" in listing.lower()
    clinician.post(f"/clinic/patients/{patient_id}/clear",
                   {"note": "Treated in 2015, discharged; exercise is fine."})  # fmt: skip
    _assert_allowed(patient)
    assert "data-safety=" not in clinician.get("/clinic").text
