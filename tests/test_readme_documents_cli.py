"""Every CLI command and command group is documented in the README."""

from __future__ import annotations

from pathlib import Path

import typer

from spinecoach.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def command_paths(group: typer.Typer, prefix: str = "spinecoach") -> list[str]:
    paths = []
    for command in group.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        paths.append(f"{prefix} {name.replace('_', '-')}")
    for sub in group.registered_groups:
        paths += command_paths(sub.typer_instance, f"{prefix} {sub.name}")
    return paths


def test_every_command_is_in_the_readme() -> None:
    paths = command_paths(app)
    assert len(paths) >= 15
    missing = [p for p in paths if p not in README]
    assert not missing, f"undocumented commands: {missing}"
