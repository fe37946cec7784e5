"""A file whose header states a sample rate its time stamps do not keep (more than 5 % off)
gets a note naming the file; a stated rate that is not a number is refused (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinecoach.cli import main
from spinecoach.sources.imu import write_generic_csv
from spinecoach.sources.imu.simulate import simulate
from spinecoach.sources.keypoints import read_keypoints, write_keypoints_csv


def imu_file(tmp_path: Path, stated: str) -> Path:
    sim = simulate("standing_flexion", n_reps=2, seed=3)  # 100 samples/s
    path = tmp_path / "rec.csv"
    write_generic_csv(sim.recording, path, comments={"sample_rate_hz": stated})
    return path


def keypoint_file(tmp_path: Path, shared_data: Path, stated: str) -> Path:
    series = read_keypoints(shared_data / "keraal" / "G3-OP-ELK-P1T1-Unknown-C-0.json")  # 30/s
    path = write_keypoints_csv(series, tmp_path / "kp.csv")
    lines = path.read_text().splitlines()
    lines.insert(1, f"# sample_rate_hz: {stated}")
    path.write_text("\n".join(lines) + "\n")
    return path


def notes(capsys) -> list[str]:  # type: ignore[no-untyped-def]
    return list(json.loads(capsys.readouterr().out)["notes"])


@pytest.mark.parametrize(("stated", "noted"), [("100", False), ("103", False), ("50", True)])
def test_imu_stated_rate(tmp_path: Path, capsys, stated: str, noted: bool) -> None:  # type: ignore[no-untyped-def]
    path = imu_file(tmp_path, stated)
    assert main(["analyze", str(path), "--json"]) == 0
    found = [n for n in notes(capsys) if "the header states" in n]
    assert bool(found) == noted
    if noted:
        assert f"{path}: the header states" in found[0]
        assert "50 samples/s but the time stamps give 100 (100% off)" in found[0]


@pytest.mark.parametrize(("stated", "noted"), [("30", False), ("60", True), ("25 Hz", True)])
def test_keypoint_stated_rate(
    tmp_path: Path, shared_data: Path, capsys, stated: str, noted: bool
) -> None:  # type: ignore[no-untyped-def]
    path = keypoint_file(tmp_path, shared_data, stated)
    assert main(["analyze", str(path), "--json"]) == 0
    found = [n for n in notes(capsys) if "the header states" in n]
    assert bool(found) == noted
    if noted:
        assert found[0].startswith(str(path)) and "the time stamps give 30" in found[0]


@pytest.mark.parametrize("kind", ["imu", "keypoints"])
def test_a_stated_rate_that_is_not_a_number_is_refused(
    tmp_path: Path, shared_data: Path, capsys, kind: str
) -> None:  # type: ignore[no-untyped-def]
    path = (
        imu_file(tmp_path, "fast") if kind == "imu" else keypoint_file(tmp_path, shared_data, "-5")
    )
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: '# sample_rate_hz:") and err.count("\n") == 1
