"""``spinecoach screen``: red-flag screening, interactive or from a JSON answers file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.prompt import Prompt

from spinecoach.cli._common import DATA_DIR_HELP, AppContext, console, print_json, read_json_file
from spinecoach.domain.i18n import N_, _, gettext
from spinecoach.domain.rules import Rules, Tier
from spinecoach.domain.safety import ScreeningResult
from spinecoach.domain.wording import tier_words

TIER_STYLE = {
    Tier.EMERGENCY: "bold white on red",
    Tier.URGENT: "bold red",
    Tier.ROUTINE: "bold yellow",
    Tier.CLEAR: "bold green",
}


def ask_screening(rules: Rules) -> dict[str, Any]:
    """Ask every red-flag question in the terminal; returns the answers payload."""
    console.print(
        Panel(
            _(
                "A few safety questions first. Answer [bold]y[/] (yes), [bold]n[/] (no) or "
                "[bold]?[/] (not sure). 'Not sure' is never taken as no."
            ),
            title=_("Safety check"),
        )
    )
    answers: dict[str, Any] = {}
    for n, question in enumerate(rules.asked_questions, 1):
        reply = Prompt.ask(f"{n}. {_(question.text)}", choices=["y", "n", "?"], console=console)
        answers[question.id] = {"y": "yes", "n": "no", "?": None}[reply]
    age_text = Prompt.ask(
        _("How old are you? (if you leave it empty, we take the cautious reading)"),
        default="",
        console=console,
    )
    payload: dict[str, Any] = {"answers": answers}
    if age_text.strip().isdigit():
        payload["age"] = int(age_text)
    return payload


def show_result(result: ScreeningResult) -> None:
    """Print a screening verdict with its advice."""
    style = TIER_STYLE[result.tier]
    body = f"[{style}]{tier_words(result.tier.value).upper()}[/]\n\n{result.advice}"
    if result.reasons:
        body += "\n\n" + "\n".join(f"• {r}" for r in result.reasons)
    console.print(Panel(body, title=_("Screening result")))


def screen_command(
    answers_file: Annotated[
        Path | None, typer.Option("--answers", help=N_("JSON answers file (see docs/formats.md)."))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print the verdict as JSON."))] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Red-flag screening: emergency, urgent, routine or clear (exit code 0)."""
    with AppContext(data_dir) as ctx:
        payload = read_json_file(answers_file) if answers_file else ask_screening(ctx.rules)
        if answers_file is not None and not isinstance(payload, dict):
            from spinecoach.errors import InvalidDataFile

            raise InvalidDataFile(str(answers_file), "", gettext("expected a JSON object"))
        try:
            result = ctx.service.screen(ctx.person_id, payload)
        except Exception as exc:
            _rename_input_error(exc, answers_file)
            raise
    if as_json:
        print_json({"tier": result.tier.value, "reasons": list(result.reasons),
                    "advice": result.advice, "unanswered": list(result.unanswered)})  # fmt: skip
    else:
        show_result(result)


def _rename_input_error(exc: Exception, path: Path | None) -> None:
    """Re-raise an InvalidInput from a file as InvalidDataFile naming the file and field."""
    from spinecoach.errors import InvalidDataFile, InvalidInput

    if path is not None and isinstance(exc, InvalidInput):
        text = str(exc)
        field, _, problem = text.partition(": ")
        raise InvalidDataFile(str(path), field, problem or text) from None


def register(app: typer.Typer) -> None:
    """Add ``screen`` to the root command."""
    app.command("screen")(screen_command)
