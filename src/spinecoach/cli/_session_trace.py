"""Keep the measured angle of a terminal session for the review page (IMU sources)."""

from __future__ import annotations

from collections.abc import Iterator

from spinecoach.coach.clock import Clock
from spinecoach.coach.engine import SessionEngine
from spinecoach.coach.feed import Frame
from spinecoach.store.session_sink import StoreSessionSink


def traced_frames(
    frames: Iterator[Frame], engine: SessionEngine, clock: Clock, sink: StoreSessionSink
) -> Iterator[Frame]:
    """Pass ``frames`` through, recording each IMU frame's angle for the current exercise.

    The code after ``yield`` runs once the driver has analysed the frame (the clock is then
    at the frame's time). Keypoint frames are analysed inside the feed and not traced here.
    """
    for frame in frames:
        yield frame
        exercise = engine.current_exercise
        angle = exercise.signature.imu_angle if exercise is not None else None
        if frame.measures is None or angle is None:
            continue
        words = angle.removesuffix("_deg").replace("_", " ")
        label = f"{words[:1].upper()}{words[1:]} (sensor)"
        sink.record_sample("imu", clock.now(), frame.measures.get(angle), label)
