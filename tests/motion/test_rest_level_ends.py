"""The level a recording's two ends share is only weak evidence of rest.

A recording cut so that both ends pass through one level mid-movement (KERAAL ELK played
four times and cut 4.5-5.5 s in: the arm on its way down at both ends, or held overhead at
both ends) took that level for rest and counted 0 of 4 arm raises. The rest level is now
the level the signal dwells at on the side the movement leaves from; the ends count only
when the signal seldom goes beyond them on that side, or when an end dwells there and as
many whole movements are seen from it. The demonstrations (tests/content) still agree:
a hip-flexor stretch side whose angle moves away from its ends and holds keeps its ends.
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_motion import reps_signal

from spinecoach.content.loader import load_exercise_file, load_source_tags
from spinecoach.domain.exercise import (
    ExcursionDirection,
    Exercise,
    SensorSignature,
    SignatureMode,
    View,
)
from spinecoach.motion.analysis import analyze
from spinecoach.motion.neutral import estimate_neutral
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import KeypointSeries
from spinecoach.settings import default_content_dir


@pytest.fixture(scope="module")
def arm_raise() -> Exercise:
    return load_exercise_file(
        default_content_dir() / "exercises" / "standing_arm_raise.toml", load_source_tags()
    ).to_domain()


def _looped_cut(series: KeypointSeries, cut_s: float) -> KeypointSeries:
    """``series`` played 4 times back to back, from ``cut_s`` on."""
    order = np.tile(np.arange(series.n_frames), 4)
    dt = float(np.median(np.diff(series.time_s)))
    k = int(round(cut_s / dt))
    order = order[k:]
    return KeypointSeries(
        np.arange(order.size) * dt,
        series.names,
        series.positions[order].copy(),
        series.confidence[order].copy(),
        series.frame,
        series.source,
    )


@pytest.mark.parametrize("system", ["blazepose", "openpose", "kinect", "vicon"])
@pytest.mark.parametrize("cut_s", [4.5, 5.0, 5.5])
def test_ends_passing_through_one_level_are_not_rest(
    keraal: dict[tuple[str, str], KeypointSeries],
    arm_raise: Exercise,
    system: str,
    cut_s: float,
) -> None:
    """Before: 0 of 4 at 5.0 s (every system), 4.5 s (Kinect: the arm held overhead at both
    ends) and 5.5 s."""
    cut = _looped_cut(keraal[(system, "ELK")], cut_s)
    result = analyze(cut, arm_raise)
    assert len(result.repetitions) == 4
    assert all(r.range_deg > 100.0 for r in result.repetitions)


def test_a_live_stream_cut_there_counts_the_same(
    keraal: dict[tuple[str, str], KeypointSeries], arm_raise: Exercise
) -> None:
    """The live refinement asks for the same estimate on its history (without the dwelling
    ends: its last second is "now"); before, at 5.0 s it moved the rest level to the arm
    passing through 145 deg and counted 3."""
    cut = _looped_cut(keraal[("blazepose", "ELK")], 5.0)
    live = StreamingAnalyzer(arm_raise.signature, dose=arm_raise.dose, frame=cut.frame)
    for i in range(cut.n_frames):
        live.push_keypoints(float(cut.time_s[i]), cut.positions[i], cut.confidence[i], cut.names)
    assert len(live.finish().repetitions) == 4
    assert live.tracker.baseline_deg is not None and live.tracker.baseline_deg < 20.0


def _sig(direction: str, min_excursion: float = 20.0) -> SensorSignature:
    return SensorSignature(
        primary_angle="knee_flexion_deg",
        mode=SignatureMode.REPETITIVE,
        view=View.SIDE,
        target_range_deg=(40.0, 100.0),
        direction=ExcursionDirection(direction),
        min_excursion_deg=min_excursion,
    )


def test_a_squat_cut_mid_descent_at_both_ends_rests_standing() -> None:
    """Five squats to 90 deg, cut so both ends are at 45 deg on the way down and up."""
    t, angle = reps_signal(5, 90.0, 3.0, rest_s=0.5, noise_deg=0.5, seed=3)
    crossing = np.flatnonzero(np.diff(np.sign(angle - 45.0)) != 0)
    a, b = crossing[0], crossing[-1] + 1
    t, angle = t[a:b] - t[a], angle[a:b]
    assert abs(angle[0] - angle[-1]) < 5.0
    rest = estimate_neutral(t, angle, _sig("positive"))
    assert rest is not None and rest < 5.0


def test_ends_at_rest_with_a_little_undershoot_are_rest() -> None:
    """The ends' level wins over the lowest 15 % when the signal seldom goes below it."""
    t, angle = reps_signal(4, 60.0, 3.0, rest_s=1.5, noise_deg=0.3, seed=1)
    angle = angle - 4.0 * np.exp(-(((t % 3.0) - 2.9) ** 2) / 0.02)  # brief dips on return
    rest = estimate_neutral(t, angle, _sig("positive"))
    assert rest is not None and abs(rest) < 0.5


def test_ends_dwelling_where_the_angle_only_leaves_and_holds_are_kept() -> None:
    """A side whose angle leaves its still ends the other way and holds (the hip-flexor
    stretch's other leg): no whole movement is seen from either level, so the ends stay."""
    t = np.arange(0, 40.0, 1 / 30)
    angle = 75.0 + 15.0 * np.clip(np.minimum(t - 2.0, 38.0 - t) / 2.0, 0.0, 1.0)
    rest = estimate_neutral(t, angle, _sig("negative", 5.0))
    assert rest == pytest.approx(75.0, abs=0.5)
