"""``spinecoach analyze VIDEO``: pose estimation on a video file, then the motion core's analysis.

The video is decoded and processed as a stream (memory does not grow with its length apart
from ~400 bytes of keypoints per frame), with a Rich progress bar on long videos. Outputs:

* the motion core's :class:`~spinecoach.motion.analysis.AnalysisResult` on the keypoints
  (masked at person switches so no angle, repetition or hold spans two people), with the
  camera's tracking summary merged into ``tracking``;
* ``out_video``: an annotated copy (skeleton, primary angle vs target zone, reps, hold
  timer, cues as they fire, feedback-paused reasons);
* ``keypoints_out``: the keypoints in spinecoach's CSV format (read back by
  ``spinecoach.sources.keypoints``).
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from spinecoach.domain.exercise import Exercise
from spinecoach.motion.analysis import AnalysisResult, analyze
from spinecoach.motion.tracking_quality import assess_tracking, split_at_switches
from spinecoach.motion.types import KeypointSeries
from spinecoach.sources.keypoints import write_keypoints_csv
from spinecoach.sources.pose.base import DEFAULT_BACKEND
from spinecoach.sources.video.decode import VideoFileStream, VideoInfo
from spinecoach.sources.video.pipeline import Cue
from spinecoach.sources.video.session import build_pipeline
from spinecoach.sources.video.writer import AnnotatedVideoWriter

logger = logging.getLogger(__name__)

#: Videos with more frames than this get a progress bar (when stderr is a terminal).
PROGRESS_MIN_FRAMES = 150


@dataclass
class VideoOptions:
    """Options of :func:`analyze_video` (the ``analyze`` command's flags for videos).

    Attributes
    ----------
    exercise : Exercise or None
        Exercise to analyse; None gives keypoints, tracking and measures only.
    out_video : Path or None
        Write an annotated copy here (``.mp4`` or ``.avi``).
    keypoints_out : Path or None
        Export keypoints here (spinecoach CSV).
    progress : bool or None
        Show a progress bar; None means "if stderr is a terminal and the video is long".
    min_confidence : float
        Landmark visibility below which a keypoint counts as missing.
    backend : str
        Pose backend name.
    max_frames : int or None
        Process at most this many frames.
    """

    exercise: Exercise | None = None
    out_video: Path | None = None
    keypoints_out: Path | None = None
    progress: bool | None = None
    min_confidence: float = 0.5
    backend: str = DEFAULT_BACKEND
    max_frames: int | None = None


@dataclass
class VideoAnalysis:
    """Result of :func:`analyze_video`.

    Attributes
    ----------
    series : KeypointSeries
        Keypoints as estimated (image pixels), unmasked.
    analysis_series : KeypointSeries
        Keypoints masked at person switches: what the analysis used.
    result : AnalysisResult or None
        The motion core's analysis (None without an exercise).
    tracking : dict
        Camera tracking summary: detection and usable rates, person switches, set-up issues.
    info : VideoInfo
    cues : list of Cue
        Every cue the streaming pass produced, in time order.
    processing_fps : float
        Frames per second achieved end to end.
    """

    series: KeypointSeries
    analysis_series: KeypointSeries
    result: AnalysisResult | None
    tracking: dict[str, Any]
    info: VideoInfo
    cues: list[Cue] = field(default_factory=list)
    processing_fps: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` payload: the analysis' keys with the camera's tracking merged in."""
        if self.result is not None:
            payload = self.result.to_json()
        else:
            payload = {
                "exercise": None,
                "duration_s": round(float(self.series.time_s[-1]), 3)
                if self.series.n_frames
                else 0.0,
                "repetitions": [],
                "holds": [],
                "symmetry": {},
                "tracking": {},
                "form_flags": [],
            }
        payload["tracking"] = {**payload.get("tracking", {}), **self.tracking}
        payload["video"] = {
            "path": self.info.source,
            "width_px": self.info.width_px,
            "height_px": self.info.height_px,
            "fps": self.info.fps,
            "n_frames": self.series.n_frames,
            "processing_fps": round(self.processing_fps, 1),
        }
        payload["cues"] = [
            {"t_s": round(c.t_s, 3), "kind": c.kind, "text": c.text} for c in self.cues
        ]
        return payload


def _progress(total: int | None) -> Progress:
    return Progress(
        TextColumn("[bold]pose"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[fps]:>5.1f} fps"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def analyze_video(path: Path, options: VideoOptions | None = None) -> VideoAnalysis:
    """Estimate poses on every frame of ``path`` and analyse them.

    Parameters
    ----------
    path : Path
        A video file OpenCV can decode.
    options : VideoOptions

    Returns
    -------
    VideoAnalysis

    Raises
    ------
    InvalidRecording
        If the video cannot be decoded.
    InvalidInput
        If an output path cannot be written.
    PoseBackendError
        If the pose backend cannot run.
    """
    opts = options or VideoOptions()
    with ExitStack() as stack:
        stream = stack.enter_context(VideoFileStream(path, max_frames=opts.max_frames))
        info = stream.info
        writer = None
        if opts.out_video is not None:
            writer = stack.enter_context(
                AnnotatedVideoWriter(opts.out_video, info.width_px, info.height_px, info.fps)
            )
        pipeline = build_pipeline(
            info,
            opts.exercise,
            draw=writer is not None,
            keep_keypoints=True,
            backend_name=opts.backend,
            min_confidence=opts.min_confidence,
        )
        stack.callback(pipeline.backend.close)
        show = opts.progress
        if show is None:
            show = sys.stderr.isatty() and (info.n_frames or 0) > PROGRESS_MIN_FRAMES
        progress = stack.enter_context(_progress(info.n_frames)) if show else None
        task = progress.add_task("pose", total=info.n_frames, fps=0.0) if progress else None
        cues: list[Cue] = []
        start = time.perf_counter()
        n_frames = 0
        for frame in stream:
            frame_result = pipeline.process(frame)
            cues.extend(frame_result.cues)
            if writer is not None:
                writer.write(frame.image_bgr)
            n_frames += 1
            if progress is not None and task is not None and n_frames % 10 == 0:
                elapsed = time.perf_counter() - start
                progress.update(task, completed=n_frames, fps=n_frames / max(elapsed, 1e-9))
        elapsed_s = time.perf_counter() - start
    assert pipeline.builder is not None
    series = pipeline.builder.build({"fps": info.fps, "video": str(path)})
    masked = split_at_switches(series, pipeline.switch_frames)
    tracking = assess_tracking(
        series, pipeline.monitor.required, min_confidence=opts.min_confidence
    )
    tracking["setup_issues"] = sorted({c.text for c in cues if c.kind == "setup"})
    result = None
    if opts.exercise is not None:
        result = analyze(masked, opts.exercise, min_confidence=opts.min_confidence)
    if opts.keypoints_out is not None:
        write_keypoints_csv(series, opts.keypoints_out)
    return VideoAnalysis(
        series, masked, result, tracking, info, cues, n_frames / max(elapsed_s, 1e-9)
    )
