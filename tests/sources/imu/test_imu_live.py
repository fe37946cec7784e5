"""Live listen + replay over loopback give the same events as batch analysis."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.motion.analysis import AnalysisResult
from spinecoach.motion.events import EventParameters
from spinecoach.motion.imu_pipeline import (
    ImuStreamProcessor,
    analyze_imu_measures,
    recording_measures,
)
from spinecoach.motion.imu_types import ImuRecording, Placement
from spinecoach.sources.imu import write_generic_csv
from spinecoach.sources.imu.live import LiveSession, parse_line
from spinecoach.sources.imu.simulate import SensorErrors, simulate
from spinecoach.sources.imu.transport import recording_lines, replay, serve_udp, serve_websocket

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def cat_cow(library):  # type: ignore[no-untyped-def]
    sim = simulate("cat_cow", n_reps=3, seed=21, errors=SensorErrors(n_artefacts=1))
    exercise = library.get("cat_cow")
    batch = analyze_imu_measures(
        recording_measures(sim.recording),
        exercise.signature,
        angle=exercise.signature.imu_angle,
        dose=exercise.dose,
        exercise_id="cat_cow",
        params=EventParameters(whole_recording_neutral=False),  # live: first-second start
    )
    return sim, exercise, batch


def summary(result: AnalysisResult) -> list[tuple[str, float]]:
    return [(str(e.kind), round(e.t_s, 3)) for e in result.events]


@pytest.mark.parametrize("transport", ["ws", "udp"])
def test_loopback_replay_gives_batch_events(cat_cow, transport: str) -> None:  # type: ignore[no-untyped-def]
    sim, exercise, batch = cat_cow
    session = LiveSession(exercise.signature, dose=exercise.dose, exercise_id="cat_cow")
    serve = serve_websocket if transport == "ws" else serve_udp

    async def run() -> int:
        loop = asyncio.get_running_loop()
        bound: asyncio.Future[int] = loop.create_future()
        server = asyncio.create_task(
            serve(session, "127.0.0.1", 0, max_seconds=30, ready=bound.set_result)
        )
        port = await bound
        sent = await replay(sim.recording, f"{transport}://127.0.0.1:{port}", speed=40)
        await asyncio.wait_for(server, 30)
        return sent

    sent = asyncio.run(run())
    live = session.finish()
    assert sent == session.n_frames == sim.recording.primary().n_samples
    assert session.n_bad_lines == 0
    assert len(batch.repetitions) == sim.n_reps  # cat-cow: one repetition per two-way cycle
    assert summary(live) == summary(batch)
    np.testing.assert_allclose(
        [r.peak_deg for r in live.repetitions], [r.peak_deg for r in batch.repetitions], atol=1e-3
    )


def test_per_sensor_samples_and_bad_lines(cat_cow) -> None:  # type: ignore[no-untyped-def]
    """Samples sent one sensor at a time assemble into the same frames; junk is skipped."""
    sim, exercise, batch = cat_cow
    session = LiveSession(exercise.signature, dose=exercise.dose)
    junk = ["not json", '{"t": 1}', '{"t": "x", "accel": [0, 0, 1]}', '{"accel": [1, 2]}', "[]"]
    for k, (_, line) in enumerate(recording_lines(sim.recording)):
        frame = json.loads(line)
        for name, body in frame["sensors"].items():
            session.feed(json.dumps({"t": frame["t"], "sensor": name, **body}))
        if k < len(junk):
            session.feed(junk[k])
    result = session.finish()
    assert session.n_bad_lines == len(junk)
    assert summary(result) == summary(batch)


def test_stream_processor_matches_batch_angles() -> None:
    sim = simulate("side_bend", n_reps=1, seed=4, with_magnetometer=True)
    batch = recording_measures(sim.recording)
    proc = ImuStreamProcessor((Placement.UPPER, Placement.LOWER))
    up, lo = sim.recording.sensors[Placement.UPPER], sim.recording.sensors[Placement.LOWER]
    rows = []
    for i, t in enumerate(up.time_s.tolist()):
        frame = {
            p: (s.gyro_dps[i].tolist(), s.accel_g[i].tolist(), s.mag_ut[i].tolist())  # type: ignore[index, union-attr]
            for p, s in ((Placement.UPPER, up), (Placement.LOWER, lo))
        }
        rows.extend(proc.push(t, frame))
    assert [t for t, _ in rows] == up.time_s.tolist()
    for name in ("lumbar_lateral_flexion_deg", "lumbar_flexion_deg", "lumbar_rotation_deg"):
        live = np.array([v[name] for _, v in rows])
        np.testing.assert_allclose(live, batch.values[name], atol=1e-3)


def test_parse_line_schema() -> None:
    kind, t, samples = parse_line(
        '{"t": 1.5, "sensor": "upper", "gyro": [1, 2, 3], "accel": [0, 0, 1]}'
    )
    assert (kind, t) == ("data", 1.5)
    assert samples[Placement.UPPER] == ([1.0, 2.0, 3.0], [0.0, 0.0, 1.0], None)
    assert parse_line('{"type": "end"}')[0] == "end"
    with pytest.raises(ValueError):
        parse_line('{"t": 1, "sensor": "elbow", "accel": [0, 0, 1]}')


def test_cli_listen_and_replay_over_loopback(tmp_path: Path, cat_cow) -> None:  # type: ignore[no-untyped-def]
    sim, _, batch = cat_cow
    path = tmp_path / "cat_cow.csv"
    write_generic_csv(sim.recording, path)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    listener = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "spinecoach",
            "imu",
            "listen",
            "--ws",
            "--port",
            "0",
            "--exercise",
            "cat_cow",
            "--max-seconds",
            "60",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert listener.stderr is not None
        banner = listener.stderr.readline()
        port = re.search(r"ws://127\.0\.0\.1:(\d+)", banner)
        assert port, banner
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "spinecoach",
                "imu",
                "replay",
                str(path),
                "--to",
                f"ws://127.0.0.1:{port.group(1)}",
                "--speed",
                "50",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        out, _ = listener.communicate(timeout=60)
    finally:
        if listener.poll() is None:
            listener.kill()
    lines = [json.loads(ln) for ln in out.splitlines() if ln.startswith("{")]
    summary_line = lines[-1]["summary"]
    events = [ln for ln in lines[:-1] if ln["kind"] == "repetition"]
    assert len(events) == len(batch.repetitions) == len(summary_line["repetitions"])
    assert [round(e["payload"]["peak_s"], 2) for e in events] == [
        round(r.peak_s, 2) for r in batch.repetitions
    ]


def test_replay_rejects_bad_urls() -> None:
    from spinecoach.errors import InvalidInput

    rec = ImuRecording(simulate("cat_cow", n_reps=1, seed=1).recording.sensors)
    with pytest.raises(InvalidInput, match="--to"):
        asyncio.run(replay(rec, "http://127.0.0.1:1"))


def test_default_angle_follows_the_sensors_sent() -> None:
    """No exercise and no placement: a sacral-only stream analyses pelvic tilt."""
    sim = simulate("pelvic_tilt", n_reps=2, seed=6)
    lower = ImuRecording({Placement.LOWER: sim.recording.sensors[Placement.LOWER]})
    session = LiveSession(None)
    for _, line in recording_lines(lower):
        session.feed(line)
    result = session.finish()
    assert result.angle == "pelvic_tilt_deg"
    assert len(result.repetitions) == sim.n_excursions


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_feed_never_raises_on_junk(text: str) -> None:
    session = LiveSession(None)
    session.feed(text)
    assert session.n_frames == 0 or session.n_bad_lines >= 0


def test_real_fusion_recording_live_equals_batch(shared_data) -> None:  # type: ignore[no-untyped-def]
    """Real 9-axis data with jittered time stamps: the per-sample path reproduces the batch."""
    from spinecoach.motion.imu_angles import CalibrationOptions
    from spinecoach.sources.imu import read_imu

    rec = read_imu(shared_data / "imu" / "fusion_sensor_data.csv")
    series = rec.primary()
    calibration = CalibrationOptions(forward_axis="+x")  # the board lies flat: x is horizontal
    batch = recording_measures(rec, calibration=calibration)
    proc = ImuStreamProcessor((series.placement,), calibration=calibration)
    rows = []
    gyro, accel, mag = (a.tolist() for a in (series.gyro_dps, series.accel_g, series.mag_ut))  # type: ignore[union-attr]
    for i, t in enumerate(series.time_s.tolist()):
        rows.extend(proc.push(t, {series.placement: (gyro[i], accel[i], mag[i])}))
    for name, values in batch.values.items():
        live = np.array([v[name] for _, v in rows])
        np.testing.assert_allclose(live, values, atol=1e-6)


def test_late_and_repeated_frames_are_dropped_and_counted() -> None:
    sim = simulate("pelvic_tilt", n_reps=1, seed=2)
    lines = [line for _, line in recording_lines(sim.recording)]
    session = LiveSession(None)
    for k, line in enumerate(lines):
        session.feed(line)
        if k in (500, 900):
            session.feed(lines[k - 10])  # a late datagram
            session.feed(line)  # and a repeat
    session.finish()
    assert session.assembler.n_out_of_order == 4
    assert session.n_frames == len(lines)
