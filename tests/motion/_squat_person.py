"""Synthetic squats and sit-to-stands: 3D skeletons from the pose builder, correct and
faulty, seen in 3D (Kinect-like, with noise) or through a pinhole camera at the side."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from spinecoach.motion.pose_builder import base_pose, blend, build_pose
from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries

FPS = 30.0
Pose = Mapping[str, float]

STANDING: dict[str, float] = {"left_shoulder_flexion": 20.0, "right_shoulder_flexion": 20.0}
#: A correct squat to a chair: knees 88°, hips back (trunk 35° forward, about parallel to
#: the shins: trunk - shin = hip flexion - knee flexion = 12°).
SQUAT_BOTTOM: dict[str, float] = {
    "pitch": 35.0,
    "left_hip_flexion": 100.0,
    "right_hip_flexion": 100.0,
    "left_knee_flexion": 88.0,
    "right_knee_flexion": 88.0,
    "left_shoulder_flexion": 80.0,
    "right_shoulder_flexion": 80.0,
}
SQUAT_FAULTS: dict[str, dict[str, float]] = {
    # stops at knees 45°: above the chair
    "shallow": {"pitch": 20.0, "left_hip_flexion": 52.0, "right_hip_flexion": 52.0,
                "left_knee_flexion": 45.0, "right_knee_flexion": 45.0},
    # drops to knees 125°: past the chair
    "deep": {"pitch": 45.0, "left_hip_flexion": 135.0, "right_hip_flexion": 135.0,
             "left_knee_flexion": 125.0, "right_knee_flexion": 125.0},
    # folds forward: trunk 68° (hips 140° with knees 88°)
    "lean": {"pitch": 68.0, "left_hip_flexion": 140.0, "right_hip_flexion": 140.0},
    # weight on the left leg: left knee 100°, right 70°
    "asymmetric": {"left_hip_flexion": 110.0, "right_hip_flexion": 85.0,
                   "left_knee_flexion": 100.0, "right_knee_flexion": 70.0},
    # knees fall inwards (hips turned in and drawn together)
    "valgus": {"left_hip_rotation": -35.0, "right_hip_rotation": -35.0,
               "left_hip_abduction": -12.0, "right_hip_abduction": -12.0},
}  # fmt: skip

SEATED: dict[str, float] = base_pose("seated") | STANDING
#: Sit-to-stand: lean (trunk 35°, hips 125°), lift off (knees 60°, shins vertical, trunk
#: 30°), then stand fully (hips and knees 0).
STS_LEAN: dict[str, float] = {"pitch": 35.0, "left_hip_flexion": 125.0, "right_hip_flexion": 125.0}
STS_LIFT: dict[str, float] = {
    "pitch": 30.0,
    "left_hip_flexion": 90.0,
    "right_hip_flexion": 90.0,
    "left_knee_flexion": 60.0,
    "right_knee_flexion": 60.0,
}
STS_TOP: dict[str, float] = {
    "left_hip_flexion": 0.0,
    "right_hip_flexion": 0.0,
    "left_knee_flexion": 0.0,
    "right_knee_flexion": 0.0,
}
STS_FAULTS: dict[str, dict[str, dict[str, float]]] = {
    # stays bent at the top: knees 40°
    "incomplete": {"top": {"pitch": 15.0, "left_hip_flexion": 45.0, "right_hip_flexion": 45.0,
                           "left_knee_flexion": 40.0, "right_knee_flexion": 40.0}},
    # throws the chest at the knees: trunk 72° at seat-off, still 70° as the hips lift
    "lean": {"lean": {"pitch": 72.0, "left_hip_flexion": 162.0, "right_hip_flexion": 162.0},
             "lift": {"pitch": 70.0, "left_hip_flexion": 130.0, "right_hip_flexion": 130.0}},
    # pushes with the right leg: the left knee lags 30° behind on the way up and down
    "asymmetric": {"lag": {"left_knee_flexion": 30.0, "left_hip_flexion": 30.0}},
}  # fmt: skip


def _ease(f: np.ndarray) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(f, 0.0, 1.0))


def _poses_to_points(poses: list[dict[str, float]]) -> tuple[tuple[str, ...], np.ndarray]:
    names: tuple[str, ...] = ()
    frames = []
    for pose in poses:
        names, points = build_pose(pose)
        # feet on the ground: keep the right ankle where it is (the pose builder centres
        # the pelvis); the pelvis moves back and down as in a real squat
        frames.append(points - points[names.index("right_ankle")] * np.array([1.0, 1.0, 0.0]))
    return names, np.stack(frames)


def squat_poses(bottom: Pose, n_reps: int = 4, lean_in_s: float = 0.6) -> list[dict[str, float]]:
    """Poses at :data:`FPS`: 1.5 s standing, then per rep 3 s down, 0.3 s at the chair,
    2.5 s up, 1 s standing (the dose's tempo: 3 s down, 2 s up)."""
    start = dict(STANDING)
    segments: list[tuple[float, Pose, Pose]] = [(1.5, start, start)]
    for _ in range(n_reps):
        segments += [(3.0, start, bottom), (0.3, bottom, bottom), (2.5, bottom, start)]
        segments += [(1.0, start, start)]
    return _play(segments)


def sit_to_stand_poses(fault: str | None = None, n_reps: int = 4) -> list[dict[str, float]]:
    """Poses at :data:`FPS`: 1.5 s seated, then per rep 1 s lean, 1 s lift off, 1.2 s up,
    0.7 s standing, 3 s down, 1 s seated (the dose's tempo: 1 s lean, 2 s up, 3 s down)."""
    parts = STS_FAULTS.get(fault or "", {})
    seated = dict(SEATED)
    lean = seated | STS_LEAN | parts.get("lean", {})
    lift = seated | STS_LIFT | parts.get("lift", {})
    top = seated | STS_TOP | parts.get("top", {})
    segments: list[tuple[float, Pose, Pose]] = [(1.5, seated, seated)]
    for _ in range(n_reps):
        segments += [(1.0, seated, lean), (1.0, lean, lift), (1.2, lift, top), (0.7, top, top)]
        segments += [(3.0, top, seated)]
        segments += [(1.0, seated, seated)]
    poses = _play(segments)
    lag = parts.get("lag")
    if lag:  # the lagging leg stays bent by up to ``lag`` mid-movement, not at the ends
        knee = np.array([p["right_knee_flexion"] for p in poses])
        weight = np.sin(np.pi * np.clip(knee / 90.0, 0.0, 1.0))
        for pose, w in zip(poses, weight, strict=True):
            for name, extra in lag.items():
                pose[name] = pose[name] + extra * float(w)
    return poses


def _play(segments: list[tuple[float, Pose, Pose]]) -> list[dict[str, float]]:
    poses: list[dict[str, float]] = []
    for seconds, a, b in segments:
        n = int(round(seconds * FPS))
        for f in _ease((np.arange(n) + 1) / n):
            poses.append(blend(a, b, float(f)))
    return poses


def world_series(
    poses: list[dict[str, float]], noise_m: float = 0.005, seed: int = 0
) -> KeypointSeries:
    """3D keypoints (metres, x forward, y left, z up) with Gaussian noise, as a depth camera."""
    names, points = _poses_to_points(poses)
    points = points + np.random.default_rng(seed).normal(0.0, noise_m, points.shape)
    return _series(names, points, FrameKind.WORLD, "x forward, y left, z up")


def side_camera_series(
    poses: list[dict[str, float]], noise_px: float = 1.5, seed: int = 0, distance_m: float = 3.5
) -> KeypointSeries:
    """2D keypoints through a pinhole camera at the subject's right side (1280x720,
    focal length 900 px, lens 1 m above the floor), with Gaussian pixel noise."""
    names, points = _poses_to_points(poses)
    depth = points[..., 1] + distance_m  # the camera looks along +y (toward the left side)
    u = 640.0 + 900.0 * points[..., 0] / depth
    v = 360.0 - 900.0 * (points[..., 2] - 1.0) / depth
    image = np.stack([u, v], axis=-1)
    image = image + np.random.default_rng(seed).normal(0.0, noise_px, image.shape)
    return _series(names, image, FrameKind.IMAGE, "x right, y down (pixels)")


def _series(
    names: tuple[str, ...], points: np.ndarray, kind: FrameKind, axes: str
) -> KeypointSeries:
    n = points.shape[0]
    return KeypointSeries(
        np.arange(n) / FPS,
        names,
        points,
        np.ones(points.shape[:2]),
        CoordinateFrame(kind, axes),
        "synthetic",
    )


def front_camera_series(
    poses: list[dict[str, float]], noise_px: float = 1.5, seed: int = 0, distance_m: float = 3.5
) -> KeypointSeries:
    """2D keypoints through a pinhole camera in front of the subject (1280x720, focal
    length 900 px, lens 1 m above the floor), with Gaussian pixel noise."""
    names, points = _poses_to_points(poses)
    depth = distance_m - points[..., 0]  # the camera looks along -x, at the subject's front
    u = 640.0 + 900.0 * points[..., 1] / depth  # the subject's left on the image's right
    v = 360.0 - 900.0 * (points[..., 2] - 1.0) / depth
    image = np.stack([u, v], axis=-1)
    image = image + np.random.default_rng(seed).normal(0.0, noise_px, image.shape)
    return _series(names, image, FrameKind.IMAGE, "x right, y down (pixels)")
