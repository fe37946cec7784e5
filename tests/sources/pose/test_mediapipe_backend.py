"""The MediaPipe backend: registry, refusal of downloading models, per-frame output shape."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from spinecoach.errors import PoseBackendError
from spinecoach.sources.pose import (
    BLAZEPOSE_33_NAMES,
    available_backends,
    create_backend,
    estimate_series,
)


def test_mediapipe_is_registered_by_name() -> None:
    assert "mediapipe" in available_backends()


def test_unknown_backend_names_the_available_ones() -> None:
    with pytest.raises(PoseBackendError, match="Unknown pose backend 'rtmpose'.*mediapipe"):
        create_backend("rtmpose")


@pytest.mark.parametrize("complexity", [0, 2])
def test_models_that_would_download_are_refused_before_construction(
    complexity: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mediapipe stand-in that fails the test if anything touches it.
    trap = types.ModuleType("mediapipe")

    def _touched(name: str) -> None:
        raise AssertionError(f"mediapipe.{name} was accessed for complexity {complexity}")

    trap.__getattr__ = _touched  # type: ignore[method-assign]
    monkeypatch.setitem(sys.modules, "mediapipe", trap)
    with pytest.raises(
        PoseBackendError, match=f"model_complexity={complexity}.*only model_complexity=1"
    ):
        create_backend("mediapipe", model_complexity=complexity)


def test_invalid_thresholds_are_refused() -> None:
    with pytest.raises(PoseBackendError, match="min_detection_confidence"):
        create_backend("mediapipe", min_detection_confidence=1.5)


def test_canonical_names_match_the_keypoint_readers() -> None:
    from spinecoach.sources.keypoints.names import BLAZEPOSE_NAMES

    assert BLAZEPOSE_33_NAMES == BLAZEPOSE_NAMES
    assert len(BLAZEPOSE_33_NAMES) == 33


@pytest.mark.slow
def test_empty_frame_gives_nan_positions_and_zero_confidence() -> None:
    with create_backend("mediapipe") as backend:
        positions, confidence = backend.estimate(np.zeros((360, 640, 3), np.uint8))
        series = estimate_series(
            backend, (np.zeros((360, 640, 3), np.uint8) for _ in range(3)), 30.0, 640, 360
        )
    assert positions.shape == (33, 3)
    assert confidence.shape == (33,)
    assert np.all(np.isnan(positions))
    assert np.all(confidence == 0.0)
    assert series.n_frames == 3 and series.names == BLAZEPOSE_33_NAMES
    assert series.frame.width_px == 640 and series.source == "mediapipe"
    np.testing.assert_allclose(series.time_s, [0.0, 1 / 30, 2 / 30])


def test_landmark_order_is_mediapipes() -> None:
    import mediapipe as mp

    names = tuple(landmark.name.lower() for landmark in mp.solutions.pose.PoseLandmark)
    assert names == BLAZEPOSE_33_NAMES


def test_wrong_frame_shape_is_refused() -> None:
    backend = object.__new__(
        __import__(
            "spinecoach.sources.pose.mediapipe_backend", fromlist=["MediaPipePoseBackend"]
        ).MediaPipePoseBackend
    )
    with pytest.raises(PoseBackendError, match="BGR frame"):
        backend.estimate(np.zeros((10, 10), np.uint8))
