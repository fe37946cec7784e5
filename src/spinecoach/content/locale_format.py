"""Dates and numbers written the way the bound language writes them (Babel's CLDR data).

The words come from :mod:`spinecoach.domain.i18n`; these helpers format what is not a word:
``7 Dec 2026`` / ``7 dic 2026``, ``2.5`` / ``2,5``. The region comes from the bound country
(``es`` + ``MX`` -> ``es_MX``) where Babel knows that combination, else the language alone;
English without a known region is written the British way (day before month), as before.
"""

from __future__ import annotations

import functools
from datetime import date, datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.numbers import format_decimal

from spinecoach.domain.emergency import current_emergency
from spinecoach.domain.i18n import current_locale


@functools.cache
def _babel_locale(language: str, country: str) -> Locale:
    for tag in (f"{language}_{country}", "en_GB" if language == "en" else language):
        try:
            return Locale.parse(tag)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en_GB")


def babel_locale() -> Locale:
    """The Babel locale of the bound language and country."""
    return _babel_locale(current_locale(), current_emergency().country)


def format_day(value: date | datetime, *, year: bool = True) -> str:
    """A day such as ``07 Dec 2026`` (English) or ``7 dic 2026`` (Spanish).

    Parameters
    ----------
    value : date or datetime
    year : bool
        Include the year (``False``: ``7 Dec``).
    """
    day = value.date() if isinstance(value, datetime) else value
    return format_skeleton("yMMMd" if year else "MMMd", day, locale=babel_locale())


def format_number(value: float, decimals: int = 1) -> str:
    """``value`` with ``decimals`` decimals and the language's decimal mark (``2,5``)."""
    pattern = "0" if decimals <= 0 else "0." + "0" * decimals
    return format_decimal(value, format=pattern, locale=babel_locale())
