"""``spinecoach report``: the progress report as a PDF a clinic can file or send."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from spinecoach.cli._common import AppContext, DataDir, PersonOption, console
from spinecoach.domain.i18n import N_, _


def report_command(
    out: Annotated[Path, typer.Option("--out", help=N_("Write the PDF here (FILE.pdf)."))],
    patient_version: Annotated[
        bool,
        typer.Option("--patient-version", help=N_("Plain words addressed to the patient.")),
    ] = False,
    person: PersonOption = None,
    data_dir: DataDir = None,
) -> None:
    """Progress report PDF: safety, pain with the minimal important change, scores,
    range of motion per week with confidence, adherence, current plan, shared notes."""
    from spinecoach.reports.progress_report import render_pdf, report_data, write_pdf

    with AppContext(data_dir) as ctx:
        person_id = ctx.chosen_person_id(person)
        report = report_data(
            ctx.db, person_id, datetime.now(UTC), library=ctx.library, rules=ctx.rules,
            patient_version=patient_version,
        )  # fmt: skip
    pdf = render_pdf(report)
    write_pdf(pdf, out)
    console.print(_("Wrote {path} ({size} kB).").format(path=out, size=len(pdf) // 1024))


def register(app: typer.Typer) -> None:
    """Add ``report`` to the root command."""
    app.command("report")(report_command)
