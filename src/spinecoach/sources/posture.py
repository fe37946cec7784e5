"""A posture check from a recording: a video (MediaPipe), a keypoint file, and/or back IMUs.

The guided check asks for a still posture for about ten seconds, side-on or facing the
camera, standing or seated; worn IMUs start with the usual 3 s of upright standing (their
calibration window) and then the same posture.
"""

from __future__ import annotations

import math
import time as wallclock
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.domain.posture import POSITIONS, VIEWS, PostureAssessment, PostureFigure
from spinecoach.errors import InvalidInput, InvalidRecording
from spinecoach.motion.posture import CameraFigures, camera_figures, imu_figures
from spinecoach.motion.posture_monitor import (
    MonitorSample,
    MonitorSettings,
    PostureMonitor,
    frame_sample,
    imu_sample,
)
from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.sources.video.decode import is_video_file

#: Longest video analysed for a still posture (frames; ~20 s at 30 fps).
MAX_VIDEO_FRAMES = 600


@dataclass(frozen=True)
class PostureCheck:
    """An assessment and the notes for the person (tracking, position check, sources)."""

    assessment: PostureAssessment
    notes: tuple[str, ...]


def check_choice(value: str, allowed: Sequence[str], flag: str) -> str:
    """``value`` if allowed, else a one-line :class:`InvalidInput`."""
    if value not in allowed:
        raise InvalidInput(
            _("{flag}: expected one of {allowed}, got {value}").format(
                flag=flag, allowed=", ".join(allowed), value=repr(value)
            )
        )
    return value


def keypoints_of(path: Path, min_confidence: float) -> tuple[KeypointSeries, list[str]]:
    """Keypoints of a video (MediaPipe) or a keypoint file, with camera notes."""
    if not path.exists():
        raise InvalidInput(_("{path}: file not found").format(path=path))
    if is_video_file(path):
        from spinecoach.sources.video.handler import VideoOptions, process_video

        analysis = process_video(
            path,
            VideoOptions(
                min_confidence=min_confidence, max_frames=MAX_VIDEO_FRAMES, progress=False
            ),
        )
        return analysis.analysis_series, analysis.notes()
    from spinecoach.sources.keypoints import detect_format, read_keypoints

    return read_keypoints(path, detect_format(path)), []


def assess_recording(
    *,
    view: str,
    position: str,
    now: datetime,
    video: Path | None = None,
    imu: Path | None = None,
    pelvic_tilt_deg: float | None = None,
    calibration_s: float = 3.0,
    min_confidence: float = 0.5,
) -> PostureCheck:
    """Measure one check from the recordings given.

    Parameters
    ----------
    view, position : str
        ``side``/``front`` and ``standing``/``seated``.
    video : Path, optional
        A video or keypoint file of the still posture.
    imu : Path, optional
        A back-IMU recording (dual or sacrum placement) starting with ``calibration_s`` of
        upright standing.
    pelvic_tilt_deg : float, optional
        A clinician's inclinometer reading of ASIS-PSIS tilt (anterior positive).

    Raises
    ------
    InvalidInput
        Bad option values or no input at all.
    """
    check_choice(view, VIEWS, "--view")
    check_choice(position, POSITIONS, "--position")
    if video is None and imu is None and pelvic_tilt_deg is None:
        raise InvalidInput(_("give --video (or a keypoint file), --imu or --pelvic-tilt-deg"))
    figures: list[PostureFigure] = []
    unmeasurable: dict[str, str] = {}
    notes: list[str] = []
    names: list[str] = []
    if video is not None:
        series, camera_notes = keypoints_of(video, min_confidence)
        measured = camera_figures(series, view, position, min_confidence)
        figures += measured.figures
        unmeasurable.update(measured.unmeasurable)
        notes += camera_notes + list(measured.notes)
        names.append(video.name)
    if imu is not None:
        from spinecoach.sources.imu.handler import ImuAnalyzeOptions, run_imu_analysis

        if not imu.exists():
            raise InvalidInput(_("{imu}: file not found").format(imu=imu))
        analysis = run_imu_analysis(imu, ImuAnalyzeOptions(calibration_s=calibration_s))
        start = float(analysis.measures.time_s[0]) if analysis.measures.time_s.size else 0.0
        imu_figs, imu_missing = imu_figures(analysis.measures, start + calibration_s)
        figures = [f for f in figures if f.measure not in {g.measure for g in imu_figs}]
        figures += imu_figs
        for name, reason in imu_missing.items():
            unmeasurable.setdefault(name, reason)
        for f in imu_figs:
            unmeasurable.pop(f.measure, None)
        notes += analysis.notes()[:1]
        names.append(imu.name)
    if pelvic_tilt_deg is not None:
        if not math.isfinite(pelvic_tilt_deg) or not -45.0 <= pelvic_tilt_deg <= 45.0:
            raise InvalidInput(
                _(
                    "--pelvic-tilt-deg: expected degrees from -45 to 45, got {pelvic_tilt_deg}"
                ).format(pelvic_tilt_deg=pelvic_tilt_deg)
            )
        if position != "standing":
            raise InvalidInput(_("--pelvic-tilt-deg: the cited range is for standing"))
        figures = [f for f in figures if f.measure != "pelvic_tilt_deg"]
        figures.append(
            PostureFigure(
                "pelvic_tilt_deg",
                round(pelvic_tilt_deg, 1),
                1.0,
                "manual",
                note="ASIS-PSIS inclinometer reading entered by hand",
            )
        )
        unmeasurable.pop("pelvic_tilt_deg", None)
        names.append("manual pelvic tilt")
    if not figures:
        why = "; ".join(f"{k}: {v}" for k, v in unmeasurable.items() if k != "pelvic_tilt_deg")
        raise InvalidRecording(
            _("{names}: no posture figure could be measured ({value})").format(
                names=", ".join(names), value=why or "no one in view"
            )
        )
    assessment = PostureAssessment(
        taken_at=now,
        position=position,
        view=view if video is not None else "none",
        figures=tuple(figures),
        unmeasurable=unmeasurable,
        input_name=", ".join(names),
    )
    return PostureCheck(assessment, tuple(notes))


