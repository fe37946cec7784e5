"""``spinecoach analyze FILE --source imu``: read, orient, measure, detect events.

:func:`analyze_imu` is the input handler the ``analyze`` command calls for IMU files; it is
also what ``spinecoach imu analyze`` runs. Output has the same shape as for keypoints
(:meth:`AnalysisResult.to_json`) plus an ``imu`` block (sensors, quality warnings, measure
flags) and, for a single sensor away from the back, a ``cycles`` block.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinecoach.domain.exercise import (
    Exercise,
    ExcursionDirection,
    SensorSignature,
    SignatureMode,
    View,
)
from spinecoach.errors import InvalidInput, NotMeasurable
from spinecoach.motion.analysis import AnalysisResult, analyze_measures
from spinecoach.motion.events import EventParameters
from spinecoach.motion.imu_angles import CalibrationOptions
from spinecoach.motion.imu_orientation import AhrsOptions, estimate_orientation
from spinecoach.motion.imu_periodic import PeriodicResult, periodic_cycles
from spinecoach.motion.imu_pipeline import recording_measures
from spinecoach.motion.imu_types import ImuRecording, Placement, PlacementSet
from spinecoach.motion.types import MeasureSeries
from spinecoach.sources.imu import ReadOptions, read_imu

logger = logging.getLogger(__name__)

#: Primary angle analysed per placement when no exercise is given.
DEFAULT_SIGNATURES: dict[PlacementSet, SensorSignature] = {
    PlacementSet.DUAL: SensorSignature(
        "lumbar_flexion_deg", SignatureMode.REPETITIVE, View.ANY, (10.0, 60.0),
        ExcursionDirection.BOTH, 8.0, imu_angle="lumbar_flexion_deg",
    ),
    PlacementSet.SACRUM: SensorSignature(
        "pelvic_tilt_deg", SignatureMode.REPETITIVE, View.ANY, (5.0, 25.0),
        ExcursionDirection.BOTH, 5.0, imu_angle="pelvic_tilt_deg",
    ),
    PlacementSet.UPPER: SensorSignature(
        "trunk_inclination_deg", SignatureMode.REPETITIVE, View.ANY, (10.0, 90.0),
        ExcursionDirection.BOTH, 10.0, imu_angle="trunk_inclination_deg",
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
    forward_axis : str
        Sensor axis pointing to the subject's front (``-z`` default, or ``auto``).
    calibration_s : float
        Neutral window length at the start (or from ``calibration_start_s``).
    use_magnetometer : bool
    """

    placement: str | None = None
    exercise: Exercise | None = None
    format: str | None = None
    forward_axis: str = "-z"
    calibration_s: float = 3.0
    calibration_start_s: float | None = None
    use_magnetometer: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class ImuAnalysis:
    """Everything an IMU analysis produced."""

    recording: ImuRecording
    measures: MeasureSeries
    result: AnalysisResult
    cycles: PeriodicResult | None = None

    def to_json(self) -> dict[str, Any]:
        """The keypoint-analysis JSON plus ``source``, ``imu`` and (single sensor) ``cycles``."""
        out = self.result.to_json()
        out["source"] = "imu"
        out["imu"] = {
            "format": self.recording.metadata.get("format"),
            "placement": str(self.recording.placement_set),
            "sensors": {
                str(p): {
                    "n_samples": s.n_samples,
                    "sample_rate_hz": round(s.sample_rate_hz, 3),
                    "gyroscope": s.has_gyro,
                    "magnetometer": s.has_mag,
                    "warnings": list(s.quality.warnings),
                }
                for p, s in self.recording.sensors.items()
            },
            "measures": sorted(self.measures.values),
            "unmeasurable": dict(self.measures.unmeasurable),
            "flags": dict(self.measures.flags),
        }
        if self.cycles is not None:
            out["cycles"] = {
                "n_cycles": self.cycles.n_cycles,
                "period_s": round(self.cycles.period_s, 3),
                "amplitude_deg": round(self.cycles.amplitude_deg, 2),
                "peaks_s": [round(t, 3) for t in self.cycles.cycle_peaks_s],
                "segment_s": [round(t, 3) for t in self.cycles.segment_s],
                "axis_sensor": [round(float(v), 3) for v in self.cycles.axis_sensor],
            }
        return out

    def write_angles_csv(self, path: Path) -> None:
        """One row per sample: ``time_s`` and one column per measure (degrees)."""
        names = list(self.measures.values)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["time_s", *names])
            columns = [self.measures.time_s, *(self.measures.values[n] for n in names)]
            for row in np.column_stack(columns):
                writer.writerow([f"{v:.4f}" if np.isfinite(v) else "" for v in row])


