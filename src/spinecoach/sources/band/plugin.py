"""Registers the smart resistance band as a live source (found by its ``plugin.py``)."""

from __future__ import annotations

from spinecoach.domain.i18n import N_
from spinecoach.sources.band.channel import BandChannel
from spinecoach.sources.band.recording import read_band_csv, simulate_band
from spinecoach.sources.live_sources import LiveSource, register_live_source

SOURCE = register_live_source(
    LiveSource(
        "band",
        N_("a smart resistance band: tension (N) and stretch (%) kept in the exercise's zone"),
        steers=False,
        beside=True,
        channel=BandChannel,
        simulate=simulate_band,
        read_file=read_band_csv,
    )
)
