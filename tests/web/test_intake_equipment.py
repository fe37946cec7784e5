"""The intake asks age once (at screening), asks what equipment the person has, and the plan
(and every change made to it later) uses only exercises they can do with it. No disability
score is asked on the web: the questionnaire's wording is not shipped."""

from __future__ import annotations

from tests.web.conftest import Browser

FLOOR = ("supine", "prone", "quadruped", "kneeling", "side_lying")


def _plan_ids(browser: Browser) -> list[str]:
    from spinecoach.store.models import Person
    from spinecoach.store.repositories import PlanRepository

    db = browser.app.state.ctx.session_factory()
    try:
        person = db.query(Person).filter(Person.email == "eq@example.org").one()
        plan = PlanRepository(db).latest(person.id)
        assert plan is not None
        return [i.exercise_id for i in plan.items]
    finally:
        db.close()


def test_intake_asks_age_once_and_no_disability_score(browser: Browser) -> None:
    browser.sign_up("Eq", "eq@example.org")
    assert browser.screen(age=52).status_code == 303
    page = browser.get("/intake").text
    assert 'name="age"' not in page  # given at screening
    assert "Roland" not in page and "rmdq" not in page
    for item in ("mat", "chair", "towel", "foam_roller", "band"):
        assert f'name="equipment" value="{item}"' in page
    data = {"equipment_asked": "1", "equipment": ["mat", "chair"]}
    response = browser.post(
        "/intake",
        {
            "pain_now": "3", "pain_average": "3", "duration_weeks": "20", "desk_hours": "2",
            "minutes_per_day": "15", "leg_symptoms": "none", "activity_level": "moderate",
            "goals": ["pain_relief"], **data,
        },
    )  # fmt: skip
    assert response.status_code == 303, response.text
    ctx = browser.app.state.ctx
    db = ctx.session_factory()
    try:
        from spinecoach.store.models import Intake, Person

        person = db.query(Person).filter(Person.email == "eq@example.org").one()
        row = db.query(Intake).filter(Intake.person_id == person.id).one()
        assert row.answers["age"] == 52 and sorted(row.answers["equipment"]) == ["chair", "mat"]
    finally:
        db.close()


def test_plan_uses_only_the_equipment_the_person_has(browser: Browser) -> None:
    library = browser.app.state.ctx.library
    browser.sign_up("Eq", "eq@example.org")
    assert browser.screen().status_code == 303
    common = {
        "pain_now": "3", "pain_average": "3", "duration_weeks": "20", "desk_hours": "2",
        "minutes_per_day": "15", "leg_symptoms": "none", "activity_level": "moderate",
        "goals": ["pain_relief", "flexibility"], "equipment_asked": "1",
    }  # fmt: skip
    # nothing at all: floor work on a carpet, a rug or a firm bed (each says so), no seated work
    assert browser.post("/intake", {**common, "equipment": []}).status_code == 303
    ids = _plan_ids(browser)
    assert ids and not any(library.get(i).position.value == "seated" for i in ids), ids
    assert any(library.get(i).position.value in FLOOR for i in ids), ids
    today = browser.get("/today").text
    assert "You have no mat: lie on a carpet or rug, or on a firm bed" in today
    # a chair only: seated work too; floor work still without a mat
    assert browser.post("/intake", {**common, "equipment": ["chair"]}).status_code == 303
    ids = _plan_ids(browser)
    assert all(set(library.get(i).equipment) - {"mat", "towel"} <= {"chair"} for i in ids), ids
    # a mat without a towel: floor exercises; a belt or scarf stands in for the towel
    answers = {**common, "equipment": ["mat", "chair"]}
    assert browser.post("/intake", answers).status_code == 303
    ids = _plan_ids(browser)
    assert any(library.get(i).position.value in FLOOR for i in ids), ids
    assert all(set(library.get(i).equipment) - {"towel"} <= {"mat", "chair"} for i in ids), ids
    page = browser.get("/intake").text  # the answers are kept for next time
    assert 'value="chair" checked' in page and 'value="towel" >' in page


def test_every_exercise_file_names_its_equipment(library) -> None:  # type: ignore[no-untyped-def]
    for exercise in library:
        floor = exercise.position.value in FLOOR
        assert ("mat" in exercise.equipment) == floor, exercise.id
        if exercise.position.value == "seated":
            assert "chair" in exercise.equipment, exercise.id
    assert "chair" in library.get("squat_to_chair").equipment  # standing, sits down onto one
    assert "towel" in library.get("hamstring_stretch").equipment
    assert "foam_roller" in library.get("foam_roll_paraspinals").equipment
    assert "band" in library.get("band_cat_cow").equipment
