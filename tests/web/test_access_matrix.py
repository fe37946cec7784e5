"""Authorisation matrix: each role x each route x own / other's data.

Actors: anonymous, patient A (in clinic 1), patient B (in clinic 2), clinician 1, clinician 2.
Every protected route is tried by every actor; the expected outcome is listed explicitly.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.web.conftest import Browser
from tests.web.test_pages import _store_session

from spinecoach.store import models

OK, LOGIN, FORBIDDEN, MISSING = "ok", "login", "forbidden", "missing"


@pytest.fixture
def world(app: FastAPI) -> dict[str, Any]:
    """Two clinics, one patient each, with a plan and a stored session for patient A."""
    actors = {name: Browser(app) for name in ("anon", "patient_a", "patient_b", "clin_1", "clin_2")}
    codes = {}
    for n in (1, 2):
        actors[f"clin_{n}"].sign_up(f"Dr {n}", f"dr{n}@example.org", "clinician")
        page = actors[f"clin_{n}"].get("/clinic").text
        codes[n] = page.split('id="clinic-code">')[1].split("<")[0]
    actors["patient_a"].onboard("Ann", "a@example.org", codes[1])
    actors["patient_b"].onboard("Bob", "b@example.org", codes[2])
    ids = {}
    for n, name in ((1, "Ann"), (2, "Bob")):
        listing = actors[f"clin_{n}"].get("/clinic").text
        ids[name] = int(re.search(r'data-patient="(\d+)"', listing).group(1))
    session_a = _store_session(app, "a@example.org", [20.0])
    reminders = {"daily_time": "09:00", "breaks_on": "1", "break_days": ["MO"], "time_zone": "UTC"}
    assert actors["patient_a"].post("/reminders", reminders).status_code == 303
    Browser(app).log_in("a@example.org")  # patient A on a second device
    with app.state.ctx.session_factory() as db:
        from sqlalchemy import func

        sign_in_a = db.scalar(
            select(func.max(models.WebSignIn.id)).where(models.WebSignIn.person_id == ids["Ann"])
        )
        clin_1 = db.scalars(select(models.Person).where(models.Person.email == "dr1@example.org"))
        template = models.PlanTemplate(clinician_id=clin_1.one().id, name="t", level=1, items=[])
        db.add(template)
        db.commit()
        template_1 = template.id
    return {
        "actors": actors,
        "patient_a": ids["Ann"],
        "session_a": session_a,
        "sign_in_a": sign_in_a,
        "template_1": template_1,
    }


def _outcome(response: Any) -> str:
    if response.status_code in (200, 303) and not response.headers.get("location", "").startswith(
        "/login"
    ):
        return OK
    if response.status_code == 303:
        return LOGIN
    if response.status_code == 401:
        return LOGIN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return MISSING
    return f"status {response.status_code}"


ACTORS = ("anon", "patient_a", "patient_b", "clin_1", "clin_2")
SIGNED_IN = (LOGIN, OK, OK, OK, OK)
SIGNED_IN_422 = (LOGIN, "status 422", "status 422", "status 422", "status 422")
PATIENT_PAGE = (LOGIN, OK, OK, FORBIDDEN, FORBIDDEN)
CLINIC_OWN_A = (LOGIN, FORBIDDEN, FORBIDDEN, OK, MISSING)  # patient A's clinician only

# route -> expected outcome per actor, in ACTORS order
GET_ROUTES = {
    "/today": PATIENT_PAGE,
    "/progress": PATIENT_PAGE,
    "/screening": PATIENT_PAGE,
    "/intake": PATIENT_PAGE,
    "/session": PATIENT_PAGE,
    "/sessions/{session_a}": (LOGIN, OK, MISSING, FORBIDDEN, FORBIDDEN),
    "/clinic": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "/clinic/patients/{patient_a}": CLINIC_OWN_A,
    "/clinic/patients/999999": (LOGIN, FORBIDDEN, FORBIDDEN, MISSING, MISSING),
    "/export.json": PATIENT_PAGE,
    "/messages": PATIENT_PAGE,
    "/report.pdf": PATIENT_PAGE,
    "/clinic/patients/{patient_a}/report.pdf": CLINIC_OWN_A,
    "/clinic/patients/{patient_a}/report.pdf?version=patient": CLINIC_OWN_A,
    "/fhir/Patient/{patient_a}/$everything": CLINIC_OWN_A,
    "/clinic/outcomes": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "/clinic/outcomes.csv": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "/fhir/Patient/999999/$everything": (LOGIN, FORBIDDEN, FORBIDDEN, MISSING, MISSING),
    "/posture": PATIENT_PAGE,
    "/posture/check?view=side&position=seated": PATIENT_PAGE,
    "/posture/monitor": PATIENT_PAGE,
    "/posture/check?source=imu&position=standing": PATIENT_PAGE,
    "/posture/sensor": PATIENT_PAGE,
    "/clinic/patients/{patient_a}/export.json": CLINIC_OWN_A,
    "/clinic/patients/{patient_a}/sessions/{session_a}": CLINIC_OWN_A,
    "/safety": PATIENT_PAGE,
    "/account": SIGNED_IN,
    "/session?resume={session_a}": (LOGIN, MISSING, MISSING, FORBIDDEN, FORBIDDEN),
    "/reminders": PATIENT_PAGE,
    # own reminders only: patient B has saved none, so B's file is missing (never A's)
    "/reminders.ics": (LOGIN, OK, MISSING, FORBIDDEN, FORBIDDEN),
}

POST_ROUTES = {
    "/checkin": ({"pain": "3"}, PATIENT_PAGE),
    "/posture/breaks": ({"times": "10:30,15:00"}, PATIENT_PAGE),
    "/posture/desk": (
        {
            "hours_sitting": "8",
            "screen_height": "eye_level",
            "chair": "chair_with_back",
            "feet": "supported",
            "breaks": "hourly",
            "device": "desktop_monitor",
        },
        PATIENT_PAGE,
    ),  # fmt: skip
    "/clinic/patients/{patient_a}/notes": ({"text": "note"}, CLINIC_OWN_A),
    "/clinic/patients/{patient_a}/plan": ({"note": "n"}, CLINIC_OWN_A),
    "/messages": ({"text": "hello"}, PATIENT_PAGE),
    "/clinic/patients/{patient_a}/messages": ({"text": "hello"}, CLINIC_OWN_A),
    "/clinic/patients/{patient_a}/templates": ({"name": "Desk"}, CLINIC_OWN_A),
    "/clinic/patients/{patient_a}/plan/template": ({"template_id": "{template_1}"}, CLINIC_OWN_A),
    "/clinic/patients/{patient_a}/clear": ({"note": "Seen today: safe"}, CLINIC_OWN_A),
    "/safety/acknowledge": ({}, PATIENT_PAGE),
    "/reminders": (
        {"daily_time": "07:30", "break_days": "FR", "time_zone": "Europe/Paris"},
        PATIENT_PAGE,
    ),
    # a wrong current password: every signed-in person reaches the check, nobody else
    "/account/password": ({"current_password": "wrong!", "new_password": "x" * 12}, SIGNED_IN_422),
    # patient A's second device: only A may end it
    "/account/sign-ins/{sign_in_a}/revoke": ({}, (LOGIN, OK, MISSING, MISSING, MISSING)),
    "/account/sign-ins/revoke-others": ({}, SIGNED_IN),
}


def test_get_matrix(world: dict[str, Any]) -> None:
    failures = []
    for template, expected in GET_ROUTES.items():
        path = template.format(**world)
        for actor, want in zip(ACTORS, expected, strict=True):
            got = _outcome(world["actors"][actor].get(path))
            if got != want:
                failures.append(f"GET {path} as {actor}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)


def test_post_matrix(world: dict[str, Any]) -> None:
    failures = []
    for template, (data, expected) in POST_ROUTES.items():
        path = template.format(**world)
        for actor, want in zip(ACTORS, expected, strict=True):
            form = {k: v.format(**world) for k, v in data.items()}
            got = _outcome(world["actors"][actor].post(path, form))
            if got != want:
                failures.append(f"POST {path} as {actor}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)


def test_other_clinic_cannot_change_plan(world: dict[str, Any], app: FastAPI) -> None:
    from sqlalchemy import func, select

    from spinecoach.store import models

    with app.state.ctx.session_factory() as db:
        before = db.scalar(select(func.count()).select_from(models.Plan))
    world["actors"]["clin_2"].post(f"/clinic/patients/{world['patient_a']}/plan", {"note": "x"})
    with app.state.ctx.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(models.Plan)) == before


def test_exports_hold_the_right_persons_data(world: dict[str, Any]) -> None:
    clinician = world["actors"]["clin_1"].get(f"/clinic/patients/{world['patient_a']}/export.json")
    assert clinician.status_code == 200
    assert "attachment" in clinician.headers["content-disposition"]
    data = clinician.json()
    assert data["person"]["name"] == "Ann" and len(data["sessions"]) == 1
    assert data["sessions"][0]["results"][0]["ranges_deg"] == [20.0]
    own = world["actors"]["patient_b"].get("/export.json").json()
    assert own["person"]["name"] == "Bob" and own["sessions"] == []


def test_report_downloads_hold_the_right_persons_data(world: dict[str, Any]) -> None:
    import io

    from pypdf import PdfReader

    def text(response: Any) -> str:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert "attachment" in response.headers["content-disposition"]
        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)

    clinic = text(
        world["actors"]["clin_1"].get(f"/clinic/patients/{world['patient_a']}/report.pdf")
    )
    assert "Progress report" in clinic and "Patient: Ann" in clinic
    plain = world["actors"]["clin_1"].get(
        f"/clinic/patients/{world['patient_a']}/report.pdf?version=patient"
    )
    assert "Your progress" in text(plain)
    own = text(world["actors"]["patient_b"].get("/report.pdf"))
    assert "Name: Bob" in own and "Ann" not in own
    bad = world["actors"]["clin_1"].get(
        f"/clinic/patients/{world['patient_a']}/report.pdf?version=x"
    )
    assert bad.status_code == 422


def test_fhir_download_is_the_patients_bundle(world: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    response = world["actors"]["clin_1"].get(f"/fhir/Patient/{world['patient_a']}/$everything")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    Bundle.model_validate(bundle)
    patients = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert [p["name"][0]["text"] for p in patients] == ["Ann"]
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Encounter", "Procedure", "CarePlan", "Device", "Observation"} <= kinds


def test_outcomes_show_only_own_patients(world: dict[str, Any]) -> None:
    import csv
    import io

    own = world["actors"]["clin_1"].get("/clinic/outcomes.csv")
    assert own.status_code == 200 and own.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(own.text)))
    assert [r[1] for r in rows[1:-1]] == ["Ann"] and rows[1][7] == "1"  # one session
    other = list(
        csv.reader(io.StringIO(world["actors"]["clin_2"].get("/clinic/outcomes.csv").text))
    )
    assert [r[1] for r in other[1:-1]] == ["Bob"]
    page = world["actors"]["clin_1"].get("/clinic/outcomes?start=2026-01-01&end=2027-12-31").text
    assert "Reached the minimal important change" in page and "Ann" in page and "Bob" not in page
    bad = world["actors"]["clin_1"].get("/clinic/outcomes?start=yesterday")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text


#: Posture WebSockets: only a signed-in patient gets past the door (the others get one fatal
#: error line); a clinician is refused too.
POSTURE_SOCKETS = (
    "/ws/posture/check?view=side&position=seated",
    "/ws/posture/check?source=imu&position=standing",
    "/ws/posture/monitor",
    "/ws/posture/monitor?source=imu",
    "/ws/posture/sensor",
)


def _first_reply(client: Any, path: str) -> dict[str, Any]:
    """The first message a posture socket sends after a harmless request."""
    with client.websocket_connect(path) as ws:
        if "source=imu" in path:
            ws.send_text('{"type": "status"}' if "check" in path else '{"type": "tick", "t": 1}')
        elif not path.endswith("/sensor"):
            ws.send_text('{"type": "bogus"}')
        reply: dict[str, Any] = ws.receive_json()
        return reply


def test_posture_socket_matrix(world: dict[str, Any]) -> None:
    failures = []
    for path in POSTURE_SOCKETS:
        for actor in ACTORS:
            reply = _first_reply(world["actors"][actor].client, path)
            patient = actor.startswith("patient")
            if path.endswith("/sensor"):  # no page is waiting: refused, patients told why
                ok = bool(reply.get("fatal")) and (not patient or "waiting" in reply["error"])
            else:  # patients reach the socket (a normal reply); everyone else: one fatal line
                ok = bool(reply.get("fatal")) != patient
            if not ok:
                failures.append(f"WS {path} as {actor}: got {reply}")
    assert not failures, "\n".join(failures)
