"""Pure IMU angle math: conventions, mounting inference, start-up, periodic cycles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spinecoach.errors import InvalidInput, NotMeasurable
from spinecoach.motion.imu_angles import (
    CalibrationOptions,
    imu_measures,
    infer_mounting,
    parse_axis,
)
from spinecoach.motion.imu_orientation import (
    AhrsOptions,
    Orientation,
    estimate_orientation,
    initial_quaternion,
    up_from_quaternions,
)
from spinecoach.motion.imu_periodic import periodic_cycles
from spinecoach.motion.imu_types import ImuSeries, Placement


def orientation_from(
    sagittal_deg: np.ndarray, frontal_deg: np.ndarray, mount: Rotation
) -> Orientation:
    """Segment R = Rx(frontal) Ry(sagittal), sensor = segment * mount; up in sensor axes."""
    seg = Rotation.from_rotvec(np.outer(np.radians(frontal_deg), [1, 0, 0])) * Rotation.from_rotvec(
        np.outer(np.radians(sagittal_deg), [0, 1, 0])
    )
    sensor = seg * mount
    up = sensor.inv().apply([0.0, 0.0, 1.0])
    t = np.arange(sagittal_deg.size) / 100.0
    q = sensor.as_quat()[:, [3, 0, 1, 2]]
    return Orientation(t, up, q, "test")


# A sensor whose z axis points out of the back and whose x axis points up, then rolled on
# the skin by various angles (180 = upside down).
BASE = Rotation.from_matrix(np.column_stack([[0, 0, 1], [0, 1, 0], [-1, 0, 0]]).astype(float))


@pytest.mark.parametrize("roll_deg", [0.0, 37.0, 90.0, 180.0, -120.0])
def test_segment_angles_signed_for_any_skin_rotation(roll_deg: float) -> None:
    mount = Rotation.from_rotvec(np.radians(roll_deg) * np.array([-1.0, 0, 0])) * BASE
    n = 400
    sag = np.concatenate([np.zeros(300), np.linspace(0, 40, 100)])
    front = np.concatenate([np.zeros(300), np.linspace(0, -15, 100)])
    lower = orientation_from(np.zeros(n), np.zeros(n), mount)
    upper = orientation_from(sag, front, mount)
    m = imu_measures({Placement.UPPER: upper, Placement.LOWER: lower})
    np.testing.assert_allclose(m.values["lumbar_flexion_deg"], sag, atol=1e-6)
    np.testing.assert_allclose(m.values["lumbar_lateral_flexion_deg"], front, atol=1e-6)
    np.testing.assert_allclose(m.values["pelvic_tilt_deg"], 0.0, atol=1e-6)


def test_auto_forward_axis_from_first_flexion() -> None:
    mount = BASE
    sag = np.concatenate([np.zeros(300), 30 * np.sin(np.linspace(0, np.pi, 200))])
    o = orientation_from(sag, np.zeros(500), mount)
    m = infer_mounting(o, Placement.UPPER, CalibrationOptions(forward_axis="auto"))
    np.testing.assert_allclose(m.axes[0], [0, 0, -1], atol=1e-6)  # forward = -z found
    assert m.forward_source == "inferred from motion"


def test_parse_axis() -> None:
    np.testing.assert_array_equal(parse_axis("-z"), [0, 0, -1])
    np.testing.assert_array_equal(parse_axis("+x"), [1, 0, 0])
    with pytest.raises(InvalidInput, match="forward_axis"):
        parse_axis("up")


def test_missing_sensor_for_placement() -> None:
    o = orientation_from(np.zeros(400), np.zeros(400), BASE)
    from spinecoach.motion.imu_types import PlacementSet

    with pytest.raises(InvalidInput, match="needs sensor"):
        imu_measures({Placement.LOWER: o}, placement_set=PlacementSet.DUAL)


def test_initial_quaternion_matches_gravity() -> None:
    accel = np.array([0.3, -0.5, 0.81])
    q = initial_quaternion(accel)
    np.testing.assert_allclose(
        up_from_quaternions(q[None])[0], accel / np.linalg.norm(accel), atol=1e-9
    )


@pytest.mark.parametrize("startup", ["initialise", "fusion"])
def test_startup_handling(startup: str) -> None:
    """Initialised start-up is right from the first sample; Fusion's own ramp converges."""
    n = 600
    tilt = Rotation.from_rotvec([0.0, np.radians(30.0), 0.0])
    accel = np.tile(tilt.inv().apply([0.0, 0.0, 1.0]), (n, 1))
    series = ImuSeries(np.arange(n) / 100.0, accel, np.zeros((n, 3)), sample_rate_hz=100.0)
    o = estimate_orientation(series, AhrsOptions(startup=startup))
    err_deg = np.degrees(np.arccos(np.clip(o.up_sensor @ accel[0], -1, 1)))
    if startup == "initialise":
        assert o.startup_s == 0.0 and err_deg.max() < 0.1
    else:
        assert o.startup_s == 3.0 and err_deg[-1] < 0.5


def test_periodic_cycles_on_a_known_sine() -> None:
    t = np.arange(0, 60, 0.01)
    angle = np.radians(8.0) * np.maximum(0.0, np.sin(2 * np.pi * t / 6.0)) ** 2
    up = np.column_stack([np.sin(angle), np.zeros_like(t), np.cos(angle)])
    up += np.random.default_rng(0).normal(scale=0.002, size=up.shape)
    result = periodic_cycles(t, up)
    assert result.n_cycles == 10
    assert result.period_s == pytest.approx(6.0, rel=0.1)


def test_periodic_cycles_refuses_stillness() -> None:
    t = np.arange(0, 60, 0.01)
    up = np.tile([0.0, 0.0, 1.0], (t.size, 1))
    with pytest.raises(NotMeasurable):
        periodic_cycles(t, up)
