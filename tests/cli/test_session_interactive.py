"""The interactive terminal session, driven through a pseudo-terminal like a person would.

Answers the starting pain check-in, waits for an exercise to run, presses ``w`` (something
is wrong), reports new numbness and checks that the stop rule ends the session, says why,
and stores the report.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX-only")


class Terminal:
    """A child process on a pseudo-terminal, with screen text collected as it arrives."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        import pty

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            os.execve(argv[0], argv, env)
        self.text = ""

    def read_until(self, needle: str, timeout_s: float = 30.0) -> str:
        deadline = time.monotonic() + timeout_s
        while needle not in self.text:
            assert time.monotonic() < deadline, (
                f"timed out waiting for {needle!r}:\n{self.text[-2000:]}"
            )
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.text += ANSI.sub(b"", chunk).decode(errors="replace")
        assert needle in self.text, f"{needle!r} never appeared:\n{self.text[-2000:]}"
        return self.text

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait(self, timeout_s: float = 30.0) -> int:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with_status = os.waitpid(self.pid, os.WNOHANG)
            if with_status[0]:
                return os.waitstatus_to_exitcode(with_status[1])
            self.read_until("", 0.1)
            time.sleep(0.05)
        os.kill(self.pid, 9)
        raise AssertionError("session did not exit")


def spinecoach(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "spinecoach", *args], env=env, check=True,
                   capture_output=True, timeout=60)  # fmt: skip


def test_something_is_wrong_key_ends_the_session_on_numbness(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = os.environ | {"SPINECOACH_DATA_DIR": str(tmp_path), "COLUMNS": "100", "LINES": "40",
                        "TERM": "xterm"}  # fmt: skip
    spinecoach("screen", "--answers", str(EXAMPLES / "screening_clear.json"), env=env)
    spinecoach("intake", "--answers", str(EXAMPLES / "profile_desk_worker.json"), env=env)
    spinecoach("plan", env=env)
    executable = shutil.which("spinecoach", path=str(Path(sys.executable).parent))
    assert executable, "the spinecoach console script is installed beside the interpreter"
    term = Terminal([executable, "session", "--speed", "20", "--no-audio"], env)
    term.read_until("how is your back pain right now")
    term.send("2\r")
    term.read_until("running")
    term.send("w")
    term.read_until("What is happening?")
    listing = term.read_until("Symptoms (")
    number = re.search(r"(\d+)\. New or increasing numbness", listing)
    assert number, listing[-1500:]
    term.send(f"{number.group(1)}\r")
    term.read_until("Pain right now")
    term.send("3\r")
    screen = term.read_until("Session 1: stopped")
    assert "numbness ends today's session" in screen
    term.read_until("Pain now")  # asked also when the session ended early
    term.send("4\r")
    term.read_until("What changes tomorrow")
    assert term.wait() == 0
    with sqlite3.connect(tmp_path / "spinecoach.db") as db:
        assert db.execute("select status, pain_after from sessions").fetchone() == ("stopped", 4)
        kind, pain, symptoms, decision = db.execute(
            "select kind, pain, symptoms, decision from pain_reports where kind = 'symptom'"
        ).fetchone()
    assert (kind, pain, json.loads(symptoms)) == ("symptom", 3, ["numbness"])
    assert json.loads(decision)["action"] == "end_session"
    # the session ended on new numbness: the programme is paused and stays paused
    with sqlite3.connect(tmp_path / "spinecoach.db") as db:
        plans = db.execute("select paused from plans order by id").fetchall()
    again = _run("session", "--headless", "--speed", "0", "--no-audio", env=env)
    assert again.returncode == 3 and "paused" in again.stderr, again.stderr
    plan = _run("plan", env=env)
    assert plan.returncode == 3 and "paused" in plan.stderr
    with sqlite3.connect(tmp_path / "spinecoach.db") as db:
        assert db.execute("select count(*) from plans").fetchone()[0] == len(plans)
    spinecoach("screen", "--answers", str(EXAMPLES / "screening_clear.json"), env=env)
    assert _run("plan", env=env).returncode == 0  # re-screened after the pause


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "spinecoach", *args], env=env, text=True,
                          capture_output=True, timeout=60)  # fmt: skip


