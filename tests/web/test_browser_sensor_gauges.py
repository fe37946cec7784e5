"""In Chromium: the session page draws the band and EMG readouts as small gauges.

Readouts come from the real channels fed simulated recordings (a band cycle in the zone,
one stretched past it, one short of it; EMG with even and uneven sides); the page's own
``SensorGauges.render`` (what session.js calls on every message) draws them. Checked: the
zone and marker positions, the EMG bar lengths, the text alternatives (aria-label) and the
status announcements, laptop and phone, and that nothing is fetched.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from tests.web.browser_steps import LAPTOP, PHONE, onboard, shot

from spinecoach.content import load_library
from spinecoach.sources.band.channel import BandChannel
from spinecoach.sources.band.recording import simulate_band
from spinecoach.sources.emg.channel import EmgChannel
from spinecoach.sources.emg.recording import simulate_emg

pytestmark = pytest.mark.slow

LIBRARY = load_library()


def _band_readouts() -> dict[str, Mapping[str, Any]]:
    """Readouts of band_cat_cow at a peak in the zone, one past it and one short of it."""
    exercise = LIBRARY.get("band_cat_cow")
    channel = BandChannel()
    channel.start_exercise(exercise)
    found: dict[str, Mapping[str, Any]] = {}
    text = simulate_band(n_cycles=8, too_far_cycles=(5,), seed=3)
    for line in io.StringIO(text).read().splitlines()[1:]:
        t, tension, stretch = (float(v) for v in line.split(","))
        channel.push(t, {"tension_n": tension, "stretch_pct": stretch})
        r = channel.readout()
        low, high = r["zone"]
        value = r["stretch_pct"]
        if r["in_zone"] and value > (low + high) / 2:
            found.setdefault("in", r)
        elif value > high * 1.1:
            found.setdefault("above", r)
        elif 0 < value < low * 0.8 and "in" in found:
            found.setdefault("below", r)
    assert set(found) == {"in", "above", "below"}
    return found


def _emg_readout(asymmetry: float) -> Mapping[str, Any]:
    """EMG readout while re-extending from the first flexion (about half the reference)."""
    channel = EmgChannel()
    channel.start_exercise(LIBRARY.get("standing_hip_hinge"))
    rows = np.array(
        [[float(v) for v in line.split(",")[:3]]
         for line in simulate_emg(asymmetry=asymmetry, n_cycles=1, seed=2).splitlines()[1:]]
    )  # fmt: skip
    upto = rows[rows[:, 0] <= rows[0, 0] + 10.5]
    channel.push_block(upto[:, 0], upto[:, 1], upto[:, 2])
    return channel.readout()


RENDER = "(r) => SensorGauges.render(document.getElementById('plugin-sensors'), r)"
BAND = "#plugin-sensors [data-sensor=band]"
EMG = "#plugin-sensors [data-sensor=emg]"


def _rect(page: Any, selector: str) -> tuple[float, float]:
    x = float(page.get_attribute(selector, "x"))
    return x, x + float(page.get_attribute(selector, "width"))


@pytest.mark.parametrize(("size", "viewport"), [("laptop", LAPTOP), ("phone", PHONE)])
def test_band_and_emg_gauges(chromium: Any, server: str, size: str, viewport: dict) -> None:
    band = _band_readouts()
    even, uneven = _emg_readout(0.0), _emg_readout(0.45)
    assert even["symmetry_pct"] > 80 > uneven["symmetry_pct"]
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    onboard(page, server, f"Gauge {size}", f"gauge-{size}@example.org")
    page.goto(server + "/session")
    page.click("#start-timer")  # the live view (where the gauges sit beside the camera) opens
    page.wait_for_selector("#live:not([hidden])")
    requests: list[str] = []
    # (the page's icon is not the gauges': Chromium may fetch a favicon late)
    page.on(
        "request",
        lambda r: None if r.url.endswith("/static/logo.svg") else requests.append(r.url),
    )

    page.evaluate(RENDER, {"band": band["in"], "emg": even})
    assert page.is_visible("#plugin-sensors")
    # band in the zone: the marker sits inside the zone's rectangle
    zone = _rect(page, f"{BAND} .gauge-zone")
    marker = float(page.get_attribute(f"{BAND} .gauge-marker", "x"))
    assert zone[0] <= marker <= zone[1]
    assert "in-zone" in (page.get_attribute(f"{BAND} .gauge-marker", "class") or "")
    label = page.get_attribute(f"{BAND} svg", "aria-label") or ""
    low, high = band["in"]["zone"]
    assert f"{band['in']['stretch_pct']:g} %" in label and "in your zone" in label
    assert f"zone {low:g} to {high:g} %" in label
    assert page.get_attribute(f"{BAND} .pg-status", "aria-live") == "polite"
    assert page.get_attribute(f"{BAND} svg", "role") == "img"
    # EMG: bar lengths in proportion to the sides' activation, numbers in the text alternative
    left = float(page.get_attribute(f"{EMG} [data-side=left]", "width"))
    right = float(page.get_attribute(f"{EMG} [data-side=right]", "width"))
    assert left / right == pytest.approx(even["left_pct"] / even["right_pct"], rel=0.02)
    emg_label = page.get_attribute(f"{EMG} svg", "aria-label") or ""
    assert (
        f"left {even['left_pct']:g} %" in emg_label
        and f"symmetry {even['symmetry_pct']:g} %" in emg_label
    )
    assert "even" in page.inner_text(f"{EMG} .pg-status")
    shot(page, f"{size}-sensor-gauges-in-zone")

    # past the zone, then short of it; uneven sides: the same gauges change, none is added
    page.evaluate(RENDER, {"band": band["above"], "emg": uneven})
    assert (
        float(page.get_attribute(f"{BAND} .gauge-marker", "x"))
        > _rect(page, f"{BAND} .gauge-zone")[1]
    )
    assert "above your zone" in page.inner_text(f"{BAND} .pg-status")
    assert "uneven" in page.inner_text(f"{EMG} .pg-status")
    left = float(page.get_attribute(f"{EMG} [data-side=left]", "width"))
    right = float(page.get_attribute(f"{EMG} [data-side=right]", "width"))
    assert left > right * 1.3
    shot(page, f"{size}-sensor-gauges-outside")
    page.evaluate(RENDER, {"band": band["below"]})
    assert (
        float(page.get_attribute(f"{BAND} .gauge-marker", "x"))
        < _rect(page, f"{BAND} .gauge-zone")[0]
    )
    assert "below your zone" in (page.get_attribute(f"{BAND} svg", "aria-label") or "")
    assert page.locator("#plugin-sensors [data-sensor]").count() == 2

    # before data: calibrating EMG, a band with nothing yet; each gauge fits the screen
    page.evaluate(
        RENDER, {"emg": {"label": "Back muscles", "activation_pct": None, "calibrating": True}}
    )
    assert "calibrating" in (page.get_attribute(f"{EMG} svg", "aria-label") or "")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the gauges make the page wider than the screen"
    assert not requests, f"the gauges fetched {requests}"
    assert not errors, errors
    context.close()
