"""OpenPose COCO-18 JSON in the KERAAL layout.

Layout: ``{"positions": {"1.0": {"Nose": [x, y], "Neck": [x, y], "rShoulder": ...}, ...}}``,
x and y normalised to the image (y down); joints OpenPose did not find are omitted (and a
frame with no person is an empty object). Omitted joints become NaN with confidence 0.
Options: ``sample_rate_hz=30.0`` (the file has no time stamps) and
``frame_size_px=(960, 544)`` (KERAAL's video size; x, y are multiplied by it).
The image is not mirrored and labels are subject-side (``rShoulder`` = subject's right).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidRecording
from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.sources.keypoints._base import (
    KeypointReader,
    build_fixed_rate_series,
    frame_keys,
    keyed_joint_arrays,
    read_json,
)
from spinecoach.sources.keypoints.blazepose import KERAAL_FRAME_SIZE_PX, KERAAL_VIDEO_OPTIONS
from spinecoach.sources.keypoints.names import OPENPOSE_COCO18


def read_openpose_json(
    path: Path,
    *,
    sample_rate_hz: float = 30.0,
    frame_size_px: tuple[int, int] = KERAAL_FRAME_SIZE_PX,
) -> KeypointSeries:
    """Read a KERAAL-layout OpenPose COCO-18 JSON file.

    Parameters
    ----------
    path : Path
        The ``.json`` file.
    sample_rate_hz : float
        Video frame rate in Hz (default 30); frame key *k* is placed at ``(k - k0) / rate``.
    frame_size_px : (int, int)
        Video width and height in pixels (default 960 x 544).

    Returns
    -------
    KeypointSeries
        Image frame in pixels, positions shape ``(n_frames, 18, 2)``.
    """
    raw = read_json(path)
    frames = frame_keys(path, raw)
    width_px, height_px = (int(v) for v in frame_size_px)
    columns = {file_name: k for k, (file_name, _) in enumerate(OPENPOSE_COCO18)}
    names = tuple(ours for _, ours in OPENPOSE_COCO18)
    numbers = np.array([key for key, _ in frames])
    if not np.allclose(numbers, np.round(numbers)):
        raise InvalidRecording(
            gettext("{path}: frame keys are not whole frame numbers").format(path=path)
        )
    rows = np.round(numbers - numbers[0]).astype(int)
    n_frames = int(rows[-1]) + 1
    positions, confidence = keyed_joint_arrays(path, frames, rows, n_frames, columns, 2, "joint")
    positions[:, :, 0] *= width_px
    positions[:, :, 1] *= height_px
    frame = CoordinateFrame(
        FrameKind.IMAGE, axes="x right, y down (pixels)", width_px=width_px, height_px=height_px
    )
    metadata: dict[str, object] = {
        "empty_frames": tuple(int(numbers[i]) for i, (_, j) in enumerate(frames) if not j),
    }
    return build_fixed_rate_series(
        path, sample_rate_hz, names, positions, confidence, frame, "openpose", metadata
    )


def _sniff(path: Path, head: str) -> bool:
    return (
        path.suffix.lower() == ".json"
        and '"positions"' in head
        and any(f'"{j}"' in head for j in ("lShoulder", "rShoulder", "Neck"))
    )


READER = KeypointReader(
    name="openpose_json",
    description="OpenPose COCO-18 2D joints, KERAAL JSON layout (G3-OP-*.json)",
    extensions=(".json",),
    read=read_openpose_json,
    sniff=_sniff,
    options={**KERAAL_VIDEO_OPTIONS},
)
