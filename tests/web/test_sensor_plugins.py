"""Sensor plug-ins beside the camera on the web session: band lines in, readouts and results."""

from __future__ import annotations

import json

from sqlalchemy import select
from tests.web.conftest import Browser
from tests.web.test_live import _fatal_error, _receive_until

from spinecoach.sources.band.recording import simulate_band
from spinecoach.store import models


def _band_lines(seconds: float, offset_s: float) -> list[str]:
    rows = simulate_band(n_cycles=max(1, int(seconds // 4)), seed=5).splitlines()[1:]
    out = []
    for row in rows:
        t, n, s = row.split(",")
        out.append(
            json.dumps({"t": float(t) + offset_s, "tension_n": float(n), "stretch_pct": float(s)})
        )
    return out


def test_a_band_beside_the_keypoints_is_shown_and_stored(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    assert "sensor: expected" in _fatal_error(browser, "/ws/session/keypoints?sensor=radar")
    page = browser.client.get("/session").text
    assert 'id="with-plugin"' in page and 'id="plugin-sensors"' in page
    with browser.client.websocket_connect("/ws/session/keypoints?sensor=band") as ws:
        hello = ws.receive_json()
        assert hello["sensors"] == ["band"] and "band" in hello["state"]["sensors"]
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        ws.send_text(json.dumps({"type": "skip"}))  # set-up -> first exercise
        for _ in range(100):
            if _receive_until(ws, "state")["state"]["exercise_number"] == 1:
                break
        lines = _band_lines(8.0, 0.0)
        for k in range(0, len(lines), 25):
            message = {
                "type": "sensor",
                "sensor": "band",
                "t": k,
                "lines": "\n".join(lines[k : k + 25]),
            }
            ws.send_text(json.dumps(message))
            ack = _receive_until(ws, "ack")
        readout = ack["sensors"]["band"]
        assert readout["tension_n"] is not None and readout["label"] == "Band"
        # bad lines and unknown sensors: a clear error, the session goes on
        ws.send_text(json.dumps({"type": "sensor", "sensor": "band", "lines": '{"t": "x"}'}))
        assert "band: malformed line" in _receive_until(ws, "error")["error"]
        ws.send_text(json.dumps({"type": "sensor", "sensor": "emgx", "lines": ""}))
        assert "not opened with the emgx sensor" in _receive_until(ws, "error")["error"]
        ws.send_text(json.dumps({"type": "skip"}))  # end the exercise: its result is stored
        state = _receive_until(ws, "state")["state"]
        assert state["status"] in ("running", "waiting_for_pain") and "band" in state["sensors"]
        ws.send_text(json.dumps({"type": "stop"}))
        _receive_until(ws, "finished")
    with browser.app.state.ctx.session_factory() as db:
        results = db.scalars(select(models.ExerciseResult)).all()
        band = [r.tracking["sensors"]["band"] for r in results if "sensors" in r.tracking]
    assert band and band[0]["time_s"] == 0.0 and band[0]["max_tension_n"] == 0.0  # no zone


def test_emg_beside_the_camera_reports_activation_after_its_reference(browser: Browser) -> None:
    from spinecoach.sources.emg.recording import simulate_emg

    browser.onboard("Ann", "ann@example.org")
    rows = simulate_emg(n_cycles=1, seed=8).splitlines()[1:]
    with browser.client.websocket_connect("/ws/session/keypoints?sensor=imu,emg") as ws:
        hello = ws.receive_json()
        assert hello["sensors"] == ["emg"] and hello["sensor"] == "imu"
        assert hello["state"]["sensors"]["emg"]["calibrating"] is True
        for k in range(0, len(rows), 500):
            lines = []
            for row in rows[k : k + 500]:
                t, left, right, flexion = (float(v) for v in row.split(","))
                lines.append(json.dumps({"t": t, "left_uv": left, "right_uv": right,
                                         "flexion_deg": flexion}))  # fmt: skip
            ws.send_text(json.dumps({"type": "sensor", "sensor": "emg", "lines": "\n".join(lines)}))
            ack = _receive_until(ws, "ack")
        emg = ack["sensors"]["emg"]
        assert emg["calibrating"] is False and emg["activation_pct"] is not None
        assert emg["symmetry_pct"] is not None
