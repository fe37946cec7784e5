"""Calibration finds a still window, flags motion, or refuses (issue 11).

Recordings are simulated, then the person is made to move during the first seconds (a
perturbed copy of the sensor samples): before, every angle shifted with no note.
"""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.errors import InvalidRecording
from spinecoach.motion.imu_angles import CalibrationOptions
from spinecoach.motion.imu_pipeline import recording_measures
from spinecoach.motion.imu_types import ImuRecording
from spinecoach.sources.imu.simulate import simulate


def _moving_start(seconds: float, seed: int = 3, **kw) -> tuple:  # type: ignore[no-untyped-def, type-arg]
    """standing_flexion whose first ``seconds`` are replaced by a rocking forward bend."""
    sim = simulate("standing_flexion", n_reps=3, seed=seed, calibration_s=kw.pop("still_s", 6.0))
    moving = simulate(
        "standing_flexion", n_reps=12, seed=seed + 1, calibration_s=0.0, rep_s=1.2, rest_s=0.2
    )
    sensors = {}
    for p, s in sim.recording.sensors.items():
        m = moving.recording.sensors[p]
        n = int(seconds * s.sample_rate_hz)
        accel, gyro = s.accel_g.copy(), None if s.gyro_dps is None else s.gyro_dps.copy()
        accel[:n] = m.accel_g[:n]
        if gyro is not None and m.gyro_dps is not None:
            gyro[:n] = m.gyro_dps[:n]
        sensors[p] = type(s)(
            s.time_s,
            accel,
            gyro,
            s.mag_ut,
            placement=s.placement,
            sample_rate_hz=s.sample_rate_hz,
            name=s.name,
            source=s.source,
        )
    return sim, ImuRecording(sensors=sensors, metadata=dict(sim.recording.metadata))


def rmse(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    return float(np.sqrt(np.nanmean((a[mask] - b[mask]) ** 2)))


def test_person_moving_in_the_first_seconds_is_flagged_and_neutral_found() -> None:
    sim, recording = _moving_start(2.5)
    measures = recording_measures(recording)
    after = sim.truth.time_s > 6.0
    assert "still window" in measures.flags["calibration_upper"]
    assert (
        rmse(measures.values["lumbar_flexion_deg"], sim.truth.values["lumbar_flexion_deg"], after)
        < 2.0
    )
    fixed = recording_measures(recording, calibration=CalibrationOptions(max_still_deg=1e9))
    offset = rmse(fixed.values["lumbar_flexion_deg"], sim.truth.values["lumbar_flexion_deg"], after)
    assert offset > 4.0  # what the first-3-s neutral did


def test_still_start_is_not_flagged() -> None:
    sim = simulate("standing_flexion", n_reps=2, seed=5)
    measures = recording_measures(sim.recording)
    assert not any(k.startswith("calibration_") for k in measures.flags)


def test_no_still_window_is_refused_with_stand_still() -> None:
    _, recording = _moving_start(14.0, still_s=15.0)
    with pytest.raises(InvalidRecording, match="stand still for 2 s"):
        recording_measures(recording, calibration=CalibrationOptions(when_moving="refuse"))
    flagged = recording_measures(recording)
    assert "stand still" in flagged.flags["calibration_upper"]
