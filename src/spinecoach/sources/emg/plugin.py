"""Registers surface EMG as a live source (found by its ``plugin.py``)."""

from __future__ import annotations

import queue

from spinecoach.domain.i18n import N_
from spinecoach.sources.emg.channel import EmgChannel
from spinecoach.sources.emg.recording import read_emg, simulate_emg
from spinecoach.sources.live_sources import LiveSource, register_live_source


class LiveEmgChannel(EmgChannel):
    """The channel with its own live input, Lab Streaming Layer (``--sensor emg=lsl:EMG``)."""

    def open_stream(self, url: str) -> queue.Queue[str | None]:
        """``lsl:TYPE`` / ``lsl:name=NAME``: read that LSL stream."""
        from spinecoach.sources.emg.lsl import open_lsl

        return open_lsl(url)


SOURCE = register_live_source(
    LiveSource(
        "emg",
        N_("surface EMG of the lumbar erector spinae, left and right (CSV, EDF, LSL, lines)"),
        steers=False,
        beside=True,
        channel=LiveEmgChannel,
        simulate=simulate_emg,
        read_file=read_emg,
    )
)
