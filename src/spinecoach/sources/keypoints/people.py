"""Follow one person through per-frame detections of several people.

Pose estimators that do not track (AlphaPose without ``--pose_track``, MMPose/RTMPose
predictions, OpenPose) list every person found in each frame. Keeping the highest-scoring
one per frame swaps skeletons whenever a bystander scores higher for a few frames, and each
swap is a false repetition. :func:`follow_person` links detections into tracks by distance
from frame to frame and keeps the track with the largest summed score: the person who is
there, and clearly seen, for most of the recording.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.motion.types import FloatArray

#: A detection: keypoint positions (k, d), keypoint scores (k,), detection score.
Detection = tuple[FloatArray, FloatArray, float]

#: A detection joins a track when its keypoints lie, on average, within this fraction of
#: the track's skeleton size (bounding-box diagonal) of the track's last detection.
MAX_STEP_OF_SIZE = 0.5
#: A track not seen for this many frames is closed.
MAX_MISSING_FRAMES = 15


@dataclass
class _Track:
    last: FloatArray
    size: float
    last_frame: float
    detections: dict[float, Detection] = field(default_factory=dict)
    total: float = 0.0


def _size(points: FloatArray) -> float:
    finite = points[np.all(np.isfinite(points), axis=1)]
    if len(finite) < 2:
        return float("nan")
    return float(np.linalg.norm(finite.max(axis=0) - finite.min(axis=0)))


def _distance(a: FloatArray, b: FloatArray) -> float:
    both = np.all(np.isfinite(a), axis=1) & np.all(np.isfinite(b), axis=1)
    if not both.any():
        return float("inf")
    return float(np.mean(np.linalg.norm(a[both] - b[both], axis=1)))


def follow_person(
    frames: dict[float, list[Detection]],
) -> tuple[dict[float, Detection], str | None]:
    """One detection per frame: the person tracked through the most score.

    Parameters
    ----------
    frames : dict of float to list of Detection
        Every detection of every frame, keyed by frame number.

    Returns
    -------
    (dict, str or None)
        The followed person's detection per frame (frames where that person was not found
        are left out: missing, not filled with someone else), and a note for the user when
        several people were seen (None otherwise).
    """
    if all(len(d) <= 1 for d in frames.values()):
        return {f: d[0] for f, d in frames.items() if d}, None
    tracks: list[_Track] = []
    for frame in sorted(frames):
        claimed: set[int] = set()
        for det in sorted(frames[frame], key=lambda d: -d[2]):
            points = det[0]
            best, best_d = None, float("inf")
            for k, track in enumerate(tracks):
                if k in claimed or frame - track.last_frame > MAX_MISSING_FRAMES:
                    continue
                d = _distance(points, track.last)
                if d < best_d and d <= MAX_STEP_OF_SIZE * track.size:
                    best, best_d = k, d
            if best is None:
                size = _size(points)
                tracks.append(_Track(points, size if np.isfinite(size) else 0.0, frame))
                best = len(tracks) - 1
            track = tracks[best]
            claimed.add(best)
            track.detections[frame] = det
            track.total += max(float(det[2]), 0.0)
            track.last, track.last_frame = points, frame
            size = _size(points)
            if np.isfinite(size) and size > 0:
                track.size = size
    chosen = max(tracks, key=lambda t: (t.total, len(t.detections)))
    n_multi = sum(1 for d in frames.values() if len(d) > 1)
    n_other_best = sum(
        1
        for f, d in frames.items()
        if len(d) > 1
        and (f not in chosen.detections or max(x[2] for x in d) > chosen.detections[f][2])
    )
    note = _(
        "several people in {n} frames: followed the one seen most clearly throughout "
        "({missing} frames without that person; another person scored higher in {other})"
    ).format(
        n=n_multi,
        missing=sum(1 for f in frames if f not in chosen.detections),
        other=n_other_best,
    )
    return chosen.detections, note
