"""A synthetic standing person (33 BlazePose keypoints, pixels) for tracking/set-up tests."""

from __future__ import annotations

import numpy as np

from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES

NAMES = BLAZEPOSE_33_NAMES

# Body proportions in units of body height, x: subject's left is image right (front view).
_FRONT = {
    "nose": (0.0, 0.06),
    "left_ear": (0.04, 0.06),
    "right_ear": (-0.04, 0.06),
    "left_shoulder": (0.11, 0.18),
    "right_shoulder": (-0.11, 0.18),
    "left_elbow": (0.14, 0.33),
    "right_elbow": (-0.14, 0.33),
    "left_wrist": (0.15, 0.46),
    "right_wrist": (-0.15, 0.46),
    "left_hip": (0.07, 0.50),
    "right_hip": (-0.07, 0.50),
    "left_knee": (0.07, 0.74),
    "right_knee": (-0.07, 0.74),
    "left_ankle": (0.07, 0.96),
    "right_ankle": (-0.07, 0.96),
    "left_heel": (0.07, 0.98),
    "right_heel": (-0.07, 0.98),
    "left_foot_index": (0.08, 1.0),
    "right_foot_index": (-0.08, 1.0),
}


def person(
    centre_x_px: float = 640.0,
    top_y_px: float = 60.0,
    height_px: float = 600.0,
    view: str = "front",
) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(33, 3)`` and confidence ``(33,)`` of a standing person.

    ``view="side"`` squeezes the left-right spread to 10 % (shoulders nearly overlap).
    """
    positions = np.full((len(NAMES), 3), np.nan)
    confidence = np.zeros(len(NAMES))
    squeeze = 0.1 if view == "side" else 1.0
    for i, name in enumerate(NAMES):
        base = name
        if base not in _FRONT:
            base = "nose" if "eye" in name or "mouth" in name else base
        if base not in _FRONT:
            continue
        dx, dy = _FRONT[base]
        positions[i] = (centre_x_px + dx * squeeze * height_px, top_y_px + dy * height_px, 0.0)
        confidence[i] = 0.99
    return positions, confidence
