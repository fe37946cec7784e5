"""``spinecoach analyze VIDEO``: annotated video, keypoint export round trip, JSON, errors."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from spinecoach.cli import main
from spinecoach.sources.keypoints import read_keypoints

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analyzed(short_walk_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One CLI run on the 3 s walk clip with every output, shared by the tests below."""
    out = tmp_path_factory.mktemp("analyze")
    video = out / "annotated.mp4"
    keypoints = out / "keypoints.csv"
    angles = out / "angles.csv"
    capture: list[str] = []
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(
            [
                "analyze",
                str(short_walk_clip),
                "--exercise",
                "slow_walking",
                "--json",
                "--out-video",
                str(video),
                "--keypoints-out",
                str(keypoints),
                "--angles-csv",
                str(angles),
            ]
        )
    capture.append(buffer.getvalue())
    return {
        "code": code,
        "json": json.loads(capture[0]),
        "video": video,
        "keypoints": keypoints,
        "angles": angles,
    }


def test_annotated_video_is_written_and_decodes(analyzed: dict[str, object]) -> None:
    assert analyzed["code"] == 0
    capture = cv2.VideoCapture(str(analyzed["video"]))
    assert capture.isOpened()
    n = 0
    first = None
    while True:
        ok, image = capture.read()
        if not ok:
            break
        first = image if first is None else first
        n += 1
    assert n == 90
    assert first is not None and first.shape == (720, 1280, 3)
    # The HUD panel (dark, semi-transparent) is drawn in the top-left corner.
    original = cv2.VideoCapture(str(analyzed["video"]).replace("annotated", "x"))
    assert not original.isOpened()
    assert float(first[30:150, 30:400].mean()) < 150.0


def test_keypoint_export_round_trips_through_the_reader(
    analyzed: dict[str, object], clip_pose
) -> None:  # type: ignore[no-untyped-def]
    series = read_keypoints(analyzed["keypoints"])  # type: ignore[arg-type]
    assert series.names[11] == "left_shoulder"
    assert series.n_frames == 90
    assert series.n_dims == 3
    assert (series.frame.width_px, series.frame.height_px) == (1280, 720)
    np.testing.assert_allclose(series.time_s, np.arange(90) / 30.0)
    # Same keypoints as pose estimation on the same frames of the full clip (the clip was
    # re-encoded, so allow a few pixels).
    full, _ = clip_pose("sports2d_walk_side.mp4")
    both = np.isfinite(series.positions[..., 0]) & np.isfinite(full.positions[60:150, :, 0])
    assert both[:, 11].mean() > 0.9
    diff = np.abs(series.positions[..., :2] - full.positions[60:150, :, :2])[both]
    assert np.median(diff) < 5.0


def test_export_is_exact(tmp_path: Path, clip_pose) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.sources.keypoints import write_keypoints_csv

    series, _ = clip_pose("pose2sim_single_cam01.mp4")
    path = write_keypoints_csv(series, tmp_path / "k.csv")
    back = read_keypoints(path)
    assert back.names == series.names
    np.testing.assert_array_equal(back.time_s, series.time_s)
    np.testing.assert_array_equal(back.positions, series.positions)
    np.testing.assert_array_equal(back.confidence, series.confidence)


def test_json_carries_analysis_and_camera_tracking(analyzed: dict[str, object]) -> None:
    payload = analyzed["json"]
    assert isinstance(payload, dict)
    assert payload["exercise"] == "slow_walking"
    assert payload["source"] == "video/mediapipe"
    tracking = payload["tracking"]
    assert tracking["camera_detection_rate"] == 1.0
    assert tracking["camera_person_switches"] == []
    assert "left_knee" in tracking["camera_required_keypoints"]
    assert len(payload["repetitions"]) >= 3  # ~6 steps in 3 s of walking
    header = Path(analyzed["angles"]).read_text().splitlines()[0].split(",")  # type: ignore[arg-type]
    assert header[0] == "time_s" and "left_knee_flexion_deg" in header


def test_options_for_other_inputs_are_refused(short_walk_clip: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["analyze", str(short_walk_clip), "--fps", "25"]) == 2
    assert "--fps does not apply to a video" in capsys.readouterr().err


def test_undecodable_video_exits_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bogus = tmp_path / "broken.mp4"
    bogus.write_bytes(b"\x00" * 100)
    assert main(["analyze", str(bogus)]) == 2
    err = capsys.readouterr().err
    assert "broken.mp4" in err and len(err.strip().splitlines()) == 1


def test_progress_bar_run(short_walk_clip: Path) -> None:
    from spinecoach.sources.video.handler import VideoOptions, process_video

    video = process_video(short_walk_clip, VideoOptions(progress=True, max_frames=20))
    assert video.series.n_frames == 20
    assert video.tracking["detection_rate"] == 1.0
    assert video.processing_fps > 0
