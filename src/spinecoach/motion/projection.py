"""Synthetic camera views of 3D keypoints: known trunk twists seen through a pinhole camera.

Used to validate the monocular trunk rotation (:mod:`spinecoach.motion.rotation`) against a
known truth: a 3D recording (e.g. the KERAAL Vicon skeleton) has its upper body turned about
the vertical through the pelvis by a known angle per frame (:func:`twist_upper_body`), then
is projected through a pinhole camera placed at a chosen yaw around the subject
(:func:`project`), with pixel noise on x, y and a pose estimator's *relative depth*: depth
from the hips' mid point, scaled by ``depth_gain`` (estimators under-read it) plus its own
noise, on the x pixel scale, toward the camera negative (BlazePose's convention).

Pure NumPy: no file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinecoach.motion.body import stated_axes
from spinecoach.motion.types import CoordinateFrame, FloatArray, FrameKind, KeypointSeries

#: 3D target names -> camera keypoint names (a camera estimator has no chest/pelvis target;
#: the Vicon upper-arm target lies on the humerus, so it stands for the elbow's direction).
CAMERA_NAMES: dict[str, str] = {
    "left_shoulder": "left_shoulder",
    "right_shoulder": "right_shoulder",
    "left_hip": "left_hip",
    "right_hip": "right_hip",
    "left_upper_arm": "left_elbow",
    "right_upper_arm": "right_elbow",
    "left_elbow": "left_elbow",
    "right_elbow": "right_elbow",
    "left_hand": "left_wrist",
    "right_hand": "right_wrist",
    "left_wrist": "left_wrist",
    "right_wrist": "right_wrist",
    "head": "nose",
    "nose": "nose",
    "left_knee": "left_knee",
    "right_knee": "right_knee",
    "left_tibia": "left_knee",
    "right_tibia": "right_knee",
}

#: Targets that turn with the upper body in :func:`twist_upper_body`.
UPPER_BODY = frozenset(
    {
        "chest",
        "head",
        "nose",
        "left_shoulder",
        "right_shoulder",
        "left_upper_arm",
        "right_upper_arm",
        "left_elbow",
        "right_elbow",
        "left_forearm",
        "right_forearm",
        "left_hand",
        "right_hand",
        "left_wrist",
        "right_wrist",
    }
)


def _axes(series: KeypointSeries) -> tuple[FloatArray, FloatArray, FloatArray]:
    stated = stated_axes(series.frame.axes)
    if not {"up", "forward"} <= set(stated):
        raise ValueError(f"the series' axes {series.frame.axes!r} must name forward and up")
    up = np.array(stated["up"])
    forward = np.array(stated["forward"])
    left = np.cross(up, forward)
    return forward, left, up


def _centre(series: KeypointSeries) -> FloatArray:
    for name in ("pelvis", "mid_hip"):
        if name in series.names:
            return np.asarray(series.positions[:, series.index(name)], dtype=float)
    left, right = series.index("left_hip"), series.index("right_hip")
    return np.asarray((series.positions[:, left] + series.positions[:, right]) / 2.0, dtype=float)


def twist_upper_body(series: KeypointSeries, turn_deg: FloatArray) -> KeypointSeries:
    """Turn the upper body of a 3D series about the vertical through the pelvis.

    Parameters
    ----------
    series : KeypointSeries
        World frame whose axes name ``forward`` and ``up`` (Vicon: ``x forward, y left, z up``).
    turn_deg : ndarray, shape (n_frames,)
        Turn per frame in the sign of ``trunk_rotation_deg``: positive turns to the subject's
        right (the right shoulder moves backward).

    Returns
    -------
    KeypointSeries
        A copy with the :data:`UPPER_BODY` targets turned; the pelvis and legs unchanged.
    """
    _, _, up = _axes(series)
    centre = _centre(series)
    positions = series.positions.copy()
    angle = -np.radians(np.asarray(turn_deg, dtype=float))  # right turn: clockwise from above
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    for k, name in enumerate(series.names):
        if name not in UPPER_BODY:
            continue
        d = positions[:, k] - centre
        along = (d @ up)[:, None] * up
        flat = d - along
        # Rodrigues about ``up``: flat cos + (up x flat) sin
        positions[:, k] = centre + along + flat * c + np.cross(up, flat) * s
    return KeypointSeries(
        series.time_s.copy(),
        series.names,
        positions,
        series.confidence.copy(),
        series.frame,
        series.source,
        dict(series.metadata),
    )


@dataclass(frozen=True)
class Camera:
    """A level pinhole camera looking at the subject's pelvis.

    Attributes
    ----------
    yaw_deg : float
        Where the camera stands around the subject: 0 in front, 90 at the subject's left side
        (a side view), -90 at the right.
    distance_m : float
        From the pelvis (mean over the recording).
    focal_px : float
    width_px, height_px : int
    pixel_noise_px : float
        Standard deviation of Gaussian noise on x and y.
    depth_gain : float
        Estimator depth / true depth (pose estimators under-read depth).
    depth_noise_px : float
        Standard deviation of the relative depth's noise (x pixel scale).
    """

    yaw_deg: float = 0.0
    distance_m: float = 2.5
    focal_px: float = 800.0
    width_px: int = 960
    height_px: int = 544
    pixel_noise_px: float = 1.5
    depth_gain: float = 0.4
    depth_noise_px: float = 4.0


def project(series: KeypointSeries, camera: Camera, seed: int = 0) -> KeypointSeries:
    """Project a 3D series through ``camera``: image keypoints with an estimator's depth.

    Parameters
    ----------
    series : KeypointSeries
        World frame whose axes name ``forward`` and ``up``.
    camera : Camera
    seed : int
        Seed of the noise.

    Returns
    -------
    KeypointSeries
        Image frame (x right, y down, z relative depth toward the camera negative), keypoints
        renamed by :data:`CAMERA_NAMES` (others dropped), confidence 1.
    """
    forward, left, up = _axes(series)
    centre = _centre(series)
    target = np.nanmean(centre, axis=0)
    yaw = np.radians(camera.yaw_deg)
    toward = np.cos(yaw) * forward + np.sin(yaw) * left
    position = target + camera.distance_m * toward
    view = -toward
    image_right = np.cross(view, up)
    keep = [(k, CAMERA_NAMES[n]) for k, n in enumerate(series.names) if n in CAMERA_NAMES]
    seen: dict[str, int] = {}
    for k, name in keep:
        seen.setdefault(name, k)
    columns = list(seen.values())
    names = tuple(seen)
    d = series.positions[:, columns] - position
    depth = d @ view
    x = camera.width_px / 2 + camera.focal_px * (d @ image_right) / depth
    y = camera.height_px / 2 - camera.focal_px * (d @ up) / depth
    reference = (centre - position) @ view
    rel = camera.depth_gain * camera.focal_px * (depth - reference[:, None]) / reference[:, None]
    rng = np.random.default_rng(seed)
    shape = x.shape
    x = x + rng.normal(0.0, camera.pixel_noise_px, shape)
    y = y + rng.normal(0.0, camera.pixel_noise_px, shape)
    rel = rel + rng.normal(0.0, camera.depth_noise_px, shape)
    positions = np.stack([x, y, rel], axis=2)
    frame = CoordinateFrame(
        FrameKind.IMAGE,
        "x right, y down (pixels), z relative depth toward the camera negative",
        camera.width_px,
        camera.height_px,
    )
    confidence = np.where(np.all(np.isfinite(positions), axis=2), 1.0, 0.0)
    return KeypointSeries(
        series.time_s.copy(),
        names,
        positions,
        confidence,
        frame,
        "synthetic_camera",
        {"camera_yaw_deg": camera.yaw_deg},
    )


def still_pose(
    series: KeypointSeries, n_frames: int, rate_hz: float, frames: slice = slice(-30, None)
) -> KeypointSeries:
    """A still recording built from ``frames`` of ``series`` (default: the last 30), played
    back and forth (so their small real sway is kept), ``n_frames`` long at ``rate_hz``."""
    chosen = np.arange(series.n_frames)[frames]
    cycle = np.r_[chosen, chosen[-2:0:-1]]
    index = cycle[np.arange(n_frames) % cycle.size]
    return KeypointSeries(
        np.arange(n_frames) / rate_hz,
        series.names,
        series.positions[index].copy(),
        series.confidence[index].copy(),
        series.frame,
        series.source,
        dict(series.metadata),
    )


def sinusoidal_twist(
    time_s: FloatArray, amplitude_deg: float, period_s: float, still_s: float, cycles: float
) -> FloatArray:
    """Turn per frame: still for ``still_s``, then ``cycles`` sine periods of
    ``amplitude_deg`` (right first), then still again."""
    phase = (time_s - still_s) / period_s
    moving = (phase >= 0) & (phase <= cycles)
    return np.where(moving, amplitude_deg * np.sin(2 * np.pi * phase), 0.0)
