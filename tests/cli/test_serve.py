"""``spinecoach serve``: the web app starts on loopback with SQLite in the data folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("command", [["serve"], ["run", "--no-open"]])
def test_serve_starts_the_web_app(tmp_path: Path, command: list[str]) -> None:
    """`spinecoach serve` and `spinecoach run` (what `make run` calls) start the web app."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("SPINECOACH_SECRET_KEY", None)
    code = "import sys; from spinecoach.cli import main; sys.exit(main(sys.argv[1:]))"
    server = subprocess.Popen(
        [sys.executable, "-c", code, *command, "--port", str(port), "--data-dir", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        assert "not a substitute for a clinician" in response.text.lower()
        assert (tmp_path / "spinecoach.db").is_file()
        key = tmp_path / "secret_key"
        assert key.is_file() and (key.stat().st_mode & 0o777) == 0o600
    finally:
        server.terminate()
        server.wait(timeout=10)
