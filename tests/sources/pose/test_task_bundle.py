"""The pose-landmarker ``.task`` bundle built from the mediapipe wheel's own models."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from spinecoach.sources.pose.task_bundle import build_pose_task, main

pytestmark = pytest.mark.slow


def test_bundle_runs_in_the_tasks_api_like_the_server_side_model(
    tmp_path: Path, shared_data: Path
) -> None:
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from spinecoach.sources.pose import create_backend

    task = build_pose_task(tmp_path / "pose_landmarker_full.task")
    with zipfile.ZipFile(task) as bundle:
        assert sorted(bundle.namelist()) == [
            "pose_detector.tflite",
            "pose_landmarks_detector.tflite",
        ]
    capture = cv2.VideoCapture(str(shared_data / "video" / "sports2d_walk_side.mp4"))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 60)
    ok, frame = capture.read()
    capture.release()
    assert ok
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(task)),
        running_mode=vision.RunningMode.IMAGE,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        image = mp.Image(
            image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        )
        result = landmarker.detect(image)
    assert len(result.pose_landmarks) == 1
    height, width = frame.shape[:2]
    tasks_xy = np.array([[p.x * width, p.y * height] for p in result.pose_landmarks[0]])
    server_xy = create_backend("mediapipe", model_complexity=1).estimate(frame)[0][:, :2]
    torso_and_legs = [11, 12, 23, 24, 25, 26, 27, 28]
    gap = np.abs(tasks_xy[torso_and_legs] - server_xy[torso_and_legs]).max()
    print(f"largest torso/leg landmark difference: {gap:.2f} px on {width}x{height}")
    assert gap < 3.0  # the same model through two runtimes


def test_main_writes_the_bundle_and_explains_usage(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
    assert main([str(tmp_path / "out.task")]) == 0
    assert (tmp_path / "out.task").stat().st_size > 5_000_000
