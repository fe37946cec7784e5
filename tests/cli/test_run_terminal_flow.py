"""`spinecoach run` in the terminal: screening -> intake -> today's plan, answers typed in."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys


def run_flow(tmp_path, screening_answers: list[str], intake_answers: list[str]):  # type: ignore[no-untyped-def]
    env = os.environ | {"SPINECOACH_DATA_DIR": str(tmp_path), "COLUMNS": "140"}
    stdin = "\n".join(screening_answers + intake_answers) + "\n"
    return subprocess.run(
        [sys.executable, "-m", "spinecoach", "run", "--terminal"],
        input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


# no age (given at screening, not asked again); the last answer is the equipment at home
INTAKE = ["4", "4", "20", "sitting,bending", "none", "moderate", "7", "desk_relief", "8",
          "none", "mat,chair"]  # fmt: skip


def test_newcomer_gets_a_plan(tmp_path, rules) -> None:  # type: ignore[no-untyped-def]
    answers = ["n"] * len(rules.asked_questions) + ["45"]
    result = run_flow(tmp_path, answers, INTAKE)
    assert result.returncode == 0, result.stderr
    assert "Your age" not in result.stdout  # asked once, by the screening
    assert "NO WARNING SIGNS" in result.stdout and "Today's routine" in result.stdout
    assert "Safety: Clear." in result.stdout  # the safety state, shown before the plan
    assert "not a substitute for a clinician" in result.stdout
    with sqlite3.connect(tmp_path / "spinecoach.db") as conn:
        assert conn.execute("select count(*) from plan_items").fetchone()[0] >= 3
        assert conn.execute("select tier from screenings").fetchone()[0] == "clear"


def test_emergency_answer_stops_before_intake(tmp_path, rules) -> None:  # type: ignore[no-untyped-def]
    answers = ["y"] + ["n"] * (len(rules.asked_questions) - 1) + ["45"]
    result = run_flow(tmp_path, answers, [])
    assert result.returncode == 0, result.stderr
    assert "EMERGENCY" in result.stdout and "999" in result.stdout
    assert "Emergency: get medical help now" in result.stdout  # the stored safety state
    assert "Today's routine" not in result.stdout
    with sqlite3.connect(tmp_path / "spinecoach.db") as conn:
        assert conn.execute("select count(*) from plans").fetchone()[0] == 0