def test_an_emergency_reported_inside_a_session_blocks_the_next_session(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = os.environ | {"SPINECOACH_DATA_DIR": str(tmp_path), "COLUMNS": "100", "LINES": "40",
                        "TERM": "xterm"}  # fmt: skip
    spinecoach("screen", "--answers", str(EXAMPLES / "screening_clear.json"), env=env)
    spinecoach("intake", "--answers", str(EXAMPLES / "profile_desk_worker.json"), env=env)
    spinecoach("plan", env=env)
    executable = shutil.which("spinecoach", path=str(Path(sys.executable).parent))
    assert executable
    term = Terminal([executable, "session", "--speed", "20", "--no-audio"], env)
    term.read_until("how is your back pain right now")
    term.send("2\r")
    term.read_until("running")
    term.send("w")
    listing = term.read_until("Symptoms (")
    number = re.search(r"(\d+)\. New change in bladder or bowel control", listing)
    assert number, listing[-1500:]
    term.send(f"{number.group(1)}\r")
    term.read_until("Pain right now")
    term.send("\r")
    term.read_until("urgent_care")
    assert term.wait() == 0

    again = _run("session", "--headless", "--speed", "0", "--no-audio", env=env)
    assert again.returncode == 3, again.stdout + again.stderr
    assert "Exercise is blocked" in again.stderr and "bladder or bowel" in again.stderr
    assert "Emergency: get medical help now" in again.stdout
    plan = _run("plan", env=env)
    assert plan.returncode == 3 and "Exercise is blocked" in plan.stderr
    with sqlite3.connect(tmp_path / "spinecoach.db") as db:
        assert db.execute("select count(*) from sessions").fetchone()[0] == 1
        assert db.execute("select count(*) from plans").fetchone()[0] == 1  # nothing new
        rows = db.execute("select level, source from safety_states order by id").fetchall()
    assert rows == [("clear", "screening"), ("emergency", "session")]
    # re-screening with the symptom gone lifts the block
    spinecoach("screen", "--answers", str(EXAMPLES / "screening_clear.json"), env=env)
    assert _run("plan", env=env).returncode == 0


def test_stop_this_exercise_waits_for_enter_in_the_terminal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = os.environ | {"SPINECOACH_DATA_DIR": str(tmp_path), "COLUMNS": "100", "LINES": "40",
                        "TERM": "xterm"}  # fmt: skip
    spinecoach("screen", "--answers", str(EXAMPLES / "screening_clear.json"), env=env)
    spinecoach("intake", "--answers", str(EXAMPLES / "profile_desk_worker.json"), env=env)
    spinecoach("plan", env=env)
    executable = shutil.which("spinecoach", path=str(Path(sys.executable).parent))
    assert executable
    term = Terminal([executable, "session", "--speed", "20", "--no-audio"], env)
    term.read_until("how is your back pain right now")
    term.send("2\r")
    term.read_until("running")
    time.sleep(1.0)  # into the first exercise
    term.send("w")
    listing = term.read_until("Symptoms (")
    number = re.search(r"(\d+)\. Sharp or stabbing pain", listing)
    assert number, listing[-1500:]
    term.send(f"{number.group(1)}\r")
    term.read_until("Pain right now")
    term.send("\r")
    screen = term.read_until("Press Enter when you have stopped")
    assert "Stop this exercise. Sharp pain" in screen
    time.sleep(1.5)  # nothing moves on while the message waits
    waiting = term.text
    assert "Press Enter when you have stopped" in waiting[-400:]
    term.send("\r")
    time.sleep(1.5)  # the live view is back
    term.send("q")
    term.read_until("Session 1: stopped")
    term.read_until("Pain now")
    term.send("\r")  # Enter skips it
    assert term.wait() == 0
    with sqlite3.connect(tmp_path / "spinecoach.db") as db:
        first = db.execute("select stop_action from exercise_results order by id").fetchone()
    assert first == ("stop_exercise",)
