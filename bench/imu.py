"""IMU pipeline benchmark: file throughput against imufusion alone, and live latency.

``python -m bench.imu`` prints, for the real x-io Fusion CSV (one 9-axis sensor) and a
simulated 10-minute two-sensor recording:

* imufusion alone: the per-sample ``Ahrs.update*`` + ``get_quaternion`` loop on arrays
  already in memory (the floor of any Python pipeline using it), in sensor-samples/s;
* the whole pipeline from the file: read + checks + orientation + angles + event detection
  (``read_imu`` -> ``recording_measures`` -> ``analyze_imu_measures``, events at ~30 Hz),
  and the same without the file parse; each as samples/s and as a ratio to imufusion
  alone (goal >= 0.5 and >= 300,000 samples/s);
* the issue 11 matrix: two-sensor data at 50 and 100 Hz, with and without magnetometer, as
  ratios, and the milliseconds of each stage (read + checks, orientation + angles, events),
  with the CPU time other threads of the process used (should be about 0: see
  :func:`stages`);
* live per-frame latency (JSON line in -> orientation, angles, streaming events out) through
  :class:`LiveSession`, p50/p99 (goal p99 <= 0.1 ms), and without the JSON parse.

Best of ``REPEATS`` runs for throughput, timed in process CPU time (``BENCH_CLOCK=wall`` for
wall time) so a loaded shared machine does not distort the ratios.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path

import imufusion
import numpy as np

from spinecoach.motion.imu_orientation import AhrsOptions, make_ahrs
from spinecoach.motion.imu_pipeline import (
    ImuStreamProcessor,
    analyze_imu_measures,
    event_stride,
    recording_measures,
)
from spinecoach.motion.imu_types import ImuRecording, PlacementSet
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.sources.imu import read_imu, write_generic_csv
from spinecoach.sources.imu.handler import DEFAULT_SIGNATURES
from spinecoach.sources.imu.live import LiveSession
from spinecoach.sources.imu.simulate import simulate
from spinecoach.sources.imu.transport import recording_lines

REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
#: Throughput clock: this process's CPU time, so that on a shared, loaded machine the other
#: processes' load does not enter the figures (``BENCH_CLOCK=wall`` for wall time).
CLOCK = time.perf_counter if os.environ.get("BENCH_CLOCK") == "wall" else time.process_time


def _fusion_csv() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "imu" / "fusion_sensor_data.csv"
        if candidate.is_file():
            return candidate
    return None


def imufusion_alone(recording: ImuRecording) -> float:
    """Seconds for the bare imufusion loop over every sensor of ``recording``."""
    start = CLOCK()
    for series in recording.sensors.values():
        ahrs = make_ahrs(AhrsOptions(), series.sample_rate_hz)
        gyro, accel, mag = series.gyro_dps, series.accel_g, series.mag_ut
        assert gyro is not None
        quats = np.empty((series.n_samples, 4))
        get_q = ahrs.get_quaternion
        if mag is not None:
            update = ahrs.update
            for i in range(series.n_samples):
                update(gyro[i], accel[i], mag[i])
                quats[i] = get_q()
        else:
            update_nm = ahrs.update_no_magnetometer
            for i in range(series.n_samples):
                update_nm(gyro[i], accel[i])
                quats[i] = get_q()
    return CLOCK() - start


def pipeline(path: Path, parse: bool, recording: ImuRecording | None = None) -> float:
    """Seconds for file (or in-memory recording) -> measures -> events."""
    start = CLOCK()
    rec = read_imu(path) if parse else recording
    assert rec is not None
    measures = recording_measures(rec)
    signature = DEFAULT_SIGNATURES[
        rec.placement_set if rec.placement_set in DEFAULT_SIGNATURES else PlacementSet.SACRUM
    ]
    analyze_imu_measures(measures, signature)
    return CLOCK() - start


def best(fn, *args) -> float:  # type: ignore[no-untyped-def]
    return min(fn(*args) for _ in range(REPEATS))


def throughput(label: str, path: Path) -> None:
    recording = read_imu(path)
    n = sum(s.n_samples for s in recording.sensors.values())
    alone = n / best(imufusion_alone, recording)
    full = n / best(pipeline, path, True)
    no_parse = n / best(pipeline, path, False, recording)
    print(
        f"{label}: {n} sensor-samples ({len(recording.sensors)} sensor(s), "
        f"{'with' if recording.primary().has_mag else 'no'} magnetometer)"
    )
    print(f"  imufusion alone            {alone:12,.0f} samples/s")
    print(f"  pipeline from file         {full:12,.0f} samples/s   ratio {full / alone:.2f}")
    print(
        f"  pipeline, file already read{no_parse:12,.0f} samples/s   ratio {no_parse / alone:.2f}"
    )


def _other_threads_s() -> float:
    """CPU seconds this process spent outside the calling thread (BLAS or Arrow workers)."""
    return time.process_time() - time.thread_time()


def stages(path: Path) -> tuple[float, float, float, float]:
    """Seconds (best of ``REPEATS``) of each stage: read + checks, orientation + angles,
    events; and the most CPU seconds other threads of the process used in one pass.

    The last figure is a check: the pipeline runs in one thread, so it should stay near
    zero. A library that hands work to a thread pool shows up there (OpenBLAS's worker
    spins for about 0.1 s of CPU after a multithreaded product when a core is idle, so on
    a quiet machine it inflates the process CPU time the ratios are timed in).
    """
    times = []
    for _ in range(REPEATS):
        other = _other_threads_s()
        t0 = CLOCK()
        rec = read_imu(path)
        t1 = CLOCK()
        measures = recording_measures(rec)
        t2 = CLOCK()
        signature = DEFAULT_SIGNATURES[
            rec.placement_set if rec.placement_set in DEFAULT_SIGNATURES else PlacementSet.SACRUM
        ]
        analyze_imu_measures(measures, signature)
        times.append((t1 - t0, t2 - t1, CLOCK() - t2, _other_threads_s() - other))
    read_s, orientation_s, events_s = (min(t[k] for t in times) for k in range(3))
    return read_s, orientation_s, events_s, max(t[3] for t in times)


def matrix() -> None:
    """Ratio to imufusion alone on two-sensor data at 50 and 100 Hz, with and without
    magnetometer (the issue 11 goal: >= 0.5 in every cell)."""
    print("two-sensor simulated cat-cow (15 min), ratio to imufusion alone:")
    print("  rate   magnetometer  imufusion alone   pipeline (read)   pipeline (from file)")
    parts: list[tuple[float, bool, float, tuple[float, float, float, float]]] = []
    for rate_hz in (50.0, 100.0):
        for with_mag in (False, True):
            sim = simulate(
                "cat_cow",
                n_reps=100,
                rep_s=4.0,
                rest_s=0.5,
                seed=1,
                sample_rate_hz=rate_hz,
                with_magnetometer=with_mag,
            )
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "dual.csv"
                write_generic_csv(sim.recording, path)
                recording = read_imu(path)
                n = sum(s.n_samples for s in recording.sensors.values())
                alone = n / best(imufusion_alone, recording)
                no_parse = n / best(pipeline, path, False, recording)
                full = n / best(pipeline, path, True)
                parts.append((rate_hz, with_mag, n / alone, stages(path)))
            print(
                f"  {rate_hz:4.0f} Hz {'yes' if with_mag else 'no':>8}   "
                f"{alone:12,.0f}/s   {no_parse:10,.0f}/s {no_parse / alone:5.2f}   "
                f"{full:10,.0f}/s {full / alone:5.2f}"
            )
    print("  where the time goes (ms, best of each stage; imufusion alone for comparison):")
    print(
        "  rate   magnetometer  imufusion  read+checks  orientation+angles  events"
        "  other threads (most, one pass)"
    )
    for rate_hz, with_mag, alone_s, (read_s, orientation_s, events_s, other_s) in parts:
        print(
            f"  {rate_hz:4.0f} Hz {'yes' if with_mag else 'no':>8}   {alone_s * 1e3:9.0f}  "
            f"{read_s * 1e3:11.0f}  {orientation_s * 1e3:18.0f}  {events_s * 1e3:6.0f}"
            f"  {other_s * 1e3:6.0f}"
        )


def live_latency(recording: ImuRecording) -> None:
    signature = DEFAULT_SIGNATURES[PlacementSet.DUAL]
    lines = [line for _, line in recording_lines(recording)]
    session = LiveSession(signature)
    calibration_frames = 0
    latencies = []
    for line in lines:
        start = time.perf_counter()
        session.feed(line)
        elapsed = time.perf_counter() - start
        if session.processor is not None and session.processor.calibrated:
            latencies.append(elapsed)
        else:
            calibration_frames += 1
    lat = np.array(latencies[1:]) * 1e3  # the first holds the calibration catch-up
    print(
        f"live, JSON line in -> events out ({lat.size} frames of 2 sensors after "
        f"{calibration_frames} calibration frames):"
    )
    print(
        f"  p50 {np.percentile(lat, 50):.4f} ms   p99 {np.percentile(lat, 99):.4f} ms   "
        f"max {lat.max():.3f} ms"
    )
    # Without the JSON parse: processor + streaming analyser on ready frames.
    processor = ImuStreamProcessor(tuple(recording.sensors))
    analyzer = StreamingAnalyzer(signature, angle=signature.imu_angle)
    sensors = list(recording.sensors.items())
    times = recording.primary().time_s.tolist()
    columns = {
        p: (s.gyro_dps.tolist() if s.gyro_dps is not None else None, s.accel_g.tolist())
        for p, s in sensors
    }
    stride = event_stride(np.array(times))
    bare = []
    k = 0
    for i, t in enumerate(times):
        frame = {p: (g[i] if g is not None else None, a[i], None) for p, (g, a) in columns.items()}
        start = time.perf_counter()
        for row_t, values in processor.push(t, frame):
            if k % stride == 0:
                analyzer.push_measures(row_t, values)
            k += 1
        elapsed = time.perf_counter() - start
        if processor.calibrated:
            bare.append(elapsed)
    b = np.array(bare[1:]) * 1e3
    print(
        f"  without JSON parse: p50 {np.percentile(b, 50):.4f} ms   "
        f"p99 {np.percentile(b, 99):.4f} ms"
    )


def main() -> None:
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"imufusion {getattr(imufusion, '__version__', '1.3.3')}"
    )
    if hasattr(os, "getloadavg"):  # a shared machine: throughput varies with its load
        print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    fusion = _fusion_csv()
    if fusion is not None:
        throughput("x-io Fusion CSV (real, 135 s)", fusion)
    else:
        print("x-io Fusion CSV not found (../shared/data): skipped")
    sim = simulate("cat_cow", n_reps=100, rep_s=4.0, rest_s=0.5, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dual.csv"
        write_generic_csv(sim.recording, path)
        minutes = sim.recording.primary().duration_s / 60
        throughput(f"simulated dual-sensor generic CSV ({minutes:.0f} min, 100 Hz)", path)
    matrix()
    live_latency(simulate("cat_cow", n_reps=20, seed=2).recording)


if __name__ == "__main__":
    main()
