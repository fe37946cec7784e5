"""A synthetic person holding a posture with known angles, projected to a 2D camera image.

Side view: the subject faces image-right; the craniovertebral angle (shoulder->ear line
against horizontal), the trunk inclination (hip->shoulder from vertical) and the sitting or
standing thigh are set exactly, then pixel noise is added. Front view: the shoulder line is
tilted by a known angle (the subject's right shoulder higher positive).
"""

from __future__ import annotations

import numpy as np

from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES

NAMES = BLAZEPOSE_33_NAMES
HEIGHT_PX = 600.0


def _set(points: dict[str, np.ndarray], name: str, xy: np.ndarray) -> None:
    points[name] = np.asarray(xy, dtype=float)


def side_pose(
    cva_deg: float, trunk_deg: float, seated: bool, origin=(500.0, 400.0)
) -> dict[str, np.ndarray]:
    """Landmarks (pixels) of one side-view frame; subject faces +x."""
    h = HEIGHT_PX
    hip = np.array(origin, dtype=float)
    t = np.radians(trunk_deg)
    shoulder = hip + 0.30 * h * np.array([np.sin(t), -np.cos(t)])
    neck = np.radians(90.0 - cva_deg)  # neck line from vertical, forward positive
    ear = shoulder + 0.10 * h * np.array([np.sin(neck), -np.cos(neck)])
    nose = ear + np.array([0.035 * h, 0.005 * h])
    knee = hip + (np.array([0.24 * h, 0.0]) if seated else np.array([0.0, 0.24 * h]))
    ankle = knee + np.array([0.0, 0.22 * h])
    elbow = shoulder + np.array([0.02 * h, 0.15 * h])
    wrist = elbow + np.array([0.10 * h, 0.02 * h])
    points: dict[str, np.ndarray] = {}
    depth = {"left": -0.008 * h, "right": 0.008 * h}  # near-overlap: a side view
    for side, dx in depth.items():
        off = np.array([dx, 0.0])
        for name, base in (("ear", ear), ("shoulder", shoulder), ("hip", hip), ("knee", knee),
                           ("ankle", ankle), ("elbow", elbow), ("wrist", wrist),
                           ("eye", nose + np.array([-0.01 * h, -0.02 * h]))):  # fmt: skip
            _set(points, f"{side}_{name}", base + off)
    _set(points, "nose", nose)
    return points


def front_pose(shoulder_tilt_deg: float, origin=(640.0, 400.0)) -> dict[str, np.ndarray]:
    """Landmarks of one front-view frame (subject's right on image left)."""
    h = HEIGHT_PX
    hip_mid = np.array(origin, dtype=float)
    shoulder_mid = hip_mid + np.array([0.0, -0.30 * h])
    half = 0.11 * h
    rise = half * np.tan(np.radians(shoulder_tilt_deg))
    points: dict[str, np.ndarray] = {}
    _set(points, "right_shoulder", shoulder_mid + np.array([-half, -rise]))
    _set(points, "left_shoulder", shoulder_mid + np.array([half, rise]))
    _set(points, "right_hip", hip_mid + np.array([-0.07 * h, 0.0]))
    _set(points, "left_hip", hip_mid + np.array([0.07 * h, 0.0]))
    _set(points, "right_ear", shoulder_mid + np.array([-0.04 * h, -0.12 * h]))
    _set(points, "left_ear", shoulder_mid + np.array([0.04 * h, -0.12 * h]))
    _set(points, "nose", shoulder_mid + np.array([0.0, -0.12 * h]))
    for side, sx in (("right", -1.0), ("left", 1.0)):
        _set(points, f"{side}_knee", hip_mid + np.array([sx * 0.07 * h, 0.24 * h]))
        _set(points, f"{side}_ankle", hip_mid + np.array([sx * 0.07 * h, 0.46 * h]))
        _set(points, f"{side}_eye", shoulder_mid + np.array([sx * 0.02 * h, -0.14 * h]))
        _set(points, f"{side}_elbow", shoulder_mid + np.array([sx * 0.14 * h, 0.15 * h]))
        _set(points, f"{side}_wrist", shoulder_mid + np.array([sx * 0.15 * h, 0.28 * h]))
    return points


def series_of(
    frames: list[dict[str, np.ndarray]],
    fps: float = 30.0,
    noise_px: float = 1.0,
    visibility: float = 0.95,
    seed: int = 0,
) -> KeypointSeries:
    """Stack frames into a 33-landmark series with Gaussian pixel noise."""
    rng = np.random.default_rng(seed)
    n = len(frames)
    positions = np.full((n, len(NAMES), 2), np.nan)
    confidence = np.zeros((n, len(NAMES)))
    for i, points in enumerate(frames):
        for name, xy in points.items():
            k = NAMES.index(name)
            positions[i, k] = xy + rng.normal(0.0, noise_px, 2)
            confidence[i, k] = visibility
    return KeypointSeries(
        time_s=np.arange(n) / fps,
        names=NAMES,
        positions=positions,
        confidence=confidence,
        frame=CoordinateFrame(FrameKind.IMAGE, width_px=1280, height_px=720),
        source="synthetic",
    )


def still_side(
    cva_deg: float, trunk_deg: float, seated: bool, n: int = 60, **kw: float
) -> KeypointSeries:
    """A still side-view posture (``n`` frames)."""
    return series_of([side_pose(cva_deg, trunk_deg, seated)] * n, **kw)  # type: ignore[arg-type]


def still_front(shoulder_tilt_deg: float, n: int = 60, **kw: float) -> KeypointSeries:
    """A still front-view posture."""
    return series_of([front_pose(shoulder_tilt_deg)] * n, **kw)  # type: ignore[arg-type]
