"""The composition root: ``create_app(settings)`` builds engine and services, wires routes."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

import spinecoach
from spinecoach.content import load_library, load_rules
from spinecoach.content.emergency import load_emergency_numbers
from spinecoach.content.i18n import LANGUAGES, format_when
from spinecoach.domain import i18n
from spinecoach.domain.emergency import current_emergency
from spinecoach.domain.wording import condition_words, decision_words, plain_message
from spinecoach.errors import SpinecoachError
from spinecoach.settings import Settings
from spinecoach.store.db import open_database
from spinecoach.web import errors as error_pages
from spinecoach.web.context import STATIC_DIR, TEMPLATES_DIR, AppContext
from spinecoach.web.guard import Guard
from spinecoach.web.i18n import LocaleMiddleware, remember_reader, script_messages
from spinecoach.web.live import LiveHub
from spinecoach.web.relay import PostgresRelay, Relay
from spinecoach.web.routes import (
    auth,
    clinic,
    demos,
    fhir,
    patient,
    posture,
    reminders,
    safety,
    session,
)
from spinecoach.web.security import (
    COOKIE_NAME,
    PasswordGate,
    Passwords,
    SessionSigner,
    resolve_secret_key,
)
from spinecoach.web.signins import AttemptLimiter, SignIns

log = logging.getLogger(__name__)
# Served with X-Content-Type-Options: nosniff, so scripts need a script type: MediaPipe's
# CommonJS bundle (the pose worker) and the model bundle (see Makefile `web-assets`).
mimetypes.add_type("text/javascript", ".cjs")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/octet-stream", ".task")


def _relay(engine: Engine) -> Relay | None:
    """PostgreSQL carries live-session requests between worker processes; SQLite has one."""
    if engine.dialect.name != "postgresql":
        return None
    import uuid

    return PostgresRelay(engine.url.render_as_string(hide_password=False), uuid.uuid4().hex[:16])


def serve_pages_promptly(settings: Settings) -> None:
    """Shorten Python's GIL switch interval in a served process
    (``Settings.gil_switch_interval_ms``).

    A page request runs in a worker thread and makes dozens to hundreds of database
    round-trips; after each one it must win the GIL back from the event loop, which, busy
    with live sessions, keeps it for the whole interval (5 ms by default). A clinic list of
    30 patients then waited seconds for the GIL alone. Only for serving: tests and commands
    keep the default."""
    import sys

    sys.setswitchinterval(settings.gil_switch_interval_ms / 1000.0)


def create_worker_app() -> FastAPI:  # type: ignore[type-arg]
    """The app of one ``spinecoach serve --workers N`` worker process (settings from the
    environment, which :func:`spinecoach.cli.serve.prepare_workers` filled)."""
    settings = Settings.load()
    serve_pages_promptly(settings)
    app = create_app(settings)
    freeze_start_up_objects()
    return app


def freeze_start_up_objects() -> None:
    """Move everything start-up built (modules, the exercise library, templates, the
    database engine) out of the cyclic garbage collector's reach (:func:`gc.freeze`).

    A full collection walks every object the process holds; with the start-up objects in it,
    one took 430 ms on a worker carrying 100 live sessions, and every session's
    acknowledgements waited for it (``python -m bench.web_load``). Only for serving."""
    import gc

    gc.collect()
    gc.freeze()


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
    secret_key = resolve_secret_key(settings)  # refuses a short key before anything starts
    if session_factory is None:
        engine, session_factory = open_database(settings.resolved_database_url)
    else:
        engine = session_factory.kw["bind"]
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.add_extension("jinja2.ext.i18n")
    templates.env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    templates.env.globals["current_locale"] = i18n.current_locale
    templates.env.globals["emergency_contact"] = current_emergency
    templates.env.globals["script_messages"] = script_messages
    templates.env.globals["languages"] = LANGUAGES
    templates.env.globals["disclaimer"] = spinecoach.DISCLAIMER
    templates.env.globals["version"] = spinecoach.__version__
    templates.env.filters["decision_words"] = decision_words
    templates.env.filters["condition_words"] = condition_words
    templates.env.filters["plain_message"] = plain_message
    templates.env.filters["when"] = format_when
    # words from data or stored ids: translated as they are (no %-formatting, unlike _())
    templates.env.filters["tr"] = i18n.gettext
    ctx = AppContext(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        library=load_library(settings.content_dir),
        rules=load_rules(settings.content_dir),
        passwords=Passwords(
            PasswordGate(settings.max_password_checks, settings.max_password_queue)
        ),
        signer=SessionSigner(secret_key, settings.session_max_age_s),
        limiter=AttemptLimiter(
            session_factory,
            settings.login_window_s,
            {
                "account": settings.login_max_failures,
                "client": settings.login_max_failures_per_client,
                "signup": settings.signup_max_per_client,
            },
        ),
        signins=SignIns(settings.session_max_age_s),
        templates=templates,
        emergency=load_emergency_numbers(settings.content_dir),
    )
    ctx.live = LiveHub(ctx, max_sessions=settings.live_max_sessions, relay=_relay(engine))
    names = {e.id: e.name for e in ctx.library}
    templates.env.filters["exercise_name"] = lambda i: i18n._(
        names.get(i, str(i).replace("_", " "))
    )

    app = FastAPI(title="spinecoach", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for module in (auth, patient, session, clinic, safety, posture, reminders, fhir, demos):
        app.include_router(module.router)
    app.add_exception_handler(SpinecoachError, error_pages.handle_spinecoach_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, error_pages.handle_validation_error)  # type: ignore[arg-type]

    @app.middleware("http")
    async def session_cookie(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        reader = getattr(request.state, "set_reader", None)
        if reader is not None:  # the person's language/country, mirrored for the middleware
            remember_reader(response, *reader, secure=settings.secure_cookies)
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
        return response

    # the request's language and emergency contact, bound for everything below it
    app.add_middleware(LocaleMiddleware, numbers=ctx.emergency, fallback_country=ctx.country)
    app.add_middleware(Guard, settings=settings)  # outermost: limits and headers on everything
    return app
