"""Fixtures for web tests: an app on in-memory SQLite and a small browser-like client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from spinecoach.settings import Settings
from spinecoach.store.db import make_engine, migrate, session_factory
from spinecoach.web.app import create_app

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    """Settings for one test app (the database is replaced by in-memory SQLite)."""
    return Settings(
        data_dir=tmp_path,
        secret_key="test-secret-" + "k" * 32,
        login_max_failures=3,
        allowed_hosts=["testserver"],
    )


@pytest.fixture
def app(web_settings: Settings) -> FastAPI:
    """The app wired to a fresh in-memory database."""
    engine = make_engine("sqlite://")
    migrate(engine)
    return create_app(web_settings, session_factory=session_factory(engine))


class Browser:
    """A TestClient that keeps its cookies and knows how to fill spinecoach's forms."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, base_url="http://testserver")
        self.app = app

    def csrf(self, path: str = "/login") -> str:
        page = self.client.get(path)
        match = CSRF.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.get(path, follow_redirects=False, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, *, token: bool = True, **kw: Any):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        if token:
            data["csrf_token"] = self.csrf("/login")
        return self.client.post(path, data=data, follow_redirects=False, **kw)

    def sign_up(self, name: str, email: str, role: str = "patient", code: str = ""):  # type: ignore[no-untyped-def]
        response = self.post(
            "/signup",
            {"name": name, "email": email, "password": PASSWORD, "role": role, "clinic_code": code},
        )
        assert response.status_code == 303, response.text
        return response

    def log_in(self, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return self.post("/login", {"email": email, "password": password})

    def screen(self, answers: dict[str, str] | None = None, age: int = 44):  # type: ignore[no-untyped-def]
        rules = self.app.state.ctx.rules
        data: dict[str, Any] = {"age": str(age)}
        for q in rules.red_flags:
            data[f"q_{q.id}"] = (answers or {}).get(q.id, "no")
        return self.post("/screening", data)

    def intake(self, **overrides: Any):  # type: ignore[no-untyped-def]
        data: dict[str, Any] = {
            "pain_now": "5", "pain_average": "4", "duration_weeks": "10", "age": "44",
            "desk_hours": "7", "minutes_per_day": "8", "aggravators": ["sitting", "bending"],
            "leg_symptoms": "none", "activity_level": "moderate", "goals": ["pain_relief"],
        }  # fmt: skip
        data.update(overrides)
        return self.post("/intake", data)

    def onboard(self, name: str, email: str, code: str = "") -> None:
        self.sign_up(name, email, "patient", code)
        assert self.screen().status_code == 303
        response = self.intake()
        assert response.status_code == 303, response.text


@pytest.fixture
def browser(app: FastAPI) -> Browser:
    """One anonymous browser."""
    return Browser(app)


@pytest.fixture
def make_browser(app: FastAPI) -> Iterator[Any]:
    """Factory of independent browsers (separate cookie jars) on the same app."""
    yield lambda: Browser(app)
