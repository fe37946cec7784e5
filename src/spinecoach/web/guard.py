"""The outermost layer of the web app (pure ASGI): what every request and response passes.

* the ``Host`` header must be one of ``Settings.allowed_hosts`` (DNS rebinding);
* request bodies are bounded by ``Settings.max_form_bytes`` whether announced by
  ``Content-Length`` or sent chunked (a chunked body is read up to the limit, then refused);
* a path segment that is a number above the database's 64-bit range is a 404, not a crash;
* every response, errors included, carries the security headers, ``Cache-Control:
  no-store`` (health data must not sit in caches; static files excepted) and, when
  configured, ``Strict-Transport-Security``;
* an unexpected exception becomes a plain 500 page with those headers (and is logged).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spinecoach.settings import Settings
from spinecoach.web import errors as error_pages

log = logging.getLogger(__name__)

MAX_DB_ID = 2**63 - 1
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
        "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
        "worker-src 'self' blob:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


def host_allowed(host_header: str, allowed: Iterable[str]) -> bool:
    """Whether a ``Host`` header (with or without port) names an allowed host."""
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        host = host[1 : host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    for name in allowed:
        name = name.strip().lower()
        if name == "*" or name == host:
            return True
        if name.startswith(".") and (host.endswith(name) or host == name[1:]):
            return True
    return False


def has_out_of_range_id(path: str) -> bool:
    """Whether a path segment is a number no database row can have."""
    return any(part.isdigit() and int(part) > MAX_DB_ID for part in path.split("/") if part)


class Guard:
    """ASGI middleware enforcing the limits and headers listed in the module docstring."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.headers = dict(SECURITY_HEADERS)
        if settings.hsts_max_age_s > 0:
            self.headers["Strict-Transport-Security"] = (
                f"max-age={settings.hsts_max_age_s}; includeSubDomains"
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if not host_allowed(headers.get("host", ""), self.settings.allowed_hosts):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await self._send(scope, send, PlainTextResponse("Host not allowed", 400))
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if has_out_of_range_id(scope["path"]):
            response = error_pages.error_response(
                Request(scope), 404, "There is no such record.", "NotFound"
            )
            await self._send(scope, send, response)
            return
        limit = self.settings.max_form_bytes
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._send(scope, send, error_pages.too_large(Request(scope), limit))
            return
        if length is None and scope["method"] in BODY_METHODS:
            body = await _read_bounded(receive, limit)
            if body is None:
                await self._send(scope, send, error_pages.too_large(Request(scope), limit))
                return
            receive = _replay(body, receive)
        await self._call(scope, receive, send)

    async def _call(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = self._add_headers(scope, message.get("headers", []))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = PlainTextResponse("Something went wrong; nothing was changed.", 500)
            await self._send(scope, send, response)

    async def _send(self, scope: Scope, send: Send, response: Response) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._add_headers(scope, message.get("headers", []))
            await send(message)

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, no_body, send_with_headers)

    def _add_headers(self, scope: Scope, raw: Any) -> list[tuple[bytes, bytes]]:
        headers = [(k, v) for k, v in raw if k.lower() != b"server"]
        present = {k.lower() for k, _ in headers}
        extra = dict(self.headers)
        if not scope["path"].startswith("/static/"):
            extra["Cache-Control"] = "no-store"
        for name, value in extra.items():
            if name.lower().encode() not in present:
                headers.append((name.lower().encode(), value.encode("latin-1")))
        return headers


async def _read_bounded(receive: Receive, limit: int) -> bytes | None:
    """Read a whole request body of at most ``limit`` bytes; ``None`` when it is larger."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
