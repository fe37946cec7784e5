"""Engine creation and Alembic migration to the latest schema."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from spinecoach.domain.i18n import _
from spinecoach.errors import StorageError

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # crash-safe, readers don't block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def require_writable(path: Path) -> None:
    """Refuse a SQLite database that could be read but not written.

    SQLite writes the database file and, beside it, its ``-wal`` and ``-shm`` files: both the
    file and its folder must be writable, else every later save would fail. Checked with
    :func:`os.access`, which also reports read-only mounts.
    """
    folder = path.parent
    problems = []
    if path.exists() and not os.access(path, os.W_OK):
        problems.append(f"the database file {path} is read-only")
    if not os.access(folder, os.W_OK):
        problems.append(f"the data folder {folder} is read-only")
    if problems:
        raise StorageError(
            _(
                "cannot write to the database: {problems}; nothing you "
                "record could be saved. Make it writable, or choose another "
                "folder with --data-dir (or SPINECOACH_DATA_DIR)."
            ).format(problems=" and ".join(problems))
        )


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL journaling and foreign keys.

    ``sqlite://`` (in-memory) uses one shared connection so tests see one database.
    """
    try:
        if url in ("sqlite://", "sqlite:///:memory:"):
            engine = create_engine(
                url, connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
        elif url.startswith("sqlite"):
            path = url.split("sqlite:///", 1)[-1]
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            require_writable(Path(path))
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, OSError) as exc:
        raise StorageError(
            _("cannot open database {url}: {exc}").format(url=repr(url), exc=exc)
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the database schema to the latest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection_engine"] = engine
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StorageError(
            _("cannot migrate database {url}: {exc}").format(url=repr(engine.url), exc=exc)
        ) from None


def session_factory(engine: Engine) -> sessionmaker:  # type: ignore[type-arg]
    """A session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def open_database(url: str):  # type: ignore[no-untyped-def]
    """Create the engine, migrate it and return ``(engine, session_factory)``."""
    engine = make_engine(url)
    migrate(engine)
    return engine, session_factory(engine)
