"""Sensor orientation from inertial samples: x-io Fusion AHRS, or accelerometer-only tilt.

Orientation is returned as unit quaternions ``(w, x, y, z)`` of the sensor frame relative to
the Earth (NWU: x north, y west, z up), and as the Earth's *up* direction expressed in the
sensor's axes (what an accelerometer at rest reads, normalised). Angles downstream
(:mod:`spinecoach.motion.imu_angles`) need only that up vector, plus the heading of one
axis for rotation.

Start-up: Fusion runs a 3 s start-up phase with a high, ramping gain. We handle it
explicitly (``startup`` option): by default the attitude is *initialised* from the mean
accelerometer reading over the first ``initial_window_s`` (the sensor is assumed still there,
which the calibration period guarantees), then :meth:`imufusion.Ahrs.skip_startup` is
called, so the first samples are already valid. ``startup="fusion"`` keeps Fusion's own
ramp (the first 3 s are then reported in ``Orientation.startup_s``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import imufusion
import numpy as np
from scipy.signal import butter, sosfiltfilt

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.motion.imu_types import ImuSeries
from spinecoach.motion.types import FloatArray

logger = logging.getLogger(__name__)

STARTUP_MODES = ("initialise", "fusion")
FUSION_STARTUP_S = 3.0


@dataclass(frozen=True)
class AhrsOptions:
    """Settings of the Fusion AHRS (all defaults suit slow rehabilitation movements).

    Attributes
    ----------
    gain : float
        Fusion gain (0.5 is the library's typical value).
    gyroscope_range_dps : float
        Gyroscope full scale; Fusion recovers after samples beyond it.
    acceleration_rejection_deg, magnetic_rejection_deg : float
        Error above which accelerometer / magnetometer are ignored (0 disables rejection).
    rejection_timeout_s : float
        Longest rejection before Fusion forces recovery.
    use_magnetometer : bool
        Use the magnetometer when the series has one.
    startup : str
        ``"initialise"`` (attitude from the first still window, then skip start-up) or
        ``"fusion"`` (Fusion's own 3 s ramp).
    initial_window_s : float
        Window at the start averaged to initialise the attitude.
    accel_only_cutoff_hz : float
        Low-pass cut-off for accelerometer-only tilt (no gyroscope).
    gyro_offset_window_s : float
        If the first this many seconds are still (every axis' standard deviation below
        ``still_threshold_dps``), their mean gyroscope reading is taken as the gyroscope
        offset and subtracted (0 disables). Fusion's complementary filter otherwise leaves a
        tilt error of about offset / gain.
    reinit_after_gap_s : float
        After a gap in the samples longer than this, the orientation is re-initialised:
        tilt from the accelerometer at the first sample after it, heading kept (the
        filter would otherwise take ~10 s to converge back).
    still_threshold_dps : float
        Largest gyroscope standard deviation (°/s) that still counts as still.
    """

    gain: float = 0.5
    gyroscope_range_dps: float = 2000.0
    acceleration_rejection_deg: float = 10.0
    magnetic_rejection_deg: float = 10.0
    rejection_timeout_s: float = 5.0
    use_magnetometer: bool = True
    startup: str = "initialise"
    initial_window_s: float = 0.5
    accel_only_cutoff_hz: float = 2.0
    gyro_offset_window_s: float = 2.0
    still_threshold_dps: float = 3.0
    reinit_after_gap_s: float = 0.5

    def __post_init__(self) -> None:
        if self.startup not in STARTUP_MODES:
            raise InvalidInput(
                _("Invalid value for 'startup': allowed {startup_modes}, got {startup}").format(
                    startup_modes=", ".join(STARTUP_MODES), startup=repr(self.startup)
                )
            )


@dataclass(frozen=True, eq=False)
class Orientation:
    """Orientation of one sensor over time.

    Attributes
    ----------
    time_s : ndarray, shape (n_samples,)
    up_sensor : ndarray, shape (n_samples, 3)
        Unit vector of Earth's up in the sensor's axes.
    quaternion : ndarray, shape (n_samples, 4) or None
        ``(w, x, y, z)`` sensor-to-Earth (NWU); ``None`` for accelerometer-only tilt.
    method : str
        ``"fusion_marg"``, ``"fusion_imu"`` or ``"accelerometer"``.
    startup_s : float
        Seconds at the start during which Fusion was still in its start-up phase.
    gyro_offset_dps : ndarray, shape (3,) or None
        Gyroscope offset removed (from the still start), if any.
    """

    time_s: FloatArray
    up_sensor: FloatArray
    quaternion: FloatArray | None
    method: str
    startup_s: float = 0.0
    gyro_offset_dps: FloatArray | None = None


def make_ahrs(options: AhrsOptions, sample_rate_hz: float) -> imufusion.Ahrs:
    """Return a configured :class:`imufusion.Ahrs` (NWU convention)."""
    ahrs = imufusion.Ahrs()
    ahrs.set_settings(
        imufusion.AhrsSettings(
            sample_rate=float(sample_rate_hz),
            convention=imufusion.CONVENTION_NWU,
            gain=options.gain,
            gyroscope_range=options.gyroscope_range_dps,
            acceleration_rejection=options.acceleration_rejection_deg,
            magnetic_rejection=options.magnetic_rejection_deg,
            rejection_timeout=options.rejection_timeout_s,
        )
    )
    return ahrs


def initial_quaternion(accel_g: FloatArray, mag_ut: FloatArray | None = None) -> FloatArray:
    """Attitude whose up axis matches a still accelerometer reading (heading from ``mag_ut``).

    Parameters
    ----------
    accel_g : ndarray, shape (3,)
        Mean accelerometer reading while still.
    mag_ut : ndarray, shape (3,), optional
        Mean magnetometer reading; without it the heading is zero.

    Returns
    -------
    ndarray, shape (4,)
        ``(w, x, y, z)`` sensor-to-Earth, NWU.
    """
    up = accel_g / max(float(np.linalg.norm(accel_g)), 1e-9)
    if mag_ut is not None and np.linalg.norm(np.cross(up, mag_ut)) > 1e-6:
        west = np.cross(up, mag_ut)
        west /= np.linalg.norm(west)
        north = np.cross(west, up)
    else:
        # North is the sensor x axis projected on the horizontal (or y when x is vertical).
        ref = np.array([1.0, 0.0, 0.0]) if abs(up[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        north = ref - up * float(ref @ up)
        north /= np.linalg.norm(north)
        west = np.cross(up, north)
    # Rows of the sensor-to-Earth matrix R are the Earth axes written in sensor coordinates.
    return matrix_to_quaternion(np.vstack([north, west, up]))


def matrix_to_quaternion(r: FloatArray) -> FloatArray:
    """Quaternion ``(w, x, y, z)`` of a 3×3 rotation matrix (sensor-to-Earth)."""
    m = np.asarray(r, dtype=float)
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = [(m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s]
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = [(m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s]
    else:
        s = 2.0 * np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = [(m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s]
    out = np.asarray(q, dtype=float)
    return out / np.linalg.norm(out)


def up_from_quaternions(q: FloatArray) -> FloatArray:
    """Earth's up axis in sensor coordinates, ``R^T e_z``, for quaternions ``(n, 4)``."""
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.column_stack(
        (2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y))
    )


def dot_rows(v: FloatArray, w: FloatArray) -> FloatArray:
    """Dot product of each row of ``v`` ``(n, 3)`` with the vector ``w`` ``(3,)``.

    Written out per column instead of ``v @ w``: on long arrays a matrix product goes to
    multithreaded BLAS, whose worker thread then spins for about 0.1 s of CPU after the call
    when a core is free (OpenBLAS's wait before it sleeps), several times the product's own
    cost; the sum ``v0 w0 + v1 w1 + v2 w2`` is also exactly what the live path computes per
    sample in plain floats.

    Returns
    -------
    ndarray, shape (n,)
    """
    a, b, c = float(w[0]), float(w[1]), float(w[2])
    out: FloatArray = v[:, 0] * a + v[:, 1] * b + v[:, 2] * c
    return out


def rotate_to_earth(q: FloatArray, v_sensor: FloatArray) -> FloatArray:
    """Rotate one sensor-frame vector ``(3,)`` to Earth coordinates for each quaternion ``(n, 4)``.

    Returns
    -------
    ndarray, shape (n, 3)
    """
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    a, b, c = float(v_sensor[0]), float(v_sensor[1]), float(v_sensor[2])
    ex, ey = _rotate_xy(w, x, y, z, a, b, c)
    ez = 2 * (x * z - w * y) * a + 2 * (y * z + w * x) * b + (1 - 2 * (x * x + y * y)) * c
    return np.column_stack((ex, ey, ez))


def rotate_to_earth_xy(q: FloatArray, v_sensor: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The Earth x (north) and y (west) components of :func:`rotate_to_earth`, each ``(n,)``.

    Same arithmetic, without the vertical component (headings need only these two).
    """
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return _rotate_xy(w, x, y, z, float(v_sensor[0]), float(v_sensor[1]), float(v_sensor[2]))


def _rotate_xy(
    w: FloatArray, x: FloatArray, y: FloatArray, z: FloatArray, a: float, b: float, c: float
) -> tuple[FloatArray, FloatArray]:
    ex = (1 - 2 * (y * y + z * z)) * a + 2 * (x * y - w * z) * b + 2 * (x * z + w * y) * c
    ey = 2 * (x * y + w * z) * a + (1 - 2 * (x * x + z * z)) * b + 2 * (y * z - w * x) * c
    return ex, ey


class OrientationTracker:
    """A Fusion AHRS started from a still window, updated one sample at a time.

    Start-up (see the module docstring) looks only at the first ``max(initial_window_s,
    gyro_offset_window_s)`` seconds of the series it is given, so a tracker started from a
    live stream's first seconds is identical to one started from the whole file.

    Parameters
    ----------
    head : ImuSeries
        At least the first seconds of the sensor's samples (gyroscope required).
    options : AhrsOptions
    """

    def __init__(self, head: ImuSeries, options: AhrsOptions) -> None:
        if head.gyro_dps is None:
            raise InvalidInput(_("{name}: an AHRS needs a gyroscope").format(name=head.name))
        self.options = options
        self.use_mag = options.use_magnetometer and head.mag_ut is not None
        window_s = max(options.initial_window_s, options.gyro_offset_window_s, 0.1)
        in_window = head.time_s <= head.time_s[0] + window_s
        dts = np.diff(head.time_s[in_window])
        self.sample_period_s = float(np.median(dts)) if dts.size else 1.0 / head.sample_rate_hz
        self.max_period_s = 5.0 * self.sample_period_s
        self.ahrs = make_ahrs(options, 1.0 / self.sample_period_s)
        self.gyro_offset_dps = still_gyro_offset(head, options, self.sample_period_s)
        self.startup_s = _apply_startup(
            self.ahrs, head, options, self.use_mag, self.sample_period_s
        )
        self.last_time_s: float | None = None
        self.n_reinitialised = 0
        self._period_s = self.sample_period_s  # the settings' sample rate
        self._offset = None if self.gyro_offset_dps is None else self.gyro_offset_dps.tolist()
        self.method = "fusion_marg" if self.use_mag else "fusion_imu"

    def _reinitialise(self, accel_g: FloatArray) -> None:
        """After a gap: tilt from the accelerometer now, heading kept from before the gap."""
        w, x, y, z = (float(v) for v in self.ahrs.get_quaternion())
        yaw = math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
        ax, ay, az = (float(v) for v in accel_g)
        if not math.isfinite(ax + ay + az) or ax * ax + ay * ay + az * az < 1e-6:
            return
        roll = math.atan2(ay, az)
        pitch = math.atan2(-ax, math.hypot(ay, az))
        cy, sy = math.cos(yaw / 2), math.sin(yaw / 2)
        cp, sp = math.cos(pitch / 2), math.sin(pitch / 2)
        cr, sr = math.cos(roll / 2), math.sin(roll / 2)
        self.ahrs.set_quaternion(
            np.array(
                [
                    cr * cp * cy + sr * sp * sy,
                    sr * cp * cy - cr * sp * sy,
                    cr * sp * cy + sr * cp * sy,
                    cr * cp * sy - sr * sp * cy,
                ]
            )
        )

    def periods(self, dt_s: FloatArray) -> FloatArray:
        """Sample periods used for ``dt_s``: within 5 % of nominal -> nominal (timing jitter);
        otherwise the real gap, clipped to [1 µs, 5 nominal periods]."""
        nominal = self.sample_period_s
        jitter = np.abs(dt_s - nominal) <= 0.05 * nominal
        return np.where(jitter, nominal, np.clip(dt_s, 1e-6, self.max_period_s))

    def _set_period(self, period_s: float) -> None:
        if period_s != self._period_s:
            self.ahrs.set_sample_period(period_s)
            self._period_s = period_s

    def run(
        self,
        time_s: FloatArray,
        gyro_dps: FloatArray,
        accel_g: FloatArray,
        mag_ut: FloatArray | None = None,
    ) -> FloatArray:
        """Update over a block of samples; return quaternions ``(n, 4)`` (w, x, y, z)."""
        n = int(time_s.shape[0])
        gyro = np.ascontiguousarray(gyro_dps, dtype=float)
        if self.gyro_offset_dps is not None:
            gyro = gyro - self.gyro_offset_dps
        accel = np.ascontiguousarray(accel_g, dtype=float)
        previous = (
            self.last_time_s if self.last_time_s is not None else time_s[0] - self.sample_period_s
        )
        raw_dt = np.diff(time_s, prepend=previous)
        periods = self.periods(raw_dt)
        # Runs of equal sample periods: set the period once per run (usually once in all;
        # a clock with real irregular steps gives many short runs, so the per-run work is
        # kept to a comparison and two range loops). A gap longer than
        # ``reinit_after_gap_s`` starts a run too: there the orientation is re-initialised.
        gaps = np.flatnonzero(raw_dt > self.options.reinit_after_gap_s)
        changes = np.union1d(np.flatnonzero(np.diff(periods)) + 1, gaps[gaps > 0])
        gap_starts = set(gaps.tolist())
        self.n_reinitialised += len(gap_starts)
        starts = [0, *changes.tolist()]
        ends = [*changes.tolist(), n]
        period_list = periods.tolist()
        ahrs = self.ahrs
        get_q = ahrs.get_quaternion
        set_period = ahrs.set_sample_period
        current = self._period_s
        mag = None if mag_ut is None else np.ascontiguousarray(mag_ut, dtype=float)
        if not n:
            return np.empty((0, 4))
        # Rows are iterated (one view per row, no index arithmetic) and the quaternions
        # collected in a list, joined once: about 6 % less overhead around imufusion
        # than indexing gyro[i] and assigning quats[i] per sample.
        out: list[FloatArray] = []
        append = out.append
        if self.use_mag and mag is not None:
            update = ahrs.update
            for a, b in zip(starts, ends, strict=True):
                period = period_list[a]
                if period != current:
                    set_period(period)
                    current = period
                if a in gap_starts:
                    self._reinitialise(accel[a])
                for g_row, a_row, m_row in zip(gyro[a:b], accel[a:b], mag[a:b], strict=True):
                    update(g_row, a_row, m_row)
                    append(get_q())
        else:
            update_nm = ahrs.update_no_magnetometer
            for a, b in zip(starts, ends, strict=True):
                period = period_list[a]
                if period != current:
                    set_period(period)
                    current = period
                if a in gap_starts:
                    self._reinitialise(accel[a])
                for g_row, a_row in zip(gyro[a:b], accel[a:b], strict=True):
                    update_nm(g_row, a_row)
                    append(get_q())
        # imufusion returns float32 rows: one concatenation, then float64 for the angles
        quats = np.concatenate(out).reshape(-1, 4).astype(float)
        self._period_s = current
        self.last_time_s = float(time_s[-1])
        return quats

    def update(
        self,
        t_s: float,
        gyro_dps: Sequence[float],
        accel_g: Sequence[float],
        mag_ut: Sequence[float] | None,
    ) -> list[float]:
        """One sample (live use; plain floats, no arrays); returns ``[w, x, y, z]``."""
        previous = self.last_time_s if self.last_time_s is not None else t_s - self.sample_period_s
        dt = t_s - previous
        nominal = self.sample_period_s
        if abs(dt - nominal) > 0.05 * nominal:  # same rule as :meth:`periods`
            nominal = min(max(dt, 1e-6), self.max_period_s)
        self._set_period(nominal)
        self.last_time_s = t_s
        off = self._offset
        gyro = (
            gyro_dps
            if off is None
            else [gyro_dps[0] - off[0], gyro_dps[1] - off[1], gyro_dps[2] - off[2]]
        )
        # imufusion parses any 3-sequence (its stubs say ndarray); lists skip array creation.
        if self.use_mag and mag_ut is not None:
            self.ahrs.update(gyro, accel_g, mag_ut)  # type: ignore[arg-type]
        else:
            self.ahrs.update_no_magnetometer(gyro, accel_g)  # type: ignore[arg-type]
        quaternion: list[float] = self.ahrs.get_quaternion().tolist()
        return quaternion


def estimate_orientation(series: ImuSeries, options: AhrsOptions | None = None) -> Orientation:
    """Orientation of one sensor over a whole recording.

    Parameters
    ----------
    series : ImuSeries
        Samples in °/s, g and µT.
    options : AhrsOptions, optional

    Returns
    -------
    Orientation
        Fusion AHRS (gyroscope + accelerometer, + magnetometer when present and enabled),
        or low-passed accelerometer tilt when the series has no gyroscope.
    """
    opts = options or AhrsOptions()
    if series.gyro_dps is None:
        return accelerometer_tilt(series, cutoff_hz=opts.accel_only_cutoff_hz)
    tracker = OrientationTracker(series, opts)
    quats = tracker.run(series.time_s, series.gyro_dps, series.accel_g, series.mag_ut)
    return Orientation(
        time_s=series.time_s,
        up_sensor=up_from_quaternions(quats),
        quaternion=quats,
        method=tracker.method,
        startup_s=tracker.startup_s,
        gyro_offset_dps=tracker.gyro_offset_dps,
    )


def still_gyro_offset(
    series: ImuSeries, opts: AhrsOptions, sample_period_s: float
) -> FloatArray | None:
    """Mean gyroscope reading over a still start, shape (3,) °/s, or None if not still."""
    if series.gyro_dps is None or opts.gyro_offset_window_s <= 0:
        return None
    in_window = series.time_s <= series.time_s[0] + opts.gyro_offset_window_s
    n = int(np.count_nonzero(in_window))
    if n < 10 or n * sample_period_s < 0.9 * opts.gyro_offset_window_s:
        return None
    window = series.gyro_dps[in_window]
    if float(window.std(axis=0).max()) > opts.still_threshold_dps:
        logger.info("%s: start not still; no gyroscope offset removed", series.name)
        return None
    return np.asarray(window.mean(axis=0), dtype=float)


def _apply_startup(
    ahrs: imufusion.Ahrs, series: ImuSeries, opts: AhrsOptions, use_mag: bool, period_s: float
) -> float:
    """Initialise the attitude and skip Fusion's start-up, or keep it; return start-up s."""
    if opts.startup == "fusion":
        return FUSION_STARTUP_S
    in_window = series.time_s <= series.time_s[0] + opts.initial_window_s
    accel0 = series.accel_g[in_window].mean(axis=0)
    mag0 = (
        series.mag_ut[in_window].mean(axis=0) if (use_mag and series.mag_ut is not None) else None
    )
    ahrs.set_quaternion(initial_quaternion(accel0, mag0))
    ahrs.skip_startup()
    return 0.0


def accelerometer_tilt(series: ImuSeries, *, cutoff_hz: float = 2.0) -> Orientation:
    """Earth's up in sensor axes from a low-passed accelerometer (no gyroscope).

    A zero-phase Butterworth (2nd order) removes most movement acceleration; what is left
    is gravity, so this is accurate for slow movements only ([EVANS]: r > 0.90, ~5° bias
    against a full IMU).

    Parameters
    ----------
    series : ImuSeries
    cutoff_hz : float
        Low-pass corner frequency in Hz.
    """
    accel = series.accel_g
    if series.n_samples > 15 and cutoff_hz < 0.5 * series.sample_rate_hz:
        sos = butter(2, cutoff_hz, fs=series.sample_rate_hz, output="sos")
        accel = sosfiltfilt(sos, accel, axis=0)
    norm = np.linalg.norm(accel, axis=1, keepdims=True)
    up = accel / np.maximum(norm, 1e-9)
    return Orientation(time_s=series.time_s, up_sensor=up, quaternion=None, method="accelerometer")
