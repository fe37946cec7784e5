"""Session review: the clinician's page (numbers) and the patient's (plain words), with the
measured traces stored as the live session ran."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from tests.web.conftest import Browser
from tests.web.test_live import _figure_in_position, _receive_until, _sensor_messages

from spinecoach.reports.review import review_session
from spinecoach.store import models
from spinecoach.store.repositories import SessionRepository


def _linked_pair(make_browser: Any) -> tuple[Browser, Browser, int]:
    clinician, patient = make_browser(), make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient.onboard("Ann", "ann@example.org", code)
    listing = clinician.get("/clinic").text
    return clinician, patient, int(re.search(r'data-patient="(\d+)"', listing).group(1))


def test_live_session_traces_are_stored_and_drawn(make_browser: Any) -> None:
    from spinecoach.sources.imu.simulate import simulate

    sim = simulate("standing_flexion", n_reps=2, rep_s=4.0, rest_s=1.0, sample_rate_hz=50.0, seed=5)
    truth = sim.truth.values["lumbar_flexion_deg"]
    clinician, patient, patient_id = _linked_pair(make_browser)
    with patient.client.websocket_connect("/ws/session/keypoints?sensor=imu") as ws:
        hello = ws.receive_json()
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        ws.send_text(json.dumps({"type": "skip"}))  # set-up -> first exercise
        for _ in range(100):
            first = _receive_until(ws, "state")["state"]
            if first["exercise_number"] == 1:
                break
        from spinecoach.content import load_library

        # counting (and the camera trace) waits for the exercise's starting position
        position = load_library().get(first["step"]["exercise_id"]).position.value
        keypoints = _figure_in_position(hello["names"], position)

        def camera_frame(n: int) -> bool:
            """Send one frame of the still person; whether the camera angle is reported."""
            time.sleep(0.02)
            ws.send_text(json.dumps({"type": "keypoints", "t": n, "keypoints": keypoints}))
            angle = _receive_until(ws, "ack")["angle"]
            return angle is not None and angle["value_deg"] is not None

        messages = _sensor_messages(sim)
        measured = False
        for n, (t_last, lines) in enumerate(messages):
            measured = camera_frame(n) or measured
            ws.send_text(json.dumps({"type": "imu", "t": t_last, "lines": lines}))
            _receive_until(ws, "ack")
        # The angle is measured once tracking is sure and the starting position has been
        # held a second on the server's clock: however fast the frames above went, the
        # person stays in view until it is (a bounded wait, not a fixed sleep).
        deadline = time.monotonic() + 30.0
        n = len(messages)
        while not measured:
            assert time.monotonic() < deadline, "the camera angle was never reported"
            measured = camera_frame(n)
            n += 1
        ws.send_text(json.dumps({"type": "skip"}))  # the exercise ends -> stored with traces
        ws.send_text(json.dumps({"type": "stop"}))
        finished = _receive_until(ws, "finished")
    session_id = finished["session_id"]
    # the summary shows the count confidence of each exercise (issue 11)
    assert finished["results"] and all("count_confidence" in r for r in finished["results"])
    assert finished["results"][0]["count_confidence"] in ("high", "medium", "low", "none")
    with patient.app.state.ctx.session_factory() as db:
        first = db.scalars(
            select(models.ExerciseResult).where(models.ExerciseResult.session_id == session_id)
        ).first()
        assert first is not None and first.traces is not None
        sensor = first.traces["sensor"]
        assert sensor["label"] == "Lumbar flexion (sensor)"
        # the test streams faster than real time; samples are kept on the server clock
        assert len(sensor["t_s"]) == len(sensor["deg"]) >= 8
        assert np.all(np.diff(sensor["t_s"]) >= 0.099)  # thinned to at most 10 per second
        assert max(sensor["deg"]) > 0.8 * float(truth.max())  # the bends are in the trace
        camera = first.traces["camera"]
        assert max(abs(v) for v in camera["deg"]) < 1.0  # a still person on camera
        assert first.cues and all({"t_s", "kind", "text"} <= set(c) for c in first.cues)
    page = clinician.get(f"/clinic/patients/{patient_id}/sessions/{session_id}")
    assert page.status_code == 200
    assert "trace-sensor" in page.text and "trace-camera" in page.text
    assert "Lumbar flexion (sensor)" in page.text and "cue(s) given" in page.text
    mine = patient.get(f"/sessions/{session_id}")
    assert mine.status_code == 200 and "How you moved" in mine.text
    assert "trace-sensor" in mine.text
    # the clinician's patient page links every session to its review
    assert (
        f"/clinic/patients/{patient_id}/sessions/{session_id}"
        in clinician.get(f"/clinic/patients/{patient_id}").text
    )


def _stored_session_with_everything(app: Any) -> int:
    """A session with measured reps, holds, a form flag, and a symptom report that ended it."""
    with app.state.ctx.session_factory() as db:
        person = db.scalars(select(models.Person).where(models.Person.role == "patient")).one()
        plan = db.scalars(select(models.Plan).where(models.Plan.person_id == person.id)).first()
        exercise_id = plan.items[0].exercise_id
        repo = SessionRepository(db)
        now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
        row = repo.start(person.id, plan.id, source="camera", pain_before=4, started_at=now)
        repo.add_result(
            row.id, exercise_id=exercise_id, started_at=now, ended_at=now + timedelta(seconds=70),
            completed=False, reps_done=3, reps_target=10, ranges_deg=[21.0, 24.5, 19.2],
            hold_times_s=[], tempo={"rep_durations_s": [4.1, 3.9, 5.2], "mean_rep_s": 4.4,
                                    "prescribed_rep_s": 4.0},
            form_flags=[{"t_s": 12.0, "code": "knees_bent", "message": "Keep your knees soft"}],
            tracking={"measured": True, "ok_fraction": 0.52, "lost_s": 9.0},
            pain_during=6, stop_action="end_session",
            traces={"camera": {"label": "Movement (camera)", "t_s": [0, 1, 2], "deg": [0, 12, 3]}},
        )  # fmt: skip
        repo.add_pain_report(
            person.id, session_id=row.id, exercise_id=exercise_id, at=now + timedelta(seconds=60),
            kind="symptom", pain=6, symptoms=["sharp_pain"],
            decision={"action": "end_session", "reasons": ["Sharp pain: stop for today."]},
        )  # fmt: skip
        repo.finish(row.id, status="stopped", ended_at=now + timedelta(seconds=75), pain_after=5)
        return row.id


def test_review_shows_every_rep_flag_and_decision_in_numbers_and_plain_words(
    make_browser: Any,
) -> None:
    clinician, patient, patient_id = _linked_pair(make_browser)
    session_id = _stored_session_with_everything(patient.app)
    ctx = patient.app.state.ctx
    with ctx.session_factory() as db:
        labels = {r.symptom: r.label for r in ctx.rules.stop_rules}
        review = review_session(db, db.get(models.Session, session_id), ctx.library, labels)
    ex = review.exercises[0]
    assert [r.range_deg for r in ex.repetitions] == [21.0, 24.5, 19.2]
    assert [r.duration_s for r in ex.repetitions] == [4.1, 3.9, 5.2]
    assert ex.confidence == "low" and "52%" in ex.confidence_text
    assert ex.planned.endswith("reps") and ex.name != ex.exercise_id
    check = review.checkins[0]
    assert (
        check.text == f"Sharp or stabbing pain with pain 6/10 during {ex.name}: ended the session."
    )
    assert "sharp_pain" not in check.patient_text and "we ended the session" in check.patient_text

    page = clinician.get(f"/clinic/patients/{patient_id}/sessions/{session_id}").text
    for text in ("21.0", "24.5", "19.2", "5.2", "Keep your knees soft", "Low confidence",
                 "ended the session", "Ended early", f"Planned: <strong>{ex.planned}"):  # fmt: skip
        assert text in page, text
    mine = patient.get(f"/sessions/{session_id}").text
    assert "You did 3 of 10 repetitions, moving between 19° and 24°" in mine
    assert "You reported sharp or stabbing pain" in mine and "end_session" not in mine
    assert "Keep your knees soft" in mine and "trace-camera" in mine


def test_a_session_of_someone_else_is_not_found(make_browser: Any) -> None:
    clinician, patient, patient_id = _linked_pair(make_browser)
    session_id = _stored_session_with_everything(patient.app)
    other = make_browser()
    other.onboard("Bob", "bob@example.org")
    assert other.get(f"/sessions/{session_id}").status_code == 404
    missing = clinician.get(f"/clinic/patients/{patient_id}/sessions/{session_id + 999}")
    assert missing.status_code == 404
