"""Lower-limb measures for squats and sit-to-stand: knee flexion of both legs, trunk lean
against the shins, left/right knee difference and knee valgus (pure NumPy on a
:class:`~spinecoach.motion.body.Body`).

- ``knee_flexion_deg``: mean of the left and right knee flexion (180° - angle hip-knee-ankle;
  0 straight); the one leg that is measured where the other is not.
- ``trunk_shank_lean_deg``: sagittal inclination of the trunk (hip -> shoulder) minus that of
  the shins (ankle -> knee), forward positive; about 0 when the trunk stays parallel to the
  shins, as in a balanced squat with the hips going back; positive when the trunk leans
  further forward than the shins.
- ``knee_flexion_asymmetry_deg``: left minus right knee flexion.
- ``knee_valgus_deg``: how far each knee lies toward the midline of its hip-ankle line in
  the frontal plane (the plane of the subject's right and up), as an angle: arcsin(medial
  distance / thigh length); the larger of the two knees. 0 when the knee tracks straight
  over the foot, at any flexion. Dividing by the thigh's whole length (not its frontal
  projection, which shrinks as the knee bends) keeps 3D keypoint noise from growing at
  the bottom of a squat; in a 2D front view the thigh is foreshortened and the angle reads
  high when the knees bend far.
"""

from __future__ import annotations

import numpy as np

from spinecoach.motion.body import Body, angle_between_deg, dot
from spinecoach.motion.types import FloatArray


def knee_flexion(body: Body, side: str) -> FloatArray:
    """Knee flexion (deg) of one leg: 180° - the angle hip-knee-ankle."""
    knee = body.point(f"{side}_knee")
    thigh = body.point(f"{side}_hip") - knee
    shank = body.point(f"{side}_ankle") - knee
    return 180.0 - angle_between_deg(thigh, shank)


def _mean_of_sides(left: FloatArray, right: FloatArray) -> FloatArray:
    both = np.isfinite(left) & np.isfinite(right)
    return np.where(both, 0.5 * (left + right), np.where(np.isfinite(left), left, right))


def knee_flexion_both(body: Body) -> FloatArray:
    """Mean knee flexion of both legs (deg); one leg where only one is measured."""
    return _mean_of_sides(knee_flexion(body, "left"), knee_flexion(body, "right"))


def _sagittal_inclination(body: Body, vector: FloatArray) -> FloatArray:
    return np.degrees(np.arctan2(dot(vector, body.forward()), dot(vector, body.up())))


def trunk_shank_lean(body: Body) -> FloatArray:
    """Trunk inclination minus shin inclination in the sagittal plane (deg, forward +)."""
    trunk = _sagittal_inclination(body, body.trunk())
    shins = [
        _sagittal_inclination(body, body.point(f"{s}_knee") - body.point(f"{s}_ankle"))
        for s in ("left", "right")
    ]
    return trunk - _mean_of_sides(shins[0], shins[1])


def knee_flexion_asymmetry(body: Body) -> FloatArray:
    """Left minus right knee flexion (deg)."""
    return knee_flexion(body, "left") - knee_flexion(body, "right")


def _valgus(body: Body, side: str) -> FloatArray:
    right, up = body.right(), body.up()
    hip, knee, ankle = (body.point(f"{side}_{p}") for p in ("hip", "knee", "ankle"))
    line, thigh = ankle - hip, knee - hip
    lr, lu = dot(line, right), dot(line, up)
    kr, ku = dot(thigh, right), dot(thigh, up)
    with np.errstate(invalid="ignore", divide="ignore"):
        # signed distance of the knee from the hip-ankle line in the frontal plane; the
        # left knee moving toward the midline (subject's right) is positive
        offset = (lr * ku - lu * kr) / np.hypot(lr, lu)
        medial = offset if side == "left" else -offset
        length = np.sqrt(dot(thigh, thigh))
        return np.degrees(np.arcsin(np.clip(medial / length, -1.0, 1.0)))


def knee_valgus(body: Body) -> FloatArray:
    """Inward deviation (deg) of the knee that falls furthest inward (see the module docs)."""
    left, right = _valgus(body, "left"), _valgus(body, "right")
    both = np.isfinite(left) & np.isfinite(right)
    return np.where(both, np.maximum(left, right), np.where(np.isfinite(left), left, right))
