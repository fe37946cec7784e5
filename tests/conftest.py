"""Shared fixtures: the real recordings in ../shared/data and the loaded content."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# ../shared/data from the repository; a git worktree one level deeper (wt/<name>) finds it too.
SHARED_DATA = next(
    (p / "shared" / "data" for p in REPO_ROOT.parents if (p / "shared" / "data").is_dir()),
    REPO_ROOT.parent / "shared" / "data",
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of real recordings; tests using it skip only when it is absent (outside CI)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not found at {SHARED_DATA} (../shared/data)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def library():  # type: ignore[no-untyped-def]
    """The shipped exercise library, loaded and validated once per session."""
    from spinecoach.content import load_library
    from spinecoach.settings import Settings

    return load_library(Settings().content_dir)


@pytest.fixture(scope="session")
def rules():  # type: ignore[no-untyped-def]
    """The shipped safety and progression rules."""
    from spinecoach.content import load_rules

    return load_rules()
