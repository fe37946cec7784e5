"""Live sEMG from Lab Streaming Layer (pylsl, which carries liblsl): ``lsl:TYPE`` or
``lsl:name=NAME``. The first two channels are left and right (µV); samples are turned into
the plug-in's JSON lines on a reader thread."""

from __future__ import annotations

import json
import queue
import threading

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput

RESOLVE_TIMEOUT_S = 5.0


def open_lsl(url: str, timeout_s: float = RESOLVE_TIMEOUT_S) -> queue.Queue[str | None]:
    """Resolve the stream named by ``url`` and read it into a queue of JSON lines."""
    import pylsl

    spec = url.removeprefix("lsl:").lstrip("/")
    prop, value = ("name", spec[5:]) if spec.startswith("name=") else ("type", spec or "EMG")
    streams = pylsl.resolve_byprop(prop, value, timeout=timeout_s)
    if not streams:
        raise InvalidInput(
            _("--sensor: no Lab Streaming Layer stream with {prop} {value}").format(
                prop=prop, value=repr(value)
            )
        )
    inlet = pylsl.StreamInlet(streams[0])
    if inlet.info().channel_count() < 2:
        raise InvalidInput(
            _("--sensor: LSL stream {value} has fewer than 2 channels").format(value=repr(value))
        )
    rate = float(inlet.info().nominal_srate())
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        offset = None
        count = 0
        while True:
            samples, stamps = inlet.pull_chunk(timeout=1.0, max_samples=512)
            for sample, stamp in zip(samples, stamps, strict=False):
                if offset is None:
                    offset = stamp
                # a regular stream's time is its sample count (LSL stamps a pushed chunk
                # with one time); irregular streams keep their stamps
                t = count / rate if rate > 0 else stamp - offset
                count += 1
                lines.put(json.dumps({"t": round(t, 6), "left_uv": sample[0],
                                      "right_uv": sample[1]}))  # fmt: skip

    threading.Thread(target=read, daemon=True).start()
    return lines
