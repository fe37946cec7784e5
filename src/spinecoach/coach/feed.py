"""From sensor frames to the engine's motion events, one analysis per exercise.

A :class:`MotionFeed` holds a :class:`~spinecoach.motion.streaming.StreamingAnalyzer` (and,
for keypoints, a :class:`~spinecoach.motion.tracking_quality.TrackingMonitor`) for the
exercise in progress, and starts fresh ones when the exercise changes. Frames come from any
source (keypoint files, video pose estimation, IMU orientation) as :class:`Frame` objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from spinecoach.domain.exercise import Exercise
from spinecoach.motion.analysis import GENERIC_FORM_CODES
from spinecoach.motion.required_keypoints import required_keypoints
from spinecoach.motion.setup_check import check_setup
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.tracking_quality import TrackingMonitor
from spinecoach.motion.types import EventKind, FloatArray, MotionEvent


@dataclass(frozen=True, eq=False)
class Frame:
    """One sample of a sensor stream.

    Attributes
    ----------
    t_s : float
        Stream time in seconds (increasing).
    positions : ndarray, shape (n_keypoints, n_dims), optional
        Keypoints (NaN where missing), for camera/keypoint sources.
    confidence : ndarray, shape (n_keypoints,), optional
    names : tuple of str, optional
        Keypoint names (the same tuple object on every frame is fastest).
    measures : mapping of str to float, optional
        Already computed angles in degrees (IMU sources), e.g. ``lumbar_flexion_deg``.
    image_size_px : tuple of int, optional
        ``(width, height)`` of the camera image, for the set-up check.
    """

    t_s: float
    positions: FloatArray | None = None
    confidence: FloatArray | None = None
    names: tuple[str, ...] | None = None
    measures: Mapping[str, float] | None = None
    image_size_px: tuple[int, int] | None = None


def imu_measurable(exercise: Exercise, available: frozenset[str] | None = None) -> bool:
    """Whether an IMU can analyse ``exercise`` (it names an ``imu_angle`` that is available)."""
    angle = exercise.signature.imu_angle
    return angle is not None and (available is None or angle in available)


class _ExerciseAnalysis:
    def __init__(
        self, exercise: Exercise, *, imu: bool, min_confidence: float, sample_rate_hz: float
    ) -> None:
        self.exercise = exercise
        codes = frozenset(e.code for e in exercise.common_errors) | GENERIC_FORM_CODES
        angle = exercise.signature.imu_angle if imu else None
        self.analyzer = StreamingAnalyzer(
            exercise.signature,
            angle=angle,
            dose=exercise.dose,
            sample_rate_hz=sample_rate_hz,
            min_confidence=min_confidence,
            exercise_id=exercise.id,
            error_codes=codes,
            start_position=None if imu else exercise.position.value,
        )
        self.min_confidence = min_confidence
        self.monitor: TrackingMonitor | None = None
        self._names: tuple[str, ...] | None = None

    def push(self, frame: Frame) -> list[MotionEvent]:
        if frame.measures is not None:
            return self.analyzer.push_measures(frame.t_s, dict(frame.measures))
        if frame.positions is None or frame.confidence is None or frame.names is None:
            return []
        if self.monitor is None or frame.names != self._names:
            self._names = frame.names
            signature = self.exercise.signature
            measures = (signature.primary_angle, *signature.secondary_angles)
            self.monitor = TrackingMonitor(
                frame.names,
                required_keypoints(measures, frame.names),
                min_confidence=self.min_confidence,
            )
        events = self.monitor.update(frame.t_s, frame.positions, frame.confidence)
        if any(e.kind is EventKind.PERSON_SWITCH for e in events):
            # the keypoints now belong to someone else: restart the analysis
            self.analyzer = StreamingAnalyzer(
                self.exercise.signature,
                dose=self.exercise.dose,
                min_confidence=self.min_confidence,
                exercise_id=self.exercise.id,
                start_position=self.exercise.position.value,
            )
        positions = frame.positions
        if not self.monitor.ok:
            positions = np.full_like(positions, np.nan)
        events += self.analyzer.push_keypoints(frame.t_s, positions, frame.confidence, frame.names)
        return events


class MotionFeed:
    """Frames in, motion events for the current exercise out.

    Parameters
    ----------
    imu : bool
        Frames carry IMU measures (each exercise is analysed on its ``imu_angle``).
    min_confidence : float
        Keypoints below this confidence count as missing.
    sample_rate_hz : float
        Nominal frame rate (informative).
    """

    def __init__(
        self, *, imu: bool = False, min_confidence: float = 0.5, sample_rate_hz: float = 30.0
    ) -> None:
        self.imu = imu
        self.min_confidence = min_confidence
        self.sample_rate_hz = sample_rate_hz
        self._current: _ExerciseAnalysis | None = None
        self.frames = 0
        self._setup_frames: list[Frame] = []
        self._setup_count = 0

    def check_setup(
        self, frame: Frame, view: str, *, window: int = 30, every: int = 15
    ) -> tuple[bool, tuple[str, ...]] | None:
        """Camera set-up check over the last ``window`` frames, every ``every`` frames.

        Parameters
        ----------
        frame : Frame
            A camera frame with keypoints and ``image_size_px``.
        view : str
            ``front``, ``side`` or ``any`` (the first exercise's view).

        Returns
        -------
        tuple of (ok, instructions) or None
            ``None`` between checks or when the frame cannot be checked (no image size).
        """
        if frame.positions is None or frame.confidence is None or frame.names is None:
            return None
        if frame.image_size_px is None:
            return None
        self._setup_frames.append(frame)
        del self._setup_frames[:-window]
        self._setup_count += 1
        if self._setup_count % every:
            return None
        names = frame.names
        same = [f for f in self._setup_frames if f.names == names]
        positions = np.stack([f.positions for f in same])  # type: ignore[misc]
        confidence = np.stack([f.confidence for f in same])  # type: ignore[misc]
        width, height = frame.image_size_px
        result = check_setup(positions, confidence, names, width, height, view=view)
        return result.ok, tuple(issue.instruction for issue in result.issues)

    def measurable(self, exercise: Exercise) -> bool:
        """Whether this feed's sensor can measure ``exercise``."""
        return imu_measurable(exercise) if self.imu else True

    def push(self, exercise: Exercise | None, frame: Frame) -> list[MotionEvent]:
        """Analyse ``frame`` for ``exercise`` (``None``: between exercises, nothing to do).

        Returns
        -------
        list of MotionEvent
        """
        self.frames += 1
        if exercise is None or not self.measurable(exercise):
            self._current = None
            return []
        if self._current is None or self._current.exercise.id != exercise.id:
            self._current = _ExerciseAnalysis(
                exercise,
                imu=self.imu,
                min_confidence=self.min_confidence,
                sample_rate_hz=self.sample_rate_hz,
            )
        return self._current.push(frame)
