"""Exercise demonstrations for the browser: sampled 3D keypoints the page draws (demo.js).

Moving steps are sampled at :data:`MOVING_FPS`; a step that holds still is sent as its two
ends only, so a 30-second hold costs two frames. The browser interpolates between frames.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from spinecoach.domain.exercise import Exercise
from spinecoach.motion.demonstration import demonstration_series
from spinecoach.motion.pose_builder import BONES

#: Frames per second sampled while the figure moves.
MOVING_FPS = 8.0
#: Steps longer than this (seconds) move slowly: every :data:`SLOW_STRIDE`-th frame is sent.
SLOW_STEP_S = 5.0
SLOW_STRIDE = 3


def _demo_payload(exercise: Exercise) -> dict[str, Any]:
    frames = demonstration_series(exercise, fps=MOVING_FPS)
    series = frames.series
    keep: list[int] = []
    since = 0
    for k in range(series.n_frames):
        step = frames.steps[frames.step_index[k]]
        first = k == 0 or frames.step_index[k - 1] != frames.step_index[k]
        last = k == series.n_frames - 1 or frames.step_index[k + 1] != frames.step_index[k]
        since = 0 if first else since + 1
        if step.pose_from == step.pose_to:
            stride = 10**9  # still: its ends are enough
        else:
            stride = 1 if step.duration_s <= SLOW_STEP_S else SLOW_STRIDE
        if first or last or since % stride == 0:
            keep.append(k)
    positions = np.round(series.positions[keep] * 100).astype(int)
    assert exercise.demonstration is not None
    return {
        "exercise_id": exercise.id,
        "name": exercise.name,
        "view": exercise.demonstration.view,
        "names": list(series.names),
        "bones": [list(b) for b in BONES],
        "axes": "x forward, y left, z up (centimetres)",
        "duration_s": frames.steps[-1].end_s,
        "times": [round(float(series.time_s[k]), 3) for k in keep],
        "frames": positions.tolist(),
        "steps": [
            {
                "name": s.name,
                "start_s": s.start_s,
                "end_s": s.end_s,
                "breath": str(s.breath),
                "cue": s.cue,
                "side": s.side,
            }
            for s in frames.steps
        ],
    }


@lru_cache(maxsize=64)
def _cached(exercise: Exercise) -> dict[str, Any]:
    return _demo_payload(exercise)


def demonstration_payload(exercise: Exercise) -> dict[str, Any] | None:
    """JSON-ready demonstration of ``exercise`` (None when it has none)."""
    if exercise.demonstration is None:
        return None
    return _cached(exercise)
