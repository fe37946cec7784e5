"""``spinecoach fhir export|import``: one person as a FHIR R4 Bundle, to move between installs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from spinecoach.cli._common import (
    AppContext,
    DataDir,
    PersonOption,
    console,
    print_json,
    read_json_file,
)
from spinecoach.domain.i18n import N_, _, ngettext
from spinecoach.errors import InvalidInput

fhir_app = typer.Typer(
    help=N_("FHIR R4 Bundle export and import (move a person between installs).")
)


@fhir_app.command("export")
def export_command(
    out: Annotated[
        Path | None,
        typer.Option("--out", help=N_("Write the Bundle JSON here (default: print it).")),
    ] = None,
    person: PersonOption = None,
    data_dir: DataDir = None,
) -> None:
    """Export a person (Patient, Observations, QuestionnaireResponses, CarePlans, Encounters,
    Procedures, Flag, Devices) as one FHIR Bundle."""
    from spinecoach.reports.fhir import export_bundle

    with AppContext(data_dir) as ctx:
        person_id = ctx.chosen_person_id(person)
        bundle = export_bundle(ctx.db, person_id, datetime.now(UTC), ctx.library)
    if out is None:
        print_json(bundle)
        return
    try:
        out.write_text(json.dumps(bundle, indent=2, ensure_ascii=False), encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            _("--out: {path}: cannot write ({why})").format(path=out, why=exc.strerror)
        ) from None
    n = len(bundle.get("entry", []))
    console.print(
        ngettext("Wrote {path} ({n} resource).", "Wrote {path} ({n} resources).", n).format(
            path=out, n=n
        )
    )


@fhir_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help=N_("A Bundle written by `spinecoach fhir export`."))],
    clinician: Annotated[
        int | None, typer.Option("--clinician", help=N_("Link the person to this clinician id."))
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Import a person from a FHIR Bundle into this database (everything, or nothing)."""
    from spinecoach.reports.fhir import import_bundle
    from spinecoach.store.repositories import PersonRepository

    bundle = read_json_file(file)
    with AppContext(data_dir) as ctx:
        if clinician is not None and PersonRepository(ctx.db).get(clinician).role != "clinician":
            raise InvalidInput(
                _("--clinician: person {id} is not a clinician").format(id=clinician)
            )
        person = import_bundle(ctx.db, bundle, clinician_id=clinician, source=str(file))
        console.print(_("Imported {name} as person {id}.").format(name=person.name, id=person.id))


def register(app: typer.Typer) -> None:
    """Add the ``fhir`` command group."""
    app.add_typer(fhir_app, name="fhir")
