"""Stream frames from a video file or a camera with OpenCV, one at a time.

Nothing is buffered beyond the current frame, so memory does not grow with video length.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput, InvalidRecording

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"})
DEFAULT_CAMERA_FPS = 30.0


@dataclass(frozen=True)
class VideoInfo:
    """What a video stream reports about itself.

    Attributes
    ----------
    source : str
        File path or ``camera:N``.
    width_px, height_px : int
        Frame size.
    fps : float
        Frame rate in Hz (a camera's nominal rate).
    n_frames : int or None
        Frame count from the container (None for cameras); may be approximate.
    """

    source: str
    width_px: int
    height_px: int
    fps: float
    n_frames: int | None

    @property
    def duration_s(self) -> float | None:
        """Duration in seconds from the frame count, if known."""
        return None if self.n_frames is None else self.n_frames / self.fps


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its index, time stamp (s) and BGR pixels ``(height, width, 3)``."""

    index: int
    t_s: float
    image_bgr: NDArray[Any]


def is_video_file(path: Path) -> bool:
    """Whether ``path`` looks like a video file (by suffix)."""
    return path.suffix.lower() in VIDEO_SUFFIXES


class VideoFileStream:
    """Iterate over the frames of a video file, decoded one at a time.

    Time stamps are ``index / fps`` (constant-frame-rate assumption, as in the container).

    Parameters
    ----------
    path : Path
        Video file readable by OpenCV (FFmpeg backend).
    max_frames : int or None
        Stop after this many frames.
    prefetch : int
        Frames decoded ahead in a background thread (OpenCV releases the GIL while
        decoding, so decoding overlaps pose estimation on another core). The queue is
        bounded, so memory does not grow with video length; 0 decodes inline.

    Raises
    ------
    InvalidRecording
        If the file is missing or cannot be decoded.
    """

    def __init__(self, path: Path, max_frames: int | None = None, prefetch: int = 4) -> None:
        self.path = Path(path)
        self.prefetch = prefetch
        if not self.path.is_file():
            raise InvalidRecording(_("{path}: video file not found").format(path=self.path))
        self._capture = cv2.VideoCapture(str(self.path))
        if not self._capture.isOpened():
            raise InvalidRecording(
                _("{path}: cannot open as a video (unknown or corrupt format)").format(
                    path=self.path
                )
            )
        width_px = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height_px = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(self._capture.get(cv2.CAP_PROP_FPS))
        n_frames = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if width_px <= 0 or height_px <= 0:
            self._capture.release()
            raise InvalidRecording(
                _("{path}: no video track (frame size is 0)").format(path=self.path)
            )
        if not np.isfinite(fps) or fps <= 0:
            logger.warning("%s: no frame rate in the container; assuming 30 fps", self.path)
            fps = DEFAULT_CAMERA_FPS
        if max_frames is not None and n_frames > 0:
            n_frames = min(n_frames, max_frames)
        self.max_frames = max_frames
        self.info = VideoInfo(
            str(self.path), width_px, height_px, fps, n_frames if n_frames > 0 else None
        )

    def _decoded(self) -> Generator[NDArray[Any], None, None]:
        index = 0
        while self.max_frames is None or index < self.max_frames:
            ok, image = self._capture.read()
            if not ok or image is None:
                return
            yield image
            index += 1

    def _prefetched(self) -> Generator[NDArray[Any], None, None]:
        """Decode in a daemon thread into a bounded queue; stops when the consumer does."""
        frames: queue.Queue[NDArray[Any] | None] = queue.Queue(maxsize=self.prefetch)
        stop = threading.Event()

        def produce() -> None:
            try:
                for image in self._decoded():
                    while not stop.is_set():
                        try:
                            frames.put(image, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
            finally:
                frames.put(None)  # end marker (the consumer drains or has stopped)

        worker = threading.Thread(target=produce, name="video-decode", daemon=True)
        worker.start()
        try:
            while (image := frames.get()) is not None:
                yield image
        finally:
            stop.set()
            while worker.is_alive():  # unblock a producer waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    frames.get(timeout=0.05)
            worker.join()

    def __iter__(self) -> Iterator[Frame]:
        images = self._prefetched() if self.prefetch > 0 else self._decoded()
        index = 0
        try:
            for image in images:
                yield Frame(index, index / self.info.fps, image)
                index += 1
        finally:
            images.close()  # stops and joins the decode thread even if the caller stops early
        if index == 0:
            raise InvalidRecording(_("{path}: no frame could be decoded").format(path=self.path))

    def close(self) -> None:
        """Release the decoder."""
        self._capture.release()

    def __enter__(self) -> VideoFileStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CameraStream:
    """Iterate over frames from a camera (``cv2.VideoCapture(index)``), stamped by wall clock.

    Parameters
    ----------
    index : int
        Camera number (0 is the first webcam).
    width_px, height_px : int or None
        Requested capture size (the camera may choose another).

    Raises
    ------
    InvalidInput
        If the camera cannot be opened or delivers no frame.
    """

    def __init__(self, index: int = 0, width_px: int | None = None, height_px: int | None = None):
        # OpenCV logs its own "camera index out of range" line; our error below says it better.
        previous_level = cv2.getLogLevel()
        cv2.setLogLevel(0)  # 0 = silent
        try:
            self._capture = cv2.VideoCapture(index)
        finally:
            cv2.setLogLevel(previous_level)
        if not self._capture.isOpened():
            raise InvalidInput(
                _(
                    "camera {index}: cannot be opened (no camera with that "
                    "number, it is in use by another program, or this user may "
                    "not access /dev/video*). Try --camera 1, or --video FILE to "
                    "replay a recording instead."
                ).format(index=index)
            )
        if width_px:
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width_px)
        if height_px:
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height_px)
        ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise InvalidInput(
                _("camera {index}: opened but delivered no image").format(index=index)
            )
        self._first: NDArray[Any] | None = first
        fps = float(self._capture.get(cv2.CAP_PROP_FPS))
        self.info = VideoInfo(
            f"camera:{index}",
            int(first.shape[1]),
            int(first.shape[0]),
            fps if np.isfinite(fps) and fps > 0 else DEFAULT_CAMERA_FPS,
            None,
        )

    def __iter__(self) -> Iterator[Frame]:
        start = time.monotonic()
        index = 0
        if self._first is not None:
            yield Frame(0, 0.0, self._first)
            self._first = None
            index = 1
        while True:
            ok, image = self._capture.read()
            if not ok or image is None:
                logger.warning("%s stopped delivering frames", self.info.source)
                return
            yield Frame(index, time.monotonic() - start, image)
            index += 1

    def close(self) -> None:
        """Release the camera."""
        self._capture.release()

    def __enter__(self) -> CameraStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def paced(frames: Iterator[Frame], speed: float = 1.0) -> Iterator[Frame]:
    """Yield ``frames`` no faster than real time divided by ``speed`` (replay as a live camera).

    Frames are never dropped: if processing is slower than real time, the replay lags.
    """
    if speed <= 0:
        raise InvalidInput(
            _("Invalid value for '--speed': {speed} (must be > 0).").format(speed=speed)
        )
    start = time.monotonic()
    for frame in frames:
        due = start + frame.t_s / speed
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield frame
