"""The persistent safety state in the terminal (issue 10 §1): an emergency at a check-in
blocks ``spinecoach session`` and ``spinecoach plan`` (exit code 3, the project's code for
refused exercise) until the person re-screens with the symptom gone."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from spinecoach.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture()
def planned(tmp_path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path))
    assert main(["screen", "--answers", str(EXAMPLES / "screening_clear.json"), "--json"]) == 0
    assert main(["intake", "--answers", str(EXAMPLES / "profile_desk_worker.json")]) == 0
    assert main(["plan", "--json"]) == 0
    capsys.readouterr()
    return tmp_path


def _plans(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "spinecoach.db") as db:
        return int(db.execute("select count(*) from plans").fetchone()[0])


def test_emergency_at_a_checkin_blocks_session_and_plan_until_rescreened(planned, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["checkin", "--symptom", "saddle_numbness", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decision"]["action"] == "urgent_care"
    assert out["safety_state"]["level"] == "emergency" and out["safety_state"]["blocks_exercise"]

    assert main(["session", "--headless", "--speed", "0", "--no-audio"]) == 3
    captured = capsys.readouterr()
    assert "Emergency: get medical help now" in captured.out
    assert "Exercise is blocked" in captured.err and "Saddle-area numbness" in captured.err
    assert "Call 999" in captured.err
    before = _plans(planned)
    assert main(["plan", "--profile", str(EXAMPLES / "profile_desk_worker.json")]) == 3
    assert main(["plan"]) == 3
    assert _plans(planned) == before  # no fresh plan while blocked

    # the symptom is still there: still blocked
    answers = json.loads((EXAMPLES / "screening_clear.json").read_text())
    answers["answers"]["saddle_numbness"] = "yes"
    still = planned / "still.json"
    still.write_text(json.dumps(answers))
    assert main(["screen", "--answers", str(still), "--json"]) == 0
    assert main(["session", "--headless", "--speed", "0", "--no-audio"]) == 3
    # gone: re-screening lifts it
    assert main(["screen", "--answers", str(EXAMPLES / "screening_clear.json"), "--json"]) == 0
    capsys.readouterr()
    assert main(["session", "--headless", "--speed", "0", "--pain", "1", "--no-audio"]) == 0
    with sqlite3.connect(planned / "spinecoach.db") as db:
        rows = db.execute("select level, source from safety_states order by id").fetchall()
    assert rows == [("clear", "screening"), ("emergency", "check-in"),
                    ("emergency", "screening"), ("clear", "screening")]  # fmt: skip


def test_new_weakness_at_a_checkin_is_urgent_and_shown_by_plan(planned, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["checkin", "--symptom", "weakness", "--pain", "4"]) == 0
    out = capsys.readouterr().out
    assert "Urgent: see a clinician before exercising" in out
    assert main(["plan"]) == 3
    assert "New weakness" in capsys.readouterr().err


def test_a_caution_is_shown_and_does_not_block(planned, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["checkin", "--symptom", "sharp_pain", "--kind", "symptom"]) == 0
    capsys.readouterr()
    assert main(["plan"]) == 0
    out = capsys.readouterr().out
    assert "Take care" in out and "Sharp pain" in out
    assert main(["plan", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["items"]  # JSON output stays pure


def test_safety_command_shows_state_block_and_history(planned, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["checkin", "--symptom", "both_legs", "--kind", "symptom"]) == 0
    capsys.readouterr()
    assert main(["safety", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["level"] == "emergency" and out["exercise_allowed"] is False
    assert "both legs" in out["why_blocked"] and "Call 999" in out["what_to_do"]
    assert [h["level"] for h in out["history"]] == ["emergency", "clear"]
    assert main(["safety"]) == 0
    assert "Exercise is blocked" in capsys.readouterr().out
