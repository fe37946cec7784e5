"""Measures on synthetic bodies with known angles, in 3D and in 2D front and side views."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_motion import NAMES, body_3d, front_view, series_from, side_view

from spinecoach.errors import NotMeasurable
from spinecoach.motion.measures import MEASURES, compute_measures
from spinecoach.motion.types import FrameKind

CASES = [
    (-30.0, 0.0, 0.0),
    (0.0, 0.0, 0.0),
    (20.0, 25.0, 0.0),
    (0.0, 40.0, 0.0),
    (12.0, -10.0, 0.0),
]


def _series(cases, view="3d", axes=None):  # type: ignore[no-untyped-def]
    frames = np.stack([body_3d(*c) for c in cases])
    time_s = np.arange(len(cases)) / 30.0
    if view == "front":
        return series_from(front_view(frames), time_s, FrameKind.IMAGE)
    if view == "side":
        return series_from(side_view(frames), time_s, FrameKind.IMAGE)
    return series_from(frames, time_s, FrameKind.WORLD)


def test_3d_trunk_angles_exact():  # type: ignore[no-untyped-def]
    m = compute_measures(_series(CASES))
    lateral = [c[0] for c in CASES]
    flexion = [c[1] for c in CASES]
    np.testing.assert_allclose(m.values["trunk_lateral_flexion_deg"], lateral, atol=1e-9)
    np.testing.assert_allclose(m.values["trunk_flexion_deg"], flexion, atol=1e-9)


@pytest.mark.parametrize("rotation_deg", [-35.0, -10.0, 0.0, 15.0, 40.0])
def test_3d_rotation_sign_right_shoulder_back_positive(rotation_deg):  # type: ignore[no-untyped-def]
    m = compute_measures(_series([(0.0, 0.0, rotation_deg)]))
    assert m.values["trunk_rotation_deg"][0] == pytest.approx(rotation_deg, abs=1e-9)
    assert "trunk_rotation_deg" not in m.flags


def test_3d_limb_angles():  # type: ignore[no-untyped-def]
    m = compute_measures(_series([(0.0, 0.0, 0.0)]))
    for side in ("left", "right"):
        assert m.values[f"{side}_hip_flexion_deg"][0] == pytest.approx(90.0)
        assert m.values[f"{side}_knee_flexion_deg"][0] == pytest.approx(90.0)
        assert m.values[f"{side}_shoulder_elevation_deg"][0] == pytest.approx(0.0, abs=1e-6)
    assert m.values["head_forward_deg"][0] == pytest.approx(0.0, abs=1e-9)


def test_kinect_like_axes_give_the_same_signs():  # type: ignore[no-untyped-def]
    """Kinect camera space (x sensor-left, y up, z away) with the subject facing the sensor."""
    lab = np.stack([body_3d(*c) for c in CASES])
    kinect = np.stack([-lab[..., 1], lab[..., 2], -lab[..., 0]], axis=-1)
    series = series_from(
        kinect,
        np.arange(len(CASES)) / 30.0,
        FrameKind.WORLD,
        axes="x sensor-left, y up, z away from the sensor",
    )
    m = compute_measures(series)
    np.testing.assert_allclose(
        m.values["trunk_lateral_flexion_deg"], [c[0] for c in CASES], atol=1e-9
    )
    np.testing.assert_allclose(m.values["trunk_flexion_deg"], [c[1] for c in CASES], atol=1e-9)


def test_front_view_measures_lateral_only():  # type: ignore[no-untyped-def]
    m = compute_measures(_series(CASES, "front"))
    np.testing.assert_allclose(
        m.values["trunk_lateral_flexion_deg"], [c[0] for c in CASES], atol=1e-9
    )
    assert "side view" in m.unmeasurable["trunk_flexion_deg"]
    assert "3D" in m.unmeasurable["trunk_rotation_deg"]
    assert "side view" in m.unmeasurable["left_knee_flexion_deg"]


def test_side_view_measures_sagittal_only():  # type: ignore[no-untyped-def]
    cases = [(0.0, f, 0.0) for f in (0.0, 20.0, 45.0, -15.0)]
    m = compute_measures(_series(cases, "side"))
    np.testing.assert_allclose(m.values["trunk_flexion_deg"], [c[1] for c in cases], atol=1e-9)
    np.testing.assert_allclose(m.values["right_hip_flexion_deg"], [90 + c[1] for c in cases])
    np.testing.assert_allclose(m.values["right_knee_flexion_deg"], 90.0)
    assert "front view" in m.unmeasurable["trunk_lateral_flexion_deg"]


def test_mirrored_side_view_still_forward_positive():  # type: ignore[no-untyped-def]
    """Subject facing image left: the nose-ear direction says which way is forward."""
    frames = side_view(np.stack([body_3d(0.0, 30.0, 0.0)]))
    frames[..., 0] = 1000 - frames[..., 0]
    m = compute_measures(series_from(frames, np.zeros(1), FrameKind.IMAGE))
    assert m.values["trunk_flexion_deg"][0] == pytest.approx(30.0)


def test_hip_hinge_ratio_long_spine_vs_rounded():  # type: ignore[no-untyped-def]
    long_spine = np.stack([side_view(body_3d(0.0, 40.0, 0.0))])
    rounded = long_spine.copy()
    ear, nose = NAMES.index("left_ear"), NAMES.index("nose")
    for k in (ear, NAMES.index("right_ear"), nose):
        rounded[0, k, 0] += 60  # head and upper back curled forward of the trunk line
        rounded[0, k, 1] += 40
    m_long = compute_measures(series_from(long_spine, np.zeros(1), FrameKind.IMAGE))
    m_round = compute_measures(series_from(rounded, np.zeros(1), FrameKind.IMAGE))
    assert m_long.values["hip_hinge_ratio"][0] == pytest.approx(1.0, abs=0.02)
    assert m_round.values["hip_hinge_ratio"][0] < 0.8


def test_upright_hinge_ratio_is_undefined_not_a_number():  # type: ignore[no-untyped-def]
    m = compute_measures(_series([(0.0, 0.0, 0.0)], "side"))
    assert np.isnan(m.values["hip_hinge_ratio"][0])


def test_confidence_gating_and_missing_frames():  # type: ignore[no-untyped-def]
    series = _series(CASES)
    series.confidence[1, NAMES.index("left_shoulder")] = 0.3
    series.positions[3] = np.nan
    series.confidence[3] = 0.0
    m = compute_measures(series, min_confidence=0.5)
    lateral = m.values["trunk_lateral_flexion_deg"]
    assert np.isnan(lateral[1]) and np.isnan(lateral[3])
    assert np.isfinite(lateral[[0, 2, 4]]).all()
    assert np.isfinite(
        compute_measures(series, min_confidence=0.2).values["trunk_lateral_flexion_deg"][1]
    )


def test_missing_keypoints_are_unmeasurable_with_reason():  # type: ignore[no-untyped-def]
    series = _series(CASES)
    keep = [i for i, n in enumerate(NAMES) if "knee" not in n and "ankle" not in n]
    from spinecoach.motion.types import KeypointSeries

    reduced = KeypointSeries(
        series.time_s,
        tuple(NAMES[i] for i in keep),
        series.positions[:, keep],
        series.confidence[:, keep],
        series.frame,
    )
    m = compute_measures(reduced)
    assert "left_knee" in m.unmeasurable["left_knee_flexion_deg"]
    assert "left_hip_flexion_deg" in m.unmeasurable
    assert "trunk_lateral_flexion_deg" in m.values


def test_unknown_measure_name():  # type: ignore[no-untyped-def]
    with pytest.raises(NotMeasurable, match="Allowed values"):
        compute_measures(_series(CASES), names=["spine_twist"])


def test_every_measure_documented_with_view():  # type: ignore[no-untyped-def]
    for definition in MEASURES.values():
        assert definition.view in {"front", "side", "3d", "any"}
        assert definition.description
        assert definition.name.endswith("_deg") == (definition.unit == "deg")


def test_pelvic_obliquity_right_hip_up_positive():  # type: ignore[no-untyped-def]
    frames = np.stack([body_3d(0.0, 0.0, 0.0)] * 2)
    frames[1, NAMES.index("right_hip"), 2] += 0.24 * np.tan(np.radians(10.0))
    for view in ("3d", "front"):
        series = series_from(
            front_view(frames) if view == "front" else frames,
            np.arange(2) / 30.0,
            FrameKind.IMAGE if view == "front" else FrameKind.WORLD,
        )
        values = compute_measures(series).values["pelvic_obliquity_deg"]
        np.testing.assert_allclose(values, [0.0, 10.0], atol=1e-6)
