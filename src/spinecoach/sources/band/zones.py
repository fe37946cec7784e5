"""Stretch zones per exercise and the band's cue timing, from ``data/sensors/band_zones.toml``.

Every zone and number there has a basis (:mod:`spinecoach.sources.sensor_settings`): the
zones and timings are engineering settings chosen with the clinician (CLINICAL.md section 10
gives no source for them), and the file says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidDataFile
from spinecoach.settings import default_content_dir
from spinecoach.sources.sensor_settings import Basis, one_basis, read_basis, read_sensor_file

ZONES_FILE = Path("sensors") / "band_zones.toml"


@dataclass(frozen=True)
class BandZone:
    """The zone of one exercise.

    Attributes
    ----------
    tension_n : (low, high)
        Tension in newtons that counts as in the zone.
    stretch_pct : (low, high) or None
        Elongation in % of resting length; decides the zone when the band reports it.
    peaks : bool
        Cyclic exercise: only each cycle's peak is coached (the band slackens in between).
    basis : tuple of str or str
        Source tags, or ``"setting: <why>"`` (the shipped zones are all settings).
    """

    tension_n: tuple[float, float]
    stretch_pct: tuple[float, float] | None = None
    peaks: bool = False
    note: str = ""
    basis: Basis = "setting: a zone given in code"


@dataclass(frozen=True)
class BandTiming:
    """The band's cue timing (``[coaching]``), the same for every exercise.

    Attributes
    ----------
    leave_after_s : float
        The zone must be left this long before a cue.
    peak_drop : float
        A cycle's peak is over when the value falls below this fraction of it.
    rearm : float
        The next cycle starts once the value falls below this fraction of the last peak.
    basis : mapping of str to basis
    """

    leave_after_s: float = 0.5
    peak_drop: float = 0.5
    rearm: float = 0.25
    basis: dict[str, Basis] = field(default_factory=dict)


TIMING_KEYS = ("leave_after_s", "peak_drop", "rearm")


def _pair(path: Path, key: str, value: object) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or not 0 <= value[0] < value[1]
    ):
        raise InvalidDataFile(str(path), key, _("expected [low, high] with 0 <= low < high"))
    return float(value[0]), float(value[1])


def _read(content_dir: Path | None) -> tuple[Path, dict[str, object]]:
    path = (content_dir or default_content_dir()) / ZONES_FILE
    return path, read_sensor_file(path) or {}


@lru_cache(maxsize=4)
def load_timing(content_dir: Path | None = None) -> BandTiming:
    """The band's cue timing, each number with its basis (defaults when the file lacks it)."""
    path, raw = _read(content_dir)
    table = raw.get("coaching")
    if table is None:
        return BandTiming()
    if not isinstance(table, dict):
        raise InvalidDataFile(str(path), "coaching", _("expected a table"))
    values: dict[str, float] = {}
    for key in TIMING_KEYS:
        value = table.get(key, getattr(BandTiming, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise InvalidDataFile(str(path), f"coaching.{key}", _("expected a positive number"))
        values[key] = float(value)
    basis = read_basis(path, table, [k for k in TIMING_KEYS if k in table])
    return BandTiming(**values, basis=basis)


@lru_cache(maxsize=4)
def load_zones(content_dir: Path | None = None) -> dict[str, BandZone]:
    """Every exercise's band zone (an error names the file and field)."""
    path, raw = _read(content_dir)
    zones = {}
    for exercise_id, entry in raw.items():
        if exercise_id == "coaching":
            continue
        if not isinstance(entry, dict) or "tension_n" not in entry:
            raise InvalidDataFile(str(path), exercise_id, _("expected a table with tension_n"))
        if "basis" not in entry:
            raise InvalidDataFile(
                str(path),
                f"{exercise_id}.basis",
                _('missing: source tags, or "setting: <why>" for a zone chosen with the clinician'),
            )
        stretch = entry.get("stretch_pct")
        zones[exercise_id] = BandZone(
            _pair(path, f"{exercise_id}.tension_n", entry["tension_n"]),
            None if stretch is None else _pair(path, f"{exercise_id}.stretch_pct", stretch),
            entry.get("phase") == "peaks",
            str(entry.get("note", "")),
            one_basis(path, f"{exercise_id}.basis", entry["basis"]),
        )
    return zones
