"""The keypoints hot path reads a message into arrays at once (``fast_keypoints``, issue 13:
a server that holds 200 patients at 30 Hz); it must give exactly what the full validation
(``parse_message`` then ``parse_keypoints``) gives, and hand every message with a problem
back to it, so the one-line errors stay the same.

Real frames (a KERAAL recording, 33 BlazePose keypoints with depth) are sent as the page
sends them, then perturbed: values of the wrong type, out of range, non-finite, missing,
points of the wrong length, extra keys, odd time stamps.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np

from spinecoach.errors import InvalidInput
from spinecoach.sources.keypoints import read_keypoints
from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES
from spinecoach.web.live import parse_keypoints
from spinecoach.web.messages import fast_keypoints, parse_message

RECORDING = "keraal/G3-BP-ELK-P1T1-Unknown-C-0.json"
ODD_VALUES: list[Any] = [
    None, True, False, "1.5", " 2", "x", "inf", "nan", [1.0], {}, 2**70, 1e5, 1e5 + 1, -1e5,
    -1e5 - 0.5, 0, -0.0, 1, 7,
]  # fmt: skip
ODD_POINTS: list[Any] = [[1.0, 2.0], [1.0, 2.0, 3.0, 0.5, 0.5], [], None, "a", 3.0]
ODD_STATS: list[Any] = [None, 0, 1, 0.5, 1.5, 12.0, 1000, 1000.5, -0.1, True, "0.5", "x"]
ODD_TIMES: list[Any] = [None, 0, -7, 2.5, 1e15, 1e15 + 1e3, -1e16, True, "3", [1]]


def _full(text: str) -> tuple[float | None, np.ndarray, np.ndarray] | None:
    """The full validation's result (None where it answers with an error line)."""
    try:
        message = parse_message(text)
        if message.type != "keypoints":  # type: ignore[union-attr]
            return None
        positions, confidence, names = parse_keypoints(
            {"keypoints": message.keypoints, "names": message.names},  # type: ignore[union-attr]
            BLAZEPOSE_33_NAMES,
        )
    except InvalidInput:
        return None
    assert names == BLAZEPOSE_33_NAMES or message.names is not None  # type: ignore[union-attr]
    return message.t, positions, confidence  # type: ignore[union-attr]


def _messages(shared_data: Path) -> list[str]:
    series = read_keypoints(shared_data / RECORDING)
    assert tuple(series.names) == BLAZEPOSE_33_NAMES
    rnd = random.Random(13)
    out = []
    for i in range(series.n_frames):
        xyz = series.positions[i].tolist()
        conf = series.confidence[i].tolist()
        for depth in (True, False):
            points = [[*(p if depth else p[:2]), c] for p, c in zip(xyz, conf, strict=True)]
            message: dict[str, Any] = {"type": "keypoints", "t": 1000.0 * i / 30.0}
            message["keypoints"] = points
            out.append(json.dumps(message))  # as a phone app or the bench sends it
            message |= {"detect_fps": 29.7, "confidence": 0.913}
            out.append(json.dumps(message))  # as the page's pose in the browser sends it
            bad = json.loads(json.dumps(message))
            for _ in range(rnd.randint(1, 3)):
                choice = rnd.random()
                points = bad["keypoints"]
                k = rnd.randrange(len(points)) if points else None
                if choice < 0.6:
                    if k is not None and isinstance(points[k], list) and points[k]:
                        points[k][rnd.randrange(len(points[k]))] = rnd.choice(ODD_VALUES)
                elif choice < 0.75:
                    if k is not None:
                        points[k] = rnd.choice(ODD_POINTS)
                elif choice < 0.85:
                    bad["t"] = rnd.choice(ODD_TIMES)
                elif choice < 0.9:
                    bad["keypoints"] = bad["keypoints"][: rnd.randrange(33)]
                elif choice < 0.95:
                    key = rnd.choice(["names", "detect_fps", "confidence", "extra"])
                    bad[key] = rnd.choice([list(BLAZEPOSE_33_NAMES), *ODD_STATS])
                else:
                    bad["type"] = rnd.choice(["imu", "Keypoints", None])
            out.append(json.dumps(bad))
    return out


def test_fast_path_gives_what_the_full_validation_gives(shared_data: Path) -> None:
    taken = refused_by_both = 0
    for text in _messages(shared_data):
        fast = fast_keypoints(text, len(BLAZEPOSE_33_NAMES))
        full = _full(text)
        if fast is None:  # the full validation answers it (the same values or the same error)
            refused_by_both += full is None
            continue
        assert full is not None, f"fast path took a message the validation refuses: {text}"
        t, positions, confidence = full
        assert fast.t == t and type(fast.t) is type(t)
        assert np.array_equal(fast.positions, positions)
        assert np.array_equal(fast.confidence, confidence)
        assert fast.positions.dtype == positions.dtype == np.float64
        taken += 1
    assert taken > 193 * 4  # every clean frame, 2D and 3D, with and without the pose stats
    assert refused_by_both > 100  # and plenty of bad ones, left to the one-line errors


def test_fast_path_leaves_other_messages_and_bad_json_alone() -> None:
    others = [
        "",
        "[]",
        "nan",
        '{"type": "pain", "pain": 3}',
        '{"type": "keypoints"}',
        '{"type": "keypoints", "keypoints": [[1, 2, NaN]]}',
        '{"type": "keypoints"',
    ]
    for text in others:
        assert fast_keypoints(text, 33) is None
