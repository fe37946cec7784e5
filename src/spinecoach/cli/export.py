"""``spinecoach export``: your stored data as JSON or CSV tables (for you or your clinician)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from spinecoach.cli._common import DATA_DIR_HELP, AppContext, console, print_json
from spinecoach.domain.i18n import N_, _, ngettext


def export_command(
    out: Annotated[
        Path | None, typer.Option("--out", help=N_("Write JSON to this file (default: print it)."))
    ] = None,
    csv_dir: Annotated[
        Path | None,
        typer.Option(
            "--csv-dir", help=N_("Also write sessions, exercise results and pain CSVs here.")
        ),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Export screenings, intakes, plans, sessions with results, and pain reports."""
    from spinecoach.reports.export import export_person, write_csv_tables, write_json

    with AppContext(data_dir) as ctx:
        export = export_person(ctx.db, ctx.person_id, datetime.now(UTC))
    if out is not None:
        write_json(export, out)
        n = len(export["sessions"])
        console.print(
            ngettext("Wrote {path} ({n} session).", "Wrote {path} ({n} sessions).", n).format(
                path=out, n=n
            )
        )
    if csv_dir is not None:
        for path in write_csv_tables(export, csv_dir):
            console.print(_("Wrote {path}").format(path=path))
    if out is None and csv_dir is None:
        print_json(export)


def register(app: typer.Typer) -> None:
    """Add ``export`` to the root command."""
    app.command("export")(export_command)
