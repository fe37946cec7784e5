"""Write annotated frames to a video file with OpenCV (MPEG-4 Part 2 in .mp4, MJPG in .avi).

Encoding runs on a background thread (OpenCV releases the GIL while encoding), fed through a
small bounded queue, so it overlaps with pose estimation of the next frame while memory
stays bounded (at most ``queue_frames`` frames wait).
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

import cv2
from numpy.typing import NDArray

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput

_FOURCC_BY_SUFFIX = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "mp4v"}


class AnnotatedVideoWriter:
    """Write BGR frames of one size at ``fps`` to ``path``.

    Parameters
    ----------
    path : Path
        Output file; the suffix picks the codec.
    width_px, height_px : int
        Frame size.
    fps : float
        Frame rate in Hz.
    queue_frames : int
        Frames that may wait for the encoder (0 encodes on the caller's thread).

    Raises
    ------
    InvalidInput
        If the suffix is unsupported or the file cannot be opened for writing.
    """

    def __init__(
        self, path: Path, width_px: int, height_px: int, fps: float, queue_frames: int = 4
    ) -> None:
        self.path = Path(path)
        fourcc = _FOURCC_BY_SUFFIX.get(self.path.suffix.lower())
        if fourcc is None:
            known = ", ".join(sorted(_FOURCC_BY_SUFFIX))
            raise InvalidInput(
                _("{path}: unsupported video suffix (use one of {known})").format(
                    path=self.path, known=known
                )
            )
        if not self.path.parent.is_dir():
            raise InvalidInput(
                _("{path}: folder {parent} does not exist").format(
                    path=self.path, parent=self.path.parent
                )
            )
        self._writer = cv2.VideoWriter(
            str(self.path), cv2.VideoWriter.fourcc(*fourcc), fps, (width_px, height_px)
        )
        if not self._writer.isOpened():
            raise InvalidInput(_("{path}: cannot open for writing").format(path=self.path))
        self.size = (width_px, height_px)
        self.n_frames = 0
        self._queue: queue.Queue[NDArray[Any] | None] | None = None
        self._thread: threading.Thread | None = None
        if queue_frames > 0:
            self._queue = queue.Queue(maxsize=queue_frames)
            self._thread = threading.Thread(target=self._encode, name="video-writer", daemon=True)
            self._thread.start()

    def _encode(self) -> None:
        assert self._queue is not None
        while True:
            frame = self._queue.get()
            if frame is None:
                return
            self._writer.write(frame)

    def write(self, frame_bgr: NDArray[Any]) -> None:
        """Append one frame ``(height_px, width_px, 3)`` (the writer keeps a reference:
        do not modify the array afterwards)."""
        if self._queue is not None:
            self._queue.put(frame_bgr)
        else:
            self._writer.write(frame_bgr)
        self.n_frames += 1

    def close(self) -> None:
        """Encode the waiting frames and finish the file."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        self._writer.release()

    def __enter__(self) -> AnnotatedVideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
