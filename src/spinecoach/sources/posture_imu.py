"""Live back-IMU inputs of the posture check and the sitting monitor (docs/posture.md).

Both take protocol lines (``spinecoach.sources.imu.live``: a phone's devicemotion on the
sacrum, or a sensor bridge with ``upper`` and ``lower`` sensors) and run them through the one
decoder, :class:`~spinecoach.sources.imu.live.ImuLineDecoder`. The stream starts with 3 s of
upright standing (the calibration window), so every angle is a change from upright standing.

* :class:`ImuCheckCollector` keeps the measure rows of a guided check and turns them into
  pelvic tilt and lumbar angle figures (the same :func:`~spinecoach.motion.posture.imu_figures`
  as ``spinecoach posture assess --imu``).
* :class:`ImuMonitorFeed` turns rows into about one monitor sample a second on the sender's
  clock; a gap in the stream (the phone stopped sending) is time away, so the monitor pauses.
"""

from __future__ import annotations

import queue
import time as wallclock
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from spinecoach.domain.posture import PostureFigure
from spinecoach.motion.posture import imu_figures
from spinecoach.motion.posture_monitor import MonitorSample as MonitorSample  # re-exported
from spinecoach.motion.posture_monitor import imu_sample
from spinecoach.motion.types import MeasureSeries
from spinecoach.sources.imu.live import ImuLineDecoder

#: Which IMU angle the monitor watches, best first, with the sign that makes slumping
#: positive: lumbar flexion (dual sensors), trunk inclination (upper sensor), and pelvic tilt
#: (a sacral sensor or phone alone: slumped sitting tilts the pelvis backwards, i.e. negative
#: anterior tilt).
MONITOR_MEASURES: tuple[tuple[str, float], ...] = (
    ("lumbar_flexion_deg", 1.0),
    ("trunk_inclination_deg", 1.0),
    ("pelvic_tilt_deg", -1.0),
)
#: Longest check kept (measure rows; about 60 s at the event rate of 30 Hz).
MAX_CHECK_ROWS = 1800


def monitor_value(values: Mapping[str, float]) -> float | None:
    """The monitor's angle in one measure row (slumping positive); None if absent."""
    for name, sign in MONITOR_MEASURES:
        value = values.get(name)
        if value is not None and np.isfinite(value):
            return sign * float(value)
    return None


def monitor_sample(value: float | None) -> MonitorSample | None:
    """The monitor's sample of an IMU angle (None: no data, the monitor pauses)."""
    return None if value is None else imu_sample(value)


@dataclass
class ImuCheckCollector:
    """Protocol lines of one guided check in; pelvic tilt and lumbar angle figures out."""

    decoder: ImuLineDecoder = field(default_factory=ImuLineDecoder)
    rows: list[tuple[float, dict[str, float]]] = field(default_factory=list)

    def feed(self, text: str) -> None:
        """Decode a message of one or more lines (bad lines are counted, never fatal)."""
        for row in self.decoder.feed(text):
            if len(self.rows) < MAX_CHECK_ROWS:
                self.rows.append(row)

    @property
    def calibrated(self) -> bool:
        """Whether the 3 s upright calibration window is over."""
        return self.decoder.calibrated

    def held_seconds(self) -> float:
        """Seconds of stream after the calibration window so far."""
        if len(self.rows) < 2:
            return 0.0
        return max(self.rows[-1][0] - self.rows[0][0] - self.decoder.calibration.duration_s, 0.0)

    def figures(self) -> tuple[tuple[PostureFigure, ...], dict[str, str]]:
        """Pelvic tilt and lumbar angle of the held posture, relative to upright standing.

        Returns
        -------
        tuple
            ``(figures, unmeasurable)``; a measure the sensors cannot give (lumbar angle from
            one sacral sensor) is in ``unmeasurable`` with the reason.
        """
        if not self.rows:
            return (), {
                "pelvic_tilt_deg": "no sensor data after the 3 s upright calibration window",
            }
        names = sorted({k for _, values in self.rows for k in values})
        series = MeasureSeries(
            time_s=np.array([t for t, _ in self.rows]),
            values={n: np.array([values.get(n, np.nan) for _, values in self.rows]) for n in names},
        )
        if "lumbar_flexion_deg" not in series.values:
            series.unmeasurable["lumbar_flexion_deg"] = (
                "needs two back sensors (T12/L1 and sacrum); one sensor or a phone on the "
                "sacrum gives pelvic tilt only"
            )
        # rows start with the calibration window itself (zero by construction)
        start = float(series.time_s[0]) + self.decoder.calibration.duration_s
        return imu_figures(series, start)


@dataclass
class ImuMonitorFeed:
    """Measure rows in; about ``fps`` monitor samples a second (sender time) out.

    Parameters
    ----------
    fps : float
        Samples a second handed to the monitor.
    stale_s : float
        A gap longer than this in the stream is time with no data: the monitor gets
        ``None`` (it pauses; the time counts as away).
    """

    fps: float = 1.0
    stale_s: float = 3.0
    decoder: ImuLineDecoder = field(default_factory=ImuLineDecoder)
    t0: float | None = None
    last_t: float | None = None
    next_t: float = 0.0
    latest: float | None = None

    def feed(self, text: str) -> list[tuple[float, MonitorSample | None]]:
        """Decode a message; return the monitor samples due ``(t_s, sample)``."""
        out: list[tuple[float, MonitorSample | None]] = []
        for t, values in self.decoder.feed(text):
            if self.t0 is None:
                self.t0 = t
            rel = t - self.t0
            if self.last_t is not None and rel - self.last_t > self.stale_s:
                # the stream stopped a while: no data, a sample a second (the monitor pauses)
                gap = np.arange(self.last_t + self.stale_s, rel, 1.0 / self.fps)
                out += [(float(t_gap), None) for t_gap in gap]
                self.next_t = rel
            self.last_t = rel
            value = monitor_value(values)
            self.latest = value
            if rel + 1e-9 >= self.next_t:
                out.append((rel, None if value is None else imu_sample(value)))
                self.next_t = rel + 1.0 / self.fps
        return out


def live_monitor_samples(
    lines: queue.Queue[str | None],
    fps: float,
    *,
    stale_s: float = 3.0,
    clock: Callable[[], float] = wallclock.monotonic,
) -> Iterator[tuple[float, MonitorSample | None]]:
    """Monitor samples of a live IMU stream (lines from a UDP or WebSocket listener).

    Samples follow the sender's clock; while nothing arrives for ``stale_s`` (wall time) a
    ``None`` sample a second says no data (the monitor pauses). Ends at ``{"type": "end"}``
    (``None`` on the queue).
    """
    feed = ImuMonitorFeed(fps=fps, stale_s=stale_s)
    last_data = clock()
    last_out = -1.0

    def forward(t_s: float) -> float:  # time stamps handed on never go back
        nonlocal last_out
        last_out = max(t_s, last_out + 1e-3)
        return last_out

    while True:
        try:
            line = lines.get(timeout=1.0 / fps)
        except queue.Empty:
            now = clock()
            if now - last_data > stale_s and feed.last_t is not None:
                yield forward(feed.last_t + (now - last_data)), None
            continue
        if line is None:
            return
        last_data = clock()
        for t_s, sample in feed.feed(line):
            yield forward(t_s), sample
