"""``spinecoach serve``: run the web app (SQLite in the data folder, or PostgreSQL by URL).

``--workers N`` runs N worker processes behind one address (uvicorn's process manager, which
restarts a worker that dies); they share everything through PostgreSQL, so it needs
``SPINECOACH_DATABASE_URL``. SQLite stays one process.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Any

import typer

from spinecoach.cli._common import console
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidSetting
from spinecoach.settings import Settings

_W_NO_DESKTOP_SESSION_FOUND_OPEN_THE_ADDRES = N_(
    "No desktop session found: open the address above in a browser."
)

log = logging.getLogger(__name__)


def has_graphical_browser() -> bool:
    """Whether opening a browser makes sense (a desktop session, or macOS/Windows).

    On a headless Linux machine :func:`webbrowser.open` could start a text-mode browser in
    this terminal, so the address is printed instead.
    """
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def start_web(
    data_dir: Path | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    open_browser: bool | None = None,
    workers: int | None = None,
) -> None:
    """Create/migrate the database and run the web app until Ctrl+C.

    ``open_browser`` defaults to ``Settings.open_browser``; ``spinecoach run`` can call this.
    ``workers`` (default ``Settings.workers``) above 1 runs that many processes on
    PostgreSQL.

    Raises
    ------
    InvalidSetting
        More than one worker on SQLite.
    """
    import uvicorn

    from spinecoach.web.app import create_app, freeze_start_up_objects, serve_pages_promptly

    overrides: dict[str, Any] = {"data_dir": data_dir} if data_dir is not None else {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    if workers is not None:
        overrides["workers"] = workers
    settings = Settings.load(**overrides)
    if settings.workers > 1:
        check_workers(settings)
        app_or_factory: Any = prepare_workers(settings)
    else:
        app_or_factory = create_app(settings)
        serve_pages_promptly(settings)
        freeze_start_up_objects()
    url = f"http://{settings.host}:{settings.port}"
    console.print(
        _("spinecoach is running at {url} — press Ctrl+C to stop.").format(url=f"[bold]{url}[/]")
    )
    wanted = settings.open_browser if open_browser is None else open_browser
    if wanted and has_graphical_browser():
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    elif wanted:
        console.print(f"[dim]{_(_W_NO_DESKTOP_SESSION_FOUND_OPEN_THE_ADDRES)}[/]")
    if settings.workers > 1:
        workers_text = _("{n} worker processes on PostgreSQL.").format(n=settings.workers)
        console.print(f"[dim]{workers_text}[/]")
        uvicorn.run(
            app_or_factory, factory=True, workers=settings.workers, **uvicorn_options(settings)
        )
    else:
        uvicorn.run(app_or_factory, **uvicorn_options(settings))


def check_workers(settings: Settings) -> None:
    """Refuse several worker processes on SQLite (one writer, one process's live sessions).

    Raises
    ------
    InvalidSetting
    """
    if not settings.resolved_database_url.startswith("postgresql"):
        raise InvalidSetting(
            _(
                "--workers {n}: several worker processes need PostgreSQL "
                "(set SPINECOACH_DATABASE_URL=postgresql+psycopg://user:password@host/db); "
                "SQLite serves one process, use --workers 1"
            ).format(n=settings.workers)
        )


def prepare_workers(settings: Settings) -> str:
    """Migrate the database and settle the cookie key once, before the workers start, and
    hand the settings to them through the environment; returns the app factory's path."""
    from spinecoach.store.db import open_database
    from spinecoach.web.security import resolve_secret_key

    resolve_secret_key(settings)  # written once in data_dir; every worker reads the same
    engine, _factory = open_database(settings.resolved_database_url)  # migrations run once, here
    engine.dispose()
    os.environ["SPINECOACH_DATA_DIR"] = str(settings.data_dir)
    os.environ["SPINECOACH_DATABASE_URL"] = settings.resolved_database_url
    os.environ["SPINECOACH_HOST"] = settings.host
    os.environ["SPINECOACH_PORT"] = str(settings.port)
    return "spinecoach.web.app:create_worker_app"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app: no ``Server`` header, and forwarded headers left to the
    app (which believes them only from ``Settings.trusted_proxies``).

    WebSocket messages are not compressed (``permessage-deflate`` off): a live session's
    messages are a few hundred bytes, and compressing every acknowledgement cost the event
    loop about a fifth of its time per keypoints message (``python -m bench.web_load``)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,
        "ws_max_size": settings.ws_max_message_bytes,
        "server_header": False,
        "proxy_headers": False,
        "h11_max_incomplete_event_size": 16 * 1024,
    }


def serve(
    host: str | None = typer.Option(None, "--host", help=N_("Bind address (default 127.0.0.1).")),
    port: int | None = typer.Option(None, "--port", help=N_("Port (default 8000).")),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help=N_("Folder for the SQLite database and the cookie key.")
    ),
    open_browser: bool = typer.Option(
        False, "--open/--no-open", help=N_("Open the app in the default browser once it is up.")
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        help=N_("Worker processes behind the one address (default 1; more need PostgreSQL)."),
    ),
) -> None:
    """Start the web app (http://127.0.0.1:8000 by default)."""
    start_web(data_dir, host=host, port=port, open_browser=open_browser, workers=workers)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the CLI."""
    app.command("serve")(serve)
