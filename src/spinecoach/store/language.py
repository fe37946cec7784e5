"""The local person's stored language and country, read before a CLI command runs.

``spinecoach config language es`` stores them on the local profile; commands that never open
the database (``analyze``, ``imu``, ...) and errors raised before a command opens it must speak
that language too. This reads the two fields with the standard library's ``sqlite3``, read-only
and without migrating, so it costs a few milliseconds; any problem (no database yet, another
database engine, an older schema) means "nothing stored" and the command opens the database as
usual.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

#: The local single user's name (``spinecoach.store.repositories.LOCAL_PERSON_NAME``).
LOCAL_PERSON_NAME = "me"


def stored_language(database_url: str) -> tuple[str | None, str | None]:
    """The local person's ``(locale, country)`` in a SQLite database, else ``(None, None)``.

    Parameters
    ----------
    database_url : str
        The SQLAlchemy URL of the database (``sqlite:///PATH``); other engines are not read.
    """
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        return None, None
    path = Path(database_url.removeprefix(prefix).split("?")[0])
    if not path.is_file():
        return None, None
    try:
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=0.5)) as db:
            row = db.execute(
                "SELECT locale, country FROM people WHERE name = ? AND email IS NULL "
                "ORDER BY id LIMIT 1",
                (LOCAL_PERSON_NAME,),
            ).fetchone()
    except sqlite3.Error:
        return None, None
    if row is None:
        return None, None
    return (str(row[0]) if row[0] else None), (str(row[1]) if row[1] else None)
