"""KERAAL Vicon rigid-target text (``G3-Vicon-*.txt``), the reference system.

One row per frame: 17 ART rigid targets x (x, y, z in millimetres, qx, qy, qz, qw), 119
numbers, in the order of :data:`~spinecoach.sources.keypoints.names.VICON_KERAAL_17`. Vicon
axes: x forward, y to the subject's left, z up. Positions are converted to metres. A target
at exactly (0, 0, 0) is treated as occluded.

The **Hips** target's orientation gives the hip line: its local y axis points to the
subject's left (on the KERAAL files it lies within 11° of the shoulder line at rest, cos
0.98), so ``left_hip`` / ``right_hip`` are placed :data:`HIP_HALF_WIDTH_M` either side of
the target along it. That makes ``trunk_rotation_deg`` (shoulder line against hip line about
the vertical) measurable from Vicon; the points are direction markers at the target, not
anatomical hip joints.
Option: ``sample_rate_hz=60.0`` (KERAAL's Vicon rate; the file has no time stamps).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.sources.keypoints._base import (
    VALUES_PER_POSE_POINT,
    KeypointReader,
    build_fixed_rate_series,
    read_number_rows,
    read_point_rows,
    sniff_point_rows,
)
from spinecoach.sources.keypoints.names import VICON_KERAAL_17

N_TARGETS = len(VICON_KERAAL_17)
#: Half the distance between the hip-line markers placed along the Hips target's left axis.
HIP_HALF_WIDTH_M = 0.1
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
    table = read_number_rows(path, N_TARGETS * VALUES_PER_POSE_POINT, "Vicon (17 targets x 7)")
    quat = table.reshape(len(table), N_TARGETS, VALUES_PER_POSE_POINT)[:, names.index("pelvis"), 3:]
    norm = np.linalg.norm(quat, axis=1)
    ok = (norm > 0.5) & (confidence[:, names.index("pelvis")] > 0)
    q = quat / np.where(ok, norm, 1.0)[:, None]
    x, y, z, w = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    left_axis = np.column_stack([2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)])
    pelvis = positions[:, names.index("pelvis")]
    hips = np.stack(
        [pelvis + HIP_HALF_WIDTH_M * left_axis, pelvis - HIP_HALF_WIDTH_M * left_axis], 1
    )
    hips[~ok] = np.nan
    positions = np.concatenate([positions, hips], axis=1)
    confidence = np.concatenate([confidence, np.repeat(ok[:, None], 2, axis=1).astype(float)], 1)
    names = (*names, "left_hip", "right_hip")
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
