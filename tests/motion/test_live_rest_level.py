"""A live stream takes its rest level from the first second and refines it as it goes
(issue 11): a stream that starts mid-movement or tilted still counts. With the first second
alone, the squat stream below counted 0 of 4 and the tilted one 9 of 18 (no tilt to the right)."""

from __future__ import annotations

import numpy as np
from synthetic_motion import reps_signal

from spinecoach.domain.exercise import ExcursionDirection, SensorSignature, SignatureMode, View
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import Side

ANGLE = "trunk_lateral_flexion_deg"


def sig(direction: str, min_exc: float = 8.0, target=(10.0, 40.0)) -> SensorSignature:  # type: ignore[no-untyped-def]
    return SensorSignature(
        ANGLE, SignatureMode.REPETITIVE, View.FRONT, target, ExcursionDirection(direction), min_exc
    )


def live(t: np.ndarray, angle: np.ndarray, signature: SensorSignature):  # type: ignore[no-untyped-def]
    analyzer = StreamingAnalyzer(signature)
    for t_s, value in zip(t.tolist(), angle.tolist(), strict=True):
        analyzer.push_measures(t_s, {ANGLE: value})
    return analyzer, analyzer.finish()


def test_a_stream_that_starts_at_the_bottom_of_a_squat_counts() -> None:
    t, angle = reps_signal(4, 80.0, 3.0, rest_s=1.0, noise_deg=1.0, seed=2)
    start = int(2.5 * 30)  # the stream opens at the bottom of the first squat
    t, angle = t[start:] - t[start], angle[start:]
    assert angle[:15].mean() > 60
    analyzer, result = live(t, angle, sig("positive", 20.0, (40.0, 100.0)))
    assert analyzer.tracker.baseline_deg is not None
    assert abs(analyzer.tracker.baseline_deg) < 5.0  # refined to standing
    assert len(result.repetitions) >= 3  # the first, started at the bottom, may be lost


def test_a_stream_that_starts_tilted_counts_both_sides() -> None:
    t, angle = reps_signal(9, 12.0, 4.0, rest_s=1.0, two_sided=True, noise_deg=0.5, seed=3)
    angle = np.where(
        t < 2.0, angle + 7.0 * (t < 1.2) + 7.0 * (1 - (t - 1.2) / 0.8) * (t >= 1.2), angle
    )
    analyzer, result = live(t, angle, sig("both"))
    assert analyzer.tracker.n_rebaselines >= 1
    sides = [r.side for r in result.repetitions]
    assert len(sides) >= 14  # the first-second level alone: 9, all to the left
    assert sides.count(Side.RIGHT) >= 5  # before: 0


def test_a_stream_at_rest_keeps_its_first_second() -> None:
    t, angle = reps_signal(6, 20.0, 4.0, rest_s=1.0, two_sided=True, noise_deg=0.5, seed=4)
    analyzer, result = live(t, angle + 3.0, sig("both"))
    assert analyzer.tracker.n_rebaselines == 0
    assert len(result.repetitions) == 12
