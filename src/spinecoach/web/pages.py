"""Rendering helper: every page gets the user, its CSRF token and the disclaimer."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from spinecoach.web.deps import get_context, get_web_session


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render template ``name`` with the common page context."""
    ctx = get_context(request)
    session = get_web_session(request, ctx)
    context.setdefault("user", getattr(request.state, "user", None))
    context["csrf_token"] = ctx.signer.csrf_token(session)
    return ctx.templates.TemplateResponse(request, name, context, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """A 303 redirect (the answer to a successful form POST)."""
    return RedirectResponse(url, status_code=303)
