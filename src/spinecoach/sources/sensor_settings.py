"""A sensor plug-in's coaching settings, each with the basis of its number.

A plug-in's data file (``data/sensors/<name>.toml``) keeps its numbers together with a
``[basis]`` table that says, for every number the code reads, where it comes from:

* a list of source tags (``data/sources.toml``, ``../shared/CLINICAL.md``), when a published
  source gives it, e.g. ``band_hz = ["SENIAM"]``;
* ``"setting: <why>"``, when it is an engineering choice that no clinical source gives (how
  long a signal must stay up before a cue, how much smoothing): it is said so, not dressed up
  with a citation, and is changed here with a clinician.

The tags themselves are checked against ``data/sources.toml`` by the content tests (this
layer does not read the content package).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidDataFile

#: A basis string that marks an engineering choice starts with this.
SETTING = "setting:"
Basis = tuple[str, ...] | str


def read_sensor_file(path: Path) -> dict[str, Any] | None:
    """The TOML table of ``path`` (None when the file does not exist)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidDataFile(str(path), "", _("not valid TOML: {exc}").format(exc=exc)) from None


def one_basis(path: Path, key: str, value: object) -> Basis:
    """Check one basis entry: source tags, or ``"setting: <why>"``."""
    if isinstance(value, str):
        if value.startswith(SETTING) and value[len(SETTING) :].strip():
            return value
        raise InvalidDataFile(
            str(path), key, _('expected source tags or "setting: <why>" (an engineering choice)')
        )
    if (
        isinstance(value, list)
        and value
        and all(isinstance(tag, str) and tag.strip() for tag in value)
    ):
        return tuple(value)
    raise InvalidDataFile(str(path), key, _("expected a non-empty list of source tags"))


def read_basis(path: Path, table: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Basis]:
    """The basis of each of ``keys`` from ``table["basis"]`` (every one must have one).

    Raises
    ------
    InvalidDataFile
        A number without a basis, or a basis that is neither tags nor a marked setting.
    """
    raw = table.get("basis", {})
    if not isinstance(raw, dict):
        raise InvalidDataFile(str(path), "basis", _("expected a table of key = basis"))
    basis: dict[str, Basis] = {}
    for key in keys:
        if key not in raw:
            raise InvalidDataFile(
                str(path),
                f"basis.{key}",
                _("missing: say which source gives it, or that it is a setting"),
            )
        basis[key] = one_basis(path, f"basis.{key}", raw[key])
    return basis
