"""Helpers shared by the command modules: settings, console, JSON output, file reading."""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidDataFile
from spinecoach.settings import Settings

console = Console()


def get_settings(data_dir: Path | None = None) -> Settings:
    """Settings from the environment, with ``--data-dir`` overriding ``SPINECOACH_DATA_DIR``."""
    if data_dir is not None:
        return Settings.load(data_dir=data_dir)
    return Settings.load()


#: Loggers whose warnings an IMU analysis also returns as notes (sensor quality per sensor,
#: a mounting axis replaced by the motion's): ``analyze`` prints those notes itself.
IMU_NOTE_LOGGERS = ("spinecoach.sources.imu.quality", "spinecoach.motion.imu_angles")


class _DropLoggers(logging.Filter):
    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__()
        self.names = names

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(record.name == n or record.name.startswith(n + ".") for n in self.names)


@contextlib.contextmanager
def shown_as_notes(names: tuple[str, ...] = IMU_NOTE_LOGGERS) -> Iterator[None]:
    """Within the block, records of loggers ``names`` are not echoed on stderr.

    For a command that shows the same warnings itself (``note:`` lines, the JSON's
    ``notes``): each then appears once instead of as a log line and again as a note.
    """
    drop = _DropLoggers(names)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(drop)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(drop)


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout (no Rich markup); NaN/Infinity -> null."""
    print(json.dumps(_finite(payload), indent=2, ensure_ascii=False, default=str, allow_nan=False))


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def read_json_file(path: Path) -> Any:
    """Read a JSON file; problems become a one-line :class:`InvalidDataFile`.

    A key given twice in one object is an error naming the key (JSON would silently keep
    the last one: ``"chest_pain": "yes", "chest_pain": "no"`` must not read as "no").
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidDataFile(str(path), "", _("file not found")) from None
    except UnicodeDecodeError:
        raise InvalidDataFile(
            str(path), "", _("not a text file (cannot decode as UTF-8)")
        ) from None
    except OSError as exc:
        raise InvalidDataFile(
            str(path), "", _("cannot read: {why}").format(why=exc.strerror)
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise InvalidDataFile(
            str(path), exc.key, _("appears twice; give each answer once")
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidDataFile(
            str(path),
            "",
            _("not valid JSON (line {line}, column {column}): {why}").format(
                line=exc.lineno, column=exc.colno, why=exc.msg
            ),
        ) from None
    except RecursionError:
        raise InvalidDataFile(str(path), "", _("JSON nested too deeply")) from None


class AppContext:
    """Opened database + loaded content + the local person, for one CLI command."""

    def __init__(self, data_dir: Path | None = None) -> None:
        from spinecoach.content import load_library, load_rules
        from spinecoach.store.db import open_database

        self.settings = get_settings(data_dir)
        self.library = load_library(self.settings.content_dir)
        self.rules = load_rules(self.settings.content_dir)
        self.engine, self.session_factory = open_database(self.settings.resolved_database_url)
        self.db = self.session_factory()
        self._bind_stored_language()

    def _bind_stored_language(self) -> None:
        """Speak the local person's stored language and country (``spinecoach config
        language``) unless ``SPINECOACH_LOCALE``/``SPINECOACH_COUNTRY`` say otherwise; the
        order is: those settings, the stored profile, then ``LANG`` (bound in ``main``)."""
        from sqlalchemy import select

        from spinecoach.content.emergency import load_emergency_numbers
        from spinecoach.content.i18n import normalise_locale, translations
        from spinecoach.domain.emergency import bind_emergency
        from spinecoach.domain.i18n import bind_translator
        from spinecoach.store import models
        from spinecoach.store.repositories import LOCAL_PERSON_NAME

        person = self.db.scalars(
            select(models.Person).where(
                models.Person.name == LOCAL_PERSON_NAME, models.Person.email.is_(None)
            )
        ).first()
        if person is None:
            return
        locale = normalise_locale(person.locale)
        if locale is not None and normalise_locale(self.settings.locale) is None:
            bind_translator(locale, translations(locale))
        if person.country and not self.settings.country:
            numbers = load_emergency_numbers(self.settings.content_dir)
            bind_emergency(numbers.contact(person.country))

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()
        self.engine.dispose()

    @property
    def service(self):  # type: ignore[no-untyped-def]
        """A :class:`~spinecoach.store.services.CoachService` on this context's session."""
        from spinecoach.store.services import CoachService

        return CoachService(self.db, self.library, self.rules, self.settings)

    @property
    def person_id(self) -> int:
        """Id of the local single user (created on first use)."""
        from spinecoach.store.repositories import PersonRepository

        return PersonRepository(self.db).local_person().id

    def chosen_person_id(self, person: int | None) -> int:
        """Id of the ``--person`` given (NotFound if there is none such), else of the local
        single user."""
        from spinecoach.store.repositories import PersonRepository

        return self.person_id if person is None else PersonRepository(self.db).get(person).id


DATA_DIR_HELP = N_("Folder for the database (default: per-user data dir, or $SPINECOACH_DATA_DIR).")
DataDir = Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)]
PersonOption = Annotated[
    int | None,
    typer.Option("--person", help=N_("Person id in a clinic database (default: you).")),
]
