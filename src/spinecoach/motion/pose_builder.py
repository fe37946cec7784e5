"""Build a 3D stick figure from a few joint angles (the demonstrations' pose builder).

A pose is a small mapping of joint angles in degrees (anything not given is 0 or the base
posture's value). :func:`build_pose` turns it into 3D keypoints in metres, world frame
``x forward, y left, z up`` (the figure's facing direction when standing is +x), with the
lowest point on the floor (z = 0). The same points can be drawn from the side (x, z) or the
front (y, z) and fed to :func:`spinecoach.motion.measures.compute_measures`.

Angles (degrees; sides mirror each other):

- ``pitch``: the whole body (pelvis) tipped forward from upright (prone 90, supine -90);
  ``roll``: tipped to the subject's right (lying on the right side near 90); ``yaw``: turned
  to the subject's left about the vertical.
- ``spine_flexion`` (forward +, backward bend -), ``spine_side_bend`` (to the right +),
  ``spine_rotation`` (turning right +): shared equally by a lumbar and a thoracic joint.
- ``neck_flexion``: head nodding forward +.
- ``{side}_hip_flexion`` (thigh forward +), ``{side}_hip_abduction`` (thigh out to the side +),
  ``{side}_hip_rotation`` (external +: the bent knee's foot moves toward the midline),
  ``{side}_knee_flexion`` (0 straight), ``{side}_ankle_plantarflexion`` (toes pointed +).
- ``{side}_shoulder_flexion`` (arm raised forward: 90 ahead, 180 overhead),
  ``{side}_shoulder_abduction`` (arm raised out to the side), ``{side}_elbow_flexion``.

>>> names, points = build_pose(base_pose("quadruped"))
>>> round(float(points[names.index("left_knee"), 2]), 2)  # knees on the floor
0.0
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from spinecoach.motion.types import FloatArray

SIDES = ("left", "right")
BODY_JOINTS = (
    "pitch",
    "roll",
    "yaw",
    "spine_flexion",
    "spine_side_bend",
    "spine_rotation",
    "neck_flexion",
)
SIDED_JOINTS = (
    "hip_flexion",
    "hip_abduction",
    "hip_rotation",
    "knee_flexion",
    "ankle_plantarflexion",
    "shoulder_flexion",
    "shoulder_abduction",
    "elbow_flexion",
)
#: Every joint-angle name a pose may set.
JOINTS: tuple[str, ...] = BODY_JOINTS + tuple(f"{s}_{j}" for s in SIDES for j in SIDED_JOINTS)
#: Joint angles whose sign flips when a pose is mirrored to the other side.
MIRROR_NEGATED = frozenset({"roll", "yaw", "spine_side_bend", "spine_rotation"})
#: Largest absolute value accepted for any joint angle (degrees).
MAX_ANGLE_DEG = 180.0

#: Named starting postures: joint angles a demonstration's poses start from.
BASES: dict[str, dict[str, float]] = {
    "standing": {},
    "seated": {
        "left_hip_flexion": 90.0,
        "right_hip_flexion": 90.0,
        "left_knee_flexion": 90.0,
        "right_knee_flexion": 90.0,
    },
    "supine": {"pitch": -90.0},
    "crook_lying": {
        "pitch": -90.0,
        "left_hip_flexion": 45.0,
        "right_hip_flexion": 45.0,
        "left_knee_flexion": 90.0,
        "right_knee_flexion": 90.0,
    },
    "prone": {
        "pitch": 90.0,
        "left_ankle_plantarflexion": 90.0,
        "right_ankle_plantarflexion": 90.0,
        "left_shoulder_flexion": -40.0,
        "right_shoulder_flexion": -40.0,
        "left_elbow_flexion": 175.0,
        "right_elbow_flexion": 175.0,
        "left_shoulder_abduction": 20.0,
        "right_shoulder_abduction": 20.0,
    },
    "quadruped": {
        "pitch": 80.0,
        "left_hip_flexion": 80.0,
        "right_hip_flexion": 80.0,
        "left_knee_flexion": 90.0,
        "right_knee_flexion": 90.0,
        "left_shoulder_flexion": 100.0,
        "right_shoulder_flexion": 100.0,
        "left_ankle_plantarflexion": 90.0,
        "right_ankle_plantarflexion": 90.0,
    },
    "kneeling": {
        "left_knee_flexion": 90.0,
        "right_knee_flexion": 90.0,
        "left_ankle_plantarflexion": 90.0,
        "right_ankle_plantarflexion": 90.0,
    },
    "half_kneeling": {
        "right_knee_flexion": 90.0,
        "right_ankle_plantarflexion": 90.0,
        "left_hip_flexion": 90.0,
        "left_knee_flexion": 90.0,
    },
    "side_lying": {
        "roll": 80.0,
        "left_hip_flexion": 20.0,
        "right_hip_flexion": 20.0,
        "left_knee_flexion": 30.0,
        "right_knee_flexion": 30.0,
    },
}

# Segment lengths in metres (an adult of about 1.7 m).
HALF_HIP_M = 0.12
HALF_SHOULDER_M = 0.18
LUMBAR_M = 0.25
THORACIC_M = 0.25
NECK_TO_EAR_M = 0.17
HALF_HEAD_M = 0.07
NOSE_M = 0.1
#: Radius of the drawn head around the mid-ear point.
HEAD_RADIUS_M = 0.09
THIGH_M = 0.44
SHANK_M = 0.42
FOOT_M = 0.15
UPPER_ARM_M = 0.29
FOREARM_M = 0.26

#: Keypoints :func:`build_pose` returns, in order (canonical names plus ``spine_mid``).
POINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_foot_index",
    "right_foot_index",
    "spine_mid",
)
#: Lines that draw the figure (pairs of :data:`POINT_NAMES`).
BONES: tuple[tuple[str, str], ...] = (
    ("left_hip", "right_hip"),
    ("left_shoulder", "right_shoulder"),
    *(
        pair
        for s in SIDES
        for pair in (
            (f"{s}_shoulder", f"{s}_elbow"),
            (f"{s}_elbow", f"{s}_wrist"),
            (f"{s}_hip", f"{s}_knee"),
            (f"{s}_knee", f"{s}_ankle"),
            (f"{s}_ankle", f"{s}_foot_index"),
        )
    ),
)


def _rx(deg: float) -> FloatArray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _ry(deg: float) -> FloatArray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rz(deg: float) -> FloatArray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


_UP = np.array([0.0, 0.0, 1.0])
_DOWN = -_UP


def base_pose(name: str) -> dict[str, float]:
    """Joint angles of the named base posture (a copy; raises ``KeyError`` if unknown)."""
    return dict(BASES[name])


def mirror_pose(angles: Mapping[str, float]) -> dict[str, float]:
    """The same pose done to the other side: left and right swapped, sideways angles negated."""
    mirrored: dict[str, float] = {}
    for name, value in angles.items():
        if name.startswith("left_"):
            mirrored["right_" + name[5:]] = value
        elif name.startswith("right_"):
            mirrored["left_" + name[6:]] = value
        else:
            mirrored[name] = -value if name in MIRROR_NEGATED else value
    return mirrored


def build_pose(angles: Mapping[str, float]) -> tuple[tuple[str, ...], FloatArray]:
    """3D keypoints of the pose ``angles`` (unknown names raise ``KeyError``).

    Parameters
    ----------
    angles : mapping of str to float
        Joint angles in degrees (see the module docstring); missing ones are 0.

    Returns
    -------
    names : tuple of str
        :data:`POINT_NAMES`.
    points : ndarray, shape (len(names), 3)
        Metres, ``x forward, y left, z up``; the pelvis centre is at x = y = 0 and the lowest
        point (or the bottom of the head, :data:`HEAD_RADIUS_M` below the ears) at z = 0.
    """
    unknown = [name for name in angles if name not in JOINTS]
    if unknown:
        raise KeyError(f"unknown joint angle(s): {', '.join(unknown)}")

    def a(name: str) -> float:
        return float(angles.get(name, 0.0))

    body = _ry(a("pitch")) @ _rx(a("roll")) @ _rz(a("yaw"))
    half = _ry(a("spine_flexion") / 2) @ _rx(a("spine_side_bend") / 2)
    half = half @ _rz(-a("spine_rotation") / 2)
    lumbar = body @ half
    trunk = lumbar @ half
    head = trunk @ _ry(a("neck_flexion"))
    p: dict[str, FloatArray] = {}
    hip_centre = np.zeros(3)
    p["spine_mid"] = hip_centre + lumbar @ _UP * LUMBAR_M
    neck = p["spine_mid"] + trunk @ _UP * THORACIC_M
    mid_ear = neck + head @ _UP * NECK_TO_EAR_M
    p["nose"] = mid_ear + head @ np.array([NOSE_M, 0.0, -0.02])
    for s, sign in (("left", 1.0), ("right", -1.0)):
        p[f"{s}_ear"] = mid_ear + head @ np.array([0.0, sign * HALF_HEAD_M, 0.0])
        shoulder = neck + trunk @ np.array([0.0, sign * HALF_SHOULDER_M, 0.0])
        arm = trunk @ _rx(sign * a(f"{s}_shoulder_abduction")) @ _ry(-a(f"{s}_shoulder_flexion"))
        p[f"{s}_shoulder"] = shoulder
        p[f"{s}_elbow"] = shoulder + arm @ _DOWN * UPPER_ARM_M
        forearm = arm @ _ry(-a(f"{s}_elbow_flexion"))
        p[f"{s}_wrist"] = p[f"{s}_elbow"] + forearm @ _DOWN * FOREARM_M
        hip = hip_centre + body @ np.array([0.0, sign * HALF_HIP_M, 0.0])
        thigh = body @ _rx(sign * a(f"{s}_hip_abduction")) @ _ry(-a(f"{s}_hip_flexion"))
        thigh = thigh @ _rz(sign * a(f"{s}_hip_rotation"))
        shank = thigh @ _ry(a(f"{s}_knee_flexion"))
        p[f"{s}_hip"] = hip
        p[f"{s}_knee"] = hip + thigh @ _DOWN * THIGH_M
        p[f"{s}_ankle"] = p[f"{s}_knee"] + shank @ _DOWN * SHANK_M
        foot = shank @ _ry(a(f"{s}_ankle_plantarflexion"))
        p[f"{s}_foot_index"] = p[f"{s}_ankle"] + foot @ np.array([FOOT_M, 0.0, 0.0])
    points = np.array([p[name] for name in POINT_NAMES])
    head_bottom = mid_ear[2] - HEAD_RADIUS_M  # the head rests on the floor, not in it
    points[:, 2] -= min(points[:, 2].min(), head_bottom)
    return POINT_NAMES, points


def blend(a: Mapping[str, float], b: Mapping[str, float], fraction: float) -> dict[str, float]:
    """Joint angles a ``fraction`` (0..1) of the way from pose ``a`` to pose ``b``."""
    names = set(a) | set(b)
    return {n: a.get(n, 0.0) + (b.get(n, 0.0) - a.get(n, 0.0)) * fraction for n in names}
