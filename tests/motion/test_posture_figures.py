"""Posture figures from synthetic projections with known angles, real KERAAL recordings, a
real side-view video, and synthetic back-IMU recordings."""

from __future__ import annotations

import numpy as np
import pytest
from _posture_person import series_of, side_pose, still_front, still_side

from spinecoach.motion.posture import (
    CAMERA_PELVIC_TILT_REASON,
    camera_figures,
    imu_figures,
    pelvic_tilt_moves_hip_centres,
)


def _by_name(result):  # type: ignore[no-untyped-def]
    return {f.measure: f for f in result.figures}


@pytest.mark.parametrize("cva", [38.0, 45.0, 50.0, 58.0])
@pytest.mark.parametrize("trunk", [-5.0, 0.0, 10.0])
def test_side_view_recovers_known_angles(cva, trunk) -> None:  # type: ignore[no-untyped-def]
    figures = _by_name(camera_figures(still_side(cva, trunk, seated=True), "side", "seated"))
    np.testing.assert_allclose(figures["craniovertebral_angle_deg"].value_deg, cva, atol=1.0)
    np.testing.assert_allclose(figures["sitting_trunk_flexion_deg"].value_deg, trunk, atol=0.6)
    np.testing.assert_allclose(figures["slump_deg"].value_deg, (90 - cva) - trunk, atol=1.2)
    assert figures["craniovertebral_angle_deg"].confidence >= 0.9


def test_standing_uses_trunk_inclination_and_checks_the_position() -> None:
    result = camera_figures(still_side(52.0, 3.0, seated=False), "side", "standing")
    assert "trunk_inclination_deg" in _by_name(result) and result.notes == ()
    wrong = camera_figures(still_side(52.0, 3.0, seated=False), "side", "seated")
    assert any("look like standing" in n for n in wrong.notes)


@pytest.mark.parametrize("tilt", [-6.0, 0.0, 3.0, 8.0])
def test_front_view_shoulder_height_difference(tilt) -> None:  # type: ignore[no-untyped-def]
    figures = _by_name(camera_figures(still_front(tilt), "front", "standing"))
    np.testing.assert_allclose(figures["shoulder_height_difference_deg"].value_deg, tilt, atol=0.5)


def test_wrong_view_is_unmeasurable_not_a_number() -> None:
    result = camera_figures(still_front(3.0), "side", "standing")
    assert result.figures == ()
    assert "needs a side view" in result.unmeasurable["craniovertebral_angle_deg"]
    side = camera_figures(still_side(50.0, 0.0, seated=False), "front", "standing")
    assert "needs a front view" in side.unmeasurable["shoulder_height_difference_deg"]


def test_confidence_falls_with_noise_and_dropouts() -> None:
    steady = _by_name(camera_figures(still_side(48.0, 2.0, True), "side", "seated"))
    shaky = _by_name(camera_figures(still_side(48.0, 2.0, True, noise_px=6.0), "side", "seated"))
    assert (
        shaky["craniovertebral_angle_deg"].confidence
        < steady["craniovertebral_angle_deg"].confidence
    )
    frames = [side_pose(48.0, 2.0, True) for _ in range(60)]
    for frame in frames[::2]:  # ears lost in every other frame
        frame.pop("left_ear")
        frame.pop("right_ear")
    gappy = _by_name(camera_figures(series_of(frames), "side", "seated"))
    assert gappy["craniovertebral_angle_deg"].n_samples == 30
    assert gappy["craniovertebral_angle_deg"].confidence <= 0.5 + 1e-9


