"""Keypoint readers on every KERAAL file, their options, and clear errors on bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spinecoach.errors import InvalidInput, InvalidRecording, UnknownFormat
from spinecoach.motion.types import FrameKind
from spinecoach.sources.keypoints import (
    KEYPOINT_READERS,
    detect_format,
    read_keypoints,
    write_keypoints_csv,
)

EXPECTED = {
    # file: (format, n_frames, n_keypoints, n_dims, frame kind, duration_s)
    "G3-BP-ELK-P1T1-Unknown-C-0.json": ("blazepose_json", 193, 33, 3, FrameKind.IMAGE, 6.4),
    "G3-BP-CTK-P1T1-Unknown-C-0.json": ("blazepose_json", 196, 33, 3, FrameKind.IMAGE, 6.5),
    "G3-OP-ELK-P1T1-Unknown-C-0.json": ("openpose_json", 194, 18, 2, FrameKind.IMAGE, 6.433),
    "G3-OP-CTK-P1T1-Unknown-C-0.json": ("openpose_json", 197, 18, 2, FrameKind.IMAGE, 6.533),
    "G3-Kinect-ELK-P1T1-Unknown-C-0.txt": ("kinect_txt", 193, 25, 3, FrameKind.WORLD, 6.4),
    "G3-Kinect-CTK-P1T1-Unknown-C-0.txt": ("kinect_txt", 197, 25, 3, FrameKind.WORLD, 6.533),
    # Vicon: 17 targets + the hip-line markers from the Hips target's orientation
    "G3-Vicon-ELK-P1T1-Unknown-C-0.txt": ("vicon_txt", 385, 19, 3, FrameKind.WORLD, 6.4),
    "G3-Vicon-CTK-P1T1-Unknown-C-0.txt": ("vicon_txt", 390, 19, 3, FrameKind.WORLD, 6.483),
}


@pytest.fixture(scope="module")
def keraal_dir(shared_data: Path) -> Path:
    return shared_data / "keraal"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_keraal_file_reads(keraal_dir, name):  # type: ignore[no-untyped-def]
    fmt, n_frames, n_keypoints, n_dims, kind, duration_s = EXPECTED[name]
    path = keraal_dir / name
    assert detect_format(path) == fmt
    series = read_keypoints(path)
    assert series.positions.shape == (n_frames, n_keypoints, n_dims)
    assert series.confidence.shape == (n_frames, n_keypoints)
    assert series.frame.kind is kind
    assert series.time_s[-1] == pytest.approx(duration_s, abs=1e-3)
    assert np.all(np.diff(series.time_s) > 0)
    missing = ~np.all(np.isfinite(series.positions), axis=2)
    assert np.all(series.confidence[missing] == 0)
    assert {"left_shoulder", "right_shoulder"} <= set(series.names)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_csv_export_round_trips_exactly(keraal_dir, tmp_path, name):  # type: ignore[no-untyped-def]
    series = read_keypoints(keraal_dir / name)
    out = write_keypoints_csv(series, tmp_path / "export.csv")
    assert detect_format(out) == "csv"
    back = read_keypoints(out)
    assert back.names == series.names
    assert back.frame == series.frame
    assert back.source == series.source
    np.testing.assert_array_equal(back.time_s, series.time_s)
    np.testing.assert_array_equal(back.positions, series.positions)
    np.testing.assert_array_equal(back.confidence, series.confidence)


def test_blazepose_keraal_defaults_make_labels_subject_side(keraal_dir):  # type: ignore[no-untyped-def]
    path = keraal_dir / "G3-BP-ELK-P1T1-Unknown-C-0.json"
    fixed = read_keypoints(path)
    openpose = read_keypoints(keraal_dir / "G3-OP-ELK-P1T1-Unknown-C-0.json")
    # The subject faces the camera: their right shoulder is on the image's left in both.
    for series in (fixed, openpose):
        right = series.positions[0, series.index("right_shoulder"), 0]
        left = series.positions[0, series.index("left_shoulder"), 0]
        assert right < left
    bp = fixed.positions[0, fixed.index("right_shoulder"), :2]
    op = openpose.positions[0, openpose.index("right_shoulder")]
    assert np.allclose(bp, op, atol=15)  # same point in pixels (different estimators)
    raw = read_keypoints(path, mirrored=False, labels_swapped=False)
    # As stored: x mirrored and labels swapped, so 'right_shoulder' is the mirrored left one.
    assert raw.positions[0, raw.index("right_shoulder"), 0] == pytest.approx(
        960 - fixed.positions[0, fixed.index("left_shoulder"), 0]
    )


def test_blazepose_frame_size_option_scales(keraal_dir):  # type: ignore[no-untyped-def]
    path = keraal_dir / "G3-BP-ELK-P1T1-Unknown-C-0.json"
    unit = read_keypoints(path, frame_size_px=(1, 1))
    default = read_keypoints(path)
    np.testing.assert_allclose(default.positions[..., 0], unit.positions[..., 0] * 960)
    np.testing.assert_allclose(default.positions[..., 1], unit.positions[..., 1] * 544)
    assert default.frame.width_px == 960 and default.frame.height_px == 544


def test_blazepose_dropped_frames_reinserted_as_missing(keraal_dir):  # type: ignore[no-untyped-def]
    path = keraal_dir / "G3-BP-CTK-P1T1-Unknown-C-0.json"
    plain = read_keypoints(path)
    restored = read_keypoints(path, dropped_frames=[10])
    assert restored.n_frames == plain.n_frames + 1
    assert np.all(np.isnan(restored.positions[9]))
    assert np.all(restored.confidence[9] == 0)
    np.testing.assert_array_equal(restored.positions[10], plain.positions[9])
    assert restored.time_s[10] == pytest.approx(10 / 30)
    with pytest.raises(InvalidRecording, match="dropped_frames"):
        read_keypoints(path, dropped_frames=[500])


def test_openpose_missing_joints_and_empty_frame(keraal_dir):  # type: ignore[no-untyped-def]
    series = read_keypoints(keraal_dir / "G3-OP-ELK-P1T1-Unknown-C-0.json")
    ear = series.index("right_ear")
    missing = np.isnan(series.positions[:, ear, 0])
    assert 0 < missing.sum() < series.n_frames  # rEar omitted in 45 frames
    assert np.all(series.confidence[missing, ear] == 0)
    assert len(series.metadata["empty_frames"]) == 1  # type: ignore[arg-type]


def test_sample_rate_option(keraal_dir):  # type: ignore[no-untyped-def]
    series = read_keypoints(keraal_dir / "G3-Kinect-ELK-P1T1-Unknown-C-0.txt", sample_rate_hz=15)
    assert series.time_s[1] == pytest.approx(1 / 15)
    vicon = read_keypoints(keraal_dir / "G3-Vicon-ELK-P1T1-Unknown-C-0.txt")
    assert vicon.time_s[1] == pytest.approx(1 / 60)
    assert vicon.frame.axes.startswith("x forward, y left, z up")
    # Vicon mm -> m: the chest is about a metre above the floor-level origin.
    assert 0.5 < vicon.positions[0, vicon.index("chest"), 2] < 1.5


def test_unknown_option_and_format_are_clear(keraal_dir):  # type: ignore[no-untyped-def]
    path = keraal_dir / "G3-Vicon-ELK-P1T1-Unknown-C-0.txt"
    with pytest.raises(InvalidInput, match="mirrored"):
        read_keypoints(path, mirrored=True)
    with pytest.raises(UnknownFormat, match="Allowed values"):
        read_keypoints(path, format="nope")
    with pytest.raises(UnknownFormat, match="LICENSE"):
        read_keypoints(keraal_dir / "LICENSE")


def test_registry_lists_all_formats():  # type: ignore[no-untyped-def]
    assert set(KEYPOINT_READERS) == {
        "blazepose_json",
        "openpose_json",
        "openpose_frames",
        "coco17_json",
        "kinect_txt",
        "vicon_txt",
        "csv",
    }


BAD_FILES = [
    (
        "bp.json",
        '{"positions": {"1.0": {"Left_shoulder": [0.1, 0.2',
        "blazepose_json",
        "not valid JSON",
    ),
    ("bp.json", '{"frames": []}', "blazepose_json", "'positions'"),
    (
        "bp.json",
        '{"positions": {"1.0": {"Left_shoulder": [0.1]}}}',
        "blazepose_json",
        "Left_shoulder",
    ),
    ("bp.json", '{"positions": {"1.0": {"Tail": [0.1, 0.2, 0.3]}}}', "blazepose_json", "Tail"),
    ("bp.json", '{"positions": {"x": {}}}', "blazepose_json", "frame key"),
    ("op.json", '{"positions": {"1.0": {"lShoulder": ["a", 1]}}}', "openpose_json", "not numbers"),
    ("op.json", '{"positions": {}}', "openpose_json", "no frames"),
    ("k.txt", "1 2 3\n", "kinect_txt", "175"),
    ("k.txt", "", "kinect_txt", "no data rows"),
    ("v.txt", " ".join(["1"] * 118 + ["x"]) + "\n", "vicon_txt", "not a number"),
    ("c.csv", "time_s,nose_x\n0,1\n", "csv", "_x or _y"),
    ("c.csv", "t,nose_x,nose_y\n0,1,2\n", "csv", "time_s"),
    ("c.csv", "time_s,nose_x,nose_y\n0,1\n", "csv", "cells"),
    ("c.csv", "time_s,nose_x,nose_y\n0,1,2\n0,1,2\n", "csv", "strictly increasing"),
    ("c.csv", "time_s,nose_x,nose_y\n0,1,abc\n", "csv", "not a number"),
]


@pytest.mark.parametrize(("name", "text", "fmt", "message"), BAD_FILES)
def test_corrupted_files_give_one_line_errors(tmp_path, name, text, fmt, message):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidRecording) as info:
        read_keypoints(path, format=fmt)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_truncated_keraal_file_is_reported(keraal_dir, tmp_path):  # type: ignore[no-untyped-def]
    text = (keraal_dir / "G3-Vicon-ELK-P1T1-Unknown-C-0.txt").read_text()
    cut = tmp_path / "cut.txt"
    cut.write_text(text[: len(text) // 2])  # ends mid-row
    with pytest.raises(InvalidRecording, match="line 193"):
        read_keypoints(cut, format="vicon_txt")


def test_missing_file_and_folder(tmp_path):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidRecording, match="not found"):
        read_keypoints(tmp_path / "nope.json")
    with pytest.raises(InvalidRecording, match="folder"):
        read_keypoints(tmp_path)
    binary = tmp_path / "x.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InvalidRecording):
        read_keypoints(binary, format="blazepose_json")


def test_json_detected_by_content(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "clip.json"
    path.write_text(json.dumps({"positions": {"1.0": {"Neck": [0.5, 0.5]}}}))
    assert detect_format(path) == "openpose_json"
    series = read_keypoints(path)
    assert series.n_frames == 1 and np.isnan(series.positions[0, series.index("nose"), 0])


def _person(scale: float, n_points: int = 25) -> dict[str, list[float]]:
    points: list[float] = []
    for k in range(n_points):
        points += [100.0 + k, 200.0 + k, scale]
    return {"pose_keypoints_2d": points}


def test_openpose_frames_folder(tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "clip"
    folder.mkdir()
    frames = [
        {"people": [_person(0.9)]},
        {"people": []},
        {"people": [_person(0.2), _person(0.8)]},
    ]
    frames[0]["people"][0]["pose_keypoints_2d"][2 * 3 + 2] = 0.0  # RShoulder not found
    for k, frame in enumerate(frames):
        (folder / f"clip_{k:012d}_keypoints.json").write_text(json.dumps(frame))
    assert detect_format(folder) == "openpose_frames"
    series = read_keypoints(folder, sample_rate_hz=25)
    assert series.positions.shape == (3, 25, 2)
    assert series.metadata["layout"] == "BODY_25"
    assert np.isnan(series.positions[0, series.index("right_shoulder")]).all()
    assert series.confidence[0, series.index("right_shoulder")] == 0
    assert np.isnan(series.positions[1]).all()
    assert series.confidence[2, 0] == pytest.approx(0.8)  # the most confident person
    assert series.time_s[2] == pytest.approx(2 / 25)
    assert "mid_hip" in series.names
    single = read_keypoints(folder / "clip_000000000002_keypoints.json", person=0)
    assert single.n_frames == 1 and single.confidence[0, 0] == pytest.approx(0.2)


def test_openpose_frames_errors(tmp_path):  # type: ignore[no-untyped-def]
    bad = tmp_path / "x_keypoints.json"
    bad.write_text(json.dumps({"people": [{"pose_keypoints_2d": [1, 2, 3]}]}))
    with pytest.raises(InvalidRecording, match="54 .COCO-18. or 75"):
        read_keypoints(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InvalidRecording, match="folder"):
        read_keypoints(empty)
