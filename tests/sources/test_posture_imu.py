"""Live back-IMU posture inputs: the web/phone check's figures and the sitting monitor's feed,
on simulated streams (known angles, sensor noise, misaligned mounting) sent as protocol lines."""

from __future__ import annotations

import json

import pytest

from spinecoach.motion.imu_types import ImuRecording, Placement
from spinecoach.motion.posture_monitor import PostureMonitor
from spinecoach.sources.imu import simulate as sim
from spinecoach.sources.imu.transport import recording_lines
from spinecoach.sources.posture_imu import MAX_CHECK_ROWS, ImuCheckCollector, ImuMonitorFeed


def _held(monkeypatch, name: str, lower: float, upper: float, hold_s: float, seed: int = 0):  # type: ignore[no-untyped-def]
    """3 s upright standing, then ``lower``/``upper`` sagittal angles held ``hold_s``."""
    movement = sim.Movement(name, "lumbar_flexion_deg", lower_sagittal=lower,
                            upper_sagittal=upper, lever_m=0.1)  # fmt: skip
    monkeypatch.setitem(sim.MOVEMENTS, name, movement)
    return sim.simulate(name, n_reps=1, rep_s=3.0, hold_s=hold_s, rest_s=0.0, seed=seed,
                        sample_rate_hz=60.0).recording  # fmt: skip


def _phone_only(recording: ImuRecording) -> ImuRecording:
    """Only the sacral sensor: what one phone on the lower back gives."""
    return ImuRecording(sensors={Placement.LOWER: recording.sensors[Placement.LOWER]})


def _send(collector, recording: ImuRecording, batch: int = 10) -> None:  # type: ignore[no-untyped-def]
    lines = [line for _, line in recording_lines(recording)]
    for i in range(0, len(lines), batch):
        collector.feed("\n".join(lines[i : i + batch]))


@pytest.mark.parametrize(("lower", "upper"), [(12.0, 4.0), (-10.0, 12.0), (6.0, 6.0)])
def test_dual_sensor_check_gives_pelvic_tilt_and_lumbar_angle(monkeypatch, lower, upper) -> None:  # type: ignore[no-untyped-def]
    collector = ImuCheckCollector()
    _send(collector, _held(monkeypatch, "held_dual", lower, upper, 14.0))
    figures, unmeasurable = collector.figures()
    by = {f.measure: f for f in figures}
    assert by["pelvic_tilt_deg"].value_deg == pytest.approx(lower, abs=2.5)
    assert by["lumbar_angle_deg"].value_deg == pytest.approx(upper - lower, abs=2.5)
    assert all(f.source == "imu" and f.confidence >= 0.75 for f in figures)
    assert "pelvic_tilt_deg" not in unmeasurable


def test_a_phone_on_the_sacrum_gives_pelvic_tilt_only(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    collector = ImuCheckCollector()
    _send(collector, _phone_only(_held(monkeypatch, "held_phone", 15.0, 5.0, 12.0, seed=3)))
    figures, unmeasurable = collector.figures()
    assert [f.measure for f in figures] == ["pelvic_tilt_deg"]
    assert figures[0].value_deg == pytest.approx(15.0, abs=2.5)
    assert "two back sensors" in unmeasurable["lumbar_angle_deg"]


def test_check_with_malformed_lines_and_no_posture() -> None:
    collector = ImuCheckCollector()
    collector.feed('not json\n{"t": 1}\n')
    assert collector.decoder.n_bad_lines == 2
    figures, unmeasurable = collector.figures()
    assert figures == () and "calibration" in unmeasurable["pelvic_tilt_deg"]


def test_monitor_feed_slump_pause_and_nudge(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Upright sitting, then a slump (posterior pelvic tilt, lumbar flexion) held long enough
    for a posture nudge; a 60 s gap in the stream (phone asleep) counts as away."""
    recording = _held(monkeypatch, "slump_live", -12.0, 10.0, 90.0, seed=5)
    lines = [(t, line) for t, line in recording_lines(recording)]
    gap_at = 40.0
    shifted = []
    for t, line in lines:
        if 50.0 <= t < 50.0 + gap_at:  # drop 40 s of samples in the middle of the slump
            continue
        shifted.append(line)
    feed = ImuMonitorFeed(fps=1.0, stale_s=3.0)
    monitor = PostureMonitor()
    monitor.settings = type(monitor.settings)(posture_nudge_min=0.5, baseline_s=2.0)
    nudges = []
    for i in range(0, len(shifted), 20):
        for t_s, sample in feed.feed("\n".join(shifted[i : i + 20])):
            nudges += monitor.push(t_s, sample)
    minutes = monitor.state.minutes()
    assert monitor.state.calibrated
    assert minutes["away"] == pytest.approx(gap_at / 60.0, abs=0.15)
    assert minutes["slumped"] > 0.6
    assert [n.kind for n in nudges].count("posture") >= 1


def test_phone_only_monitor_sees_a_slump_as_posterior_tilt(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    recording = _phone_only(_held(monkeypatch, "slump_phone", -14.0, 0.0, 40.0, seed=7))
    feed = ImuMonitorFeed()
    monitor = PostureMonitor()
    monitor.settings = type(monitor.settings)(baseline_s=1.0)
    lines = [line for _, line in recording_lines(recording)]
    for i in range(0, len(lines), 30):
        for t_s, sample in feed.feed("\n".join(lines[i : i + 30])):
            monitor.push(t_s, sample)
    assert monitor.state.minutes()["slumped"] > 0.4


def test_recording_lines_are_protocol_json(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    recording = _held(monkeypatch, "tiny", 1.0, 1.0, 1.0)
    t, line = next(iter(recording_lines(recording)))
    assert json.loads(line)["t"] == t


def test_real_recording_as_a_phone_stream(shared_data) -> None:  # type: ignore[no-untyped-def]
    """The real x-io recording (one sensor, ~99 Hz, 135 s, handled and turned; no posture
    ground truth) streamed as a phone would, with 1 % of the lines corrupted: every second is
    accounted for, the bad lines are counted and skipped, and a check keeps at most
    MAX_CHECK_ROWS rows (about a minute) and gives a figure with its confidence."""
    import random

    from spinecoach.sources.imu.formats import ReadOptions
    from spinecoach.sources.imu.registry import read_imu

    real = read_imu(shared_data / "imu" / "fusion_sensor_data.csv",
                    options=ReadOptions(placement=Placement.LOWER))  # fmt: skip
    lines = [line for _, line in recording_lines(real)]
    rng = random.Random(1)
    for i in rng.sample(range(len(lines)), len(lines) // 100):
        lines[i] = lines[i][: len(lines[i]) // 2]  # a truncated datagram
    feed, monitor = ImuMonitorFeed(), PostureMonitor()
    collector = ImuCheckCollector()
    for i in range(0, len(lines), 10):
        message = "\n".join(lines[i : i + 10])
        for t_s, sample in feed.feed(message):
            monitor.push(t_s, sample)
        collector.feed(message)
    assert feed.decoder.n_bad_lines == len(lines) // 100
    duration_min = (float(real.sensors[Placement.LOWER].time_s[-1]) - 0.0) / 60.0
    assert sum(monitor.state.minutes().values()) == pytest.approx(duration_min, abs=0.1)
    figures, _ = collector.figures()
    assert [f.measure for f in figures] == ["pelvic_tilt_deg"]
    assert len(collector.rows) == MAX_CHECK_ROWS and 0.0 <= figures[0].confidence <= 1.0
