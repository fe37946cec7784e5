"""Fixtures for web tests: an app on in-memory SQLite and a small browser-like client; the app
on a real socket and Chromium for the browser tests."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


# ------------------------------------------------------------------------ real browsers
# Shared by the Chromium tests (test_browser*.py) and the tests that need the app on a
# real socket: uvicorn on loopback, Debian's Chromium with a fake camera. What a person
# does in the browser (sign up, onboard, start a session) is in browser_steps.py.

CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on 127.0.0.1 and a free port (in a thread); yields its URL."""
    import uvicorn

    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


def camera_clip(shared_data: Path, out: Path, start_s: float, seconds: float, fps: int) -> Path:
    """A 640x360 y4m clip of the side-view walk, for Chromium's fake camera."""
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is required for the browser tests (installed by .ci/run)")
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-ss", str(start_s), "-t", str(seconds),
         "-i", str(shared_data / "video" / "sports2d_walk_side.mp4"),
         "-vf", f"scale=640:360,fps={fps}", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )  # fmt: skip
    return out


@contextmanager
def launch_chromium(camera: Path | None) -> Iterator[Any]:
    """Debian's Chromium (headless) with ``camera`` as its fake webcam (none if None)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is required for the browser tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--headless=new", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
            ] + ([] if camera is None else [
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={camera}",
            ]),
        )  # fmt: skip
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def fake_camera(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 s 640x360 y4m from the side-view walking clip (from 1.5 s: the walker is in view)."""
    return camera_clip(shared_data, tmp_path_factory.mktemp("camera") / "walk.y4m", 1.5, 3, 15)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on loopback (uvicorn in a thread, SQLite in a temporary folder)."""
    data_dir = tmp_path_factory.mktemp("data")
    with serve(create_app(Settings(data_dir=data_dir, secret_key="e2e-" + "s" * 40))) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(fake_camera: Path) -> Iterator[Any]:
    """Debian's Chromium with a fake camera."""
    with launch_chromium(fake_camera) as browser:
        yield browser
