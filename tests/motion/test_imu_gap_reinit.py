"""A 2 s gap in the samples re-initialises the orientation (issue 11).

Simulated recording; 2 s of samples are cut out while the person bends, so the sensor's
tilt changes during the gap. Before, the filter took ~10 s to converge back.
"""

from __future__ import annotations

import numpy as np

from spinecoach.motion.imu_orientation import AhrsOptions
from spinecoach.motion.imu_pipeline import recording_measures
from spinecoach.motion.imu_types import ImuRecording, ImuSeries
from spinecoach.sources.imu.simulate import simulate


def with_gap(recording: ImuRecording, start_s: float, length_s: float) -> ImuRecording:
    sensors = {}
    for p, s in recording.sensors.items():
        keep = (s.time_s < start_s) | (s.time_s >= start_s + length_s)
        sensors[p] = ImuSeries(
            s.time_s[keep],
            s.accel_g[keep],
            None if s.gyro_dps is None else s.gyro_dps[keep],
            None,
            placement=p,
            sample_rate_hz=s.sample_rate_hz,
        )
    return ImuRecording(sensors)


def error_after_gap(options: AhrsOptions) -> float:
    sim = simulate("standing_flexion", n_reps=3, seed=8, rep_s=6.0, hold_s=4.0)
    peak = sim.rep_peaks_s[1]
    gap_start = peak - 3.0  # bending forward during the gap, then holding
    measures = recording_measures(with_gap(sim.recording, gap_start, 2.0), ahrs=options)
    truth = np.interp(measures.time_s, sim.truth.time_s, sim.truth.values["trunk_inclination_deg"])
    after = (measures.time_s >= gap_start + 2.0) & (measures.time_s < gap_start + 6.0)
    diff = measures.values["trunk_inclination_deg"][after] - truth[after]
    return float(np.sqrt(np.mean(diff**2)))


def test_orientation_is_right_straight_after_a_gap() -> None:
    assert error_after_gap(AhrsOptions()) < 2.0
    assert error_after_gap(AhrsOptions(reinit_after_gap_s=1e9)) > 5.0  # what it did before
