"""Recognising the starting position (lying, all fours, kneeling, seated, standing) from
keypoints, and the gate that holds back counting until the person is in it."""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.content import load_library
from spinecoach.motion.analysis import analyze
from spinecoach.motion.body import Body
from spinecoach.motion.demonstration import demonstration_series
from spinecoach.motion.start_position import (
    ACCEPTED,
    LYING,
    UPRIGHT,
    PositionGate,
    Posture,
    classify,
    postures_from_inclination,
)
from spinecoach.motion.types import FrameKind

LIBRARY = load_library()


def _side_view(points: np.ndarray, view: str = "side") -> np.ndarray:
    """World (x forward, y left, z up, metres) -> image pixels (x right, y down) seen from
    the side, or from the front (the subject's left on the image's right)."""
    across = points[..., 0] if view == "side" else points[..., 1]
    return np.stack([640 + 300 * across, 700 - 300 * points[..., 2]], axis=-1)


@pytest.mark.parametrize("exercise_id", sorted(LIBRARY.exercises))
@pytest.mark.parametrize("frame", ["world", "image"])
def test_every_demonstration_starts_in_its_exercise_position(exercise_id: str, frame: str) -> None:
    exercise = LIBRARY.get(exercise_id)
    series = demonstration_series(exercise, fps=5.0).series
    points = series.positions[:1]
    if frame == "image":  # as the camera sees it, from the exercise's own view
        assert exercise.demonstration is not None
        points = _side_view(points, exercise.demonstration.view)
        body = Body(points, series.confidence[:1], series.names, FrameKind.IMAGE, "x right, y down")
    else:
        body = Body(points, series.confidence[:1], series.names, FrameKind.WORLD, series.frame.axes)
    posture = classify(body)[0]
    assert posture in ACCEPTED[exercise.position.value], (exercise_id, posture)


def test_a_standing_person_gets_no_press_ups_counted() -> None:
    """A person walking in place (the slow-walking demonstration) in front of a camera set up
    for prone press-ups: the analysis alone counts knee swings of the trunk line; the gate
    never opens, so nothing is counted."""
    walking = demonstration_series(LIBRARY.get("slow_walking"), fps=15.0).series
    press_up = LIBRARY.get("prone_press_up")
    image = _side_view(walking.positions)
    gate = PositionGate("prone")
    opened = [
        gate.update(float(t), image[k], walking.confidence[k], walking.names)
        for k, t in enumerate(walking.time_s)
    ]
    assert not any(opened)
    assert gate.last is Posture.STANDING
    assert "face down" in gate.cue
    # and the person who lies down gets counted once settled
    lying = demonstration_series(press_up, fps=15.0).series
    image = _side_view(lying.positions)
    gate = PositionGate("prone")
    opened = [
        gate.update(float(t), image[k], lying.confidence[k], lying.names)
        for k, t in enumerate(lying.time_s)
    ]
    first = opened.index(True)
    assert lying.time_s[first] == pytest.approx(1.0, abs=0.1)
    assert analyze(lying, press_up).repetitions


def test_imu_inclination_narrows_the_postures() -> None:
    assert postures_from_inclination(10.0) == UPRIGHT
    assert Posture.QUADRUPED in postures_from_inclination(88.0)
    assert LYING <= postures_from_inclination(-90.0)
    assert not postures_from_inclination(47.0)


def test_missing_keypoints_are_unknown() -> None:
    names = ("left_hip", "right_hip", "left_shoulder", "right_shoulder")
    body = Body(
        np.full((1, 4, 2), np.nan), np.zeros((1, 4)), names, FrameKind.IMAGE, "x right, y down"
    )
    assert classify(body) == [Posture.UNKNOWN]


