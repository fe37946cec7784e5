"""An IMU simulator independent of ``spinecoach.sources.imu.simulate``: known body rotations.

Body axes forward, left, up (right-handed). A back sensor's z axis points out of the back
(the default ``-z`` forward), x up, y to the subject's left. The gyroscope is the sensor's
angular velocity (°/s) from consecutive orientations, the accelerometer the specific force
of gravity alone (+1 g up), written in the generic CSV layout. A rotation about *up* by a
positive angle turns the trunk to the subject's **left**; about *forward* by a positive
angle bends it to the **right**; about *left*, forward flexion.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

#: Columns: the sensor's x, y, z axes written in body axes (forward, left, up).
MOUNT = Rotation.from_matrix(np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]))
AXES = {"flex": (0.0, 1.0, 0.0), "bend": (1.0, 0.0, 0.0), "twist": (0.0, 0.0, 1.0)}


def movement(
    kind: str, amp_deg: float, reps: int, period_s: float = 4.0, rate_hz: float = 50.0
) -> tuple[np.ndarray, np.ndarray]:
    """Times and the angle about ``kind``'s axis: 3 s still, ``reps`` excursions
    (alternating sign for ``bend`` and ``twist``, the first positive), 3 s still."""
    t = np.arange(0.0, 3.0 + reps * period_s + 3.0, 1.0 / rate_hz)
    angle = np.zeros_like(t)
    for k in range(reps):
        t0 = 3.0 + k * period_s
        m = (t >= t0) & (t < t0 + period_s)
        sign = 1.0 if kind == "flex" or k % 2 == 0 else -1.0
        angle[m] = sign * amp_deg * np.sin(np.pi * (t[m] - t0) / period_s) ** 2
    return t, angle


def segment(kind: str, angle_deg: np.ndarray) -> Rotation:
    """Body-to-world rotations for ``angle_deg`` about ``kind``'s axis."""
    return Rotation.from_rotvec(np.radians(angle_deg)[:, None] * np.array(AXES[kind]))


def sensor(body: Rotation, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gyroscope (°/s) and accelerometer (g) of a back sensor on a segment moving as ``body``."""
    q = body * MOUNT
    rel = (q[:-1].inv() * q[1:]).as_rotvec() / np.diff(t)[:, None]
    gyro = np.degrees(np.vstack([rel, rel[-1:]]))
    accel = q.inv().apply(np.array([0.0, 0.0, 1.0]))
    return gyro, accel


def write_csv(path: Path, t: np.ndarray, sensors: dict[str, tuple[np.ndarray, np.ndarray]]) -> Path:
    """Generic CSV: ``time_s`` then ``<name>_gyro_*_dps``, ``<name>_accel_*_g`` per sensor."""
    cols, data = ["time_s"], [t]
    for name, (gyro, accel) in sensors.items():
        cols += [f"{name}_gyro_{a}_dps" for a in "xyz"] + [f"{name}_accel_{a}_g" for a in "xyz"]
        data += [*gyro.T, *accel.T]
    with path.open("w") as f:
        f.write(",".join(cols) + "\n")
        np.savetxt(f, np.column_stack(data), delimiter=",", fmt="%.7g")
    return path
