"""The session driver: pacing at a speed, recordings consumed during exercises only."""

from __future__ import annotations

import numpy as np
from tests.coach.helpers import ISOMETRIC, LIBRARY, make_plan

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.driver import SessionDriver
from spinecoach.coach.engine import SessionEngine
from spinecoach.coach.feed import Frame, MotionFeed
from spinecoach.coach.sink import MemorySink


class FakeTime:
    """Real time for the driver, advanced only by its sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def answer(engine: SessionEngine) -> None:
    if engine.state()["awaiting"] == "pain":
        engine.report_pain(1)


def test_speed_paces_the_session_in_real_time(rules) -> None:
    real = FakeTime()
    clock = FakeClock()
    engine = SessionEngine(make_plan(ISOMETRIC), LIBRARY, rules, clock=clock)
    SessionDriver(
        engine, clock, speed=4.0, hook=answer, sleep=real.sleep, monotonic=real.monotonic
    ).run()
    assert engine.finished
    # the whole session took clock.now() session seconds and a quarter of that in real time
    assert abs(real.slept - clock.now() / 4.0) < 0.2


def test_recordings_are_consumed_only_during_exercises(rules) -> None:
    clock = FakeClock()
    sink = MemorySink()
    engine = SessionEngine(make_plan(ISOMETRIC), LIBRARY, rules, clock=clock, sink=sink,
                           sensor=True)  # fmt: skip
    consumed: list[float] = []
    names = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")

    def frames():  # type: ignore[no-untyped-def]
        for k in range(60):  # 2 s of frames at 30 Hz
            t = k / 30
            consumed.append(clock.now())
            yield Frame(t, np.zeros((4, 2)), np.ones(4), names)

    driver = SessionDriver(engine, clock, frames=frames(), feed=MotionFeed(), speed=0, hook=answer)
    driver.run()
    assert driver.frames_used == 60
    # the first frame came once the instructions were over (check-in 0.1 s, set-up 10 s,
    # instructions 8 s), not during them
    assert consumed[0] >= 18.0
    assert engine.finished and sink.results[0].tracking["sensor_ended"] is True
