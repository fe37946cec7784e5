"""Helpers shared by the command modules: settings, console, JSON output, file reading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console

from spinecoach.errors import InvalidDataFile
from spinecoach.settings import Settings

console = Console()


def get_settings(data_dir: Path | None = None) -> Settings:
    """Settings from the environment, with ``--data-dir`` overriding ``SPINECOACH_DATA_DIR``."""
    if data_dir is not None:
        return Settings(data_dir=data_dir)
    return Settings()


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout (no Rich markup)."""
    print(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def read_json_file(path: Path) -> Any:
    """Read a JSON file; problems become a one-line :class:`InvalidDataFile`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidDataFile(str(path), "", "file not found") from None
    except OSError as exc:
        raise InvalidDataFile(str(path), "", f"cannot read: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDataFile(
            str(path), "", f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from None
