"""``spinecoach plan``: today's personalised routine, with the reason for every choice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spinecoach import DISCLAIMER
from spinecoach.cli._common import DATA_DIR_HELP, AppContext, console, print_json, read_json_file
from spinecoach.cli._safety import guard_exercise, show_safety
from spinecoach.cli.screening import _rename_input_error
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.plan import Plan
from spinecoach.domain.serialize import plan_to_dict
from spinecoach.domain.wording import decision_words, describe_dose

_W_NOTE_FROM_YOUR_CLINICIAN = N_("Note from your clinician")

_W_PAUSED = N_("Your programme is paused — please speak to a clinician.")


def show_plan(plan: Plan, library: ExerciseLibrary | None = None) -> None:
    """Print a plan as a table with reasons (with this person's cautions) and changes."""
    minutes = plan.total_duration_s / 60
    table = Table(
        title=_("Today's routine · level {level} · about {minutes} min").format(
            level=plan.level, minutes=f"{minutes:.1f}"
        )
    )
    for column in ("#", "exercise", "section", "dose", "why"):
        table.add_column(column, overflow="fold")
    names = {i.exercise_id: i.name for i in plan.items}
    for n, item in enumerate(plan.items, 1):
        lock = " 🔒" if item.locked else ""
        why = item.reason  # includes this person's cautions ("take care ...")
        table.add_row(str(n), _(item.name) + lock, _(item.section.value.replace("_", " ")),
                      describe_dose(item.dose),
                      f"{why} [dim][{', '.join(item.sources)}][/]")  # fmt: skip
    console.print(table)
    for reason in plan.reasons:
        console.print(f"• {reason}")
    for change in plan.changes:
        name = names.get(change.exercise_id)
        if name is None and library is not None and change.exercise_id in library:
            name = library.get(change.exercise_id).name
        label = (
            _(name)
            if name
            else (_("Your plan") if change.exercise_id == "*" else change.exercise_id)
        )
        console.print(f"  [cyan]{decision_words(change.action.value)}[/] {label}: {change.reason}")
    if plan.note:
        console.print(f"[bold]{_(_W_NOTE_FROM_YOUR_CLINICIAN)}:[/] {plan.note}")
    if plan.paused:
        console.print(f"[bold red]{_(_W_PAUSED)}[/]")
    sources = _("Sources in \\[brackets]: `spinecoach sources` says what each one is.")
    console.print(f"[dim]{sources}[/]")
    console.print(f"[dim]{_(DISCLAIMER)}[/]")


def plan_command(
    profile_file: Annotated[
        Path | None,
        typer.Option("--profile", help=N_("JSON profile file (else your stored intake).")),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print the plan as JSON."))] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Generate today's routine from your intake (or a profile file) and store it."""
    from spinecoach.domain.intake import make_profile
    from spinecoach.domain.planning import relabel
    from spinecoach.errors import InvalidInput

    with AppContext(data_dir) as ctx:
        if not as_json:  # (JSON output stays pure; a refusal goes to stderr)
            show_safety(ctx)
        guard_exercise(ctx)  # never a fresh, unpaused plan while blocked or paused
        if profile_file is not None:
            try:
                profile = make_profile(read_json_file(profile_file))
            except InvalidInput as exc:
                _rename_input_error(exc, profile_file)
                raise
        else:
            stored = ctx.service.latest_profile(ctx.person_id)
            if stored is None:
                raise InvalidInput(_("no intake recorded yet: run `spinecoach intake` first"))
            profile = stored
        plan, _explained = ctx.service.make_plan(
            ctx.person_id, profile, datetime.now(UTC), fresh=profile_file is not None
        )
    if as_json:
        print_json(plan_to_dict(plan))
    else:
        show_plan(relabel(plan, ctx.library), ctx.library)


def register(app: typer.Typer) -> None:
    """Add ``plan`` to the root command."""
    app.command("plan")(plan_command)
