"""KERAAL Vicon rigid-target text (``G3-Vicon-*.txt``), the reference system.

One row per frame: 17 ART rigid targets x (x, y, z in millimetres, qx, qy, qz, qw), 119
numbers, in the order of :data:`~spinecoach.sources.keypoints.names.VICON_KERAAL_17`. Vicon
axes: x forward, y to the subject's left, z up. Positions are converted to metres; target
orientations are not used. A target at exactly (0, 0, 0) is treated as occluded.
Option: ``sample_rate_hz=60.0`` (KERAAL's Vicon rate; the file has no time stamps).
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
from spinecoach.sources.keypoints.names import VICON_KERAAL_17

N_TARGETS = len(VICON_KERAAL_17)
VICON_AXES = "x forward, y left, z up (metres)"


def read_vicon_txt(path: Path, *, sample_rate_hz: float = 60.0) -> KeypointSeries:
    """Read a KERAAL Vicon text file.

    Parameters
    ----------
    path : Path
        The ``.txt`` file.
    sample_rate_hz : float
        Frame rate in Hz (default 60).

    Returns
    -------
    KeypointSeries
        World frame in metres (x forward, y left, z up), positions shape ``(n_frames, 17, 3)``.
    """
    positions, confidence = read_point_rows(
        path, N_TARGETS, "Vicon (17 targets x 7)", units_per_metre=1000.0
    )
    names = tuple(ours for _, ours in VICON_KERAAL_17)
    frame = CoordinateFrame(FrameKind.WORLD, axes=VICON_AXES)
    return build_fixed_rate_series(
        path, sample_rate_hz, names, positions, confidence, frame, "vicon"
    )


def _sniff(path: Path, head: str) -> bool:
    return sniff_point_rows(head, N_TARGETS)


READER = KeypointReader(
    name="vicon_txt",
    description="KERAAL Vicon 17 rigid targets, 119 numbers per row (G3-Vicon-*.txt)",
    extensions=(".txt",),
    read=read_vicon_txt,
    sniff=_sniff,
    options={"sample_rate_hz": "frame rate, Hz (default 60)"},
)
