"""BlazePose frame keys are frame numbers: a gap in them is kept as a gap (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from spinecoach.sources.keypoints import read_keypoints
from spinecoach.sources.keypoints.names import BLAZEPOSE_33


def test_sixty_frame_gap_in_blazepose_keys_is_kept(tmp_path: Path) -> None:
    keys = [*range(1, 101), *range(161, 201)]
    frames = {f"{k}.0": {n: [0.5, 0.5, 0.0, 0.9] for n, _ in BLAZEPOSE_33} for k in keys}
    path = tmp_path / "gap.json"
    path.write_text(json.dumps({"positions": frames}))
    series = read_keypoints(path)
    assert series.n_frames == 200
    assert series.time_s[-1] == (200 - 1) / 30.0
    missing = ~np.isfinite(series.positions[:, 0, 0])
    assert np.flatnonzero(missing).tolist() == list(range(100, 160))
    # the KERAAL option still works: detections renumbered, dropped frames given explicitly
    contiguous = {f"{k}.0": v for k, v in zip(range(1, 141), frames.values(), strict=False)}
    path.write_text(json.dumps({"positions": contiguous}))
    renumbered = read_keypoints(path, dropped_frames=list(range(101, 161)))
    assert renumbered.n_frames == 200
