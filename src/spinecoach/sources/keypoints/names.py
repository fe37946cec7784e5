"""Keypoint vocabularies of the supported systems, mapped to our canonical names.

Canonical names are always from the *subject's* point of view (``left_shoulder`` is the
subject's left shoulder, wherever it appears in the image). Points that a measure can derive
(``mid_hip``, ``mid_shoulder``, ``mid_ear``) are computed by :mod:`spinecoach.motion.measures`
when a source does not provide them.
"""

from __future__ import annotations

#: BlazePose / MediaPipe Pose 33 landmarks in model order, with our names.
BLAZEPOSE_33: tuple[tuple[str, str], ...] = (
    ("Nose", "nose"),
    ("Left_eye_inner", "left_eye_inner"),
    ("Left_eye", "left_eye"),
    ("Left_eye_outer", "left_eye_outer"),
    ("Right_eye_inner", "right_eye_inner"),
    ("Right_eye", "right_eye"),
    ("Right_eye_outer", "right_eye_outer"),
    ("Left_ear", "left_ear"),
    ("Right_ear", "right_ear"),
    ("Mouth_left", "mouth_left"),
    ("Mouth_right", "mouth_right"),
    ("Left_shoulder", "left_shoulder"),
    ("Right_shoulder", "right_shoulder"),
    ("Left_elbow", "left_elbow"),
    ("Right_elbow", "right_elbow"),
    ("Left_wrist", "left_wrist"),
    ("Right_wrist", "right_wrist"),
    ("Left_pinky", "left_pinky"),
    ("Right_pinky", "right_pinky"),
    ("Left_index", "left_index"),
    ("Right_index", "right_index"),
    ("Left_thumb", "left_thumb"),
    ("Right_thumb", "right_thumb"),
    ("Left_hip", "left_hip"),
    ("Right_hip", "right_hip"),
    ("Left_knee", "left_knee"),
    ("Right_knee", "right_knee"),
    ("Left_ankle", "left_ankle"),
    ("Right_ankle", "right_ankle"),
    ("Left_heel", "left_heel"),
    ("Right_heel", "right_heel"),
    ("Left_foot_index", "left_foot_index"),
    ("Right_foot_index", "right_foot_index"),
)

#: Canonical BlazePose names in model order (what the camera pipeline should emit).
BLAZEPOSE_NAMES: tuple[str, ...] = tuple(ours for _, ours in BLAZEPOSE_33)

#: OpenPose COCO-18 joints as named in KERAAL files, with our names.
OPENPOSE_COCO18: tuple[tuple[str, str], ...] = (
    ("Nose", "nose"),
    ("Neck", "neck"),
    ("rShoulder", "right_shoulder"),
    ("rElbow", "right_elbow"),
    ("rWrist", "right_wrist"),
    ("lShoulder", "left_shoulder"),
    ("lElbow", "left_elbow"),
    ("lWrist", "left_wrist"),
    ("rHip", "right_hip"),
    ("rKnee", "right_knee"),
    ("rAnkle", "right_ankle"),
    ("lHip", "left_hip"),
    ("lKnee", "left_knee"),
    ("lAnkle", "left_ankle"),
    ("rEye", "right_eye"),
    ("lEye", "left_eye"),
    ("rEar", "right_ear"),
    ("lEar", "left_ear"),
)

#: Kinect v2 25 joints in file order, with our names.
KINECT_V2_25: tuple[tuple[str, str], ...] = (
    ("SpineBase", "spine_base"),
    ("SpineMid", "spine_mid"),
    ("Neck", "neck"),
    ("Head", "head"),
    ("ShoulderLeft", "left_shoulder"),
    ("ElbowLeft", "left_elbow"),
    ("WristLeft", "left_wrist"),
    ("HandLeft", "left_hand"),
    ("ShoulderRight", "right_shoulder"),
    ("ElbowRight", "right_elbow"),
    ("WristRight", "right_wrist"),
    ("HandRight", "right_hand"),
    ("HipLeft", "left_hip"),
    ("KneeLeft", "left_knee"),
    ("AnkleLeft", "left_ankle"),
    ("FootLeft", "left_foot"),
    ("HipRight", "right_hip"),
    ("KneeRight", "right_knee"),
    ("AnkleRight", "right_ankle"),
    ("FootRight", "right_foot"),
    ("SpineShoulder", "spine_shoulder"),
    ("HandTipLeft", "left_hand_tip"),
    ("ThumbLeft", "left_thumb"),
    ("HandTipRight", "right_hand_tip"),
    ("ThumbRight", "right_thumb"),
)

#: KERAAL Vicon (ART) 17 rigid targets in file order, with our names. ``chest`` and
#: ``pelvis`` are the thorax and pelvis targets the trunk measures prefer when present.
VICON_KERAAL_17: tuple[tuple[str, str], ...] = (
    ("Right Forearm", "right_forearm"),
    ("Left Forearm", "left_forearm"),
    ("Right Arm", "right_upper_arm"),
    ("Left Arm", "left_upper_arm"),
    ("Chest", "chest"),
    ("Right Thigh", "right_thigh"),
    ("Left Thigh", "left_thigh"),
    ("Right Shoulder", "right_shoulder"),
    ("Left Shoulder", "left_shoulder"),
    ("Right Hand", "right_hand"),
    ("Left Hand", "left_hand"),
    ("Right Foot", "right_foot"),
    ("Left Foot", "left_foot"),
    ("Hips", "pelvis"),
    ("Head", "head"),
    ("Right Tibia", "right_tibia"),
    ("Left Tibia", "left_tibia"),
)


def swap_side(name: str) -> str:
    """Return ``name`` with its ``left``/``right`` part exchanged (``nose`` unchanged)."""
    if name.startswith("left_"):
        return "right_" + name[len("left_") :]
    if name.startswith("right_"):
        return "left_" + name[len("right_") :]
    if name.endswith("_left"):
        return name[: -len("_left")] + "_right"
    if name.endswith("_right"):
        return name[: -len("_right")] + "_left"
    return name


#: OpenPose BODY_25 keypoints in output order, with our names.
OPENPOSE_BODY25: tuple[tuple[str, str], ...] = (
    ("Nose", "nose"),
    ("Neck", "neck"),
    ("RShoulder", "right_shoulder"),
    ("RElbow", "right_elbow"),
    ("RWrist", "right_wrist"),
    ("LShoulder", "left_shoulder"),
    ("LElbow", "left_elbow"),
    ("LWrist", "left_wrist"),
    ("MidHip", "mid_hip"),
    ("RHip", "right_hip"),
    ("RKnee", "right_knee"),
    ("RAnkle", "right_ankle"),
    ("LHip", "left_hip"),
    ("LKnee", "left_knee"),
    ("LAnkle", "left_ankle"),
    ("REye", "right_eye"),
    ("LEye", "left_eye"),
    ("REar", "right_ear"),
    ("LEar", "left_ear"),
    ("LBigToe", "left_big_toe"),
    ("LSmallToe", "left_small_toe"),
    ("LHeel", "left_heel"),
    ("RBigToe", "right_big_toe"),
    ("RSmallToe", "right_small_toe"),
    ("RHeel", "right_heel"),
)
