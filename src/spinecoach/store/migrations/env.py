"""Alembic environment: runs against the connection handed in by spinecoach.store.db."""

from __future__ import annotations

from alembic import context

from spinecoach.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when run via the alembic CLI
    from sqlalchemy import create_engine

    from spinecoach.settings import Settings

    engine = create_engine(Settings().resolved_database_url)
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
