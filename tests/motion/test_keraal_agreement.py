"""Camera-based trunk lateral flexion against the Vicon reference on KERAAL ELK (flank stretch).

Method: spinecoach.motion.agreement (Butterworth 6 Hz, common 30 Hz time base, each signal's
start position removed, lag search within +-0.2 s). Vicon: Chest target above the Hips target
in the frontal plane (y-z); BlazePose/OpenPose: mid-shoulder above mid-hip in the image scaled
by 960 x 544, y down; Kinect: mid-shoulder above mid-hip, 3D.
"""

from __future__ import annotations

import pytest

from spinecoach.motion.agreement import compare_signals
from spinecoach.motion.analysis import analyze
from spinecoach.motion.measures import compute_measures
from spinecoach.motion.types import Side

ANGLE = "trunk_lateral_flexion_deg"

#: (system, max RMSE deg, min Pearson r) — BlazePose is the issue's requirement; the others
#: are the thresholds they honestly meet (measured: see the report / docs/motion.md).
THRESHOLDS = [
    ("blazepose", 5.0, 0.98),
    ("openpose", 5.0, 0.98),
    ("kinect", 11.0, 0.95),
]


def _lateral(series):  # type: ignore[no-untyped-def]
    measures = compute_measures(series, names=[ANGLE])
    return series.time_s, measures.values[ANGLE]


@pytest.mark.parametrize(("system", "max_rmse_deg", "min_r"), THRESHOLDS)
def test_lateral_flexion_agrees_with_vicon(keraal, system, max_rmse_deg, min_r):  # type: ignore[no-untyped-def]
    t_ref, ref = _lateral(keraal[("vicon", "ELK")])
    t, values = _lateral(keraal[(system, "ELK")])
    agreement = compare_signals(t, values, t_ref, ref)
    assert agreement.rmse_deg <= max_rmse_deg, agreement
    assert agreement.pearson_r >= min_r, agreement
    assert abs(agreement.lag_s) <= 0.2


def test_blazepose_agrees_without_time_alignment(keraal):  # type: ignore[no-untyped-def]
    t_ref, ref = _lateral(keraal[("vicon", "ELK")])
    t, values = _lateral(keraal[("blazepose", "ELK")])
    agreement = compare_signals(t, values, t_ref, ref, max_lag_s=0.0)
    assert agreement.rmse_deg <= 5.0
    assert agreement.pearson_r >= 0.98


@pytest.mark.parametrize("system", ["vicon", "blazepose", "openpose", "kinect"])
def test_one_side_bend_each_side(keraal, side_bend, system):  # type: ignore[no-untyped-def]
    result = analyze(keraal[(system, "ELK")], side_bend)
    sides = [rep.side for rep in result.repetitions]
    assert sides == [Side.LEFT, Side.RIGHT]  # the subject bends left first, then right
    assert result.tracking["valid_fraction"] > 0.99


def test_same_excursion_times_as_vicon(keraal, side_bend):  # type: ignore[no-untyped-def]
    reference = analyze(keraal[("vicon", "ELK")], side_bend).repetitions
    camera = analyze(keraal[("blazepose", "ELK")], side_bend).repetitions
    for ref, cam in zip(reference, camera, strict=True):
        assert cam.start_s == pytest.approx(ref.start_s, abs=0.2)
        assert cam.end_s == pytest.approx(ref.end_s, abs=0.2)
        assert abs(cam.peak_deg - ref.peak_deg) < 5.0


def test_flank_stretch_holds_found_on_reference(keraal, side_bend):  # type: ignore[no-untyped-def]
    holds = analyze(keraal[("vicon", "ELK")], side_bend).holds
    assert [h.side for h in holds] == [Side.LEFT, Side.RIGHT]
    assert all(h.duration_s >= 1.0 and abs(h.mean_deg) > 20 for h in holds)


@pytest.mark.parametrize("system", ["vicon", "blazepose", "openpose", "kinect"])
def test_no_false_side_bends_in_the_arm_exercise(keraal, side_bend, system):  # type: ignore[no-untyped-def]
    """CTK ("hiding face") moves the arms, not the trunk: no side-bend excursion is found."""
    assert analyze(keraal[(system, "CTK")], side_bend).repetitions == ()


@pytest.mark.parametrize("system", ["blazepose", "openpose"])
def test_ctk_trunk_stays_upright_like_vicon(keraal, system):  # type: ignore[no-untyped-def]
    t_ref, ref = _lateral(keraal[("vicon", "CTK")])
    t, values = _lateral(keraal[(system, "CTK")])
    assert compare_signals(t, values, t_ref, ref).rmse_deg < 2.0
