"""``spinecoach analyze`` input handler for keypoint files (see ``sources.analysis_input``)."""

from __future__ import annotations

import inspect
from pathlib import Path

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.motion.analysis import analyze_measures, error_codes_for
from spinecoach.motion.measures import compute_measures
from spinecoach.motion.plausibility import PlausibilityCheck, gate_keypoints
from spinecoach.sources.analysis_input import (
    IMU_ONLY_OPTIONS,
    AnalysisOutput,
    AnalyzeOptions,
    reported_measures,
)
from spinecoach.sources.keypoints import KEYPOINT_READERS, detect_format, read_keypoints
from spinecoach.sources.keypoints.csv_format import write_keypoints_csv


def analyze_keypoints(path: Path, options: AnalyzeOptions) -> AnalysisOutput:
    """Read a keypoint file, compute every measure and, with an exercise, analyse it.

    Implausible frames and keypoints (left/right flips, impossible jumps, bone lengths) are
    set aside first (:func:`spinecoach.motion.plausibility.gate_keypoints`) and reported.
    Events are detected on the unfiltered measures (as live); ``options.filter`` applies to
    the measures returned for reporting.
    """
    if options.out_video is not None:
        raise InvalidInput(_("--out-video needs a video input; this is a keypoint file"))
    for name, flag in IMU_ONLY_OPTIONS.items():
        if getattr(options, name) is not None:
            raise InvalidInput(_("{flag} applies to IMU inputs only").format(flag=flag))
    name = options.format or detect_format(path)
    reader = KEYPOINT_READERS.get(name)
    reader_options: dict[str, object] = dict(options.reader_options)
    notes: list[str] = []
    if options.fps is not None:
        if reader is None or "sample_rate_hz" not in inspect.signature(reader.read).parameters:
            raise InvalidInput(
                _("--fps does not apply to format '{name}' (it has time stamps)").format(name=name)
            )
        reader_options["sample_rate_hz"] = options.fps
    if reader is not None:
        accepted = set(inspect.signature(reader.read).parameters)
        for option in options.reader_options:
            if option not in accepted:
                flag = "--" + option.replace("_", "-")
                raise InvalidInput(
                    _("{flag} does not apply to format '{name}'").format(flag=flag, name=name)
                )
    series = read_keypoints(path, name, **reader_options)
    rate = series.metadata.get("sample_rate_hz")
    if rate is not None and options.fps is None:
        notes.append(
            _("no time stamps in the file: assumed {rate} frames/s (change with --fps)").format(
                rate=rate
            )
        )
    for key in ("rate_note", "person_note", "axes_note"):
        reader_note = series.metadata.get(key)
        if isinstance(reader_note, str):
            notes.append(reader_note)
    if options.keypoints_out is not None:
        write_keypoints_csv(series, options.keypoints_out)
    gated, report = gate_keypoints(series, PlausibilityCheck(min_confidence=options.min_confidence))
    note = report.note()
    if note:
        notes.append(note)
    raw = compute_measures(gated, min_confidence=options.min_confidence)
    notes += [f"{k}: {v}" for k, v in raw.flags.items()]
    result = None
    exercise = options.exercise
    if exercise is not None:
        result = analyze_measures(
            raw,
            exercise.signature,
            dose=exercise.dose,
            exercise_id=exercise.id,
            error_codes=error_codes_for(exercise),
        )
    return AnalysisOutput(
        measures=reported_measures(raw, gated, options.filter),
        result=result,
        source=f"keypoints/{name}",
        keypoints=series,
        notes=tuple(notes),
        plausibility=report.to_json(),
    )
