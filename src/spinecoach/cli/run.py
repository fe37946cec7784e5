"""``spinecoach run``: set up the database and start the coach (web app, or the terminal flow)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel

from spinecoach import DISCLAIMER
from spinecoach.cli._common import DATA_DIR_HELP, AppContext, console
from spinecoach.cli._safety import guard_exercise, show_safety
from spinecoach.cli.intake import ask_intake, describe_profile
from spinecoach.cli.plan import show_plan
from spinecoach.cli.screening import ask_screening, show_result
from spinecoach.domain.i18n import N_, _

_W_NO_PLAN_UNTIL_SEEN = N_("No exercise plan is made until a clinician has seen you.")


def run_terminal(data_dir: Path | None) -> None:
    """Screening -> intake -> today's plan, in the terminal."""
    with AppContext(data_dir) as ctx:
        welcome = _("Welcome to {name}.").format(name="[bold]spinecoach[/]")
        console.print(Panel(f"{welcome}\n[dim]{_(DISCLAIMER)}[/]"))
        data = _("Data: {url}").format(url=ctx.settings.resolved_database_url)
        console.print(f"[dim]{data}[/]")
        person = ctx.person_id
        screening = ask_screening(ctx.rules)
        result = ctx.service.screen(person, screening)
        show_result(result)
        show_safety(ctx)
        if not result.may_exercise:
            console.print(f"[bold]{_(_W_NO_PLAN_UNTIL_SEEN)}[/]")
            raise typer.Exit(0)
        guard_exercise(ctx)
        age = screening.get("age")  # asked once, at screening
        profile = ctx.service.record_intake(
            person, ask_intake(age if isinstance(age, int) else None)
        )
        describe_profile(profile)
        plan, _explained = ctx.service.make_plan(person, profile, datetime.now(UTC), fresh=True)
        show_plan(plan)
        console.print(
            _("Next: {session} to be guided through it, then {checkin} the next morning.").format(
                session="[bold]spinecoach session[/]", checkin="[bold]spinecoach checkin[/]"
            )
        )


def run_command(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
    terminal: Annotated[
        bool, typer.Option("--terminal", help=N_("Use the terminal flow instead of the web app."))
    ] = False,
    host: Annotated[str | None, typer.Option("--host", help=N_("Web app address."))] = None,
    port: Annotated[int | None, typer.Option("--port", help=N_("Web app port."))] = None,
    open_browser: Annotated[
        bool | None, typer.Option("--open/--no-open", help=N_("Open the browser (default: on)."))
    ] = None,
) -> None:
    """Create/migrate the database and start the coach: the web app at http://127.0.0.1:8000."""
    if terminal:
        run_terminal(data_dir)
        return
    from spinecoach.cli.serve import start_web

    start_web(data_dir, host=host, port=port, open_browser=open_browser)


def register(app: typer.Typer) -> None:
    """Add ``run`` to the root command."""
    app.command("run")(run_command)
