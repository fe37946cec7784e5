"""Cue latency of the session engine: motion event in -> cue out (goal p99 <= 5 ms).

Three measurements on the shipped library, with a fake clock (no sleeping):

1. ``on_motion_event`` for the events a live analyser sends (repetition, form flag, hold
   start/end, zone, tracking lost/restored) during real sensor-steered exercises;
2. ``tick`` at 30 Hz over a whole timer-only session (the cost of the idle loop);
3. end to end per keypoint frame: KERAAL BlazePose frame -> streaming analysis -> engine, the
   path a camera session takes after pose estimation; and image keypoints as a browser sends
   them (standing pelvic circles) through the live adapter, in thread CPU time.

Run: ``python -m bench.coach``.
"""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.engine import SessionEngine
from spinecoach.coach.feed import Frame, MotionFeed
from spinecoach.content import load_library, load_rules
from spinecoach.domain.exercise import Exercise
from spinecoach.domain.plan import Plan, PlanItem
from spinecoach.motion.types import EventKind, FormFlag, Hold, MotionEvent, Repetition

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ELK = SHARED / "keraal" / "G3-BP-ELK-P1T1-Unknown-C-0.json"


def _plan(*exercises: Exercise) -> Plan:
    return Plan(
        tuple(PlanItem(e.id, e.name, e.section, e.dose, "bench") for e in exercises),
        1,
        datetime(2026, 1, 5, tzinfo=UTC),
        metadata={"checkin_after": "none"},
    )


def _to_first_measured_step(engine: SessionEngine, clock: FakeClock) -> float:
    """Advance the clock past set-up and instructions (their length follows the words) to the
    first measured set or hold, so that events land where a live analyser sends them."""
    while engine.state()["step"]["kind"] not in ("reps", "hold"):
        clock.advance(0.5)
        engine.tick()
    return clock.now()


def _percentiles(samples_ns: list[int]) -> str:
    ms = np.asarray(samples_ns, dtype=float) / 1e6
    p50, p99, worst = np.percentile(ms, 50), np.percentile(ms, 99), ms.max()
    return f"n={len(ms):6d}  p50 {p50:.4f} ms  p99 {p99:.4f} ms  max {worst:.3f} ms"


def bench_events(library, rules, rounds: int = 400) -> tuple[list[int], int]:  # type: ignore[no-untyped-def]
    """Latency of on_motion_event across event kinds, in measured sets and gated holds."""
    samples: list[int] = []
    n_cues = 0
    cat_cow, side_bend = library.get("cat_cow"), library.get("seated_side_bend")
    for r in range(rounds):
        clock = FakeClock()
        engine = SessionEngine(_plan(cat_cow, side_bend), library, rules, clock=clock, sensor=True)
        engine.start()
        engine.report_pain(1)
        t = _to_first_measured_step(engine, clock)
        events = [
            MotionEvent(t, EventKind.FORM, FormFlag(t, "too_fast", "too fast")),
            MotionEvent(t, EventKind.TRACKING_LOST, detail="hips not visible"),
            MotionEvent(t, EventKind.TRACKING_RESTORED),
        ]
        for k in range(16):
            events.append(MotionEvent(t, EventKind.REPETITION, Repetition(t, t, t, 20.0, 20.0)))
            if k % 4 == 0:
                events.append(MotionEvent(t, EventKind.FORM, FormFlag(t, "trunk_rounding", "")))
        events += [
            MotionEvent(t, EventKind.ZONE_ENTERED),
            MotionEvent(t, EventKind.HOLD_STARTED),
            MotionEvent(t, EventKind.ZONE_LEFT, detail="above the range"),
            MotionEvent(t, EventKind.HOLD_ENDED, Hold(t, t, 20.0, 1.0)),
        ]
        for event in events:
            t += 0.7 + 0.01 * (r % 7)
            clock.set(t)
            start = time.perf_counter_ns()
            cues = engine.on_motion_event(event)
            samples.append(time.perf_counter_ns() - start)
            n_cues += len(cues)
    return samples, n_cues


def bench_ticks(library, rules) -> list[int]:  # type: ignore[no-untyped-def]
    """Latency of tick() at 30 Hz through a whole timer-only session of the library."""
    exercises = [
        library.get(i) for i in ("cat_cow", "seated_side_bend", "hamstring_pnf", "side_bridge")
    ]
    clock = FakeClock()
    engine = SessionEngine(_plan(*exercises), library, rules, clock=clock)
    engine.start()
    engine.report_pain(1)
    samples: list[int] = []
    while not engine.finished:
        clock.advance(1 / 30)
        start = time.perf_counter_ns()
        engine.tick()
        samples.append(time.perf_counter_ns() - start)
        if engine.state()["awaiting"] == "pain":
            engine.report_pain(1)
    return samples


