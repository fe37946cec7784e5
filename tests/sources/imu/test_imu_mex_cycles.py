"""MEx pelvic-tilt recordings (thigh and wrist accelerometers): cycles of the dominant tilt.

The sensors are not on the back, so no clinical angle exists; the movement shows as a
periodic tilt of the thigh (and, weakly, the wrist). Counts found (reported in the issue
note): subject 01 thigh 9, wrist 6 (after the arm is repositioned at ~9 s; weak rhythm);
subject 02 thigh 12, wrist 12 (peaks line up with the thigh's).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spinecoach.motion.imu_orientation import accelerometer_tilt
from spinecoach.motion.imu_periodic import periodic_cycles
from spinecoach.sources.imu import read_imu
from spinecoach.sources.imu.handler import ImuAnalyzeOptions, run_imu_analysis

EXPECTED = {("01", "act"): 9, ("01", "acw"): 6, ("02", "act"): 12, ("02", "acw"): 12}


def mex_file(shared_data: Path, subject: str, sensor: str) -> Path:
    return shared_data / "mex" / sensor / subject / f"03_{sensor}_1.csv"


@pytest.mark.parametrize(("subject", "sensor"), list(EXPECTED))
def test_pelvic_tilt_cycles_counted(shared_data: Path, subject: str, sensor: str) -> None:
    series = read_imu(mex_file(shared_data, subject, sensor)).primary()
    cycles = periodic_cycles(series.time_s, accelerometer_tilt(series).up_sensor)
    assert cycles.n_cycles == EXPECTED[(subject, sensor)]
    assert 4.0 < cycles.period_s < 10.0  # one pelvic tilt every 5-9 s
    gaps = np.diff(cycles.cycle_peaks_s)
    assert gaps.min() > 0.5 * cycles.period_s


def test_thigh_cycles_also_counted_by_the_motion_core(shared_data: Path) -> None:
    """The handler feeds the tilt to the unchanged motion core: same count on the thighs."""
    for subject, n in (("01", 9), ("02", 12)):
        analysis = run_imu_analysis(mex_file(shared_data, subject, "act"), ImuAnalyzeOptions())
        assert analysis.cycles is not None and analysis.cycles.n_cycles == n
        assert len(analysis.result.repetitions) == n


def test_wrist_and_thigh_agree_for_subject_02(shared_data: Path) -> None:
    peaks = {}
    for sensor in ("act", "acw"):
        s = read_imu(mex_file(shared_data, "02", sensor)).primary()
        peaks[sensor] = np.array(
            periodic_cycles(s.time_s, accelerometer_tilt(s).up_sensor).cycle_peaks_s
        )
    assert peaks["act"].size == peaks["acw"].size
    assert np.abs(peaks["act"] - peaks["acw"]).max() < 1.0
