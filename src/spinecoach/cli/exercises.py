"""``spinecoach exercises list|show``: browse the exercise library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spinecoach.cli._common import DATA_DIR_HELP, console, get_settings, print_json
from spinecoach.content.locale_format import format_number
from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import N_, _, ngettext
from spinecoach.domain.serialize import dose_to_dict
from spinecoach.errors import InvalidInput

_W_STEPS = N_("Steps")
_W_DOSE = N_("Dose")
_W_CUES = N_("Cues")
_W_CAUTIONS = N_("Cautions")
_W_WATCH = N_("Watch for")

exercises_app = typer.Typer(help=N_("Browse the exercise library."), no_args_is_help=True)


def exercise_to_dict(exercise: Exercise) -> dict[str, object]:
    """Full JSON form of an exercise."""
    sig = exercise.signature
    return {
        "id": exercise.id,
        "name": exercise.name,
        "summary": exercise.summary,
        "steps": list(exercise.steps),
        "target_tissues": list(exercise.target_tissues),
        "category": exercise.category.value,
        "position": exercise.position.value,
        "direction": exercise.direction.value,
        "level": exercise.level,
        "section": exercise.section.value,
        "dose": dose_to_dict(exercise.dose),
        "progressions": list(exercise.progressions),
        "regressions": list(exercise.regressions),
        "contraindications": [
            {"condition": c.condition, "level": c.level, "note": c.note, "sources": list(c.sources)}
            for c in exercise.contraindications
        ],
        "cues": list(exercise.cues),
        "common_errors": [
            {"code": e.code, "description": e.description, "cue": e.cue}
            for e in exercise.common_errors
        ],
        "signature": {
            "primary_angle": sig.primary_angle,
            "imu_angle": sig.imu_angle,
            "mode": sig.mode.value,
            "view": sig.view.value,
            "target_range_deg": list(sig.target_range_deg),
            "direction": sig.direction.value,
            "min_excursion_deg": sig.min_excursion_deg,
            "cycle": sig.cycle,
        },
        "goals": list(exercise.goals),
        "sources": list(exercise.sources),
        "notes": exercise.notes,
    }


#: The library's categories, positions, directions and tempo phase names, in words
#: (translated when shown; the JSON keeps the ids).
_SHOWN_WORDS = (
    N_("mobility"), N_("static stretch"), N_("pnf"), N_("isometric"), N_("functional"),
    N_("supine"), N_("prone"), N_("quadruped"), N_("seated"), N_("standing"), N_("kneeling"),
    N_("side lying"), N_("flexion"), N_("extension"), N_("lateral"), N_("rotation"), N_("neutral"),
    N_("activate"), N_("back"), N_("breathe in"), N_("breathe out"), N_("cat"), N_("contract"),
    N_("cow"), N_("deeper stretch"), N_("draw in"), N_("extend"), N_("flatten"), N_("forward"),
    N_("hinge"), N_("hold"), N_("lean"), N_("lean back"), N_("left and forward"), N_("lengthen"),
    N_("lift"), N_("lower"), N_("pause"), N_("press up"), N_("prop up"), N_("raise"), N_("reach"),
    N_("relax"), N_("release"), N_("return"), N_("right and back"), N_("roll down"), N_("roll up"),
    N_("rotate"), N_("round"), N_("shift"), N_("shift back"), N_("shift forward"), N_("sit"),
    N_("sit back"), N_("stand"), N_("step back"), N_("step up"), N_("stretch"), N_("sway"),
    N_("tilt"), N_("top"), N_("tuck"), N_("turn"), N_("unrotate"),
)  # fmt: skip


def _word(value: str) -> str:
    """An id such as ``side_lying`` in the bound language's words."""
    return _(value.replace("_", " "))


