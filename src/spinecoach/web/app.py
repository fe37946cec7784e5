"""The composition root: ``create_app(settings)`` builds engine and services, wires routes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import sessionmaker

import spinecoach
from spinecoach.content import load_library, load_rules
from spinecoach.domain.wording import condition_words, decision_words, plain_message
from spinecoach.errors import SpinecoachError
from spinecoach.settings import Settings
from spinecoach.store.db import open_database
from spinecoach.web import errors as error_pages
from spinecoach.web.context import STATIC_DIR, TEMPLATES_DIR, AppContext
from spinecoach.web.live import LiveHub
from spinecoach.web.routes import auth, clinic, demos, patient, safety, session
from spinecoach.web.security import (
    COOKIE_NAME,
    LoginRateLimiter,
    Passwords,
    SessionSigner,
    resolve_secret_key,
)

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    ),
}


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker | None = None
) -> FastAPI:  # type: ignore[type-arg]
    """Build the web app.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to ``Settings()`` (environment ``SPINECOACH_*``).
    session_factory : sessionmaker, optional
        Use this database instead of opening ``settings.resolved_database_url``
        (tests pass an in-memory SQLite factory).
    """
    settings = settings or Settings.load()
    if session_factory is None:
        engine, session_factory = open_database(settings.resolved_database_url)
    else:
        engine = session_factory.kw["bind"]
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["disclaimer"] = spinecoach.DISCLAIMER
    templates.env.globals["version"] = spinecoach.__version__
    templates.env.filters["decision_words"] = decision_words
    templates.env.filters["condition_words"] = condition_words
    templates.env.filters["plain_message"] = plain_message
    ctx = AppContext(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        library=load_library(settings.content_dir),
        rules=load_rules(settings.content_dir),
        passwords=Passwords(),
        signer=SessionSigner(resolve_secret_key(settings), settings.session_max_age_s),
        login_limiter=LoginRateLimiter(settings.login_max_failures, settings.login_window_s),
        templates=templates,
    )
    ctx.live = LiveHub(ctx)

    app = FastAPI(title="spinecoach", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for module in (auth, patient, session, clinic, safety, demos):
        app.include_router(module.router)
    app.add_exception_handler(SpinecoachError, error_pages.handle_spinecoach_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, error_pages.handle_validation_error)  # type: ignore[arg-type]

    @app.middleware("http")
    async def session_and_limits(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > settings.max_form_bytes):
            response: Response = error_pages.too_large(request, settings.max_form_bytes)
        else:
            response = await call_next(request)
        new_session = getattr(request.state, "set_session", None)
        if new_session is not None:
            response.set_cookie(
                COOKIE_NAME,
                ctx.signer.dumps(new_session),
                max_age=settings.session_max_age_s,
                httponly=True,
                secure=settings.secure_cookies,
                samesite="lax",
                path="/",
            )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