def test_pelvic_tilt_is_not_measurable_from_a_camera() -> None:
    # Tilting the pelvis rotates it about the line through both hip joint centres: those
    # points - all a pose estimator marks of the pelvis - do not move, at any tilt.
    hips = np.array([[0.02, 0.09, 0.95], [0.02, -0.09, 0.95]])
    for tilt in (-15.0, 5.0, 25.0):
        np.testing.assert_allclose(pelvic_tilt_moves_hip_centres(hips, tilt), hips, atol=1e-12)
    # ...while a point of the pelvis off that axis (an ASIS, 6 cm in front, 5 cm up) does move
    asis = np.array([[0.08, 0.12, 1.0], [0.08, -0.12, 1.0]])
    moved = pelvic_tilt_moves_hip_centres(np.vstack([hips, asis]), 15.0, hips.mean(axis=0))
    assert np.linalg.norm(moved[2] - asis[0]) > 0.015
    result = camera_figures(still_side(50.0, 0.0, False), "side", "standing")
    assert result.unmeasurable["pelvic_tilt_deg"] == CAMERA_PELVIC_TILT_REASON


def test_keraal_real_front_view_shoulder_line(keraal) -> None:  # type: ignore[no-untyped-def]
    # KERAAL CTK: one healthy person sitting still, arms moving; four systems at once.
    values = {}
    for system in ("blazepose", "openpose", "kinect", "vicon"):
        figure = camera_figures(keraal[(system, "CTK")], "front", "seated").figures[0]
        values[system] = figure
        assert figure.confidence >= 0.85, system  # trunk still: steady figure
    cameras = [values[s].value_deg for s in ("blazepose", "openpose", "kinect")]
    assert max(cameras) - min(cameras) <= 3.0  # three camera systems agree within 3 deg
    # Vicon's shoulder targets are marker clusters, not joint centres: it reads ~5 deg apart.
    assert abs(values["vicon"].value_deg - values["blazepose"].value_deg) <= 6.0
    # ELK: an arm goes overhead and the trunk bends: the figure is unsteady, confidence low.
    elk = camera_figures(keraal[("blazepose", "ELK")], "front", "seated").figures[0]
    assert elk.confidence < 0.5 and elk.spread_deg > 10


def test_real_side_view_video(shared_data) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("mediapipe")
    from spinecoach.sources.video.handler import VideoOptions, process_video

    clip = shared_data / "video" / "sports2d_walk_side.mp4"
    analysis = process_video(clip, VideoOptions(max_frames=90, progress=False))
    result = camera_figures(analysis.analysis_series, "side", "standing")
    figures = _by_name(result)
    cva = figures["craniovertebral_angle_deg"]
    assert 35.0 <= cva.value_deg <= 75.0 and cva.n_samples >= 30
    assert abs(figures["trunk_inclination_deg"].value_deg) <= 15.0
    assert not any("look like sitting" in n for n in result.notes)


def _slumped_recording(monkeypatch, lower: float, upper: float, seed: int = 1):  # type: ignore[no-untyped-def]
    from spinecoach.sources.imu import simulate as sim

    movement = sim.Movement("slump_test", "lumbar_flexion_deg", lower_sagittal=lower,
                            upper_sagittal=upper, lever_m=0.1)  # fmt: skip
    monkeypatch.setitem(sim.MOVEMENTS, "slump_test", movement)
    return sim.simulate("slump_test", n_reps=1, rep_s=4.0, hold_s=20.0, rest_s=0.0, seed=seed)


@pytest.mark.parametrize(("lower", "upper"), [(-12.0, 10.0), (8.0, 4.0), (-5.0, 20.0)])
def test_imu_pelvic_tilt_and_lumbar_angle_in_a_held_posture(monkeypatch, lower, upper) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.motion.imu_angles import CalibrationOptions
    from spinecoach.motion.imu_pipeline import recording_measures

    sim = _slumped_recording(monkeypatch, lower, upper)
    measures = recording_measures(sim.recording, calibration=CalibrationOptions(duration_s=3.0))
    figures, missing = imu_figures(measures, 3.0)
    by = {f.measure: f for f in figures}
    assert missing == {}
    np.testing.assert_allclose(by["pelvic_tilt_deg"].value_deg, lower, atol=2.5)
    np.testing.assert_allclose(by["lumbar_angle_deg"].value_deg, upper - lower, atol=2.5)
    assert by["lumbar_angle_deg"].source == "imu" and by["lumbar_angle_deg"].confidence >= 0.6
