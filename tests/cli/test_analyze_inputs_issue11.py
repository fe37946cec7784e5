"""``analyze`` flags from issue 11: --format decides the reader, unknown formats list the known
ones, keypoint reader options reach the reader, --data-dir is accepted everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinecoach.cli import main
from spinecoach.sources.imu import write_generic_csv
from spinecoach.sources.imu.simulate import simulate


def test_unknown_format_lists_known_ones(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    assert main(["analyze", str(path), "--format", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --format 'nope' is not a known format (known: ")
    assert "blazepose_json" in err and "fusion_csv" in err and "\n" not in err


def test_format_is_honoured_when_the_source_is_detected(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sim = simulate("standing_flexion", n_reps=2, seed=3)
    path = tmp_path / "rec.txt"  # not sniffed as an IMU file by its name
    write_generic_csv(sim.recording, path)
    assert main(["analyze", str(path), "--format", "generic", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == "imu/generic"
    # a keypoint format on this file: the keypoint reader says what is wrong, in one line
    assert main(["analyze", str(path), "--format", "kinect_txt"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_reader_options_reach_the_reader(shared_data: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = shared_data / "keraal" / "G3-BP-ELK-P1T1-Unknown-C-0.json"
    outs = []
    for flags in ([], ["--not-mirrored", "--labels-as-is"]):
        assert main(["analyze", str(path), "--json", "--exercise", "seated_side_bend", *flags]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    left = [r["side"] for r in outs[0]["repetitions"]]
    right = [r["side"] for r in outs[1]["repetitions"]]
    assert left and len(left) == len(right)
    assert main(["analyze", str(path), "--dropped-frames", "1,x"]) == 2
    assert "--dropped-frames must be frame numbers" in capsys.readouterr().err
    kinect = shared_data / "keraal" / "G3-Kinect-ELK-P1T1-Unknown-C-0.txt"
    assert main(["analyze", str(kinect), "--mirrored"]) == 2
    assert "--mirrored does not apply to format 'kinect_txt'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["exercises", "list"],
        ["exercises", "show", "cat_cow"],
        ["imu", "formats"],
        ["config", "show"],
    ],
)
def test_data_dir_is_accepted(tmp_path: Path, capsys, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert main([*command, "--data-dir", str(tmp_path)]) == 0


def test_data_dir_on_analyze_and_simulate(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "sim.csv"
    assert main(["imu", "simulate", "cat_cow", "--out", str(out), "--data-dir", str(tmp_path)]) == 0
    args = ["analyze", str(out), "--exercise", "cat_cow", "--data-dir", str(tmp_path), "--json"]
    capsys.readouterr()
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["exercise"] == "cat_cow"
