"""Several people in pose-estimator output: one person is followed, not swapped (issue 11).

The files are made here from the KERAAL side-bend recording (BlazePose, read with its
defaults, its 17 COCO joints in pixels) plus a second person standing still beside the
participant, in the AlphaPose, MMPose and OpenPose per-frame layouts. The bystander scores
higher in 8 of every 40 frames: keeping each frame's best score swapped skeletons and
counted 4 side bends instead of 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spinecoach.cli import main
from spinecoach.sources.keypoints import read_keypoints
from spinecoach.sources.keypoints.coco17 import COCO17
from spinecoach.sources.keypoints.names import OPENPOSE_COCO18

ELK = "keraal/G3-BP-ELK-P1T1-Unknown-C-0.json"


def _people(shared_data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Participant (n, 17, 2), bystander (n, 17, 2) in pixels, and the bystander's score."""
    series = read_keypoints(shared_data / ELK)
    idx = [series.names.index(ours) for _, ours in COCO17]
    person = series.positions[:, idx, :2]
    rng = np.random.default_rng(5)
    bystander = person[0] + np.array([330.0, 10.0]) + rng.normal(0, 2, (len(person), 17, 2))
    score = np.where(np.arange(len(person)) % 40 >= 32, 3.2, 2.5)  # participant: 2.9
    return person, bystander, score


def _flat(points: np.ndarray, c: float = 0.9) -> list[float]:
    return [v for x, y in points for v in (float(x), float(y), c)]


def _alphapose(path: Path, person, bystander, score) -> Path:  # type: ignore[no-untyped-def]
    items = []
    for i in range(len(person)):
        items.append({"image_id": f"{i}.jpg", "keypoints": _flat(person[i]), "score": 2.9})
        items.append({"image_id": f"{i}.jpg", "keypoints": _flat(bystander[i]), "score": score[i]})
    path.write_text(json.dumps(items))
    return path


def _mmpose(path: Path, person, bystander, score) -> Path:  # type: ignore[no-untyped-def]
    info = []
    for i in range(len(person)):
        info.append(
            {
                "frame_id": i,
                "instances": [
                    {"keypoints": person[i].tolist(), "keypoint_scores": [0.9] * 17},
                    {
                        "keypoints": bystander[i].tolist(),
                        "keypoint_scores": [0.9 * score[i] / 2.9] * 17,
                    },
                ],
            }
        )
    path.write_text(json.dumps({"instance_info": info}))
    return path


def _openpose(path: Path, person, bystander, score) -> Path:  # type: ignore[no-untyped-def]
    path.mkdir()
    coco = dict(COCO17)
    order = {ours: k for k, (_, ours) in enumerate(COCO17)}
    for i in range(len(person)):
        people = []
        for points, c in ((person[i], 0.9), (bystander[i], 0.9 * score[i] / 2.9)):
            flat: list[float] = []
            for _, ours in OPENPOSE_COCO18:
                if ours in order:
                    x, y = points[order[ours]]
                    flat += [float(x), float(y), c]
                else:  # the neck: between the shoulders
                    x, y = 0.5 * (points[5] + points[6])
                    flat += [float(x), float(y), c]
            people.append({"pose_keypoints_2d": flat})
        (path / f"clip_{i:012d}_keypoints.json").write_text(json.dumps({"people": people}))
    assert coco  # the layout names come from COCO17
    return path


@pytest.mark.parametrize(
    "write", [_alphapose, _mmpose, _openpose], ids=["alphapose", "mmpose", "openpose"]
)
def test_bystander_scoring_higher_is_not_swapped_in(
    shared_data: Path,
    tmp_path: Path,
    capsys,
    write,  # type: ignore[no-untyped-def]
) -> None:
    person, bystander, score = _people(shared_data)
    path = write(
        tmp_path / ("clip" if write is _openpose else "clip.json"), person, bystander, score
    )
    code = main(["analyze", str(path), "--exercise", "seated_side_bend", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["side"] for r in out["repetitions"]] == ["left", "right"]  # was 4 bends
    assert any(n.startswith("several people in 193 frames") for n in out["notes"])
    series = read_keypoints(path)
    k = series.names.index("left_shoulder")
    np.testing.assert_allclose(series.positions[:, k, :2], person[:, 5], atol=1e-6)


def test_one_person_per_frame_has_no_note(shared_data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    person, _, _ = _people(shared_data)
    items = [
        {"image_id": f"{i}.jpg", "keypoints": _flat(p), "score": 2.9} for i, p in enumerate(person)
    ]
    path = tmp_path / "one.json"
    path.write_text(json.dumps(items))
    assert main(["analyze", str(path), "--exercise", "seated_side_bend", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["repetitions"]) == 2
    assert not any("several people" in n for n in out["notes"])
