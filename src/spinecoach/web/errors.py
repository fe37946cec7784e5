"""The one place where errors become HTTP responses (pages for browsers, JSON for the API)."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from spinecoach.domain.i18n import N_, _
from spinecoach.domain.wording import plain_message
from spinecoach.errors import NotAuthenticated, SpinecoachError, UnsafeToExercise

log = logging.getLogger(__name__)

TITLES = {
    400: N_("That did not work"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Please stop here"),
    413: N_("Too large"),
    415: N_("Unsupported file"),
    422: N_("Please check your answers"),
    429: N_("Please wait"),
    500: N_("Something went wrong"),
}


def wants_json(request: Request) -> bool:
    """API calls (``/api/...``) and JSON clients get JSON errors."""
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def error_response(request: Request, status: int, message: str, kind: str) -> Response:
    """A JSON or HTML error response."""
    if wants_json(request):
        return JSONResponse({"error": message, "kind": kind}, status_code=status)
    templates = request.app.state.ctx.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "title": _(TITLES.get(status, N_("Error"))),
            "message": plain_message(_(message)),
            "status": status,
            "kind": kind,
        },
        status_code=status,
    )


async def handle_spinecoach_error(request: Request, exc: SpinecoachError) -> Response:
    """Map any :class:`SpinecoachError` to its ``http_status`` with its one-line message."""
    if isinstance(exc, NotAuthenticated) and not wants_json(request):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if isinstance(exc, UnsafeToExercise) and not wants_json(request):
        from spinecoach.web.safety import render_block

        page = render_block(request, str(exc), exc.http_status)
        if page is not None:
            return page
    if exc.http_status >= 500:
        log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
    return error_response(request, exc.http_status, str(exc), type(exc).__name__)


async def handle_validation_error(request: Request, exc: RequestValidationError) -> Response:
    """Missing or malformed form/JSON fields: name the first field and the problem."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    message = f"{field or 'request'}: {first.get('msg', 'invalid value')}"
    return error_response(request, 422, message, "InvalidInput")


def too_large(request: Request, limit_bytes: int) -> Response:
    """A request body over the size limit."""
    return error_response(
        request,
        413,
        _("request body is larger than the {limit} kB limit").format(limit=limit_bytes // 1024),
        "TooLarge",
    )
