"""Sign-up, sign-in and sign-out."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from spinecoach.domain.wording import plain_message
from spinecoach.errors import InvalidInput, RateLimited
from spinecoach.web.accounts import validate_sign_up
from spinecoach.web.deps import AccountsDep, ContextDep, CsrfChecked, OptionalUser
from spinecoach.web.pages import redirect, render
from spinecoach.web.security import WebSession

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _sign_in(request: Request, user_id: int) -> None:
    request.state.set_session = WebSession.new(user_id)


@router.get("/signup")
def signup_page(request: Request, user: OptionalUser) -> Response:
    """The sign-up form."""
    if user is not None:
        return redirect("/")
    return render(request, "signup.html", form={}, error=None)


@router.post("/signup")
def signup(
    request: Request,
    _: CsrfChecked,
    accounts: AccountsDep,
    name: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form()] = "patient",
    clinic_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Create the account and sign in."""
    form = {"name": name, "email": email, "role": role, "clinic_code": clinic_code}
    try:
        person = accounts.sign_up(validate_sign_up(name, email, password, role, clinic_code))
    except InvalidInput as exc:
        return render(
            request, "signup.html", status_code=422, form=form, error=plain_message(str(exc))
        )
    _sign_in(request, person.id)
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
    _: CsrfChecked,
    accounts: AccountsDep,
    ctx: ContextDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password (rate-limited per e-mail and address) and sign in."""
    client = request.client.host if request.client else "unknown"
    key = f"{email.strip().lower()}|{client}"
    now_s = time.monotonic()
    try:
        ctx.login_limiter.check(key, now_s)
    except RateLimited as exc:
        return render(
            request, "login.html", status_code=429, next=next, email=email, error=str(exc)
        )
    person = accounts.authenticate(email, password)
    if person is None:
        ctx.login_limiter.failed(key, now_s)
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            email=email,
            error="That e-mail and password do not match an account.",
        )
    ctx.login_limiter.succeeded(key)
    _sign_in(request, person.id)
    return redirect(_safe_next(next))


@router.post("/logout")
def logout(request: Request, _: CsrfChecked) -> Response:
    """Sign out (a fresh anonymous session replaces the old one)."""
    request.state.set_session = WebSession.new()
    return redirect("/login")
