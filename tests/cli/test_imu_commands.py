"""``spinecoach analyze --source imu`` and ``spinecoach imu ...``: outputs and errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from spinecoach.cli import main
from spinecoach.sources.imu import write_generic_csv
from spinecoach.sources.imu.simulate import simulate


def run_json(capsys, *args: str):  # type: ignore[no-untyped-def]
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_analyze_dual_file_with_exercise(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sim = simulate("standing_extension", n_reps=4, seed=8)
    path = tmp_path / "ext.csv"
    write_generic_csv(sim.recording, path)
    angles = tmp_path / "angles.csv"
    out = run_json(
        capsys,
        "analyze",
        str(path),
        "--source",
        "imu",
        "--placement",
        "dual",
        "--exercise",
        "standing_extension",
        "--json",
        "--angles-csv",
        str(angles),
    )
    assert out["exercise"] == "standing_extension"
    assert out["source"] == "imu/generic"
    assert len(out["repetitions"]) == 4
    assert all(r["peak_deg"] < -15 for r in out["repetitions"])  # extension is negative
    assert "unreliable without magnetometer" in out["flags"]["lumbar_rotation_deg"]
    with angles.open() as fh:
        header = next(csv.reader(fh))
    assert header[0] == "time_s"
    for name in (
        "lumbar_flexion_deg",
        "lumbar_lateral_flexion_deg",
        "lumbar_rotation_deg",
        "pelvic_tilt_deg",
    ):
        assert name in header


def test_analyze_sacrum_placement_reports_lumbar_unmeasurable(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sim = simulate("pelvic_tilt", n_reps=3, seed=8)
    path = tmp_path / "tilt.csv"
    write_generic_csv(sim.recording, path)
    out = run_json(
        capsys,
        "analyze",
        str(path),
        "--placement",
        "sacrum",
        "--exercise",
        "pelvic_tilt_supine",
        "--json",
    )
    assert len(out["repetitions"]) == 3  # one per anterior-and-posterior tilt cycle
    assert "lumbar_flexion_deg" in out["unmeasurable"]
    assert set(out["measures"]) == {
        "pelvic_tilt_deg",
        "pelvic_obliquity_deg",
        "pelvic_rotation_deg",
    }


def test_analyze_real_files_auto_detected(shared_data: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = run_json(capsys, "analyze", str(shared_data / "imu" / "fusion_sensor_data.csv"), "--json")
    assert out["source"] == "imu/fusion_csv"
    assert out["measures"]["pelvic_tilt_deg"]["valid_fraction"] == 1.0
    out = run_json(
        capsys,
        "analyze",
        str(shared_data / "mex" / "act" / "02" / "03_act_1.csv"),
        "--source",
        "imu",
        "--json",
    )
    assert len(out["repetitions"]) == 12
    assert any("12 repetitions counted" in note for note in out["notes"])
    assert out["count"]["repetitions"] == 12  # one answer per output


def test_bad_inputs_exit_2_with_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.csv"
    junk.write_text("time_s,accel_x_g,accel_y_g,accel_z_g\n0,a,b,c\n")
    assert main(["analyze", str(junk), "--source", "imu"]) == 2
    err = capsys.readouterr().err
    assert "junk.csv" in err and len(err.strip().splitlines()) == 1
    assert main(["analyze", str(junk), "--source", "imu", "--placement", "hips"]) == 2
    assert main(["imu", "replay", str(junk), "--to", "ftp://x"]) == 2


def test_imu_simulate_and_formats(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "sim.csv"
    truth = tmp_path / "truth.csv"
    assert (
        main(
            ["imu", "simulate", "cat_cow", "--out", str(out), "--reps", "2", "--truth", str(truth)]
        )
        == 0
    )
    assert out.read_text().startswith("# simulated: cat_cow")
    assert "lumbar_flexion_deg" in truth.read_text().splitlines()[0]
    capsys.readouterr()
    formats = run_json(capsys, "imu", "formats", "--json")
    assert {"fusion_csv", "mex_csv", "generic", "sensor_logger", "phyphox"} <= set(formats)


def test_analyze_auto_detects_a_sensor_logger_zip(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    import numpy as np

    from spinecoach.motion.imu_types import Placement

    sacrum = simulate("pelvic_tilt", n_reps=2, seed=3).recording.sensors[Placement.LOWER]

    def table(xyz: np.ndarray) -> str:
        rows = [
            f"{1_700_000_000_000_000_000 + int(t * 1e9)},{t:.6f},{z:.7f},{y:.7f},{x:.7f}"
            for t, (x, y, z) in zip(sacrum.time_s, xyz, strict=True)
        ]
        return "time,seconds_elapsed,z,y,x\n" + "\n".join(rows) + "\n"

    path = tmp_path / "phone.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("TotalAcceleration.csv", table(sacrum.accel_g * 9.80665))
        zf.writestr("Gyroscope.csv", table(np.radians(sacrum.gyro_dps)))  # type: ignore[arg-type]
    out = run_json(capsys, "analyze", str(path), "--exercise", "pelvic_tilt_supine", "--json")
    assert out["source"] == "imu/sensor_logger"
    assert len(out["repetitions"]) == 2  # pelvic tilt: one repetition per two-way cycle


def test_forward_axis_declared_in_the_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A sensor worn with +x forward: declared in the file, the signs come out right."""
    import numpy as np

    from spinecoach.motion.imu_types import ImuRecording, ImuSeries

    sim = simulate("standing_flexion", n_reps=2, seed=4)
    # Re-express every sensor in axes rotated so that the old -z (forward) is the new +x.
    turn = np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    sensors = {
        p: ImuSeries(
            s.time_s,
            s.accel_g @ turn.T,
            s.gyro_dps @ turn.T,
            None,
            placement=p,  # type: ignore[operator]
            sample_rate_hz=s.sample_rate_hz,
        )
        for p, s in sim.recording.sensors.items()
    }
    path = tmp_path / "x_forward.csv"
    write_generic_csv(ImuRecording(sensors), path, comments={"forward_axis": "+x"})
    out = run_json(capsys, "analyze", str(path), "--exercise", "standing_hip_hinge", "--json")
    assert out["flags"]["mounting_upper"] == "forward axis declared +x"
    assert len(out["repetitions"]) == 2
    assert all(r["peak_deg"] > 60 for r in out["repetitions"])  # flexion positive
