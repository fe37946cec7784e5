"""``spinecoach exercises show ID --demo-out FILE``: the demonstration as a GIF or MP4."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from spinecoach.cli import main
from spinecoach.content import load_library
from spinecoach.motion.demonstration import demonstration_steps


def test_gif_plays_the_demonstration_at_its_dose_tempo(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cat_cow.gif"
    assert main(["exercises", "show", "cat_cow", "--demo-out", str(out)]) == 0
    assert "cat_cow.gif" in capsys.readouterr().out
    total_s = demonstration_steps(load_library().get("cat_cow"))[-1].end_s
    with Image.open(out) as gif:
        assert 0.5 * total_s * 10 < gif.n_frames <= total_s * 10 + 1  # still frames merge
        durations = []
        frames = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
            frames.append(np.asarray(gif.convert("L"), dtype=float))
    assert sum(durations) / 1000 == pytest.approx(total_s, abs=0.2)
    # the figure moves: some frame differs clearly from the start position
    assert max(np.abs(frames[0] - f).mean() for f in frames) > 0.5


def test_mp4_from_the_front(tmp_path: Path) -> None:
    out = tmp_path / "side_bend.mp4"
    assert (
        main(["exercises", "show", "seated_side_bend", "--demo-out", str(out), "--view", "front"])
        == 0
    )
    video = cv2.VideoCapture(str(out))
    try:
        count = int(video.get(cv2.CAP_PROP_FRAME_COUNT))
        ok, frame = video.read()
    finally:
        video.release()
    assert ok and frame.shape[1] == 480 and count > 100


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--demo-out", "x.avi"], "expected a .gif, .mp4 or .png"),
        (["--demo-out", "/no/such/folder/x.gif"], "does not exist"),
        (["--demo-out", "x.gif", "--view", "top"], "--view"),
    ],
)
def test_bad_demo_output_is_one_line_exit_2(
    tmp_path: Path, capsys, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    assert main(["exercises", "show", "cat_cow", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error:") and "Traceback" not in err