@exercises_app.command("list")
def list_exercises(
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print JSON."))] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """List every exercise in the library."""
    from spinecoach.content import load_library

    library = load_library(get_settings(data_dir).content_dir)
    if as_json:
        print_json(
            [
                {
                    "id": e.id,
                    "name": e.name,
                    "category": e.category.value,
                    "position": e.position.value,
                    "direction": e.direction.value,
                    "level": e.level,
                    "section": e.section.value,
                    "duration_s": round(e.dose.duration_s, 1),
                }
                for e in library
            ]
        )
        return
    n = len(library)
    table = Table(title=ngettext("{n} exercise", "{n} exercises", n).format(n=n))
    for column in ("id", _("name"), _("category"), _("position"), _("direction"), _("level"),
                   _("~time")):  # fmt: skip
        table.add_column(column)
    for e in library:
        minutes = _("{minutes} min").format(minutes=format_number(e.dose.duration_s / 60))
        table.add_row(
            e.id, _(e.name), _word(e.category.value), _word(e.position.value),
            _word(e.direction.value), str(e.level), minutes,
        )  # fmt: skip
    console.print(table)


@exercises_app.command("show")
def show_exercise(
    exercise_id: Annotated[str, typer.Argument(help=N_("Exercise id, e.g. cat_cow."))],
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print JSON."))] = False,
    demo_out: Annotated[
        Path | None,
        typer.Option(
            "--demo-out",
            help=N_(
                "Render the exercise's demonstration to FILE.gif or FILE.mp4 (or a .png still)."
            ),
        ),
    ] = None,
    view: Annotated[
        str | None,
        typer.Option("--view", help=N_("Draw the demonstration from the 'side' or the 'front'.")),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Show one exercise: steps, dose, cues, cautions and sources."""
    from spinecoach.content import load_library
    from spinecoach.domain.wording import condition_words, describe_dose

    exercise = load_library(get_settings(data_dir).content_dir).get(exercise_id)
    if view is not None and view not in ("side", "front"):
        raise InvalidInput(
            _("--view: expected 'side' or 'front', got '{value}'").format(value=view)
        )
    if demo_out is not None:
        from spinecoach.reports.demo_render import write_demonstration

        count = write_demonstration(exercise, demo_out, view=view)
        console.print(
            ngettext(
                "Wrote {n} frame of the {name} demonstration to {path}",
                "Wrote {n} frames of the {name} demonstration to {path}",
                count,
            ).format(n=count, name=_(exercise.name), path=demo_out),
            soft_wrap=True,
        )
        return
    if as_json:
        print_json(exercise_to_dict(exercise))
        return
    console.rule(f"[bold]{_(exercise.name)}[/] ({exercise.id})")
    console.print(_(exercise.summary))
    level = _("level {level}").format(level=exercise.level)
    console.print(
        f"[dim]{_word(exercise.category.value)} · {_word(exercise.position.value)} · "
        f"{_word(exercise.direction.value)} · {level}[/]"
    )
    console.print(f"\n[bold]{_(_W_STEPS)}[/]")
    for n, step in enumerate(exercise.steps, 1):
        console.print(f"  {n}. {_(step)}")
    d = exercise.dose
    dose = describe_dose(d)
    if d.pnf:
        dose += ", " + _(
            "PNF: stretch {stretch} s, contract {contract} s at ~{effort}%, relax {relax} s, "
            "deeper {deeper} s"
        ).format(stretch=f"{d.pnf.stretch_s:g}", contract=f"{d.pnf.contract_s:g}",
                 effort=d.pnf.contract_effort_pct, relax=f"{d.pnf.relax_s:g}",
                 deeper=f"{d.pnf.deeper_stretch_s:g}")  # fmt: skip
    console.print(f"\n[bold]{_(_W_DOSE)}[/] {dose}  [dim][{', '.join(d.sources)}][/]")
    for phase in d.tempo:
        breath = {"inhale": _("breathe in"), "exhale": _("breathe out"),
                  "hold": _("hold the breath"),
                  "natural": _("breathe easily")}[phase.breath.value]  # fmt: skip
        console.print(f"  {_word(phase.name)}: {phase.seconds:g} s, {breath}")
    console.print(f"\n[bold]{_(_W_CUES)}[/]")
    for cue in exercise.cues:
        console.print(f"  • {_(cue)}")
    if exercise.common_errors:
        console.print(f"\n[bold]{_(_W_WATCH)}[/]")
        for e in exercise.common_errors:
            console.print(f"  • {_(e.description)} {_(e.cue)}")
    if exercise.contraindications:
        console.print(f"\n[bold]{_(_W_CAUTIONS)}[/]")
        for c in exercise.contraindications:
            what = (_("Left out with {condition}") if c.level == "avoid"
                    else _("Take care with {condition}")).format(
                        condition=condition_words(c.condition))  # fmt: skip
            console.print(f"  • {what}: {_(c.note)} [dim][{', '.join(c.sources)}][/]")
    sources = _("Sources: {tags} (`spinecoach sources`)").format(tags=", ".join(exercise.sources))
    console.print(f"\n[dim]{sources}[/]")


def register(app: typer.Typer) -> None:
    """Add ``exercises`` to the root command."""
    app.add_typer(exercises_app, name="exercises")
