"""``spinecoach analyze INPUT``: angles, repetitions, holds and form from a recording.

The command is a thin loop over :mod:`spinecoach.sources.analysis_input`: it builds an
:class:`~spinecoach.sources.analysis_input.AnalyzeOptions`, picks the input handler for the
source kind (``keypoints`` here; ``video`` and ``imu`` handlers live with their pipelines)
and prints the :class:`~spinecoach.sources.analysis_input.AnalysisOutput`.

Without ``--exercise`` no events are inferred: the measures and tracking quality are
reported (a per-measure summary), and ``--json`` prints the same keys with empty
``repetitions``, ``holds`` and ``form_flags``, ``"exercise": null`` and ``tracking`` counting
the frames in which at least one measure is valid.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.table import Table

from spinecoach.cli._common import (
    DATA_DIR_HELP,
    console,
    get_settings,
    print_json,
    shown_as_notes,
)
from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidInput
from spinecoach.sources.analysis_input import (
    INPUT_HANDLERS,
    AnalysisOutput,
    AnalyzeOptions,
    MeasureSeries,
    count_note_text,
    run_analysis,
)
from spinecoach.sources.measures_csv import write_measures_csv

SOURCES = ("auto", *INPUT_HANDLERS)
PLACEMENTS = ("dual", "sacrum", "upper")


def _load_exercise(exercise_id: str, data_dir: Path | None = None) -> Exercise:
    from spinecoach.content import load_library

    settings = get_settings(data_dir)
    return load_library(settings.content_dir).get(exercise_id)


def measure_summary(measures: MeasureSeries) -> dict[str, dict[str, float | None]]:
    """Per measure: valid fraction, min, max, mean (None where never measured)."""
    summary: dict[str, dict[str, float | None]] = {}
    for name, values in measures.values.items():
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            summary[name] = {"valid_fraction": 0.0, "min": None, "max": None, "mean": None}
            continue
        summary[name] = {
            "valid_fraction": round(finite.size / values.size, 3),
            "min": round(float(finite.min()), 2),
            "max": round(float(finite.max()), 2),
            "mean": round(float(finite.mean()), 2),
        }
    return summary


def tracking_without_exercise(measures: MeasureSeries) -> dict[str, Any]:
    """Tracking without an exercise: frames in which at least one measure is valid."""
    n_frames = int(measures.time_s.size)
    if not measures.values or n_frames == 0:
        return {"n_frames": n_frames, "n_valid_frames": 0, "valid_fraction": 0.0}
    any_valid = np.zeros(n_frames, dtype=bool)
    for values in measures.values.values():
        any_valid |= np.isfinite(values)
    n_valid = int(any_valid.sum())
    return {
        "n_frames": n_frames,
        "n_valid_frames": n_valid,
        "valid_fraction": round(n_valid / n_frames, 3),
    }


def output_json(output: AnalysisOutput) -> dict[str, Any]:
    """The JSON printed by ``--json``: the analysis keys plus measures and provenance."""
    measures = output.measures
    duration_s = float(measures.time_s[-1] - measures.time_s[0]) if measures.time_s.size else 0.0
    if output.result is not None:
        payload = output.result.to_json()
    else:
        payload = {
            "exercise": None,
            "duration_s": round(duration_s, 3),
            "repetitions": [],
            "holds": [],
            "symmetry": {},
            "tracking": tracking_without_exercise(measures),
            "form_flags": [],
        }
    payload["source"] = output.source
    payload["measures"] = measure_summary(measures)
    payload["unmeasurable"] = dict(measures.unmeasurable)
    payload["flags"] = dict(measures.flags)
    payload["notes"] = list(output.notes)
    if output.plausibility is not None:
        payload["plausibility"] = output.plausibility
    return payload


_W_FORM = N_("form")
#: Sides and count confidences as the tables show them (the JSON keeps the ids).
_SHOWN_WORDS = (N_("left"), N_("right"), N_("none"), N_("both"), N_("high"), N_("low"),
                N_("moderate"), N_("medium"))  # fmt: skip


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def print_summary(path: Path, output: AnalysisOutput) -> None:
    """Rich tables: the analysis (with an exercise) or the measures (without)."""
    console.print(f"[bold]{path.name}[/] ({output.source})")
    for note in output.notes:
        shown = _("note: {note}").format(note=_(note))
        console.print(f"[dim]{shown}[/]")
    result = output.result
    if result is not None:
        tracking = result.tracking
        console.print(
            _(
                "exercise {exercise}, angle {angle}, {seconds} s, tracked {tracked} of frames, "
                "{in_zone} of tracked time in the target zone"
            ).format(
                exercise=f"[bold]{result.exercise or '-'}[/]",
                angle=result.angle,
                seconds=f"{result.duration_s:.1f}",
                tracked=f"{100 * tracking['valid_fraction']:.0f} %",
                in_zone=f"{100 * result.zone['fraction_in_zone']:.0f} %",
            )  # fmt: skip
        )
        if "unmeasurable" in tracking:
            unmeasurable = _("{angle} not measurable: {why}").format(
                angle=result.angle, why=tracking["unmeasurable"]
            )
            console.print(f"[yellow]{unmeasurable}[/]")
        count = result.count_summary()
        if count.get("note"):  # the JSON keeps the English note; shown here translated
            note = (
                count_note_text(result.count_reason)
                if result.count_reason is not None
                else _(str(count["note"]))
            )
            console.print(f"[yellow]{note}[/]")
        elif not result.repetitions:
            console.print(_("no repetitions found"))
        reps = Table(
            title=_("Repetitions ({n}, confidence {confidence})").format(
                n=len(result.repetitions), confidence=_(str(count["confidence"]))
            )
        )
        for column in ("#", _("side"), _("start s"), _("peak s"), _("end s"), _("peak deg"),
                       _("out s"), _("back s")):  # fmt: skip
            reps.add_column(column, justify="right")
        for i, (rep, tempo) in enumerate(zip(result.repetitions, result.tempo, strict=True), 1):
            reps.add_row(
                str(i),
                _(rep.side.value),
                _fmt(rep.start_s, 2),
                _fmt(rep.peak_s, 2),
                _fmt(rep.end_s, 2),
                _fmt(rep.peak_deg),
                _fmt(tempo["out_s"]),
                _fmt(tempo["back_s"]),
            )
        if result.repetitions:
            console.print(reps)
        if result.holds:
            holds = Table(title=_("Holds ({n})").format(n=len(result.holds)))
            for column in (_("side"), _("start s"), _("end s"), _("held s"), _("mean deg"),
                           _("std deg")):  # fmt: skip
                holds.add_column(column, justify="right")
            for hold in result.holds:
                holds.add_row(
                    _(hold.side.value),
                    _fmt(hold.start_s, 2),
                    _fmt(hold.end_s, 2),
                    _fmt(hold.duration_s),
                    _fmt(hold.mean_deg),
                    _fmt(hold.std_deg),
                )
            console.print(holds)
        for flag in result.form_flags:
            console.print(
                f"[yellow]{_(_W_FORM)}[/] {flag.t_s:6.2f} s  {flag.code}: {_(flag.message)}"
            )
        return
    table = Table(title=_("Measures (no --exercise: no repetitions or holds inferred)"))
    for n, column in enumerate((_("measure"), _("tracked %"), "min", "max", _("mean"))):
        table.add_column(column, justify="right" if n else "left")
    for name, stats in measure_summary(output.measures).items():
        fraction = stats["valid_fraction"] or 0.0
        table.add_row(
            name,
            f"{100 * fraction:.0f}",
            _fmt(stats["min"]),
            _fmt(stats["max"]),
            _fmt(stats["mean"]),
        )
    console.print(table)
    for name, reason in output.measures.unmeasurable.items():
        problem = _("not measurable: {name}: {reason}").format(name=name, reason=_(reason))
        console.print(f"[dim]{problem}[/]")


def analyze_command(
    input_path: Path = typer.Argument(
        ..., metavar="INPUT", help=N_("Keypoint, video or IMU file.")
    ),
    format: str | None = typer.Option(None, "--format", help=N_("Reader name (auto-detected).")),
    source: str = typer.Option("auto", "--source", help=N_("auto | keypoints | video | imu.")),
    exercise_id: str | None = typer.Option(None, "--exercise", help=N_("Exercise id to analyse.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the analysis as JSON.")),
    angles_csv: Path | None = typer.Option(
        None, "--angles-csv", help=N_("Write per-frame measures.")
    ),
    out_video: Path | None = typer.Option(None, "--out-video", help=N_("Annotated video (video).")),
    keypoints_out: Path | None = typer.Option(
        None, "--keypoints-out", help=N_("Write keypoints in spinecoach CSV format.")
    ),
    placement: str | None = typer.Option(
        None, "--placement", help=N_("IMU: dual | sacrum | upper.")
    ),
    forward_axis: str | None = typer.Option(
        None,
        "--forward-axis",
        help=N_(
            "IMU: sensor axis facing forward, +x|-x|+y|-y|+z|-z|auto (default: file's, or -z)."
        ),
    ),
    calibration_s: float | None = typer.Option(
        None, "--calibration-s", help=N_("IMU: still, upright neutral window at the start, s (3).")
    ),
    fps: float | None = typer.Option(None, "--fps", help=N_("Frame rate for files without times.")),
    min_confidence: float = typer.Option(0.5, "--min-confidence", help=N_("Keypoint gate, 0..1.")),
    filter_name: str = typer.Option(
        "butterworth", "--filter", help=N_("Filter for reported angles: butterworth|one_euro|none.")
    ),
    mirrored: bool | None = typer.Option(
        None, "--mirrored/--not-mirrored", help=N_("Keypoints: x mirrored (BlazePose JSON).")
    ),
    labels_swapped: bool | None = typer.Option(
        None, "--labels-swapped/--labels-as-is", help=N_("Keypoints: Left/Right labels swapped.")
    ),
    dropped_frames: str | None = typer.Option(
        None, "--dropped-frames", help=N_("Keypoints: 1-based video frames missing, e.g. 5,6,90.")
    ),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Measure angles, repetitions, holds and form in a recording."""
    if source not in SOURCES:
        raise InvalidInput(
            _("--source must be one of {sources}, got '{source}'").format(
                sources=", ".join(SOURCES), source=source
            )
        )
    if placement is not None and placement not in PLACEMENTS:
        raise InvalidInput(
            _("--placement must be one of {placements}, got '{placement}'").format(
                placements=", ".join(PLACEMENTS), placement=placement
            )
        )
    from spinecoach.sources.analysis_input import FILTERS

    if filter_name not in FILTERS:
        raise InvalidInput(
            _("--filter must be one of {filters}, got '{filter_name}'").format(
                filters=", ".join(FILTERS), filter_name=filter_name
            )
        )
    if fps is not None and not (math.isfinite(fps) and fps > 0):
        raise InvalidInput(_("--fps must be a positive number, got {fps}").format(fps=fps))
    if calibration_s is not None and not (math.isfinite(calibration_s) and calibration_s > 0):
        raise InvalidInput(
            _("--calibration-s must be a positive number of seconds, got {calibration_s}").format(
                calibration_s=calibration_s
            )
        )
    exercise = _load_exercise(exercise_id, data_dir) if exercise_id else None
    reader_options: dict[str, object] = {}
    if mirrored is not None:
        reader_options["mirrored"] = mirrored
    if labels_swapped is not None:
        reader_options["labels_swapped"] = labels_swapped
    if dropped_frames is not None:
        try:
            reader_options["dropped_frames"] = tuple(
                int(v) for v in dropped_frames.split(",") if v.strip()
            )
        except ValueError:
            raise InvalidInput(
                _(
                    "--dropped-frames must be frame numbers separated by commas, "
                    "got '{dropped_frames}'"
                ).format(dropped_frames=dropped_frames)
            ) from None
    options = AnalyzeOptions(
        format=format,
        exercise=exercise,
        fps=fps,
        placement=placement,
        out_video=out_video,
        keypoints_out=keypoints_out,
        min_confidence=min_confidence,
        filter=filter_name,
        forward_axis=forward_axis,
        calibration_s=calibration_s,
        reader_options=reader_options,
    )
    with shown_as_notes():  # sensor warnings are in the output's notes: shown once, there
        output = run_analysis(input_path, source, options)
    if angles_csv is not None:
        write_measures_csv(output.measures, angles_csv)
    if as_json:
        print_json(output_json(output))
    else:
        print_summary(input_path, output)


def register(app: typer.Typer) -> None:
    """Add ``spinecoach analyze`` to the CLI."""
    app.command("analyze")(analyze_command)
