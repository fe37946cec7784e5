"""``spinecoach sources``: what each clinical source tag ([NG59], [LONG], ...) refers to."""

from __future__ import annotations

from typing import Annotated

import typer

from spinecoach.cli._common import console, get_settings
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidInput


def sources_command(
    tags: Annotated[
        list[str] | None, typer.Argument(help=N_("Tags to look up (default: all)."))
    ] = None,
) -> None:
    """Print the references behind the source tags shown in plans, checks and exercises."""
    from spinecoach.content import load_sources

    sources = load_sources(get_settings().content_dir)
    wanted = [t.strip("[]").upper() for t in tags] if tags else list(sources)
    unknown = [t for t in wanted if t not in sources]
    if unknown:
        raise InvalidInput(_("unknown source tag(s): {tags}").format(tags=", ".join(unknown)))
    for tag in wanted:
        console.print(f"[bold][{tag}][/] {sources[tag]}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``sources`` to the root command."""
    app.command("sources")(sources_command)
