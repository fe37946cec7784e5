"""Per-segment analysis (split at person switches) on synthetic angles with known answers."""

from __future__ import annotations

import numpy as np

from spinecoach.domain.exercise import SensorSignature, SignatureMode, View
from spinecoach.motion.analysis import analyze_measures
from spinecoach.motion.segments import analyze_in_segments, segment_bounds, slice_measures
from spinecoach.motion.types import MeasureSeries

SIGNATURE = SensorSignature(
    "trunk_flexion_deg", SignatureMode.REPETITIVE, View.SIDE, (20.0, 60.0), min_excursion_deg=12.0
)
FPS = 30.0


def _person(start_deg: float, n_reps: int, seed: int) -> np.ndarray:
    """1 s still, then ``n_reps`` 4-s bends of 40 deg from ``start_deg``, then 1 s still."""
    rng = np.random.default_rng(seed)
    t = np.arange(int((2 + 4 * n_reps) * FPS)) / FPS
    moving = (t >= 1) & (t < 1 + 4 * n_reps)
    bend = np.where(moving, 20 * (1 - np.cos(2 * np.pi * (t - 1) / 4)), 0.0)
    return start_deg + bend + rng.normal(0, 0.5, t.size)


def test_segment_bounds() -> None:
    assert segment_bounds(10, []) == [(0, 10)]
    assert segment_bounds(10, [4, 7, 7, 0, 12]) == [(0, 4), (4, 7), (7, 10)]


def test_each_person_is_counted_from_their_own_start_position() -> None:
    # Person A stands upright (0 deg); person B, picked up after a switch, is already
    # leaning 30 deg, and bends from there.
    a = _person(0.0, 3, seed=1)
    b = _person(30.0, 2, seed=2)
    values = np.concatenate([a, b])
    measures = MeasureSeries(np.arange(values.size) / FPS, {"trunk_flexion_deg": values})
    split = [a.size]

    def run(m: MeasureSeries):  # type: ignore[no-untyped-def]
        return analyze_measures(m, SIGNATURE)

    merged = analyze_in_segments(measures, split, run)
    assert len(merged.repetitions) == 5
    switch_s = measures.time_s[a.size]
    assert not any(r.start_s < switch_s < r.end_s for r in merged.repetitions)
    peaks = [r.range_deg for r in merged.repetitions]
    np.testing.assert_allclose(peaks, 40.0, atol=4.0)
    baselines = merged.tracking["segment_baselines_deg"]
    np.testing.assert_allclose(baselines, [0.0, 30.0], atol=2.0)
    assert merged.tracking["n_frames"] == values.size
    # Analysed as one recording, B's leaning start looks like a bend relative to A's zero.
    whole = analyze_measures(measures, SIGNATURE)
    assert [round(r.range_deg) for r in whole.repetitions] != [round(p) for p in peaks]
    part = slice_measures(measures, 0, a.size)
    assert part.time_s.size == a.size and part.values["trunk_flexion_deg"].size == a.size
