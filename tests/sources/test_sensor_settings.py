"""Every number and coaching rule of the sensor plug-ins says where it comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinecoach.content.loader import load_sources
from spinecoach.errors import InvalidDataFile
from spinecoach.settings import default_content_dir
from spinecoach.sources.band.zones import TIMING_KEYS, load_timing, load_zones
from spinecoach.sources.emg.channel import RULES, SCALARS, load_emg_settings
from spinecoach.sources.sensor_settings import SETTING, Basis

SENSORS = default_content_dir() / "sensors"


def _check(basis: Basis, tags: set[str]) -> None:
    if isinstance(basis, str):
        assert basis.startswith(SETTING) and len(basis) > len(SETTING) + 20, basis
    else:
        assert set(basis) <= tags, f"unknown source tags {set(basis) - tags}"


def test_every_emg_number_and_rule_cites_a_source_or_says_it_is_a_setting() -> None:
    tags = set(load_sources())
    settings = load_emg_settings()
    assert set(settings.basis) == {*SCALARS, "band_hz", *RULES}
    for basis in settings.basis.values():
        _check(basis, tags)
    # the published parts are cited, the thresholds are marked as engineering settings
    assert settings.basis["band_hz"] == ("SENIAM",)
    assert set(settings.basis["relax_cue"]) == {"NEB10", "FRPMETA"}
    for key in ("relax_above_pct", "uneven_below_pct", "symmetry_cue", "reference_s"):
        assert isinstance(settings.basis[key], str), key


def test_every_band_zone_and_timing_says_it_is_a_setting() -> None:
    tags = set(load_sources())
    zones = load_zones()
    assert zones and all(isinstance(z.basis, str) for z in zones.values())
    for zone in zones.values():
        _check(zone.basis, tags)
    timing = load_timing()
    assert set(timing.basis) == set(TIMING_KEYS)
    for basis in timing.basis.values():
        _check(basis, tags)


def _copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    content = SENSORS.joinpath(name).read_text(encoding="utf-8")
    assert old in content
    (tmp_path / "sensors").mkdir()
    (tmp_path / "sensors" / name).write_text(content.replace(old, new), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('relax_after_s = "setting:', 'unused = "setting:', "basis.relax_after_s"),
        ('relax_cue = ["NEB10", "FRPMETA"]', 'relax_cue = "widely used"', "basis.relax_cue"),
        ('band_hz = ["SENIAM"]', "band_hz = []", "basis.band_hz"),
    ],
)
def test_an_emg_number_without_a_basis_is_refused(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    content = _copy(tmp_path, "emg.toml", old, new)
    with pytest.raises(InvalidDataFile) as error:
        load_emg_settings(content)
    assert field in str(error.value) and "emg.toml" in str(error.value)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('basis = "setting: CLINICAL.md section 10 gives no source for a band\'s stretch '
         "zone; a light band felt", 'note2 = "', "band_cat_cow.basis"),
        ('rearm = "setting:', 'other = "setting:', "basis.rearm"),
    ],
)  # fmt: skip
def test_a_band_zone_or_timing_without_a_basis_is_refused(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    content = _copy(tmp_path, "band_zones.toml", old, new)
    with pytest.raises(InvalidDataFile) as error:
        load_zones(content)
        load_timing(content)
    assert field in str(error.value) and "band_zones.toml" in str(error.value)
