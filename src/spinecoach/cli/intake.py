"""``spinecoach intake``: record the person's profile (interactive or from a JSON file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.prompt import IntPrompt, Prompt

from spinecoach.cli._common import DATA_DIR_HELP, AppContext, console, print_json, read_json_file
from spinecoach.cli.screening import _rename_input_error
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.intake import (
    EQUIPMENT,
    KNOWN_AGGRAVATORS,
    KNOWN_CONDITIONS,
    KNOWN_GOALS,
    Profile,
    profile_to_dict,
)
from spinecoach.store.repositories import ScreeningRepository

_W_INTAKE_SAVED = N_("Intake saved.")
#: The intake's classes in words (the JSON keeps the ids).
_SHOWN_WORDS = (N_("acute"), N_("subacute"), N_("chronic"), N_("flexion"), N_("extension"),
                N_("none"), N_("low"), N_("medium"), N_("high"))  # fmt: skip


def _ask_list(question: str, allowed: frozenset[str], default: str = "") -> list[str]:
    options = ", ".join(sorted(allowed))
    while True:
        hint = _("({options}; comma-separated)").format(options=options)
        text = Prompt.ask(f"{_(question)}\n  [dim]{hint}[/]", default=default,
                          console=console)  # fmt: skip
        values = [v.strip() for v in text.split(",") if v.strip()]
        unknown = [v for v in values if v not in allowed]
        if not unknown:
            return values
        problem = _("Not recognised: {values}").format(values=", ".join(unknown))
        console.print(f"[red]{problem}[/]")


def _ask_int(question: str, low: int, high: int, default: int) -> int:
    while True:
        value = IntPrompt.ask(f"{_(question)} ({low}-{high})", default=default, console=console)
        if low <= value <= high:
            return value
        problem = _("Please give a number from {low} to {high}.").format(low=low, high=high)
        console.print(f"[red]{problem}[/]")


def ask_intake(known_age: int | None = None) -> dict[str, Any]:
    """Ask the intake questions in the terminal; returns the documented answers format.

    ``known_age``: the age given at screening (not asked again).
    """
    console.rule(_("About your back"))
    answers: dict[str, Any] = {
        "pain_now": _ask_int(N_("Pain right now, 0 = none, 10 = worst imaginable"), 0, 10, 3),
        "pain_average": _ask_int(N_("Average pain over the last week"), 0, 10, 3),
        "duration_weeks": _ask_int(N_("How many weeks has this episode lasted?"), 0, 5200, 8),
        "aggravators": _ask_list(N_("What makes it worse?"), KNOWN_AGGRAVATORS, default="none"),
        "leg_symptoms": Prompt.ask(
            _("Pain or tingling in a leg?"),
            choices=["none", "above_knee", "below_knee"],
            default="none",
            console=console,
        ),  # fmt: skip
        "age": known_age if known_age is not None else _ask_int(N_("Your age"), 16, 110, 40),
        "activity_level": Prompt.ask(
            _("How active are you day to day?"),
            choices=["low", "moderate", "high"],
            default="moderate",
            console=console,
        ),  # fmt: skip
        "desk_hours": _ask_int(N_("Hours a day sitting at a desk"), 0, 24, 4),
        "goals": _ask_list(N_("Your goals"), KNOWN_GOALS, default="pain_relief"),
        "minutes_per_day": _ask_int(N_("Minutes a day for exercises"), 5, 15, 8),
        "conditions": [
            c
            for c in _ask_list(N_("Any of these conditions?"), KNOWN_CONDITIONS | {"none"}, "none")
            if c != "none"
        ],  # fmt: skip
    }
    # the plan uses only exercises the person can do with what they have
    answers["equipment"] = [
        e
        for e in _ask_list(
            N_("What do you have at home?"), frozenset(EQUIPMENT) | {"none"}, "mat,chair"
        )
        if e != "none"
    ]
    if "pregnancy" in answers["conditions"]:
        answers["pregnancy_weeks"] = _ask_int(N_("How many weeks pregnant are you?"), 0, 42, 20)
    if "recent_surgery" in answers["conditions"]:
        answers["weeks_since_surgery"] = _ask_int(
            N_("How many weeks ago was your back surgery?"), 0, 5200, 6
        )
    return answers


def describe_profile(profile: Profile) -> None:
    """Print what the intake means for planning."""
    console.print(
        _(
            "Episode: {episode} · directional preference: {preference} · risk: {risk} · "
            "starting level: {level}"
        ).format(
            episode=f"[bold]{_(profile.duration_class.value)}[/]",
            preference=f"[bold]{_(str(profile.directional_preference))}[/]",
            risk=f"[bold]{_(profile.risk.value)}[/]",
            level=f"[bold]{profile.start_level}[/]",
        )
    )
    if profile.rmdq is not None:
        console.print(
            _("RMDQ score: {score}/{items}").format(
                score=profile.rmdq.score, items=profile.rmdq.n_items
            )
        )
    if profile.start_back is not None:
        sb = profile.start_back
        console.print(
            _("STarT Back: total {total}/9, psychosocial {psychosocial}/5 -> {risk}").format(
                total=sb.total, psychosocial=sb.psychosocial, risk=_(sb.risk.value)
            )
        )


def intake_command(
    answers_file: Annotated[
        Path | None, typer.Option("--answers", help=N_("JSON profile file (see docs/formats.md)."))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print the profile as JSON."))] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Record your intake: pain, duration, what aggravates it, goals and time available."""
    with AppContext(data_dir) as ctx:
        if answers_file:
            answers = read_json_file(answers_file)
        else:
            screening = ScreeningRepository(ctx.db).latest(ctx.person_id)
            age = (screening.answers or {}).get("age") if screening is not None else None
            answers = ask_intake(age if isinstance(age, int) else None)
        try:
            profile = ctx.service.record_intake(ctx.person_id, answers)
        except Exception as exc:
            _rename_input_error(exc, answers_file)
            raise
    if as_json:
        print_json({**profile_to_dict(profile), "duration_class": profile.duration_class.value,
                    "directional_preference": profile.directional_preference,
                    "risk": profile.risk.value, "start_level": profile.start_level})  # fmt: skip
    else:
        console.print(f"[green]{_(_W_INTAKE_SAVED)}[/]")
        describe_profile(profile)


def register(app: typer.Typer) -> None:
    """Add ``intake`` to the root command."""
    app.command("intake")(intake_command)
