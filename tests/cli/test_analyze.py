"""``spinecoach analyze``: JSON contract, angles CSV, keypoint export and one-line errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from spinecoach.cli import main
from spinecoach.motion.measures import MEASURES
from spinecoach.sources.keypoints import read_keypoints

BP_ELK = "keraal/G3-BP-ELK-P1T1-Unknown-C-0.json"
CONTRACT_KEYS = {
    "exercise",
    "duration_s",
    "repetitions",
    "holds",
    "symmetry",
    "tracking",
    "form_flags",
}


def run(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_with_exercise(capsys, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        capsys, "analyze", str(shared_data / BP_ELK), "--exercise", "seated_side_bend", "--json"
    )
    assert code == 0
    payload = json.loads(out)
    assert CONTRACT_KEYS <= set(payload)
    assert payload["exercise"] == "seated_side_bend"
    assert [r["side"] for r in payload["repetitions"]] == ["left", "right"]
    assert payload["source"] == "keypoints/blazepose_json"
    assert payload["tracking"]["valid_fraction"] == 1.0


def test_without_exercise_reports_measures_only(capsys, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "analyze", str(shared_data / BP_ELK), "--json")
    payload = json.loads(out)
    assert code == 0 and CONTRACT_KEYS <= set(payload)
    assert payload["exercise"] is None and payload["repetitions"] == []
    assert payload["tracking"] == {"n_frames": 193, "n_valid_frames": 193, "valid_fraction": 1.0}
    assert "trunk_lateral_flexion_deg" in payload["measures"]
    assert "side view" in payload["unmeasurable"]["trunk_flexion_deg"]
    code, out, _ = run(capsys, "analyze", str(shared_data / BP_ELK))
    assert code == 0 and "trunk_lat" in out and "no --exercise" in out


def test_rich_summary_with_exercise(capsys, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        capsys,
        "analyze",
        str(shared_data / "keraal/G3-Vicon-ELK-P1T1-Unknown-C-0.txt"),
        "--exercise",
        "seated_side_bend",
    )
    assert code == 0
    assert "Repetitions (2, confidence high)" in out and "Holds (2)" in out


def test_angles_csv_and_keypoints_out(capsys, shared_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    angles = tmp_path / "angles.csv"
    export = tmp_path / "kp.csv"
    code, _, err = run(
        capsys,
        "analyze",
        str(shared_data / "keraal/G3-Kinect-ELK-P1T1-Unknown-C-0.txt"),
        "--angles-csv",
        str(angles),
        "--keypoints-out",
        str(export),
        "--fps",
        "30",
    )
    assert code == 0, err
    with angles.open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["time_s", *MEASURES]  # every keypoint measure, exact names
    assert len(rows) == 1 + 193
    assert float(rows[2][0]) == pytest.approx(1 / 30, abs=1e-4)
    series = read_keypoints(export)
    assert series.n_frames == 193 and series.source == "kinect"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["keraal/LICENSE"], "not a recognised"),
        (["keraal/nope.json"], "not found"),
        ([BP_ELK, "--exercise", "nope"], "Unknown exercise"),
        ([BP_ELK, "--format", "mystery"], "is not a known format (known: blazepose_json"),
        ([BP_ELK, "--source", "radar"], "--source"),
        ([BP_ELK, "--out-video", "x.mp4"], "video input"),
        ([BP_ELK, "--placement", "sacrum"], "IMU"),
        (["keraal/G3-Vicon-ELK-P1T1-Unknown-C-0.txt", "--format", "kinect_txt"], "175"),
    ],
)
def test_bad_inputs_one_line_exit_2(capsys, shared_data: Path, args, message) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "analyze", str(shared_data / args[0]), *args[1:])
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) <= 2  # one line (Rich may wrap a long path)


def test_corrupted_json_names_the_file(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "broken.json"
    bad.write_text('{"positions": {"1.0": {"Left_shoulder": [0.5, ')
    code, _, err = run(capsys, "analyze", str(bad), "--format", "blazepose_json")
    assert code == 2 and "broken.json" in err and "not valid JSON" in err
