"""Plausibility of IMU units and clocks: refuse or convert, always with a note.

Files say their units in their headers, and are sometimes wrong: a gyroscope logged in rad/s
under °/s columns (or the reverse), an accelerometer in m/s² under g columns, times in
milliseconds. Read as stated, these give silent nonsense (a pelvic tilt of ±180°, 37
repetitions instead of 3). :func:`check_units` looks at the values themselves:

* **time**: the median sample interval must give 2-5000 samples/s; otherwise the file is
  refused with the rate it implies (times in ms, µs or ns must be converted to seconds).
  A clock that jumps *back* by more than :data:`MAX_BACKWARD_S` (or 10 sample periods, at
  least 0.1 s) (a reset) is refused with
  the row, rather than re-sorted into two interleaved halves.
* **accelerometer**: gravity must read about 1 g: a median magnitude of 7-12 is m/s² and is
  converted (÷ 9.80665); anything else outside 0.5-2 g is refused.
* **gyroscope**: compared with the accelerometer's tilt. Over windows where gravity's
  direction turns by more than 10°, the gyroscope's turn (its integral) should match: a
  ratio near 1/57.3 is rad/s (converted × 57.3), near 57.3 is °/s under rad/s columns
  (converted ÷ 57.3). Values beyond :data:`MAX_GYRO_DPS` are refused.
* magnitudes above :data:`MAX_ACCEL_G` or non-physical magnetometer values are refused.
"""

from __future__ import annotations

import math

import numpy as np

from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidRecording
from spinecoach.motion.types import FloatArray

STANDARD_GRAVITY = 9.80665
MAX_BACKWARD_S = 1.0
BACKWARD_PERIODS = 10.0
MIN_BACKWARD_S = 0.1
MIN_RATE_HZ, MAX_RATE_HZ = 2.0, 5000.0
MAX_GYRO_DPS = 1.0e4
MAX_ACCEL_G = 1.0e3
MAX_MAG_UT = 1.0e4
RAD = 180.0 / math.pi


def check_time(label: str, time_s: FloatArray) -> None:
    """Refuse implausible sample rates and clock resets (one line naming the problem)."""
    finite = time_s[np.isfinite(time_s)]
    if finite.size < 2:
        return
    dt = np.diff(finite)
    # a reset: back by more than 1 s, or by more than 10 sample periods (0.1 s at least) -
    # re-sorting a 0.5 s step back interleaved two stretches of movement
    limit = MAX_BACKWARD_S
    if float(dt.min()) < -MIN_BACKWARD_S:  # the median only when a step went back that far
        steps = dt[dt > 0]
        if steps.size:
            limit = min(
                MAX_BACKWARD_S, max(BACKWARD_PERIODS * float(np.median(steps)), MIN_BACKWARD_S)
            )
    back = np.flatnonzero(dt < -limit)
    if back.size and int(np.count_nonzero(dt < 0)) <= 3:  # scrambled clocks: clean_samples
        row = int(np.flatnonzero(np.isfinite(time_s))[back[0] + 1]) + 1
        raise InvalidRecording(
            _(
                "{label}: time jumps back by {value:.3g} s at sample {row} "
                "(a clock reset?): split the recording there"
            ).format(label=label, value=-float(dt[back[0]]), row=row)
        )
    # already in order (the usual case): the steps as they are; else re-sorted, as
    # clean_samples will
    forward = dt if bool(np.all(dt > 0)) else np.diff(np.unique(finite))
    if forward.size == 0:
        raise InvalidRecording(_("{label}: time does not advance").format(label=label))
    median_dt = float(np.median(forward))
    rate = 1.0 / median_dt
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        hint = ""
        for unit, scale in (
            (N_("milliseconds"), 1e-3),
            (N_("microseconds"), 1e-6),
            (N_("nanoseconds"), 1e-9),
        ):
            if MIN_RATE_HZ <= 1.0 / (median_dt * scale) <= MAX_RATE_HZ:
                hint = _("; if the times are in {unit}, convert them to seconds").format(
                    unit=_(unit)
                )
                break
        raise InvalidRecording(
            _(
                "{label}: time: samples are {median_dt:.4g} s apart "
                "({rate:.3g} samples/s), not a plausible IMU rate "
                "({min_rate_hz:g}-{max_rate_hz:g}/s){hint}"
            ).format(
                label=label,
                median_dt=median_dt,
                rate=rate,
                min_rate_hz=MIN_RATE_HZ,
                max_rate_hz=MAX_RATE_HZ,
                hint=hint,
            )
        )


def _check_range(label: str, name: str, arr: FloatArray | None, limit: float, unit: str) -> None:
    if arr is None or arr.size == 0:
        return
    peak = float(np.max(np.abs(arr)))
    if not math.isfinite(peak):  # NaN or inf present: the largest finite value decides
        finite = arr[np.isfinite(arr)]
        peak = float(np.max(np.abs(finite))) if finite.size else 0.0
    if peak > limit:
        raise InvalidRecording(
            _("{label}: {name}: values up to {peak:.3g} {unit} are not physical").format(
                label=label, name=name, peak=peak, unit=unit
            )
        )


def _row_norms(arr: FloatArray) -> FloatArray:
    """Euclidean norm of each row (one pass; NaN where a row has NaN)."""
    return np.sqrt(np.einsum("ij,ij->i", arr, arr))


