"""Repetitions, holds, zone, tempo, tracking and form flags on signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_motion import holds_signal, reps_signal, with_gaps

from spinecoach.domain.exercise import (
    Dose,
    ExcursionDirection,
    SensorSignature,
    SignatureMode,
    TempoPhase,
    View,
)
from spinecoach.motion.analysis import analyze_measures
from spinecoach.motion.events import EventParameters
from spinecoach.motion.types import EventKind, MeasureSeries, Side

ANGLE = "trunk_flexion_deg"


def signature(direction="positive", mode="repetitive", target=(20.0, 50.0), min_exc=10.0):  # type: ignore[no-untyped-def]
    return SensorSignature(
        primary_angle=ANGLE,
        mode=SignatureMode(mode),
        view=View.SIDE,
        target_range_deg=target,
        direction=ExcursionDirection(direction),
        min_excursion_deg=min_exc,
    )


def measures(t, angle, **secondary):  # type: ignore[no-untyped-def]
    return MeasureSeries(t, {ANGLE: angle, **secondary})


@pytest.mark.parametrize("n_reps", [1, 5, 8])
@pytest.mark.parametrize("noise_deg", [0.0, 1.0, 2.5])
@pytest.mark.parametrize("gap_fraction", [0.0, 0.1, 0.25])
def test_counts_sine_repetitions(n_reps, noise_deg, gap_fraction):  # type: ignore[no-untyped-def]
    t, angle = reps_signal(n_reps, 40.0, 4.0, noise_deg=noise_deg, seed=n_reps)
    angle = with_gaps(angle, gap_fraction, seed=n_reps)
    result = analyze_measures(measures(t, angle), signature())
    assert len(result.repetitions) == n_reps
    for k, rep in enumerate(result.repetitions):
        true_peak_s = 1.5 + 4.0 * k + 2.0
        assert rep.peak_s == pytest.approx(true_peak_s, abs=0.4)
        assert rep.range_deg == pytest.approx(40.0, abs=3.0 + noise_deg)
        assert rep.start_s < rep.peak_s < rep.end_s
        assert rep.side is Side.NONE
    assert result.tracking["valid_fraction"] == pytest.approx(1 - gap_fraction, abs=0.02)


@pytest.mark.parametrize("noise_deg", [0.0, 1.5])
def test_two_sided_movement_alternates_sides(noise_deg):  # type: ignore[no-untyped-def]
    t, angle = reps_signal(3, 30.0, 6.0, noise_deg=noise_deg, two_sided=True)
    result = analyze_measures(measures(t, angle), signature("both", target=(10, 40)))
    sides = [r.side for r in result.repetitions]
    assert sides == [Side.RIGHT, Side.LEFT] * 3  # positive first: subject's right
    assert all(
        np.sign(r.peak_deg) == (1 if r.side is Side.RIGHT else -1) for r in result.repetitions
    )
    assert result.symmetry["range_ratio"] == pytest.approx(1.0, abs=0.1)


def test_negative_direction_counts_only_negative_excursions():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(4, 30.0, 4.0)
    assert len(analyze_measures(measures(t, -angle), signature("negative")).repetitions) == 4
    assert len(analyze_measures(measures(t, angle), signature("negative")).repetitions) == 0


def test_baseline_is_start_position_not_zero():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(3, 25.0, 4.0, offset_deg=12.0)
    result = analyze_measures(measures(t, angle), signature())
    assert result.tracking["baseline_deg"] == pytest.approx(12.0, abs=0.2)
    assert [round(r.peak_deg) for r in result.repetitions] == [25, 25, 25]


def test_given_neutral_replaces_start_median():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(2, 25.0, 4.0, offset_deg=12.0)
    params = EventParameters(neutral_deg=0.0)
    result = analyze_measures(measures(t, angle), signature(min_exc=30), params=params)
    assert result.tracking["baseline_deg"] == 0.0
    assert [round(r.peak_deg) for r in result.repetitions] == [37, 37]


def test_small_movements_are_not_repetitions():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(5, 6.0, 3.0, noise_deg=1.0)
    assert analyze_measures(measures(t, angle), signature()).repetitions == ()


@pytest.mark.parametrize("noise_deg", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("gap_fraction", [0.0, 0.1])
def test_holds_with_noise_and_gaps(noise_deg, gap_fraction):  # type: ignore[no-untyped-def]
    t, angle, truth = holds_signal(3, 25.0, 6.0, noise_deg=noise_deg, seed=3)
    angle = with_gaps(angle, gap_fraction, seed=4)
    result = analyze_measures(measures(t, angle), signature(mode="hold"))
    assert len(result.holds) == 3
    assert len(result.repetitions) == 3
    for hold, (start_s, end_s) in zip(result.holds, truth, strict=True):
        assert hold.start_s == pytest.approx(start_s, abs=0.6)
        assert hold.end_s == pytest.approx(end_s, abs=0.6)
        assert hold.mean_deg == pytest.approx(25.0, abs=1.0)
        assert hold.std_deg < 1.0 + noise_deg


def test_hold_broken_by_movement_ends_early():  # type: ignore[no-untyped-def]
    t, angle, _ = holds_signal(1, 25.0, 8.0)
    angle = angle + np.where((t > 7.0) & (t < 9.0), 10.0, 0.0)  # shifts 10 deg mid-hold
    result = analyze_measures(measures(t, angle), signature(mode="hold"))
    assert [round(h.mean_deg / 5) * 5 for h in result.holds] == [25, 35, 25]
    assert result.holds[0].end_s == pytest.approx(7.0, abs=0.4)
    assert len(result.repetitions) == 1


def test_zone_time_and_events():  # type: ignore[no-untyped-def]
    t, angle, truth = holds_signal(2, 25.0, 5.0)
    result = analyze_measures(measures(t, angle), signature(mode="hold", target=(20, 30)))
    # in zone: each hold (5 s) plus the part of each ramp above 20 deg (2 x 0.2 s)
    assert result.zone["time_in_zone_s"] == pytest.approx(2 * 5.4, abs=0.2)
    kinds = [e.kind for e in result.events]
    assert kinds.count(EventKind.ZONE_ENTERED) == 2 and kinds.count(EventKind.ZONE_LEFT) == 2


def test_out_of_range_flagged_once_per_repetition():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(3, 70.0, 4.0)
    result = analyze_measures(measures(t, angle), signature(target=(20, 50)))
    assert [f.code for f in result.form_flags] == ["out_of_range"] * 3
    t, angle = reps_signal(3, 40.0, 4.0)
    assert analyze_measures(measures(t, angle), signature(target=(20, 50))).form_flags == ()


def test_too_fast_against_dose_tempo():  # type: ignore[no-untyped-def]
    dose = Dose(reps=3, tempo=(TempoPhase("down", 3.0), TempoPhase("up", 3.0)))
    fast_t, fast = reps_signal(3, 40.0, 1.5)
    slow_t, slow = reps_signal(3, 40.0, 8.0)
    fast_result = analyze_measures(measures(fast_t, fast), signature(), dose=dose)
    slow_result = analyze_measures(measures(slow_t, slow), signature(), dose=dose)
    assert [f.code for f in fast_result.form_flags] == ["too_fast"] * 3
    assert slow_result.form_flags == ()
    tempo = slow_result.tempo[0]
    assert tempo["out_s"] + tempo["held_s"] + tempo["back_s"] == pytest.approx(
        slow_result.repetitions[0].duration_s
    )


def test_not_enough_range():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(2, 15.0, 4.0)
    result = analyze_measures(measures(t, angle), signature(target=(20, 50)))
    assert [f.code for f in result.form_flags] == ["not_enough_range"] * 2


def test_secondary_rule_trunk_rounding_during_hinge():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(2, 40.0, 4.0)
    ratio = np.where(angle > 15, 0.6, np.nan)  # rounding whenever leaning
    result = analyze_measures(measures(t, angle, hip_hinge_ratio=ratio), signature())
    assert [f.code for f in result.form_flags] == ["trunk_rounding"] * 2
    only_range = analyze_measures(
        measures(t, angle, hip_hinge_ratio=ratio), signature(), error_codes=frozenset({"too_fast"})
    )
    assert only_range.form_flags == ()


def test_lateral_lean_during_rotation():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(2, 40.0, 4.0)
    lean = np.where(angle > 30, 15.0, 0.0)
    sig = SensorSignature("trunk_rotation_deg", SignatureMode.REPETITIVE, View.ANY, (20.0, 50.0))
    series = MeasureSeries(t, {"trunk_rotation_deg": angle, "trunk_lateral_flexion_deg": lean})
    result = analyze_measures(series, sig)
    assert [f.code for f in result.form_flags] == ["lateral_lean"] * 2


def test_tracking_lost_and_restored():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(2, 40.0, 4.0)
    angle = angle.copy()
    angle[(t > 3.0) & (t < 4.0)] = np.nan
    result = analyze_measures(measures(t, angle), signature())
    kinds = [e.kind for e in result.events]
    assert kinds.count(EventKind.TRACKING_LOST) == 1
    assert kinds.count(EventKind.TRACKING_RESTORED) == 1
    assert result.tracking["n_gaps"] == 1
    assert result.tracking["longest_gap_s"] == pytest.approx(1.0, abs=0.05)
    assert len(result.repetitions) == 2


def test_unmeasurable_angle_gives_empty_result_with_reason():  # type: ignore[no-untyped-def]
    t = np.arange(60) / 30.0
    series = MeasureSeries(t, {}, unmeasurable={ANGLE: "needs a side view"})
    result = analyze_measures(series, signature())
    assert result.repetitions == () and result.tracking["unmeasurable"] == "needs a side view"
    assert result.tracking["valid_fraction"] == 0.0


def test_json_has_the_contract_keys():  # type: ignore[no-untyped-def]
    import json

    t, angle = reps_signal(2, 40.0, 4.0)
    payload = analyze_measures(measures(t, angle), signature(), exercise_id="x").to_json()
    assert {
        "exercise",
        "duration_s",
        "repetitions",
        "holds",
        "symmetry",
        "tracking",
        "form_flags",
    } <= set(payload)
    json.dumps(payload)  # serialisable
    assert payload["exercise"] == "x" and len(payload["repetitions"]) == 2


@pytest.mark.parametrize("rate_hz", [15.0, 25.0, 30.0, 60.0])
def test_hold_started_is_announced_during_the_hold(rate_hz):  # type: ignore[no-untyped-def]
    t, angle, truth = holds_signal(1, 25.0, 6.0, rate_hz=rate_hz)
    result = analyze_measures(measures(t, angle), signature(mode="hold"))
    started = [e.t_s for e in result.events if e.kind is EventKind.HOLD_STARTED]
    ended = [e.t_s for e in result.events if e.kind is EventKind.HOLD_ENDED]
    assert len(started) == 1 and len(ended) == 1
    assert truth[0][0] < started[0] <= truth[0][0] + 1.5 < ended[0]


@pytest.mark.parametrize("first_sign", [1.0, -1.0])
@pytest.mark.parametrize("noise_deg", [0.0, 1.5])
def test_cycle_exercises_count_one_repetition_per_cycle(first_sign, noise_deg):  # type: ignore[no-untyped-def]
    """Cat-cow style: out one way and the other is ONE repetition, whichever way comes first."""
    t, angle = reps_signal(3, 30.0, 6.0, noise_deg=noise_deg, two_sided=True)
    from dataclasses import replace

    cyc = replace(signature("both", target=(10, 40)), cycle=True)
    result = analyze_measures(measures(t, first_sign * angle), cyc)
    assert len(result.repetitions) == 3
    assert len({r.side for r in result.repetitions}) == 1  # the side moved to first
    # A cycle whose return half is too small to be an excursion still counts once.
    small_return = np.where(first_sign * angle < 0, 0.2 * first_sign * angle, first_sign * angle)
    assert len(analyze_measures(measures(t, small_return), cyc).repetitions) == 3
    # Batch and streaming agree (same tracker).
    from spinecoach.motion.streaming import StreamingAnalyzer

    live = StreamingAnalyzer(cyc, angle=ANGLE)
    for ti, value in zip(t, first_sign * angle, strict=True):
        live.push_measures(float(ti), {ANGLE: float(value)})
    first_second = analyze_measures(
        measures(t, first_sign * angle), cyc, params=EventParameters(whole_recording_neutral=False)
    )
    assert live.finish().repetitions == first_second.repetitions
    assert len(first_second.repetitions) == len(result.repetitions)


def test_cycle_needs_direction_both(tmp_path):  # type: ignore[no-untyped-def]
    import shutil

    from spinecoach.content import load_library
    from spinecoach.errors import InvalidDataFile
    from spinecoach.settings import default_content_dir

    root = tmp_path / "data"
    shutil.copytree(default_content_dir(), root)
    path = root / "exercises" / "cat_cow.toml"
    path.write_text(path.read_text().replace('direction = "both"', 'direction = "positive"'))
    with pytest.raises(InvalidDataFile, match="cycle"):
        load_library(root)


def test_leaving_the_zone_says_on_which_side_in_a_typed_payload() -> None:
    """ZONE_LEFT carries a ZoneChange: past the upper edge is ``beyond`` (the coach's 'Ease
    off'), below the lower edge is not; the detail text is for people only."""
    from spinecoach.domain.exercise import ExcursionDirection, SensorSignature, SignatureMode, View
    from spinecoach.motion.events import MotionTracker
    from spinecoach.motion.types import EventKind, ZoneChange

    signature = SensorSignature(
        "trunk_flexion_deg", SignatureMode.HOLD, View.SIDE, (20.0, 40.0),
        ExcursionDirection.POSITIVE, 10.0,
    )  # fmt: skip
    tracker = MotionTracker(signature, "trunk_flexion_deg")
    profile = [0.0] * 60 + [30.0] * 60 + [70.0] * 60 + [30.0] * 60 + [5.0] * 60
    events = tracker.update_many([i / 30.0 for i in range(len(profile))], profile)
    left = [e for e in events if e.kind is EventKind.ZONE_LEFT]
    assert all(isinstance(e.payload, ZoneChange) for e in left)
    beyond = [e.payload.beyond for e in left]  # type: ignore[union-attr]
    assert beyond == [True, False]
