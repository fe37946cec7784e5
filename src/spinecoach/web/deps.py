"""FastAPI dependencies, declared once as ``Annotated`` types; routes never open sessions.

``DbDep`` yields one SQLAlchemy session per request. ``CurrentUser``, ``PatientUser`` and
``ClinicianUser`` authenticate and authorise by role; ``CsrfChecked`` guards every
state-changing request. Tests override ``get_db`` (or build the app with an in-memory URL).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.i18n import _
from spinecoach.errors import NotAuthenticated, PermissionDenied
from spinecoach.store import models
from spinecoach.web.accounts import Accounts
from spinecoach.web.care import Care
from spinecoach.web.clinic import Clinic
from spinecoach.web.context import AppContext
from spinecoach.web.security import COOKIE_NAME, CSRF_FIELD, CSRF_HEADER, WebSession


class CsrfFailed(PermissionDenied):
    """A state-changing request without a valid CSRF token."""


def get_context(request: Request) -> AppContext:
    """The app's :class:`AppContext`."""
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_db(ctx: ContextDep) -> Iterator[DbSession]:
    """One database session per request, always closed."""
    db = ctx.session_factory()
    try:
        yield db
    finally:
        db.close()


DbDep = Annotated[DbSession, Depends(get_db)]


def get_web_session(request: Request, ctx: ContextDep, db: DbDep) -> WebSession:
    """The signed session of this browser; a new anonymous one is issued when absent, and
    when its server-side sign-in was revoked or has expired."""
    return web_session_of(request, ctx, db)


def web_session_of(request: Request, ctx: AppContext, db: DbSession | None = None) -> WebSession:
    """:func:`get_web_session` outside dependency injection (opens a database session if
    the sign-in must be checked and none is given)."""
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    session = ctx.signer.loads(request.cookies.get(COOKIE_NAME))
    if session is not None and session.user_id is not None:
        if db is not None:
            live = ctx.signins.valid(db, session)
        else:
            with ctx.session_factory() as own:
                live = ctx.signins.valid(own, session)
        if not live:
            session = None
    if session is None:
        session = WebSession.new()
        request.state.set_session = session
    request.state.web_session = session
    return session


WebSessionDep = Annotated[WebSession, Depends(get_web_session)]


def get_optional_user(session: WebSessionDep, db: DbDep, request: Request) -> models.Person | None:
    """The signed-in person, or ``None``."""
    if session.user_id is None:
        return None
    person = db.get(models.Person, session.user_id)
    request.state.user = person
    return person


OptionalUser = Annotated[models.Person | None, Depends(get_optional_user)]


def get_current_user(user: OptionalUser) -> models.Person:
    """The signed-in person, else :class:`NotAuthenticated`."""
    if user is None:
        raise NotAuthenticated(_("Please sign in."))
    return user


CurrentUser = Annotated[models.Person, Depends(get_current_user)]


def get_patient(user: CurrentUser) -> models.Person:
    """The signed-in patient (clinicians are refused)."""
    if user.role != "patient":
        raise PermissionDenied(_("This page is for patients."))
    return user


def get_clinician(user: CurrentUser) -> models.Person:
    """The signed-in clinician (patients are refused)."""
    if user.role != "clinician":
        raise PermissionDenied(_("This page is for clinicians."))
    return user


PatientUser = Annotated[models.Person, Depends(get_patient)]
ClinicianUser = Annotated[models.Person, Depends(get_clinician)]


async def check_csrf(request: Request, session: WebSessionDep, ctx: ContextDep) -> None:
    """Refuse a state-changing request whose CSRF token does not match this session."""
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not ctx.signer.csrf_ok(session, token):
        raise CsrfFailed(
            _(
                "This form has expired or did not come from spinecoach. Reload the page and try "
                "again."
            )
        )


CsrfChecked = Annotated[None, Depends(check_csrf)]


def get_care(db: DbDep, ctx: ContextDep) -> Care:
    """Patient services bound to this request's database session."""
    return Care(db, ctx.settings, ctx.library, ctx.rules)


def get_clinic(db: DbDep, ctx: ContextDep) -> Clinic:
    """Clinician services bound to this request's database session."""
    return Clinic(db, ctx.library, ctx.rules)


def get_accounts(db: DbDep, ctx: ContextDep) -> Accounts:
    """Account services bound to this request's database session."""
    return Accounts(db, ctx.passwords, ctx.signer)


CareDep = Annotated[Care, Depends(get_care)]
ClinicDep = Annotated[Clinic, Depends(get_clinic)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
