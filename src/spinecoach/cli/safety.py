"""``spinecoach safety``: your current safety state, whether exercise is blocked, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spinecoach.cli._common import DATA_DIR_HELP, AppContext, console, print_json
from spinecoach.cli._safety import show_safety
from spinecoach.domain.i18n import N_, _

_W_EXERCISE_IS_BLOCKED = N_("Exercise is blocked.")


def safety_command(
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print the state as JSON."))] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Show your safety state (clear, caution, see a clinician, urgent, emergency) and history."""
    from spinecoach.store.safety import current_safety_state, exercise_gate_for, safety_history

    with AppContext(data_dir) as ctx:
        person = ctx.person_id
        state = current_safety_state(ctx.db, person, ctx.rules)
        gate = exercise_gate_for(ctx.db, person, ctx.rules)
        history = safety_history(ctx.db, person)
        if as_json:
            print_json(
                {
                    **state.to_json(),
                    "exercise_allowed": gate.allowed,
                    "why_blocked": gate.why,
                    "what_to_do": gate.todo,
                    "history": [
                        {
                            "at": r.at.isoformat(),
                            "level": r.level,
                            "reason": r.reason,
                            "source": r.source,
                            "exercise_id": r.exercise_id,
                            "pain": r.pain,
                        }
                        for r in history
                    ],
                }  # fmt: skip
            )
            return
        show_safety(ctx)
        if not gate.allowed:
            console.print(f"[bold red]{_(_W_EXERCISE_IS_BLOCKED)}[/] {gate.why}\n{gate.todo}")
        if history:
            table = Table(title=_("History"))
            for column in ("when", "state", "why"):
                table.add_column(column, overflow="fold")
            for r in history:
                table.add_row(f"{r.at:%d %b %Y %H:%M}", r.level.replace("_", " "), _(r.reason))
            console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``safety`` to the root command."""
    app.command("safety")(safety_command)
