"""``spinecoach config``: show settings and print a commented example generated from them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinecoach.cli._common import DATA_DIR_HELP, get_settings, print_json
from spinecoach.settings import Settings

config_app = typer.Typer(help="Settings: current values and a commented example.")


def example_env() -> str:
    """A commented ``.env`` example generated from :class:`Settings` (defaults in one place)."""
    lines = ["# spinecoach settings: environment variables (or a .env file). Defaults shown."]
    for name, field in Settings.model_fields.items():
        lines.append(f"# {field.description or name}")
        default = field.default if field.default_factory is None else "(computed)"
        value = "" if default is None else str(default)
        lines.append(f"# SPINECOACH_{name.upper()}={value}")
    return "\n".join(lines) + "\n"


@config_app.command("show")
def show(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Print the effective settings as JSON."""
    settings = get_settings(data_dir)
    print_json(settings.model_dump(mode="json") | {"database": settings.resolved_database_url})


@config_app.command("example")
def example() -> None:
    """Print a commented example of every setting."""
    print(example_env(), end="")


def register(app: typer.Typer) -> None:
    """Add ``config`` to the root command."""
    app.add_typer(config_app, name="config")
