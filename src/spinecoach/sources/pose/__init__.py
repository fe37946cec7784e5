"""Pose estimation backends (registered by name) producing :class:`KeypointSeries`.

>>> from spinecoach.sources.pose import create_backend
>>> backend = create_backend("mediapipe")          # doctest: +SKIP
>>> positions, confidence = backend.estimate(frame_bgr)  # doctest: +SKIP
"""

from spinecoach.sources.pose import mediapipe_backend as _mediapipe_backend  # noqa: F401
from spinecoach.sources.pose.base import (
    DEFAULT_BACKEND,
    KeypointSeriesBuilder,
    PoseBackend,
    available_backends,
    create_backend,
    estimate_series,
    register_backend,
)
from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES, SKELETON_EDGES

__all__ = [
    "BLAZEPOSE_33_NAMES",
    "DEFAULT_BACKEND",
    "SKELETON_EDGES",
    "KeypointSeriesBuilder",
    "PoseBackend",
    "available_backends",
    "create_backend",
    "estimate_series",
    "register_backend",
]
