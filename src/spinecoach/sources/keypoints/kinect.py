"""Kinect v2 skeleton text (KERAAL ``G3-Kinect-*.txt``).

One row per frame: 25 joints x (x, y, z in metres, qx, qy, qz, qw), 175 numbers, in the joint
order of :data:`~spinecoach.sources.keypoints.names.KINECT_V2_25`. Kinect camera space: x to
the sensor's left (the subject's right when facing the sensor), y up, z away from the sensor.
Joint orientations are not used. A joint at exactly (0, 0, 0) is treated as not tracked.
Option: ``sample_rate_hz=30.0`` (no time stamps in the file).
"""

from __future__ import annotations

from pathlib import Path

from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.sources.keypoints._base import (
    KeypointReader,
    build_fixed_rate_series,
    read_point_rows,
    sniff_point_rows,
)
from spinecoach.sources.keypoints.names import KINECT_V2_25

N_JOINTS = len(KINECT_V2_25)
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
    positions, confidence = read_point_rows(path, N_JOINTS, "Kinect v2 (25 joints x 7)")
    names = tuple(ours for _, ours in KINECT_V2_25)
    frame = CoordinateFrame(FrameKind.WORLD, axes=KINECT_AXES)
    return build_fixed_rate_series(
        path, sample_rate_hz, names, positions, confidence, frame, "kinect"
    )


def _sniff(path: Path, head: str) -> bool:
    return sniff_point_rows(head, N_JOINTS)


READER = KeypointReader(
    name="kinect_txt",
    description="Kinect v2 25-joint text, 175 numbers per row (G3-Kinect-*.txt)",
    extensions=(".txt",),
    read=read_kinect_txt,
    sniff=_sniff,
    options={"sample_rate_hz": "frame rate, Hz (default 30)"},
)
