"""``spinecoach sensor``: the sensor plug-ins (resistance band, surface EMG...).

``sensor list`` names them; ``sensor simulate NAME`` writes a recording in the plug-in's file
format, for ``spinecoach session --sensor NAME=FILE`` and the tests.
"""

from __future__ import annotations

from pathlib import Path

import typer

from spinecoach.cli._common import console, print_json
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidInput

sensor_app = typer.Typer(
    help=N_("Sensor plug-ins beside the camera (band, EMG)."), no_args_is_help=True
)


@sensor_app.command("list")
def list_sensors(as_json: bool = typer.Option(False, "--json", help=N_("As JSON."))) -> None:
    """List the sensor plug-ins."""
    from spinecoach.sources.live_sources import sensor_plugins

    rows = {name: s.description for name, s in sensor_plugins().items()}
    if as_json:
        print_json(rows)
        return
    for name, description in rows.items():
        console.print(f"[bold]{name}[/]  {_(description)}")


@sensor_app.command("simulate")
def simulate(
    name: str = typer.Argument(..., help=N_("Plug-in name (see `spinecoach sensor list`).")),
    out: Path = typer.Option(..., "--out", help=N_("CSV file to write.")),
    exercise: str = typer.Option("", "--exercise", help=N_("Exercise the recording shows.")),
    seed: int = typer.Option(0, "--seed", help=N_("Random seed (noise).")),
) -> None:
    """Write a simulated recording of sensor plug-in NAME."""
    from spinecoach.sources.live_sources import sensor_plugins

    plugin = sensor_plugins().get(name)
    if plugin is None or plugin.simulate is None:
        known = ", ".join(sensor_plugins())
        raise InvalidInput(
            _("sensor: expected one of {known}, got {value!r}").format(known=known, value=name)
        )
    kwargs: dict[str, object] = {"seed": seed}
    if exercise:
        kwargs["exercise_id"] = exercise
    text = plugin.simulate(**kwargs)
    out.write_text(text, encoding="utf-8")
    console.print(_("wrote {path} ({n} samples)").format(path=out, n=text.count(chr(10)) - 1))


def register(app: typer.Typer) -> None:
    """Add the ``sensor`` command group."""
    app.add_typer(sensor_app, name="sensor")
