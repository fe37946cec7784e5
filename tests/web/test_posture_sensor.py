"""A phone on the back as the posture pages' IMU: the phone's socket streams simulated
devicemotion-like protocol lines into the posture check and the sitting monitor open on the
computer (same account)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from tests.web.conftest import Browser

from spinecoach.motion.imu_types import ImuRecording, Placement
from spinecoach.sources.imu import simulate as sim
from spinecoach.sources.imu.transport import recording_lines
from spinecoach.store import models
from spinecoach.web.posture_sensor import PostureSensorLink


def _phone(
    monkeypatch, lower: float, hold_s: float, calibration_s: float = 3.0
) -> list[tuple[float, str]]:  # type: ignore[no-untyped-def]
    """Protocol lines of one sacral sensor (a phone): upright, then ``lower`` deg held."""
    movement = sim.Movement("phone_hold", "pelvic_tilt_deg", lower_sagittal=lower,
                            upper_sagittal=0.0, lever_m=0.1)  # fmt: skip
    monkeypatch.setitem(sim.MOVEMENTS, "phone_hold", movement)
    recording = sim.simulate("phone_hold", n_reps=1, rep_s=2.0, hold_s=hold_s, rest_s=0.0,
                             calibration_s=calibration_s, sample_rate_hz=60.0, seed=11)  # fmt: skip
    phone = ImuRecording(sensors={Placement.LOWER: recording.recording.sensors[Placement.LOWER]})
    return list(recording_lines(phone))


def _imu(lines: list[tuple[float, str]]) -> str:
    return json.dumps({"type": "imu", "t": 0, "lines": "\n".join(line for _, line in lines)})


def test_phone_check_measures_pelvic_tilt(browser: Browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    browser.onboard("Ann", "ann@example.org")
    assert "phone on my back" in browser.get("/posture").text
    page = browser.get("/posture/check?source=imu&position=standing")
    assert page.status_code == 200 and "/posture/sensor" in page.text
    assert "Start sensor" in browser.get("/posture/sensor").text
    lines = _phone(monkeypatch, 12.0, 12.0)
    client = browser.client
    with client.websocket_connect("/ws/posture/check?source=imu&position=standing") as check:
        check.send_text(json.dumps({"type": "status"}))
        first = check.receive_json()
        assert first["type"] == "sensor" and not first["connected"]
        check.send_text(json.dumps({"type": "done"}))
        assert "is the phone streaming" in check.receive_json()["error"]
        with client.websocket_connect("/ws/posture/sensor") as phone:
            assert phone.receive_json() == {"type": "hello", "kind": "check"}
            for i in range(0, len(lines), 10):
                phone.send_text(_imu(lines[i : i + 10]))
                ack = phone.receive_json()
            assert ack["type"] == "ack" and ack["calibrated"]
            phone.send_text("{not json")
            assert phone.receive_json()["type"] == "error"
            check.send_text(json.dumps({"type": "status"}))
            status = check.receive_json()
            assert status["connected"] and status["receiving"] and status["held_s"] > 10
            check.send_text(json.dumps({"type": "done"}))
            result = check.receive_json()
    assert result["type"] == "result"
    by = {f["measure"]: f for f in result["figures"]}
    assert by["pelvic_tilt_deg"]["value_deg"] == pytest.approx(12.0, abs=2.5)
    assert by["pelvic_tilt_deg"]["confidence_label"] == "high"
    assert by["pelvic_tilt_deg"]["status"] == "no_norm"  # a change, not the ASIS-PSIS angle
    assert by["pelvic_tilt_deg"]["normal_range"] == "0-23 deg"
    assert by["pelvic_tilt_deg"]["norm_sources"] == ["PRE", "HER"]
    assert "two back sensors" in result["unmeasurable"]["lumbar_angle_deg"]
    page = browser.get("/posture")
    assert "back sensor" in page.text and "Pelvic tilt" in page.text


def test_phone_without_a_waiting_page_is_refused(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/posture/sensor") as phone:
        message = phone.receive_json()
        assert message["fatal"] and "no posture page is waiting" in message["error"]
    with browser.client.websocket_connect("/ws/posture/monitor?source=usb") as ws:
        assert "source must be camera or imu" in ws.receive_json()["error"]


def test_monitor_from_a_phone_on_the_back(browser: Browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Upright sitting (the baseline), then a slump (posterior pelvic tilt): the monitor,
    ticking once a second on the computer, sees it; only minutes and nudges are stored."""
    browser.onboard("Ann", "ann@example.org")
    lines = _phone(monkeypatch, -15.0, 20.0, calibration_s=16.0)
    client = browser.client
    states = []
    with client.websocket_connect("/ws/posture/monitor?source=imu") as monitor:
        monitor.send_text(json.dumps({"type": "tick", "t": 0.0}))
        first = monitor.receive_json()
        assert first["category"] == "away" and not first["sensor"]["receiving"]  # paused
        with client.websocket_connect("/ws/posture/sensor") as phone:
            assert phone.receive_json()["kind"] == "monitor"
            end = lines[-1][0]
            for second in range(1, int(end) + 1):
                chunk = [x for x in lines if second - 1 <= x[0] < second]
                phone.send_text(_imu(chunk))
                phone.receive_json()
                monitor.send_text(json.dumps({"type": "tick", "t": second * 1000.0}))
                states.append(monitor.receive_json())
        monitor.send_text(json.dumps({"type": "stop"}))
        stopped = monitor.receive_json()
    categories = [s["category"] for s in states]
    assert states[-1]["calibrated"]
    assert categories.count("slumped") >= 15  # the 20 s slump (the end returns upright)
    assert categories.count("upright") >= 8
    assert stopped["type"] == "stopped"
    with browser.app.state.ctx.session_factory() as db:
        log = db.scalars(select(models.PostureMonitorLog)).one()
        assert log.source == "imu" and log.minutes["slumped"] > 0.1


def test_link_pauses_without_fresh_data() -> None:
    now = [100.0]
    link = PostureSensorLink("monitor", clock=lambda: now[0])
    assert link.monitor_sample() is None  # nothing yet
    link.last_data, link.latest = 100.0, 4.0
    sample = link.monitor_sample()
    assert sample is not None and sample.values == (4.0,)
    now[0] = 104.0  # more than 3 s without a line: paused
    assert link.monitor_sample() is None and not link.status()["receiving"]