def accel_scale(label: str, accel: FloatArray) -> tuple[float, str | None]:
    """Factor to g and a note (m/s² converted), or InvalidRecording."""
    norm = _row_norms(accel)
    norm = norm[np.isfinite(norm)]
    if norm.size == 0:
        return 1.0, None
    median = float(np.median(norm))
    if 0.5 <= median <= 2.0:
        return 1.0, None
    if 7.0 <= median <= 12.0:
        return 1.0 / STANDARD_GRAVITY, (
            _(
                "accelerometer read {median} at rest, i.e. m/s² under g columns: converted to g"
            ).format(median=f"{median:.2f}")
        )
    raise InvalidRecording(
        _(
            "{label}: accel: gravity reads {median:.3g} (median "
            "magnitude), expected about 1 g (or 9.81 m/s²): check the "
            "accelerometer units"
        ).format(label=label, median=median)
    )


def gyro_scale(
    time_s: FloatArray, accel_g: FloatArray, gyro: FloatArray, window_s: float = 0.5
) -> float | None:
    """Gyroscope turn / accelerometer tilt over windows with a clear tilt (None: no motion).

    About 1 for °/s, 1/57.3 for rad/s read as °/s, 57.3 for °/s read as rad/s.
    """
    # row sums are non-finite exactly when a value is (the range checks have already
    # refused values large enough to overflow); summed column by column, not as a
    # matrix-vector product: BLAS would wake its worker thread, which then spins for
    # about 0.1 s of CPU after the call on an idle core
    ok = np.isfinite(
        time_s
        + accel_g[:, 0]
        + accel_g[:, 1]
        + accel_g[:, 2]
        + gyro[:, 0]
        + gyro[:, 1]
        + gyro[:, 2]
    )
    if bool(ok.all()):
        t, a, g = time_s, accel_g, gyro
    else:
        t, a, g = time_s[ok], accel_g[ok], gyro[ok]
    if t.size < 20:
        return None
    span_s = float(t[-1] - t[0])
    if not math.isfinite(span_s) or span_s / window_s > 4 * t.size + 1000:
        return None  # time stamps too far apart to judge (the time checks say why)
    dt = np.diff(t, prepend=t[0])
    dt = np.clip(dt, 0.0, 0.1)
    edges = np.searchsorted(t, np.arange(t[0], t[-1], window_s))
    i0, i1 = edges[:-1], edges[1:] - 1
    keep = i1 - i0 >= 2
    i0, i1 = i0[keep], i1[keep]
    # smooth the accelerometer direction a little (0.1 s) to keep its noise out; only the
    # window edges are needed (the same moving mean as a 'same'-mode convolution), so the
    # few samples around each edge are summed instead of the whole array
    width = max(1, int(round(0.1 / max(float(np.median(np.diff(t))), 1e-6))))
    before = width - 1 - (width - 1) // 2
    offsets = np.arange(width) - before

    def up_at(idx: np.ndarray) -> FloatArray:
        rows = idx[:, None] + offsets
        inside = (rows >= 0) & (rows < t.size)
        mean = np.einsum("mwk,mw->mk", a[np.clip(rows, 0, t.size - 1)], inside.astype(float))
        return mean / np.maximum(_row_norms(mean)[:, None], 1e-9)

    u0, u1 = up_at(i0), up_at(i1)
    tilt = np.degrees(np.arccos(np.clip(np.sum(u0 * u1, axis=1), -1.0, 1.0)))
    clear = tilt >= 10.0
    if int(clear.sum()) < 3:
        return None
    # the gyroscope's turn over each clear window (samples i0+1 .. i1): one reduceat over
    # the rate x time products, ends paired with starts (a zero row closes the last window)
    rate_dt = np.empty((t.size + 1, 3))
    np.multiply(g, dt[:, None], out=rate_dt[:-1])
    rate_dt[-1] = 0.0
    bounds = np.column_stack((i0[clear] + 1, i1[clear] + 1)).ravel()
    turn = np.add.reduceat(rate_dt, bounds, axis=0)[::2]
    # only the part of the turn that tilts gravity (about axes perpendicular to it)
    axis_up = u0[clear] + u1[clear]
    axis_up /= np.maximum(np.linalg.norm(axis_up, axis=1, keepdims=True), 1e-9)
    perp = turn - axis_up * np.sum(turn * axis_up, axis=1, keepdims=True)
    ratios = np.linalg.norm(perp, axis=1) / tilt[clear]
    return float(np.median(ratios))


def check_units(
    label: str,
    time_s: FloatArray,
    accel: FloatArray,
    gyro: FloatArray | None,
    mag: FloatArray | None,
) -> tuple[FloatArray, FloatArray | None, list[str]]:
    """Check time and value plausibility; return accel (g), gyro (°/s) and notes.

    Raises
    ------
    InvalidRecording
        One line naming the file and the channel when the values cannot be what the
        columns say and no conversion explains them.
    """
    check_time(label, time_s)
    _check_range(label, "gyro", gyro, MAX_GYRO_DPS, "°/s")
    _check_range(label, "accel", accel, MAX_ACCEL_G, "g")
    _check_range(label, "mag", mag, MAX_MAG_UT, "µT")
    notes: list[str] = []
    factor, note = accel_scale(label, accel)
    if note:
        accel = accel * factor
        notes.append(note)
    if gyro is not None:
        ratio = gyro_scale(time_s, accel, gyro)
        if ratio is not None and 0.35 / RAD < ratio < 3.0 / RAD:
            gyro = gyro * RAD
            notes.append(
                _(
                    "gyroscope turned {ratio}× the accelerometer's tilt: rad/s under °/s "
                    "columns, converted to °/s"
                ).format(ratio=f"{ratio:.3f}")
            )
        elif ratio is not None and 0.35 * RAD < ratio < 3.0 * RAD:
            gyro = gyro / RAD
            notes.append(
                _(
                    "gyroscope turned {ratio}× the accelerometer's tilt: °/s under rad/s "
                    "columns, converted"
                ).format(ratio=f"{ratio:.0f}")
            )
    return accel, gyro, notes
