"""The pose-estimator interface, the backend registry and a KeypointSeries builder.

A backend turns one BGR video frame into ``(positions, confidence)`` for a fixed keypoint set,
in image pixels. Backends are registered by name (``@register_backend("mediapipe")``) so a
new estimator is added without touching the analysis or the video pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from spinecoach.domain.i18n import _
from spinecoach.errors import PoseBackendError
from spinecoach.motion.types import CoordinateFrame, FloatArray, FrameKind, KeypointSeries

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "mediapipe"


@runtime_checkable
class PoseBackend(Protocol):
    """A single-person pose estimator fed one frame at a time.

    Attributes
    ----------
    name : str
        Registry name (also written to ``KeypointSeries.source``).
    keypoint_names : tuple of str
        Canonical, subject-side names of the keypoints, length ``n_keypoints``.
    """

    name: str
    keypoint_names: tuple[str, ...]

    def estimate(self, frame_bgr: NDArray[Any]) -> tuple[FloatArray, FloatArray]:
        """Estimate the pose in one frame.

        Parameters
        ----------
        frame_bgr : ndarray of uint8, shape (height, width, 3)
            One video frame in OpenCV's BGR channel order.

        Returns
        -------
        positions : ndarray, shape (n_keypoints, 3)
            x, y in pixels (x right, y down) and a relative depth z in pixels (smaller is
            nearer the camera); NaN where no person was found.
        confidence : ndarray, shape (n_keypoints,)
            Per-landmark visibility in [0, 1]; 0 where no person was found.
        """
        ...

    def close(self) -> None:
        """Release the estimator's resources."""
        ...


BackendFactory = Callable[..., PoseBackend]
_BACKENDS: dict[str, BackendFactory] = {}


def register_backend(name: str) -> Callable[[BackendFactory], BackendFactory]:
    """Class decorator registering a pose backend factory under ``name``."""

    def decorator(factory: BackendFactory) -> BackendFactory:
        _BACKENDS[name] = factory
        return factory

    return decorator


def available_backends() -> tuple[str, ...]:
    """Names of the registered pose backends, sorted."""
    return tuple(sorted(_BACKENDS))


def create_backend(name: str = DEFAULT_BACKEND, **options: Any) -> PoseBackend:
    """Construct the backend registered as ``name`` with backend-specific ``options``.

    Raises
    ------
    PoseBackendError
        If no backend has that name, or the backend refuses the options.
    """
    try:
        factory = _BACKENDS[name]
    except KeyError:
        known = ", ".join(available_backends()) or "none"
        raise PoseBackendError(
            _("Unknown pose backend '{name}'. Available backends: {known}.").format(
                name=name, known=known
            )
        ) from None
    return factory(**options)


class KeypointSeriesBuilder:
    """Collect per-frame pose estimates and build one :class:`KeypointSeries`.

    Frames are stored as float32 in growing blocks (about 400 bytes per frame for 33
    keypoints), so ten minutes at 30 fps take under 8 MB.

    Parameters
    ----------
    names : tuple of str
        Keypoint names, length ``n_keypoints``.
    width_px, height_px : int
        Frame size of the image coordinates.
    source : str
        Estimator name for ``KeypointSeries.source``.
    """

    _BLOCK = 1024

    def __init__(self, names: tuple[str, ...], width_px: int, height_px: int, source: str) -> None:
        self.names = names
        self.width_px = width_px
        self.height_px = height_px
        self.source = source
        n_keypoints = len(names)
        self._time_s = np.empty(self._BLOCK, dtype=np.float64)
        self._positions = np.empty((self._BLOCK, n_keypoints, 3), dtype=np.float32)
        self._confidence = np.empty((self._BLOCK, n_keypoints), dtype=np.float32)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, t_s: float, positions: FloatArray, confidence: FloatArray) -> None:
        """Add one frame at ``t_s`` (s): positions (n_keypoints, 3), confidence (n_keypoints,)."""
        if self._n == self._time_s.shape[0]:
            grow = self._time_s.shape[0]
            self._time_s = np.concatenate([self._time_s, np.empty(grow)])
            self._positions = np.concatenate(
                [self._positions, np.empty((grow, *self._positions.shape[1:]), np.float32)]
            )
            self._confidence = np.concatenate(
                [self._confidence, np.empty((grow, self._confidence.shape[1]), np.float32)]
            )
        self._time_s[self._n] = t_s
        self._positions[self._n] = positions
        self._confidence[self._n] = confidence
        self._n += 1

    def build(self, metadata: dict[str, object] | None = None) -> KeypointSeries:
        """Return the collected frames as a :class:`KeypointSeries` in image coordinates."""
        n = self._n
        return KeypointSeries(
            time_s=self._time_s[:n].copy(),
            names=self.names,
            positions=self._positions[:n].astype(np.float64),
            confidence=self._confidence[:n].astype(np.float64),
            frame=CoordinateFrame(
                kind=FrameKind.IMAGE,
                axes="x right, y down, z relative depth (px, smaller is nearer)",
                width_px=self.width_px,
                height_px=self.height_px,
            ),
            source=self.source,
            metadata=dict(metadata or {}),
        )


def estimate_series(
    backend: PoseBackend,
    frames: Any,
    fps: float,
    width_px: int,
    height_px: int,
) -> KeypointSeries:
    """Run ``backend`` on an iterable of BGR frames taken at ``fps`` and return the series.

    Parameters
    ----------
    backend : PoseBackend
    frames : iterable of ndarray, each shape (height_px, width_px, 3)
    fps : float
        Frame rate in Hz; frame ``i`` is stamped ``i / fps`` seconds.
    width_px, height_px : int
        Frame size.
    """
    builder = KeypointSeriesBuilder(backend.keypoint_names, width_px, height_px, backend.name)
    for index, frame in enumerate(frames):
        positions, confidence = backend.estimate(frame)
        builder.append(index / fps, positions, confidence)
    return builder.build({"fps": fps})
