"""Accounts and security: Argon2, signed cookies, CSRF, rate limiting, redirects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from tests.web.conftest import PASSWORD, Browser

from spinecoach.errors import RateLimited
from spinecoach.store import models
from spinecoach.web.security import COOKIE_NAME, SessionSigner, WebSession
from spinecoach.web.signins import AttemptLimiter


def test_password_stored_as_argon2id(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    with browser.app.state.ctx.session_factory() as db:
        person = db.scalars(select(models.Person)).one()
    assert person.password_hash.startswith("$argon2id$")
    assert PASSWORD not in person.password_hash


def test_session_cookie_is_http_only_and_same_site(browser: Browser) -> None:
    response = browser.sign_up("Ann", "ann@example.org")
    cookie = response.headers["set-cookie"]
    assert COOKIE_NAME in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie


def test_secure_flag_follows_settings(make_browser, web_settings) -> None:  # type: ignore[no-untyped-def]
    web_settings.secure_cookies = True
    browser = make_browser()
    response = browser.client.get("/login")
    assert "Secure" in response.headers["set-cookie"]


def test_sign_in_replaces_the_session_nonce(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    browser.post("/logout")
    before = browser.client.cookies.get(COOKIE_NAME)
    response = browser.log_in("ann@example.org")
    assert response.status_code == 303
    assert browser.client.cookies.get(COOKIE_NAME) != before


def test_post_without_csrf_token_is_refused(browser: Browser) -> None:
    browser.client.get("/login")
    response = browser.post(
        "/signup", {"name": "A", "email": "a@example.org", "password": PASSWORD}, token=False
    )
    assert response.status_code == 403
    assert "expired" in response.text


def test_csrf_token_of_another_session_is_refused(make_browser) -> None:  # type: ignore[no-untyped-def]
    attacker, victim = make_browser(), make_browser()
    victim.sign_up("Ann", "ann@example.org")
    token = attacker.csrf()
    response = victim.client.post(
        "/checkin", data={"pain": "3", "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 403


def test_forged_cookie_is_treated_as_signed_out(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    other = SessionSigner("another-key" * 4, 3600).dumps(WebSession(user_id=1, nonce="x"))
    browser.client.cookies.set(COOKIE_NAME, other)
    response = browser.get("/today")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_wrong_password_then_rate_limited(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    browser.post("/logout")
    for _ in range(3):
        assert browser.log_in("ann@example.org", "wrong password!").status_code == 401
    response = browser.log_in("ann@example.org")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


def test_rate_limiter_window_expires(app) -> None:  # type: ignore[no-untyped-def]
    limiter = AttemptLimiter(app.state.ctx.session_factory, 60.0, {"account": 2})
    limiter.reserve([("account", "k")], "Too many.")
    limiter.reserve([("account", "k")], "Too many.")
    with pytest.raises(RateLimited, match="Too many"):
        limiter.reserve([("account", "k")], "Too many.")
    with app.state.ctx.session_factory() as db:  # age the two counted failures past the window
        db.execute(update(models.LoginAttempt).values(at=datetime.now(UTC) - timedelta(seconds=61)))
        db.commit()
    limiter.reserve([("account", "k")], "Too many.")


def test_duplicate_email_and_short_password_are_explained(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    browser.post("/logout")
    again = browser.post(
        "/signup", {"name": "Ann", "email": "ANN@example.org", "password": PASSWORD}
    )
    assert again.status_code == 422 and "could not create an account" in again.text
    short = browser.post("/signup", {"name": "Bo", "email": "bo@example.org", "password": "short"})
    assert short.status_code == 422 and "10 to 200 characters" in short.text


def test_open_redirect_is_not_followed(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    browser.post("/logout")
    response = browser.post(
        "/login", {"email": "ann@example.org", "password": PASSWORD, "next": "//evil.example"}
    )
    assert response.headers["location"] == "/"


def test_oversized_body_is_refused(browser: Browser) -> None:
    response = browser.post("/login", {"email": "a@b.org", "password": "x" * 100_000})
    assert response.status_code == 413


def test_security_headers_and_disclaimer(browser: Browser) -> None:
    response = browser.get("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "not a substitute for a clinician" in response.text.lower()


def test_clinic_code_links_patient_and_bad_code_is_explained(make_browser) -> None:  # type: ignore[no-untyped-def]
    clinician, patient = make_browser(), make_browser()
    clinician.sign_up("Dr Who", "dr@example.org", "clinician")
    page = clinician.get("/clinic").text
    code = page.split('id="clinic-code">')[1].split("<")[0]
    bad = patient.post(
        "/signup",
        {"name": "P", "email": "p@example.org", "password": PASSWORD, "clinic_code": "1-abc"},
    )
    assert bad.status_code == 422 and "clinic code is not valid" in bad.text
    patient.sign_up("Pat", "pat@example.org", code=code)
    assert "Pat" in clinician.get("/clinic").text
