"""Image-side set-up check (brightness) and overlay drawing on real frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES
from spinecoach.sources.video.brightness import check_brightness
from spinecoach.sources.video.overlay import OverlayState, draw_hud, draw_skeleton


@pytest.fixture(scope="module")
def frame(short_walk_clip: Path) -> np.ndarray:
    capture = cv2.VideoCapture(str(short_walk_clip))
    ok, image = capture.read()
    capture.release()
    assert ok
    return image


def test_real_frame_is_bright_enough_and_a_darkened_copy_is_not(frame: np.ndarray) -> None:
    normal = check_brightness(frame)
    assert normal.code is None and normal.mean_luma > 100
    dark = check_brightness((frame * 0.2).astype(np.uint8))
    assert dark.code == "too_dark" and "light" in dark.instruction
    washed = check_brightness(np.full_like(frame, 250))
    assert washed.code == "too_bright"


def test_overlay_draws_panel_gauge_and_banners(frame: np.ndarray) -> None:
    image = frame.copy()
    positions = np.full((33, 3), np.nan)
    confidence = np.zeros(33)
    positions[BLAZEPOSE_33_NAMES.index("left_hip")] = (600, 400, 0)
    positions[BLAZEPOSE_33_NAMES.index("left_knee")] = (610, 520, 0)
    confidence[[BLAZEPOSE_33_NAMES.index("left_hip"), BLAZEPOSE_33_NAMES.index("left_knee")]] = 0.9
    draw_skeleton(image, positions, confidence, BLAZEPOSE_33_NAMES)
    # The bone between hip and knee is drawn in the left-side colour (orange: B low, R high).
    b, g, r = image[460, 605].astype(int)
    assert r > 200 and b < 80
    state = OverlayState(
        exercise="Slow walking",
        angle_label="left_knee_flexion_deg",
        angle_deg=45.0,
        zone_deg=(30.0, 70.0),
        reps=3,
        hold_s=None,
        cue="Keep your chest up.",
        alert="Can't see your left knee clearly, so feedback is paused.",
        t_s=4.2,
    )
    before = image.copy()
    draw_hud(image, state)
    changed = np.any(image != before, axis=2)
    assert changed[20:200, 20:420].mean() > 0.5  # panel
    assert changed[-60:, :].mean() > 0.5  # cue banner at the bottom
    assert changed[230:290, :].mean() > 0.5  # alert banner under the panel
