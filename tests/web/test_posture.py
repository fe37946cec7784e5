"""The Posture page, the webcam check and the monitor over their WebSockets (real video frames
sent as JPEGs, as the browser does), and a desk break through the session socket."""

from __future__ import annotations

import json
import struct
from typing import Any

import pytest
from sqlalchemy import select
from tests.web.conftest import Browser

from spinecoach.store import models

DESK = {"hours_sitting": "9", "screen_height": "well_below", "chair": "chair_with_back",
        "feet": "supported", "breaks": "rarely", "device": "laptop_only"}  # fmt: skip


def _jpeg_frames(shared_data, every: int = 10, n: int = 12) -> list[bytes]:  # type: ignore[no-untyped-def]
    import cv2

    from spinecoach.sources.video.decode import VideoFileStream

    frames = []
    with VideoFileStream(shared_data / "video" / "sports2d_walk_side.mp4") as stream:
        for frame in stream:
            if frame.index % every == 0:
                ok, buffer = cv2.imencode(".jpg", cv2.resize(frame.image_bgr, (640, 360)))
                assert ok
                frames.append(struct.pack("<d", frame.t_s * 1000.0) + buffer.tobytes())
            if len(frames) >= n:
                break
    return frames


def test_posture_page_desk_and_breaks(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    page = browser.get("/posture")
    assert page.status_code == 200 and "Posture check" in page.text and "No check yet" in page.text
    assert browser.post("/posture/desk", DESK).status_code == 303
    page = browser.get("/posture")
    assert "eye level" in page.text and "[OSHAWS]" in page.text and "[SHRESTHA18]" in page.text
    bad = browser.post("/posture/desk", {**DESK, "hours_sitting": "40"})
    assert bad.status_code == 422 and "hours_sitting" in bad.text
    assert browser.post("/posture/breaks", {"times": "10:30,15:00"}).status_code == 303
    page = browser.get("/posture")
    assert "/session?desk_break=10:30" in page.text and "Remind me" in page.text
    assert browser.post("/posture/breaks", {"times": "10:30"}).status_code == 422
    session_page = browser.get("/session?desk_break=10:30")
    assert session_page.status_code == 200 and "Seated pelvic tilts" in session_page.text
    assert "Posture" in browser.get("/today").text  # in the navigation


def test_desk_break_runs_through_the_session_socket(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    browser.post("/posture/breaks", {"times": "10:30,15:00"})
    factory = browser.app.state.ctx.session_factory
    with browser.client.websocket_connect("/ws/session?source=timer&desk_break=15:00") as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello"
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        for _ in range(4):
            ws.send_text(json.dumps({"type": "skip"}))
        ws.send_text(json.dumps({"type": "stop"}))
        for _ in range(200):
            message = ws.receive_json()
            if message["type"] == "finished":
                break
        assert message["type"] == "finished"
    with factory() as db:
        session = db.scalars(select(models.Session)).one()
        assert (session.kind, session.break_at, session.plan_id) == ("desk_break", "15:00", None)
        plans = db.scalars(select(models.DeskBreakPlan).order_by(models.DeskBreakPlan.id)).all()
        assert [p.origin for p in plans] == ["generated", "adapted"]
        # the routine itself is not adapted by a break (only paused by a stop rule)
        assert [p.origin for p in db.scalars(select(models.Plan))] == ["generated"]
    progress = browser.get("/progress")
    assert "By week: sitting, breaks and posture" in progress.text
    assert "<td>1</td>" in progress.text  # one desk break taken this week


def test_webcam_check_on_real_frames(browser: Browser, shared_data) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("mediapipe")
    browser.onboard("Ann", "ann@example.org")
    frames = _jpeg_frames(shared_data)
    with browser.client.websocket_connect("/ws/posture/check?view=side&position=standing") as ws:
        for frame in frames:
            ws.send_bytes(frame)
            assert ws.receive_json()["type"] == "progress"
        ws.send_text(json.dumps({"type": "done"}))
        result: dict[str, Any] = ws.receive_json()
    assert result["type"] == "result"
    measures = {f["measure"]: f for f in result["figures"]}
    assert 35 <= measures["craniovertebral_angle_deg"]["value_deg"] <= 75
    assert "not measurable from a camera" in result["unmeasurable"]["pelvic_tilt_deg"]
    page = browser.get("/posture")
    assert "Head-forward (craniovertebral) angle" in page.text and "webcam" in page.text


def test_check_socket_refuses_bad_input(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/posture/check?view=top") as ws:
        message = ws.receive_json()
        assert message["fatal"] and "view" in message["error"]
    with browser.client.websocket_connect("/ws/posture/check") as ws:
        ws.send_bytes(b"\x00" * 8 + b"not a jpeg")
        assert "not a JPEG" in ws.receive_json()["error"]
        ws.send_text(json.dumps({"type": "done"}))
        assert "at least 5 frames" in ws.receive_json()["error"]
    anonymous = Browser(browser.app)
    anonymous.client.get("/login")
    with anonymous.client.websocket_connect("/ws/posture/monitor") as ws:
        assert "sign in" in ws.receive_json()["error"]


def test_monitor_stores_only_minutes_and_nudges(browser: Browser, shared_data) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("mediapipe")
    browser.onboard("Ann", "ann@example.org")
    frames = _jpeg_frames(shared_data, every=30, n=13)  # one a second
    states = []
    with browser.client.websocket_connect("/ws/posture/monitor") as ws:
        for frame in frames:
            ws.send_bytes(frame)
            states.append(ws.receive_json())
        ws.send_text(json.dumps({"type": "away", "t": 14000.0}))
        assert ws.receive_json()["category"] == "away"
        ws.send_text(json.dumps({"type": "stop"}))
        stopped = ws.receive_json()
    assert all(s["type"] == "state" for s in states)
    assert stopped["type"] == "stopped"
    with browser.app.state.ctx.session_factory() as db:
        log = db.scalars(select(models.PostureMonitorLog)).one()
        assert set(log.minutes) == {"upright", "slumped", "away"}
        assert sum(log.minutes.values()) == pytest.approx(15 / 60, abs=0.1)  # rounded to 0.1
        columns = {c.name for c in models.PostureMonitorLog.__table__.columns}
        assert columns == {"id", "person_id", "started_at", "ended_at", "source", "minutes",
                           "nudges"}  # fmt: skip
    page = browser.get("/posture")
    assert "By week" in page.text


def test_monitor_takes_keypoints_from_the_browser(browser: Browser) -> None:
    """A page with its own pose estimator sends keypoints instead of frames: a slump against
    the upright baseline is recognised; a bad message is one clear error."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "motion"))
    from _posture_person import NAMES, front_pose

    browser.onboard("Ann", "ann@example.org")

    def message(t_s: float, drop_px: float) -> str:
        points = front_pose(0.0)
        keypoints = []
        for name in NAMES:
            if name in points:
                x, y = points[name]
                if "ear" in name or "eye" in name or name == "nose":
                    y += drop_px
                keypoints.append([round(float(x), 1), round(float(y), 1), 0.95])
            else:
                keypoints.append([None, None, 0.0])
        return json.dumps({"type": "keypoints", "t": t_s * 1000.0, "keypoints": keypoints})

    with browser.client.websocket_connect("/ws/posture/monitor") as ws:
        states = []
        for t in range(12):
            ws.send_text(message(float(t), 0.0))
            states.append(ws.receive_json())
        assert states[-1]["calibrated"] and states[-1]["category"] == "upright"
        ws.send_text(message(12.0, 30.0))
        assert ws.receive_json()["category"] == "slumped"
        ws.send_text(json.dumps({"type": "keypoints", "t": 13000, "keypoints": [[1, 2, 0.5]]}))
        assert "expected a list of 33" in ws.receive_json()["error"]
        ws.send_text(json.dumps({"type": "stop"}))
        assert ws.receive_json()["type"] == "stopped"
