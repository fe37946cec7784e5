"""Loading ``data/emergency.toml`` (emergency numbers and where to go, per country)."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spinecoach.content.loader import first_validation_problem, load_source_tags, read_toml
from spinecoach.domain.emergency import EmergencyContact, EmergencyNumbers
from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidDataFile
from spinecoach.settings import default_content_dir


class _ContactModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    number: str = Field(pattern=r"^[0-9]{2,4}$")
    place: str = Field(min_length=1)
    local_number_too: bool = False
    sources: list[str] = Field(min_length=1)


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default: _ContactModel
    countries: dict[str, _ContactModel]


@functools.cache
def _load(path: Path, tags: frozenset[str]) -> EmergencyNumbers:
    try:
        parsed = _FileModel.model_validate(read_toml(path))
    except ValidationError as exc:
        field, problem = first_validation_problem(exc)
        raise InvalidDataFile(str(path), field, problem) from None

    def contact(code: str, m: _ContactModel, field: str) -> EmergencyContact:
        unknown = [t for t in m.sources if t not in tags]
        if unknown:
            raise InvalidDataFile(
                str(path),
                f"{field}.sources",
                _("unknown source tag {unknown}").format(unknown=unknown[0]),
            )
        return EmergencyContact(
            code, m.name, m.number, m.place, m.local_number_too, tuple(m.sources)
        )

    countries = {}
    for code, model in parsed.countries.items():
        if len(code) != 2 or not code.isalpha() or not code.isupper():
            raise InvalidDataFile(str(path), f"countries.{code}", _("expected an ISO 3166 code"))
        countries[code] = contact(code, model, f"countries.{code}")
    return EmergencyNumbers(countries, contact("", parsed.default, "default"))


def load_emergency_numbers(content_dir: Path | None = None) -> EmergencyNumbers:
    """Every country's emergency number and place, validated (cached per folder)."""
    root = content_dir or default_content_dir()
    return _load(root / "emergency.toml", load_source_tags(root))
