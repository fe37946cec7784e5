"""Clinical measures from keypoints, defined as data (see docs/motion.md for sketches).

Each :class:`MeasureDefinition` names the keypoints it uses, the view it needs (``front``,
``side``, ``3d`` or ``any``) and a vectorised function of a :class:`~spinecoach.motion.body.Body`.
Degrees throughout; the trunk is the line from mid-hip (or a pelvis marker) to mid-shoulder
(or a chest marker). Sign conventions:

- ``trunk_flexion_deg``: sagittal inclination of the trunk from vertical, forward positive.
- ``trunk_lateral_flexion_deg``: frontal inclination from vertical, toward the subject's
  right positive.
- ``trunk_rotation_deg``: shoulder line relative to hip line about the vertical, right
  shoulder moving backward positive. 3D input; from an image with estimator depth it is the
  monocular estimate of :mod:`spinecoach.motion.rotation` (flagged in
  :attr:`MeasureSeries.flags`); from a plain 2D image it is not measurable.
- ``left|right_shoulder_elevation_deg``: angle between upper arm and the trunk's downward
  line (0 arm at the side, 90 horizontal, 180 overhead); in 2D the projected angle.
- ``left|right_hip_flexion_deg``: 180 - angle between trunk and thigh (0 upright, 90 seated).
- ``left|right_knee_flexion_deg``: 180 - angle hip-knee-ankle (0 straight).
- ``hip_hinge_ratio``: trunk (hip->shoulder) inclination / head (hip->ear) inclination in the
  sagittal plane; ~1 for a long spine hinging at the hips, lower when the upper back and head
  curl forward. NaN when the head line leans less than 15 degrees (nothing to judge).
- ``pelvic_obliquity_deg``: hip line from horizontal in the frontal plane, the subject's
  right hip higher positive (a hip hike or drop).
- ``head_forward_deg``: sagittal inclination of the shoulder->ear line from vertical, forward
  positive (larger = head further forward of the shoulders).
- ``knee_flexion_deg``, ``trunk_shank_lean_deg``, ``knee_flexion_asymmetry_deg``,
  ``knee_valgus_deg``: squat and sit-to-stand measures (:mod:`spinecoach.motion.lower_limb`).

A measure that the input cannot support at all (missing keypoints, wrong view, no depth) is
reported in :attr:`MeasureSeries.unmeasurable` with the reason instead of a number; frames in
which it cannot be measured (low confidence, wrong view at that moment) are NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from spinecoach.domain.i18n import N_, _
from spinecoach.errors import NotMeasurable
from spinecoach.motion.body import (
    HEAD,
    TRUNK_BOTTOM,
    TRUNK_TOP,
    Body,
    angle_between_deg,
    choose,
    dot,
)
from spinecoach.motion.lower_limb import (
    hip_height,
    knee_flexion_asymmetry,
    knee_flexion_both,
    knee_fppa,
    knee_valgus,
    trunk_shank_lean,
)
from spinecoach.motion.rotation import RotationEstimator
from spinecoach.motion.types import FloatArray, FrameKind, KeypointSeries, MeasureSeries

MeasureFunction = Callable[[Body], FloatArray]

#: Head-line inclination (degrees) below which ``hip_hinge_ratio`` is not defined.
HINGE_MIN_LEAN_DEG = 15.0
ROTATION_PROXY_FLAG = N_(
    "one camera: from the foreshortening of the shoulder and hip lines against their "
    "neutral widths (calibrated in a still window), the side from the estimator's depth; "
    "not measured while an arm is raised; 3D keypoints or an IMU measure it directly"
)


@dataclass(frozen=True)
class MeasureDefinition:
    """One measure: its name, keypoints, needed view and vectorised computation.

    Attributes
    ----------
    name : str
        Measure name with unit suffix (``trunk_flexion_deg``).
    keypoints : tuple of tuple of str
        For each point the measure needs, the candidate keypoint names in order of preference.
    view : str
        ``front``, ``side`` (2D needs that view; any 3D input works), ``3d`` or ``any``.
    description : str
        One line for docs and tables.
    compute : callable
        ``compute(body) -> ndarray, shape (n_frames,)``.
    unit : str
        ``deg`` or ``ratio``.
    """

    name: str
    keypoints: tuple[tuple[str, ...], ...]
    view: str
    description: str
    compute: MeasureFunction
    unit: str = "deg"


def _inclination(vector: FloatArray, axis: FloatArray, up: FloatArray) -> FloatArray:
    """Signed inclination (deg) of ``vector`` from ``up`` toward ``axis`` in their plane."""
    return np.degrees(np.arctan2(dot(vector, axis), dot(vector, up)))


def _trunk_flexion(body: Body) -> FloatArray:
    return _inclination(body.trunk(), body.forward(), body.up())


def _trunk_lateral_flexion(body: Body) -> FloatArray:
    return _inclination(body.trunk(), body.right(), body.up())


def _trunk_rotation(body: Body) -> FloatArray:
    """3D: the shoulder line against the hip line about the vertical. An image with depth
    needs the calibrated estimate of :mod:`spinecoach.motion.rotation` (the whole recording or
    a live stream), not one frame: NaN here."""
    if not body.is_3d:
        return np.full(body.n_frames, np.nan)
    up = body.up()
    shoulders = body.point("right_shoulder") - body.point("left_shoulder")
    hips = body.point("right_hip") - body.point("left_hip")
    shoulders = shoulders - dot(shoulders, up)[:, None] * up
    hips = hips - dot(hips, up)[:, None] * up
    turn = np.degrees(np.arctan2(dot(np.cross(hips, shoulders), up), dot(hips, shoulders)))
    return -turn  # right-hand turn about up moves the right shoulder forward


def _shoulder_elevation(side: str) -> MeasureFunction:
    def compute(body: Body) -> FloatArray:
        arm = body.first_point((f"{side}_elbow", f"{side}_upper_arm")) - body.point(
            f"{side}_shoulder"
        )
        return angle_between_deg(arm, -body.trunk())

    return compute


def _hip_flexion(side: str) -> MeasureFunction:
    def compute(body: Body) -> FloatArray:
        hip = body.first_point((f"{side}_hip", "pelvis"))
        thigh = body.first_point((f"{side}_knee", f"{side}_thigh")) - hip
        return 180.0 - angle_between_deg(body.trunk(), thigh)

    return compute


def _knee_flexion(side: str) -> MeasureFunction:
    def compute(body: Body) -> FloatArray:
        knee = body.point(f"{side}_knee")
        thigh = body.point(f"{side}_hip") - knee
        shank = body.point(f"{side}_ankle") - knee
        return 180.0 - angle_between_deg(thigh, shank)

    return compute


def _hip_hinge_ratio(body: Body) -> FloatArray:
    forward, up = body.forward(), body.up()
    trunk_lean = _inclination(body.trunk(), forward, up)
    head = body.first_point(HEAD) - body.first_point(TRUNK_BOTTOM)
    head_lean = _inclination(head, forward, up)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = trunk_lean / head_lean
    return np.where(np.abs(head_lean) >= HINGE_MIN_LEAN_DEG, ratio, np.nan)


def _pelvic_obliquity(body: Body) -> FloatArray:
    hips = body.point("right_hip") - body.point("left_hip")
    return np.degrees(np.arctan2(dot(hips, body.up()), dot(hips, body.right())))


def _head_forward(body: Body) -> FloatArray:
    neck = body.first_point(HEAD) - body.first_point(TRUNK_TOP)
    return _inclination(neck, body.forward(), body.up())


_TRUNK = (TRUNK_BOTTOM, TRUNK_TOP)
_LEGS = tuple((f"{s}_{p}",) for s in ("left", "right") for p in ("hip", "knee", "ankle"))

#: Extra points a 2D view needs to orient the subject: the shoulders show which image side is
#: the subject's right (front view); nose and an ear show which way they face (side view).
VIEW_KEYPOINTS_2D: dict[str, list[tuple[str, ...]]] = {
    "front": [("left_shoulder",), ("right_shoulder",)],
    "side": [("nose",), HEAD],
}


def _sided(side: str, *points: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.format(side=side) for p in group) for group in points)


MEASURES: dict[str, MeasureDefinition] = {
    m.name: m
    for m in (
        MeasureDefinition(
            "trunk_flexion_deg",
            _TRUNK,
            "side",
            "trunk inclination from vertical in the sagittal plane, forward positive",
            _trunk_flexion,
        ),
        MeasureDefinition(
            "trunk_lateral_flexion_deg",
            _TRUNK,
            "front",
            "trunk inclination from vertical in the frontal plane, subject's right positive",
            _trunk_lateral_flexion,
        ),
        MeasureDefinition(
            "trunk_rotation_deg",
            (("left_shoulder",), ("right_shoulder",), ("left_hip",), ("right_hip",)),
            "3d",
            "shoulder line vs hip line about the vertical, right shoulder backward positive",
            _trunk_rotation,
        ),
        *(
            MeasureDefinition(
                f"{side}_shoulder_elevation_deg",
                (
                    *_TRUNK,
                    *_sided(side, ("{side}_shoulder",), ("{side}_elbow", "{side}_upper_arm")),
                ),
                "any",
                f"{side} upper arm vs the trunk's downward line (0 at the side, 180 overhead)",
                _shoulder_elevation(side),
            )
            for side in ("left", "right")
        ),
        *(
            MeasureDefinition(
                f"{side}_hip_flexion_deg",
                (*_TRUNK, *_sided(side, ("{side}_hip", "pelvis"), ("{side}_knee", "{side}_thigh"))),
                "side",
                f"{side} hip: 180 - angle between trunk and thigh (0 upright, 90 seated)",
                _hip_flexion(side),
            )
            for side in ("left", "right")
        ),
        *(
            MeasureDefinition(
                f"{side}_knee_flexion_deg",
                _sided(side, ("{side}_hip",), ("{side}_knee",), ("{side}_ankle",)),
                "side",
                f"{side} knee: 180 - angle hip-knee-ankle (0 straight)",
                _knee_flexion(side),
            )
            for side in ("left", "right")
        ),
        MeasureDefinition(
            "hip_hinge_ratio",
            (*_TRUNK, HEAD),
            "side",
            "trunk inclination / hip-to-ear inclination (1 = long spine, lower = rounding)",
            _hip_hinge_ratio,
            unit="ratio",
        ),
        MeasureDefinition(
            "pelvic_obliquity_deg",
            (("left_hip",), ("right_hip",)),
            "front",
            "hip line from horizontal in the frontal plane, subject's right hip higher positive",
            _pelvic_obliquity,
        ),
        MeasureDefinition(
            "head_forward_deg",
            (TRUNK_TOP, HEAD),
            "side",
            "shoulder-to-ear line from vertical in the sagittal plane, forward positive",
            _head_forward,
        ),
        MeasureDefinition(
            "knee_flexion_deg",
            _LEGS,
            "side",
            "mean knee flexion of both legs: 180 - angle hip-knee-ankle (0 straight)",
            knee_flexion_both,
        ),
        MeasureDefinition(
            "trunk_shank_lean_deg",
            (*_TRUNK, *_LEGS),
            "side",
            "trunk inclination minus shin (ankle-to-knee) inclination, sagittal, forward positive",
            trunk_shank_lean,
        ),
        MeasureDefinition(
            "knee_flexion_asymmetry_deg",
            _LEGS,
            "side",
            "left minus right knee flexion",
            knee_flexion_asymmetry,
        ),
        MeasureDefinition(
            "knee_valgus_deg",
            _LEGS,
            "front",
            "inward deviation of the knee from its hip-ankle line, frontal plane (inward positive)",
            knee_valgus,
        ),
        MeasureDefinition(
            "knee_fppa_deg",
            _LEGS,
            "front",
            "frontal-plane projection angle: thigh vs shank in the frontal plane (knee medial +)",
            knee_fppa,
        ),
        MeasureDefinition(
            "hip_height_pct",
            (*_TRUNK, *_LEGS),
            "front",
            "mid-hip height above the mid-ankles in % of the trunk length (front-view squat count)",
            hip_height,
            unit="pct",
        ),
    )
}


def static_problem(definition: MeasureDefinition, body: Body) -> str | None:
    """Why this input can never support the measure (None if it might)."""
    if definition.view == "3d" and not body.is_3d and not body.has_depth:
        return "needs 3D keypoints or an estimator's depth; this input is 2D image keypoints"
    groups = list(definition.keypoints)
    if not body.is_3d:
        groups += VIEW_KEYPOINTS_2D.get(definition.view, [])
    missing = [" or ".join(group) for group in groups if choose(body.names, group) is None]
    if missing:
        return f"needs keypoint(s) {', '.join(missing)}, not in this keypoint set"
    return None


def _empty_reason(definition: MeasureDefinition, body: Body) -> str | None:
    """Why a measure that might apply has no valid frame (None: tracked but undefined)."""
    if not body.is_3d and definition.view in ("front", "side"):
        in_view = body.view_mask(definition.view)
        if not np.any(in_view):
            return f"needs a {definition.view} view; no frame of this recording is one"
    never = [
        name
        for group in definition.keypoints
        if (name := choose(body.names, group)) is not None
        and not np.any(np.all(np.isfinite(body.point(name)), axis=1))
    ]
    if never:
        return (
            f"keypoint(s) {', '.join(never)} never tracked with confidence >= "
            f"{body.min_confidence:g}"
        )
    return None


def measure_values(body: Body, definition: MeasureDefinition) -> FloatArray:
    """Per-frame values of one measure, NaN where the frame's view does not support it.

    Returns
    -------
    ndarray, shape (n_frames,)
    """
    values = definition.compute(body)
    mask = body.view_mask(definition.view)
    return np.where(mask, values, np.nan)


#: Physically possible range of each angle (degrees). Beyond it a value is a tracking
#: glitch (a 171° "trunk flexion" from one swapped frame), set aside and flagged.
PHYSICAL_RANGE_DEG: dict[str, tuple[float, float]] = {
    "trunk_flexion_deg": (-135.0, 135.0),
    "trunk_lateral_flexion_deg": (-100.0, 100.0),
    "trunk_rotation_deg": (-100.0, 100.0),
    "left_hip_flexion_deg": (-60.0, 170.0),
    "right_hip_flexion_deg": (-60.0, 170.0),
    "left_knee_flexion_deg": (-30.0, 170.0),
    "right_knee_flexion_deg": (-30.0, 170.0),
    "pelvic_obliquity_deg": (-60.0, 60.0),
    "knee_flexion_deg": (-30.0, 170.0),
    "knee_flexion_asymmetry_deg": (-150.0, 150.0),
    "knee_valgus_deg": (-90.0, 90.0),
    "knee_fppa_deg": (-180.0, 180.0),
}


def physical_gate(name: str, values: FloatArray) -> tuple[FloatArray, str | None]:
    """``values`` with angles outside :data:`PHYSICAL_RANGE_DEG` set to NaN, and a flag."""
    limits = PHYSICAL_RANGE_DEG.get(name)
    if limits is None:
        return values, None
    low, high = limits
    with np.errstate(invalid="ignore"):
        outside = (values < low) | (values > high)
    n = int(np.count_nonzero(outside))
    if n == 0:
        return values, None
    gated = np.where(outside, np.nan, values)
    return gated, _(
        "{n} frames outside the physical range {low} to {high} deg set aside "
        "(tracking glitches, not measured angles)"
    ).format(n=n, low=f"{low:g}", high=f"{high:g}")


def compute_measures(
    series: KeypointSeries,
    min_confidence: float = 0.5,
    names: Iterable[str] | None = None,
) -> MeasureSeries:
    """Compute measures for every frame of ``series``.

    Parameters
    ----------
    series : KeypointSeries
        Positions ``(n_frames, n_keypoints, 2 or 3)``.
    min_confidence : float
        Keypoints below this confidence are treated as missing (confidence gating).
    names : iterable of str, optional
        Measures to compute (default: all of :data:`MEASURES`).

    Returns
    -------
    MeasureSeries
        ``values`` holds each measurable measure, shape ``(n_frames,)``, NaN at frames where
        it cannot be measured; ``unmeasurable`` holds the others with the reason; ``flags``
        notes proxies. Unfiltered: see :mod:`spinecoach.motion.filters`.
    """
    wanted = list(MEASURES) if names is None else list(names)
    unknown = [n for n in wanted if n not in MEASURES]
    if unknown:
        raise NotMeasurable(
            _("Unknown measure(s) {unknown}. Allowed values are: {measures}").format(
                unknown=", ".join(unknown), measures=", ".join(MEASURES)
            )
        )
    body = Body(
        series.positions,
        series.confidence,
        series.names,
        series.frame.kind,
        series.frame.axes,
        min_confidence,
    )
    values: dict[str, FloatArray] = {}
    unmeasurable: dict[str, str] = {}
    flags: dict[str, str] = {}
    for name in wanted:
        definition = MEASURES[name]
        problem = static_problem(definition, body)
        if problem is not None:
            unmeasurable[name] = problem
            continue
        if name == "trunk_rotation_deg" and not body.is_3d:
            estimator = RotationEstimator()
            result = estimator.series(body, series.time_s)
            if estimator.problem is not None:
                unmeasurable[name] = estimator.problem
                continue
        else:
            result = measure_values(body, definition)
        if not np.any(np.isfinite(result)):
            reason = _empty_reason(definition, body)
            if reason is not None:
                unmeasurable[name] = reason
                continue
        result, flag = physical_gate(name, result)
        values[name] = result
        if name == "trunk_rotation_deg" and series.frame.kind is FrameKind.IMAGE:
            flags[name] = _(ROTATION_PROXY_FLAG)
        if flag is not None:
            flags[name] = f"{flags[name]}; {flag}" if name in flags else flag
    return MeasureSeries(series.time_s.copy(), values, unmeasurable, flags)
