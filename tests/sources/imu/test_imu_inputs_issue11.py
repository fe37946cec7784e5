"""IMU inputs that gave silent nonsense or a traceback (issue 11): units, clocks, partial
rows, Fusion columns by header, duplicated columns, per-sensor forward axes.

Every file here is made in the test: a simulated recording written as a generic or Fusion
CSV, then perturbed (wrong units, a clock reset, a cut-off last row, reordered columns).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spinecoach.cli import main
from spinecoach.errors import InvalidRecording
from spinecoach.motion.imu_pipeline import recording_measures
from spinecoach.motion.imu_types import ImuRecording, ImuSeries, Placement
from spinecoach.sources.imu import read_imu, write_generic_csv
from spinecoach.sources.imu.simulate import simulate

TURN = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # -z forward -> +y


@pytest.fixture(scope="module")
def sim():  # type: ignore[no-untyped-def]
    return simulate("standing_flexion", n_reps=3, seed=31)


def scaled(sim, *, accel: float = 1.0, gyro: float = 1.0, time: float = 1.0) -> ImuRecording:  # type: ignore[no-untyped-def]
    return ImuRecording(
        {
            p: ImuSeries(
                s.time_s * time,
                s.accel_g * accel,
                None if s.gyro_dps is None else s.gyro_dps * gyro,
                None,
                placement=p,
                sample_rate_hz=s.sample_rate_hz,
            )
            for p, s in sim.recording.sensors.items()
        }
    )


def flexion(path: Path) -> np.ndarray:
    return recording_measures(read_imu(path)).values["lumbar_flexion_deg"]


def test_gyro_in_rad_s_under_dps_columns_is_converted(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good, bad = tmp_path / "good.csv", tmp_path / "rad.csv"
    write_generic_csv(scaled(sim), good)
    write_generic_csv(scaled(sim, gyro=np.pi / 180), bad)
    recording = read_imu(bad)
    assert any("rad/s under °/s" in w for w in recording.warnings())
    np.testing.assert_allclose(flexion(bad), flexion(good), atol=0.5)


def test_gyro_in_dps_under_rad_s_is_converted(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "deg.csv"
    write_generic_csv(scaled(sim, gyro=180 / np.pi), path)
    assert any("°/s under rad/s" in w for w in read_imu(path).warnings())


def test_accel_in_m_s2_under_g_columns_is_converted(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good, bad = tmp_path / "good.csv", tmp_path / "ms2.csv"
    write_generic_csv(scaled(sim), good)
    write_generic_csv(scaled(sim, accel=9.80665), bad)
    assert any("m/s² under g columns" in w for w in read_imu(bad).warnings())
    np.testing.assert_allclose(flexion(bad), flexion(good), atol=0.5)


@pytest.mark.parametrize(
    ("factor", "unit"), [(1e3, "milliseconds"), (1e6, "microseconds"), (1e9, "nanoseconds")]
)
def test_time_not_in_seconds_is_refused_with_the_unit(
    sim, tmp_path: Path, factor: float, unit: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ms.csv"
    write_generic_csv(scaled(sim, time=factor), path)
    with pytest.raises(InvalidRecording, match=f"in {unit}, convert them to seconds"):
        read_imu(path)


def test_clock_reset_is_refused_not_interleaved(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "reset.csv"
    write_generic_csv(scaled(sim), path)
    lines = path.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    half = len(rows) // 2
    reset = [f"{float(r.split(',', 1)[0]) - 8.0:.7g},{r.split(',', 1)[1]}" for r in rows[half:]]
    path.write_text("\n".join([header, *rows[:half], *reset]) + "\n")
    with pytest.raises(InvalidRecording, match=r"time jumps back by [\d.]+ s at sample \d+"):
        read_imu(path)


@pytest.mark.parametrize("kind", ["generic", "mex"])
def test_partial_last_row_is_dropped_with_a_note(sim, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    if kind == "generic":
        path = tmp_path / "cut.csv"
        write_generic_csv(scaled(sim), path)
    else:
        path = tmp_path / "act" / "cut.csv"
        path.parent.mkdir()
        base = np.datetime64("2019-01-01T10:00:00.000000")
        stamps = [str(base + np.timedelta64(10 * i, "ms")).replace("T", " ") for i in range(500)]
        rows = [f"{t},0.01,{0.02 * (i % 7)},0.99" for i, t in enumerate(stamps)]
        path.write_text("\n".join(rows) + "\n")
    text = path.read_text().rstrip("\n")
    last = text.rsplit("\n", 1)[1]
    path.write_text(text[: -len(last) // 2])  # cut off mid-row
    recording = read_imu(path)
    assert any("last row" in w and "dropped" in w for w in recording.warnings())


def test_fusion_columns_are_read_by_header(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = sim.recording.sensors[Placement.LOWER]
    mag = np.tile([20.0, 0.0, -40.0], (s.time_s.size, 1))
    names = ["Time (s)"] + [f"Gyroscope {a} (deg/s)" for a in "XYZ"]
    names += [f"Accelerometer {a} (g)" for a in "XYZ"] + [f"Magnetometer {a} (uT)" for a in "XYZ"]
    data = np.column_stack([s.time_s, s.gyro_dps, s.accel_g, mag])
    order = [0, 7, 8, 9, 4, 5, 6, 1, 2, 3]  # magnetometer first, then accel, then gyro
    path = tmp_path / "fusion.csv"
    np.savetxt(
        path,
        data[:, order],
        delimiter=",",
        header=",".join(names[i] for i in order),
        comments="",
        fmt="%.7g",
    )
    series = read_imu(path).primary()
    np.testing.assert_allclose(series.accel_g, s.accel_g, atol=1e-5)
    np.testing.assert_allclose(series.mag_ut, mag, atol=1e-5)


def test_duplicated_column_is_an_error(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dup.csv"
    write_generic_csv(scaled(sim), path)
    lines = path.read_text().splitlines()
    cols = lines[0].split(",")
    cols[2] = cols[1]
    path.write_text("\n".join([",".join(cols), *lines[1:]]) + "\n")
    with pytest.raises(InvalidRecording, match=f"column '{cols[1]}' appears twice"):
        read_imu(path)


def test_folder_forward_axis_lines_and_per_sensor_flag(sim, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "folder"
    folder.mkdir()
    for p, s in sim.recording.sensors.items():
        turned = p is Placement.UPPER  # only the upper sensor is worn turned (+y forward)
        series = ImuSeries(
            s.time_s,
            s.accel_g @ TURN.T if turned else s.accel_g,
            s.gyro_dps @ TURN.T if turned else s.gyro_dps,
            None,
            placement=p,
            sample_rate_hz=s.sample_rate_hz,
        )
        comments = {"forward_axis": "+y" if turned else "-z"}
        write_generic_csv(ImuRecording({p: series}), folder / f"{p}.csv", comments=comments)

    def run(*flags: str) -> dict:  # type: ignore[type-arg]
        args = ["analyze", str(folder), "--source", "imu", "--exercise", "standing_hip_hinge"]
        assert main([*args, "--json", *flags]) == 0
        return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]

    out = run()
    assert out["flags"]["mounting_upper"] == "forward axis declared +y"
    assert out["flags"]["mounting_lower"] == "forward axis declared -z"
    assert len(out["repetitions"]) == 3
    out = run("--forward-axis", "upper=+y,lower=-z")
    assert out["flags"]["mounting_upper"] == "forward axis declared +y"
    assert main(["analyze", str(folder), "--source", "imu", "--forward-axis", "middle=+x"]) == 2
    assert "unknown sensor 'middle'" in capsys.readouterr().err
