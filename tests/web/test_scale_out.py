"""Several server processes on one PostgreSQL database (issue 13 §2): a live session started
on one process is reached from another by the phone streaming as a back sensor, refused to a
second window, and taken over by a reconnect; ``spinecoach serve --workers N`` serves one
address. The servers are real ``spinecoach serve`` processes on loopback.

Needs a PostgreSQL server: ``.ci/run`` sets SPINECOACH_TEST_POSTGRES_URL (locally:
``bash .ci/postgres.sh``), as the other PostgreSQL tests do.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.web_load import make_accounts
from sqlalchemy import create_engine, func, select, text

from spinecoach.store import models
from spinecoach.store.db import make_engine

PG_URL = os.environ.get("SPINECOACH_TEST_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="no PostgreSQL server: set SPINECOACH_TEST_POSTGRES_URL (.ci/run does)"
)
REPO = Path(__file__).resolve().parents[2]
SCHEMA = "scale_out"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(data_dir: Path, url: str, port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SPINECOACH_DATABASE_URL": url,
        "SPINECOACH_SECRET_KEY": "scale-" + "k" * 40,
        "SPINECOACH_SIGNUP_MAX_PER_CLIENT": "50",
        "PYTHONPATH": str(REPO / "src"),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from spinecoach.cli import main; sys.exit(main(sys.argv[1:]))",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--no-open",
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(base + "/login", timeout=2)
            return
        except httpx.TransportError:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {process.stderr.read()!r}") from None  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start") from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The test database with an own schema per test process (other PostgreSQL tests drop
    ``public``; tests run two at a time), dropped afterwards."""
    assert PG_URL is not None
    schema = f"{SCHEMA}_{os.getpid()}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield PG_URL + ("&" if "?" in PG_URL else "?") + f"options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def two_servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """Two ``spinecoach serve`` processes (ports A and B) on one PostgreSQL database."""
    ports = (_free_port(), _free_port())
    first = _serve(tmp_path, pg_url, ports[0])  # migrates the schema before the second starts
    processes = [first]
    try:
        _wait_up(f"http://127.0.0.1:{ports[0]}", first)
        processes.append(_serve(tmp_path, pg_url, ports[1]))
        _wait_up(f"http://127.0.0.1:{ports[1]}", processes[1])
        yield f"127.0.0.1:{ports[0]}", f"127.0.0.1:{ports[1]}", pg_url
    finally:
        for process in processes:
            _stop(process)


def _connect(address: str, path: str, cookie: str) -> Any:
    from websockets.sync.client import connect

    return connect(
        f"ws://{address}{path}",
        additional_headers={"Cookie": cookie},
        open_timeout=30,
        max_size=2**20,
    )


