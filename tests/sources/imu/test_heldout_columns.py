"""Back-IMU files the project had not seen (issue 11), made by an independent simulator.

``_body_imu`` turns known body rotations into gyroscope and accelerometer samples without
the project's own simulator, so a sign error shared by the simulator and the pipeline
cannot hide. The seated held-out trials used three back sensors at 50 Hz.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _body_imu import movement, segment, sensor, write_csv
from scipy.spatial.transform import Rotation

from spinecoach.cli import main


def _run(capsys, path: Path, exercise: str) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def, type-arg]
    code = main(["analyze", str(path), "--exercise", exercise, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else {}), captured.err


def _twist_sensors(names: tuple[str, str, str]) -> tuple[np.ndarray, dict]:  # type: ignore[type-arg]
    t, angle = movement("twist", 40.0, 6)  # first twist to the subject's LEFT
    shares = (1.0, 0.5, 0.1)  # T12/L1, mid-lumbar, sacrum turn less and less
    return t, {
        n: sensor(segment("twist", s * angle), t) for n, s in zip(names, shares, strict=True)
    }


def test_third_back_sensor_is_set_aside_with_a_note(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    t, sensors = _twist_sensors(("upper", "middle", "lower"))
    code, out, err = _run(
        capsys, write_csv(tmp_path / "three.csv", t, sensors), "seated_spinal_twist"
    )
    assert code == 0, err  # was: error: unknown placement 'middle'
    reps = out["repetitions"]
    assert [r["side"] for r in reps] == ["left", "right"] * 3
    assert all(33 <= abs(r["peak_deg"]) <= 39 for r in reps)  # 0.9 x 40 deg between sensors
    assert reps[0]["peak_deg"] < 0  # a left turn is negative (docs/imu.md)
    assert any("'middle' not used" in n for n in out["notes"])


def test_sensor_prefixes_that_are_not_placements_are_named(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    t, sensors = _twist_sensors(("t1", "t12", "s2"))
    code, _, err = _run(
        capsys, write_csv(tmp_path / "levels.csv", t, sensors), "seated_spinal_twist"
    )
    assert code == 2
    line = err.strip().splitlines()[-1]
    # was: "no channel columns such as accel_x_g" (with --format) or "not recognised"
    assert "'s2', 't1', 't12' are not placements" in line and "levels.csv" in line


def test_gyro_columns_in_another_unit_are_refused_not_ignored(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    t, sensors = _twist_sensors(("upper", "middle", "lower"))
    path = write_csv(tmp_path / "rads.csv", t, {k: sensors[k] for k in ("upper", "lower")})
    path.write_text(path.read_text().replace("_dps", "_rads", 3))
    code, _, err = _run(capsys, path, "seated_spinal_twist")
    assert code == 2  # was: gyroscope silently dropped, accelerometer-only orientation
    assert "column upper_gyro_x_rads: gyro must be in dps" in err


def test_capitalised_column_names_are_read(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    t, sensors = _twist_sensors(("upper", "middle", "lower"))
    path = write_csv(tmp_path / "caps.csv", t, {k: sensors[k] for k in ("upper", "lower")})
    head, rest = path.read_text().split("\n", 1)
    path.write_text(head.replace("time_s", "Time_s").replace("upper_", "Upper_") + "\n" + rest)
    code, out, err = _run(capsys, path, "seated_spinal_twist")
    assert code == 0, err  # was: not a recognised video, keypoint or IMU file
    assert len(out["repetitions"]) == 6


@pytest.mark.parametrize(
    ("kind", "exercise", "first_side", "first_sign"),
    [
        ("twist", "seated_spinal_twist", "left", -1.0),  # +rotation about up = turn left
        ("bend", "seated_side_bend", "right", 1.0),  # +rotation about forward = bend right
    ],
)
def test_sides_from_independent_physics(  # type: ignore[no-untyped-def]
    tmp_path: Path, capsys, kind: str, exercise: str, first_side: str, first_sign: float
) -> None:
    t, angle = movement(kind, 30.0, 4)
    still = Rotation.identity(len(t))
    path = write_csv(
        tmp_path / f"{kind}.csv",
        t,
        {"upper": sensor(segment(kind, angle), t), "lower": sensor(still, t)},
    )
    code, out, err = _run(capsys, path, exercise)
    assert code == 0, err
    other = "left" if first_side == "right" else "right"
    assert [r["side"] for r in out["repetitions"]] == [first_side, other] * 2
    assert np.sign(out["repetitions"][0]["peak_deg"]) == first_sign


def test_no_still_start_is_refused_naming_the_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    t, angle = movement("bend", 25.0, 4)
    fidget = np.where(t < 2.5, 15.0 * np.sin(2 * np.pi * t) ** 2, 0.0)  # sways, never still 2 s
    upper = segment("flex", fidget) * segment("bend", angle)
    path = write_csv(
        tmp_path / "fidget.csv",
        t,
        {"upper": sensor(upper, t), "lower": sensor(segment("flex", 0.3 * fidget), t)},
    )
    code, _, err = _run(capsys, path, "seated_side_bend")
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"error: {path}: upper sensor turned")  # was: no file named
    assert "stand still for 2 s" in line


def test_mex_file_too_short_names_the_file(shared_data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lines = (shared_data / "mex/act/01/03_act_1.csv").read_text().splitlines()
    path = tmp_path / "03_act_1.csv"
    path.write_text("\n".join(lines[:300]) + "\n")  # 3 s of a pelvic-tilt set
    assert main(["analyze", str(path), "--source", "imu"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line == f"error: {path}: recording too short to find a periodic movement"


def test_mex_stamps_without_any_fraction_are_spread(
    shared_data: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    original = shared_data / "mex/act/02/03_act_1.csv"
    lines = original.read_text().splitlines()
    path = tmp_path / "act" / "03_act_1.csv"
    path.parent.mkdir()
    path.write_text("\n".join(ln[:19] + ln[ln.index(",") :] for ln in lines) + "\n")
    assert main(["analyze", str(original), "--source", "imu", "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)["count"]["repetitions"]
    # was: error "samples are 1 s apart ... if the times are in milliseconds"
    assert main(["analyze", str(path), "--source", "imu", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["count"]["repetitions"] == expected == 12
    assert any("whole seconds only" in n for n in out["notes"])


@pytest.mark.parametrize("value", ["upper=+y,upper=-y", "+y,-z"])
def test_forward_axis_given_twice_for_a_sensor_is_refused(
    tmp_path: Path, capsys, value: str
) -> None:  # type: ignore[no-untyped-def]
    t, sensors = _twist_sensors(("upper", "middle", "lower"))
    path = write_csv(tmp_path / "two.csv", t, {k: sensors[k] for k in ("upper", "lower")})
    # was: the last one silently won
    assert main(["analyze", str(path), f"--forward-axis={value}"]) == 2
    assert "two axes" in capsys.readouterr().err


def test_clock_stepping_back_half_a_second_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    t, sensors = _twist_sensors(("upper", "middle", "lower"))
    t = t.copy()
    t[len(t) // 2 :] -= 0.5  # a 0.5 s step back at 50 Hz: 25 samples
    path = write_csv(tmp_path / "back.csv", t, {k: sensors[k] for k in ("upper", "lower")})
    # was: re-sorted, two stretches interleaved, 25 duplicates dropped
    assert main(["analyze", str(path)]) == 2
    assert "time jumps back by 0.48 s" in capsys.readouterr().err
