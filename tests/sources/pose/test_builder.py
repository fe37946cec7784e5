"""KeypointSeriesBuilder: per-frame estimates to one KeypointSeries in image pixels."""

from __future__ import annotations

import numpy as np

from spinecoach.motion.types import FrameKind
from spinecoach.sources.pose import BLAZEPOSE_33_NAMES, KeypointSeriesBuilder


def test_builder_grows_past_its_block_and_keeps_every_frame() -> None:
    rng = np.random.default_rng(7)
    builder = KeypointSeriesBuilder(BLAZEPOSE_33_NAMES, 1280, 720, "mediapipe")
    frames = []
    for i in range(2500):
        positions = rng.uniform(0, 720, size=(33, 3)).astype(np.float32).astype(float)
        confidence = rng.uniform(0, 1, size=33).astype(np.float32).astype(float)
        if i % 100 == 0:
            positions[:] = np.nan
            confidence[:] = 0.0
        builder.append(i / 30.0, positions, confidence)
        frames.append((positions, confidence))
    series = builder.build({"fps": 30.0})
    assert series.n_frames == len(builder) == 2500
    assert series.positions.shape == (2500, 33, 3)
    assert series.frame.kind is FrameKind.IMAGE
    assert (series.frame.width_px, series.frame.height_px) == (1280, 720)
    assert series.source == "mediapipe" and series.metadata["fps"] == 30.0
    np.testing.assert_array_equal(series.positions[1234], frames[1234][0])
    np.testing.assert_array_equal(series.confidence[1999], frames[1999][1])
    assert np.all(np.isnan(series.positions[200])) and np.all(series.confidence[200] == 0)
    np.testing.assert_allclose(series.time_s, np.arange(2500) / 30.0)
