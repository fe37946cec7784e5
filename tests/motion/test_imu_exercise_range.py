"""An exercise's ``imu_range_deg`` is the IMU angle's target zone (issue 11): a squat is
counted on the knees by the camera (70-100°) but on the trunk's lean by a back sensor."""

from __future__ import annotations

import numpy as np

from spinecoach.content import load_library
from spinecoach.motion.imu_pipeline import analyze_imu_measures
from spinecoach.motion.types import MeasureSeries

LIBRARY = load_library()


def _leans(peak_deg: float, n_reps: int = 4, rate_hz: float = 50.0) -> MeasureSeries:
    """Trunk inclination: 3 s still, then ``n_reps`` smooth forward leans (5 s each, 1 s
    rest), a little sensor noise."""
    t = np.arange(0.0, 3.0 + n_reps * 6.0, 1.0 / rate_hz)
    phase = np.clip(t - 3.0, 0.0, None) % 6.0
    lean = np.where(phase < 5.0, peak_deg * np.sin(np.pi * phase / 5.0) ** 2, 0.0)
    lean[t < 3.0] = 0.0
    noise = np.random.default_rng(0).normal(0.0, 0.3, t.shape)
    return MeasureSeries(t, {"trunk_inclination_deg": lean + noise}, {}, {})


def test_squat_counted_on_trunk_lean_with_the_imu_zone() -> None:
    squat = LIBRARY.get("squat_to_chair")
    assert squat.signature.imu_angle == "trunk_inclination_deg"
    assert squat.signature.imu_range_deg == (15.0, 60.0)
    result = analyze_imu_measures(_leans(35.0), squat.signature, dose=squat.dose)
    assert len(result.repetitions) == 4
    codes = {f.code for f in result.form_flags}
    assert "not_enough_range" not in codes  # 35° of lean is not "short of 70° of knee"
    assert "out_of_range" not in codes


def test_squat_imu_zone_still_flags_a_lean_past_it() -> None:
    squat = LIBRARY.get("squat_to_chair")
    result = analyze_imu_measures(_leans(80.0), squat.signature, dose=squat.dose)
    assert len(result.repetitions) == 4
    assert "out_of_range" in {f.code for f in result.form_flags}
