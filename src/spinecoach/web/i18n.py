"""The web side of the translation layer: which language and country a request is shown in.

A person's language and country are settings on their account page (stored on their
profile, offered at intake, and mirrored in the ``spinecoach_lang`` / ``spinecoach_country``
cookies so every request, WebSockets included, knows them without a database read). Before
they pick, both come from the browser's ``Accept-Language`` (``es-MX`` -> Spanish, Mexico).
:class:`LocaleMiddleware` binds the language's catalogue and the country's emergency contact
for the whole request (templates, messages built in routes, the coach's cues); see
``spinecoach.domain.i18n`` and ``spinecoach.domain.emergency``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import CookieError, SimpleCookie
from typing import Any

from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from spinecoach.content.i18n import (
    DEFAULT_LOCALE,
    country_from_locale,
    negotiate,
    normalise_locale,
    translations,
)
from spinecoach.domain.emergency import EmergencyNumbers, use_emergency
from spinecoach.domain.i18n import _, current_locale, use_translator
from spinecoach.web.context import STATIC_DIR

LANG_COOKIE = "spinecoach_lang"
#: ``T("...")`` in the app's own scripts (static/*.js; vendor/ excluded).
SCRIPT_MESSAGE = re.compile(r'\bT\("((?:[^"\\]|\\.)*)"')
COUNTRY_COOKIE = "spinecoach_country"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
#: A language's usual country when the browser names none (``es`` -> Spain).
LANGUAGE_COUNTRY = {"es": "ES"}


def request_locale(cookie: str | None, accept_language: str | None) -> str:
    """The language of a request: the cookie's (the person's setting), else the browser's."""
    return normalise_locale(cookie) or negotiate(accept_language) or DEFAULT_LOCALE


def request_country(
    cookie: str | None, accept_language: str | None, locale: str, fallback: str
) -> str:
    """The country of a request: the cookie's, else the browser's region, else the
    language's usual country, else ``fallback`` (``Settings.country`` or GB)."""
    if cookie and len(cookie) == 2 and cookie.isalpha():
        return cookie.upper()
    return country_from_locale(accept_language) or LANGUAGE_COUNTRY.get(locale) or fallback


def remember_reader(response: Response, locale: str | None, country: str | None, *,
                    secure: bool) -> None:  # fmt: skip
    """Mirror the person's language and country in the cookies the middleware reads."""
    for name, value in ((LANG_COOKIE, locale), (COUNTRY_COOKIE, country)):
        if value:
            response.set_cookie(name, value, max_age=COOKIE_MAX_AGE_S, httponly=True,
                                secure=secure, samesite="lax", path="/")  # fmt: skip


@contextmanager
def reading_as(numbers: EmergencyNumbers, locale: str, country: str) -> Iterator[None]:
    """Bind ``locale``'s catalogue and ``country``'s emergency contact in the block."""
    with use_translator(locale, translations(locale)), use_emergency(numbers.contact(country)):
        yield


def _cookies(headers: Any) -> tuple[dict[str, str], str | None]:
    jar: dict[str, str] = {}
    accept: str | None = None
    for key, value in headers:
        if key == b"cookie":
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(value.decode("latin-1"))
            except CookieError:  # a malformed cookie header: the defaults apply
                continue
            jar.update({k: m.value for k, m in parsed.items()})
        elif key == b"accept-language":
            accept = value.decode("latin-1")
    return jar, accept


class LocaleMiddleware:
    """Bind the request's language and emergency contact (pure ASGI: HTTP and WebSocket)."""

    def __init__(self, app: ASGIApp, numbers: EmergencyNumbers, fallback_country: str) -> None:
        self.app = app
        self.numbers = numbers
        self.fallback_country = fallback_country

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        jar, accept = _cookies(scope.get("headers", []))
        locale = request_locale(jar.get(LANG_COOKIE), accept)
        country = request_country(jar.get(COUNTRY_COOKIE), accept, locale, self.fallback_country)
        state = scope.setdefault("state", {})
        state["locale"], state["country"] = locale, country
        with reading_as(self.numbers, locale, country):
            await self.app(scope, receive, send)


@functools.cache
def script_msgids() -> tuple[str, ...]:
    """Every ``T("...")`` string of the app's scripts (read once)."""
    found: dict[str, None] = {}
    for path in sorted(STATIC_DIR.glob("*.js")):
        for raw in SCRIPT_MESSAGE.findall(path.read_text(encoding="utf-8")):
            found[json.loads(f'"{raw}"')] = None
    return tuple(found)


def script_messages() -> dict[str, str]:
    """The scripts' strings in the bound language (empty in English: they are the source)."""
    if current_locale() == "en":
        return {}
    return {m: t for m in script_msgids() if (t := _(m)) != m}
