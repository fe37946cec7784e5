"""Authorisation matrix: each role x each route x own / other's data.

Actors: anonymous, patient A (in clinic 1), patient B (in clinic 2), clinician 1, clinician 2.
Every protected route is tried by every actor; the expected outcome is listed explicitly.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from tests.web.conftest import Browser
from tests.web.test_pages import _store_session

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
    Browser(app).log_in("a@example.org")  # patient A on a second device
    with app.state.ctx.session_factory() as db:
        from sqlalchemy import func, select

        from spinecoach.store import models

        sign_in_a = db.scalar(
            select(func.max(models.WebSignIn.id)).where(models.WebSignIn.person_id == ids["Ann"])
        )
    return {
        "actors": actors,
        "patient_a": ids["Ann"],
        "session_a": session_a,
        "sign_in_a": sign_in_a,
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
    "/posture": PATIENT_PAGE,
    "/posture/check?view=side&position=seated": PATIENT_PAGE,
    "/posture/monitor": PATIENT_PAGE,
    "/clinic/patients/{patient_a}/export.json": CLINIC_OWN_A,
    "/safety": PATIENT_PAGE,
    "/account": SIGNED_IN,
    "/session?resume={session_a}": (LOGIN, MISSING, MISSING, FORBIDDEN, FORBIDDEN),
}

POST_ROUTES = {
    "/checkin": ({"pain": "3"}, PATIENT_PAGE),
    "/posture/breaks": ({"times": "10:30,15:00"}, PATIENT_PAGE),
    "/clinic/patients/{patient_a}/notes": ({"text": "note"}, CLINIC_OWN_A),
    "/clinic/patients/{patient_a}/plan": ({"note": "n"}, CLINIC_OWN_A),
    "/clinic/patients/{patient_a}/clear": ({"note": "Seen today: safe"}, CLINIC_OWN_A),
    "/safety/acknowledge": ({}, PATIENT_PAGE),
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
            got = _outcome(world["actors"][actor].post(path, data))
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
