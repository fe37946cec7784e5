"""A person walking past the camera (real clip, MediaPipe keypoints) during prone press-ups:
counting waits for the starting position, so no press-up is counted (issue 14)."""

from __future__ import annotations

from spinecoach.motion.analysis import GENERIC_FORM_CODES
from spinecoach.motion.body import Body
from spinecoach.motion.start_position import PositionGate, Posture, classify
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import EventKind


def _run(series, exercise, start_position):  # type: ignore[no-untyped-def]
    analyzer = StreamingAnalyzer(
        exercise.signature,
        dose=exercise.dose,
        exercise_id=exercise.id,
        error_codes=frozenset(e.code for e in exercise.common_errors) | GENERIC_FORM_CODES,
        start_position=start_position,
    )
    events = []
    for i in range(series.n_frames):
        events += analyzer.push_keypoints(
            float(series.time_s[i]), series.positions[i], series.confidence[i], series.names
        )
    return analyzer.finish(), events


def test_a_walking_person_gets_no_press_ups(clip_pose, library) -> None:  # type: ignore[no-untyped-def]
    walk, _ = clip_pose("sports2d_walk_side.mp4")
    body = Body(walk.positions, walk.confidence, walk.names, walk.frame.kind, walk.frame.axes)
    postures = classify(body)
    assert postures.count(Posture.STANDING) > 0.5 * len(postures)
    press_up = library.get("prone_press_up")
    gated, events = _run(walk, press_up, "prone")
    assert gated.repetitions == ()
    asked = [e for e in events if e.kind is EventKind.START_POSITION_NEEDED]
    assert asked and asked[0].detail == PositionGate("prone").cue
    assert not any(e.kind is EventKind.START_POSITION_REACHED for e in events)
    # the same clip for a standing exercise: the walker is in position and gets analysed
    standing = library.get("standing_extension")
    result, events = _run(walk, standing, "standing")
    assert any(e.kind is EventKind.START_POSITION_REACHED for e in events)
    assert result.tracking["baseline_deg"] is not None