def test_a_standing_backward_bend_is_not_counted_as_press_ups() -> None:
    """Standing backward bends move the trunk line the way press-ups do: without the gate the
    press-up analysis counts them; with it, nothing counts until the person lies face down."""
    from spinecoach.motion.analysis import error_codes_for
    from spinecoach.motion.streaming import StreamingAnalyzer

    press_up = LIBRARY.get("prone_press_up")
    standing = demonstration_series(LIBRARY.get("standing_extension"), fps=15.0).series
    image = _side_view(standing.positions)
    counted = {}
    for gate in (None, "prone"):
        analyzer = StreamingAnalyzer(
            press_up.signature,
            dose=press_up.dose,
            error_codes=error_codes_for(press_up),
            start_position=gate,
        )
        for k, t in enumerate(standing.time_s):
            analyzer.push_keypoints(float(t), image[k], standing.confidence[k], standing.names)
        counted[gate] = len(analyzer.finish().repetitions)
    assert counted[None] >= 2, "the trap is real: ungated, backward bends count"
    assert counted["prone"] == 0


def test_the_settling_second_is_caught_up_over_several_frames(shared_data) -> None:  # type: ignore[no-untyped-def]
    """Once the person is in position, the held settling second (~30 frames) is analysed a
    few frames at a time beside the new ones, not all in the frame that opens the gate (that
    frame cost ~5 ms, the slowest of every exercise in ``bench.coach``); the result is the
    same as analysing it at once."""
    from spinecoach.motion.streaming import CATCH_UP_FRAMES, StreamingAnalyzer
    from spinecoach.sources.keypoints import read_keypoints

    series = read_keypoints(shared_data / "keraal" / "G3-BP-ELK-P1T1-Unknown-C-0.json")
    bend = load_library().get("seated_side_bend")
    live = StreamingAnalyzer(bend.signature, dose=bend.dose, start_position="seated")
    steps = []
    for k in range(series.n_frames):
        before = live.tracker.n_samples
        live.push_keypoints(
            float(series.time_s[k]), series.positions[k], series.confidence[k], series.names
        )
        steps.append(live.tracker.n_samples - before)
    result = live.finish()
    assert max(steps) <= CATCH_UP_FRAMES + 1  # before: 31 in one frame
    assert not live.catching_up
    # the same frames (the settling second on) analysed ungated, one per push
    ungated = StreamingAnalyzer(bend.signature, dose=bend.dose)
    settle_from = series.n_frames - live.tracker.n_samples
    for k in range(settle_from, series.n_frames):
        ungated.push_keypoints(
            float(series.time_s[k]), series.positions[k], series.confidence[k], series.names
        )
    expected = ungated.finish()
    assert [(r.start_s, r.end_s, r.side) for r in result.repetitions] == [
        (r.start_s, r.end_s, r.side) for r in expected.repetitions
    ]
    assert len(result.repetitions) == 2


@pytest.mark.parametrize("exercise_id", sorted(LIBRARY.exercises))
def test_the_one_frame_classifier_matches_the_array_one(exercise_id: str) -> None:
    """The gate's per-frame classifier (plain floats, for live sessions) gives the posture and
    trunk inclination of :func:`classify` and :func:`inclination_deg` on every frame of every
    demonstration, in image and world axes, also with keypoints dropped and jittered."""
    from spinecoach.motion.start_position import _classify_frame, inclination_deg

    exercise = LIBRARY.get(exercise_id)
    series = demonstration_series(exercise, fps=5.0).series
    assert exercise.demonstration is not None
    rng = np.random.default_rng(7)
    image = _side_view(series.positions, exercise.demonstration.view)
    for frame_kind, points, axes in (
        (FrameKind.IMAGE, image, "x right, y down"),
        (FrameKind.WORLD, series.positions, series.frame.axes),
    ):
        for k in range(len(series.time_s)):
            for trial in range(3):
                positions = points[k].copy()
                confidence = series.confidence[k].copy()
                if trial:  # jitter, and drop some keypoints (low confidence or NaN)
                    positions = positions + rng.normal(0, 0.02 * np.ptp(points), positions.shape)
                    confidence[rng.random(len(confidence)) < 0.2 * trial] = 0.1
                    positions[rng.random(len(confidence)) < 0.1 * trial] = np.nan
                body = Body(positions[None], confidence[None], series.names, frame_kind, axes)
                posture, incline = _classify_frame(body)
                assert posture is classify(body)[0]
                expected = float(inclination_deg(body)[0])
                assert incline == pytest.approx(expected, abs=1e-9, nan_ok=True)
