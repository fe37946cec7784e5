"""Write annotated frames to a video file with OpenCV (MPEG-4 Part 2 in .mp4, MJPG in .avi)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
from numpy.typing import NDArray

from spinecoach.errors import InvalidInput

_FOURCC_BY_SUFFIX = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "mp4v"}


class AnnotatedVideoWriter:
    """Write BGR frames of one size at ``fps`` to ``path``.

    Raises
    ------
    InvalidInput
        If the suffix is unsupported or the file cannot be opened for writing.
    """

    def __init__(self, path: Path, width_px: int, height_px: int, fps: float) -> None:
        self.path = Path(path)
        fourcc = _FOURCC_BY_SUFFIX.get(self.path.suffix.lower())
        if fourcc is None:
            known = ", ".join(sorted(_FOURCC_BY_SUFFIX))
            raise InvalidInput(f"{self.path}: unsupported video suffix (use one of {known})")
        if not self.path.parent.is_dir():
            raise InvalidInput(f"{self.path}: folder {self.path.parent} does not exist")
        self._writer = cv2.VideoWriter(
            str(self.path), cv2.VideoWriter.fourcc(*fourcc), fps, (width_px, height_px)
        )
        if not self._writer.isOpened():
            raise InvalidInput(f"{self.path}: cannot open for writing")
        self.size = (width_px, height_px)
        self.n_frames = 0

    def write(self, frame_bgr: NDArray[Any]) -> None:
        """Append one frame ``(height_px, width_px, 3)``."""
        self._writer.write(frame_bgr)
        self.n_frames += 1

    def close(self) -> None:
        """Finish the file."""
        self._writer.release()

    def __enter__(self) -> AnnotatedVideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
