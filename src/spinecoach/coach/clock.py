"""Clocks the session engine reads time from (seconds, monotonic)."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything with ``now() -> float`` returning monotonic seconds."""

    def now(self) -> float:
        """Current time in seconds (any origin, never going backwards)."""
        ...


class MonotonicClock:
    """The real clock: :func:`time.monotonic`."""

    def now(self) -> float:
        """Seconds from :func:`time.monotonic`."""
        return time.monotonic()


class FakeClock:
    """A clock moved by hand (tests, replays driven by recording time).

    Parameters
    ----------
    start_s : float
        Initial time in seconds.
    """

    def __init__(self, start_s: float = 0.0) -> None:
        self._now_s = float(start_s)

    def now(self) -> float:
        """The current fake time in seconds."""
        return self._now_s

    def set(self, now_s: float) -> None:
        """Jump to ``now_s`` (never backwards)."""
        if now_s < self._now_s:
            raise ValueError(f"clock cannot go backwards: {now_s} < {self._now_s}")
        self._now_s = float(now_s)

    def advance(self, dt_s: float) -> float:
        """Move forward by ``dt_s`` seconds; returns the new time."""
        self.set(self._now_s + dt_s)
        return self._now_s
