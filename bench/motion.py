"""Motion analysis speed, and camera-vs-Vicon agreement on KERAAL (``python -m bench.motion``).

- Batch: an hour of keypoints (108,000 frames at 30 Hz) built by tiling the real KERAAL
  BlazePose ELK recording (2D front view) and the Kinect one (3D, every measure defined);
  all measures + Butterworth + event analysis. Goal >= 3,000 frames/s.
- Streaming: per-frame latency of ``StreamingAnalyzer.push_keypoints`` (p50/p99/max) over
  20,000 frames of the same data. Goal p99 <= 0.3 ms.
- Agreement: trunk lateral flexion of BlazePose, OpenPose and Kinect against Vicon on ELK.
"""

from __future__ import annotations

import gc
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from spinecoach.content.loader import load_exercise_file, load_source_tags
from spinecoach.domain.exercise import Exercise
from spinecoach.motion.agreement import compare_signals
from spinecoach.motion.analysis import analyze, analyze_measures, error_codes_for
from spinecoach.motion.filters import filter_measures
from spinecoach.motion.measures import compute_measures
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import KeypointSeries
from spinecoach.settings import default_content_dir
from spinecoach.sources.keypoints import read_keypoints

KERAAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "keraal"
HOUR_FRAMES = 108_000
STREAM_FRAMES = 20_000


def machine() -> str:
    """One line describing the machine."""
    return (
        f"{platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, numpy {np.__version__}"
    )


def side_bend() -> Exercise:
    """The seated side bend exercise from its data file."""
    root = default_content_dir()
    path = root / "exercises" / "seated_side_bend.toml"
    return load_exercise_file(path, load_source_tags(root)).to_domain()


