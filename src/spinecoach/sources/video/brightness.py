"""Image-side setup check: is the picture too dark (or washed out) for pose estimation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
from numpy.typing import NDArray

from spinecoach.domain.i18n import _

#: Mean luma (0-255) below which the image counts as too dark.
DARK_MEAN_LUMA = 50.0
#: Mean luma above which the image counts as washed out.
BRIGHT_MEAN_LUMA = 225.0


@dataclass(frozen=True)
class BrightnessReport:
    """Mean luma (0-255) of a frame and a plain instruction if it is a problem."""

    mean_luma: float
    code: str | None  # "too_dark" | "too_bright" | None
    instruction: str


def check_brightness(
    frame_bgr: NDArray[Any],
    dark_mean_luma: float = DARK_MEAN_LUMA,
    bright_mean_luma: float = BRIGHT_MEAN_LUMA,
) -> BrightnessReport:
    """Judge a frame's exposure from its mean luma, computed on a 1/8-size copy.

    Parameters
    ----------
    frame_bgr : ndarray of uint8, shape (height, width, 3)
    dark_mean_luma, bright_mean_luma : float
        Thresholds on the mean of the grey image (0-255).
    """
    small = cv2.resize(
        frame_bgr,
        (max(1, frame_bgr.shape[1] // 8), max(1, frame_bgr.shape[0] // 8)),
        interpolation=cv2.INTER_AREA,
    )
    mean_luma = float(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).mean())
    if mean_luma < dark_mean_luma:
        return BrightnessReport(
            mean_luma, "too_dark", _("The room is too dark: turn on a light or face a window.")
        )
    if mean_luma > bright_mean_luma:
        return BrightnessReport(
            mean_luma,
            "too_bright",
            _("The image is washed out: move away from a bright window behind you."),
        )
    return BrightnessReport(mean_luma, None, "")
