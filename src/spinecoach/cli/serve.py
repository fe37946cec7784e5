"""``spinecoach serve``: run the web app (SQLite in the data folder, or PostgreSQL by URL)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Any

import typer

from spinecoach.cli._common import console, get_settings
from spinecoach.settings import Settings

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
) -> None:
    """Create/migrate the database and run the web app until Ctrl+C.

    ``open_browser`` defaults to ``Settings.open_browser``; ``spinecoach run`` can call this.
    """
    import uvicorn

    from spinecoach.web.app import create_app

    settings = get_settings(data_dir)
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    app = create_app(settings)
    url = f"http://{settings.host}:{settings.port}"
    console.print(f"spinecoach is running at [bold]{url}[/] — press Ctrl+C to stop.")
    wanted = settings.open_browser if open_browser is None else open_browser
    if wanted and has_graphical_browser():
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    elif wanted:
        console.print("[dim]No desktop session found: open the address above in a browser.[/]")
    uvicorn.run(app, **uvicorn_options(settings))


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app: no ``Server`` header, and forwarded headers left to the
    app (which believes them only from ``Settings.trusted_proxies``)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "ws_max_size": settings.ws_max_message_bytes,
        "server_header": False,
        "proxy_headers": False,
        "h11_max_incomplete_event_size": 16 * 1024,
    }


def serve(
    host: str | None = typer.Option(None, "--host", help="Bind address (default 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", help="Port (default 8000)."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Folder for the SQLite database and the cookie key."
    ),
    open_browser: bool = typer.Option(
        False, "--open/--no-open", help="Open the app in the default browser once it is up."
    ),
) -> None:
    """Start the web app (http://127.0.0.1:8000 by default)."""
    start_web(data_dir, host=host, port=port, open_browser=open_browser)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the CLI."""
    app.command("serve")(serve)
