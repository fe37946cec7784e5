"""MediaPipe Pose (BlazePose, 33 landmarks) as the default pose backend.

Only ``model_complexity=1`` runs offline: ``mediapipe==0.10.21`` ships
``pose_landmark_full.tflite`` (and the detector) in its wheel, while complexities 0 ("lite")
and 2 ("heavy") would download their models on first use. Those are refused before anything
is constructed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from spinecoach.domain.i18n import _
from spinecoach.errors import PoseBackendError
from spinecoach.motion.types import FloatArray
from spinecoach.sources.pose.base import register_backend
from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES

logger = logging.getLogger(__name__)

OFFLINE_MODEL_COMPLEXITIES = frozenset({1})
#: At most this many frames without a person keep start-up notices out of the output.
START_UP_FRAMES = 150


@contextlib.contextmanager
def native_stderr_to_log() -> Iterator[None]:
    """Route what native code writes to file descriptor 2 into this module's debug log.

    TensorFlow Lite and MediaPipe's C++ graph print start-up notices ("Created TensorFlow
    Lite XNNPACK delegate", feedback-tensor warnings) straight to the process's stderr,
    which would clutter every command's output. They are kept, at debug level.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr (e.g. a daemon): nothing to hide
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as capture:
        sys.stderr.flush()
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            for line in capture.read().decode("utf-8", "replace").splitlines():
                if line.strip():
                    logger.debug("mediapipe: %s", line)


@register_backend("mediapipe")
class MediaPipePoseBackend:
    """BlazePose through ``mediapipe.solutions.pose`` in tracking (video) mode.

    Parameters
    ----------
    model_complexity : int
        Must be 1 (the only model shipped in the wheel); 0 and 2 raise
        :class:`PoseBackendError` without constructing anything.
    min_detection_confidence, min_tracking_confidence : float
        MediaPipe's person-detection and landmark-tracking thresholds in [0, 1].
    smooth_landmarks : bool
        MediaPipe's temporal landmark smoothing (on for video).
    static_image_mode : bool
        Run the person detector on every frame instead of tracking (slower; for unrelated images).
    input_max_side_px : int or None
        If set, frames whose longer side exceeds this are downscaled before pose estimation
        (landmarks are still returned in the original frame's pixels). The model itself runs
        at 256x256, so this mainly saves colour conversion and internal resize work.
    """

    name = "mediapipe"
    keypoint_names = BLAZEPOSE_33_NAMES

    def __init__(
        self,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        smooth_landmarks: bool = True,
        static_image_mode: bool = False,
        input_max_side_px: int | None = None,
    ) -> None:
        if model_complexity not in OFFLINE_MODEL_COMPLEXITIES:
            raise PoseBackendError(
                _(
                    "MediaPipe Pose model_complexity={model_complexity} is not "
                    "available offline: only model_complexity=1 ships with "
                    "mediapipe 0.10.21 (0 and 2 would download their models at "
                    "run time, which spinecoach never does). Use 1."
                ).format(model_complexity=model_complexity)
            )
        for label, value in (
            ("min_detection_confidence", min_detection_confidence),
            ("min_tracking_confidence", min_tracking_confidence),
        ):
            if not 0.0 <= value <= 1.0:
                raise PoseBackendError(
                    _("Invalid value for '{label}': {value} (must be in [0, 1]).").format(
                        label=label, value=value
                    )
                )
        if input_max_side_px is not None and input_max_side_px < 64:
            raise PoseBackendError(
                _(
                    "Invalid value for 'input_max_side_px': {input_max_side_px} (must be >= 64)."
                ).format(input_max_side_px=input_max_side_px)
            )
        import mediapipe as mp  # imported late: slow, and only needed when pose runs

        self.model_complexity = model_complexity
        self.input_max_side_px = input_max_side_px
        # The graph's threads print start-up notices from construction until the landmark
        # model first runs (the first frame with a person): keep them out of the output.
        self._start_up_notices = contextlib.ExitStack()
        self._start_up_notices.enter_context(native_stderr_to_log())
        self._frames_until_quiet = START_UP_FRAMES
        try:
            self._pose: Any = mp.solutions.pose.Pose(
                static_image_mode=static_image_mode,
                model_complexity=model_complexity,
                smooth_landmarks=smooth_landmarks,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
        except BaseException:
            self._start_up_notices.close()
            raise
        self._n_keypoints = len(BLAZEPOSE_33_NAMES)

    def estimate(self, frame_bgr: NDArray[Any]) -> tuple[FloatArray, FloatArray]:
        """Estimate the pose in one BGR frame; see :meth:`PoseBackend.estimate`.

        Returns
        -------
        positions : ndarray, shape (33, 3)
            Pixels in the given frame (x, y) and relative depth z scaled like x.
        confidence : ndarray, shape (33,)
            MediaPipe landmark visibility.
        """
        if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3:
            raise PoseBackendError(
                _("Expected a BGR frame of shape (height, width, 3), got {shape}.").format(
                    shape=frame_bgr.shape
                )
            )
        height_px, width_px = frame_bgr.shape[:2]
        image = frame_bgr
        longest = max(height_px, width_px)
        if self.input_max_side_px is not None and longest > self.input_max_side_px:
            scale = self.input_max_side_px / longest
            image = cv2.resize(
                frame_bgr,
                (max(1, round(width_px * scale)), max(1, round(height_px * scale))),
                interpolation=cv2.INTER_AREA,
            )
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        result = self._pose.process(rgb)
        if self._frames_until_quiet > 0:
            self._frames_until_quiet -= 1
            if result.pose_landmarks is not None or self._frames_until_quiet == 0:
                self._frames_until_quiet = 0
                self._start_up_notices.close()
        positions = np.full((self._n_keypoints, 3), np.nan)
        confidence = np.zeros(self._n_keypoints)
        if result.pose_landmarks is None:
            return positions, confidence
        for index, landmark in enumerate(result.pose_landmarks.landmark):
            positions[index] = (
                landmark.x * width_px,
                landmark.y * height_px,
                landmark.z * width_px,
            )
            confidence[index] = landmark.visibility
        return positions, confidence

    def close(self) -> None:
        """Release MediaPipe's graph."""
        self._start_up_notices.close()
        self._pose.close()

    def __enter__(self) -> MediaPipePoseBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
