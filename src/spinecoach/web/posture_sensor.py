"""A phone on the back (or a sensor bridge) as the posture pages' IMU.

The computer's page (the posture check or the sitting monitor, ``source=imu``) opens a
*link* for the signed-in person; the phone's page (``/posture/sensor``) streams its
devicemotion as protocol lines (docs/imu.md) into that link over ``/ws/posture/sensor``. One
link per person at a time (a newer page replaces an older one). Nothing is stored here: the
check keeps its measure rows until it is done, the monitor only the latest angle.
"""

from __future__ import annotations

import threading
import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidInput
from spinecoach.sources.imu.live import ImuLineDecoder
from spinecoach.sources.posture_imu import (
    ImuCheckCollector,
    MonitorSample,
    monitor_sample,
    monitor_value,
)

#: A link with no data for this long counts as "no data" (the monitor pauses).
STALE_S = 3.0
KINDS = ("check", "monitor")


@dataclass
class PostureSensorLink:
    """One page's IMU: lines in; the check's rows or the monitor's latest angle out."""

    kind: str  # check | monitor
    clock: Callable[[], float] = wallclock.monotonic
    collector: ImuCheckCollector = field(default_factory=ImuCheckCollector)
    decoder: ImuLineDecoder = field(default_factory=ImuLineDecoder)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_data: float | None = None
    latest: float | None = None
    connected: bool = False
    closed: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput(
                gettext("sensor link: expected one of {kinds}").format(kinds=", ".join(KINDS))
            )

    def feed(self, text: str) -> dict[str, Any]:
        """Lines from the phone; returns the ``ack`` for it."""
        with self.lock:
            if self.closed:
                raise InvalidInput(gettext("the posture page on your computer has closed"))
            self.last_data = self.clock()
            if self.kind == "check":
                self.collector.feed(text)
                calibrated = self.collector.calibrated
            else:
                for _, values in self.decoder.feed(text):
                    self.latest = monitor_value(values)
                calibrated = self.decoder.calibrated
            return {"type": "ack", "kind": self.kind, "calibrated": calibrated}

    def status(self) -> dict[str, Any]:
        """What the computer's page shows about the phone."""
        with self.lock:
            fresh = self.last_data is not None and self.clock() - self.last_data <= STALE_S
            decoder = self.collector.decoder if self.kind == "check" else self.decoder
            return {
                "connected": self.connected,
                "receiving": fresh,
                "calibrated": decoder.calibrated,
                "held_s": round(self.collector.held_seconds(), 1),
                "bad_lines": decoder.n_bad_lines,
            }

    def monitor_sample(self) -> MonitorSample | None:
        """The latest angle as a monitor sample; None while no fresh data comes."""
        with self.lock:
            if self.last_data is None or self.clock() - self.last_data > STALE_S:
                return None
            return monitor_sample(self.latest)


class PostureSensorHub:
    """The open links, one per person."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._links: dict[int, PostureSensorLink] = {}

    def open(self, person_id: int, kind: str) -> PostureSensorLink:
        """A new link for ``person_id`` (replacing an older one)."""
        link = PostureSensorLink(kind)
        with self._lock:
            old = self._links.get(person_id)
            if old is not None:
                old.closed = True
            self._links[person_id] = link
        return link

    def find(self, person_id: int) -> PostureSensorLink | None:
        """The person's open link, if a page is waiting for a sensor."""
        with self._lock:
            return self._links.get(person_id)

    def close(self, person_id: int, link: PostureSensorLink) -> None:
        """Close ``link`` (no-op when a newer one replaced it)."""
        with self._lock:
            link.closed = True
            if self._links.get(person_id) is link:
                del self._links[person_id]
