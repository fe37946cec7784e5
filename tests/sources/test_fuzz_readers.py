"""Fuzzed inputs fail with one line naming the file, exit 2 — never a traceback (issue 11).

Each reader gets a valid file made here, then the listed hostile variants (non-UTF-8 bytes,
JSON nested 5000 deep, wrong types in lists, string/null visibilities, frame keys inf/1e9,
empty files, ``# width_px: 960px``, corrupt zips, gyroscope 1e30, samples 10 s apart) and a
hypothesis fuzz of random edits. A reader may accept a variant (then the output must hold no
NaN/Infinity tokens); it may not crash or hang.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinecoach.cli import main
from spinecoach.errors import SpinecoachError
from spinecoach.sources.imu import read_imu, write_generic_csv
from spinecoach.sources.imu.simulate import simulate
from spinecoach.sources.keypoints import read_keypoints
from spinecoach.sources.keypoints.names import BLAZEPOSE_33, OPENPOSE_COCO18

N_FRAMES = 12


def blazepose_text() -> str:
    frames = {
        f"{k + 1}.0": {name: [0.5 + 0.001 * k, 0.5, -0.1, 0.9] for name, _ in BLAZEPOSE_33}
        for k in range(N_FRAMES)
    }
    return json.dumps({"positions": frames})


def openpose_text() -> str:
    frames = {
        f"{k + 1}.0": {name: [0.5 + 0.001 * k, 0.5] for name, _ in OPENPOSE_COCO18}
        for k in range(N_FRAMES)
    }
    return json.dumps({"positions": frames})


def coco17_text() -> str:
    flat = [v for k in range(17) for v in (100.0 + k, 200.0 + k, 0.9)]
    return json.dumps(
        [{"image_id": f"{k}.jpg", "keypoints": flat, "score": 2.0} for k in range(N_FRAMES)]
    )


def kinect_text() -> str:
    row = " ".join(["0.1 0.2 2.0 0 0 0 1"] * 25)
    return "\n".join([row] * N_FRAMES) + "\n"


def csv_text() -> str:
    header = "time_s,left_hip_x,left_hip_y,left_hip_visibility"
    rows = [f"{k / 30:.4f},{100 + k},{200},0.9" for k in range(N_FRAMES)]
    return "# spinecoach keypoints v1\n# frame: image\n# width_px: 960\n" + "\n".join(
        [header, *rows]
    )


KEYPOINT_FILES: dict[str, tuple[str, Callable[[], str]]] = {
    "blazepose_json": ("bp.json", blazepose_text),
    "openpose_json": ("op.json", openpose_text),
    "kinect_txt": ("kinect.txt", kinect_text),
    "coco17_json": ("alphapose.json", coco17_text),
    "csv": ("k.csv", csv_text),
}


def imu_text(tmp_path: Path) -> str:
    sim = simulate("standing_flexion", n_reps=1, seed=2, rest_s=0.5)
    path = tmp_path / "valid_imu.csv"
    write_generic_csv(sim.recording, path)
    return path.read_text()


def expect_clean(call: Callable[[], object], path: Path) -> None:
    """Either reads, or raises a one-line SpinecoachError naming the file."""
    try:
        call()
    except SpinecoachError as exc:
        message = str(exc)
        assert "\n" not in message, message
        assert str(path) in message or path.name in message, message


def run_cli(capsys, path: Path, *flags: str) -> None:  # type: ignore[no-untyped-def]
    code = main(["analyze", str(path), "--json", *flags])
    captured = capsys.readouterr()
    if code == 0:
        assert "NaN" not in captured.out and "Infinity" not in captured.out
        json.loads(captured.out)
    else:
        assert code == 2, captured.err
        lines = [ln for ln in captured.err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
        assert "Traceback" not in captured.err


def _keypoint_variants(fmt: str, text: str) -> dict[str, bytes]:
    variants = {
        "empty": b"",
        "non_utf8": text.encode()[:200] + b"\xff\xfe\xfa" + text.encode()[200:],
        "truncated": text.encode()[: len(text) // 2],
    }
    if fmt == "coco17_json":
        data = json.loads(text)
        variants["nested_5000"] = ("[" * 5000 + "]" * 5000).encode()
        for name, image_id in (("id_inf", "inf"), ("id_1e9", 1e9), ("id_list", [1])):
            d = json.loads(text)
            d[0]["image_id"] = image_id
            variants[name] = json.dumps(d).encode()
        for name, value in (
            ("kp_strings", ["a"] * 51),
            ("kp_short", [1.0] * 10),
            ("kp_null", None),
        ):
            d = json.loads(text)
            d[1]["keypoints"] = value
            variants[name] = json.dumps(d).encode()
        d = json.loads(text)
        d[2]["keypoints"][2] = "high"
        variants["visibility_string"] = json.dumps(d).encode()
    elif fmt.endswith("json"):
        data = json.loads(text)
        first = next(iter(data["positions"]))
        joint = next(iter(data["positions"][first]))
        deep = "[" * 5000 + "]" * 5000
        variants["nested_5000"] = ('{"positions": ' + deep + "}").encode()
        for name, key in (("key_inf", "inf"), ("key_1e9", "1e9"), ("key_nan", "nan")):
            d = json.loads(text)
            d["positions"][key] = d["positions"].pop(first)
            variants[name] = json.dumps(d).encode()
        for name, value in (
            ("coords_strings", ["a", "b", "c", 0.5]),
            ("coords_nested", [[1], {"x": 2}, None]),
            ("visibility_string", [0.5, 0.5, 0.1, "high"]),
            ("visibility_null", [0.5, 0.5, 0.1, None]),
            ("visibility_big", [0.5, 0.5, 0.1, 7.0]),
            ("coords_bool", [True, False, 0.1]),
        ):
            d = json.loads(text)
            d["positions"][first][joint] = value
            variants[name] = json.dumps(d).encode()
    if fmt == "csv":
        variants["width_960px"] = text.replace("# width_px: 960", "# width_px: 960px").encode()
        variants["visibility_text"] = text.replace(",0.9\n", ",high\n", 1).encode()
        variants["time_inf"] = text.replace("\n0.0000,", "\ninf,", 1).encode()
    if fmt == "kinect_txt":
        variants["value_1e30"] = text.replace("2.0", "1e30", 1).encode()
        variants["value_nan"] = text.replace("2.0", "nan", 1).encode()
    return variants


@pytest.mark.parametrize("fmt", sorted(KEYPOINT_FILES))
def test_listed_hostile_keypoint_files(tmp_path: Path, capsys, fmt: str) -> None:  # type: ignore[no-untyped-def]
    name, make = KEYPOINT_FILES[fmt]
    for variant, data in _keypoint_variants(fmt, make()).items():
        path = tmp_path / f"{variant}_{name}"
        path.write_bytes(data)
        expect_clean(lambda path=path: read_keypoints(path, fmt), path)
        expect_clean(lambda path=path: read_keypoints(path), path)
        run_cli(capsys, path, "--exercise", "seated_side_bend")


@pytest.mark.parametrize("fmt", sorted(KEYPOINT_FILES))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_hypothesis_fuzz_keypoint_readers(tmp_path: Path, fmt: str, data: st.DataObject) -> None:
    name, make = KEYPOINT_FILES[fmt]
    raw = bytearray(make().encode())
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "delete", "insert", "cut"]))
        if action == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del raw[pos : pos + data.draw(st.integers(1, 20))]
        elif action == "insert":
            raw[pos:pos] = data.draw(
                st.sampled_from([b"1e9", b"-", b"nan", b"inf", b'"x"', b"null", b"[", b"{", b","])
            )
        else:
            del raw[pos:]
        if not raw:
            raw = bytearray(b" ")
    path = tmp_path / name
    path.write_bytes(bytes(raw))
    expect_clean(lambda: read_keypoints(path, fmt), path)


def _imu_variants(text: str) -> dict[str, bytes]:
    lines = text.splitlines()
    header, rows = lines[0], lines[1:]

    def column_scaled(col: int, value: str) -> str:
        cells = rows[5].split(",")
        cells[col] = value
        return "\n".join([header, *rows[:5], ",".join(cells), *rows[6:]])

    ten_s = [f"{10.0 * i},{r.split(',', 1)[1]}" for i, r in enumerate(rows[:50])]
    return {
        "empty": b"",
        "non_utf8": text.encode()[:100] + b"\xff\xfe" + text.encode()[100:],
        "gyro_1e30": column_scaled(1, "1e30").encode(),
        "accel_inf": column_scaled(4, "inf").encode(),
        "ten_s_apart": "\n".join([header, *ten_s]).encode(),
        "header_only": header.encode(),
        "range_text": ("# accel_range_g: 8g\n" + text).encode(),
    }


def test_listed_hostile_imu_files(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    text = imu_text(tmp_path)
    for variant, data in _imu_variants(text).items():
        path = tmp_path / f"{variant}.csv"
        path.write_bytes(data)
        expect_clean(lambda path=path: read_imu(path, format="generic"), path)
        run_cli(capsys, path, "--source", "imu")
    corrupt = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(corrupt, "w") as z:
        z.writestr("Accelerometer.csv", "time,seconds_elapsed,z,y,x\n1,0,0,0,1\n")
    corrupt.write_bytes(corrupt.read_bytes()[:40] + b"\x00" * 30)
    expect_clean(lambda: read_imu(corrupt), corrupt)
    run_cli(capsys, corrupt, "--source", "imu")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_hypothesis_fuzz_imu_generic(tmp_path: Path, data: st.DataObject) -> None:
    text = imu_text(tmp_path)
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        cells = lines[i].split(",")
        j = data.draw(st.integers(0, len(cells) - 1))
        cells[j] = data.draw(
            st.sampled_from(["", "x", "1e30", "-1e30", "nan", "inf", "0", "1e-30", "9.81", '"'])
        )
        lines[i] = ",".join(cells)
    path = tmp_path / "fuzz.csv"
    path.write_text("\n".join(lines))
    expect_clean(lambda: read_imu(path, format="generic"), path)


def test_answers_and_profile_files_fail_in_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = {
        "non_utf8.json": b'{"pain_now": 4\xff}',
        "deep.json": b"[" * 5000 + b"]" * 5000,
        "empty.json": b"",
        "types.json": b'{"pain_now": [1, 2], "duration_weeks": {"x": null}}',
    }
    for name, content in bad.items():
        path = tmp_path / name
        path.write_bytes(content)
        for command in (["screen", "--answers"], ["intake", "--answers"], ["plan", "--profile"]):
            code = main([*command, str(path), "--data-dir", str(tmp_path / "db")])
            captured = capsys.readouterr()
            assert code == 2, (command, name, captured)
            lines = [ln for ln in captured.err.splitlines() if ln.strip()]
            assert len(lines) == 1 and lines[0].startswith("error: ") and name in lines[0], (
                command,
                name,
                captured.err,
            )


def test_outputs_hold_no_nan(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A recording with the keypoints gone for its whole second half still prints finite JSON."""
    name, make = KEYPOINT_FILES["csv"]
    text = make()
    path = tmp_path / name
    rows = text.splitlines()
    rows = rows[:-6] + [f"{k / 30 + 1:.4f},,," for k in range(6)]
    path.write_text("\n".join(rows))
    run_cli(capsys, path, "--exercise", "seated_side_bend")
    run_cli(capsys, path)
    assert np.isfinite(1.0)


@pytest.mark.parametrize("stamp", ["-1e30", "1e30"])
def test_a_time_stamp_far_from_the_others_is_refused_cleanly(tmp_path: Path, stamp: str) -> None:
    """Found by the hypothesis test above: one time stamp of ±1e30 s made the units check
    lay 0.5 s windows over the whole span (a huge allocation: ValueError)."""
    lines = imu_text(tmp_path).splitlines()
    first_data = next(i for i, ln in enumerate(lines) if ln and ln[0] in "0123456789-")
    row = first_data if stamp.startswith("-") else len(lines) - 1
    cells = lines[row].split(",")
    cells[0] = stamp
    lines[row] = ",".join(cells)
    path = tmp_path / "far.csv"
    path.write_text("\n".join(lines))
    expect_clean(lambda: read_imu(path, format="generic"), path)
