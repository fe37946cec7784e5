"""Issue 10 §3-4 at the command line: duplicated keys, guarded settings, plain words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinecoach.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_duplicated_screening_key_is_an_error(tmp_path, capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    clear = (EXAMPLES / "screening_clear.json").read_text()
    # "chest_pain": "yes" followed by "chest_pain": "no" must not read as "no"
    text = clear.replace('"chest_pain": "no"', '"chest_pain": "yes", "chest_pain": "no"')
    path = tmp_path / "answers.json"
    path.write_text(text)
    assert main(["screen", "--answers", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert "answers.json" in err and "'chest_pain'" in err and "twice" in err
    assert len(err.strip().splitlines()) == 1


def test_duplicated_profile_key_is_an_error(tmp_path, capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "profile.json"
    path.write_text('{"pain_now": 3, "duration_weeks": 10, "pain_now": 9}')
    assert main(["plan", "--profile", str(path)]) == 2
    err = capsys.readouterr().err
    assert "profile.json" in err and "'pain_now'" in err


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SPINECOACH_PAIN_LIMIT", "11"), ("SPINECOACH_PAIN_LIMIT", "-1"),
     ("SPINECOACH_STATIC_HOLD_S", "-5"), ("SPINECOACH_OLDER_ADULT_HOLD_S", "0")],
)  # fmt: skip
def test_safety_settings_out_of_range_are_refused(
    monkeypatch, capsys, data_dir, variable, value
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(variable, value)
    assert main(["plan", "--profile", str(EXAMPLES / "profile_desk_worker.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and variable in err and "expected a value from" in err


def test_plan_output_is_in_plain_words(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    profile = json.loads((EXAMPLES / "profile_desk_worker_pain3.json").read_text())
    assert profile["aggravators"] == ["sitting"]
    assert main(["plan", "--profile", str(EXAMPLES / "profile_desk_worker_pain3.json")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "worse with sitting," in out  # only what was reported
    assert "bending" not in out.split("worse with")[1].split(",")[0]
    assert "flexion_intolerant" not in out and "_" not in out.split("Sources in")[0]
    assert "spinecoach sources" in out
    assert main(["plan", "--profile", str(EXAMPLES / "profile_after_discectomy_6_weeks.json")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Slow walking" in out
    assert "about 2" in out and "minutes" in out and "15x" not in out  # walking in minutes


def test_sources_command_explains_tags(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    assert main(["sources", "NG59", "[ACOG804]"]) == 0
    out = capsys.readouterr().out
    assert "[NG59]" in out and "nice.org.uk" in out and "ACOG" in out
    assert main(["sources", "NOPE"]) == 2


def test_pain_8_session_plan_is_usable_today(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Acute sciatica at 8/10: screen, plan and a session that starts (not refused)."""
    assert main(["screen", "--answers", str(EXAMPLES / "screening_clear.json")]) == 0
    assert main(["intake", "--answers", str(EXAMPLES / "profile_acute_sciatica_pain8.json")]) == 0
    assert main(["plan", "--json"]) == 0
    capsys.readouterr()
    code = main(["session", "--headless", "--speed", "0", "--pain", "8", "--no-audio"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Let's not exercise today" not in out
    assert "Rest in a position of relief" in out


def test_inflammatory_example_is_a_routine_review(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    path = EXAMPLES / "screening_inflammatory.json"
    assert main(["screen", "--answers", str(path), "--json"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["tier"] == "routine"
    assert "rheumatologist" in verdict["reasons"][0]
