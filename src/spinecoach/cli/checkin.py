"""``spinecoach checkin``: pain and symptoms after a session or the next morning."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.prompt import IntPrompt, Prompt

from spinecoach.cli._common import DATA_DIR_HELP, AppContext, console, print_json
from spinecoach.cli._safety import describe_state
from spinecoach.cli.plan import show_plan
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.rules import StopAction
from spinecoach.domain.serialize import plan_to_dict
from spinecoach.domain.wording import decision_words
from spinecoach.errors import InvalidInput
from spinecoach.store.repositories import SessionRepository
from spinecoach.store.safety import current_safety_state

_W_NO_SESSION_YET = N_("No session recorded yet; your plan stays as it is.")

_W_YOUR_SAFETY_STATE = N_("Your safety state")


def checkin_command(
    pain: Annotated[
        int | None, typer.Option("--pain", min=0, max=10, help=N_("Pain now, 0-10."))
    ] = None,
    symptoms: Annotated[
        list[str] | None,
        typer.Option(
            "--symptom", help=N_("A symptom id (repeatable), e.g. numbness, peripheralisation.")
        ),
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", help=N_("after | next_morning | symptom | before | during"))
    ] = "next_morning",
    session_id: Annotated[
        int | None, typer.Option("--session", help=N_("Session id (default: your latest)."))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print JSON."))] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Report pain and symptoms; a next-morning check-in adapts tomorrow's plan."""
    now = datetime.now(UTC)
    with AppContext(data_dir) as ctx:
        library = ctx.library
        known = {r.symptom: r.label for r in ctx.rules.stop_rules}
        if pain is None and not symptoms:
            pain = IntPrompt.ask("Pain right now (0-10)", console=console)
            keys = list(known)
            for n, key in enumerate(keys, 1):
                console.print(f"  {n}. {known[key]}")
            text = Prompt.ask("Any of these? (their numbers, comma-separated; blank for none)",
                              default="", console=console)  # fmt: skip
            symptoms = [
                keys[int(s) - 1] if s.strip().isdigit() and 0 < int(s) <= len(keys) else s.strip()
                for s in text.split(",")
                if s.strip()
            ]
        sessions = SessionRepository(ctx.db)
        person = ctx.person_id
        if session_id is None:
            recent = sessions.recent(person, limit=1)
            session_id = recent[0].id if recent else None
        baseline = sessions.get(session_id).pain_before if session_id is not None else None
        decision = ctx.service.checkin(
            person, kind=kind, pain=pain, symptoms=set(symptoms or []), now=now,
            session_id=session_id, baseline_pain=baseline,
        )  # fmt: skip
        adapted = None
        if kind == "next_morning" and session_id is not None:
            if decision.action.severity < StopAction.END_SESSION.severity:
                adapted = ctx.service.adapt_after_session(person, session_id, now)
        elif kind == "next_morning" and session_id is None and not as_json:
            console.print(f"[dim]{_(_W_NO_SESSION_YET)}[/]")
        state = current_safety_state(ctx.db, person, ctx.rules)
    if as_json:
        payload: dict[str, object] = {"decision": decision.to_json(), "session_id": session_id,
                                      "safety_state": state.to_json()}  # fmt: skip
        if adapted is not None:
            payload["plan"] = plan_to_dict(adapted)
        print_json(payload)
        return
    style = "green" if decision.action == StopAction.CONTINUE else "bold red"
    title = decision_words(decision.action.value).capitalize()
    console.print(Panel("\n".join(decision.reasons), title=f"[{style}]{title}[/]"))
    if state.level.value != "clear":
        console.print(
            f"[bold]{_(_W_YOUR_SAFETY_STATE)}:[/] {describe_state(state)}", highlight=False
        )
    if state.blocks_exercise:
        blocked = _(
            "Exercise is blocked until you answer the safety questions again once the "
            "symptom has gone (`spinecoach screen`), or your clinician clears you with a "
            "note."
        )
        console.print(f"[bold red]{blocked}[/]")  # fmt: skip
    if adapted is not None:
        show_plan(adapted, library)


def register(app: typer.Typer) -> None:
    """Add ``checkin`` to the root command."""
    app.command("checkin")(checkin_command)


__all__ = ["InvalidInput", "register"]
