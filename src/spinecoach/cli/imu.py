"""``spinecoach imu ...``: live IMU streams, replay, simulation and the list of file formats.

File analysis is ``spinecoach analyze FILE --source imu`` (see docs/imu.md).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import typer

from spinecoach.cli._common import DATA_DIR_HELP, console, get_settings, print_json
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidInput

imu_app = typer.Typer(
    help=N_("Wearable sensors: live streams, replay, simulation, formats."), no_args_is_help=True
)

PLACEMENTS = ("dual", "sacrum", "upper")


@imu_app.command("listen")
def listen(
    host: str = typer.Option("127.0.0.1", "--host", help=N_("Address to bind (loopback default).")),
    port: int = typer.Option(9100, "--port", help=N_("UDP or WebSocket port (0 = any free).")),
    udp: bool = typer.Option(False, "--udp", help=N_("Receive UDP datagrams (default).")),
    ws: bool = typer.Option(False, "--ws", help=N_("Receive WebSocket messages instead.")),
    exercise_id: str | None = typer.Option(None, "--exercise", help=N_("Exercise id to analyse.")),
    placement: str | None = typer.Option(None, "--placement", help=N_("dual | sacrum | upper.")),
    calibration_s: float = typer.Option(3.0, "--calibration-s", help=N_("Neutral window, s.")),
    forward_axis: str = typer.Option(
        "-z", "--forward-axis", help=N_("Sensor axis facing forward.")
    ),
    max_seconds: float | None = typer.Option(
        None, "--max-seconds", help=N_("Stop after this long.")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Events and summary as JSON lines.")),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Receive JSON-lines samples and print repetitions, holds and form events as they happen."""
    from spinecoach.domain.exercise import Exercise, SensorSignature
    from spinecoach.sources.imu.handler import DEFAULT_SIGNATURES
    from spinecoach.sources.imu.live import (
        CalibrationOptions,
        LiveSession,
        PlacementSet,
        event_json,
    )
    from spinecoach.sources.imu.transport import serve_udp, serve_websocket

    if udp and ws:
        raise InvalidInput(_("choose one of --udp and --ws"))
    if placement is not None and placement not in PLACEMENTS:
        raise InvalidInput(
            _("--placement must be one of {choices}, got '{value}'").format(
                choices=", ".join(PLACEMENTS), value=placement
            )
        )
    chosen = PlacementSet(placement) if placement else None
    signature: SensorSignature | None = DEFAULT_SIGNATURES[chosen] if chosen else None
    exercise: Exercise | None = None
    if exercise_id:
        from spinecoach.content import load_library

        exercise = load_library(get_settings(data_dir).content_dir).get(exercise_id)
        if exercise.signature.imu_angle is None:
            raise InvalidInput(_("exercise '{id}' has no IMU angle").format(id=exercise_id))

    def show(event: object) -> None:
        payload = event_json(event)  # type: ignore[arg-type]
        if as_json:
            print(json.dumps(payload), flush=True)
        else:
            console.print(
                f"{payload['t_s']:8.2f} s  [bold]{payload['kind']}[/]  {payload['detail']}"
            )

    calibration = CalibrationOptions(duration_s=calibration_s, forward_axis=forward_axis)
    if exercise is not None:  # its zone, dose and form flags, as `analyze --exercise`
        session = LiveSession.for_exercise(
            exercise, placement_set=chosen, calibration=calibration, on_event=show
        )
    else:
        session = LiveSession(
            signature, placement_set=chosen, calibration=calibration, on_event=show
        )
    serve = serve_websocket if ws else serve_udp

    def ready(bound: int) -> None:
        scheme = "ws" if ws else "udp"
        print(
            _("listening on {url} (stand still for {seconds} s at the start to calibrate)").format(
                url=f"{scheme}://{host}:{bound}", seconds=f"{calibration_s:g}"
            ),
            file=sys.stderr,
            flush=True,
        )

    asyncio.run(serve(session, host, port, max_seconds=max_seconds, ready=ready))
    result = session.finish()
    if as_json:
        print(
            json.dumps(
                {
                    "summary": result.to_json(),
                    "frames": session.n_frames,
                    "bad_lines": session.n_bad_lines,
                    "late_frames": session.assembler.n_out_of_order,
                }
            ),
            flush=True,
        )
    else:
        console.print(
            _(
                "{frames} frames, {bad} bad lines, {late} late frames dropped, "
                "{reps} repetitions, {holds} holds"
            ).format(
                frames=session.n_frames,
                bad=session.n_bad_lines,
                late=session.assembler.n_out_of_order,
                reps=len(result.repetitions),
                holds=len(result.holds),
            )  # fmt: skip
        )


@imu_app.command("replay")
def replay(
    path: Path = typer.Argument(..., help=N_("Any supported IMU file, folder or zip.")),
    to: str = typer.Option(..., "--to", help=N_("udp://HOST:PORT or ws://HOST:PORT")),
    speed: float = typer.Option(1.0, "--speed", help=N_("Playback speed (1 = real time).")),
    format: str | None = typer.Option(None, "--format", help=N_("Reader name (auto-detected).")),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Send a recording to a listener at real-time pace (a stand-in for a phone or BLE bridge)."""
    from spinecoach.sources.imu.transport import replay_file

    n = replay_file(path, to, speed=speed, format=format)
    console.print(_("sent {n} samples to {to}").format(n=n, to=to))


@imu_app.command("simulate")
def simulate(
    movement: str = typer.Argument(..., help=N_("pelvic_tilt, cat_cow, seated_hip_hinge, ...")),
    out: Path = typer.Option(..., "--out", help=N_("Generic CSV to write.")),
    reps: int = typer.Option(5, "--reps", help=N_("Repetitions.")),
    rate_hz: float = typer.Option(100.0, "--rate-hz", help=N_("Sample rate.")),
    seed: int = typer.Option(0, "--seed", help=N_("Random seed.")),
    truth: Path | None = typer.Option(None, "--truth", help=N_("Also write the true angles CSV.")),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Write a simulated two-sensor recording (generic CSV) with known angles."""
    from spinecoach.sources.imu import write_generic_csv
    from spinecoach.sources.imu.simulate import simulate as run
    from spinecoach.sources.measures_csv import write_measures_csv

    sim = run(movement, n_reps=reps, sample_rate_hz=rate_hz, seed=seed)
    write_generic_csv(sim.recording, out, comments={"simulated": movement, "seed": str(seed)})
    if truth is not None:
        write_measures_csv(sim.truth, truth)
    console.print(
        _("wrote {path} ({n} samples, {reps} repetitions)").format(
            path=out, n=sim.recording.primary().n_samples, reps=reps
        )
    )


@imu_app.command("formats")
def formats(
    as_json: bool = typer.Option(False, "--json", help=N_("As JSON.")),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """List the IMU file readers."""
    from spinecoach.sources.imu import READERS

    rows = {name: r.description for name, r in READERS.items()}
    if as_json:
        print_json(rows)
        return
    for name, description in rows.items():
        console.print(f"[bold]{name}[/]  {description}")


def register(app: typer.Typer) -> None:
    """Add the ``imu`` command group."""
    app.add_typer(imu_app, name="imu")
