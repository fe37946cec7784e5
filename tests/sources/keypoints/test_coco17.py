"""COCO-17 JSON (AlphaPose, MMPose/RTMPose, KERAAL AlphaPose) is read (issue 11).

The files are made here from the KERAAL OpenPose recording of the same movement (COCO-18
minus the neck, renamed), in each tool's layout, so every layout must give the OpenPose
file's angles and repetitions.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spinecoach.content import load_library
from spinecoach.motion.analysis import analyze
from spinecoach.motion.measures import compute_measures
from spinecoach.sources.keypoints import detect_format, read_keypoints
from spinecoach.sources.keypoints.coco17 import COCO17

OPENPOSE_NAME = {
    "Nose": "Nose", "LEye": "lEye", "REye": "rEye", "LEar": "lEar", "REar": "rEar",
    "LShoulder": "lShoulder", "RShoulder": "rShoulder", "LElbow": "lElbow", "RElbow": "rElbow",
    "LWrist": "lWrist", "RWrist": "rWrist", "LHip": "lHip", "RHip": "rHip", "LKnee": "lKnee",
    "RKnee": "rKnee", "LAnkle": "lAnkle", "RAnkle": "rAnkle",
}  # fmt: skip


@pytest.fixture(scope="module")
def openpose(shared_data: Path) -> dict:  # type: ignore[type-arg]
    path = shared_data / "keraal" / "G3-OP-ELK-P1T1-Unknown-C-0.json"
    return json.loads(path.read_text())["positions"]  # type: ignore[no-any-return]


def keraal_alphapose(openpose: dict) -> dict:  # type: ignore[type-arg]
    out = {}
    for k, (_, joints) in enumerate(sorted(openpose.items(), key=lambda kv: float(kv[0]))):
        frame = {}
        for ours, theirs in OPENPOSE_NAME.items():
            if theirs in joints:
                x, y = joints[theirs][:2]
                name = "Rknee" if ours == "RKnee" else ours  # as KERAAL spells it
                frame[name] = [x * 960, y * 544]
        out[str(k)] = frame
    return {"positions": out}


def detections(openpose: dict, style: str) -> object:  # type: ignore[type-arg]
    items = []
    for k, (_, joints) in enumerate(sorted(openpose.items(), key=lambda kv: float(kv[0]))):
        if not joints:
            continue
        triples = []
        for ours, _ in COCO17:
            value = joints.get(OPENPOSE_NAME[ours])
            triples.append([value[0] * 960, value[1] * 544, 0.9] if value else [0.0, 0.0, 0.0])
        if style == "alphapose":
            flat = [v for t in triples for v in t]
            items.append(
                {"image_id": f"{k}.jpg", "category_id": 1, "keypoints": flat, "score": 2.5}
            )
            ghost = [v * 0.5 for v in flat]
            items.append({"image_id": f"{k}.jpg", "keypoints": ghost, "score": 0.4})
        else:
            items.append(
                {
                    "frame_id": k + 1,
                    "instances": [
                        {
                            "keypoints": [t[:2] for t in triples],
                            "keypoint_scores": [t[2] for t in triples],
                        }
                    ],
                }
            )
    return items if style == "alphapose" else {"meta_info": {}, "instance_info": items}


@pytest.mark.parametrize("style", ["keraal", "alphapose", "mmpose"])
def test_layouts_read_like_the_openpose_file(
    shared_data: Path, tmp_path: Path, openpose, style: str
) -> None:  # type: ignore[no-untyped-def]
    data = keraal_alphapose(openpose) if style == "keraal" else detections(openpose, style)
    path = tmp_path / f"{style}.json"
    path.write_text(json.dumps(data))
    assert detect_format(path) == "coco17_json"
    series = read_keypoints(path)
    reference = read_keypoints(shared_data / "keraal" / "G3-OP-ELK-P1T1-Unknown-C-0.json")
    assert series.frame.width_px == 960 and series.names[5] == "left_shoulder"
    ours = compute_measures(series).values["trunk_lateral_flexion_deg"]
    theirs = compute_measures(reference).values["trunk_lateral_flexion_deg"]
    n = min(ours.size, theirs.size)
    both = np.isfinite(ours[:n]) & np.isfinite(theirs[:n])
    assert both.mean() > 0.8
    np.testing.assert_allclose(ours[:n][both], theirs[:n][both], atol=0.5)
    exercise = load_library().get("seated_side_bend")
    assert len(analyze(series, exercise).repetitions) == len(
        analyze(reference, exercise).repetitions
    )
