"""``spinecoach analyze FILE --source imu``: read, orient, measure, detect events.

:func:`analyze_imu` is the input handler the ``analyze`` command calls for IMU files
(registered in :data:`spinecoach.sources.analysis_input.INPUT_HANDLERS`);
:func:`run_imu_analysis` is the same analysis with IMU-specific options, for Python use.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spinecoach.domain.exercise import (
    ExcursionDirection,
    Exercise,
    SensorSignature,
    SignatureMode,
    View,
)
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidInput, InvalidRecording, NotMeasurable, UnknownFormat
from spinecoach.motion.analysis import AnalysisResult, error_codes_for
from spinecoach.motion.events import EventParameters
from spinecoach.motion.imu_angles import CalibrationOptions, parse_axis
from spinecoach.motion.imu_orientation import AhrsOptions, estimate_orientation
from spinecoach.motion.imu_periodic import PeriodicResult, periodic_cycles
from spinecoach.motion.imu_pipeline import analyze_imu_measures, recording_measures
from spinecoach.motion.imu_types import ImuRecording, Placement, PlacementSet
from spinecoach.motion.types import MeasureSeries
from spinecoach.sources.imu import ReadOptions, detect_format, read_imu

logger = logging.getLogger(__name__)

#: Primary angle analysed per placement when no exercise is given.
DEFAULT_SIGNATURES: dict[PlacementSet, SensorSignature] = {
    PlacementSet.DUAL: SensorSignature(
        "lumbar_flexion_deg",
        SignatureMode.REPETITIVE,
        View.ANY,
        (10.0, 60.0),
        ExcursionDirection.BOTH,
        8.0,
        imu_angle="lumbar_flexion_deg",
    ),
    PlacementSet.SACRUM: SensorSignature(
        "pelvic_tilt_deg",
        SignatureMode.REPETITIVE,
        View.ANY,
        (5.0, 25.0),
        ExcursionDirection.BOTH,
        5.0,
        imu_angle="pelvic_tilt_deg",
    ),
    PlacementSet.UPPER: SensorSignature(
        "trunk_inclination_deg",
        SignatureMode.REPETITIVE,
        View.ANY,
        (10.0, 90.0),
        ExcursionDirection.BOTH,
        10.0,
        imu_angle="trunk_inclination_deg",
    ),
}
SINGLE_SENSOR_PLACEMENTS = {"sacrum": Placement.LOWER, "upper": Placement.UPPER}


@dataclass(frozen=True)
class ImuAnalyzeOptions:
    """Options of an IMU analysis (CLI flags map one to one).

    Attributes
    ----------
    placement : str or None
        ``dual``, ``sacrum`` or ``upper``; inferred from the file's sensors when None. For a
        single-sensor file it also says where that sensor was worn.
    exercise : Exercise or None
        Its ``signature.imu_angle`` is analysed with its dose and common errors.
    format : str or None
        Reader name; detected when None.
    forward_axis : str or None
        Sensor axis pointing to the subject's front (``-z``, ``+x``, ..., or ``auto``);
        None: the file's ``# forward_axis:`` line (generic CSV), else ``-z``.
    calibration_s : float
        Neutral window length at the start (or from ``calibration_start_s``).
    use_magnetometer : bool
    """

    placement: str | None = None
    exercise: Exercise | None = None
    format: str | None = None
    forward_axis: str | None = None
    calibration_s: float = 3.0
    calibration_start_s: float | None = None
    use_magnetometer: bool = True


@dataclass(frozen=True, eq=False)
class ImuAnalysis:
    """Everything an IMU analysis produced."""

    recording: ImuRecording
    measures: MeasureSeries
    result: AnalysisResult
    cycles: PeriodicResult | None = None

    def notes(self) -> list[str]:
        """Caveats for the user: placement, sensor quality, mounting and orientation."""
        sensors = []
        for p, s in self.recording.sensors.items():
            kinds = [_("gyro") if s.has_gyro else _("accelerometer only")]
            if s.has_mag:
                kinds.append(_("mag"))
            sensors.append(
                _("{placement} ({n} samples, {rate} Hz, {kinds})").format(
                    placement=_(_PLACEMENT_WORDS.get(p, p)),
                    n=s.n_samples,
                    rate=f"{s.sample_rate_hz:.0f}",
                    kinds=", ".join(kinds),
                )  # fmt: skip
            )
        out = [
            _("IMU placement '{placement}': sensors {sensors}").format(
                placement=self.recording.placement_set, sensors=", ".join(sensors)
            )
        ]
        app = self.recording.metadata.get("app")
        if app:
            platform = self.recording.metadata.get("platform")
            out.append(
                _("recorded with {app} (platform: {platform})").format(app=app, platform=platform)
                if platform
                else _("recorded with {app}").format(app=app)
            )
        out += self.recording.warnings()
        out += [f"{k}: {v}" for k, v in self.measures.flags.items()]
        if self.cycles is not None:
            c = self.cycles
            # one count per output: the repetitions table's (the note gives the rhythm)
            out.append(
                _(
                    "dominant periodic tilt: {n} repetitions counted (period {period} s, "
                    "range {range}°, steady segment {start}-{end} s)"
                ).format(
                    n=len(self.result.repetitions),
                    period=f"{c.period_s:.1f}",
                    range=f"{c.amplitude_deg:.1f}",
                    start=f"{c.segment_s[0]:.1f}",
                    end=f"{c.segment_s[1]:.1f}",
                )
            )
        return out


#: The sensors' placements as shown in the notes (``Placement`` values).
_PLACEMENT_WORDS = {
    "upper": N_("upper back"),
    "lower": N_("sacrum"),
    "thigh": N_("thigh"),
    "wrist": N_("wrist"),
    "unknown": N_("unknown place"),
}


def _placement_set(value: str | None) -> PlacementSet | None:
    if value is None:
        return None
    allowed = ("dual", "sacrum", "upper")
    if value not in allowed:
        raise InvalidInput(
            _("Invalid value for '--placement': allowed {allowed}, got {value}").format(
                allowed=", ".join(allowed), value=repr(value)
            )
        )
    return PlacementSet(value)


def parse_forward_axes(value: str) -> tuple[str | None, dict[str, str]]:
    """``--forward-axis`` value: one axis for every sensor, or ``upper=+x,lower=-z``.

    Returns
    -------
    (axis for every sensor or None, per-placement axes)

    Raises
    ------
    InvalidInput
        One line naming the flag, the allowed values and the value given.
    """
    allowed = "+x, -x, +y, -y, +z, -z or auto"
    common: str | None = None
    per: dict[str, str] = {}
    for part in value.split(","):
        name, sep, axis = part.partition("=")
        if not sep:
            name, axis = "", name
        name, axis = name.strip().lower(), axis.strip()
        if axis.lower() != "auto":
            try:
                parse_axis(axis)
            except InvalidInput:
                raise InvalidInput(
                    _(
                        "--forward-axis must be one of {allowed} (or per sensor, "
                        "e.g. upper=+x,lower=-z), got '{value}'"
                    ).format(allowed=allowed, value=value)
                ) from None
        if (not name and common is not None) or name in per:
            who = _("every sensor") if not name else repr(name)
            raise InvalidInput(
                _("--forward-axis gives {who} two axes in '{value}': give each sensor one").format(
                    who=who, value=value
                )
            )
        if not name:
            common = axis
        elif name in {p.value for p in Placement}:
            per[name] = axis
        else:
            known = ", ".join(p.value for p in Placement)
            raise InvalidInput(
                _("--forward-axis: unknown sensor '{name}' (known: {known})").format(
                    name=name, known=known
                )
            )
    return common, per


def check_mounting_options(forward_axis: str | None, calibration_s: float) -> None:
    """Reject a bad forward axis or neutral window before any file is read.

    Raises
    ------
    InvalidInput
        One line naming the flag, the allowed values and the value given.
    """
    if forward_axis is not None:
        parse_forward_axes(forward_axis)
    if not (math.isfinite(calibration_s) and calibration_s > 0):
        raise InvalidInput(
            _("--calibration-s must be a positive number of seconds, got {calibration_s}").format(
                calibration_s=calibration_s
            )
        )


def run_imu_analysis(path: Path, options: ImuAnalyzeOptions | None = None) -> ImuAnalysis:
    """Analyse an IMU recording file.

    Parameters
    ----------
    path : Path
        Any supported IMU file, folder or zip (see :data:`spinecoach.sources.imu.READERS`).
    options : ImuAnalyzeOptions, optional

    Returns
    -------
    ImuAnalysis
        With an exercise, ``result`` analyses its ``imu_angle``; without one, the default
        angle of the placement (lumbar flexion, pelvic tilt or trunk inclination); for a
        single sensor away from the back, the cycles of its dominant periodic tilt.
    """
    opts = options or ImuAnalyzeOptions()
    check_mounting_options(opts.forward_axis, opts.calibration_s)
    chosen = _placement_set(opts.placement)
    single = SINGLE_SENSOR_PLACEMENTS.get(opts.placement or "")
    recording = read_imu(path, format=opts.format, options=ReadOptions(placement=single))
    ahrs = AhrsOptions(use_magnetometer=opts.use_magnetometer)
    common, per_sensor = parse_forward_axes(opts.forward_axis) if opts.forward_axis else (None, {})
    file_axes = recording.metadata.get("forward_axes")  # a folder: each file's own line
    calibration = CalibrationOptions(
        start_s=opts.calibration_start_s,
        duration_s=opts.calibration_s,
        forward_axis=common or str(recording.metadata.get("forward_axis", "-z")),
        forward_axes={
            **(dict(file_axes) if isinstance(file_axes, dict) and common is None else {}),
            **per_sensor,
        },
        when_moving="refuse",  # a whole recording: no still start at all is refused
    )
    if chosen is None:
        chosen = recording.placement_set
    try:
        if chosen is PlacementSet.SINGLE:
            return _analyze_single(recording, opts, ahrs)
        measures = recording_measures(
            recording, placement_set=chosen, ahrs=ahrs, calibration=calibration
        )
    except (InvalidRecording, NotMeasurable) as exc:  # "stand still for 2 s", "too short"
        message = str(exc)
        if message.startswith(str(path)):
            raise
        raise type(exc)(f"{path}: {message}") from None
    result = _analyze(measures, opts.exercise, DEFAULT_SIGNATURES[chosen])
    return ImuAnalysis(recording, measures, result)


def can_read(path: Path) -> bool:
    """Whether a registered IMU reader recognises ``path`` (for ``--source auto``)."""
    try:
        detect_format(path)
    except (UnknownFormat, InvalidRecording):
        return False
    return True


def analyze_imu(path: Path, options: Any = None) -> Any:
    """Input handler of ``spinecoach analyze --source imu``.

    Parameters
    ----------
    path : Path
    options : spinecoach.sources.analysis_input.AnalyzeOptions
        ``format``, ``exercise``, ``placement``, ``forward_axis`` and ``calibration_s``
        apply; ``out_video``, ``keypoints_out`` and ``fps`` do not (InvalidInput).

    Returns
    -------
    spinecoach.sources.analysis_input.AnalysisOutput
        As for keypoints: without an exercise no events are inferred (``result`` None),
        except for a single sensor away from the back, whose cycles are counted. Sensor
        quality warnings, mounting and orientation flags and the cycle count are ``notes``.
    """
    from spinecoach.sources.analysis_input import AnalysisOutput

    for name in ("out_video", "keypoints_out", "fps"):
        if getattr(options, name, None) is not None:
            flag = "--" + name.replace("_", "-")
            raise InvalidInput(_("{flag} does not apply to IMU recordings").format(flag=flag))
    for name in getattr(options, "reader_options", None) or {}:
        raise InvalidInput(
            _("--{replace} does not apply to IMU recordings").format(replace=name.replace("_", "-"))
        )
    opts = _coerce(options)
    analysis = run_imu_analysis(path, opts)
    single = analysis.cycles is not None
    result = analysis.result if (opts.exercise is not None or single) else None
    return AnalysisOutput(
        measures=analysis.measures,
        result=result,
        source=f"imu/{analysis.recording.metadata.get('format', '')}",
        notes=tuple(analysis.notes()),
    )


def _coerce(options: Any) -> ImuAnalyzeOptions:
    if isinstance(options, ImuAnalyzeOptions):
        return options
    if options is None:
        return ImuAnalyzeOptions()
    names = ImuAnalyzeOptions.__dataclass_fields__
    given = {n: getattr(options, n) for n in names if getattr(options, n, None) is not None}
    return ImuAnalyzeOptions(**given)


def _analyze(
    measures: MeasureSeries, exercise: Exercise | None, default: SensorSignature
) -> AnalysisResult:
    if exercise is None:
        return analyze_imu_measures(measures, default)
    signature = exercise.signature
    if signature.imu_angle is None:
        raise NotMeasurable(
            _("exercise '{id}' has no IMU angle: a back-worn sensor does not see it").format(
                id=exercise.id
            )
        )
    return analyze_imu_measures(
        measures,
        signature,
        dose=exercise.dose,
        exercise_id=exercise.id,
        error_codes=error_codes_for(exercise),  # as every live path
    )


def _analyze_single(
    recording: ImuRecording, opts: ImuAnalyzeOptions, ahrs: AhrsOptions
) -> ImuAnalysis:
    """One sensor away from the back: count the cycles of its dominant periodic tilt."""
    series = recording.primary()
    orientation = estimate_orientation(series, ahrs)
    cycles = periodic_cycles(series.time_s, orientation.up_sensor)
    values = np.full(series.time_s.shape, np.nan)
    inside = (series.time_s >= cycles.segment_s[0]) & (series.time_s <= cycles.segment_s[1])
    values[inside] = cycles.tilt_deg
    measures = MeasureSeries(
        time_s=series.time_s,
        values={"sensor_tilt_deg": values},
        flags={
            "sensor_tilt_deg": _(
                "tilt toward the dominant periodic axis, band-passed "
                "({placement} sensor; not a clinical angle)"
            ).format(placement=series.placement)
        },
    )
    amplitude = cycles.amplitude_deg
    signature = SensorSignature(
        "sensor_tilt_deg",
        SignatureMode.REPETITIVE,
        View.ANY,
        (0.3 * amplitude, 2.0 * amplitude),
        ExcursionDirection.POSITIVE,
        0.5 * amplitude,
        imu_angle="sensor_tilt_deg",
    )
    neutral = float(np.nanpercentile(values, 5))
    result = analyze_imu_measures(
        measures,
        signature,
        # the band-passed tilt's last seconds are filter transient: no unfinished repetition
        params=EventParameters(neutral_deg=neutral, count_unfinished_fraction=0.0),
        exercise_id=opts.exercise.id if opts.exercise else "",
    )
    return ImuAnalysis(recording, measures, result, cycles)
