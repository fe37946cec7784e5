"""The smart resistance band plug-in on simulated and perturbed recordings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.sources.sensor_session import sensor_session

from spinecoach.cli import main
from spinecoach.content import load_library
from spinecoach.errors import InvalidInput
from spinecoach.sources.band.channel import ABOVE, PEAK_BELOW, BandChannel
from spinecoach.sources.band.recording import read_band_csv, simulate_band
from spinecoach.sources.band.zones import BandZone, load_zones
from spinecoach.sources.live_sources import sensor_plugins

LIBRARY = load_library()
CAT_COW = LIBRARY.get("band_cat_cow")


def _run(rows, exercise=CAT_COW, zones=None):  # type: ignore[no-untyped-def]
    channel = BandChannel(zones)
    channel.start_exercise(exercise)
    cues = []
    for t, values in rows:
        channel.push(t, values)
        cues += channel.coach(exercise, "reps")
    return channel, [text for _, text, _ in cues]


def test_the_band_is_a_registered_plugin_with_zones_from_the_data_files() -> None:
    assert "band" in sensor_plugins()
    zone = load_zones()["band_cat_cow"]
    assert zone.tension_n == (15.0, 40.0) and zone.stretch_pct == (20.0, 60.0) and zone.peaks


def test_simulated_cycles_are_in_the_zone_except_the_one_stretched_too_far(tmp_path: Path) -> None:
    path = tmp_path / "band.csv"
    path.write_text(simulate_band(n_cycles=8, too_far_cycles=(5,), seed=1))
    channel, cues = _run(read_band_csv(path))
    summary = channel.summary()
    assert summary["peaks"] == 8 and summary["peaks_in_zone"] == 7
    assert cues.count(ABOVE) == 1  # the too-far cycle, once
    assert 0.2 < float(summary["in_zone_fraction"]) < 0.8  # type: ignore[arg-type]
    assert float(summary["time_in_zone_s"]) > 5.0  # type: ignore[arg-type]
    assert channel.readout()["unit"] == "%"


def test_a_band_without_stretch_is_judged_on_tension_and_short_cycles_are_told() -> None:
    text = simulate_band(n_cycles=4, peak_pct=20.0, too_far_cycles=(), with_stretch=False, seed=2)
    rows = [(float(r[0]), {"tension_n": float(r[1])}) for r in
            (line.split(",") for line in text.splitlines()[1:])]  # fmt: skip
    channel, cues = _run(rows)
    assert channel.readout()["unit"] == "N"
    assert cues.count(PEAK_BELOW) == 4  # ~11 N peaks, below the 15-40 N zone
    assert channel.summary()["peaks_in_zone"] == 0


def test_perturbed_lines_are_skipped_never_fatal() -> None:
    rows = read_band_csv_text(simulate_band(n_cycles=3, seed=3))
    rng = np.random.default_rng(0)
    lines = [json.dumps({"t": t, **v}) for t, v in rows]
    junk = [
        '{"t": 1e400, "tension_n": 3}',
        '{"t": 1, "tension_n": -5}',
        "not json",
        '{"t": 2, "tension_n": "x"}',
        '{"t": 3}',
        "[1, 2]",
        '{"t": 0.5, "tension_n": 1e9}',
    ]
    for bad in junk:
        lines.insert(int(rng.integers(1, len(lines))), bad)
    channel = BandChannel()
    channel.start_exercise(CAT_COW)
    decoded = channel.feed("\n".join(lines))
    assert channel.n_bad_lines >= len(junk) - 1  # a junk t may also fall out of order
    assert len(decoded) >= len(rows) - 2 and channel.summary()["peaks"] == 3
    assert channel.last_error


def read_band_csv_text(text: str) -> list[tuple[float, dict[str, float]]]:
    out = []
    for line in text.splitlines()[1:]:
        t, n, s = line.split(",")
        out.append((float(t), {"tension_n": float(n), "stretch_pct": float(s)}))
    return out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("t_s,force\n0,1\n", "missing column(s) tension_n"),
        ("t_s,tension_n\n0,1\n0,2\n", "row 3: t_s=0 is not after"),
        ("t_s,tension_n\n0,abc\n", "row 2: t_s, tension_n must be numbers"),
        ("t_s,tension_n\n0,-3\n", "row 2: tension_n must be >= 0"),
        ("t_s,tension_n\n", "no rows"),
    ],
)
def test_bad_band_files_name_the_file_and_row(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InvalidInput, match="bad.csv") as err:
        read_band_csv(path)
    assert problem in str(err.value)


def test_an_exercise_without_a_zone_is_shown_not_coached() -> None:
    channel, cues = _run(read_band_csv_text(simulate_band(n_cycles=2)), LIBRARY.get("bird_dog"))
    assert cues == [] and channel.readout()["zone"] is None and channel.readout()["tension_n"]


def test_a_hold_zone_cues_on_leaving_and_coming_back() -> None:
    zones = {"band_cat_cow": BandZone((10.0, 20.0))}
    rows = [(k / 50, {"tension_n": 15.0 if k < 100 or k > 200 else 30.0}) for k in range(300)]
    channel, cues = _run(rows, zones=zones)
    assert cues == [ABOVE, "Good: the band is in your zone."]
    assert abs(float(channel.summary()["above_s"]) - 2.0) < 0.1  # type: ignore[arg-type]


def test_session_with_a_band_stores_time_in_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, band_result, base = sensor_session(tmp_path, capsys, "band", "band_cat_cow", seed=4)
    assert ABOVE in out
    assert band_result["time_in_zone_s"] > 0 and band_result["peaks"] >= 1
    assert main(["session", "--sensor", "radar=x.csv", *base]) == 2