def tiled(series: KeypointSeries, n_frames: int, rate_hz: float = 30.0) -> KeypointSeries:
    """Repeat ``series`` to ``n_frames`` frames on a fresh ``rate_hz`` time base."""
    reps = -(-n_frames // series.n_frames)
    positions = np.tile(series.positions, (reps, 1, 1))[:n_frames]
    confidence = np.tile(series.confidence, (reps, 1))[:n_frames]
    time_s = np.arange(n_frames) / rate_hz
    return KeypointSeries(time_s, series.names, positions, confidence, series.frame, series.source)


def bench_batch(series: KeypointSeries, exercise: Exercise, label: str) -> None:
    """Print batch throughput of each stage and of the whole pipeline."""
    start = time.perf_counter()
    measures = compute_measures(series)
    t_measures = time.perf_counter() - start
    start = time.perf_counter()
    filter_measures(measures, "butterworth")
    t_filter = time.perf_counter() - start
    start = time.perf_counter()
    result = analyze_measures(
        measures,
        exercise.signature,
        dose=exercise.dose,
        exercise_id=exercise.id,
        error_codes=error_codes_for(exercise),
    )
    t_events = time.perf_counter() - start
    start = time.perf_counter()
    analyze(series, exercise)
    t_analyze = time.perf_counter() - start
    n = series.n_frames
    total = t_measures + t_filter + t_events
    print(f"batch, {n} frames ({n / 30 / 3600:.1f} h at 30 Hz), tiled KERAAL {label} ELK:")
    print(f"  all {len(measures.values)} measures : {n / t_measures:12,.0f} frames/s")
    print(f"  butterworth all      : {n / t_filter:12,.0f} frames/s")
    print(f"  events (primary)     : {n / t_events:12,.0f} frames/s")
    print(f"  measures+filter+events: {n / total:11,.0f} frames/s  (goal >= 3,000)")
    print(
        f"  analyze(series, ex)  : {n / t_analyze:12,.0f} frames/s "
        f" ({len(result.repetitions)} reps)"
    )


def _stream_once(series: KeypointSeries, exercise: Exercise) -> tuple[np.ndarray, np.ndarray, int]:
    analyzer = StreamingAnalyzer(
        exercise.signature,
        dose=exercise.dose,
        frame=series.frame,
        exercise_id=exercise.id,
        error_codes=error_codes_for(exercise),
    )
    times = series.time_s.tolist()
    wall = np.empty(series.n_frames)
    cpu = np.empty(series.n_frames)
    gc.collect()
    for i in range(series.n_frames):
        positions, confidence = series.positions[i], series.confidence[i]
        start_cpu = time.thread_time_ns()
        start = time.perf_counter_ns()
        analyzer.push_keypoints(times[i], positions, confidence, series.names)
        wall[i] = time.perf_counter_ns() - start
        cpu[i] = time.thread_time_ns() - start_cpu
    return wall / 1e6, cpu / 1e6, len(analyzer.finish().repetitions)


def bench_streaming(
    series: KeypointSeries, exercise: Exercise, label: str, trials: int = 3
) -> None:
    """Print per-frame latency percentiles of the streaming analyser.

    Several trials, wall-clock and thread CPU time: on a shared 2-core machine other
    processes preempt the analyser and inflate the wall-clock tail; CPU time shows the cost
    of the analysis itself.
    """
    print(f"streaming, {series.n_frames} frames of {label}, push_keypoints per frame:")
    for trial in range(1, trials + 1):
        wall, cpu, n_reps = _stream_once(series, exercise)
        print(
            f"  trial {trial}: wall p50 {np.percentile(wall, 50):.3f} ms, p99 "
            f"{np.percentile(wall, 99):.3f} ms (goal <= 0.3), max {wall.max():.2f} ms | "
            f"CPU p50 {np.percentile(cpu, 50):.3f} ms, p99 {np.percentile(cpu, 99):.3f} ms | "
            f"{n_reps} reps, load average {os.getloadavg()[0]:.1f}"
        )


def bench_agreement() -> None:
    """Print trunk lateral flexion agreement with Vicon for each camera/depth system."""
    angle = "trunk_lateral_flexion_deg"
    vicon = read_keypoints(KERAAL / "G3-Vicon-ELK-P1T1-Unknown-C-0.txt")
    ref = compute_measures(vicon, names=[angle]).values[angle]
    exercise = side_bend()
    print("agreement with Vicon, trunk_lateral_flexion_deg, KERAAL ELK (after zero offset):")
    for system, name in (
        ("BlazePose", "G3-BP-ELK-P1T1-Unknown-C-0.json"),
        ("OpenPose", "G3-OP-ELK-P1T1-Unknown-C-0.json"),
        ("Kinect", "G3-Kinect-ELK-P1T1-Unknown-C-0.txt"),
    ):
        series = read_keypoints(KERAAL / name)
        values = compute_measures(series, names=[angle]).values[angle]
        raw = compare_signals(series.time_s, values, vicon.time_s, ref, max_lag_s=0.0)
        aligned = compare_signals(series.time_s, values, vicon.time_s, ref)
        reps = analyze(series, exercise).repetitions
        print(
            f"  {system:9s} no shift: RMSE {raw.rmse_deg:4.2f} deg, r {raw.pearson_r:.4f}; "
            f"best shift {aligned.lag_s * 1000:+4.0f} ms: RMSE {aligned.rmse_deg:4.2f} deg, "
            f"r {aligned.pearson_r:.4f}; excursions {[r.side.value for r in reps]}"
        )
    reps = analyze(vicon, exercise).repetitions
    print(f"  Vicon     excursions {[r.side.value for r in reps]}")


def main() -> None:
    """Run the motion benchmarks and print the figures."""
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    if not KERAAL.is_dir():
        print(f"KERAAL data not found at {KERAAL}; nothing to measure")
        return
    exercise = side_bend()
    for label, name in (
        ("BlazePose (2D front view)", "G3-BP-ELK-P1T1-Unknown-C-0.json"),
        ("Kinect (3D)", "G3-Kinect-ELK-P1T1-Unknown-C-0.txt"),
    ):
        base = read_keypoints(KERAAL / name)
        bench_batch(tiled(base, HOUR_FRAMES), exercise, label)
        bench_streaming(tiled(base, STREAM_FRAMES), exercise, label)
    bench_agreement()


if __name__ == "__main__":
    main()
