"""OpenPose's own output: one ``*_keypoints.json`` per video frame (a folder, or one file).

Each file is ``{"people": [{"pose_keypoints_2d": [x0, y0, c0, x1, ...]}, ...]}`` in pixels.
The layout is recognised by length: 54 numbers = COCO-18, 75 = BODY_25. A point with
confidence 0 is missing. Files are ordered by name (OpenPose numbers them
``<video>_000000000000_keypoints.json``); a frame with nobody is a missing frame.

Options: ``sample_rate_hz=30.0`` (no time stamps); ``person="most_confident"`` follows one
person through the frames (OpenPose does not track identities: detections are linked by
distance and the track with the highest summed keypoint confidence is kept, so a bystander
scoring higher in a few frames is not swapped in), or an integer index into ``people``;
``frame_size_px=None`` (pixels are kept; give the video size to record it in the
coordinate frame).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidRecording
from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.sources.keypoints._base import (
    KeypointReader,
    build_fixed_rate_series,
    read_json,
)
from spinecoach.sources.keypoints.names import OPENPOSE_BODY25, OPENPOSE_COCO18
from spinecoach.sources.keypoints.people import follow_person

LAYOUTS = {54: OPENPOSE_COCO18, 75: OPENPOSE_BODY25}


def _frame_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(path.glob("*_keypoints.json")) or sorted(path.glob("*.json"))
        if not files:
            raise InvalidRecording(
                gettext("{path}: folder holds no OpenPose *_keypoints.json files").format(path=path)
            )
        return files
    return [path]


def _people(path: Path, raw: Any) -> list[list[float]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("people"), list):
        raise InvalidRecording(
            gettext("{path}: expected an OpenPose object with a 'people' list").format(path=path)
        )
    candidates: list[list[float]] = []
    for entry in raw["people"]:
        points = entry.get("pose_keypoints_2d") if isinstance(entry, dict) else None
        if not isinstance(points, list) or len(points) not in LAYOUTS:
            raise InvalidRecording(
                gettext(
                    "{path}: 'pose_keypoints_2d' must hold 54 (COCO-18) or 75 (BODY_25) numbers"
                ).format(path=path)
            )
        try:
            candidates.append([float(v) for v in points])
        except (TypeError, ValueError):
            raise InvalidRecording(
                gettext("{path}: 'pose_keypoints_2d' holds non-numbers").format(path=path)
            ) from None
    return candidates


def _triples(points: list[float]) -> tuple[np.ndarray, np.ndarray, float]:
    triples = np.asarray(points).reshape(-1, 3)
    positions = np.where(triples[:, 2:3] > 0, triples[:, :2], np.nan)
    return positions, triples[:, 2], float(np.sum(triples[:, 2]))


def read_openpose_frames(
    path: Path,
    *,
    sample_rate_hz: float = 30.0,
    person: str | int = "most_confident",
    frame_size_px: tuple[int, int] | None = None,
) -> KeypointSeries:
    """Read OpenPose per-frame JSON output (a folder of frames, or a single frame file).

    Returns
    -------
    KeypointSeries
        Image frame in pixels, positions shape ``(n_frames, 18 or 25, 2)``.
    """
    if person != "most_confident" and not isinstance(person, int):
        raise InvalidRecording(
            gettext("{path}: person must be 'most_confident' or an index").format(path=path)
        )
    files = _frame_files(path)
    people = [_people(f, read_json(f)) for f in files]
    lengths = {len(p) for frame in people for p in frame}
    if len(lengths) > 1:
        raise InvalidRecording(
            gettext("{path}: frames mix COCO-18 and BODY_25 layouts").format(path=path)
        )
    layout = LAYOUTS[lengths.pop()] if lengths else OPENPOSE_COCO18
    names = tuple(ours for _, ours in layout)
    person_note = None
    if isinstance(person, int):
        chosen = {
            float(row): _triples(frame[person])
            for row, frame in enumerate(people)
            if person < len(frame)
        }
    else:  # follow one person through the frames (OpenPose does not track)
        chosen, person_note = follow_person(
            {float(row): [_triples(p) for p in frame] for row, frame in enumerate(people)}
        )
    positions = np.full((len(files), len(names), 2), np.nan)
    confidence = np.zeros((len(files), len(names)))
    for row, (pos, conf, _) in chosen.items():
        positions[int(row)] = pos
        confidence[int(row)] = conf
    width, height = frame_size_px if frame_size_px is not None else (None, None)
    frame = CoordinateFrame(
        FrameKind.IMAGE, axes="x right, y down (pixels)", width_px=width, height_px=height
    )
    metadata: dict[str, object] = {
        "layout": "BODY_25" if layout is OPENPOSE_BODY25 else "COCO-18",
        "n_empty_frames": len(files) - len(chosen),
    }
    if person_note is not None:
        metadata["person_note"] = person_note
    return build_fixed_rate_series(
        path, sample_rate_hz, names, positions, confidence, frame, "openpose", metadata
    )


def _sniff(path: Path, head: str) -> bool:
    if path.is_dir():
        return any(path.glob("*_keypoints.json"))
    return path.suffix.lower() == ".json" and '"people"' in head


READER = KeypointReader(
    name="openpose_frames",
    description="OpenPose output: per-frame *_keypoints.json (folder or file), COCO-18/BODY_25",
    extensions=(".json",),
    read=read_openpose_frames,
    sniff=_sniff,
    options={
        "sample_rate_hz": "video frame rate, Hz (default 30)",
        "person": "'most_confident' (default) or an index into 'people'",
        "frame_size_px": "video (width, height) to record in the frame (default none)",
    },
)
