"""``spinecoach live``: headless replay of a video as a stand-in camera, and clear errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from spinecoach.cli import main


@pytest.fixture(scope="module")
def clip(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.5 s of the side-view walk (45 frames, downscaled to 640x360)."""
    source = cv2.VideoCapture(str(shared_data / "video" / "sports2d_walk_side.mp4"))
    target = tmp_path_factory.mktemp("live") / "walk.mp4"
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (640, 360))
    for index in range(105):
        ok, image = source.read()
        assert ok
        if index >= 60:
            writer.write(cv2.resize(image, (640, 360), interpolation=cv2.INTER_AREA))
    writer.release()
    source.release()
    return target


@pytest.mark.slow
def test_headless_replay_prints_cues_and_summary(clip: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(
        [
            "live",
            "--video",
            str(clip),
            "--exercise",
            "slow_walking",
            "--headless",
            "--speed",
            "8",
            "--no-speak",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "spinecoach live from" in out and "Slow walking" in out
    assert "45 frames, person detected in 100%" in out


def test_no_display_without_headless_is_a_clear_error(  # type: ignore[no-untyped-def]
    clip: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["live", "--video", str(clip)]) == 2
    assert "--headless" in capsys.readouterr().err


def test_missing_camera_is_a_clear_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["live", "--camera", "57", "--headless"]) == 2
    assert "camera 57: cannot be opened" in capsys.readouterr().err


def test_camera_and_video_together_are_refused(clip: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["live", "--camera", "0", "--video", str(clip), "--headless"]) == 2
    assert "either --camera" in capsys.readouterr().err
