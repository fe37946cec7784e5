"""BlazePose / MediaPipe 33-landmark JSON in the KERAAL layout.

Layout: ``{"positions": {"1.0": {"Nose": [x, y, z(, visibility)], ...}, "2.0": ...}}`` with
x, y normalised to the image (0..1, y down) and z a relative depth on roughly the x scale.

The KERAAL files have two documented quirks, handled by explicit options whose defaults are
KERAAL's (this JSON layout is KERAAL's own extraction format):

- ``mirrored=True``: BlazePose ran on a horizontally flipped image, so x is mirrored
  (we use ``1 - x``) ...
- ``labels_swapped=True``: ... and the ``Left_*``/``Right_*`` labels are swapped relative to
  the person (we exchange them so names are subject-side).
- ``dropped_frames=()``: frames where no person was found were dropped and the keys
  renumbered, so key *k* is the *k*-th detection, not video frame *k*. Without further
  information each key *k* is placed at ``(k - k0) / sample_rate_hz`` (a gap in the keys is
  kept as missing frames); pass the 1-based video frame numbers that were dropped (e.g.
  where the OpenPose file of the same video is empty) to re-insert them as missing frames
  (NaN, confidence 0) and restore true video time.
- ``frame_size_px=(960, 544)``: the KERAAL video size; normalised x, y (and z, which uses the
  x scale) are multiplied by it so 2D angles are not distorted by the aspect ratio.
- ``sample_rate_hz=30.0``: the video frame rate (the file carries no time stamps).
"""

from __future__ import annotations

from collections.abc import Sequence
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
from spinecoach.sources.keypoints.names import BLAZEPOSE_33, swap_side

KERAAL_FRAME_SIZE_PX = (960, 544)
#: Options of the readers of KERAAL video keypoints (BlazePose and OpenPose JSON).
KERAAL_VIDEO_OPTIONS = {
    "sample_rate_hz": "video frame rate, Hz (default 30)",
    "frame_size_px": "video (width, height) in pixels (default 960, 544 = KERAAL)",
}


def read_blazepose_json(
    path: Path,
    *,
    sample_rate_hz: float = 30.0,
    frame_size_px: tuple[int, int] = KERAAL_FRAME_SIZE_PX,
    mirrored: bool = True,
    labels_swapped: bool = True,
    dropped_frames: Sequence[int] = (),
) -> KeypointSeries:
    """Read a KERAAL-layout BlazePose JSON file.

    Parameters
    ----------
    path : Path
        The ``.json`` file.
    sample_rate_hz : float
        Video frame rate in Hz (default 30).
    frame_size_px : (int, int)
        Video width and height in pixels (default KERAAL's 960 x 544).
    mirrored : bool
        Whether x is mirrored (KERAAL: True).
    labels_swapped : bool
        Whether left/right labels are swapped relative to the subject (KERAAL: True).
    dropped_frames : sequence of int
        1-based video frame numbers missing from the file (re-inserted as NaN frames).

    Returns
    -------
    KeypointSeries
        Image frame in pixels, positions shape ``(n_frames, 33, 3)`` (x, y, depth).
    """
    raw = read_json(path)
    frames = frame_keys(path, raw)
    width_px, height_px = (int(v) for v in frame_size_px)
    names = tuple(ours for _, ours in BLAZEPOSE_33)
    column = {name: k for k, name in enumerate(names)}
    columns = {
        file_name: column[swap_side(ours) if labels_swapped else ours]
        for file_name, ours in BLAZEPOSE_33
    }
    n_detections = len(frames)
    dropped = sorted({int(f) for f in dropped_frames})
    numbers = np.array([key for key, _ in frames])
    if not dropped:
        # keys are frame numbers: a gap in them is frames without a detection, kept as gaps
        kept_rows = np.round(numbers - numbers[0]).astype(int)
        n_frames = int(kept_rows[-1]) + 1
    else:
        n_frames = n_detections + len(dropped)
        if dropped[0] < 1 or dropped[-1] > n_frames:
            raise InvalidRecording(
                gettext(
                    "{path}: dropped_frames must be video frame numbers between 1 and {n_frames}"
                ).format(path=path, n_frames=n_frames)
            )
        kept_rows = np.setdiff1d(np.arange(n_frames), np.asarray(dropped, dtype=int) - 1)
    positions, confidence = keyed_joint_arrays(
        path, frames, kept_rows, n_frames, columns, 3, "landmark"
    )
    if mirrored:
        positions[:, :, 0] = 1.0 - positions[:, :, 0]
    positions[:, :, 0] *= width_px
    positions[:, :, 1] *= height_px
    positions[:, :, 2] *= width_px
    frame = CoordinateFrame(
        FrameKind.IMAGE,
        axes="x right, y down (pixels), z relative depth toward the camera negative",
        width_px=width_px,
        height_px=height_px,
    )
    metadata: dict[str, object] = {
        "mirrored": mirrored,
        "labels_swapped": labels_swapped,
        "dropped_frames": tuple(dropped),
        "frame_numbering": "frame keys" if not dropped else "video (dropped frames re-inserted)",
    }
    return build_fixed_rate_series(
        path, sample_rate_hz, names, positions, confidence, frame, "blazepose", metadata
    )


def _sniff(path: Path, head: str) -> bool:
    return path.suffix.lower() == ".json" and '"positions"' in head and '"Left_shoulder"' in head


READER = KeypointReader(
    name="blazepose_json",
    description="BlazePose/MediaPipe 33 landmarks, KERAAL JSON layout (G3-BP-*.json)",
    extensions=(".json",),
    read=read_blazepose_json,
    sniff=_sniff,
    options={
        **KERAAL_VIDEO_OPTIONS,
        "mirrored": "x mirrored by a flipped image (default True = KERAAL)",
        "labels_swapped": "Left_/Right_ labels swapped vs the subject (default True = KERAAL)",
        "dropped_frames": "1-based video frames missing from the file (default none)",
    },
)
