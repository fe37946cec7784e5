"""Kinect v2 skeleton text (KERAAL ``G3-Kinect-*.txt``).

One row per frame: 25 joints x (x, y, z in metres, qx, qy, qz, qw), 175 numbers, in the joint
order of :data:`~spinecoach.sources.keypoints.names.KINECT_V2_25`. Kinect camera space: x to
the sensor's left (the subject's right when facing the sensor), y up, z away from the sensor.
Joint orientations are not used. A joint at exactly (0, 0, 0) is treated as not tracked.
Option: ``sample_rate_hz=30.0`` (no time stamps in the file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.sources.keypoints._base import (
    KeypointReader,
    build_series,
    frame_times,
    read_number_rows,
)
from spinecoach.sources.keypoints.names import KINECT_V2_25

N_JOINTS = len(KINECT_V2_25)
VALUES_PER_JOINT = 7
KINECT_AXES = "x sensor-left, y up, z away from the sensor (metres)"


def read_kinect_txt(path: Path, *, sample_rate_hz: float = 30.0) -> KeypointSeries:
    """Read a Kinect v2 text file.

    Parameters
    ----------
    path : Path
        The ``.txt`` file.
    sample_rate_hz : float
        Frame rate in Hz (default 30).

    Returns
    -------
    KeypointSeries
        World frame in metres, positions shape ``(n_frames, 25, 3)``.
    """
    table = read_number_rows(path, N_JOINTS * VALUES_PER_JOINT, "Kinect v2 (25 joints x 7)")
    joints = table.reshape(len(table), N_JOINTS, VALUES_PER_JOINT)
    positions = joints[:, :, :3].copy()
    untracked = np.all(positions == 0.0, axis=2)
    positions[untracked] = np.nan
    confidence = np.where(untracked, 0.0, 1.0)
    names = tuple(ours for _, ours in KINECT_V2_25)
    frame = CoordinateFrame(FrameKind.WORLD, axes=KINECT_AXES)
    return build_series(
        path,
        frame_times(len(table), sample_rate_hz),
        names,
        positions,
        confidence,
        frame,
        "kinect",
        {"sample_rate_hz": sample_rate_hz},
    )


def _sniff(path: Path, head: str) -> bool:
    first = head.strip().splitlines()[:1]
    return bool(first) and len(first[0].split()) == N_JOINTS * VALUES_PER_JOINT


READER = KeypointReader(
    name="kinect_txt",
    description="Kinect v2 25-joint text, 175 numbers per row (G3-Kinect-*.txt)",
    extensions=(".txt",),
    read=read_kinect_txt,
    sniff=_sniff,
    options={"sample_rate_hz": "frame rate, Hz (default 30)"},
)
