"""The live session WebSocket: authorisation, validation, size limits, stored results."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from tests.web.conftest import Browser

from spinecoach.store import models


def _receive_until(ws: Any, kind: str, limit: int = 200) -> dict[str, Any]:
    for _ in range(limit):
        message = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind!r} message")


def _fatal_error(browser: Browser, path: str = "/ws/session/keypoints", **kw: Any) -> str:
    with browser.client.websocket_connect(path, **kw) as ws:
        message = ws.receive_json()
        assert message["type"] == "error" and message["fatal"]
        return str(message["error"])


def test_refuses_anonymous_clinician_and_blocked_patients(make_browser) -> None:  # type: ignore[no-untyped-def]
    anonymous = make_browser()
    anonymous.client.get("/login")
    assert "sign in" in _fatal_error(anonymous)
    clinician = make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    assert "for patients" in _fatal_error(clinician)
    blocked = make_browser()
    blocked.sign_up("Ann", "ann@example.org")
    blocked.screen({"chest_pain": "yes"})
    assert "Call 999" in _fatal_error(blocked)


def test_refuses_cross_site_origin(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    error = _fatal_error(browser, headers={"origin": "http://evil.example"})
    assert "cross-site" in error


def test_keypoints_session_stores_results_as_they_happen(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    factory = browser.app.state.ctx.session_factory
    with browser.client.websocket_connect("/ws/session/keypoints") as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello" and hello["state"]["awaiting"] == "pain"
        assert len(hello["names"]) == 33
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        for _ in range(100):
            if _receive_until(ws, "state")["state"]["status"] == "running":
                break
        rng = np.random.default_rng(0)
        points = (rng.uniform(100, 500, size=(33, 2))).round(1)
        keypoints = [[x, y, 0.9] for x, y in points.tolist()]
        for i in range(10):
            ws.send_text(json.dumps({"type": "keypoints", "t": i, "keypoints": keypoints}))
            ack = _receive_until(ws, "ack")
            assert ack["client_ts"] == i
        ws.send_text(json.dumps({"type": "skip"}))  # set-up step
        ws.send_text(json.dumps({"type": "skip"}))  # first exercise -> stored at once
        for _ in range(100):
            message = _receive_until(ws, "state")
            if message["state"]["results"] >= 1:
                break
        with factory() as db:
            rows = db.scalars(select(models.ExerciseResult)).all()
            assert len(rows) == 1 and rows[0].stop_action == "skipped"
            session = db.scalars(select(models.Session)).one()
            assert session.status == "in_progress" and session.pain_before == 2
        ws.send_text(json.dumps({"type": "stop"}))
        finished = _receive_until(ws, "finished")
        assert finished["session_id"] == session.id
        assert finished["changes"], "tomorrow's plan is adapted and its changes explained"
    with factory() as db:
        session = db.scalars(select(models.Session)).one()
        assert session.status == "stopped"
        origins = [p.origin for p in db.scalars(select(models.Plan).order_by(models.Plan.id))]
        assert origins == ["generated", "adapted"]


def test_symptom_report_ends_session_with_urgent_advice(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session") as ws:
        ws.receive_json()
        ws.send_text(json.dumps({"type": "pause"}))
        ws.send_text(json.dumps({"type": "symptoms", "symptoms": ["bladder_bowel_change"]}))
        texts = []
        for _ in range(50):
            message = ws.receive_json()
            texts += [c["text"] for c in message.get("cues", [])]
            if message["type"] == "finished":
                break
        assert "Call 999" in " ".join(texts)
        finished = message
        assert finished["state"]["status"] == "urgent_care"
    with browser.app.state.ctx.session_factory() as db:
        report = db.scalars(
            select(models.PainReport).where(models.PainReport.kind == "symptom")
        ).one()
        assert report.decision["action"] == "urgent_care"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"type": "launch"}', "unknown message type"),
        ('{"type": "pain", "pain": 11}', "0-10"),
        ('{"type": "symptoms", "symptoms": ["tired"]}', "symptoms: expected"),
        ('{"type": "keypoints", "keypoints": [[1, 2, 0.5]]}', "expected a list of 33"),
        ('{"type": "keypoints", "keypoints": ' + json.dumps([["a", 2, 1]] * 33) + "}", "numbers"),
    ],
)
def test_bad_messages_get_a_clear_error_and_the_session_goes_on(
    browser: Browser, message: str, expected: str
) -> None:
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session/keypoints") as ws:
        ws.receive_json()
        ws.send_text(message)
        error = _receive_until(ws, "error")
        assert expected in error["error"]
        ws.send_text(json.dumps({"type": "pain", "pain": 1}))
        state = _receive_until(ws, "state")
        assert state["state"]["status"] in ("running", "waiting_for_pain")


def test_frames_are_refused_on_a_keypoints_session_and_oversized_messages_close(
    browser: Browser, web_settings: Any
) -> None:
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session/keypoints") as ws:
        ws.receive_json()
        ws.send_bytes(b"\0" * 100)
        assert "not opened for the camera" in _receive_until(ws, "error")["error"]
        ws.send_text("x" * (web_settings.ws_max_message_bytes + 1))
        assert "larger than" in _receive_until(ws, "error")["error"]


def test_camera_frame_that_is_not_a_jpeg_is_explained(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session?source=camera") as ws:
        ws.receive_json()
        ws.send_bytes(b"\0" * 8 + b"definitely not a jpeg")
        assert "not a JPEG" in _receive_until(ws, "error")["error"]


@pytest.mark.slow
def test_camera_frame_returns_landmarks(browser: Browser, shared_data: Any) -> None:
    import struct

    import cv2

    capture = cv2.VideoCapture(str(shared_data / "video" / "sports2d_walk_side.mp4"))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 45)  # the walker is in view from ~1.3 s
    frames = []
    for _ in range(20):
        ok, frame = capture.read()
        assert ok
        frames.append(cv2.imencode(".jpg", cv2.resize(frame, (640, 360)))[1].tobytes())
    capture.release()
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session?source=camera") as ws:
        ws.receive_json()
        found = 0
        for n, jpeg in enumerate(frames):
            ws.send_bytes(struct.pack("<d", float(n)) + jpeg)
            reply = _receive_until(ws, "frame")
            assert reply["client_ts"] == float(n)
            if reply["landmarks"]:
                assert len(reply["landmarks"]) == 33
                found += 1
        assert found >= 15


def test_next_morning_checkin_after_a_session_adapts_the_plan(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session/keypoints") as ws:
        ws.receive_json()
        ws.send_text(json.dumps({"type": "pain", "pain": 3}))
        ws.send_text(json.dumps({"type": "skip"}))
        ws.send_text(json.dumps({"type": "skip"}))
        ws.send_text(json.dumps({"type": "stop"}))
        _receive_until(ws, "finished")
    page = browser.post("/checkin", {"pain": "2", "kind": "next_morning"})
    assert page.status_code == 200 and "Your plan for today" in page.text
    factory = browser.app.state.ctx.session_factory
    with factory() as db:
        morning = db.scalars(
            select(models.PainReport).where(models.PainReport.kind == "next_morning")
        ).one()
        assert morning.session_id is not None
        origins = [p.origin for p in db.scalars(select(models.Plan).order_by(models.Plan.id))]
        assert origins == ["generated", "adapted", "adapted"]
    again = browser.post("/checkin", {"pain": "2", "kind": "next_morning"})
    assert "Your plan for today" not in again.text  # nothing pending any more


def _imu_lines(t0_s: float, n: int, rate_hz: float = 50.0) -> str:
    """Two still sensors (upper and lower back), upright: gravity along the sensor's z."""
    lines = []
    for k in range(n):
        sample = {"gyro": [0.0, 0.0, 0.0], "accel": [0.0, 0.0, 1.0]}
        t = round(t0_s + k / rate_hz, 4)
        lines.append(json.dumps({"t": t, "sensors": {"upper": sample, "lower": sample}}))
    return "\n".join(lines)


