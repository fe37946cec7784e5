"""World-frame keypoint CSVs with y up (motion capture, OpenSim's convention) (issue 11).

Made here from the KERAAL Vicon side-bend recording (x forward, y left, z up), written
through our CSV export and turned into x right, y up, z backward. The axes statement was
matched in lower case only and a missing one meant z up: "X right, Y up" or "Y-up" files
read the side bends as a constant 98 deg, set aside as "tracking glitches" (0 counted).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spinecoach.cli import main
from spinecoach.sources.keypoints import read_keypoints
from spinecoach.sources.keypoints.csv_format import write_keypoints_csv

VICON = "keraal/G3-Vicon-ELK-P1T1-Unknown-C-0.txt"


def _y_up(shared_data: Path, tmp_path: Path, axes: str | None) -> Path:
    series = read_keypoints(shared_data / VICON)
    path = write_keypoints_csv(series, tmp_path / "zup.csv")
    lines = path.read_text().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("time_s"))
    columns = lines[header].split(",")
    rows = np.array(
        [[float(v) if v else np.nan for v in line.split(",")] for line in lines[header + 1 :]]
    )
    out = rows.copy()
    for j, name in enumerate(columns):
        if name.endswith("_x"):  # (forward, left, up) -> (right, up, backward)
            out[:, j], out[:, j + 1], out[:, j + 2] = -rows[:, j + 1], rows[:, j + 2], -rows[:, j]
    head = ["# spinecoach keypoints v1", "# frame: world"] + ([f"# axes: {axes}"] if axes else [])
    body = [",".join(repr(float(v)) for v in row) for row in out]
    target = tmp_path / "yup.csv"
    target.write_text("\n".join([*head, lines[header], *body]) + "\n")
    return target


@pytest.mark.parametrize("axes", ["x right, y up, z backward", "X right, Y up, Z backward", "Y-up"])
def test_y_up_files_measure_the_side_bends(
    shared_data: Path, tmp_path: Path, capsys, axes: str
) -> None:  # type: ignore[no-untyped-def]
    path = _y_up(shared_data, tmp_path, axes)
    assert main(["analyze", str(path), "--exercise", "seated_side_bend", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["side"] for r in out["repetitions"]] == ["left", "right"]  # was none
    assert 20 <= abs(out["repetitions"][0]["peak_deg"]) <= 35


def test_world_file_without_up_along_the_trunk_is_refused(
    shared_data: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    path = _y_up(shared_data, tmp_path, None)
    assert main(["analyze", str(path), "--exercise", "seated_side_bend"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(f"error: {path}: field '# axes'") and "y up" in line


def test_z_up_assumed_with_a_note(shared_data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    series = read_keypoints(shared_data / VICON)
    path = write_keypoints_csv(series, tmp_path / "zup.csv")
    path.write_text(
        "\n".join(ln for ln in path.read_text().splitlines() if not ln.startswith("# axes")) + "\n"
    )
    assert main(["analyze", str(path), "--exercise", "seated_side_bend", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["repetitions"]) == 2
    assert any("z up assumed" in n for n in out["notes"])
