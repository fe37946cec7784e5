"""CPU cost of the sitting-posture monitor at 1 frame per second.

Run: ``python -m bench.posture_monitor``.

The monitor's local-process path, as the web page drives it: once a second a 640x360 JPEG
arrives (here: frames of the real clip ``sports2d_walk_side.mp4``, downscaled and
JPEG-encoded in advance, as the browser would send them), is decoded, MediaPipe BlazePose
runs on it, the frame's features go into :class:`PostureMonitor`. The loop is paced in real
time, so MediaPipe's idle threads are counted too. The figure is process CPU time
(user + system, all threads) / wall time, as a percentage of one core; the issue's budget is
5 %. The load average is printed beside it.

Options: ``--seconds S`` (default 60), ``--fps F`` (default 1), ``--source camera|imu|both``
(default both).

The **back-IMU path** (``--source imu``): protocol lines (docs/imu.md) arrive as the phone
page or a sensor bridge sends them, ten lines a message, paced in real time at the
recording's own rate, and go through the whole live path: JSON parsing, frame assembly,
orientation filter, calibration and angles (:class:`~spinecoach.sources.imu.live.
ImuLineDecoder`), then :class:`~spinecoach.sources.posture_imu.ImuMonitorFeed` (about one
sample a second) and :class:`PostureMonitor`. Two streams: the real recording
``imu/fusion_sensor_data.csv`` (one sensor, ~99 Hz, x-io Fusion) as a phone on the sacrum, and
a simulated dual-sensor stream (upper + lower, 100 Hz) of upright then slumped sitting. The
pose estimator is not loaded in that run, so the figure is the IMU path alone.
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
FUSION = REPO.parent / "shared" / "data" / "imu" / "fusion_sensor_data.csv"
LINES_PER_MESSAGE = 10


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


def _imu_streams() -> dict[str, list[tuple[float, str]]]:
    """Protocol lines ``(t_s, line)`` of the real single-sensor recording and a simulated
    dual-sensor one."""
    from spinecoach.motion.imu_types import Placement
    from spinecoach.sources.imu import simulate as sim
    from spinecoach.sources.imu.formats import ReadOptions
    from spinecoach.sources.imu.registry import read_imu
    from spinecoach.sources.imu.transport import recording_lines

    streams: dict[str, list[tuple[float, str]]] = {}
    if FUSION.exists():
        real = read_imu(FUSION, options=ReadOptions(placement=Placement.LOWER))
        streams["real 1-sensor ~99 Hz (fusion_sensor_data.csv)"] = list(recording_lines(real))
    sim.MOVEMENTS.setdefault(
        "bench_slump",
        sim.Movement(
            "bench_slump",
            "lumbar_flexion_deg",
            lower_sagittal=-12.0,
            upper_sagittal=10.0,
            lever_m=0.1,
        ),  # fmt: skip
    )
    dual = sim.simulate("bench_slump", n_reps=1, rep_s=60.0, hold_s=60.0, rest_s=0.0,
                        sample_rate_hz=100.0).recording  # fmt: skip
    streams["simulated 2-sensor 100 Hz"] = list(recording_lines(dual))
    return streams


def run_imu(seconds: float, fps: float, lines: list[tuple[float, str]]) -> dict[str, float]:
    """Paced IMU monitor loop over ``lines`` (looped if shorter than ``seconds``)."""
    from spinecoach.motion.posture_monitor import PostureMonitor
    from spinecoach.sources.posture_imu import ImuMonitorFeed

    duration = lines[-1][0] - lines[0][0]
    feed, monitor = ImuMonitorFeed(fps=fps), PostureMonitor()
    messages: list[tuple[float, str]] = []
    for i in range(0, len(lines), LINES_PER_MESSAGE):
        chunk = lines[i : i + LINES_PER_MESSAGE]
        messages.append((chunk[-1][0] - lines[0][0], "\n".join(line for _, line in chunk)))
    n_samples = 0
    cpu0, wall0 = _cpu_s(), time.perf_counter()
    sent = 0
    while True:
        loop, index = divmod(sent, len(messages))
        due = loop * duration + messages[index][0]
        if due > seconds:
            break
        if loop and index == 0:  # the stream restarts: a new sensor session
            feed = ImuMonitorFeed(fps=fps)
        pause = wall0 + due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        for t_s, sample in feed.feed(messages[index][1]):
            monitor.push(loop * duration + t_s, sample)
            n_samples += 1
        sent += 1
    pause = wall0 + seconds - time.perf_counter()
    if pause > 0:
        time.sleep(pause)
    cpu = _cpu_s() - cpu0
    wall = time.perf_counter() - wall0
    n_lines = sent * LINES_PER_MESSAGE
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_pct_of_one_core": 100.0 * cpu / wall,
        "lines_per_s": n_lines / wall,
        "monitor_samples": float(n_samples),
        "us_per_line": 1e6 * cpu / max(n_lines, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the monitor's CPU share at the requested rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=1.0)
    parser.add_argument("--source", choices=("camera", "imu", "both"), default="both")
    args = parser.parse_args(argv)
    if args.source in ("imu", "both"):
        for name, lines in _imu_streams().items():
            load_before = os.getloadavg()
            figures = run_imu(args.seconds, args.fps, lines)
            load_after = os.getloadavg()
            print(
                f"IMU monitor, {name}: {figures['cpu_pct_of_one_core']:.2f} % of one core "
                f"({figures['lines_per_s']:.0f} lines/s, {figures['us_per_line']:.0f} us CPU "
                f"per line, {int(figures['monitor_samples'])} monitor samples over "
                f"{figures['wall_s']:.1f} s); load average before {load_before[0]:.2f}, "
                f"after {load_after[0]:.2f}; budget 5 %"
            )
    if args.source == "imu":
        return
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
