"""COCO-17 keypoint JSON: AlphaPose, MMPose and RTMPose output, and KERAAL's AlphaPose files.

Three layouts are recognised (``coco17_json``):

* **KERAAL AlphaPose**: ``{"positions": {"0": {"Nose": [x, y], "LEye": ..., "Rknee": ...}}}``
  with 0-based frame keys and joint names as in the KERAAL readme (case is ignored:
  KERAAL writes ``Rknee``). Coordinates in pixels of the 960 x 544 video; values that are all
  within 0..1.5 are taken as normalised and scaled by ``frame_size_px``.
* **AlphaPose** (``--format json``): a list of detections
  ``{"image_id": "12.jpg", "keypoints": [x0, y0, c0, ... x16, y16, c16], "score": s}``; the
  frame number is the digits of ``image_id``; with several people in a frame, one person
  is followed through the recording (tracked by distance; the track with the most summed
  score), not the highest score of each frame.
* **MMPose / RTMPose** predictions: ``{"instance_info": [{"frame_id": 1, "instances":
  [{"keypoints": [[x, y], ...], "keypoint_scores": [...]}]}]}`` (or the bare list of
  ``instance_info``); people are followed the same way (score: mean keypoint score).

Frame numbers become time at ``sample_rate_hz`` (a gap in them stays a gap). Names are the
subject's: COCO's left is the person's left.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidRecording
from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.sources.keypoints._base import (
    MAX_FRAME_GAP,
    MAX_FRAME_SPAN_FACTOR,
    KeypointReader,
    build_fixed_rate_series,
    frame_keys,
    joint_confidence,
    joint_xyz,
    read_json,
)
from spinecoach.sources.keypoints.people import follow_person

#: COCO-17 order with the AlphaPose / KERAAL file names.
COCO17: tuple[tuple[str, str], ...] = (
    ("Nose", "nose"),
    ("LEye", "left_eye"),
    ("REye", "right_eye"),
    ("LEar", "left_ear"),
    ("REar", "right_ear"),
    ("LShoulder", "left_shoulder"),
    ("RShoulder", "right_shoulder"),
    ("LElbow", "left_elbow"),
    ("RElbow", "right_elbow"),
    ("LWrist", "left_wrist"),
    ("RWrist", "right_wrist"),
    ("LHip", "left_hip"),
    ("RHip", "right_hip"),
    ("LKnee", "left_knee"),
    ("RKnee", "right_knee"),
    ("LAnkle", "left_ankle"),
    ("RAnkle", "right_ankle"),
)
NAMES = tuple(ours for _, ours in COCO17)
_COLUMN = {file_name.lower(): k for k, (file_name, _) in enumerate(COCO17)}
KERAAL_FRAME_SIZE_PX = (960, 544)


def _frame_number(path: Path, value: Any) -> float:
    if isinstance(value, bool):
        raise InvalidRecording(
            gettext("{path}: image_id {value} is not a frame number").format(
                path=path, value=repr(value)
            )
        )
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        digits = re.findall(r"\d+", Path(value).stem)
        if not digits:
            raise InvalidRecording(
                gettext("{path}: image_id {value} holds no frame number").format(
                    path=path, value=repr(value)
                )
            )
        number = float(digits[-1])
    else:
        raise InvalidRecording(
            gettext("{path}: image_id {value} is not a frame number").format(
                path=path, value=repr(value)
            )
        )
    if not (math.isfinite(number) and number >= 0 and number == round(number)):
        raise InvalidRecording(
            gettext("{path}: frame number {value} is not a whole number").format(
                path=path, value=repr(value)
            )
        )
    return number


def _flat_keypoints(path: Path, frame: float, value: Any) -> tuple[np.ndarray, np.ndarray]:
    """(17, 2) positions and (17,) scores from a flat or nested keypoint list."""
    if not isinstance(value, list):
        raise InvalidRecording(
            gettext("{path}: frame {frame:g}: 'keypoints' is not a list").format(
                path=path, frame=frame
            )
        )
    if len(value) == 51 and all(not isinstance(v, list) for v in value):
        triples = [value[3 * k : 3 * k + 3] for k in range(17)]
    elif len(value) == 17:
        triples = value
    else:
        raise InvalidRecording(
            gettext(
                "{path}: frame {frame:g}: 'keypoints' has {n_value} entries, not COCO-17"
            ).format(path=path, frame=frame, n_value=len(value))
        )
    positions = np.full((17, 2), np.nan)
    scores = np.ones(17)
    for k, triple in enumerate(triples):
        positions[k] = joint_xyz(path, frame, NAMES[k], triple, 2)
        if isinstance(triple, list) and len(triple) > 2:
            scores[k] = joint_confidence(path, frame, NAMES[k], triple[2])
    return positions, scores


def _detections(
    path: Path, raw: Any
) -> tuple[dict[float, tuple[np.ndarray, np.ndarray, float]], str | None]:
    """One person's detection per frame (positions, scores, detection score) and a note.

    With several people in a frame, the person followed through the recording is kept
    (:func:`~spinecoach.sources.keypoints.people.follow_person`), not the highest score.
    """
    every: dict[float, list[tuple[np.ndarray, np.ndarray, float]]] = {}

    def offer(frame: float, positions: np.ndarray, scores: np.ndarray, score: float) -> None:
        every.setdefault(frame, []).append((positions, scores, score))

    if isinstance(raw, dict):
        raw = raw.get("instance_info", raw)
    if not isinstance(raw, list):
        raise InvalidRecording(
            gettext("{path}: expected a list of detections or 'instance_info'").format(path=path)
        )
    for item in raw:
        if not isinstance(item, dict):
            raise InvalidRecording(
                gettext("{path}: a detection is not an object").format(path=path)
            )
        if "instances" in item:  # MMPose / RTMPose
            frame = _frame_number(path, item.get("frame_id", 0))
            instances = item["instances"]
            if not isinstance(instances, list):
                raise InvalidRecording(
                    gettext("{path}: frame {frame:g}: 'instances' is not a list").format(
                        path=path, frame=frame
                    )
                )
            for inst in instances:
                if not isinstance(inst, dict):
                    raise InvalidRecording(
                        gettext("{path}: frame {frame:g}: an instance is not an object").format(
                            path=path, frame=frame
                        )
                    )
                positions, scores = _flat_keypoints(path, frame, inst.get("keypoints"))
                given = inst.get("keypoint_scores")
                if given is not None:
                    if not isinstance(given, list) or len(given) != 17:
                        raise InvalidRecording(
                            gettext(
                                "{path}: frame {frame:g}: 'keypoint_scores' is not 17 numbers"
                            ).format(path=path, frame=frame)
                        )
                    scores = np.array(
                        [joint_confidence(path, frame, NAMES[k], v) for k, v in enumerate(given)]
                    )
                offer(frame, positions, scores, float(np.mean(scores)))
        else:  # AlphaPose
            frame = _frame_number(path, item.get("image_id"))
            positions, scores = _flat_keypoints(path, frame, item.get("keypoints"))
            score = item.get("score", float(np.mean(scores)))
            if isinstance(score, bool) or not isinstance(score, (int, float)):
                raise InvalidRecording(
                    gettext("{path}: frame {frame:g}: 'score' is not a number").format(
                        path=path, frame=frame
                    )
                )
            offer(frame, positions, scores, float(score))
    if not every:
        raise InvalidRecording(gettext("{path}: no detections").format(path=path))
    return follow_person(every)


def read_coco17_json(
    path: Path,
    *,
    sample_rate_hz: float = 30.0,
    frame_size_px: tuple[int, int] = KERAAL_FRAME_SIZE_PX,
) -> KeypointSeries:
    """Read AlphaPose, MMPose/RTMPose or KERAAL-AlphaPose COCO-17 JSON (module docstring).

    Parameters
    ----------
    path : Path
    sample_rate_hz : float
        Video frame rate (the files carry frame numbers, not times).
    frame_size_px : (int, int)
        Image size used when the coordinates are normalised (0..1).

    Returns
    -------
    KeypointSeries
        Image frame in pixels, positions shape ``(n_frames, 17, 2)``.
    """
    raw = read_json(path)
    if isinstance(raw, dict) and isinstance(raw.get("positions"), dict):
        keyed = frame_keys(path, raw)
        numbers = [key for key, _ in keyed]
        per_frame = {}
        for key, joints in keyed:
            positions = np.full((17, 2), np.nan)
            scores = np.zeros(17)
            for name, value in joints.items():
                col = _COLUMN.get(str(name).lower())
                if col is None:
                    raise InvalidRecording(
                        gettext("{path}: frame {key:g}: unknown joint '{name}'").format(
                            path=path, key=key, name=name
                        )
                    )
                positions[col] = joint_xyz(path, key, name, value, 2)
                scores[col] = joint_confidence(path, key, name, value[2]) if len(value) > 2 else 1.0
            per_frame[key] = (positions, scores, 1.0)
        layout = "keraal_alphapose"
        person_note = None
    else:
        per_frame, person_note = _detections(path, raw)
        numbers = sorted(per_frame)
        layout = "detections"
    first, last = numbers[0], numbers[-1]
    if last - first + 1 > MAX_FRAME_SPAN_FACTOR * len(numbers) + MAX_FRAME_GAP:
        raise InvalidRecording(
            gettext(
                "{path}: frame numbers {first:g}-{last:g} are too sparse for {n_numbers} frames"
            ).format(path=path, first=first, last=last, n_numbers=len(numbers))
        )
    n_frames = int(last - first) + 1
    positions = np.full((n_frames, 17, 2), np.nan)
    confidence = np.zeros((n_frames, 17))
    for number, (pos, scores, _) in per_frame.items():
        row = int(number - first)
        positions[row] = pos
        confidence[row] = scores
    width_px, height_px = (int(v) for v in frame_size_px)
    finite = positions[np.isfinite(positions)]
    normalised = finite.size > 0 and float(np.max(np.abs(finite))) <= 1.5
    if normalised:
        positions[:, :, 0] *= width_px
        positions[:, :, 1] *= height_px
    frame = CoordinateFrame(
        FrameKind.IMAGE, axes="x right, y down (pixels)", width_px=width_px, height_px=height_px
    )
    metadata: dict[str, object] = {
        "layout": layout,
        "first_frame": int(first),
        "coordinates": "normalised, scaled by frame size" if normalised else "pixels",
    }
    if person_note is not None:
        metadata["person_note"] = person_note
    return build_fixed_rate_series(
        path, sample_rate_hz, NAMES, positions, confidence, frame, "coco17", metadata
    )


def _sniff(path: Path, head: str) -> bool:
    if path.suffix.lower() != ".json":
        return False
    if '"positions"' in head:
        return '"LShoulder"' in head or '"LHip"' in head
    return '"keypoints"' in head and ('"image_id"' in head or '"instances"' in head)


READER = KeypointReader(
    name="coco17_json",
    description="COCO-17 JSON: AlphaPose, MMPose/RTMPose predictions, KERAAL AlphaPose files",
    extensions=(".json",),
    read=read_coco17_json,
    sniff=_sniff,
    options={
        "sample_rate_hz": "video frame rate, Hz (default 30)",
        "frame_size_px": "image (width, height) for normalised coordinates (default 960, 544)",
    },
)