def _until(ws: Any, kind: str, timeout_s: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["type"] == kind:
            return message
        assert message["type"] != "error" or kind == "error", message


def _sensor_messages(sim: Any, per_message: int = 10) -> list[str]:
    from spinecoach.sources.imu.transport import recording_lines

    lines = [line for _, line in recording_lines(sim.recording)]
    return ["\n".join(lines[k : k + per_message]) for k in range(0, len(lines), per_message)]


@needs_postgres
def test_a_session_is_driven_across_two_server_processes(
    two_servers: tuple[str, str, str],
) -> None:
    a, b, url = two_servers
    patients, _ = make_accounts(f"http://{a}", 1, 1)  # signed up and onboarded on A
    cookie = patients[0].cookie
    with contextlib.ExitStack() as sockets:
        _drive_across(a, b, cookie, sockets.enter_context)
    engine = make_engine(url)
    with engine.connect() as db:
        sessions = db.execute(select(models.Session.id, models.Session.status)).all()
        assert len(sessions) == 1 and sessions[0][1] == "stopped", sessions
    # nothing is left claimed: the server lets go once it sees the socket close, which can
    # come after this test's client has closed it
    deadline = time.monotonic() + 10.0
    while True:
        with engine.connect() as db:
            left = db.scalar(select(func.count()).select_from(models.LivePresence))
        if left == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == 0
    engine.dispose()


def _drive_across(a: str, b: str, cookie: str, keep: Any) -> None:
    from spinecoach.sources.imu.simulate import simulate

    # The session starts on A, with the phone as a back sensor.
    on_a = keep(_connect(a, "/ws/session/keypoints?sensor=imu", cookie))
    session_id = _until(on_a, "hello")["session_id"]
    on_a.send(json.dumps({"type": "pain", "pain": 2}))

    # A second window reaching B is refused: one running session per person, any process.
    with _connect(b, "/ws/session?source=timer", cookie) as second:
        refused = json.loads(second.recv(timeout=20))
        assert refused["fatal"] and "already running in another window" in refused["error"]

    # The phone joins through B; its samples reach the session on A and come back measured.
    sim = simulate("standing_flexion", n_reps=1, rep_s=4.0, rest_s=1.0, sample_rate_hz=50.0, seed=6)
    phone = keep(_connect(b, "/ws/session/sensor", cookie))
    assert _until(phone, "hello")["session_id"] == session_id
    phone.send('{"type": "imu", "lines": "not json"}')
    assert "imu: malformed line" in _until(phone, "error")["error"]
    messages = _sensor_messages(sim)
    peak = 0.0
    for lines in messages:
        phone.send(json.dumps({"type": "imu", "lines": lines}))
        sensor = _until(phone, "ack")["sensor_angle"]
        if sensor["calibrated"] and sensor["value_deg"] is not None:
            peak = max(peak, sensor["value_deg"])
    truth_peak = float(sim.truth.values["lumbar_flexion_deg"].max())
    assert abs(peak - truth_peak) < 3.0, (peak, truth_peak)
    # ... and the page on A shows the phone's angle in its own state messages.
    deadline = time.monotonic() + 10
    while not (_until(on_a, "state")["state"].get("sensor_angle") or {}).get("calibrated"):
        assert time.monotonic() < deadline, "the session on A never saw the phone's samples"

    # The page reconnects through B (its connection to A looks dropped): B takes the
    # session over, A lets go and tells its page, the same stored session goes on.
    on_b = keep(_connect(b, f"/ws/session/keypoints?sensor=imu&resume={session_id}", cookie))
    assert _until(on_b, "hello")["session_id"] == session_id
    moved = _until(on_a, "moved")
    assert moved["fatal"] and "another window" in moved["error"]
    on_a.close()
    on_b.send(json.dumps({"type": "pain", "pain": 2}))
    # The phone, still connected to B, follows the session to its new holder.
    phone.send(json.dumps({"type": "imu", "lines": messages[-1]}))
    assert "sensor_angle" in _until(phone, "ack")
    on_b.send(json.dumps({"type": "skip"}))  # set-up step
    on_b.send(json.dumps({"type": "stop"}))
    finished = _until(on_b, "finished")
    assert finished["session_id"] == session_id
    phone.send(json.dumps({"type": "imu", "lines": messages[-1]}))  # the session is over
    assert _until(phone, "finished")["type"] == "finished"


@needs_postgres
def test_serve_workers_runs_several_processes_on_one_address(pg_url: str, tmp_path: Path) -> None:
    """``spinecoach serve --workers 2``: two worker processes answer one port; a session
    opened through it is refused a second time whichever worker takes the second try."""
    port = _free_port()
    server = _serve(tmp_path, pg_url, port, "--workers", "2")
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(base, server)
        workers = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(workers) >= 2, workers  # uvicorn's manager and its worker processes
        patients, _ = make_accounts(base, 1, 1)
        cookie = patients[0].cookie
        with _connect(f"127.0.0.1:{port}", "/ws/session?source=timer", cookie) as first:
            _until(first, "hello")
            for _ in range(4):  # new connections spread over the workers
                with _connect(f"127.0.0.1:{port}", "/ws/session?source=timer", cookie) as again:
                    refused = json.loads(again.recv(timeout=20))
                    assert "already running in another window" in refused["error"]
            first.send(json.dumps({"type": "stop"}))
            _until(first, "finished")
    finally:
        _stop(server)


@needs_postgres
def test_a_reconnect_after_its_worker_died_resumes_on_another_at_once(
    pg_url: str, tmp_path: Path
) -> None:
    """The process holding a session is killed (kill -9, no goodbye): the page's reconnect
    through another process resumes the same stored session at once, not after the dead
    process's heartbeat goes stale (``live_stale_s``, 15 s), and what was done is kept."""
    ports = (_free_port(), _free_port())
    a = _serve(tmp_path, pg_url, ports[0])
    processes = [a]
    try:
        _wait_up(f"http://127.0.0.1:{ports[0]}", a)
        processes.append(_serve(tmp_path, pg_url, ports[1]))
        _wait_up(f"http://127.0.0.1:{ports[1]}", processes[1])
        patients, _ = make_accounts(f"http://127.0.0.1:{ports[0]}", 1, 1)
        cookie = patients[0].cookie
        with _connect(f"127.0.0.1:{ports[0]}", "/ws/session/keypoints", cookie) as on_a:
            session_id = _until(on_a, "hello")["session_id"]
            on_a.send(json.dumps({"type": "pain", "pain": 2}))
            _until(on_a, "state")
            a.kill()  # SIGKILL: its presence row stays, with a fresh heartbeat
            a.wait()
        started = time.monotonic()
        b = f"127.0.0.1:{ports[1]}"
        with _connect(b, f"/ws/session/keypoints?resume={session_id}", cookie) as again:
            hello = _until(again, "hello")
            waited_s = time.monotonic() - started
            assert hello["session_id"] == session_id
            assert waited_s < 3.0, f"the reconnect waited {waited_s:.1f} s"
            again.send(json.dumps({"type": "stop"}))
            assert _until(again, "finished")["session_id"] == session_id
    finally:
        for process in processes:
            if process.poll() is None:
                _stop(process)
    engine = make_engine(pg_url)
    with engine.connect() as db:
        status = db.scalar(select(models.Session.status).where(models.Session.id == session_id))
        assert status == "stopped"
        assert db.scalar(select(func.count()).select_from(models.LivePresence)) == 0
    engine.dispose()


def test_several_workers_on_sqlite_are_refused(tmp_path: Path) -> None:
    """SQLite serves one process: ``--workers 2`` without PostgreSQL is one clear error."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("SPINECOACH_DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from spinecoach.cli import main; sys.exit(main(sys.argv[1:]))",
            "serve",
            "--data-dir",
            str(tmp_path),
            "--workers",
            "2",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert (
        "error: --workers 2: several worker processes need PostgreSQL" in done.stderr + done.stdout
    )
    assert "Traceback" not in done.stderr


def test_relayed_lines_are_split_below_the_notify_limit() -> None:
    """A phone's message is relayed in chunks of whole lines under PostgreSQL's payload
    limit, in order; a single line too long for one payload is one clear error."""
    from spinecoach.errors import InvalidInput
    from spinecoach.web.relay import MAX_PAYLOAD_BYTES, split_lines

    lines = "\n".join(
        json.dumps({"t": k / 50, "sensors": {"lower": {"gyro": [0.1, 0.2, 0.3]}}})
        for k in range(400)
    )
    chunks = split_lines(lines)
    assert len(chunks) > 1 and "\n".join(chunks) == lines
    assert all(len(json.dumps(c)) < MAX_PAYLOAD_BYTES for c in chunks)
    with pytest.raises(InvalidInput, match="imu: a line of"):
        split_lines("x" * MAX_PAYLOAD_BYTES)


def test_a_reconnect_takes_the_session_over_in_one_process(tmp_path: Path) -> None:
    """On SQLite (one process, no PostgreSQL needed) the same rules hold: a second window is
    refused, a reconnect with resume=ID takes the session over, the first page is told."""
    from fastapi.testclient import TestClient
    from tests.web.conftest import Browser

    from spinecoach.settings import Settings
    from spinecoach.web.app import create_app

    app = create_app(
        Settings(data_dir=tmp_path, secret_key="scale-" + "k" * 40, allowed_hosts=["testserver"])
    )
    browser = Browser(app)
    browser.onboard("Ann", "ann@example.org")
    with TestClient(app, base_url="http://testserver") as client:  # one event loop, as uvicorn
        client.cookies.update(browser.client.cookies)
        with client.websocket_connect("/ws/session?source=timer") as first:
            session_id = first.receive_json()["session_id"]
            with client.websocket_connect("/ws/session?source=timer") as second:
                refused = second.receive_json()
                assert refused["fatal"] and "already running in another window" in refused["error"]
            with client.websocket_connect(f"/ws/session?source=timer&resume={session_id}") as again:
                assert again.receive_json()["session_id"] == session_id
                for _ in range(50):
                    message = first.receive_json()
                    if message["type"] == "moved":
                        break
                assert message["type"] == "moved" and message["fatal"]
                again.send_text(json.dumps({"type": "stop"}))
                for _ in range(200):
                    if again.receive_json()["type"] == "finished":
                        break
    engine = make_engine(f"sqlite:///{tmp_path / 'spinecoach.db'}")
    with engine.connect() as db:
        rows = db.execute(select(models.Session.id, models.Session.status)).all()
        assert rows == [(session_id, "stopped")]
        assert db.scalar(select(func.count()).select_from(models.LivePresence)) == 0
    engine.dispose()


@pytest.mark.parametrize(
    "limits",
    [{"live_max_sessions": 1}, {"live_busy_lag_ms": 0.001}],
    ids=["per-worker cap", "event loop running late"],
)
def test_a_full_worker_tells_a_new_session_it_is_busy(
    tmp_path: Path, limits: dict[str, float]
) -> None:
    """A worker at its cap of live sessions (``live_max_sessions``), or whose event loop
    runs late (``live_busy_lag_ms``), tells a new session "server busy, try again" in one
    line and keeps the sessions it runs; the page loads as before."""
    from fastapi.testclient import TestClient
    from tests.web.conftest import Browser

    from spinecoach.settings import Settings
    from spinecoach.web.app import create_app

    settings = Settings(
        data_dir=tmp_path, secret_key="scale-" + "k" * 40, allowed_hosts=["testserver"], **limits
    )
    app = create_app(settings)
    ann, bob = Browser(app), Browser(app)
    ann.onboard("Ann", "ann@example.org")
    bob.onboard("Bob", "bob@example.org")
    with TestClient(app, base_url="http://testserver") as client:
        client.cookies.update(ann.client.cookies)
        with client.websocket_connect("/ws/session?source=timer") as first:
            assert first.receive_json()["type"] == "hello"
            time.sleep(0.4)  # the loop's lateness is measured every 0.1 s
            client.cookies.clear()
            client.cookies.update(bob.client.cookies)
            with client.websocket_connect("/ws/session?source=timer") as second:
                refused = second.receive_json()
                assert refused["fatal"] and "the server is busy" in refused["error"]
            assert client.get("/session").status_code == 200
            first.send_text(json.dumps({"type": "stop"}))
            for _ in range(200):
                if first.receive_json()["type"] == "finished":
                    break