def _placement_set(value: str | None) -> PlacementSet | None:
    if value is None:
        return None
    allowed = ("dual", "sacrum", "upper")
    if value not in allowed:
        raise InvalidInput(
            f"Invalid value for '--placement': allowed {', '.join(allowed)}, got {value!r}"
        )
    return PlacementSet(value)


def analyze_imu(path: Path, options: Any = None) -> ImuAnalysis:
    """Analyse an IMU recording file.

    Parameters
    ----------
    path : Path
        Any supported IMU file, folder or zip (see :data:`spinecoach.sources.imu.READERS`).
    options : ImuAnalyzeOptions or any object with some of its attribute names
        (``placement``, ``exercise``, ``format``, ...); missing attributes take the defaults.

    Returns
    -------
    ImuAnalysis
    """
    opts = _coerce(options)
    chosen = _placement_set(opts.placement)
    single = SINGLE_SENSOR_PLACEMENTS.get(opts.placement or "")
    recording = read_imu(path, format=opts.format, options=ReadOptions(placement=single))
    ahrs = AhrsOptions(use_magnetometer=opts.use_magnetometer)
    calibration = CalibrationOptions(
        start_s=opts.calibration_start_s, duration_s=opts.calibration_s,
        forward_axis=opts.forward_axis,
    )
    if chosen is None:
        chosen = recording.placement_set
    if chosen is PlacementSet.SINGLE:
        return _analyze_single(recording, opts, ahrs)
    measures = recording_measures(recording, placement_set=chosen, ahrs=ahrs, calibration=calibration)
    result = _analyze(measures, opts.exercise, DEFAULT_SIGNATURES[chosen])
    return ImuAnalysis(recording, measures, result)


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
        return analyze_measures(measures, default, angle=default.imu_angle)
    signature = exercise.signature
    if signature.imu_angle is None:
        raise NotMeasurable(
            f"exercise '{exercise.id}' has no IMU angle: a back-worn sensor does not see it"
        )
    codes = frozenset(e.code for e in exercise.common_errors) | {
        "out_of_range", "too_fast", "not_enough_range",
    }
    return analyze_measures(
        measures, signature, angle=signature.imu_angle, dose=exercise.dose,
        exercise_id=exercise.id, error_codes=codes,
    )


def _analyze_single(recording: ImuRecording, opts: ImuAnalyzeOptions, ahrs: AhrsOptions) -> ImuAnalysis:
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
        flags={"sensor_tilt_deg": "tilt toward the dominant periodic axis, band-passed "
               f"({series.placement} sensor; not a clinical angle)"},
    )
    amplitude = cycles.amplitude_deg
    signature = SensorSignature(
        "sensor_tilt_deg", SignatureMode.REPETITIVE, View.ANY, (0.3 * amplitude, 2.0 * amplitude),
        ExcursionDirection.POSITIVE, 0.5 * amplitude, imu_angle="sensor_tilt_deg",
    )
    neutral = float(np.nanpercentile(values, 5))
    result = analyze_measures(
        measures, signature, params=EventParameters(neutral_deg=neutral),
        exercise_id=opts.exercise.id if opts.exercise else "",
    )
    return ImuAnalysis(recording, measures, result, cycles)
