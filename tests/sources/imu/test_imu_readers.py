"""IMU readers: real files, phone-app exports in their documented format, quality checks."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from spinecoach.errors import InvalidRecording, UnknownFormat
from spinecoach.motion.imu_pipeline import recording_measures
from spinecoach.motion.imu_types import Placement, PlacementSet
from spinecoach.sources.imu import ReadOptions, detect_format, read_imu, write_generic_csv
from spinecoach.sources.imu.simulate import simulate

G = 9.80665


# --- real recordings ------------------------------------------------------------------------


def test_fusion_csv_end_to_end(shared_data: Path) -> None:
    path = shared_data / "imu" / "fusion_sensor_data.csv"
    assert detect_format(path) == "fusion_csv"
    rec = read_imu(path)
    s = rec.primary()
    assert s.n_samples == 13514
    assert s.has_gyro and s.has_mag
    assert 98 < s.sample_rate_hz < 101
    assert np.abs(s.gyro_dps).max() > 300  # the documented ~365 °/s peaks
    assert s.quality.ok, s.quality.warnings
    measures = recording_measures(rec)
    assert measures.flags["orientation_lower"] == "fusion_marg"
    for values in measures.values.values():
        assert np.all(np.isfinite(values))
    # The board lies flat at the start: -z is vertical, so forward falls back to the motion.
    assert "inferred from motion" in measures.flags["mounting_lower"]


@pytest.mark.parametrize("sensor", ["act", "acw"])
def test_mex_csv_reads_timestamps_with_and_without_fractions(
    shared_data: Path, sensor: str
) -> None:
    path = shared_data / "mex" / sensor / "01" / f"03_{sensor}_1.csv"
    lines = path.read_text().splitlines()
    assert any(len(ln.split(",")[0]) == 19 for ln in lines)  # "2018-11-08 11:43:29"
    rec = read_imu(path)
    s = rec.primary()
    assert detect_format(path) == "mex_csv"
    assert s.placement is (Placement.THIGH if sensor == "act" else Placement.WRIST)
    assert s.gyro_dps is None
    assert s.n_samples > 6000
    assert np.all(np.diff(s.time_s) > 0)
    assert 95 < s.sample_rate_hz < 105
    norm = np.linalg.norm(s.accel_g, axis=1)
    assert 0.9 < np.median(norm) < 1.1  # g units, gravity included


# --- generic CSV ----------------------------------------------------------------------------


def test_generic_csv_round_trip_two_sensors(tmp_path: Path) -> None:
    sim = simulate("cat_cow", n_reps=1, seed=1, with_magnetometer=True)
    path = tmp_path / "dual.csv"
    write_generic_csv(sim.recording, path, comments={"forward_axis": "-z"})
    header = path.read_text().splitlines()[1]
    assert header.startswith("time_s,upper_gyro_x_dps") or header.startswith(
        "time_s,lower_gyro_x_dps"
    )
    assert "lower_accel_z_g" in header and "upper_mag_x_ut" in header
    rec = read_imu(path)
    assert detect_format(path) == "generic"
    assert rec.placement_set is PlacementSet.DUAL
    for placement, original in sim.recording.sensors.items():
        got = rec.sensors[placement]
        np.testing.assert_allclose(got.accel_g, original.accel_g, rtol=1e-6, atol=1e-6)
        assert got.gyro_dps is not None and original.gyro_dps is not None
        np.testing.assert_allclose(got.gyro_dps, original.gyro_dps, rtol=1e-6, atol=1e-5)


def test_generic_single_sensor_placement_from_comment_or_option(tmp_path: Path) -> None:
    t = np.arange(200) / 50.0
    rows = "\n".join(f"{ti},0,0,0,0,0,1" for ti in t)
    path = tmp_path / "one.csv"
    path.write_text(
        "# placement: upper\n"
        "time_s,gyro_x_dps,gyro_y_dps,gyro_z_dps,accel_x_g,accel_y_g,accel_z_g\n" + rows + "\n"
    )
    assert read_imu(path).placement_set is PlacementSet.UPPER
    rec = read_imu(path, options=ReadOptions(placement=Placement.LOWER))
    assert rec.placement_set is PlacementSet.SACRUM


def test_generic_folder_one_file_per_sensor(tmp_path: Path) -> None:
    sim = simulate("standing_flexion", n_reps=1, seed=2)
    folder = tmp_path / "session"
    folder.mkdir()
    for placement, series in sim.recording.sensors.items():
        from spinecoach.motion.imu_types import ImuRecording

        write_generic_csv(ImuRecording({placement: series}), folder / f"{placement}.csv")
    assert detect_format(folder) == "generic_folder"
    rec = read_imu(folder)
    assert rec.placement_set is PlacementSet.DUAL


# --- Sensor Logger (format as the app exports it) -------------------------------------------


def _sensor_logger_csv(t0_ns: int, t_s: np.ndarray, xyz: np.ndarray) -> str:
    """``time`` (epoch ns), ``seconds_elapsed``, then the axes in the app's order z, y, x."""
    lines = ["time,seconds_elapsed,z,y,x"]
    for t, (x, y, z) in zip(t_s, xyz, strict=True):
        lines.append(f"{t0_ns + int(round(t * 1e9))},{t:.6f},{z:.6f},{y:.6f},{x:.6f}")
    return "\n".join(lines) + "\n"


