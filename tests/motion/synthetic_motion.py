"""Synthetic bodies and angle signals with known answers, shared by the motion tests."""

from __future__ import annotations

import numpy as np

from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries

NAMES = (
    "nose",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
LAB_AXES = "x forward, y left, z up (metres)"


def body_3d(lateral_deg: float, flexion_deg: float, rotation_deg: float) -> np.ndarray:
    """A seated body in lab axes (x forward, y left, z up), shape (n_keypoints, 3).

    The trunk direction is ``normalize(tan(flexion), -tan(lateral), 1)`` so its frontal and
    sagittal inclinations are exactly ``lateral_deg`` (toward the right) and ``flexion_deg``;
    the shoulder line is turned ``rotation_deg`` (right shoulder backward positive).
    """
    d = np.array([np.tan(np.radians(flexion_deg)), -np.tan(np.radians(lateral_deg)), 1.0])
    d /= np.linalg.norm(d)
    mid_shoulder = 0.5 * d
    r = np.radians(rotation_deg)
    shoulder_dir = np.array([-np.sin(r), -np.cos(r), 0.0])  # toward the right shoulder
    right_shoulder = mid_shoulder + 0.18 * shoulder_dir
    left_shoulder = mid_shoulder - 0.18 * shoulder_dir
    ear = mid_shoulder + 0.22 * d
    points = {
        "nose": ear + np.array([0.1, 0.0, 0.0]),
        "left_ear": ear + np.array([0.0, 0.07, 0.0]),
        "right_ear": ear + np.array([0.0, -0.07, 0.0]),
        "left_shoulder": left_shoulder,
        "right_shoulder": right_shoulder,
        "left_elbow": left_shoulder - 0.3 * d,
        "right_elbow": right_shoulder - 0.3 * d,
        "left_hip": np.array([0.0, 0.12, 0.0]),
        "right_hip": np.array([0.0, -0.12, 0.0]),
        "left_knee": np.array([0.42, 0.12, 0.0]),
        "right_knee": np.array([0.42, -0.12, 0.0]),
        "left_ankle": np.array([0.42, 0.12, -0.42]),
        "right_ankle": np.array([0.42, -0.12, -0.42]),
    }
    return np.stack([points[n] for n in NAMES])


def front_view(points_3d: np.ndarray, scale: float = 400.0) -> np.ndarray:
    """Image of a camera in front of the subject (x right, y down, pixels)."""
    return np.stack([500 + scale * points_3d[..., 1], 500 - scale * points_3d[..., 2]], -1)


def side_view(points_3d: np.ndarray, scale: float = 400.0) -> np.ndarray:
    """Image of a camera at the subject's right side: forward is image right."""
    return np.stack([500 + scale * points_3d[..., 0], 500 - scale * points_3d[..., 2]], -1)


def series_from(
    frames: np.ndarray, time_s: np.ndarray, kind: FrameKind, axes: str = LAB_AXES
) -> KeypointSeries:
    """Wrap positions ``(n_frames, n_keypoints, n_dims)``; NaN frames get confidence 0."""
    confidence = np.where(np.all(np.isfinite(frames), axis=2), 1.0, 0.0)
    frame = CoordinateFrame(kind, axes=axes if kind is FrameKind.WORLD else "x right, y down")
    return KeypointSeries(time_s, NAMES, frames, confidence, frame, "synthetic")


def lateral_bend_series(
    angles_deg: np.ndarray, time_s: np.ndarray, view: str = "3d"
) -> KeypointSeries:
    """A body bending sideways by ``angles_deg`` (NaN angle = missing frame)."""
    frames = np.stack([body_3d(0.0 if np.isnan(a) else a, 0.0, 0.0) for a in angles_deg])
    frames[np.isnan(angles_deg)] = np.nan
    if view == "front":
        return series_from(front_view(frames), time_s, FrameKind.IMAGE)
    return series_from(frames, time_s, FrameKind.WORLD)


def reps_signal(
    n_reps: int,
    amplitude_deg: float,
    period_s: float,
    *,
    rate_hz: float = 30.0,
    rest_s: float = 1.5,
    noise_deg: float = 0.0,
    offset_deg: float = 0.0,
    seed: int = 0,
    two_sided: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Rest, then ``n_reps`` smooth excursions (or full sine cycles if ``two_sided``), rest.

    Returns (time_s, angle_deg), each shape (n_samples,).
    """
    total_s = 2 * rest_s + n_reps * period_s
    t = np.arange(int(round(total_s * rate_hz))) / rate_hz
    phase = np.clip((t - rest_s) / period_s, 0, n_reps)
    if two_sided:
        angle = amplitude_deg * np.sin(2 * np.pi * phase)
    else:
        angle = amplitude_deg * (1 - np.cos(2 * np.pi * phase)) / 2
    rng = np.random.default_rng(seed)
    return t, angle + offset_deg + rng.normal(
        0.0, noise_deg, t.size
    ) if noise_deg else angle + offset_deg


def holds_signal(
    n_holds: int,
    level_deg: float,
    hold_s: float,
    *,
    rate_hz: float = 30.0,
    ramp_s: float = 1.0,
    rest_s: float = 2.0,
    noise_deg: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """Rest, then ``n_holds`` x (ramp up, hold at ``level_deg``, ramp down, rest).

    Returns (time_s, angle_deg, [(hold_start_s, hold_end_s), ...]).
    """
    knots = [(0.0, 0.0), (rest_s, 0.0)]
    truth = []
    t0 = rest_s
    for _ in range(n_holds):
        knots += [(t0 + ramp_s, level_deg), (t0 + ramp_s + hold_s, level_deg)]
        truth.append((t0 + ramp_s, t0 + ramp_s + hold_s))
        t0 += 2 * ramp_s + hold_s
        knots += [(t0, 0.0), (t0 + rest_s, 0.0)]
        t0 += rest_s
    kt, ka = zip(*knots, strict=True)
    t = np.arange(int(round(t0 * rate_hz))) / rate_hz
    angle = np.interp(t, kt, ka)
    rng = np.random.default_rng(seed)
    if noise_deg:
        angle = angle + rng.normal(0.0, noise_deg, t.size)
    return t, angle, truth


def with_gaps(values: np.ndarray, fraction: float, seed: int = 1, run: int = 1) -> np.ndarray:
    """Copy of ``values`` with ``fraction`` of samples set to NaN in runs of ``run`` samples."""
    out = values.astype(float, copy=True)
    if fraction <= 0:
        return out
    rng = np.random.default_rng(seed)
    n_runs = int(fraction * values.size / run)
    starts = rng.choice(values.size - run, size=n_runs, replace=False)
    for s in starts:
        out[s : s + run] = np.nan
    return out
