"""The terminal intake does not ask age again when screening gave it, and asks what
equipment the person has (answers typed at the prompts, read by the real prompt code)."""

from __future__ import annotations

import io

from spinecoach.cli import intake as intake_cli
from spinecoach.domain.intake import make_profile


def test_terminal_intake_asks_equipment_and_not_age_twice(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # every answer in order; an age question would consume one and break the rest
    typed = "\n".join(["3", "2", "20", "sitting", "none", "moderate", "6", "pain_relief", "8",
                       "none", "chair,towel"]) + "\n"  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    asked: list[str] = []
    original = intake_cli.console.input

    def spy(prompt="", **kw):  # type: ignore[no-untyped-def]
        asked.append(str(prompt))
        return original(prompt, **kw)

    monkeypatch.setattr(intake_cli.console, "input", spy)
    answers = intake_cli.ask_intake(known_age=52)
    assert answers["age"] == 52
    assert not any("age" in q.lower().split() for q in asked)
    assert answers["equipment"] == ["chair", "towel"]
    profile = make_profile(answers)
    assert "without_mat" in profile.planning_conditions
    assert "without_chair" not in profile.planning_conditions