def _phone_motion(
    n: int = 600, rate_hz: float = 100.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A phone standing upright (its y axis up) turning slowly about y."""
    t = np.arange(n) / rate_hz
    total_mps2 = np.tile([0.0, G, 0.0], (n, 1))
    gyro_rads = np.zeros((n, 3))
    gyro_rads[:, 1] = 0.2 * np.sin(2 * np.pi * 0.5 * t)
    return t, total_mps2, gyro_rads


@pytest.mark.parametrize("as_zip", [True, False], ids=["zip", "folder"])
def test_sensor_logger_export(tmp_path: Path, as_zip: bool) -> None:
    t, total, gyro = _phone_motion()
    user = total * 0.0 + np.array([0.1, 0.0, 0.0])  # user acceleration (no gravity)
    gravity = total - user
    files = {
        "Accelerometer.csv": _sensor_logger_csv(1_700_000_000_000_000_000, t, user),
        "Gravity.csv": _sensor_logger_csv(1_700_000_000_000_000_000, t, gravity),
        "Gyroscope.csv": _sensor_logger_csv(1_700_000_000_005_000_000, t[:-1] + 0.005, gyro[:-1]),
        "Magnetometer.csv": _sensor_logger_csv(
            1_700_000_000_000_000_000, t, np.tile([20.0, -5.0, -40.0], (t.size, 1))
        ),
        "Metadata.csv": (
            "version,device name,recording time,platform\n1.0,Pixel,2024-01-01,android\n"
        ),
    }
    target = tmp_path / ("rec.zip" if as_zip else "rec")
    if as_zip:
        with zipfile.ZipFile(target, "w") as zf:
            for name, text in files.items():
                zf.writestr(f"rec/{name}", text)
    else:
        target.mkdir()
        for name, text in files.items():
            (target / name).write_text(text)
    assert detect_format(target) == "sensor_logger"
    s = read_imu(target).primary()
    # Total = user + gravity, converted to g; axes read by name despite the z, y, x order.
    np.testing.assert_allclose(s.accel_g.mean(axis=0), [0.0, 1.0, 0.0], atol=1e-6)
    assert s.gyro_dps is not None and s.mag_ut is not None
    assert np.abs(s.gyro_dps[:, 1]).max() == pytest.approx(math.degrees(0.2), rel=0.02)
    np.testing.assert_allclose(s.mag_ut[0], [20.0, -5.0, -40.0])


def test_sensor_logger_ios_export_is_sign_corrected(tmp_path: Path) -> None:
    """iOS exports report inertial force (all axes negated): read as +1 g upward."""
    t, total, gyro = _phone_motion(200)
    folder = tmp_path / "ios"
    folder.mkdir()
    (folder / "TotalAcceleration.csv").write_text(_sensor_logger_csv(0, t, -total))
    (folder / "Gyroscope.csv").write_text(_sensor_logger_csv(0, t, gyro))
    (folder / "Metadata.csv").write_text(
        "version,device name,recording epoch time,platform\n3,iPhone,0,ios\n"
    )
    rec = read_imu(folder)
    np.testing.assert_allclose(rec.primary().accel_g[0], [0.0, 1.0, 0.0], atol=1e-6)
    assert rec.metadata["platform"] == "ios"


def test_sensor_logger_total_acceleration_only_file(tmp_path: Path) -> None:
    t, total, _ = _phone_motion(100)
    path = tmp_path / "TotalAcceleration.csv"
    path.write_text(_sensor_logger_csv(1_700_000_000_000_000_000, t, total))
    s = read_imu(path).primary()
    np.testing.assert_allclose(s.accel_g[0], [0.0, 1.0, 0.0], atol=1e-6)


def test_sensor_logger_without_gravity_is_refused(tmp_path: Path) -> None:
    t, total, _ = _phone_motion(100)
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "Accelerometer.csv").write_text(_sensor_logger_csv(0, t, total * 0.01))
    with pytest.raises(InvalidRecording, match="without gravity"):
        read_imu(folder)


# --- phyphox (format as the app exports it) -------------------------------------------------


def _phyphox_csv(
    t: np.ndarray,
    xyz: np.ndarray,
    quantity: str,
    unit: str,
    sep: str = ",",
    decimal_comma: bool = False,
) -> str:
    cols = ["Time (s)"] + [f"{quantity} {a} ({unit})" for a in "xyz"]
    if quantity == "Acceleration":
        cols.append("Absolute acceleration (m/s^2)")
    lines = [sep.join(f'"{c}"' for c in cols)]
    for ti, row in zip(t, xyz, strict=True):
        values = [ti, *row] + ([float(np.linalg.norm(row))] if quantity == "Acceleration" else [])
        text = [f"{v:.9E}" for v in values]
        if decimal_comma:
            text = [v.replace(".", ",") for v in text]
        lines.append(sep.join(text))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("sep", "decimal_comma"),
    [(",", False), ("\t", False), (";", True)],
    ids=["comma", "tab", "semicolon-decimal-comma"],
)
def test_phyphox_acceleration_with_g_single_file(
    tmp_path: Path, sep: str, decimal_comma: bool
) -> None:
    t, total, _ = _phone_motion(300)
    path = tmp_path / "Raw Data.csv"
    path.write_text(_phyphox_csv(t, total, "Acceleration", "m/s^2", sep, decimal_comma))
    assert detect_format(path) == "phyphox"
    s = read_imu(path).primary()
    assert s.gyro_dps is None
    np.testing.assert_allclose(s.accel_g[0], [0.0, 1.0, 0.0], atol=1e-6)
    assert s.sample_rate_hz == pytest.approx(100.0, rel=1e-3)


def test_phyphox_zip_with_gyroscope_and_meta(tmp_path: Path) -> None:
    t, total, gyro = _phone_motion(400)
    path = tmp_path / "phyphox export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Accelerometer.csv", _phyphox_csv(t, total, "Acceleration", "m/s^2"))
        zf.writestr("Gyroscope.csv", _phyphox_csv(t + 0.002, gyro, "Gyroscope", "rad/s"))
        zf.writestr("meta/device.csv", '"property","value"\n"deviceModel","Pixel"\n')
        zf.writestr("meta/time.csv", '"event","experiment time"\n"START",0\n')
    assert detect_format(path) == "phyphox"
    s = read_imu(path).primary()
    assert s.gyro_dps is not None
    assert np.abs(s.gyro_dps[:, 1]).max() == pytest.approx(math.degrees(0.2), rel=0.02)


# --- detection and quality --------------------------------------------------------------------


def test_unknown_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("hello,world\n1,2\n")
    with pytest.raises(UnknownFormat, match="notes.csv"):
        read_imu(path)
    with pytest.raises(InvalidRecording, match="not found"):
        read_imu(tmp_path / "absent.csv")


def _generic(
    tmp_path: Path,
    t: np.ndarray,
    accel: np.ndarray,
    gyro: np.ndarray | None = None,
    comments: str = "",
) -> Path:
    cols = ["time_s"] + (["gyro_x_dps", "gyro_y_dps", "gyro_z_dps"] if gyro is not None else [])
    cols += ["accel_x_g", "accel_y_g", "accel_z_g"]
    blocks = [t[:, None]] + ([gyro] if gyro is not None else []) + [accel]
    path = tmp_path / "g.csv"
    np.savetxt(
        path, np.hstack(blocks), delimiter=",", header=comments + ",".join(cols), comments=""
    )
    return path


def test_out_of_order_duplicated_and_jumping_timestamps_reported(tmp_path: Path) -> None:
    t = np.arange(500) / 100.0
    t[100], t[101] = t[101], t[100]  # swapped pair
    t[200] = t[199]  # duplicate
    t[300:] += 1.0  # a 1 s jump
    accel = np.tile([0.0, 0.0, 1.0], (t.size, 1))
    s = read_imu(_generic(tmp_path, t, accel)).primary()
    q = s.quality
    assert q.n_out_of_order == 1
    assert q.n_duplicated == 1
    assert q.n_jumps == 1 and q.longest_gap_s == pytest.approx(1.01, abs=1e-6)
    assert np.all(np.diff(s.time_s) > 0)
    assert len(q.warnings) == 3


def test_mostly_scrambled_timestamps_are_unusable(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    t = rng.permutation(np.arange(300) / 100.0)
    with pytest.raises(InvalidRecording, match="out of order"):
        read_imu(_generic(tmp_path, t, np.tile([0.0, 0.0, 1.0], (300, 1))))


def test_saturation_detected_from_stated_range_and_plateaus(tmp_path: Path) -> None:
    t = np.arange(400) / 100.0
    accel = np.tile([0.0, 0.0, 1.0], (t.size, 1))
    accel[100:110, 0] = 4.0  # at a stated ±4 g full scale
    gyro = np.zeros((t.size, 3))
    gyro[200:220, 2] = 250.0  # a clipped plateau, range not stated
    path = _generic(tmp_path, t, accel, gyro, comments="# accel_range_g: 4\n")
    q = read_imu(path).primary().quality
    assert q.saturated == {"accel": 10, "gyro": 20}


def test_too_short_file_is_unusable(tmp_path: Path) -> None:
    with pytest.raises(InvalidRecording, match="only 3 samples"):
        read_imu(_generic(tmp_path, np.arange(3) / 100.0, np.tile([0.0, 0.0, 1.0], (3, 1))))
