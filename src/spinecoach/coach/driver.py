"""Run a session engine against a clock, from a recorded or live sensor stream or timers.

The driver owns the loop every front end needs: advance the engine's clock (paced to real
time by ``speed``), pull frames, turn them into motion events, hand cues to the caller and
let the caller answer check-ins. Recorded inputs are consumed only during movement steps,
so the recording lines up with the exercise it shows; when it ends, the session carries on
by the clock (:meth:`SessionEngine.end_sensor`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.cues import Cue
from spinecoach.coach.engine import SessionEngine
from spinecoach.coach.feed import Frame, LiveAdapter, MotionFeed

log = logging.getLogger(__name__)

CueHandler = Callable[[list[Cue]], None]
Hook = Callable[[SessionEngine], None]


class SessionDriver:
    """Drives ``engine`` until it finishes.

    Parameters
    ----------
    engine : SessionEngine
        Built with ``clock`` as its clock.
    clock : FakeClock
        The engine's clock, advanced by the driver (session seconds).
    frames : iterator of Frame, optional
        Sensor frames; ``None`` runs on timers alone.
    feed : MotionFeed, optional
        Turns frames into motion events (required with ``frames``).
    live : bool
        ``True`` for live sources (camera, IMU stream): every frame is analysed as it comes
        and sets the clock; ``False`` for recordings: frames are consumed only during
        movement steps and advance the clock by their own time steps.
    speed : float
        Real-time factor (2.0 = twice as fast); ``math.inf`` or ``0`` = as fast as possible.
    tick_s : float
        Clock step (session seconds) when no frame drives the clock.
    on_cues : callable, optional
        Called with every non-empty batch of cues.
    hook : callable, optional
        Called after every step of the loop (keyboard, check-in answers, display refresh).
    sleep, monotonic : callables
        Real-time functions (injected so tests can run without waiting).
    """

    def __init__(
        self,
        engine: SessionEngine,
        clock: FakeClock,
        *,
        frames: Iterator[Frame] | None = None,
        feed: MotionFeed | None = None,
        live: bool = False,
        speed: float = 1.0,
        tick_s: float = 0.1,
        on_cues: CueHandler | None = None,
        hook: Hook | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if frames is not None and feed is None:
            raise ValueError("a feed is needed to analyse frames")
        self.engine = engine
        self.clock = clock
        self.frames = frames
        self.feed = feed
        self.adapter = LiveAdapter(engine, feed) if feed is not None else None
        self.live = live
        self.speed = math.inf if speed <= 0 else speed
        self.tick_s = tick_s
        self.on_cues = on_cues
        self.hook = hook
        self._sleep = sleep
        self._monotonic = monotonic
        self._real_start = 0.0
        self._session_start = 0.0
        self._last_frame_t: float | None = None
        self._frame_offset_s: float | None = None
        self.frames_used = 0

    def _emit(self, cues: list[Cue]) -> None:
        if cues and self.on_cues is not None:
            self.on_cues(cues)

    def _pace(self) -> None:
        """Sleep until real time catches up with session time / speed."""
        if math.isinf(self.speed):
            return
        due = self._real_start + (self.clock.now() - self._session_start) / self.speed
        wait = due - self._monotonic()
        if wait > 0:
            self._sleep(wait)

    def run(self) -> None:
        """Run until the engine finishes."""
        engine = self.engine
        self._real_start = self._monotonic()
        self._session_start = self.clock.now()
        self._emit(engine.start())
        while not engine.finished:
            if self.frames is not None and (self.live or engine.accepts_motion):
                frame = next(self.frames, None)
                if frame is None:
                    self.frames = None
                    self._emit(engine.end_sensor("the recording ended" if not self.live
                                                 else "the sensor stopped"))  # fmt: skip
                else:
                    self._frame(frame)
            else:
                self.clock.advance(self.tick_s)
                self._pace()
                self._emit(engine.tick())
            if self.hook is not None and not engine.finished:
                before = self._monotonic()
                self.hook(engine)
                if self._monotonic() - before > 0.05:
                    self.rebase()  # the hook blocked (a prompt): don't fast-forward after it

    def rebase(self) -> None:
        """Pace from now on: real time lost while blocked is not made up by rushing."""
        self._real_start = self._monotonic()
        self._session_start = self.clock.now()

    def _frame(self, frame: Frame) -> None:
        engine = self.engine
        if self.live:
            if self._frame_offset_s is None:
                self._frame_offset_s = self.clock.now() - frame.t_s
            target = frame.t_s + self._frame_offset_s
            if target > self.clock.now():
                self.clock.set(target)
        else:
            step = 0.0 if self._last_frame_t is None else max(frame.t_s - self._last_frame_t, 0.0)
            self._last_frame_t = frame.t_s
            self.clock.advance(step)
            self._pace()
        assert self.adapter is not None
        cues = self.adapter.push(frame, analyse=engine.accepts_motion or self.live)
        self.frames_used += 1
        self._emit(cues)
