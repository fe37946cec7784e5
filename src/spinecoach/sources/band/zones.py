"""Stretch zones per exercise, from ``data/sensors/band_zones.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spinecoach.errors import InvalidDataFile
from spinecoach.settings import default_content_dir

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
    """

    tension_n: tuple[float, float]
    stretch_pct: tuple[float, float] | None = None
    peaks: bool = False
    note: str = ""


def _pair(path: Path, key: str, value: object) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or not 0 <= value[0] < value[1]
    ):
        raise InvalidDataFile(str(path), key, "expected [low, high] with 0 <= low < high")
    return float(value[0]), float(value[1])


@lru_cache(maxsize=4)
def load_zones(content_dir: Path | None = None) -> dict[str, BandZone]:
    """Every exercise's band zone (an error names the file and field)."""
    path = (content_dir or default_content_dir()) / ZONES_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise InvalidDataFile(str(path), "", f"not valid TOML: {exc}") from None
    zones = {}
    for exercise_id, entry in raw.items():
        if not isinstance(entry, dict) or "tension_n" not in entry:
            raise InvalidDataFile(str(path), exercise_id, "expected a table with tension_n")
        stretch = entry.get("stretch_pct")
        zones[exercise_id] = BandZone(
            _pair(path, f"{exercise_id}.tension_n", entry["tension_n"]),
            None if stretch is None else _pair(path, f"{exercise_id}.stretch_pct", stretch),
            entry.get("phase") == "peaks",
            str(entry.get("note", "")),
        )
    return zones
