"""Settings live in one place; the example config is generated from them and parses back."""

from __future__ import annotations

from spinecoach.cli.config import example_env
from spinecoach.settings import Settings


def test_example_lists_every_setting_and_parses_back(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = example_env()
    for name in Settings.model_fields:
        assert f"SPINECOACH_{name.upper()}=" in text
    for line in text.splitlines():
        if (
            line.startswith("# SPINECOACH_")
            and not line.endswith("(computed)")
            and not line.endswith("=")
        ):
            key, value = line[2:].split("=", 1)
            monkeypatch.setenv(key, value)
    defaults = Settings()
    assert defaults.static_hold_s == 30.0 and defaults.pain_limit == 5 and defaults.port == 8000
