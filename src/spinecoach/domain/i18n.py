"""The translation layer's core: ``_``/``ngettext`` for every string a person sees.

Domain, coach and content code mark words with :func:`_` (``gettext``) and :func:`ngettext`;
what they return depends on the translator *bound by the edge* (web request, CLI command)
with :func:`use_translator` — a context variable, so concurrent requests and their worker
threads each see their own language. Nothing here reads a file: the catalogues are loaded by
``spinecoach.content.i18n`` and bound by the web middleware or the CLI. With nothing bound the
words come back in English (the source language), unchanged.

Formatted messages keep their placeholders inside the translated text, e.g.
``_("Hold for {seconds} seconds").format(seconds=10)``, so a translator can reorder them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Translator(Protocol):
    """What a catalogue offers (``gettext.NullTranslations`` and Babel's ``Translations``)."""

    def gettext(self, message: str, /) -> str:
        """The translation of ``message``."""
        ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        """The translation of ``singular``/``plural`` for count ``n``."""
        ...


class _English:
    """The source language: messages unchanged."""

    def gettext(self, message: str, /) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return singular if n == 1 else plural


ENGLISH: Translator = _English()
_active: ContextVar[tuple[str, Translator]] = ContextVar(
    "spinecoach_translator", default=("en", ENGLISH)
)


def _(message: str) -> str:
    """Translate ``message`` into the bound language (``gettext``)."""
    return _active.get()[1].gettext(message)


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count (``ngettext``); format ``{n}`` in it yourself."""
    return _active.get()[1].ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (translated when shown)."""
    return message


def current_locale() -> str:
    """The bound language's code (``"en"`` when none is bound)."""
    return _active.get()[0]


def bind_translator(locale: str, translator: Translator) -> None:
    """Bind ``translator`` for the rest of the current context (a CLI command, a request)."""
    _active.set((locale, translator))


@contextmanager
def use_translator(locale: str, translator: Translator) -> Iterator[None]:
    """Bind ``translator`` inside the ``with`` block, then restore the previous one."""
    token = _active.set((locale, translator))
    try:
        yield
    finally:
        _active.reset(token)
