"""Camera pipeline throughput and memory (``python -m bench.video``).

1. Throughput on the same 720p clip (``sports2d_walk_side.mp4``, 1280x720, 401 frames), in
   one run: pose estimation alone (time inside ``backend.estimate`` only), end to end
   without overlay (decode + pose + tracking gate + streaming analysis), end to end with
   overlay and annotated-video writing, and end to end with frames downscaled to 640 px
   before pose. Reported as frames/s and as a ratio to pose alone.
2. Peak RSS of ``analyze``'s video path (``process_video`` + analysis) on a one-minute and a
   ten-minute 720p video built by looping the clip (``ffmpeg -stream_loop``, no re-encode;
   OpenCV re-encoding if ffmpeg is missing), each in a fresh process.

Options: ``--minutes M`` (length of the long video, default 10), ``--skip-memory``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO.parent / "shared" / "data" / "video" / "sports2d_walk_side.mp4"
EXERCISE = "slow_walking"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{platform.platform()}, {cpu}, {os.cpu_count()} CPUs"


def _pose_alone(clip: Path) -> tuple[int, float]:
    from spinecoach.sources.pose import create_backend
    from spinecoach.sources.video.decode import VideoFileStream

    busy_s = 0.0
    n = 0
    with VideoFileStream(clip) as stream, create_backend("mediapipe") as backend:
        for frame in stream:
            start = time.perf_counter()
            backend.estimate(frame.image_bgr)
            busy_s += time.perf_counter() - start
            n += 1
    return n, n / busy_s


class _TimedBackend:
    """Wraps a backend and accumulates the seconds spent inside ``estimate``."""

    def __init__(self, backend):  # type: ignore[no-untyped-def]
        self.backend = backend
        self.name = backend.name
        self.keypoint_names = backend.keypoint_names
        self.busy_s = 0.0

    def estimate(self, frame_bgr):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = self.backend.estimate(frame_bgr)
        self.busy_s += time.perf_counter() - start
        return result

    def close(self) -> None:
        self.backend.close()


def _end_to_end(
    clip: Path, overlay: bool, input_max_side_px: int | None = None
) -> tuple[float, float]:
    """Frames/s end to end, and the fraction of that time spent in pose estimation."""
    from spinecoach.content import load_library
    from spinecoach.sources.pose import create_backend
    from spinecoach.sources.video.decode import VideoFileStream
    from spinecoach.sources.video.session import build_pipeline
    from spinecoach.sources.video.writer import AnnotatedVideoWriter

    exercise = load_library().get(EXERCISE)
    with tempfile.TemporaryDirectory() as tmp, VideoFileStream(clip) as stream:
        backend = _TimedBackend(create_backend("mediapipe", input_max_side_px=input_max_side_px))
        info = stream.info
        pipeline = build_pipeline(
            info, exercise, draw=overlay, keep_keypoints=True, backend=backend
        )
        writer = (
            AnnotatedVideoWriter(Path(tmp) / "out.mp4", info.width_px, info.height_px, info.fps)
            if overlay
            else None
        )
        start = time.perf_counter()
        n = 0
        for frame in stream:
            pipeline.process(frame)
            if writer is not None:
                writer.write(frame.image_bgr)
            n += 1
        elapsed = time.perf_counter() - start
        if writer is not None:
            writer.close()
        backend.close()
    return n / elapsed, backend.busy_s / elapsed


def _loop_clip(clip: Path, target: Path, minutes: float) -> Path:
    from spinecoach.sources.video.decode import VideoFileStream

    with VideoFileStream(clip) as stream:
        clip_s = (stream.info.n_frames or 1) / stream.info.fps
    loops = max(1, round(minutes * 60 / clip_s))
    if shutil.which("ffmpeg"):
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-stream_loop",
                str(loops - 1),
                "-i",
                str(clip),
                "-c",
                "copy",
                str(target),
            ],
            check=True,
        )
        return target
    import cv2

    writer = None
    for _ in range(loops):
        capture = cv2.VideoCapture(str(clip))
        while True:
            ok, image = capture.read()
            if not ok:
                break
            if writer is None:
                h, w = image.shape[:2]
                writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (w, h))
            writer.write(image)
        capture.release()
    assert writer is not None
    writer.release()
    return target


def _memory_child(video: str) -> None:
    """Run in a fresh process: analyze ``video`` and print frames, fps and RSS samples."""
    from spinecoach.content import load_library
    from spinecoach.sources.analysis_input import AnalyzeOptions
    from spinecoach.sources.video import handler

    samples: list[str] = []
    original = handler.VideoFileStream.__iter__

    def sampled(self):  # type: ignore[no-untyped-def]
        for frame in original(self):
            if frame.index % 3000 == 0:
                samples.append(f"{frame.index}:{_rss_mb():.0f}")
            yield frame

    handler.VideoFileStream.__iter__ = sampled  # type: ignore[method-assign]
    start = time.perf_counter()
    output = handler.analyze_video(
        Path(video), AnalyzeOptions(exercise=load_library().get(EXERCISE))
    )
    elapsed = time.perf_counter() - start
    n = output.keypoints.n_frames if output.keypoints is not None else 0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RESULT {n} {n / elapsed:.1f} {peak_mb:.0f} {' '.join(samples)}", flush=True)


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _measure_memory(video: Path) -> tuple[int, float, float, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bench.video", "--child", str(video)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))
    _, n, fps, peak, *samples = line.split()
    return int(n), float(fps), float(peak), " ".join(samples)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.video")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args([] if argv is None else argv)
    if args.child:
        _memory_child(args.child)
        return
    print(f"machine: {_machine()}")
    print(f"clip: {CLIP.name} (1280x720, 30 fps); MediaPipe Pose model_complexity=1")
    print("best of 3 alternating rounds (the machine may be shared; see load below)")
    configs = {
        "end to end, no overlay               ": (False, None),
        "end to end, overlay + video writing  ": (True, None),
        "end to end, no overlay, pose at 640px": (False, 640),
    }
    pose_runs: list[float] = []
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in configs}
    n = 0
    for _ in range(3):
        n, pose_fps = _pose_alone(CLIP)
        pose_runs.append(pose_fps)
        for label, (overlay, max_side) in configs.items():
            runs[label].append(_end_to_end(CLIP, overlay, max_side))
    pose_fps = max(pose_runs)
    print(f"pose alone (estimate only)             {pose_fps:6.1f} frames/s over {n} frames")
    for label, results in runs.items():
        fps, share = max(results)
        print(
            f"{label} {fps:6.1f} frames/s  ratio to pose alone {fps / pose_fps:.2f}  "
            f"(pose is {100 * share:.0f} % of its own run)"
        )
    print(f"load average after the runs: {os.getloadavg()[0]:.1f}")
    if args.skip_memory:
        return
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in (1.0, args.minutes):
            video = _loop_clip(CLIP, Path(tmp) / f"loop_{minutes:g}min.mp4", minutes)
            n_frames, fps, peak_mb, samples = _measure_memory(video)
            print(
                f"{minutes:g}-minute 720p video: {n_frames} frames analysed at {fps:.1f} frames/s, "
                f"peak RSS {peak_mb:.0f} MB (RSS by frame: {samples})",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
