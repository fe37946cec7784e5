"""The Vicon reader measures trunk rotation from its Hips target (issue 11).

The KERAAL Vicon skeleton is rotated here: the upper body (targets above the pelvis) turned
about the vertical through the pelvis by a known angle, the Hips target kept; the measured
trunk rotation must follow the turn, and its sign be the camera's (right turn positive).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spinecoach.motion.measures import compute_measures
from spinecoach.sources.keypoints import read_keypoints

UPPER = (0, 1, 2, 3, 4, 7, 8, 9, 10, 14)  # forearms, arms, chest, shoulders, hands, head


def turned_file(source: Path, path: Path, deg: float) -> None:
    table = np.loadtxt(source).reshape(-1, 17, 7)
    pelvis = table[:, 13, :3]
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    for k in UPPER:
        d = table[:, k, :2] - pelvis[:, :2]
        table[:, k, 0] = pelvis[:, 0] + c * d[:, 0] - s * d[:, 1]
        table[:, k, 1] = pelvis[:, 1] + s * d[:, 0] + c * d[:, 1]
    np.savetxt(path, table.reshape(len(table), -1), fmt="%.4f")


@pytest.mark.parametrize("deg", [-30.0, -10.0, 15.0, 40.0])
def test_trunk_rotation_follows_a_known_turn(shared_data: Path, tmp_path: Path, deg: float) -> None:
    source = shared_data / "keraal" / "G3-Vicon-CTK-P1T1-Unknown-C-0.txt"
    base = compute_measures(read_keypoints(source)).values["trunk_rotation_deg"]
    path = tmp_path / "turned.txt"
    turned_file(source, path, deg)
    turned = compute_measures(read_keypoints(path, "vicon_txt")).values["trunk_rotation_deg"]
    # counter-clockwise seen from above (z up) is a turn to the LEFT: negative
    assert np.nanmedian(turned - base) == pytest.approx(-deg, abs=1.0)
