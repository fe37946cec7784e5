"""The attack suite (issue 13 §3): each test replays one finding of the web security review
against the real app and checks that it now holds.

Concurrency tests run on a file SQLite database (as `spinecoach serve` does), with one
TestClient per attacker thread.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text, update
from tests.web.conftest import PASSWORD, Browser

from spinecoach.cli import main as cli_main
from spinecoach.errors import InsecureConfiguration, InvalidInput, InvalidRecording, ServerBusy
from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.web.app import create_app
from spinecoach.web.jpeg import jpeg_size
from spinecoach.web.security import COOKIE_NAME, PasswordGate, client_address, resolve_secret_key

KEY = "attack-suite-" + "k" * 40


@pytest.fixture
def file_settings(tmp_path: Path) -> Settings:
    """Settings for an app on a file SQLite database in ``tmp_path`` (shared by threads)."""
    return Settings(
        data_dir=tmp_path / "data",
        secret_key=KEY,
        login_max_failures=3,
        allowed_hosts=["testserver"],
    )


@pytest.fixture
def file_app(file_settings: Settings) -> FastAPI:
    return create_app(file_settings)


def _browsers(app: FastAPI, n: int, **kw: Any) -> list[Browser]:
    browsers = []
    for _ in range(n):
        b = Browser(app)
        if kw:
            b.client = type(b.client)(app, base_url="http://testserver", **kw)
        b.client.get("/login")
        browsers.append(b)
    return browsers


def _token(b: Browser) -> str:
    return b.csrf("/login")


def _run_all(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once (a barrier releases them together)."""
    barrier = threading.Barrier(len(calls))

    def go(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


# --------------------------------------------------------------------- the signing key (High)


def test_short_or_empty_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("")  # left by a failed first write (full disk)
    with pytest.raises(InsecureConfiguration, match="0 bytes; at least 32"):
        create_app(Settings(data_dir=tmp_path))
    (tmp_path / "secret_key").write_text("x" * 31)
    with pytest.raises(InsecureConfiguration, match="31 bytes"):
        resolve_secret_key(Settings(data_dir=tmp_path))
    with pytest.raises(InsecureConfiguration, match="SPINECOACH_SECRET_KEY"):
        resolve_secret_key(Settings(data_dir=tmp_path, secret_key="short"))


def test_short_key_stops_serve_with_one_line(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "secret_key").write_text("")
    assert cli_main(["serve", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "secret_key" in err and "Traceback" not in err


def test_key_is_written_atomically_once_by_concurrent_starts(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh")
    keys = _run_all([lambda: resolve_secret_key(settings) for _ in range(8)])
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
    path = tmp_path / "fresh" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]  # no temp files


# ------------------------------------------------------------------ server-side sessions


def _copy_cookie(app: FastAPI, browser: Browser) -> Browser:
    thief = Browser(app)
    thief.client.cookies.set(COOKIE_NAME, browser.client.cookies[COOKIE_NAME])
    return thief


def test_logout_ends_a_copied_cookie(browser: Browser, app: FastAPI) -> None:
    browser.onboard("Ann", "ann@example.org")
    thief = _copy_cookie(app, browser)
    assert thief.get("/today").status_code == 200
    browser.post("/logout")
    response = thief.get("/today")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_sign_ins_are_listed_and_one_can_be_ended(make_browser: Any, app: FastAPI) -> None:
    laptop, phone = make_browser(), make_browser()
    laptop.sign_up("Ann", "ann@example.org")
    phone.log_in("ann@example.org")
    page = laptop.get("/account").text
    ids = [int(i) for i in re.findall(r'data-sign-in="(\d+)"', page)]
    assert len(ids) == 2 and "(this browser)" in page
    other = max(ids)  # the phone signed in last
    assert laptop.post(f"/account/sign-ins/{other}/revoke").status_code == 303
    assert phone.get("/account").headers["location"].startswith("/login")
    assert laptop.get("/account").status_code == 200


def test_a_sign_in_expires(browser: Browser, app: FastAPI) -> None:
    browser.sign_up("Ann", "ann@example.org")
    with app.state.ctx.session_factory() as db:
        db.execute(
            update(models.WebSignIn).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.commit()
    assert browser.get("/account").headers["location"].startswith("/login")


def test_nobody_ends_another_persons_sign_in(make_browser: Any, app: FastAPI) -> None:
    ann, bob = make_browser(), make_browser()
    ann.sign_up("Ann", "ann@example.org")
    bob.sign_up("Bob", "bob@example.org")
    with app.state.ctx.session_factory() as db:
        ann_sign_in = db.scalars(select(models.WebSignIn.id).order_by(models.WebSignIn.id)).first()
    assert bob.post(f"/account/sign-ins/{ann_sign_in}/revoke").status_code == 404
    assert ann.get("/account").status_code == 200


def test_password_change_ends_other_sign_ins(make_browser: Any, app: FastAPI) -> None:
    here, elsewhere = make_browser(), make_browser()
    here.sign_up("Ann", "ann@example.org")
    elsewhere.log_in("ann@example.org")
    wrong = here.post(
        "/account/password", {"current_password": "not it at all", "new_password": "x" * 12}
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    common = here.post(
        "/account/password", {"current_password": PASSWORD, "new_password": "password1234"}
    )
    assert common.status_code == 422 and "most common" in common.text
    new = "violet tram orbit 42"
    ok = here.post("/account/password", {"current_password": PASSWORD, "new_password": new})
    assert ok.status_code == 303
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").headers["location"].startswith("/login")
    here.post("/logout")
    assert here.log_in("ann@example.org").status_code == 401
    assert here.log_in("ann@example.org", new).status_code == 303


def test_administrator_resets_a_password_without_email(
    file_app: FastAPI, file_settings: Settings, capsys: Any
) -> None:
    browser = Browser(file_app)
    browser.sign_up("Ann", "ann@example.org")
    data_dir = str(file_settings.data_dir)
    capsys.readouterr()
    assert cli_main(["users", "reset-password", "ANN@example.org", "--data-dir", data_dir]) == 0
    out = capsys.readouterr().out
    temporary = re.search(r"ann@example.org: (\S+)", out).group(1)  # type: ignore[union-attr]
    assert "1 sign-in ended" in out
    assert browser.get("/account").headers["location"].startswith("/login")
    assert browser.log_in("ann@example.org").status_code == 401
    assert browser.log_in("ann@example.org", temporary).status_code == 303
    assert cli_main(["users", "reset-password", "nobody@example.org", "--data-dir", data_dir]) == 2
    assert "no account" in capsys.readouterr().err


# --------------------------------------------------------------------------- rate limits


def test_thirty_concurrent_guesses_get_429s(file_app: FastAPI) -> None:
    Browser(file_app).sign_up("Ann", "ann@example.org")
    attackers = _browsers(file_app, 30)
    tokens = [_token(b) for b in attackers]

    def guess(n: int, password: str) -> int:
        data = {"email": "ann@example.org", "password": password, "csrf_token": tokens[n]}
        return attackers[n].client.post("/login", data=data, follow_redirects=False).status_code

    codes = _run_all([lambda n=n: guess(n, f"wrong guess {n:03d}") for n in range(29)])
    assert 500 not in codes and 200 not in codes and 303 not in codes
    checked = [c for c in codes if c != 429]
    assert len(checked) <= 3, codes  # login_max_failures reach the password check, no more
    assert codes.count(429) >= 26
    # Only checked guesses count as failures (a refused one removes its own reservation, so
    # a burst that is refused whole leaves nothing counted). Once the limit's worth of
    # failures is counted, even the right password is refused before it is checked.
    assert guess(29, PASSWORD) == (429 if len(checked) >= 3 else 303), codes


def test_a_fresh_forwarded_for_per_attempt_does_not_help(browser: Browser) -> None:
    browser.sign_up("Ann", "ann@example.org")
    browser.post("/logout")
    codes = [
        browser.post(
            "/login",
            {"email": "ann@example.org", "password": f"guess {n}"},
            headers={"x-forwarded-for": f"203.0.113.{n}"},
        ).status_code
        for n in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]


def test_one_client_guessing_many_accounts_is_limited(app: FastAPI) -> None:
    app.state.ctx.limiter.limits["client"] = 4
    browser = Browser(app)
    codes = [browser.log_in(f"user{n}@example.org", "some guess!!").status_code for n in range(6)]
    assert codes == [401, 401, 401, 401, 429, 429]


def test_forwarded_for_is_believed_only_from_trusted_proxies(web_settings: Settings) -> None:
    assert client_address("198.51.100.7", "203.0.113.9", []) == "198.51.100.7"
    assert client_address("10.0.0.2", "203.0.113.9", ["10.0.0.0/8"]) == "203.0.113.9"
    # the client forges an earlier hop; the proxy appends the real one
    assert client_address("10.0.0.2", "1.2.3.4, 203.0.113.9", ["10.0.0.0/8"]) == "203.0.113.9"
    assert client_address("198.51.100.7", "203.0.113.9", ["10.0.0.0/8"]) == "198.51.100.7"
    # through the app: behind a trusted proxy, two clients are counted apart
    web_settings.trusted_proxies = ["10.0.0.0/8"]
    from spinecoach.store.db import make_engine, migrate, session_factory

    engine = make_engine("sqlite://")
    migrate(engine)
    app = create_app(web_settings, session_factory=session_factory(engine))
    app.state.ctx.limiter.limits["client"] = 2
    proxy = _browsers(app, 1, client=("10.0.0.2", 40000))[0]

    def attempt(client_ip: str, n: int) -> int:
        return proxy.post(
            "/login",
            {"email": f"u{client_ip}{n}@example.org", "password": "some guess!!"},
            headers={"x-forwarded-for": client_ip},
        ).status_code

    assert [attempt("203.0.113.1", n) for n in range(3)] == [401, 401, 429]
    assert attempt("203.0.113.2", 0) == 401  # another patient behind the same proxy


def test_signups_per_client_are_limited(app: FastAPI) -> None:
    app.state.ctx.limiter.limits["signup"] = 2
    browser = Browser(app)
    codes = [
        browser.post(
            "/signup", {"name": "X", "email": f"x{n}@example.org", "password": PASSWORD}
        ).status_code
        for n in range(3)
    ]
    assert codes[2] == 429


# ------------------------------------------------------------------------ unbounded work


def _chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        chunk = b"x" * min(size, total - sent)
        sent += len(chunk)
        yield chunk


def test_chunked_bodies_are_bounded(browser: Browser, app: FastAPI) -> None:
    token = _token(browser)
    prefix = f"csrf_token={token}&email=a%40b.org&password=".encode()

    def body() -> Iterator[bytes]:
        yield prefix
        yield from _chunks(1024 * 1024)  # a 1 MB field

    response = browser.client.post(
        "/login",
        content=body(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 413 and "64 kB limit" in response.text
    assert response.headers["x-frame-options"] == "DENY"
    with app.state.ctx.session_factory() as db:  # the route never ran
        assert db.scalar(select(func.count()).select_from(models.LoginAttempt)) == 0


def test_chunked_multipart_upload_is_refused_before_any_file_is_written(
    browser: Browser, tmp_path: Path
) -> None:
    import tempfile

    token = _token(browser)
    boundary = "spinecoachboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    spool = tmp_path / "spool"
    spool.mkdir()
    old = tempfile.tempdir
    tempfile.tempdir = str(spool)  # where a spooled multipart part would land
    try:

        def body() -> Iterator[bytes]:
            yield head
            yield from _chunks(8 * 1024 * 1024)  # 8 MB stands for the 100 MB part
            yield f"\r\n--{boundary}--\r\n".encode()

        response = browser.client.post(
            "/signup",
            content=body(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
            follow_redirects=False,
        )
    finally:
        tempfile.tempdir = old
    assert response.status_code == 413
    assert list(spool.iterdir()) == []


def test_announced_large_body_is_refused(browser: Browser) -> None:
    response = browser.client.post(
        "/login", content=b"x" * 70_000, headers={"content-type": "text/plain"}
    )
    assert response.status_code == 413


def test_password_checks_are_bounded_and_the_login_page_stays_up(file_app: FastAPI) -> None:
    ctx = file_app.state.ctx
    ctx.limiter.limits["client"] = 1000
    ctx.passwords.gate = PasswordGate(2, 4, wait_s=30.0)
    from argon2 import PasswordHasher

    running, peak, lock = 0, 0, threading.Lock()

    class CountingHasher(PasswordHasher):
        """The real Argon2id hasher, counting how many checks run at once."""

        def _counted(self, fn: Callable[..., Any], *args: Any) -> Any:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                return fn(*args)
            finally:
                with lock:
                    running -= 1

        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            return str(self._counted(super().hash, password))

        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            return bool(self._counted(super().verify, hash, password))

    ctx.passwords._hasher = CountingHasher()
    attackers = _browsers(file_app, 24)
    tokens = [_token(b) for b in attackers]
    page_codes: list[int] = []

    def flood(n: int) -> int:
        data = {"email": f"flood{n}@example.org", "password": "x" * 40, "csrf_token": tokens[n]}
        return attackers[n].client.post("/login", data=data, follow_redirects=False).status_code

    def login_page() -> int:
        time.sleep(0.05)
        code = Browser(file_app).client.get("/login").status_code
        page_codes.append(code)
        return code

    codes = _run_all([lambda n=n: flood(n) for n in range(24)] + [login_page] * 4)
    flood_codes = codes[:24]
    assert peak <= 2, f"{peak} Argon2 checks ran at once"
    assert set(flood_codes) <= {401, 503} and 401 in flood_codes
    assert page_codes == [200] * 4


def test_password_gate_refuses_beyond_its_queue() -> None:
    gate = PasswordGate(1, 0, wait_s=5.0)
    with gate.slot():
        started = time.monotonic()
        with pytest.raises(ServerBusy), gate.slot():
            pass
        assert time.monotonic() - started < 1.0  # refused at once, not after waiting
    with gate.slot():
        pass


def _real_jpeg(shared_data: Path, width: int = 320, height: int = 180) -> bytes:
    import cv2

    capture = cv2.VideoCapture(str(shared_data / "video" / "sports2d_walk_side.mp4"))
    ok, frame = capture.read()
    capture.release()
    assert ok
    return bytes(cv2.imencode(".jpg", cv2.resize(frame, (width, height)))[1].tobytes())


def _with_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its start-of-frame segment claiming another size (a bomb header)."""
    data = bytearray(jpeg)
    i = 2
    while data[i + 1] not in (0xC0, 0xC1, 0xC2):
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    data[i + 5 : i + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_jpeg_size_is_read_from_the_header(shared_data: Path) -> None:
    jpeg = _real_jpeg(shared_data, 320, 180)
    assert jpeg_size(jpeg) == (320, 180)
    assert jpeg_size(_with_size(jpeg, 6000, 6000)) == (6000, 6000)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    for bad in (png, b"", jpeg[:3], b"\xff\xd8\xff\xda\0\x02"):
        with pytest.raises(InvalidInput, match="frame:"):
            jpeg_size(bad)


def test_camera_frames_too_large_or_not_jpeg_are_refused_before_decoding(
    browser: Browser, shared_data: Path
) -> None:
    import cv2

    jpeg = _real_jpeg(shared_data)
    bomb = _with_size(jpeg, 6000, 6000)
    png = cv2.imencode(".png", np.zeros((20, 20, 3), np.uint8))[1].tobytes()
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session?source=camera") as ws:
        ws.receive_json()
        ws.send_bytes(struct.pack("<d", 1.0) + bomb)
        assert "6000x6000 is larger than 1920 px" in _until(ws, "error")["error"]
        ws.send_bytes(struct.pack("<d", 2.0) + png)
        assert "only JPEG frames" in _until(ws, "error")["error"]


def _until(ws: Any, kind: str, limit: int = 400) -> dict[str, Any]:
    for _ in range(limit):
        message = ws.receive_json()
        if message["type"] == kind:
            return dict(message)
    raise AssertionError(f"no {kind!r} message")


def _still_lines(t0_s: float, n: int, rate_hz: float = 50.0) -> str:
    sample = {"gyro": [0.0, 0.0, 0.0], "accel": [0.0, 0.0, 1.0]}
    return "\n".join(
        json.dumps({"t": round(t0_s + k / rate_hz, 4), "sensors": {"lower": sample}})
        for k in range(n)
    )


def test_imu_messages_are_bounded(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    with browser.client.websocket_connect("/ws/session/imu") as ws:
        ws.receive_json()
        ws.send_text(json.dumps({"type": "imu", "lines": _still_lines(0.0, 5000)}))
        assert "5000 lines in one message; at most 400" in _until(ws, "error")["error"]
        ws.send_text(json.dumps({"type": "imu", "lines": _still_lines(0.0, 50)}))
        assert _until(ws, "ack")["type"] == "ack"  # the session goes on


def test_calibration_buffer_is_bounded(browser: Browser) -> None:
    """273,000 frames in 20 s once froze the server: time stamps that never leave the
    calibration window now end in a clear error once 4,000 frames are buffered."""
    browser.onboard("Ann", "ann@example.org")
    sample = {"gyro": [0.0, 0.0, 0.0], "accel": [0.0, 0.0, 1.0]}
    with browser.client.websocket_connect("/ws/session/imu") as ws:
        ws.receive_json()
        error = None
        for batch in range(12):
            lines = "\n".join(
                json.dumps({"t": 0.5 + (batch * 400 + k) * 1e-6, "sensors": {"lower": sample}})
                for k in range(400)
            )
            ws.send_text(json.dumps({"type": "imu", "lines": lines}))
            reply = _until_any(ws, ("ack", "error"))
            if reply["type"] == "error":
                error = reply["error"]
                break
        assert error is not None and "more than 4000 frames within the 3 s calibration" in error


def _until_any(ws: Any, kinds: tuple[str, ...]) -> dict[str, Any]:
    for _ in range(400):
        message = ws.receive_json()
        if message["type"] in kinds:
            return dict(message)
    raise AssertionError(f"none of {kinds}")


def test_calibration_bound_in_the_stream_processor() -> None:
    from spinecoach.motion.imu_pipeline import ImuStreamProcessor
    from spinecoach.sources.imu.live import FrameAssembler, parse_line

    processor, assembler = None, FrameAssembler()
    with pytest.raises(InvalidRecording, match="more than 50 frames"):
        for line in _still_lines(0.0, 100, rate_hz=1000.0).splitlines():
            _, t_s, samples = parse_line(line)
            for frame_t, frame in assembler.add(t_s, samples):
                if processor is None:
                    processor = ImuStreamProcessor(tuple(frame), max_calibration_frames=50)
                processor.push(frame_t, frame)


# --------------------------------------------------------------------- clean 4xx, headers


def test_ids_beyond_64_bits_are_404_with_headers(make_browser: Any, app: FastAPI) -> None:
    patient, clinician = make_browser(), make_browser()
    patient.onboard("Ann", "ann@example.org")
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    huge = 2**63
    for browser, path in (
        (patient, f"/sessions/{huge}"),
        (clinician, f"/clinic/patients/{huge}"),
        (clinician, f"/clinic/patients/{2**70}/export.json"),
    ):
        response = browser.get(path)
        assert response.status_code == 404, path
        assert "content-security-policy" in response.headers
    assert patient.post(f"/account/sign-ins/{huge}/revoke").status_code == 404
    assert patient.get(f"/sessions/{huge - 1}").status_code == 404  # largest valid id


def test_concurrent_signups_with_one_email(file_app: FastAPI) -> None:
    people = _browsers(file_app, 8)
    tokens = [_token(b) for b in people]

    def sign_up(n: int) -> httpx.Response:
        data = {
            "name": f"Ann {n}",
            "email": "ann@example.org",
            "password": PASSWORD,
            "csrf_token": tokens[n],
        }
        return people[n].client.post("/signup", data=data, follow_redirects=False)

    responses = _run_all([lambda n=n: sign_up(n) for n in range(8)])
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [422] * 7, codes
    for r in responses:
        assert "x-content-type-options" in r.headers
        assert "already exists" not in r.text


def test_signup_does_not_reveal_registered_emails(make_browser: Any) -> None:
    make_browser().sign_up("Ann", "ann@example.org")
    probe = make_browser()
    taken = probe.post("/signup", {"name": "Eve", "email": "ann@example.org", "password": PASSWORD})
    assert taken.status_code == 422
    assert "could not create an account with these details" in taken.text
    assert "exist" not in taken.text.lower() and "registered" not in taken.text.lower()


def test_unexpected_errors_are_500_pages_with_security_headers(
    make_browser: Any, app: FastAPI
) -> None:
    clinician, patient = make_browser(), make_browser()
    clinician.sign_up("Dr Rao", "rao@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient.onboard("Ann", "ann@example.org", code)
    patient_id = re.search(r'data-patient="(\d+)"', clinician.get("/clinic").text).group(1)  # type: ignore[union-attr]
    with app.state.ctx.engine.begin() as connection:  # the database loses a table under us
        connection.execute(text("DROP TABLE notes"))
    response = clinician.post(f"/clinic/patients/{patient_id}/notes", {"text": "hello"})
    assert response.status_code == 500
    assert response.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" in response.headers
    assert "Traceback" not in response.text


def test_health_data_and_exports_are_not_cached(browser: Browser) -> None:
    browser.onboard("Ann", "ann@example.org")
    for path in ("/today", "/progress", "/export.json", "/account", "/login"):
        assert browser.get(path).headers["cache-control"] == "no-store", path
    assert "no-store" not in browser.get("/static/app.css").headers.get("cache-control", "")


def test_unknown_hosts_are_refused(browser: Browser) -> None:
    response = browser.client.get("/login", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert browser.client.get("/login", headers={"host": "testserver:8000"}).status_code == 200
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect),
        browser.client.websocket_connect(
            "/ws/session/keypoints", headers={"host": "evil.example"}
        ) as ws,
    ):
        ws.receive_json()


def test_hsts_is_an_option(web_settings: Settings) -> None:
    from spinecoach.store.db import make_engine, migrate, session_factory

    def app_with(max_age: int) -> Browser:
        web_settings.hsts_max_age_s = max_age
        engine = make_engine("sqlite://")
        migrate(engine)
        return Browser(create_app(web_settings, session_factory=session_factory(engine)))

    assert "strict-transport-security" not in app_with(0).get("/login").headers
    hsts = app_with(31_536_000).get("/login").headers["strict-transport-security"]
    assert hsts == "max-age=31536000; includeSubDomains"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_real_server_sends_no_server_header_and_ignores_forwarded_for(
    file_settings: Settings,
) -> None:
    import uvicorn

    from spinecoach.cli.serve import uvicorn_options

    file_settings.port = _free_port()
    file_settings.allowed_hosts = ["127.0.0.1"]
    server = uvicorn.Server(
        uvicorn.Config(create_app(file_settings), **uvicorn_options(file_settings))
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{file_settings.port}"
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        with httpx.Client(base_url=base) as client:
            page = client.get("/login")
            assert page.status_code == 200
            assert "server" not in page.headers
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            codes = [
                client.post(
                    "/login",
                    data={"email": "a@example.org", "password": "guess!!!!!", "csrf_token": token},
                    headers={"x-forwarded-for": f"203.0.113.{n}"},
                ).status_code
                for n in range(4)
            ]
            assert codes == [401, 401, 401, 429]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# ------------------------------------------------------------------------- password policy


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "10 to 200 characters"),
        ("password123", "most common"),
        ("Qwertyuiop", "most common"),
        ("ann.smith@example.org", "e-mail"),
        ("my ann.smith password", "e-mail"),
    ],
)
def test_password_policy(browser: Browser, password: str, problem: str) -> None:
    response = browser.post(
        "/signup", {"name": "Ann", "email": "ann.smith@example.org", "password": password}
    )
    assert response.status_code == 422 and problem in response.text


def test_common_password_list_ships_with_the_package() -> None:
    from spinecoach.web.accounts import COMMON_PASSWORDS_FILE, common_passwords

    assert COMMON_PASSWORDS_FILE.is_file()
    assert len(common_passwords()) >= 19_000 and "iloveyou" in common_passwords()


# --------------------------------------------------------------------- storage and resume


def test_read_only_data_directory_is_refused_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_app(Settings(data_dir=data))  # creates the database and the key
    assert (data / "spinecoach.db").is_file()
    spinecoach = str(Path(sys.executable).with_name("spinecoach"))
    serve = f"{spinecoach} serve --data-dir {data} --port {_free_port()}"
    if os.geteuid() == 0:  # root writes through permissions: use a read-only bind mount
        if shutil.which("unshare") is None:
            pytest.fail("unshare is needed to mount a read-only folder as root")
        command = [
            "unshare", "-rm", "sh", "-c",
            f"mount --bind {data} {data} && mount -o remount,bind,ro {data} && exec {serve}",
        ]  # fmt: skip
    else:
        data.chmod(0o555)
        (data / "spinecoach.db").chmod(0o444)
        command = serve.split()
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "read-only" in result.stderr and str(data) in result.stderr
    assert "Traceback" not in result.stderr


def test_the_web_app_offers_to_resume_an_interrupted_session(browser: Browser) -> None:
    from spinecoach.store.repositories import SessionRepository

    browser.onboard("Ann", "ann@example.org")
    factory = browser.app.state.ctx.session_factory
    first_page = browser.get("/session").text
    assert "resume-offer" not in first_page
    first_items = re.findall(r"<li>([^<]+) <span", first_page)
    with factory() as db:  # the server crashed after the first exercise was recorded
        person = db.scalars(select(models.Person)).one()
        plan = db.scalars(select(models.Plan)).one()
        first = plan.items[0].exercise_id
        now = datetime.now(UTC)
        repo = SessionRepository(db)
        crashed = repo.start(person.id, plan.id, source="timer", pain_before=2, started_at=now)
        repo.add_result(crashed.id, exercise_id=first, started_at=now, ended_at=now,
                        completed=True, reps_done=5, reps_target=5)  # fmt: skip
        crashed_id = crashed.id
    page = browser.get("/session").text
    assert "resume-offer" in page and f"/session?resume={crashed_id}" in page
    resumed_page = browser.get(f"/session?resume={crashed_id}").text
    assert re.findall(r"<li>([^<]+) <span", resumed_page) == first_items[1:]
    assert browser.get(f"/session?resume={crashed_id + 99}").status_code == 404
    with browser.client.websocket_connect(f"/ws/session?source=timer&resume={crashed_id}") as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello"
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        ws.send_text(json.dumps({"type": "stop"}))
        _until(ws, "finished")
    with factory() as db:
        row = db.get(models.Session, crashed_id)
        assert row is not None and row.status != "in_progress"
        assert [r.exercise_id for r in row.results][0] == first
        assert db.scalar(select(func.count()).select_from(models.Session)) == 1


def test_resume_of_someone_elses_session_is_refused(make_browser: Any, app: FastAPI) -> None:
    from spinecoach.store.repositories import SessionRepository

    ann, bob = make_browser(), make_browser()
    ann.onboard("Ann", "ann@example.org")
    bob.onboard("Bob", "bob@example.org")
    with app.state.ctx.session_factory() as db:
        person = db.scalars(select(models.Person).where(models.Person.name == "Ann")).one()
        ann_session = SessionRepository(db).start(person.id, None, source="timer").id
    assert bob.get(f"/session?resume={ann_session}").status_code == 404
    with bob.client.websocket_connect(f"/ws/session?resume={ann_session}") as ws:
        message = ws.receive_json()
        assert message["fatal"] and "no unfinished session of yours" in message["error"]


PG_URL = os.environ.get("SPINECOACH_TEST_POSTGRES_URL")


@pytest.mark.skipif(
    not PG_URL, reason="no PostgreSQL server: set SPINECOACH_TEST_POSTGRES_URL (.ci/run does)"
)
def test_concurrent_guesses_on_postgres_and_two_app_instances(tmp_path: Path) -> None:
    """What a clinic runs: two app instances (as two worker processes would) on one
    PostgreSQL database share the attempt count; 30 concurrent guesses split between them
    still let no more than the limit reach the password check."""
    from sqlalchemy import create_engine

    assert PG_URL is not None
    admin = create_engine(PG_URL)
    with admin.begin() as connection:  # an own schema: other PostgreSQL tests drop public
        connection.execute(text("DROP SCHEMA IF EXISTS attacks CASCADE"))
        connection.execute(text("CREATE SCHEMA attacks"))
    admin.dispose()
    url = PG_URL + ("&" if "?" in PG_URL else "?") + "options=-csearch_path%3Dattacks"
    settings = Settings(
        data_dir=tmp_path,
        secret_key=KEY,
        database_url=url,
        login_max_failures=3,
        allowed_hosts=["testserver"],
    )
    apps = [create_app(settings), create_app(settings)]
    Browser(apps[0]).sign_up("Ann", "ann@example.org")
    attackers = [b for n in range(15) for b in (_browsers(apps[0], 1) + _browsers(apps[1], 1))]
    tokens = [_token(b) for b in attackers]

    def guess(n: int) -> int:
        data = {"email": "ann@example.org", "password": f"wrong {n:03d}", "csrf_token": tokens[n]}
        return attackers[n].client.post("/login", data=data, follow_redirects=False).status_code

    codes = _run_all([lambda n=n: guess(n) for n in range(30)])
    assert 500 not in codes and 200 not in codes
    checked = [c for c in codes if c != 429]
    # login_max_failures at most reach the password check, whichever instance they land on
    assert 1 <= len(checked) <= 3 and set(checked) == {401}, codes
    # a sign-in made on one instance is ended by signing out on the other
    ann = Browser(apps[0])
    ann.client.get("/login")
    with apps[0].state.ctx.session_factory() as db:
        db.execute(text("DELETE FROM login_attempts"))
        db.commit()
    assert ann.log_in("ann@example.org").status_code == 303
    other = Browser(apps[1])
    other.client.cookies.set(COOKIE_NAME, ann.client.cookies[COOKIE_NAME])
    assert other.get("/account").status_code == 200
    other.post("/logout")
    assert ann.get("/account").headers["location"].startswith("/login")
    for app in apps:
        app.state.ctx.engine.dispose()


def test_a_dropped_connection_resumes_on_another_app_instance(
    file_app: FastAPI, file_settings: Settings
) -> None:
    """Two app instances (as two worker processes) on one database: the connection to the
    first drops after an exercise; the page reconnects to the second with resume=ID and the
    same stored session goes on (nothing recorded is lost, nothing is held in one process)."""
    first = Browser(file_app)
    first.onboard("Ann", "ann@example.org")
    second_app = create_app(file_settings)
    second = Browser(second_app)
    second.client.cookies.set(COOKIE_NAME, first.client.cookies[COOKIE_NAME])
    with first.client.websocket_connect("/ws/session?source=timer") as ws:
        session_id = ws.receive_json()["session_id"]
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        ws.send_text(json.dumps({"type": "skip"}))  # set-up step
        ws.send_text(json.dumps({"type": "skip"}))  # first exercise: stored at once
        for _ in range(200):
            if _until(ws, "state")["state"]["results"] >= 1:
                break
    # the socket dropped (no stop): the stored session stays resumable
    with second_app.state.ctx.session_factory() as db:
        row = db.get(models.Session, session_id)
        assert row is not None and row.status == "in_progress" and len(row.results) == 1
    assert f"/session?resume={session_id}" in second.get("/session").text
    with second.client.websocket_connect(f"/ws/session?source=timer&resume={session_id}") as ws:
        assert ws.receive_json()["session_id"] == session_id
        ws.send_text(json.dumps({"type": "pain", "pain": 2}))
        ws.send_text(json.dumps({"type": "stop"}))
        _until(ws, "finished")
    with second_app.state.ctx.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(models.Session)) == 1
        row = db.get(models.Session, session_id)
        assert row is not None and row.status == "stopped" and len(row.results) >= 1
