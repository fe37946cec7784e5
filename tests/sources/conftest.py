"""Pose runs on the real clips, computed once per test session (shared by xdist workers).

Each clip's keypoints (MediaPipe, complexity 1) are computed by the first worker that needs
them and cached as ``.npz`` under pytest's shared base temp folder, guarded by a file lock,
so a ``-n 2`` run estimates each clip's poses once.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries

CLIPS = ("sports2d_walk_side.mp4", "sports2d_demo.mp4", "pose2sim_single_cam01.mp4")


def _estimate_clip(video: Path) -> tuple[KeypointSeries, dict[str, object]]:
    from spinecoach.sources.pose import create_backend
    from spinecoach.sources.video.decode import VideoFileStream
    from spinecoach.sources.video.pipeline import CameraPipeline, PipelineConfig

    with VideoFileStream(video) as stream, create_backend("mediapipe") as backend:
        pipeline = CameraPipeline(
            backend, stream.info, config=PipelineConfig(draw=False, check_setup=False)
        )
        n_frames = 0
        for frame in stream:
            pipeline.process(frame)
            n_frames += 1
        assert pipeline.builder is not None
        series = pipeline.builder.build({"fps": stream.info.fps})
        info = {
            "n_frames": n_frames,
            "fps": stream.info.fps,
            "width_px": stream.info.width_px,
            "height_px": stream.info.height_px,
            "switch_frames": pipeline.switch_frames,
        }
    return series, info


def _save(path: Path, series: KeypointSeries, info: dict[str, object]) -> None:
    np.savez(
        path,
        time_s=series.time_s,
        positions=series.positions,
        confidence=series.confidence,
        names=np.array(series.names),
        info=np.array(json.dumps(info)),
    )


def _load(path: Path) -> tuple[KeypointSeries, dict[str, object]]:
    data = np.load(path)
    info = json.loads(str(data["info"]))
    series = KeypointSeries(
        time_s=data["time_s"],
        names=tuple(str(n) for n in data["names"]),
        positions=data["positions"],
        confidence=data["confidence"],
        frame=CoordinateFrame(
            FrameKind.IMAGE, width_px=int(info["width_px"]), height_px=int(info["height_px"])
        ),
        source="mediapipe",
        metadata={"fps": info["fps"]},
    )
    return series, info


@pytest.fixture(scope="session")
def clip_pose(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], tuple[KeypointSeries, dict[str, object]]]:
    """``clip_pose(name) -> (KeypointSeries, info)``: MediaPipe keypoints of a real clip.

    ``info`` has ``n_frames``, ``fps``, ``width_px``, ``height_px`` and the pipeline's
    ``switch_frames``.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this run only
    cache_dir = base / "spinecoach-pose-cache"
    cache_dir.mkdir(exist_ok=True)
    memo: dict[str, tuple[KeypointSeries, dict[str, object]]] = {}

    def get(name: str) -> tuple[KeypointSeries, dict[str, object]]:
        if name in memo:
            return memo[name]
        target = cache_dir / f"{name}.npz"
        with open(cache_dir / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not target.exists():
                series, info = _estimate_clip(shared_data / "video" / name)
                _save(cache_dir / f"{name}.tmp.npz", series, info)
                (cache_dir / f"{name}.tmp.npz").rename(target)
            memo[name] = _load(target)
        return memo[name]

    return get


def write_clip(source: Path, target: Path, start: int, n_frames: int) -> Path:
    """Copy frames ``start .. start + n_frames`` of ``source`` into a new mp4 ``target``."""
    import cv2

    capture = cv2.VideoCapture(str(source))
    fps = capture.get(cv2.CAP_PROP_FPS)
    size = (
        int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
        int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
    )
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    index = 0
    while index < start + n_frames:
        ok, image = capture.read()
        if not ok:
            break
        if index >= start:
            writer.write(image)
        index += 1
    writer.release()
    capture.release()
    return target


@pytest.fixture(scope="session")
def short_walk_clip(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s (90 frames, 1280x720) of the side-view walk, while the walker is in view."""
    folder = tmp_path_factory.mktemp("clips")
    return write_clip(
        shared_data / "video" / "sports2d_walk_side.mp4", folder / "walk_3s.mp4", 60, 90
    )
