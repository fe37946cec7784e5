"""The 33 BlazePose landmarks in our canonical, subject-side vocabulary, and the skeleton edges.

MediaPipe names landmarks from the subject's point of view on an unmirrored image, so its
``LEFT_SHOULDER`` is the subject's left shoulder; the canonical names are those names in lower
case. The order is MediaPipe's landmark index order.
"""

from __future__ import annotations

from spinecoach.sources.keypoints.names import BLAZEPOSE_NAMES

#: Canonical names in model order; defined once, beside the keypoint readers.
BLAZEPOSE_33_NAMES: tuple[str, ...] = BLAZEPOSE_NAMES

#: Skeleton edges drawn by overlays, as pairs of canonical names.
SKELETON_EDGES: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"),
    ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
    ("left_ear", "nose"),
    ("right_ear", "nose"),
)
