"""Trunk rotation from one camera against a known truth (issue 11, "Angles").

The KERAAL Vicon skeleton is turned about the vertical by a known angle and projected through
a pinhole camera with pixel noise and an estimator's under-scaled, noisy depth
(:mod:`spinecoach.motion.projection`). Before issue 11 the image estimate was
``atan2(depth, width)``: it read about half the turn (mean error 14 deg on this case), and
counted arm raises and depth noise as twists.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bench.rotation import rest_wander

from spinecoach.domain.exercise import Exercise
from spinecoach.motion.analysis import analyze
from spinecoach.motion.measures import compute_measures
from spinecoach.motion.projection import (
    Camera,
    project,
    sinusoidal_twist,
    still_pose,
    twist_upper_body,
)
from spinecoach.motion.rotation import NOT_MEASURABLE_OBLIQUE, NOT_MEASURABLE_SIDE
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import EventKind, KeypointSeries, Side
from spinecoach.sources.keypoints import read_keypoints

NAME = "trunk_rotation_deg"
RATE_HZ = 30.0


def twisted(vicon: KeypointSeries, amplitude: float = 60.0) -> tuple[KeypointSeries, np.ndarray]:
    base = still_pose(vicon, int(14.0 * RATE_HZ), RATE_HZ)
    turn = sinusoidal_twist(base.time_s, amplitude, 4.0, 1.5, 2.5)
    return twist_upper_body(base, turn), turn


def relative(values: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    ok = np.isfinite(values)
    first = ok & (time_s <= time_s[ok][0] + 1.0)
    return values - float(np.median(values[first]))


@pytest.mark.parametrize(("yaw", "max_mae"), [(0.0, 3.0), (30.0, 4.5)])
def test_a_known_twist_is_read_at_its_size(
    vicon: KeypointSeries, twist: Exercise, yaw: float, max_mae: float
) -> None:
    body, turn = twisted(vicon)
    image = project(body, Camera(yaw_deg=yaw, depth_noise_px=2.0))
    values = compute_measures(image, names=[NAME]).values[NAME]
    ok = np.isfinite(values)
    assert ok.mean() > 0.95
    rel = relative(values, image.time_s)
    assert np.corrcoef(rel[ok], turn[ok])[0, 1] > 0.99
    assert np.mean(np.abs(rel[ok] - turn[ok])) < max_mae
    peaks = [float(np.max(rel[ok])), float(np.min(rel[ok]))]
    assert peaks == [pytest.approx(60.0, abs=9.0), pytest.approx(-60.0, abs=9.0)]
    result = analyze(image, twist)
    assert [r.side for r in result.repetitions] == [Side.RIGHT, Side.LEFT] * 2 + [Side.RIGHT]


def test_walking_toward_the_camera_is_not_a_twist(vicon: KeypointSeries) -> None:
    body, _ = twisted(vicon, amplitude=0.0)
    image = project(body, Camera(depth_noise_px=2.0))
    scale = np.linspace(1.0, 1.6, image.n_frames)[:, None, None]  # 2.5 m -> 1.6 m
    centre = np.array([480.0, 272.0, 0.0])
    positions = centre + (image.positions - centre) * scale
    closer = KeypointSeries(
        image.time_s, image.names, positions, image.confidence, image.frame, image.source
    )
    values = compute_measures(closer, names=[NAME]).values[NAME]
    rel = relative(values, closer.time_s)
    assert np.nanmax(np.abs(rel)) < 6.0


@pytest.mark.parametrize(("yaw", "reason"), [(60.0, NOT_MEASURABLE_OBLIQUE), (90.0, None)])
def test_oblique_and_side_views_are_not_measurable(
    vicon: KeypointSeries, yaw: float, reason: str | None
) -> None:
    body, _ = twisted(vicon)
    measures = compute_measures(project(body, Camera(yaw_deg=yaw)), names=[NAME])
    assert NAME not in measures.values
    assert measures.unmeasurable[NAME] in (reason or NOT_MEASURABLE_SIDE, NOT_MEASURABLE_SIDE)


def arm_raises(vicon: KeypointSeries) -> KeypointSeries:
    """CTK (arms raised to ~85 deg and lowered, trunk still) forward, back, forward, back."""
    n = vicon.n_frames
    order = np.r_[np.arange(n), np.arange(n)[::-1], np.arange(n), np.arange(n)[::-1]]
    return KeypointSeries(
        np.arange(order.size) / RATE_HZ,
        vicon.names,
        vicon.positions[order].copy(),
        vicon.confidence[order].copy(),
        vicon.frame,
    )


@pytest.mark.parametrize("yaw", [0.0, 30.0])
def test_arm_raises_with_a_still_trunk_are_not_twists(
    vicon: KeypointSeries, twist: Exercise, yaw: float
) -> None:
    image = project(arm_raises(vicon), Camera(yaw_deg=yaw, depth_noise_px=2.0))
    values = compute_measures(image, names=[NAME]).values.get(NAME)
    elevation = compute_measures(image, names=["left_shoulder_elevation_deg"]).values
    raised = elevation["left_shoulder_elevation_deg"] > 60.0
    assert raised.sum() > 100
    if values is not None:
        assert not np.any(np.isfinite(values[raised]))  # not measured, not a twist
    result = analyze(image, twist)
    assert result.repetitions == ()
    assert result.count.get("candidate_repetitions", 0) == 0


def test_depth_noise_at_the_start_makes_no_twist(vicon: KeypointSeries, twist: Exercise) -> None:
    still = still_pose(vicon, int(6.0 * RATE_HZ), RATE_HZ)
    for seed in range(3):
        image = project(still, Camera(depth_noise_px=4.0), seed=seed)
        values = compute_measures(image, names=[NAME]).values[NAME]
        early = values[image.time_s <= 0.6]
        assert np.all(np.abs(early[np.isfinite(early)] - np.nanmedian(values)) < 4.0)
        assert analyze(image, twist).repetitions == ()


def test_the_live_stream_counts_the_same_twists(vicon: KeypointSeries, twist: Exercise) -> None:
    body, _ = twisted(vicon)
    image = project(body, Camera(depth_noise_px=2.0))
    live = StreamingAnalyzer(twist.signature, dose=twist.dose, frame=image.frame)
    first_value = None
    for i in range(image.n_frames):
        live.push_keypoints(
            float(image.time_s[i]), image.positions[i], image.confidence[i], image.names
        )
        if first_value is None and live.tracker.last_angle_deg == live.tracker.last_angle_deg:
            first_value = float(image.time_s[i])
    result = live.finish()
    assert first_value is not None and first_value >= 0.4  # calibrated on a still window first
    assert [r.side for r in result.repetitions] == [Side.RIGHT, Side.LEFT] * 2 + [Side.RIGHT]
    assert all(abs(abs(r.peak_deg) - 60.0) < 12.0 for r in result.repetitions)
    assert EventKind.REPETITION in {e.kind for e in result.events}


def test_real_blazepose_arm_raises_are_not_twists(shared_data: Path, twist: Exercise) -> None:
    """KERAAL CTK: the arms rise to ~85 deg and come down; Vicon's rotation stays within
    3-9 deg. The old estimate swung from -20 to +12 deg with the arms."""
    series = read_keypoints(shared_data / "keraal" / "G3-BP-CTK-P1T1-Unknown-C-0.json")
    measures = compute_measures(series, names=[NAME])
    values = measures.values.get(NAME)
    if values is not None and np.any(np.isfinite(values)):
        assert not np.any(np.isfinite(values) & (np.abs(values - np.nanmedian(values)) > 8.0))
    assert analyze(series, twist).repetitions == ()


def test_a_stream_that_starts_sending_depth_late_is_measured(
    vicon: KeypointSeries, twist: Exercise
) -> None:
    """A page that sends ``[x, y]`` first (an old cached script, or no depth from the model
    yet) and ``[x, y, z]`` after: the analyser starts over with depth. Before, the keypoint
    set was prepared once for 2D and the rest of the stream was silently not measured."""
    base = still_pose(vicon, int(16.0 * RATE_HZ), RATE_HZ)
    turn = sinusoidal_twist(base.time_s, 60.0, 4.0, 3.5, 2.5)
    image = project(twist_upper_body(base, turn), Camera(depth_noise_px=2.0))
    live = StreamingAnalyzer(twist.signature, dose=twist.dose, frame=image.frame)
    for i in range(image.n_frames):
        dims = 2 if image.time_s[i] < 1.0 else 3
        live.push_keypoints(
            float(image.time_s[i]),
            image.positions[i, :, :dims].copy(),
            image.confidence[i],
            image.names,
        )
    result = live.finish()
    assert [r.side for r in result.repetitions] == [Side.RIGHT, Side.LEFT] * 2 + [Side.RIGHT]


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_the_rest_reading_is_steady_at_4_px_depth_noise(
    vicon: KeypointSeries, twist: Exercise, seed: int
) -> None:
    """A still person for 20 s, 4 px depth noise, front camera. Before, the reading wandered
    8-11 deg from its rest level (whole recording; live 8-13 deg, from a rest level taken
    from the half-second still window): now 2-4 deg (live 2-5 deg)."""
    still = still_pose(vicon, int(20.0 * RATE_HZ), RATE_HZ)
    image = project(still, Camera(depth_noise_px=4.0), seed=seed)
    batch, live = rest_wander(image, twist)  # the measure bench.rotation reports
    assert batch < 5.0
    assert live < 6.0
    assert analyze(image, twist).repetitions == ()


@pytest.mark.parametrize("yaw", [0.0, 30.0])
def test_true_twists_are_still_counted_at_4_px_depth_noise(
    vicon: KeypointSeries, twist: Exercise, yaw: float
) -> None:
    """Five twists of 60 deg at 4 px depth noise: 5 counted on every seed (before: 6 6 5 5 6
    from the front, a sixth 8-13 deg twist out of the wandering rest reading)."""
    body, turn = twisted(vicon)
    for seed in range(5):
        image = project(body, Camera(yaw_deg=yaw, depth_noise_px=4.0), seed=seed)
        result = analyze(image, twist)
        assert [r.side for r in result.repetitions] == [Side.RIGHT, Side.LEFT] * 2 + [Side.RIGHT]
        values = compute_measures(image, names=[NAME]).values[NAME]
        ok = np.isfinite(values)
        rel = relative(values, image.time_s)
        assert np.mean(np.abs(rel[ok] - turn[ok])) < 4.5
