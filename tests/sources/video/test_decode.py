"""Streaming decode of video files and real-time pacing."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from spinecoach.errors import InvalidRecording
from spinecoach.sources.video.decode import Frame, VideoFileStream, is_video_file, paced


def test_stream_reports_size_rate_and_yields_each_frame(short_walk_clip: Path) -> None:
    with VideoFileStream(short_walk_clip) as stream:
        info = stream.info
        frames = [(f.index, f.t_s, f.image_bgr.shape) for f in stream]
    assert (info.width_px, info.height_px, info.fps, info.n_frames) == (1280, 720, 30.0, 90)
    assert len(frames) == 90
    assert frames[-1][:2] == (89, pytest.approx(89 / 30))
    assert all(shape == (720, 1280, 3) for _, _, shape in frames)


def test_max_frames_stops_early(short_walk_clip: Path) -> None:
    with VideoFileStream(short_walk_clip, max_frames=10) as stream:
        assert stream.info.n_frames == 10
        assert sum(1 for _ in stream) == 10


def test_missing_and_undecodable_files_give_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidRecording, match="not found"):
        VideoFileStream(tmp_path / "nope.mp4")
    bogus = tmp_path / "bogus.mp4"
    bogus.write_text("this is not a video\n")
    with pytest.raises(InvalidRecording, match="bogus.mp4"):
        with VideoFileStream(bogus) as stream:
            list(stream)


def test_is_video_file() -> None:
    assert is_video_file(Path("a.MP4"))
    assert not is_video_file(Path("a.json"))


def test_paced_replays_at_the_requested_speed() -> None:
    frames = [Frame(i, i / 30.0, np.zeros((2, 2, 3), np.uint8)) for i in range(16)]
    start = time.monotonic()
    out = list(paced(iter(frames), speed=2.0))
    elapsed = time.monotonic() - start
    assert len(out) == 16
    assert 0.24 <= elapsed < 0.6  # 15 frames at 30 fps = 0.5 s, halved
