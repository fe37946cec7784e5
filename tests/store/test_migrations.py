"""The migrations build exactly the tables the models declare (no drift)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from spinecoach.store.db import make_engine, migrate
from spinecoach.store.models import Base


def test_migrated_schema_matches_the_models() -> None:
    engine = make_engine("sqlite://")
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
