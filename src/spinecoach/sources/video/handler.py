"""``spinecoach analyze VIDEO``: pose estimation on a video file, then the motion core's analysis.

The video is decoded and processed as a stream (memory does not grow with its length apart
from ~400 bytes of keypoints per frame), with a Rich progress bar on long videos. Outputs:

* the motion core's analysis on the keypoints (masked at person switches so no angle,
  repetition or hold spans two people), with the camera's tracking summary merged into
  ``tracking`` (``camera_*`` keys) and given as notes;
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
from dataclasses import dataclass, field, replace
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
from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.motion.analysis import analyze_measures, error_codes_for
from spinecoach.motion.measures import compute_measures
from spinecoach.motion.segments import analyze_in_segments
from spinecoach.motion.tracking_quality import assess_tracking, split_at_switches
from spinecoach.motion.types import KeypointSeries
from spinecoach.sources.analysis_input import AnalysisOutput, AnalyzeOptions, reported_measures
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
    """Options of :func:`process_video`.

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
    """Result of :func:`process_video`: the streaming pass over a video.

    Attributes
    ----------
    series : KeypointSeries
        Keypoints as estimated (image pixels), unmasked.
    analysis_series : KeypointSeries
        Keypoints masked at person switches: what the analysis uses.
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
    tracking: dict[str, Any]
    info: VideoInfo
    cues: list[Cue] = field(default_factory=list)
    processing_fps: float = 0.0

    def tracking_switch_frames(self) -> list[int]:
        """Frame indices where the tracked person switched."""
        return [int(s["frame"]) for s in self.tracking["person_switches"]]

    def notes(self) -> list[str]:
        """One-line camera notes for the user: detection, switches, set-up advice."""
        notes = [
            _(
                "person detected in {detected} of {n} frames; every needed body part "
                "visible in {usable} ({parts})"
            ).format(
                detected=f"{100 * self.tracking['detection_rate']:.0f} %",
                n=self.series.n_frames,
                usable=f"{100 * self.tracking['usable_rate']:.0f} %",
                parts=", ".join(self.tracking["required_keypoints"]),
            )
        ]
        for switch in self.tracking["person_switches"]:
            notes.append(
                _("person switch at {t} s (frame {frame}): the analysis is split there").format(
                    t=f"{switch['t_s']:.2f}", frame=switch["frame"]
                )
            )
        notes += [
            _("set-up: {text}").format(text=_(text)) for text in self.tracking["setup_issues"]
        ]
        return notes


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


def process_video(path: Path, options: VideoOptions | None = None) -> VideoAnalysis:
    """Estimate poses on every frame of ``path``, stream them through the coach's analysis.

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
    tracking["setup_issues"] = sorted({c.text for c in cues if c.topic == "setup"})
    if opts.keypoints_out is not None:
        write_keypoints_csv(series, opts.keypoints_out)
    return VideoAnalysis(series, masked, tracking, info, cues, n_frames / max(elapsed_s, 1e-9))


def analyze_video(path: Path, options: AnalyzeOptions) -> AnalysisOutput:
    """``spinecoach analyze VIDEO``: pose estimation, then the motion core's analysis.

    Events are detected on the unfiltered measures of the keypoints masked at person
    switches (as for keypoint files); ``options.filter`` applies to the reported measures.
    The camera's tracking summary is merged into the result's ``tracking`` and given as notes.

    Raises
    ------
    InvalidInput
        For options that do not apply to videos (``--format``, ``--fps``, ``--placement``,
        ``--forward-axis``, ``--calibration-s``).
    """
    for flag, value in (
        ("--format", options.format),
        ("--fps", options.fps),
        ("--placement", options.placement),
        ("--forward-axis", options.forward_axis),
        ("--calibration-s", options.calibration_s),
        *((f"--{k.replace('_', '-')}", v) for k, v in options.reader_options.items()),
    ):
        if value is not None:
            raise InvalidInput(
                _("{flag} does not apply to a video input ({name})").format(
                    flag=flag, name=path.name
                )
            )
    video = process_video(
        path,
        VideoOptions(
            exercise=options.exercise,
            out_video=options.out_video,
            keypoints_out=options.keypoints_out,
            min_confidence=options.min_confidence,
        ),
    )
    series = video.analysis_series
    raw = compute_measures(series, min_confidence=options.min_confidence)
    notes = video.notes() + [f"{k}: {v}" for k, v in raw.flags.items()]
    result = None
    exercise = options.exercise
    if exercise is not None:
        codes = error_codes_for(exercise)
        # Each person-switch segment is analysed on its own (own baseline, no event across).
        result = analyze_in_segments(
            raw,
            video.tracking_switch_frames(),
            lambda segment: analyze_measures(
                segment,
                exercise.signature,
                dose=exercise.dose,
                exercise_id=exercise.id,
                error_codes=codes,
            ),
        )
        camera = {f"camera_{k}": v for k, v in video.tracking.items()}
        result = replace(result, tracking={**result.tracking, **camera})
    return AnalysisOutput(
        measures=reported_measures(raw, series, options.filter),
        result=result,
        source=f"video/{video.series.source}",
        keypoints=video.series,
        notes=tuple(notes),
    )