def bench_frames(library, rules, repeats: int = 20, cpu: list[int] | None = None) -> list[int]:  # type: ignore[no-untyped-def]
    """Per keypoint frame: streaming analysis + engine (KERAAL flank stretch, replayed); the
    wall-clock times, and the thread's CPU time per frame in ``cpu`` (not counting other
    processes' preemption on a shared machine)."""
    from spinecoach.sources.keypoints import read_keypoints

    series = read_keypoints(ELK)
    exercise = library.get("seated_side_bend")
    samples: list[int] = []
    for _ in range(repeats):
        clock = FakeClock()
        engine = SessionEngine(_plan(exercise), library, rules, clock=clock, sensor=True)
        engine.start()
        engine.report_pain(1)
        _to_first_measured_step(engine, clock)
        feed = MotionFeed()
        for i in range(series.n_frames):
            clock.advance(1 / 30)
            frame = Frame(float(series.time_s[i]), series.positions[i], series.confidence[i],
                          series.names)  # fmt: skip
            start = time.perf_counter_ns()
            start_cpu = time.thread_time_ns()
            engine.tick()
            for event in feed.push(engine.current_exercise, frame):
                engine.on_motion_event(event)
            samples.append(time.perf_counter_ns() - start)
            if cpu is not None:
                cpu.append(time.thread_time_ns() - start_cpu)
    return samples


def bench_image_frames(library, rules, repeats: int = 3) -> list[int]:  # type: ignore[no-untyped-def]
    """Thread CPU time per frame of image keypoints as a browser sends them (33 BlazePose
    points in pixels: ``bench.web_load``'s figure bending side to side) through the live
    adapter into the engine, for standing pelvic circles, after the set-up step (from then on
    every frame is analysed)."""
    from bench.web_load import NAMES, keypoints_at
    from spinecoach.coach.feed import LiveAdapter

    names = tuple(NAMES)
    frames = [np.asarray(keypoints_at(k / 30, 0.37)) for k in range(900)]
    samples: list[int] = []
    for _ in range(repeats):
        clock = FakeClock()
        engine = SessionEngine(_plan(library.get("pelvic_circles")), library, rules, clock=clock)
        engine.start()
        engine.report_pain(1)
        adapter = LiveAdapter(engine, MotionFeed())
        for k, keypoints in enumerate(frames):
            clock.advance(1 / 30)
            frame = Frame(clock.now(), keypoints[:, :2].copy(), keypoints[:, 2].copy(), names)
            start = time.thread_time_ns()
            adapter.push(frame)
            if k >= 330:  # past the 10 s set-up step and the starting position's settle
                samples.append(time.thread_time_ns() - start)
    return samples


def main() -> None:
    """Print the three latency distributions and the machine."""
    library, rules = load_library(), load_rules()
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")  # fmt: skip
    bench_events(library, rules, rounds=20)  # warm up
    samples, n_cues = bench_events(library, rules)
    print(f"event -> cue (on_motion_event): {_percentiles(samples)}  ({n_cues} cues given)")
    p99 = float(np.percentile(np.asarray(samples) / 1e6, 99))
    print(f"  goal p99 <= 5 ms: {'met' if p99 <= 5.0 else 'NOT met'}")
    print(f"tick at 30 Hz, whole session:   {_percentiles(bench_ticks(library, rules))}")
    if ELK.exists():
        cpu: list[int] = []
        wall = bench_frames(library, rules, cpu=cpu)
        print(f"keypoint frame -> analysis -> engine: {_percentiles(wall)}")
        print(f"  the same frames, thread CPU time:    {_percentiles(cpu)}")
        print(f"  load average: {os.getloadavg()[0]:.1f}")
    else:
        print(f"(KERAAL recording not found at {ELK}; frame benchmark skipped)")
    bench_image_frames(library, rules, repeats=1)  # warm up
    image = np.asarray(bench_image_frames(library, rules), dtype=float)
    print(f"image keypoints frame (browser pose) -> analysis -> engine, thread CPU time: "
          f"{_percentiles(list(image))}  mean {image.mean() / 1e6:.4f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
