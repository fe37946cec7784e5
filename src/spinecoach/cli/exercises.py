"""``spinecoach exercises list|show``: browse the exercise library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spinecoach.cli._common import DATA_DIR_HELP, console, get_settings, print_json
from spinecoach.domain.exercise import Exercise
from spinecoach.domain.serialize import dose_to_dict
from spinecoach.errors import InvalidInput

exercises_app = typer.Typer(help="Browse the exercise library.", no_args_is_help=True)


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


@exercises_app.command("list")
def list_exercises(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
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
    table = Table(title=f"{len(library)} exercises")
    for column in ("id", "name", "category", "position", "direction", "level", "~time"):
        table.add_column(column)
    for e in library:
        table.add_row(
            e.id, e.name, e.category.value, e.position.value, e.direction.value,
            str(e.level), f"{e.dose.duration_s / 60:.1f} min",
        )  # fmt: skip
    console.print(table)


@exercises_app.command("show")
def show_exercise(
    exercise_id: Annotated[str, typer.Argument(help="Exercise id, e.g. cat_cow.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    demo_out: Annotated[
        Path | None,
        typer.Option(
            "--demo-out",
            help="Render the exercise's demonstration to FILE.gif or FILE.mp4 (or a .png still).",
        ),
    ] = None,
    view: Annotated[
        str | None,
        typer.Option("--view", help="Draw the demonstration from the 'side' or the 'front'."),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Show one exercise: steps, dose, cues, cautions and sources."""
    from spinecoach.content import load_library
    from spinecoach.domain.wording import condition_words, describe_dose

    exercise = load_library(get_settings(data_dir).content_dir).get(exercise_id)
    if view is not None and view not in ("side", "front"):
        raise InvalidInput(f"--view: expected 'side' or 'front', got '{view}'")
    if demo_out is not None:
        from spinecoach.reports.demo_render import write_demonstration

        count = write_demonstration(exercise, demo_out, view=view)
        console.print(
            f"Wrote {count} frame(s) of the {exercise.name} demonstration to {demo_out}",
            soft_wrap=True,
        )
        return
    if as_json:
        print_json(exercise_to_dict(exercise))
        return
    console.rule(f"[bold]{exercise.name}[/] ({exercise.id})")
    console.print(exercise.summary)
    console.print(
        f"[dim]{exercise.category.value} · {exercise.position.value} · "
        f"{exercise.direction.value} · level {exercise.level}[/]"
    )
    console.print("\n[bold]Steps[/]")
    for n, step in enumerate(exercise.steps, 1):
        console.print(f"  {n}. {step}")
    d = exercise.dose
    dose = describe_dose(d)
    if d.pnf:
        dose += (
            f", PNF: stretch {d.pnf.stretch_s:g} s, contract {d.pnf.contract_s:g} s at "
            f"~{d.pnf.contract_effort_pct}%, relax {d.pnf.relax_s:g} s, deeper "
            f"{d.pnf.deeper_stretch_s:g} s"
        )
    console.print(f"\n[bold]Dose[/] {dose}  [dim][{', '.join(d.sources)}][/]")
    for phase in d.tempo:
        breath = {"inhale": "breathe in", "exhale": "breathe out", "hold": "hold the breath",
                  "natural": "breathe easily"}[phase.breath.value]  # fmt: skip
        console.print(f"  {phase.name.replace('_', ' ')}: {phase.seconds:g} s, {breath}")
    console.print("\n[bold]Cues[/]")
    for cue in exercise.cues:
        console.print(f"  • {cue}")
    if exercise.contraindications:
        console.print("\n[bold]Cautions[/]")
        for c in exercise.contraindications:
            what = "Left out" if c.level == "avoid" else "Take care"
            console.print(
                f"  • {what} with {condition_words(c.condition)}: {c.note} "
                f"[dim][{', '.join(c.sources)}][/]"
            )
    console.print(f"\n[dim]Sources: {', '.join(exercise.sources)} (`spinecoach sources`)[/]")


def register(app: typer.Typer) -> None:
    """Add ``exercises`` to the root command."""
    app.add_typer(exercises_app, name="exercises")
