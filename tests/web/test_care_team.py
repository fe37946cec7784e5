"""Notes marked private or shared, saved plan templates, and messages patient <-> clinician."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from tests.web.test_session_review import _linked_pair

from spinecoach.store import models


def test_private_notes_stay_with_the_clinician_and_shared_ones_reach_the_patient(
    make_browser: Any,
) -> None:
    clinician, patient, patient_id = _linked_pair(make_browser)
    base = f"/clinic/patients/{patient_id}"
    clinician.post(f"{base}/notes", {"text": "Query facet irritation.", "visibility": "private"})
    clinician.post(
        f"{base}/notes", {"text": "Walk 10 minutes after lunch.", "visibility": "shared"}
    )
    page = clinician.get(base).text
    assert "Query facet irritation." in page and "Walk 10 minutes after lunch." in page
    assert 'data-visibility="private"' in page and 'data-visibility="shared"' in page
    mine = patient.get("/messages").text
    assert "Walk 10 minutes after lunch." in mine and "facet" not in mine
    bad = clinician.post(f"{base}/notes", {"text": "x", "visibility": "public"})
    assert bad.status_code == 422 and "expected private or shared" in bad.text


def test_a_saved_template_is_assigned_to_another_patient(make_browser: Any) -> None:
    clinician, patient, patient_id = _linked_pair(make_browser)
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    other = make_browser()
    other.onboard("Bob", "bob@example.org", code)
    other.post("/intake", {"pain_now": "2", "pain_average": "2", "duration_weeks": "40",
                           "age": "70", "minutes_per_day": "5", "leg_symptoms": "none",
                           "activity_level": "low", "goals": ["pain_relief"]})  # fmt: skip
    ctx = patient.app.state.ctx
    with ctx.session_factory() as db:
        bob = db.scalars(select(models.Person).where(models.Person.name == "Bob")).one()
        bob_id = bob.id
    response = clinician.post(f"/clinic/patients/{patient_id}/templates", {"name": "Desk back"})
    assert response.status_code == 303
    page = clinician.get(f"/clinic/patients/{bob_id}").text
    template_id = int(
        re.search(r'name="template_id"><option value="(\d+)">Desk back', page).group(1)
    )
    assert (
        clinician.post(
            f"/clinic/patients/{bob_id}/plan/template", {"template_id": str(template_id)}
        ).status_code
        == 303
    )
    with ctx.session_factory() as db:
        plans = {p.person_id: p for p in db.scalars(select(models.Plan).order_by(models.Plan.id))}
        ann_plan = plans[patient_id]
        bob_plan = plans[bob_id]
        assert bob_plan.origin == "clinician" and "template 'Desk back'" in bob_plan.reasons[0]
        ann_items = [(i.exercise_id, i.dose) for i in ann_plan.items]
        assert [(i.exercise_id, i.dose) for i in bob_plan.items] == ann_items
    assert (
        "template &#39;Desk back&#39;" in other.get("/today").text
        or "Desk back" in other.get("/today").text
    )
    # another clinician cannot assign it, nor see it
    stranger = make_browser()
    stranger.sign_up("Dr Lee", "lee@example.org", "clinician")
    assert (
        stranger.post(
            f"/clinic/patients/{bob_id}/plan/template", {"template_id": str(template_id)}
        ).status_code
        == 404
    )


def test_messages_go_both_ways_and_are_marked_read(make_browser: Any) -> None:
    clinician, patient, patient_id = _linked_pair(make_browser)
    assert (
        patient.post("/messages", {"text": "Is it fine to skip the bridge today?"}).status_code
        == 303
    )
    listing = clinician.get("/clinic").text
    assert "1 unread message(s)" in listing
    page = clinician.get(f"/clinic/patients/{patient_id}").text
    assert "Is it fine to skip the bridge today?" in page
    assert "unread message" not in clinician.get("/clinic").text  # read by opening the page
    clinician.post(f"/clinic/patients/{patient_id}/messages", {"text": "Yes, rest today."})
    mine = patient.get("/messages").text
    assert mine.index("skip the bridge") < mine.index("Yes, rest today.")
    assert patient.post("/messages", {"text": "   "}).status_code == 422
    lonely = make_browser()
    lonely.onboard("Zed", "zed@example.org")
    assert "no clinician linked" in lonely.get("/messages").text
    assert lonely.post("/messages", {"text": "hello"}).status_code == 422
