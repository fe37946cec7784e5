"""Property test: any keypoint series survives our CSV export and reader exactly."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.sources.keypoints import read_keypoints, write_keypoints_csv

coordinates = st.one_of(
    st.just(float("nan")),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=64),
)


@st.composite
def keypoint_series(draw) -> KeypointSeries:  # type: ignore[no-untyped-def]
    n_frames = draw(st.integers(1, 6))
    n_keypoints = draw(st.integers(1, 4))
    n_dims = draw(st.sampled_from([2, 3]))
    steps = draw(arrays(np.float64, n_frames, elements=st.floats(1e-3, 10.0)))
    time_s = np.cumsum(steps) - steps[0]
    positions = draw(arrays(np.float64, (n_frames, n_keypoints, n_dims), elements=coordinates))
    confidence = draw(arrays(np.float64, (n_frames, n_keypoints), elements=st.floats(0.0, 1.0)))
    missing = ~np.all(np.isfinite(positions), axis=2)
    positions[missing] = np.nan
    confidence[missing] = 0.0
    kind = draw(st.sampled_from(list(FrameKind)))
    frame = (
        CoordinateFrame(kind, "x right, y down", 640, 480)
        if kind is FrameKind.IMAGE
        else CoordinateFrame(kind, "x forward, y left, z up (metres)")
    )
    names = tuple(f"point_{k}" for k in range(n_keypoints))
    return KeypointSeries(time_s, names, positions, confidence, frame, "synthetic")


@settings(max_examples=60, deadline=None)
@given(keypoint_series())
def test_csv_round_trip(series: KeypointSeries) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_keypoints_csv(series, Path(folder) / "k.csv")
        back = read_keypoints(path)
    assert back.names == series.names and back.frame == series.frame
    np.testing.assert_array_equal(back.time_s, series.time_s)
    np.testing.assert_array_equal(back.positions, series.positions)
    np.testing.assert_array_equal(back.confidence, series.confidence)
