"""IMU recording -> orientation -> angles, for whole recordings and one sample at a time.

:func:`recording_measures` processes a whole :class:`ImuRecording`;
:class:`ImuStreamProcessor` does the same as samples arrive. The stream processor buffers the
calibration window, then runs *the same* start-up, calibration and angle code on it as the
batch path, and continues sample by sample, so both give the same angles (to rounding) and
therefore the same events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinecoach.domain.exercise import SensorSignature
from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidRecording
from spinecoach.motion.analysis import AnalysisResult, analyze_measures
from spinecoach.motion.imu_angles import (
    ROTATION_NO_MAG_FLAG,
    CalibrationOptions,
    Mounting,
    imu_measures,
    infer_mounting,
    segment_angles,
)
from spinecoach.motion.imu_orientation import (
    AhrsOptions,
    Orientation,
    OrientationTracker,
    estimate_orientation,
    up_from_quaternions,
)
from spinecoach.motion.imu_types import ImuRecording, ImuSeries, Placement, PlacementSet
from spinecoach.motion.measure_zone import placement_signature
from spinecoach.motion.types import FloatArray, MeasureSeries

#: Event detection runs on the angles decimated to about this rate (Hz): the motion core is
#: tuned for 15-60 Hz (camera rates) and slow therapeutic movement gains nothing above it.
EVENT_RATE_HZ = 25.0


def event_stride(time_s: FloatArray, max_rate_hz: float = EVENT_RATE_HZ) -> int:
    """Every how many samples events are detected, from the rate of the first 2 s."""
    head = time_s[time_s <= time_s[0] + 2.0]
    if head.size < 2:
        return 1
    rate_hz = 1.0 / float(np.median(np.diff(head)))
    return max(1, int(round(rate_hz / max_rate_hz)))


def every_nth(measures: MeasureSeries, stride: int) -> MeasureSeries:
    """Measures at every ``stride``-th sample (starting with the first)."""
    if stride <= 1:
        return measures
    return MeasureSeries(
        measures.time_s[::stride],
        {k: v[::stride] for k, v in measures.values.items()},
        measures.unmeasurable,
        measures.flags,
    )


def analyze_imu_measures(
    measures: MeasureSeries, signature: SensorSignature, **kwargs: Any
) -> AnalysisResult:
    """:func:`~spinecoach.motion.analysis.analyze_measures` at the event rate.

    The angles are decimated by :func:`event_stride` (as the live path does), and the angle
    defaults to ``signature.imu_angle``; other keyword arguments pass through. The target
    zone and minimum excursion are the placement's (:func:`placement_signature`).
    """
    kwargs.setdefault("angle", signature.imu_angle or signature.primary_angle)
    signature = placement_signature(signature, kwargs["angle"])
    return analyze_measures(every_nth(measures, event_stride(measures.time_s)), signature, **kwargs)


def recording_measures(
    recording: ImuRecording,
    *,
    placement_set: PlacementSet | None = None,
    ahrs: AhrsOptions | None = None,
    calibration: CalibrationOptions | None = None,
) -> MeasureSeries:
    """Angles of a whole recording (see :func:`spinecoach.motion.imu_angles.imu_measures`).

    Parameters
    ----------
    recording : ImuRecording
    placement_set : PlacementSet, optional
        Measure family; inferred from the sensors present when omitted.
    ahrs : AhrsOptions, optional
    calibration : CalibrationOptions, optional

    Returns
    -------
    MeasureSeries
    """
    opts = ahrs or AhrsOptions()
    orientations = {p: estimate_orientation(s, opts) for p, s in recording.sensors.items()}
    has_mag = opts.use_magnetometer and all(s.has_mag for s in recording.sensors.values())
    measures = imu_measures(
        orientations, calibration=calibration, has_magnetometer=has_mag, placement_set=placement_set
    )
    methods = {f"orientation_{p}": o.method for p, o in orientations.items()}
    return MeasureSeries(
        measures.time_s, measures.values, measures.unmeasurable, {**measures.flags, **methods}
    )


Sample = tuple[Sequence[float] | None, Sequence[float], Sequence[float] | None]  # gyro, accel, mag


@dataclass
class _SensorState:
    tracker: OrientationTracker | None
    mounting: Mounting
    axes: list[list[float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.axes = self.mounting.axes.tolist()


#: Bound on frames buffered during the calibration window (a few seconds at up to ~400 Hz).
MAX_CALIBRATION_FRAMES = 4000


@dataclass
class ImuStreamProcessor:
    """Per-sample orientation and angles for a live stream (one or two sensors).

    Feed :meth:`push` one *frame*: a time stamp and the latest sample of each sensor. During
    the calibration window frames are buffered and nothing is returned; at its end the
    buffered frames are processed exactly like a file and all their measure rows returned at
    once; afterwards each push returns one row.

    Parameters
    ----------
    placements : sequence of Placement
        Sensors expected in every frame (``upper`` and ``lower`` for dual).
    placement_set : PlacementSet, optional
    ahrs, calibration : options as for :func:`recording_measures`
    max_calibration_frames : int
        Frames buffered in the calibration window at most; more raise
        :class:`InvalidRecording` (memory stays bounded whatever a client sends).
    """

    placements: Sequence[Placement]
    placement_set: PlacementSet | None = None
    ahrs: AhrsOptions = field(default_factory=AhrsOptions)
    calibration: CalibrationOptions = field(default_factory=CalibrationOptions)
    measure_names: tuple[str, ...] = ()
    flags: dict[str, str] = field(default_factory=dict)
    max_calibration_frames: int = MAX_CALIBRATION_FRAMES

    def __post_init__(self) -> None:
        self._buffer: list[tuple[float, Mapping[Placement, Sample]]] = []
        self._states: dict[Placement, _SensorState] | None = None
        self._t0: float | None = None
        self._chosen: PlacementSet | None = None

    @property
    def calibrated(self) -> bool:
        """Whether the calibration window has ended."""
        return self._states is not None

    def push(
        self, t_s: float, frame: Mapping[Placement, Sample]
    ) -> list[tuple[float, dict[str, float]]]:
        """Add one frame; return the measure rows ``(t_s, {name: degrees})`` now available."""
        missing = [p for p in self.placements if p not in frame]
        if missing:
            raise InvalidRecording(
                gettext("frame at t={t_s:.3f} s lacks sensor(s) {missing}").format(
                    t_s=t_s, missing=missing
                )
            )
        if self._states is None:
            if self._t0 is None:
                self._t0 = t_s if self.calibration.start_s is None else self.calibration.start_s
            end = self._t0 + self.calibration.duration_s
            if t_s <= end:
                if len(self._buffer) >= self.max_calibration_frames:
                    raise InvalidRecording(
                        gettext(
                            "more than {max_calibration_frames} frames within the "
                            "{duration_s:g} s calibration window: the sensor's time "
                            "stamps do not advance (or it sends far faster than a real "
                            "sensor)"
                        ).format(
                            max_calibration_frames=self.max_calibration_frames,
                            duration_s=self.calibration.duration_s,
                        )
                    )
                self._buffer.append((t_s, frame))
                return []
            rows = self._calibrate()
            return rows + [self._row(t_s, frame)]
        return [self._row(t_s, frame)]

    def flush(self) -> list[tuple[float, dict[str, float]]]:
        """Process a stream that ended inside the calibration window (if long enough)."""
        if self._states is None and len(self._buffer) >= 10:
            return self._calibrate()
        return []

    # -- internals -------------------------------------------------------------------------

    def _calibrate(self) -> list[tuple[float, dict[str, float]]]:
        times = np.array([t for t, _ in self._buffer])
        recording = ImuRecording({p: self._series(p, times) for p in self.placements})
        measures = recording_measures(
            recording,
            placement_set=self.placement_set,
            ahrs=self.ahrs,
            calibration=self.calibration,
        )
        self.measure_names = tuple(measures.values)
        self.flags = dict(measures.flags)
        self._chosen = self.placement_set or recording.placement_set
        states: dict[Placement, _SensorState] = {}
        for p, series in recording.sensors.items():
            tracker = OrientationTracker(series, self.ahrs) if series.has_gyro else None
            quats = None
            if tracker is not None:
                quats = tracker.run(series.time_s, series.gyro_dps, series.accel_g, series.mag_ut)  # type: ignore[arg-type]
                up = up_from_quaternions(quats)
            else:
                up = series.accel_g / np.linalg.norm(series.accel_g, axis=1, keepdims=True)
            orientation = Orientation(
                series.time_s, up, quats, tracker.method if tracker else "accelerometer"
            )
            mounting = infer_mounting(orientation, p, self.calibration)
            states[p] = _SensorState(tracker, mounting)
        self._states = states
        self._buffer = []
        return [
            (float(t), {name: float(v[i]) for name, v in measures.values.items()})
            for i, t in enumerate(measures.time_s)
        ]

    def _series(self, placement: Placement, times: np.ndarray) -> ImuSeries:
        gyros = [f[placement][0] for _, f in self._buffer]
        accel = np.array([f[placement][1] for _, f in self._buffer], dtype=float)
        mags = [f[placement][2] for _, f in self._buffer]
        gyro = None if any(g is None for g in gyros) else np.array(gyros, dtype=float)
        mag = None if any(m is None for m in mags) else np.array(mags, dtype=float)
        rate = 1.0 / float(np.median(np.diff(times))) if times.size > 1 else 100.0
        return ImuSeries(
            times,
            accel,
            gyro,
            mag,
            placement=placement,
            sample_rate_hz=rate,
            name=str(placement),
            source="stream",
        )

    def _segment(self, p: Placement, t_s: float, sample: Sample) -> tuple[float, float, float]:
        """Sagittal, frontal and heading (degrees) of one sensor's segment."""
        assert self._states is not None
        state = self._states[p]
        gyro, accel, mag = sample
        axes = state.axes
        heading = math.nan
        if state.tracker is not None and gyro is not None:
            w, x, y, z = state.tracker.update(t_s, gyro, accel, mag)
            ux, uy, uz = 2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y)
            if state.mounting.heading0_deg is not None:
                lx, ly, lz = axes[1]
                ex = (
                    (1 - 2 * (y * y + z * z)) * lx
                    + 2 * (x * y - w * z) * ly
                    + 2 * (x * z + w * y) * lz
                )
                ey = (
                    2 * (x * y + w * z) * lx
                    + (1 - 2 * (x * x + z * z)) * ly
                    + 2 * (y * z - w * x) * lz
                )
                h = math.degrees(math.atan2(-ex, ey)) - state.mounting.heading0_deg
                heading = (h + 180.0) % 360.0 - 180.0
        else:
            norm = math.sqrt(accel[0] ** 2 + accel[1] ** 2 + accel[2] ** 2) or 1.0
            ux, uy, uz = accel[0] / norm, accel[1] / norm, accel[2] / norm
        (f0, f1, f2), (l0, l1, l2), (u0, u1, u2) = axes
        bf = f0 * ux + f1 * uy + f2 * uz
        bl = l0 * ux + l1 * uy + l2 * uz
        bu = u0 * ux + u1 * uy + u2 * uz
        sag = math.degrees(math.atan2(-bf, bu))
        front = math.degrees(math.asin(min(1.0, max(-1.0, bl))))
        return sag, front, heading

    def _row(self, t_s: float, frame: Mapping[Placement, Sample]) -> tuple[float, dict[str, float]]:
        seg = {p: self._segment(p, t_s, frame[p]) for p in self.placements}
        chosen = self._chosen
        values: dict[str, float] = {}
        if chosen is PlacementSet.DUAL:
            (us, uf, uh), (ls, lf, lh) = seg[Placement.UPPER], seg[Placement.LOWER]
            rot = (lh - uh + 180.0) % 360.0 - 180.0  # turn to the right positive
            values = {
                "lumbar_flexion_deg": us - ls,
                "lumbar_lateral_flexion_deg": uf - lf,
                "lumbar_rotation_deg": rot,
                "pelvic_tilt_deg": ls,
                "pelvic_obliquity_deg": lf,
                "trunk_inclination_deg": us,
                "trunk_lateral_inclination_deg": uf,
            }
        elif chosen is PlacementSet.SACRUM:
            ls, lf, lh = seg[Placement.LOWER]
            values = {"pelvic_tilt_deg": ls, "pelvic_obliquity_deg": lf, "pelvic_rotation_deg": -lh}
        elif chosen is PlacementSet.UPPER:
            us, uf, _ = seg[Placement.UPPER]
            values = {"trunk_inclination_deg": us, "trunk_lateral_inclination_deg": uf}
        else:
            s, f, _ = seg[self.placements[0]]
            values = {"sensor_sagittal_deg": s, "sensor_frontal_deg": f}
        return t_s, {k: values[k] for k in self.measure_names if k in values}


__all__ = [
    "EVENT_RATE_HZ",
    "analyze_imu_measures",
    "ImuStreamProcessor",
    "ROTATION_NO_MAG_FLAG",
    "event_stride",
    "every_nth",
    "recording_measures",
    "segment_angles",
]
