"""Emergency numbers and where to go, per country (data: ``data/emergency.toml``).

Safety wording names the reader's emergency number and place (``{number}``, ``{place}`` in
the text, e.g. the ``emergency`` advice in ``data/rules/red_flags.toml``); the edge binds the
reader's country with :func:`use_emergency` (web: the person's country setting; CLI: the
profile or ``SPINECOACH_COUNTRY``), like the language in ``spinecoach.domain.i18n``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from spinecoach.domain.i18n import _


@dataclass(frozen=True, slots=True)
class EmergencyContact:
    """Whom to call and where to go in one country.

    Attributes
    ----------
    country : str
        ISO 3166-1 alpha-2 code (``"GB"``), or ``""`` for the fallback.
    name : str
        The country's English name (translated when shown).
    number : str
        The emergency number (``"999"``).
    place : str
        Where to go, in English (``"A&E"``; translated when shown).
    local_number_too : bool
        The number may not be the local one: add "or your local emergency number".
    sources : tuple of str
        Source tags (``data/sources.toml``).
    """

    country: str
    name: str
    number: str
    place: str
    local_number_too: bool = False
    sources: tuple[str, ...] = ()

    @property
    def call(self) -> str:
        """The number to call, in words of the bound language."""
        if self.local_number_too:
            return _("{number} (or your local emergency number)").format(number=self.number)
        return self.number

    @property
    def where(self) -> str:
        """Where to go, in the bound language."""
        return _(self.place)


@dataclass(frozen=True)
class EmergencyNumbers:
    """Every country's contact and the fallback for a country not listed."""

    countries: Mapping[str, EmergencyContact]
    default: EmergencyContact

    def contact(self, country: str | None) -> EmergencyContact:
        """The contact of ``country`` (any case), else the fallback."""
        if country:
            found = self.countries.get(country.strip().upper())
            if found is not None:
                return found
        return self.default


#: Used when nothing is bound (the UK wording the app started with).
UK = EmergencyContact("GB", "United Kingdom", "999", "A&E", sources=("NHSAE",))
_bound: ContextVar[EmergencyContact] = ContextVar("spinecoach_emergency", default=UK)


def current_emergency() -> EmergencyContact:
    """The bound reader's emergency contact."""
    return _bound.get()


def bind_emergency(contact: EmergencyContact) -> None:
    """Bind ``contact`` for the rest of the current context (a CLI command)."""
    _bound.set(contact)


@contextmanager
def use_emergency(contact: EmergencyContact) -> Iterator[None]:
    """Bind ``contact`` inside the ``with`` block (a web request)."""
    token = _bound.set(contact)
    try:
        yield
    finally:
        _bound.reset(token)


def emergency_words(text: str) -> str:
    """Translate ``text`` and fill its ``{number}`` and ``{place}`` with the bound contact."""
    contact = current_emergency()
    translated = _(text)
    if "{number}" not in translated and "{place}" not in translated:
        return translated
    return translated.replace("{number}", contact.call).replace("{place}", contact.where)
