"""Glue for running the camera pipeline: choose the source, build the pipeline, speak cues."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.sources.pose.base import DEFAULT_BACKEND, PoseBackend, create_backend
from spinecoach.sources.video.analysis_bridge import required_keypoints_for
from spinecoach.sources.video.decode import CameraStream, Frame, VideoFileStream, VideoInfo, paced
from spinecoach.sources.video.pipeline import CameraPipeline, Cue, PipelineConfig, required_view

logger = logging.getLogger(__name__)


def open_source(
    camera: int | None, video: Path | None, speed: float = 1.0, max_frames: int | None = None
) -> tuple[VideoFileStream | CameraStream, Iterator[Frame]]:
    """Open a camera or a video file replayed at ``speed`` x real time (a stand-in camera)."""
    if camera is not None and video is not None:
        raise InvalidInput(_("Give either --camera N or --video FILE, not both."))
    if video is not None:
        file_stream = VideoFileStream(video, max_frames=max_frames)
        return file_stream, paced(iter(file_stream), speed)
    camera_stream = CameraStream(camera or 0)
    frames: Iterator[Frame] = iter(camera_stream)
    if max_frames is not None:
        frames = (f for f in frames if f.index < max_frames)
    return camera_stream, frames


def build_pipeline(
    info: VideoInfo,
    exercise: Exercise | None,
    *,
    draw: bool,
    keep_keypoints: bool,
    backend: PoseBackend | None = None,
    backend_name: str = DEFAULT_BACKEND,
    min_confidence: float = 0.5,
    check_setup: bool = True,
) -> CameraPipeline:
    """A :class:`CameraPipeline` for ``exercise`` (None: skeleton and tracking only)."""
    pose = backend if backend is not None else create_backend(backend_name)
    config = PipelineConfig(
        min_confidence=min_confidence,
        required_keypoints=required_keypoints_for(exercise, pose.keypoint_names),
        setup_view=required_view(exercise),
        draw=draw,
        keep_keypoints=keep_keypoints,
        check_setup=check_setup,
    )
    return CameraPipeline(
        pose,
        info,
        exercise,
        exercise is not None,
        config,
    )


def has_display() -> bool:
    """Whether a GUI window can be shown (X11/Wayland on Linux; assumed elsewhere)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class Speaker:
    """Speak cues with ``espeak-ng`` when installed (non-blocking, at most one at a time).

    Speech is optional here (the coach owns spoken sessions); with no engine the cues are
    only printed.
    """

    def __init__(self, enabled: bool = True, min_gap_s: float = 2.0) -> None:
        self.engine = shutil.which("espeak-ng") if enabled else None
        self.min_gap_s = min_gap_s
        self._process: subprocess.Popen[bytes] | None = None
        self._last = 0.0

    @property
    def available(self) -> bool:
        """Whether cues will be spoken."""
        return self.engine is not None

    def say(self, cue: Cue) -> None:
        """Speak ``cue`` unless one is still playing or the last was under ``min_gap_s`` ago."""
        if self.engine is None or cue.topic == "count" and not cue.text:
            return
        now = time.monotonic()
        if self._process is not None and self._process.poll() is None:
            return
        if now - self._last < self.min_gap_s:
            return
        self._last = now
        self._process = subprocess.Popen(  # noqa: S603 - fixed program, text as one argument
            [self.engine, "-s", "150", cue.text],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def close(self) -> None:
        """Let the last cue finish (at most 5 s)."""
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
