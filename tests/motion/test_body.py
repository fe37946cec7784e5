"""Body helpers: axes statements, derived points, per-frame view classification."""

from __future__ import annotations

import numpy as np
from synthetic_motion import NAMES, body_3d, front_view, side_view

from spinecoach.motion.body import Body, available_points, stated_axes
from spinecoach.motion.types import FrameKind


def test_stated_axes() -> None:
    assert stated_axes("x forward, y left, z up (metres)") == {
        "forward": (1.0, 0.0, 0.0),
        "right": (0.0, -1.0, 0.0),
        "up": (0.0, 0.0, 1.0),
    }
    assert stated_axes("x sensor-left, y up, z away from the sensor") == {"up": (0.0, 1.0, 0.0)}


def test_derived_points() -> None:
    assert {"mid_hip", "mid_shoulder", "mid_ear"} <= available_points(NAMES)
    assert "mid_ear" in available_points(("left_ear",))
    assert "mid_hip" not in available_points(("left_hip",))
    frames = np.stack([body_3d(0, 0, 0)])
    confidence = np.ones((1, len(NAMES)))
    confidence[0, NAMES.index("left_ear")] = 0.0
    body = Body(frames, confidence, NAMES, FrameKind.WORLD, "x forward, y left, z up")
    np.testing.assert_allclose(body.point("mid_ear"), frames[:, [NAMES.index("right_ear")]][0])
    assert np.isnan(body.point("left_ear")).all()


def test_view_classification() -> None:
    frames = np.stack([body_3d(0, 0, 0)])
    confidence = np.ones((1, len(NAMES)))
    front = Body(front_view(frames), confidence, NAMES, FrameKind.IMAGE, "x right, y down")
    side = Body(side_view(frames), confidence, NAMES, FrameKind.IMAGE, "x right, y down")
    assert front.view_mask("front")[0] and not front.view_mask("side")[0]
    assert side.view_mask("side")[0] and not side.view_mask("front")[0]
