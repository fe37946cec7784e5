"""CPU cost of the sitting-posture monitor at 1 frame per second.

Run: ``python -m bench.posture_monitor``.

The monitor's local-process path, as the web page drives it: once a second a 640x360 JPEG
arrives (here: frames of the real clip ``sports2d_walk_side.mp4``, downscaled and
JPEG-encoded in advance, as the browser would send them), is decoded, MediaPipe BlazePose
runs on it, the frame's features go into :class:`PostureMonitor`. The loop is paced in real
time, so MediaPipe's idle threads are counted too. The figure is process CPU time
(user + system, all threads) / wall time, as a percentage of one core; the issue's budget is
5 %. The load average is printed beside it.

Options: ``--seconds S`` (default 60), ``--fps F`` (default 1).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO.parent / "shared" / "data" / "video" / "sports2d_walk_side.mp4"


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _jpegs(n: int) -> list[bytes]:
    import cv2

    from spinecoach.sources.video.decode import VideoFileStream

    out: list[bytes] = []
    with VideoFileStream(CLIP) as stream:
        for index, frame in enumerate(stream):
            if index % 15:
                continue
            small = cv2.resize(frame.image_bgr, (640, 360), interpolation=cv2.INTER_AREA)
            ok, buffer = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 70])
            if ok:
                out.append(buffer.tobytes())
            if len(out) >= n:
                break
    return out


def run(seconds: float, fps: float) -> dict[str, float]:
    """Run the paced monitor loop; return the CPU figures."""
    import cv2
    import numpy as np

    from spinecoach.motion.posture_monitor import PostureMonitor, frame_sample
    from spinecoach.sources.pose import create_backend

    jpegs = _jpegs(30)
    backend = create_backend("mediapipe")
    monitor = PostureMonitor()
    # warm-up (model load) outside the measurement
    backend.estimate(cv2.imdecode(np.frombuffer(jpegs[0], np.uint8), cv2.IMREAD_COLOR))
    period = 1.0 / fps
    n_frames = int(seconds * fps)
    busy = 0.0
    cpu0, wall0 = _cpu_s(), time.perf_counter()
    for i in range(n_frames):
        due = wall0 + i * period
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        start = time.perf_counter()
        image = cv2.imdecode(np.frombuffer(jpegs[i % len(jpegs)], np.uint8), cv2.IMREAD_COLOR)
        positions, confidence = backend.estimate(image)
        monitor.push(i * period, frame_sample(positions, confidence, backend.keypoint_names))
        busy += time.perf_counter() - start
    # account for the last period fully
    pause = wall0 + n_frames * period - time.perf_counter()
    if pause > 0:
        time.sleep(pause)
    cpu = _cpu_s() - cpu0
    wall = time.perf_counter() - wall0
    backend.close()
    return {
        "fps": fps,
        "frames": float(n_frames),
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_pct_of_one_core": 100.0 * cpu / wall,
        "cpu_ms_per_frame": 1000.0 * cpu / max(n_frames, 1),
        "busy_ms_per_frame": 1000.0 * busy / max(n_frames, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the monitor's CPU share at the requested rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=1.0)
    args = parser.parse_args(argv)
    if not CLIP.exists():
        print(f"skipped: {CLIP} not found")
        return
    load_before = os.getloadavg()
    result = run(args.seconds, args.fps)
    load_after = os.getloadavg()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs")
    print(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1-min); "
        f"{int(result['frames'])} frames at {result['fps']:g} fps over {result['wall_s']:.1f} s"
    )
    print(
        f"posture monitor CPU: {result['cpu_pct_of_one_core']:.2f} % of one core "
        f"({result['cpu_ms_per_frame']:.1f} ms CPU per frame, all threads; "
        f"{result['busy_ms_per_frame']:.1f} ms wall per frame); budget 5 %"
    )


if __name__ == "__main__":
    main()
