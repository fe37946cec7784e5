"""The live session WebSocket: authorisation, validation, size limits, stored results."""

from __future__ import annotations

import json
import time
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
        # malformed messages that used to end the session (issue 12)
        ('{"type": "symptoms", "symptoms": [{}]}', "symptoms: expected"),
        ('{"type": "pain", "pain": ' + "9" * 400 + "}", "0-10"),
        ('{"type": "keypoints", "t": 1, "keypoints": [[' + "9" * 400 + ", 2, 1]]}", "numbers"),
        ('{"type": "imu", "t": ' + "9" * 400 + ', "lines": ""}', "t: expected"),
        ('{"type": "pain", "pain": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
        ('{"type": "keypoints", "keypoints": ' + "[" * 100 + "]" * 100 + "}", "keypoints"),
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


def _sensor_messages(sim: Any, lines_per_message: int = 10) -> list[tuple[float, str]]:
    """The simulated recording as ``imu`` message payloads: (last t_s, JSON lines)."""
    from spinecoach.sources.imu.transport import recording_lines

    lines = list(recording_lines(sim.recording))
    return [
        (
            lines[min(k + lines_per_message, len(lines)) - 1][0],
            "\n".join(line for _, line in lines[k : k + lines_per_message]),
        )
        for k in range(0, len(lines), lines_per_message)
    ]


def _standing_figure(names: list[str]) -> list[list[float]]:
    """A still, upright person seen from the side (image pixels, y down)."""
    joints = {
        "shoulder": (320.0, 170.0),
        "hip": (320.0, 300.0),
        "knee": (325.0, 390.0),
        "ankle": (322.0, 475.0),
        "elbow": (325.0, 230.0),
        "wrist": (328.0, 285.0),
    }
    out = []
    for name in names:
        part = next((j for j in joints if name.endswith(j)), None)
        x, y = joints[part] if part else (330.0, 130.0)  # ears and the rest: near enough
        if name == "nose":
            x = 345.0  # facing right (the nose ahead of the ears)
        out.append([x, y, 0.95])
    return out


def _figure_in_position(names: list[str], position: str) -> list[list[float]]:
    """The still figure in an exercise's starting position: upright, or laid down (head to the
    left) face down for prone exercises and face up for those lying on the back."""
    figure = _standing_figure(names)
    cx, cy = 320.0, 300.0
    if position == "prone":
        laid = [[cx + (y - cy), cy + (x - cx), c] for x, y, c in figure]
    elif position in ("supine", "side_lying"):
        laid = [[cx + (y - cy), cy - (x - cx), c] for x, y, c in figure]
    else:
        return figure
    laid[names.index("nose")][0] -= 8.0  # the nose sticks out a little toward the head
    return laid


def test_camera_session_with_a_sensor_beside_shows_both_angles(browser: Browser) -> None:
    from spinecoach.sources.imu.simulate import simulate

    sim = simulate("standing_flexion", n_reps=2, rep_s=4.0, rest_s=1.0, sample_rate_hz=50.0, seed=5)
    truth_t = sim.truth.time_s
    truth = sim.truth.values["lumbar_flexion_deg"]
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session/keypoints?sensor=imu") as ws:
        hello = ws.receive_json()
        assert hello["source"] == "keypoints" and hello["sensor"] == "imu"
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        ws.send_text(json.dumps({"type": "skip"}))  # set-up -> first exercise
        for _ in range(100):
            first = _receive_until(ws, "state")["state"]
            if first["exercise_number"] == 1:
                break
        from spinecoach.content import load_library

        position = load_library().get(first["step"]["exercise_id"]).position.value
        # counting waits for the exercise's starting position: the figure is in it
        keypoints = _figure_in_position(hello["names"], position)
        camera, errors, sensed = None, [], []
        for n, (t_last, lines) in enumerate(_sensor_messages(sim)):
            time.sleep(0.02)  # the camera's start position settles over 1 s of server time
            ws.send_text(json.dumps({"type": "keypoints", "t": n, "keypoints": keypoints}))
            camera = _receive_until(ws, "ack")["angle"] or camera
            ws.send_text(json.dumps({"type": "imu", "t": t_last, "lines": lines}))
            ack = _receive_until(ws, "ack")
            sensor = ack["sensor_angle"]
            assert sensor["name"] == "lumbar_flexion_deg"
            assert sensor["label"] == "Lumbar flexion (sensor)"
            if sensor["calibrated"] and sensor["value_deg"] is not None:
                expected = float(np.interp(sensor["t_s"], truth_t, truth))
                errors.append(abs(sensor["value_deg"] - expected))
                sensed.append(sensor["value_deg"])
        # Under a heavily loaded machine a stall of 1.5 s between two frames reads as the
        # person lost, and the angle comes back after 3 s of good frames (the tracking
        # hysteresis): keep the still figure in view until then (at most 10 s).
        deadline = time.monotonic() + 10.0
        while (camera is None or camera["value_deg"] is None) and time.monotonic() < deadline:
            time.sleep(0.02)
            ws.send_text(json.dumps({"type": "keypoints", "t": 0, "keypoints": keypoints}))
            camera = _receive_until(ws, "ack")["angle"] or camera
        state = _receive_until(ws, "state")["state"]
        assert state["sensor_angle"]["name"] == "lumbar_flexion_deg"
        # The camera still drives the session: its primary angle is reported too (the
        # keypoints are still, so it stays at its start position).
        assert camera is not None and camera["name"] == "trunk_flexion_deg"
        assert camera["value_deg"] is not None and abs(camera["value_deg"]) < 1.0
        assert len(errors) >= 40
        assert max(errors) < 3.0, max(errors)  # follows the true lumbar flexion
        assert max(sensed) > 0.8 * float(truth.max())  # the excursions are seen, not flat
        # A malformed sensor line: a clear error, and the session goes on.
        ws.send_text(json.dumps({"type": "imu", "lines": '{"t": 1e9, "sensor": "lower"}'}))
        assert "imu: malformed line" in _receive_until(ws, "error")["error"]
        ws.send_text(json.dumps({"type": "imu", "lines": 7}))
        assert "expected 'lines'" in _receive_until(ws, "error")["error"]
        ws.send_text(json.dumps({"type": "keypoints", "t": 99, "keypoints": keypoints}))
        assert _receive_until(ws, "ack")["client_ts"] == 99
        assert _receive_until(ws, "state")["state"]["status"] == "running"


def test_sensor_beside_is_refused_where_it_does_not_fit(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    assert "sensor: expected" in _fatal_error(browser, "/ws/session/keypoints?sensor=radar")
    assert "needs source camera" in _fatal_error(browser, "/ws/session?source=timer&sensor=imu")
    with browser.client.websocket_connect("/ws/session/keypoints") as ws:
        ws.receive_json()  # no sensor asked for: IMU messages are refused, clearly
        ws.send_text(json.dumps({"type": "imu", "lines": ""}))
        assert "not opened for a motion sensor" in _receive_until(ws, "error")["error"]


def test_a_phone_streams_into_the_running_camera_session(browser: Browser) -> None:
    from spinecoach.sources.imu.simulate import simulate

    browser.onboard("Ann", "ann@example.org")
    page = browser.client.get("/session/sensor")
    assert page.status_code == 200 and "sensor.js" in page.text and "motion.js" in page.text
    session_page = browser.client.get("/session").text
    assert 'id="with-sensor"' in session_page and 'id="sensor-gauge"' in session_page
    assert "no session is waiting" in _fatal_error(browser, "/ws/session/sensor")
    sim = simulate("standing_flexion", n_reps=1, rep_s=4.0, rest_s=1.0, sample_rate_hz=50.0, seed=6)
    with browser.client.websocket_connect("/ws/session/keypoints?sensor=imu") as ws:
        ws.receive_json()
        with browser.client.websocket_connect("/ws/session/sensor") as phone:
            assert phone.receive_json()["type"] == "hello"
            phone.send_text('{"type": "imu", "lines": "not json"}')
            assert "imu: malformed line" in _receive_until(phone, "error")["error"]
            peak = 0.0
            for _, lines in _sensor_messages(sim):
                phone.send_text(json.dumps({"type": "imu", "lines": lines}))
                sensor = _receive_until(phone, "ack")["sensor_angle"]
                if sensor["calibrated"] and sensor["value_deg"] is not None:
                    peak = max(peak, sensor["value_deg"])
            truth_peak = float(sim.truth.values["lumbar_flexion_deg"].max())
            assert abs(peak - truth_peak) < 3.0
            # The camera window sees the phone's angle in its state messages. States sent
            # while the phone was still calibrating may be queued first (a slow machine).
            for _ in range(50):
                state = _receive_until(ws, "state")["state"]
                if state["sensor_angle"]["calibrated"]:
                    break
            assert state["sensor_angle"]["calibrated"] is True
            ws.send_text(json.dumps({"type": "stop"}))
            _receive_until(ws, "finished")
        with browser.client.websocket_connect("/ws/session/sensor") as late:
            assert late.receive_json()["fatal"]  # the session is over: nothing to stream into
