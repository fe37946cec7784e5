"""A file and a live stream give the same events: :meth:`MotionTracker.update_many` (the
batch path, with its fast handling of the samples between repetitions) leaves the tracker in
exactly the state, with exactly the events, that feeding the same samples one at a time
through :meth:`MotionTracker.update` (the live path) does.

Signals: angles measured from the real x-io Fusion recording and a real person on camera
(KERAAL ELK, BlazePose and Vicon), simulated IMU movements, and perturbed copies of each
(noise, an offset rest level, dropped stretches that lose tracking); signatures in every
direction (positive, negative, both, a cycle) with the whole-recording rest level (the file
path) and the live first-second level that is refined as the stream goes.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from spinecoach.content.loader import load_library
from spinecoach.domain.exercise import Exercise
from spinecoach.motion.analysis import _with_neutral
from spinecoach.motion.events import EventParameters, MotionTracker
from spinecoach.motion.imu_pipeline import every_nth, recording_measures
from spinecoach.motion.measures import compute_measures
from spinecoach.motion.types import MeasureSeries
from spinecoach.sources.imu import read_imu
from spinecoach.sources.imu.simulate import simulate
from spinecoach.sources.keypoints import read_keypoints

STATE = (
    "repetitions",
    "holds",
    "form_flags",
    "tempo",
    "zone_s",
    "n_samples",
    "n_valid",
    "n_gaps",
    "longest_gap_s",
    "baseline_deg",
    "n_rebaselines",
    "first_s",
    "last_s",
    "last_excursion_deg",
    "_idle_rest_s",
    "_in_zone",
    "_last_detect_s",
    "_last_relative",
    "_last_relative_s",
    "_last_valid_s",
    "_cycle_side",
)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _signals(shared_data: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    out = []
    fusion = recording_measures(read_imu(shared_data / "imu" / "fusion_sensor_data.csv"))
    fusion = every_nth(fusion, 4)
    for name in ("pelvic_tilt_deg", "pelvic_obliquity_deg"):
        out.append((f"fusion {name}", fusion.time_s, fusion.values[name]))
    for system in ("BP", "Vicon"):
        suffix = "json" if system == "BP" else "txt"
        path = shared_data / "keraal" / f"G3-{system}-ELK-P1T1-Unknown-C-0.{suffix}"
        measures = compute_measures(read_keypoints(path))
        out.append(
            (
                f"keraal {system}",
                measures.time_s,
                measures.values["trunk_lateral_flexion_deg"],
            )
        )
    for k, movement in enumerate(("cat_cow", "side_bend", "standing_flexion")):
        sim = simulate(movement, n_reps=5, seed=k, hold_s=2.0 * (k % 2), sample_rate_hz=50.0)
        measures = every_nth(recording_measures(sim.recording), 2)
        name = {"cat_cow": "lumbar_flexion_deg", "side_bend": "lumbar_lateral_flexion_deg"}.get(
            movement, "trunk_inclination_deg"
        )
        out.append((f"simulated {movement}", measures.time_s, measures.values[name]))
    rng = np.random.default_rng(11)
    perturbed = []
    for label, t, v in out:
        noisy = v + rng.normal(0.0, 0.8, v.shape) + 4.0
        cut = noisy.copy()
        for start in rng.integers(0, max(1, v.size - 40), size=3):
            cut[start : start + int(rng.integers(5, 40))] = np.nan
        perturbed.append((f"{label} noisy+offset", t, noisy))
        perturbed.append((f"{label} with gaps", t, cut))
        perturbed.append((f"{label} mirrored", t, -v))
    return out + perturbed


@pytest.fixture(scope="module")
def exercises() -> list[Exercise]:
    library = load_library()
    ids = ("band_cat_cow", "standing_side_bend", "bird_dog", "glute_bridge", "chin_tuck")
    return [library.get(i) for i in ids]


def test_batch_and_stream_trackers_agree(shared_data: Path, exercises: list[Exercise]) -> None:
    checked = 0
    signals = _signals(shared_data)
    for label, time_s, values in signals:
        for exercise in exercises:
            signature = exercise.signature
            for whole_recording in (True, False):
                params = EventParameters()
                if whole_recording:
                    measures = MeasureSeries(time_s, {"angle": values}, {}, {})
                    params = _with_neutral(params, measures, values, signature)
                else:
                    params = replace(params, whole_recording_neutral=False)
                kwargs = {"dose": exercise.dose, "params": params}
                batch = MotionTracker(signature, "angle", **kwargs)  # type: ignore[arg-type]
                stream = MotionTracker(signature, "angle", **kwargs)  # type: ignore[arg-type]
                batch_events = batch.update_many(time_s.tolist(), values.tolist())
                stream_events = []
                for t_s, value in zip(time_s.tolist(), values.tolist(), strict=True):
                    stream_events.extend(stream.update(t_s, value))
                batch_events += batch.finish()
                stream_events += stream.finish()
                where = f"{label}, {exercise.id}, whole-recording rest {whole_recording}"
                assert batch_events == stream_events, where
                for name in STATE:
                    assert _same(getattr(batch, name), getattr(stream, name)), (where, name)
                checked += 1
    assert checked == len(signals) * len(exercises) * 2 >= 28 * 5 * 2


def test_zone_time_and_rest_between_repetitions(exercises: list[Exercise]) -> None:
    """The samples between repetitions (handled in bulk by the batch path) carry the zone
    time, the rest moment a repetition starts from and the zone events: a signal that sits
    in the zone at rest (a low target range) and one that leaves and re-enters it."""
    signature = replace(
        exercises[1].signature, target_range_deg=(0.0, 12.0), min_excursion_deg=15.0
    )
    t = np.arange(0.0, 60.0, 1 / 25)
    values = 10.0 * np.sin(2 * np.pi * t / 7.0) + 12.0 * (np.sin(2 * np.pi * t / 13.0) > 0.6)
    params = replace(EventParameters(), neutral_deg=0.0)
    batch = MotionTracker(signature, "angle", params=params)
    stream = MotionTracker(signature, "angle", params=params)
    batch_events = batch.update_many(t.tolist(), values.tolist())
    stream_events = [
        e for ts, v in zip(t.tolist(), values.tolist(), strict=True) for e in stream.update(ts, v)
    ]
    assert batch_events == stream_events
    assert batch.zone_s == stream.zone_s > 10.0
    assert batch.repetitions == stream.repetitions
    assert len(batch.repetitions) >= 3
