"""Camera set-up check from keypoints: whole body in frame, view angle, distance.

Pure NumPy. Image exposure (too dark) needs pixels and lives in
``spinecoach.sources.video.brightness``; the video pipeline merges both.

View angle: in a side view the shoulders overlap in the image, so the projected
shoulder width is small against the torso length (mid-shoulder to mid-hip); facing the camera it
is about 0.6-0.8 torso lengths. Measured on our clips: side-view walking median 0.20 (95th
percentile 0.39 with arm swing), a person facing the camera 0.59 (standing) and 0.74 (KERAAL,
seated). The check uses the median over the frames it is given, against the same limits the
measures use to decide a frame's view (``spinecoach.motion.body``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.motion.body import FRONT_VIEW_MIN_RATIO, SIDE_VIEW_MAX_RATIO
from spinecoach.motion.tracking_quality import visible_mask
from spinecoach.motion.types import FloatArray

#: Keypoints that must be in the picture for "whole body in frame".
WHOLE_BODY: tuple[str, ...] = (
    "nose",
    "left_shoulder",
    "right_shoulder",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)


@dataclass(frozen=True)
class SetupThresholds:
    """Limits of the set-up check.

    Attributes
    ----------
    side_max_shoulder_ratio : float
        Side view needs projected shoulder width / torso length below this.
    front_min_shoulder_ratio : float
        Front view needs the ratio above this.
    min_body_height_frac, max_body_height_frac : float
        Vertical extent of the visible keypoints as a fraction of the image height:
        below the minimum the person is too far, above the maximum too close.
    edge_margin_frac : float
        Keypoints closer than this (fraction of the image size) to an edge count as cut off.
    min_confidence : float
        Keypoint visibility threshold.
    """

    side_max_shoulder_ratio: float = SIDE_VIEW_MAX_RATIO
    front_min_shoulder_ratio: float = FRONT_VIEW_MIN_RATIO
    min_body_height_frac: float = 0.35
    max_body_height_frac: float = 0.95
    edge_margin_frac: float = 0.01
    min_confidence: float = 0.5


@dataclass(frozen=True)
class SetupIssue:
    """One set-up problem: a stable code and a plain instruction for the user."""

    code: str  # no_person | not_in_frame | wrong_view | too_close | too_far | too_dark | too_bright
    instruction: str


@dataclass(frozen=True)
class SetupResult:
    """Outcome of a set-up check; ``ok`` when there is no issue."""

    issues: tuple[SetupIssue, ...]
    shoulder_ratio: float | None = None
    body_height_frac: float | None = None

    @property
    def ok(self) -> bool:
        """Whether the set-up is good."""
        return not self.issues


def shoulder_torso_ratio(positions: FloatArray, names: Sequence[str]) -> FloatArray:
    """Projected shoulder width over torso length per frame.

    Parameters
    ----------
    positions : ndarray, shape (n_frames, n_keypoints, n_dims)
    names : keypoint names

    Returns
    -------
    ndarray, shape (n_frames,)
        NaN where a shoulder or hip is missing.
    """
    idx = [
        list(names).index(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    ]
    ls, rs, lh, rh = (positions[:, i, :2] for i in idx)
    torso = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
    width = np.linalg.norm(ls - rs, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(torso > 0, width / torso, np.nan)


def check_setup(
    positions: FloatArray,
    confidence: FloatArray,
    names: Sequence[str],
    width_px: int,
    height_px: int,
    view: str = "any",
    required: Sequence[str] = WHOLE_BODY,
    thresholds: SetupThresholds | None = None,
) -> SetupResult:
    """Check the camera set-up over a short window of frames (e.g. the last second).

    Parameters
    ----------
    positions : ndarray, shape (n_frames, n_keypoints, n_dims)
        Image-frame keypoints in pixels.
    confidence : ndarray, shape (n_frames, n_keypoints)
    names : keypoint names, length n_keypoints
    width_px, height_px : int
        Image size.
    view : {"side", "front", "any"}
        The view the exercise needs (its ``signature.view``).
    required : keypoint names that must be in the picture
    thresholds : SetupThresholds

    Returns
    -------
    SetupResult
        Issues in the order a user should fix them (get in frame, then view, then distance).
    """
    limits = thresholds or SetupThresholds()
    positions = np.asarray(positions, dtype=float)
    confidence = np.asarray(confidence, dtype=float)
    if positions.ndim == 2:
        positions = positions[None]
        confidence = confidence[None]
    detected = np.any(np.isfinite(positions[..., 0]), axis=1)
    if not np.any(detected):
        return SetupResult(
            (SetupIssue("no_person", _("Step into the picture so the camera can see you.")),)
        )
    positions = positions[detected]
    confidence = confidence[detected]
    name_list = list(names)
    issues: list[SetupIssue] = []

    req = [n for n in required if n in name_list]
    req_index = [name_list.index(n) for n in req]
    in_frame = visible_mask(
        positions[:, req_index],
        confidence[:, req_index],
        limits.min_confidence,
        width_px,
        height_px,
        margin_frac=-limits.edge_margin_frac,
    )
    in_frame_frac = in_frame.mean(axis=0)
    cut = [n for n, f in zip(req, in_frame_frac, strict=True) if f < 0.5]
    if cut:
        issues.append(
            SetupIssue(
                "not_in_frame", _not_in_frame_instruction(cut, positions, name_list, height_px)
            )
        )

    ratio = (
        float(np.nanmedian(shoulder_torso_ratio(positions, name_list)))
        if _has_torso(name_list)
        else float("nan")
    )
    if np.isfinite(ratio):
        if view == "side" and ratio > limits.side_max_shoulder_ratio:
            issues.append(
                SetupIssue(
                    "wrong_view",
                    _("Turn side-on to the camera, so it sees you from the side."),
                )
            )
        elif view == "front" and ratio < limits.front_min_shoulder_ratio:
            issues.append(
                SetupIssue("wrong_view", _("Face the camera, with your chest towards it."))
            )

    visible = visible_mask(positions, confidence, limits.min_confidence)
    ys = np.where(visible, positions[..., 1], np.nan)
    with np.errstate(invalid="ignore"):
        extent = np.nanmax(ys, axis=1) - np.nanmin(ys, axis=1)
    height_frac = float(np.nanmedian(extent)) / height_px if np.any(np.isfinite(extent)) else None
    if height_frac is not None:
        if height_frac > limits.max_body_height_frac or (cut and _cut_both_ends(cut)):
            issues.append(
                SetupIssue("too_close", _("You are too close: step back from the camera."))
            )
        elif height_frac < limits.min_body_height_frac and not cut:
            issues.append(
                SetupIssue("too_far", _("You are far away: come a little closer to the camera."))
            )
    return SetupResult(tuple(issues), ratio if np.isfinite(ratio) else None, height_frac)


def _has_torso(names: Sequence[str]) -> bool:
    return all(n in names for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))


def _cut_both_ends(cut: Sequence[str]) -> bool:
    head = any(n in cut for n in ("nose", "left_shoulder", "right_shoulder"))
    feet = any(n in cut for n in ("left_ankle", "right_ankle", "left_knee", "right_knee"))
    return head and feet


def _not_in_frame_instruction(
    cut: Sequence[str], positions: FloatArray, names: Sequence[str], height_px: int
) -> str:
    head = any(n in cut for n in ("nose", "left_shoulder", "right_shoulder"))
    feet = any(n in cut for n in ("left_ankle", "right_ankle", "left_knee", "right_knee"))
    if head and feet:
        return _("Step back until your whole body, head to feet, is in the picture.")
    if feet:
        return _("Your feet are out of the picture: step back or tilt the camera down.")
    if head:
        return _("Your head is out of the picture: step back or tilt the camera up.")
    return _("Part of your body is out of the picture: move to the middle of the camera's view.")
