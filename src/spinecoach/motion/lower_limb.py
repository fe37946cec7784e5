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
- ``knee_fppa_deg``: the frontal-plane projection angle (FPPA), the 2D valgus measure of a
  front camera: the angle between the thigh (hip -> knee) and the shank (knee -> ankle)
  projected on the frontal plane (the image of a front camera), positive when the knee lies
  medial of the hip-ankle line; the larger of the two knees. Measured only while the thigh
  is seen long enough (its projection at least :data:`FPPA_MIN_THIGH` of the shank's): a
  thigh pointing at the camera (knees past about 60-70 deg in a squat) gives no direction.
- ``hip_height_pct``: height of the mid-hip above the mid-ankle along the up axis, in
  percent of the shoulder width (its running median over :data:`SIZE_MEDIAN_FRAMES`: the
  body's size, which a forward lean does not shorten as it does the trunk's front-view
  length): about 240 standing, about 160 at the bottom of a squat to a chair. What a
  **front camera** counts a squat or sit-to-stand from
  (:func:`~spinecoach.motion.analysis.analyze`), where knee flexion, and so squat depth,
  needs a side view: a count, not a depth.
"""

from __future__ import annotations

import numpy as np

from spinecoach.motion.body import Body, angle_between_deg, dot
from spinecoach.motion.rotation import _running_median
from spinecoach.motion.types import FloatArray

#: Projected thigh length / projected shank length below which the FPPA is not measured.
FPPA_MIN_THIGH = 0.5
#: Frames of the running median of the shoulder width that scales ``hip_height_pct``.
SIZE_MEDIAN_FRAMES = 61


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


def _fppa(body: Body, side: str) -> FloatArray:
    right, up = body.right(), body.up()
    hip, knee, ankle = (body.point(f"{side}_{p}") for p in ("hip", "knee", "ankle"))
    thigh, shank = knee - hip, ankle - knee
    tr, tu = dot(thigh, right), dot(thigh, up)
    sr, su = dot(shank, right), dot(shank, up)
    with np.errstate(invalid="ignore", divide="ignore"):
        cross = tr * su - tu * sr
        # the left knee medial (toward the subject's right) turns the shank clockwise from
        # the thigh in (right, up): negative cross; the right knee, the other way round
        medial = -cross if side == "left" else cross
        angle = np.degrees(np.arctan2(medial, tr * sr + tu * su))
        seen = np.hypot(tr, tu) >= FPPA_MIN_THIGH * np.hypot(sr, su)
    return np.where(seen, angle, np.nan)


def knee_fppa(body: Body) -> FloatArray:
    """Frontal-plane projection angle (deg, knee medial +) of the knee that falls furthest
    inward (see the module docs). A camera's 2D measure: NaN for 3D keypoints, whose knee
    valgus is :func:`knee_valgus` (the FPPA of a thigh pointing forward is too noisy there)."""
    if body.is_3d:
        return np.full(body.n_frames, np.nan)
    left, right = _fppa(body, "left"), _fppa(body, "right")
    both = np.isfinite(left) & np.isfinite(right)
    return np.where(both, np.maximum(left, right), np.where(np.isfinite(left), left, right))


def hip_height(body: Body) -> FloatArray:
    """Mid-hip height above the mid-ankle along the up axis, in % of the trunk length."""
    ankles = [body.point(f"{side}_ankle") for side in ("left", "right")]
    both = np.all(np.isfinite(ankles[0]), axis=1) & np.all(np.isfinite(ankles[1]), axis=1)
    one = np.where(np.all(np.isfinite(ankles[0]), axis=1)[:, None], ankles[0], ankles[1])
    ankle = np.where(both[:, None], 0.5 * (ankles[0] + ankles[1]), one)
    hips = [body.point(f"{side}_hip") for side in ("left", "right")]
    hip = 0.5 * (hips[0] + hips[1])
    shoulders = body.point("left_shoulder") - body.point("right_shoulder")
    # the body's size changes only with its distance to the camera: the shoulder width
    # through a running median (a forward lean does not shorten it, as it does the trunk)
    width = _running_median(np.sqrt(dot(shoulders, shoulders)), SIZE_MEDIAN_FRAMES)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(100.0 * dot(hip - ankle, body.up()) / width)
