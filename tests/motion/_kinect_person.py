"""A synthetic Kinect v2 recording: a seated person twisting, in the reader's text layout.

Kinect camera space: x to the sensor's left (the subject's right when facing it), y up,
z away from the sensor (metres). The person sits 2.5 m in front of the sensor, facing it;
the upper body turns about the vertical through the spine base, the pelvis and legs stay
(unless ``pelvis_deg`` turns them). Written as 25 joints x (x, y, z, qx, qy, qz, qw) per
row, in :data:`~spinecoach.sources.keypoints.names.KINECT_V2_25` order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spinecoach.sources.keypoints.names import KINECT_V2_25

#: Offsets from the spine base (x subject's right, y up, z backward = away from the sensor).
UPPER = {
    "spine_mid": (0, 0.25, 0),
    "spine_shoulder": (0, 0.48, 0),
    "neck": (0, 0.53, 0),
    "head": (0, 0.65, -0.02),
    "left_shoulder": (-0.19, 0.46, 0),
    "right_shoulder": (0.19, 0.46, 0),
    "left_elbow": (-0.24, 0.2, -0.05),
    "right_elbow": (0.24, 0.2, -0.05),
    "left_wrist": (-0.15, 0.12, -0.25),
    "right_wrist": (0.15, 0.12, -0.25),
    "left_hand": (-0.13, 0.12, -0.3),
    "right_hand": (0.13, 0.12, -0.3),
    "left_hand_tip": (-0.12, 0.12, -0.36),
    "right_hand_tip": (0.12, 0.12, -0.36),
    "left_thumb": (-0.1, 0.14, -0.3),
    "right_thumb": (0.1, 0.14, -0.3),
}
LOWER = {
    "spine_base": (0, 0, 0),
    "left_hip": (-0.1, -0.02, 0),
    "right_hip": (0.1, -0.02, 0),
    "left_knee": (-0.12, 0, -0.45),
    "right_knee": (0.12, 0, -0.45),
    "left_ankle": (-0.12, -0.43, -0.48),
    "right_ankle": (0.12, -0.43, -0.48),
    "left_foot": (-0.12, -0.48, -0.58),
    "right_foot": (0.12, -0.48, -0.58),
}
BASE = np.array([0.0, 0.5, 2.5])


def _turned(offset: tuple[float, float, float], deg: float) -> np.ndarray:
    """``offset`` turned ``deg`` about the vertical, positive = toward the subject's right."""
    r = np.radians(deg)
    dx, dy, dz = offset
    return np.array([dx * np.cos(r) - dz * np.sin(r), dy, dx * np.sin(r) + dz * np.cos(r)])


def skeleton(trunk_deg: float, pelvis_deg: float = 0.0) -> dict[str, np.ndarray]:
    """Joint positions with the upper body turned ``trunk_deg`` (right +) and the pelvis
    ``pelvis_deg``."""
    out = {name: BASE + _turned(off, trunk_deg) for name, off in UPPER.items()}
    out.update({name: BASE + _turned(off, pelvis_deg) for name, off in LOWER.items()})
    return out


def twists(
    n: int = 10, amp_deg: float = 40.0, period_s: float = 4.0, rate_hz: float = 30.0
) -> tuple[np.ndarray, np.ndarray]:
    """Times and true trunk rotation: ``n`` twists alternating right, left, with 2 s still
    before and after."""
    t = np.arange(0, 2.0 + n * period_s + 2.0, 1 / rate_hz)
    angle = np.zeros_like(t)
    for k in range(n):
        t0 = 2.0 + k * period_s
        m = (t >= t0) & (t < t0 + period_s)
        angle[m] = (1 if k % 2 == 0 else -1) * amp_deg * np.sin(np.pi * (t[m] - t0) / period_s) ** 2
    return t, angle


def frames_for(
    angle: np.ndarray, seed: int = 0, noise_m: float = 0.005
) -> list[dict[str, np.ndarray]]:
    """One skeleton per angle, with ``noise_m`` of Gaussian position noise per joint."""
    rng = np.random.default_rng(seed)
    return [
        {k: v + rng.normal(0.0, noise_m, 3) for k, v in skeleton(float(a)).items()} for a in angle
    ]


def write_kinect(path: Path, frames: list[dict[str, np.ndarray]]) -> Path:
    """Write ``frames`` as a Kinect v2 text file (orientations: identity quaternions)."""
    with path.open("w") as f:
        for joints in frames:
            row: list[float] = []
            for _, ours in KINECT_V2_25:
                row += [*joints[ours], 0.0, 0.0, 0.0, 1.0]
            f.write(" ".join(f"{v:.6f}" for v in row) + "\n")
    return path
