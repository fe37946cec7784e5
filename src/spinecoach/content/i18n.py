"""Loading the translation catalogues (``src/spinecoach/locale/<lang>/LC_MESSAGES``).

The ``.po`` files are the source (``pybabel extract/update``, see docs/web.md "Adding a
language"); ``make`` compiles them to ``.mo``. A checkout without the compiled files (a plain
``pytest`` run before ``make``) reads the ``.po`` directly, so the words are the same either way.
"""

from __future__ import annotations

import functools
import gettext as stdlib_gettext
from datetime import date, datetime
from pathlib import Path

from babel import dates as babel_dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from spinecoach.domain.i18n import ENGLISH, Translator, current_locale

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
#: Languages shipped complete, with their own name (shown in the language picker).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}


def normalise_locale(value: str | None) -> str | None:
    """The shipped language a code like ``es-MX``, ``es_ES.UTF-8`` or ``EN`` means, else None."""
    if not value:
        return None
    code = value.strip().split(".")[0].replace("_", "-").lower()
    lang = code.split("-")[0]
    return lang if lang in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """The best shipped language for an ``Accept-Language`` header (default English)."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        bits = part.strip().split(";")
        quality = 1.0
        for bit in bits[1:]:
            name, _, value = bit.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang = normalise_locale(bits[0])
        if lang is not None and quality > 0:
            ranked.append((-quality, index, lang))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


def country_from_locale(value: str | None) -> str | None:
    """The region part of a locale or ``Accept-Language`` tag (``es-MX`` -> ``MX``), if any."""
    if not value:
        return None
    first = value.split(",")[0].split(";")[0].strip().split(".")[0].replace("_", "-")
    parts = first.split("-")
    if len(parts) >= 2 and len(parts[-1]) == 2 and parts[-1].isalpha():
        return parts[-1].upper()
    return None


@functools.cache
def translations(locale: str) -> Translator:
    """The catalogue of ``locale`` (English: the messages unchanged)."""
    lang = normalise_locale(locale) or DEFAULT_LOCALE
    if lang == DEFAULT_LOCALE:
        return ENGLISH
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    mo = folder / f"{DOMAIN}.mo"
    po = folder / f"{DOMAIN}.po"
    if not mo.is_file() or (po.is_file() and po.stat().st_mtime > mo.stat().st_mtime):
        return _from_po(po)
    with mo.open("rb") as fh:
        return Translations(fh, domain=DOMAIN)


def _from_po(po: Path) -> Translator:
    """Compile ``po`` in memory (a checkout where ``make`` has not compiled it yet)."""
    import io

    with po.open("rb") as fh:
        catalog = read_po(fh)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return stdlib_gettext.GNUTranslations(buffer)


#: ``strftime``-like names for the date formats pages use, as CLDR patterns (Babel), so
#: month and weekday names come in the bound language ("07 dic 2026", "lun 07 dic").
DATE_PATTERNS: dict[str, str] = {
    "day": "dd MMM",
    "date": "dd MMM yyyy",
    "weekday": "EEE dd MMM",
    "day_time": "dd MMM HH:mm",
    "date_time": "dd MMM yyyy HH:mm",
    "weekday_time": "EEE dd MMM, HH:mm",
}


def format_when(value: datetime | date, style: str = "date") -> str:
    """``value`` in one of :data:`DATE_PATTERNS` in the bound language (as shown, no
    time-zone conversion: naive and aware times print their own wall-clock time)."""
    if isinstance(value, datetime):
        return _formatted(value.replace(tzinfo=None), style, current_locale())
    return _formatted(value, style, current_locale())


@functools.lru_cache(maxsize=8192)
def _formatted(value: datetime | date, style: str, lang: str) -> str:
    """:func:`format_when` of a wall-clock time (the same times recur on every page)."""
    pattern = DATE_PATTERNS[style]
    if isinstance(value, datetime):
        return babel_dates.format_datetime(value, pattern, locale=lang)
    return babel_dates.format_date(value, pattern, locale=lang)
