"""Sign-up, sign-in, sign-out and the account page (sign-ins, password change)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from spinecoach.content.i18n import LANGUAGES, normalise_locale
from spinecoach.domain.i18n import _
from spinecoach.domain.wording import plain_message
from spinecoach.errors import InvalidInput, NotFound, RateLimited, ServerBusy
from spinecoach.store import models
from spinecoach.web.accounts import validate_sign_up
from spinecoach.web.context import AppContext
from spinecoach.web.deps import (
    AccountsDep,
    ContextDep,
    CsrfChecked,
    CurrentUser,
    DbDep,
    OptionalUser,
    WebSessionDep,
)
from spinecoach.web.pages import reader_choices, reader_of, redirect, render
from spinecoach.web.security import WebSession, client_address

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def client_of(request: Request, ctx: AppContext) -> str:
    """The client's address (forwarded headers believed only from trusted proxies)."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        ctx.settings.trusted_proxies,
    )


def _sign_in(request: Request, ctx: AppContext, db: DbSession, user_id: int) -> None:
    session = ctx.signins.start(
        db,
        user_id,
        user_agent=request.headers.get("user-agent", ""),
        client=client_of(request, ctx),
    )
    request.state.set_session = session
    request.state.web_session = session


@router.get("/signup")
def signup_page(request: Request, user: OptionalUser) -> Response:
    """The sign-up form."""
    if user is not None:
        return redirect("/")
    return render(request, "signup.html", form={}, error=None)


@router.post("/signup")
def signup(
    request: Request,
    _csrf: CsrfChecked,
    accounts: AccountsDep,
    ctx: ContextDep,
    db: DbDep,
    name: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form()] = "patient",
    clinic_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Create the account and sign in."""
    form = {"name": name, "email": email, "role": role, "clinic_code": clinic_code}
    try:
        ctx.limiter.reserve([("signup", client_of(request, ctx))], _("Too many sign-ups."))
        person = accounts.sign_up(validate_sign_up(name, email, password, role, clinic_code))
    except RateLimited as exc:
        return render(request, "signup.html", status_code=429, form=form, error=str(exc))
    except InvalidInput as exc:
        return render(
            request, "signup.html", status_code=422, form=form, error=plain_message(str(exc))
        )
    person.locale, person.country = reader_of(request)  # what the browser asked for
    db.commit()
    request.state.set_reader = (person.locale, person.country)
    _sign_in(request, ctx, db, person.id)
    return redirect("/")


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    """The sign-in form."""
    if user is not None:
        return redirect(_safe_next(next))
    return render(request, "login.html", next=_safe_next(next), email="", error=None)


@router.post("/login")
def login(
    request: Request,
    _csrf: CsrfChecked,
    accounts: AccountsDep,
    ctx: ContextDep,
    db: DbDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password (rate-limited per account and per client address) and sign in."""
    account = email.strip().lower()
    try:
        reserved = ctx.limiter.reserve(
            [("account", account), ("client", client_of(request, ctx))],
            _("Too many failed sign-ins."),
        )
    except RateLimited as exc:
        return render(
            request, "login.html", status_code=429, next=next, email=email, error=str(exc)
        )
    try:
        person = accounts.authenticate(email, password)
    except ServerBusy:
        ctx.limiter.release(reserved)  # not checked: does not count against anyone
        raise
    if person is None:  # the reserved attempt stays counted as a failure
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            email=email,
            error=_("That e-mail and password do not match an account."),
        )
    ctx.limiter.release(reserved)
    ctx.limiter.clear("account", account)
    request.state.set_reader = (person.locale, person.country)  # the person's settings
    _sign_in(request, ctx, db, person.id)
    return redirect(_safe_next(next))


@router.post("/logout")
def logout(
    request: Request, _csrf: CsrfChecked, ctx: ContextDep, db: DbDep, session: WebSessionDep
) -> Response:
    """Sign out: the server-side sign-in ends (a copied cookie stops working) and a fresh
    anonymous session replaces it."""
    ctx.signins.revoke(db, session)
    request.state.set_session = WebSession.new()
    return redirect("/login")


@router.get("/account")
def account_page(
    request: Request, user: CurrentUser, ctx: ContextDep, db: DbDep, session: WebSessionDep
) -> Response:
    """The person's sign-ins (where and when) and the password-change form."""
    return _account(request, ctx, db, user, session, message=request.query_params.get("done"))


def _account(
    request: Request,
    ctx: AppContext,
    db: DbSession,
    user: models.Person,
    session: WebSession,
    *,
    error: str | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    """The account page: the person's sign-ins, the password form (with ``error`` or the
    ``message`` of what was just done) and the language and country choices."""
    return render(
        request,
        "account.html",
        status_code=status_code,
        sign_ins=ctx.signins.listing(db, user.id, session),
        error=error,
        message=message,
        **reader_choices(request, ctx, user),
    )


@router.post("/account/language")
def change_reader(
    request: Request,
    _csrf: CsrfChecked,
    user: CurrentUser,
    ctx: ContextDep,
    db: DbDep,
    locale: Annotated[str, Form(max_length=16)],
    country: Annotated[str, Form(max_length=2)],
) -> Response:
    """Set the person's language and country (emergency number and wording)."""
    lang = normalise_locale(locale)
    if lang is None:
        raise InvalidInput(_("language: expected one of {choices}, got {value!r}").format(
            choices=", ".join(LANGUAGES), value=locale))  # fmt: skip
    code = country.strip().upper()
    if code not in ctx.emergency.countries:
        raise InvalidInput(_("country: expected one of the listed countries, got {value!r}")
                           .format(value=country))  # fmt: skip
    user.locale, user.country = lang, code
    db.commit()
    request.state.set_reader = (lang, code)
    return redirect("/account?done=language")


@router.post("/account/password")
def change_password(
    request: Request,
    _csrf: CsrfChecked,
    user: CurrentUser,
    accounts: AccountsDep,
    ctx: ContextDep,
    db: DbDep,
    session: WebSessionDep,
    current_password: Annotated[str, Form(max_length=200)],
    new_password: Annotated[str, Form(max_length=200)],
) -> Response:
    """Change the password; every other sign-in of this person ends."""
    try:
        accounts.change_password(user, current_password, new_password)
    except InvalidInput as exc:
        return _account(request, ctx, db, user, session, error=str(exc), status_code=422)
    ctx.signins.revoke_all(db, user.id, keep=session)
    return redirect("/account?done=password")


@router.post("/account/sign-ins/{sign_in_id}/revoke")
def revoke_sign_in(
    sign_in_id: int,
    _csrf: CsrfChecked,
    user: CurrentUser,
    ctx: ContextDep,
    db: DbDep,
) -> Response:
    """End one of the person's own sign-ins (another device or browser)."""
    if not ctx.signins.revoke_one(db, user.id, sign_in_id):
        raise NotFound(_("There is no such sign-in of yours."))
    return redirect("/account?done=signed-out")


@router.post("/account/sign-ins/revoke-others")
def revoke_other_sign_ins(
    _csrf: CsrfChecked, user: CurrentUser, ctx: ContextDep, db: DbDep, session: WebSessionDep
) -> Response:
    """End every sign-in of the person except this one."""
    ctx.signins.revoke_all(db, user.id, keep=session)
    return redirect("/account?done=signed-out")