def test_imu_stream_steers_the_session(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session/imu") as ws:
        assert ws.receive_json()["source"] == "imu"
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        ws.send_text(json.dumps({"type": "skip"}))  # set-up -> first exercise
        for _ in range(100):
            state = _receive_until(ws, "state")["state"]
            if state["exercise_number"] == 1:
                break
        angle = None
        for second in range(8):
            ws.send_text(json.dumps({"type": "imu", "t": second, "lines": _imu_lines(second, 50)}))
            ack = _receive_until(ws, "ack")
            angle = ack["angle"] or angle
        assert angle is not None and angle["name"] == "lumbar_flexion_deg"
        assert abs(angle["value_deg"]) < 3.0  # still sensors: no lumbar movement
        ws.send_text(json.dumps({"type": "imu", "lines": '{"t": "soon"}'}))
        assert "imu: malformed line" in _receive_until(ws, "error")["error"]


def test_one_live_session_per_person_and_interrupted_sessions_are_closed(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    factory = browser.app.state.ctx.session_factory
    with factory() as db:  # a session left in progress by a crash (kill -9)
        from spinecoach.store.repositories import SessionRepository

        person = db.scalars(select(models.Person)).one()
        crashed = SessionRepository(db).start(person.id, None, source="camera").id
    with browser.client.websocket_connect("/ws/session/keypoints") as ws:
        assert ws.receive_json()["type"] == "hello"
        with factory() as db:
            assert db.get(models.Session, crashed).status == "closed"
        assert "already running" in _fatal_error(browser)
