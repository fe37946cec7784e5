"""Posture figures from a still posture: camera keypoints (2D side or front view) or back IMUs.

What each source can measure honestly (docs/posture.md):

* **Side view (camera)** — ``craniovertebral_angle_deg``: the shoulder->ear line against the
  horizontal (``90 - head_forward_deg``). Clinicians draw it from C7; pose estimators have no
  C7 landmark, so the shoulder stands in for it. The shoulder joint sits in front of and a
  little below C7, so this proxy reads *larger* than a clinician's CVA (a figure below the
  cut-off is then below it for C7 too). ``trunk_inclination_deg`` (standing) or
  ``sitting_trunk_flexion_deg`` (seated): the hip->shoulder line from vertical, forward
  positive. ``slump_deg``: how far the shoulder->ear line leans forward of the hip->shoulder
  line (rounding of the upper back and neck; compared with the person's own upright figure).
* **Front view (camera)** — ``shoulder_height_difference_deg``: the shoulder line from
  horizontal, the subject's right shoulder higher positive (the coronal shoulder angle).
* **Pelvic tilt is not measurable from a camera**: a pose estimator marks each hip *joint
  centre*; tilting the pelvis rotates it about the axis through both hip joint centres, so
  those landmarks do not move at all (:func:`pelvic_tilt_moves_hip_centres` shows it; the
  ASIS and PSIS that define the tilt are not landmarks).
* **Back IMUs** (recording starts with the calibration window in upright standing, then the
  assessed posture): ``pelvic_tilt_deg`` (sacral sensor) and ``lumbar_angle_deg`` (upper minus
  sacral), as *changes from upright standing* — not the absolute ASIS-PSIS tilt.

Each figure is the median over the usable samples, with the interquartile range as its
spread and a confidence in 0-1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinecoach.domain.i18n import N_, _
from spinecoach.domain.posture import PostureFigure
from spinecoach.motion.body import HEAD, TRUNK_TOP, Body, dot
from spinecoach.motion.types import FloatArray, KeypointSeries, MeasureSeries

CAMERA_PELVIC_TILT_REASON = N_(
    "not measurable from a camera: pose estimators mark each hip joint centre, and tilting the "
    "pelvis rotates it about the line through both hip joint centres, so those points do not "
    "move (the ASIS and PSIS that define pelvic tilt are not landmarks); wear a sacral sensor "
    "or ask a clinician for an inclinometer reading"
)
CVA_PROXY_NOTE = N_(
    "camera proxy: shoulder landmark in place of C7 (reads larger than a clinician's CVA)"
)
IMU_RELATIVE_NOTE = N_("change from your upright standing at the start of the recording")
#: Seconds after the calibration window skipped while the person moves into the posture.
IMU_SETTLE_S = 2.0
#: Seated check: hip flexion (trunk vs thigh) at or above this means the person sits.
SEATED_HIP_FLEXION_DEG = 45.0


@dataclass(frozen=True)
class CameraFigures:
    """Figures from a camera recording, what it could not measure, and notes."""

    figures: tuple[PostureFigure, ...]
    unmeasurable: dict[str, str]
    notes: tuple[str, ...] = ()


def _inclination_deg(vector: FloatArray, axis: FloatArray, up: FloatArray) -> FloatArray:
    return np.degrees(np.arctan2(dot(vector, axis), dot(vector, up)))


def _summary(values: FloatArray, visibility: float, n_frames: int) -> tuple[float, float, float]:
    """(median, IQR, confidence) of the finite values."""
    finite = values[np.isfinite(values)]
    q1, median, q3 = np.percentile(finite, [25, 50, 75])
    spread = float(q3 - q1)
    usable = finite.size / max(n_frames, 1)
    steadiness = float(np.clip(1.0 - max(spread - 2.0, 0.0) / 10.0, 0.2, 1.0))
    confidence = float(np.clip(usable * visibility * steadiness, 0.0, 1.0))
    return float(median), spread, confidence


def _visibility(series: KeypointSeries, groups: tuple[tuple[str, ...], ...]) -> float:
    """Mean confidence of the landmarks a figure uses (left/right averaged where both exist)."""
    scores = []
    for group in groups:
        columns = [series.index(n) for n in group if series.has(n)]
        if columns:
            scores.append(float(np.nanmean(series.confidence[:, columns])))
    return float(np.mean(scores)) if scores else 0.0


_HEAD_POINTS = ("left_ear", "right_ear", "left_shoulder", "right_shoulder")
_TRUNK_POINTS = ("left_hip", "right_hip", "left_shoulder", "right_shoulder")


def camera_figures(
    series: KeypointSeries, view: str, position: str, min_confidence: float = 0.5
) -> CameraFigures:
    """Posture figures from a 2D (or 3D) keypoint recording of a still posture.

    Parameters
    ----------
    series : KeypointSeries
        Positions ``(n_frames, n_keypoints, 2 or 3)``.
    view : str
        ``side`` or ``front`` (the view the person was asked to give).
    position : str
        ``standing`` or ``seated``.
    min_confidence : float
        Landmarks below this confidence are missing.

    Returns
    -------
    CameraFigures
        Figures that the view supports, and the reason for each that it does not.
    """
    body = Body(
        series.positions,
        series.confidence,
        series.names,
        series.frame.kind,
        series.frame.axes,
        min_confidence,
    )
    n = series.n_frames
    figures: list[PostureFigure] = []
    unmeasurable: dict[str, str] = {"pelvic_tilt_deg": CAMERA_PELVIC_TILT_REASON}
    notes: list[str] = []
    if view == "side":
        in_view = body.view_mask("side")
        if not np.any(in_view):
            reason = N_("needs a side view; no frame of this recording is one")
            for name in _side_measures(position):
                unmeasurable[name] = reason
            return CameraFigures((), unmeasurable, (N_("turn side-on to the camera"),))
        forward, up = body.forward(), body.up()
        trunk = body.trunk()
        neck = body.first_point(HEAD) - body.first_point(TRUNK_TOP)
        trunk_deg = np.where(in_view, _inclination_deg(trunk, forward, up), np.nan)
        neck_deg = np.where(in_view, _inclination_deg(neck, forward, up), np.nan)
        head_vis = _visibility(series, tuple((p,) for p in _HEAD_POINTS))
        trunk_vis = _visibility(series, tuple((p,) for p in _TRUNK_POINTS))
        trunk_name = (
            "sitting_trunk_flexion_deg" if position == "seated" else "trunk_inclination_deg"
        )
        candidates = {
            "craniovertebral_angle_deg": (90.0 - neck_deg, head_vis, CVA_PROXY_NOTE),
            trunk_name: (trunk_deg, trunk_vis, N_("hip-to-shoulder line from vertical, forward +")),
            "slump_deg": (
                neck_deg - trunk_deg,
                min(head_vis, trunk_vis),
                N_("neck line leaning forward of the trunk line"),
            ),
        }
        for name, (values, visibility, note) in candidates.items():
            if not np.any(np.isfinite(values)):
                unmeasurable[name] = N_("ears, shoulders or hips not tracked in a side view")
                continue
            median, spread, confidence = _summary(values, visibility, n)
            figures.append(
                PostureFigure(
                    name,
                    round(median, 1),
                    round(confidence, 2),
                    "camera",
                    round(spread, 1),
                    int(np.isfinite(values).sum()),
                    note,
                )
            )
        notes += _position_check(body, forward, up, position)
    elif view == "front":
        in_view = body.view_mask("front")
        if not np.any(in_view):
            unmeasurable["shoulder_height_difference_deg"] = N_(
                "needs a front view; no frame of this recording is one"
            )
            return CameraFigures((), unmeasurable, (N_("face the camera"),))
        shoulders = body.point("right_shoulder") - body.point("left_shoulder")
        tilt = np.degrees(np.arctan2(dot(shoulders, body.up()), dot(shoulders, body.right())))
        tilt = np.where(in_view, tilt, np.nan)
        if not np.any(np.isfinite(tilt)):
            unmeasurable["shoulder_height_difference_deg"] = N_("shoulders not tracked")
        else:
            visibility = _visibility(series, (("left_shoulder",), ("right_shoulder",)))
            median, spread, confidence = _summary(tilt, visibility, n)
            figures.append(
                PostureFigure(
                    "shoulder_height_difference_deg",
                    round(median, 1),
                    round(confidence, 2),
                    "camera",
                    round(spread, 1),
                    int(np.isfinite(tilt).sum()),
                    N_("shoulder line from horizontal, your right shoulder higher +"),
                )
            )
        for name in _side_measures(position):
            unmeasurable[name] = N_("needs a side view (this check is front-on)")
    else:
        raise ValueError(f"view must be 'side' or 'front', got {view!r}")
    return CameraFigures(tuple(figures), unmeasurable, tuple(notes))


def _side_measures(position: str) -> tuple[str, ...]:
    trunk = "sitting_trunk_flexion_deg" if position == "seated" else "trunk_inclination_deg"
    return ("craniovertebral_angle_deg", trunk, "slump_deg")


def _position_check(body: Body, forward: FloatArray, up: FloatArray, position: str) -> list[str]:
    """A note when the hips show a different position than the one stated."""
    thighs = []
    for side in ("left", "right"):
        thigh = body.point(f"{side}_knee") - body.point(f"{side}_hip")
        thighs.append(np.degrees(np.arctan2(np.abs(dot(thigh, forward)), -dot(thigh, up))))
    angle = np.nanmedian(np.stack(thighs)) if np.any(np.isfinite(np.stack(thighs))) else np.nan
    if not np.isfinite(angle):
        return [
            _("knees not in view: could not check that you were {position}").format(
                position=_(position)
            )
        ]
    seated = angle >= SEATED_HIP_FLEXION_DEG
    if seated != (position == "seated"):
        seen = _("sitting") if seated else _("standing")
        return [
            _(
                "the thighs look like {seen} (thigh {angle} deg from vertical), not {position}"
            ).format(seen=seen, angle=f"{angle:.0f}", position=_(position))
        ]
    return []


def pelvic_tilt_moves_hip_centres(
    hip_centres: FloatArray, tilt_deg: float, pivot: FloatArray | None = None
) -> FloatArray:
    """Where the hip joint centres go when the pelvis tilts ``tilt_deg`` about its hip axis.

    The pelvis tilts (sagittal rotation) about the transverse axis through both hip joint
    centres, so every point on that axis maps to itself: the result equals ``hip_centres``.
    Used to show why a camera's hip landmarks cannot reveal pelvic tilt.

    Parameters
    ----------
    hip_centres : ndarray, shape (2, 3)
        Left and right hip joint centres (x forward, y left, z up), metres.
    tilt_deg : float
        Anterior tilt, degrees.
    pivot : ndarray, shape (3,), optional
        A point on the rotation axis (default: midway between the hip centres).
    """
    axis = hip_centres[1] - hip_centres[0]
    axis = axis / np.linalg.norm(axis)
    centre = hip_centres.mean(axis=0) if pivot is None else pivot
    theta = np.radians(tilt_deg)
    rel = hip_centres - centre
    # Rodrigues' rotation about ``axis`` through ``centre``.
    rotated = (
        rel * np.cos(theta)
        + np.cross(axis, rel) * np.sin(theta)
        + np.outer(rel @ axis, axis) * (1.0 - np.cos(theta))
    )
    return np.asarray(rotated + centre, dtype=np.float64)


def imu_figures(
    measures: MeasureSeries, calibration_end_s: float, settle_s: float = IMU_SETTLE_S
) -> tuple[tuple[PostureFigure, ...], dict[str, str]]:
    """Pelvic tilt and lumbar angle in the held posture, relative to upright standing.

    Parameters
    ----------
    measures : MeasureSeries
        IMU angles zeroed in the calibration window (``spinecoach.motion.imu_angles``).
    calibration_end_s : float
        End of the calibration window; samples from ``calibration_end_s + settle_s`` on are
        the assessed posture.
    """
    t = measures.time_s
    held = t >= calibration_end_s + settle_s
    wanted = {"pelvic_tilt_deg": "pelvic_tilt_deg", "lumbar_flexion_deg": "lumbar_angle_deg"}
    figures: list[PostureFigure] = []
    unmeasurable: dict[str, str] = {}
    for source_name, name in wanted.items():
        values = measures.values.get(source_name)
        if values is None:
            unmeasurable[name] = measures.unmeasurable.get(source_name, N_("not in this recording"))
            continue
        part = values[held]
        if part.size < 10 or not np.any(np.isfinite(part)):
            unmeasurable[name] = _(
                "the recording needs the posture held after the {seconds} s upright "
                "calibration window"
            ).format(seconds=f"{calibration_end_s:g}")
            continue
        finite = part[np.isfinite(part)]
        q1, median, q3 = np.percentile(finite, [25, 50, 75])
        still = float(np.mean(np.abs(finite - median) <= 3.0))
        figures.append(
            PostureFigure(
                name,
                round(float(median), 1),
                round(still, 2),
                "imu",
                round(float(q3 - q1), 1),
                int(finite.size),
                IMU_RELATIVE_NOTE + " (IMU error about 7-11 deg [BAIL])",
            )
        )
    return tuple(figures), unmeasurable
