"""The foundation CLI: exercises, screen, intake, plan, checkin — outputs and error handling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spinecoach.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run_json(capsys, *args: str):  # type: ignore[no-untyped-def]
    code = main(list(args))
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_exercises_list_and_show(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    listing = run_json(capsys, "exercises", "list", "--json")
    assert len(listing) >= 24
    assert {"id", "name", "category", "level", "duration_s"} <= set(listing[0])
    shown = run_json(capsys, "exercises", "show", "hamstring_pnf", "--json")
    assert shown["category"] == "pnf" and shown["dose"]["pnf"]["contract_s"] > 0
    assert shown["sources"] and shown["signature"]["primary_angle"]


def test_unknown_exercise_is_one_line_exit_2(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    assert main(["exercises", "show", "handstand"]) == 2
    err = capsys.readouterr().err.strip()
    assert "Unknown exercise 'handstand'" in err and "\n" not in err


def test_screen_from_file(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    clear = run_json(
        capsys, "screen", "--answers", str(EXAMPLES / "screening_clear.json"), "--json"
    )
    assert clear["tier"] == "clear" and clear["reasons"] == []
    emergency = run_json(
        capsys, "screen", "--answers", str(EXAMPLES / "screening_emergency.json"), "--json"
    )
    assert emergency["tier"] == "emergency"
    assert any("numbness or tingling around your genitals" in r for r in emergency["reasons"])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"answers": {"bladder_change": "maybe"}}', "field 'answers.bladder_change'"),
        ('{"answers": {"teleport": "no"}}', "unknown question"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_bad_answers_file(capsys, data_dir, tmp_path, content, expected) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "answers.json"
    path.write_text(content)
    assert main(["screen", "--answers", str(path), "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert str(path) in err.replace("\n", "") and expected in err.replace("\n", "")


def test_missing_file(capsys, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert main(["plan", "--profile", str(tmp_path / "nope.json")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_bad_profile_names_field(capsys, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"pain_now": 14, "duration_weeks": 3}))
    assert main(["plan", "--profile", str(path), "--json"]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert "field 'pain_now'" in err and "0 to 10" in err


def test_plan_json_contract(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    plan = run_json(
        capsys, "plan", "--profile", str(EXAMPLES / "profile_desk_worker.json"), "--json"
    )
    assert {"items", "total_duration_s", "reasons", "level"} <= set(plan)
    assert plan["total_duration_s"] <= 8 * 60
    for item in plan["items"]:
        assert {"exercise_id", "dose", "reason", "sources", "duration_s"} <= set(item)
        assert {"reps", "sets", "hold_s", "rest_s", "tempo"} <= set(item["dose"])


def test_intake_then_plan_then_checkin(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    run_json(capsys, "screen", "--answers", str(EXAMPLES / "screening_clear.json"), "--json")
    profile = run_json(
        capsys, "intake", "--answers", str(EXAMPLES / "profile_older_osteoporosis.json"), "--json"
    )
    assert profile["directional_preference"] == "flexion" and profile["start_level"] == 1
    plan = run_json(capsys, "plan", "--json")
    assert plan["items"]
    decision = run_json(capsys, "checkin", "--pain", "3", "--symptom", "numbness", "--json")
    assert decision["decision"]["action"] == "end_session"


def test_console_script_runs(data_dir) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "spinecoach", "exercises", "list", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) >= 24


def test_usage_errors_are_one_message_not_a_traceback(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    assert main(["exercises", "list", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "No such option: --bogus" in err and "Traceback" not in err