# -- the webcam check in the web app: keypoints of a few seconds -> figures ----------------
def figures_from_poses(
    times_s: Sequence[float],
    positions: Sequence[np.ndarray],
    confidence: Sequence[np.ndarray],
    names: tuple[str, ...],
    size_px: tuple[int, int],
    *,
    view: str,
    position: str,
    min_confidence: float = 0.5,
) -> CameraFigures:
    """Figures of a still posture from per-frame poses (each ``(n_keypoints, 2)`` pixels)."""
    series = KeypointSeries(
        time_s=np.asarray(times_s, dtype=float) - float(times_s[0]),
        names=names,
        positions=np.stack([np.asarray(p, dtype=float)[:, :2] for p in positions]),
        confidence=np.stack([np.asarray(c, dtype=float) for c in confidence]),
        frame=CoordinateFrame(FrameKind.IMAGE, width_px=size_px[0], height_px=size_px[1]),
        source="mediapipe",
    )
    return camera_figures(series, view, position, min_confidence)


# -- the sitting monitor's inputs: about one sample a second --------------------------------
def make_monitor(
    *,
    sitting_nudge_min: float,
    posture_nudge_min: float,
    slump_deg: float,
    neck_drop_fraction: float,
) -> PostureMonitor:
    """A sitting monitor with these thresholds (values from the settings)."""
    return PostureMonitor(
        MonitorSettings(
            sitting_nudge_min=sitting_nudge_min,
            posture_nudge_min=posture_nudge_min,
            slump_deg=slump_deg,
            neck_drop_fraction=neck_drop_fraction,
        )
    )


def pose_sample(
    positions: np.ndarray, confidence: np.ndarray, names: tuple[str, ...], min_confidence: float
) -> MonitorSample | None:
    """The monitor's features of one pose (None: no one in view)."""
    return frame_sample(positions, confidence, names, min_confidence)


def pose_monitor_samples(
    frames: Iterator[tuple[float, Any]], fps: float, min_confidence: float
) -> Iterator[tuple[float, MonitorSample | None]]:
    """MediaPipe on about ``fps`` of ``(t_s, BGR image)`` frames a second; the others skipped."""
    from spinecoach.sources.pose import create_backend

    backend = create_backend("mediapipe")
    try:
        next_t = 0.0
        for t_s, image in frames:
            if t_s + 1e-9 < next_t:
                continue
            next_t = t_s + 1.0 / fps
            positions, confidence = backend.estimate(image)
            yield t_s, frame_sample(positions, confidence, backend.keypoint_names, min_confidence)
    finally:
        backend.close()


def video_monitor_samples(
    path: Path, fps: float, min_confidence: float
) -> Iterator[tuple[float, MonitorSample | None]]:
    """Monitor samples from a video file (replayed at its own time stamps)."""
    from spinecoach.sources.video.decode import VideoFileStream

    with VideoFileStream(path) as stream:
        frames = ((f.t_s, f.image_bgr) for f in stream)
        yield from pose_monitor_samples(frames, fps, min_confidence)


def camera_monitor_samples(
    index: int, fps: float, min_confidence: float
) -> Iterator[tuple[float, MonitorSample | None]]:
    """Monitor samples from a live webcam (wall-clock time stamps)."""
    from spinecoach.sources.video.decode import CameraStream

    start = wallclock.monotonic()
    with CameraStream(index) as stream:
        frames = ((wallclock.monotonic() - start, f.image_bgr) for f in stream)
        yield from pose_monitor_samples(frames, fps, min_confidence)


def imu_monitor_samples(path: Path, fps: float) -> Iterator[tuple[float, MonitorSample | None]]:
    """Monitor samples from a back-IMU recording (lumbar angle, else trunk, else pelvis:
    :data:`~spinecoach.sources.posture_imu.MONITOR_MEASURES`)."""
    from spinecoach.sources.imu.handler import ImuAnalyzeOptions, run_imu_analysis
    from spinecoach.sources.posture_imu import MONITOR_MEASURES

    measures = run_imu_analysis(path, ImuAnalyzeOptions()).measures
    chosen = next(((n, sign) for n, sign in MONITOR_MEASURES if n in measures.values), None)
    if chosen is None:
        raise InvalidInput(
            _("{path}: needs a back sensor (dual, upper or sacrum placement)").format(path=path)
        )
    name, sign = chosen
    t = measures.time_s - measures.time_s[0]
    values = sign * measures.values[name]
    for target in np.arange(0.0, float(t[-1]) + 1e-9, 1.0 / fps):
        i = int(np.searchsorted(t, target))
        yield float(target), imu_sample(float(values[min(i, len(values) - 1)]))
