"""Time-stamp and saturation checks shared by every IMU reader.

Problems are *reported*, not hidden: out-of-order and duplicated samples are dropped (a
stable sort keeps the first of each time stamp), gaps are kept but counted, and saturated
samples are counted per channel. A file is unusable (:class:`InvalidRecording`) when fewer
than ``min_samples`` remain or more than ``max_bad_fraction`` of its time stamps are bad.
"""

from __future__ import annotations

import logging

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidRecording
from spinecoach.motion.imu_types import QualityReport
from spinecoach.motion.types import FloatArray

logger = logging.getLogger(__name__)

#: Fraction of full scale at or above which a sample counts as saturated.
SATURATION_FRACTION = 0.98
#: Smallest full scale of common sensors: a plateau below it is a still sensor, not clipping.
MIN_FULL_SCALE = {"accel": 1.9, "gyro": 240.0}


def clean_samples(
    label: str,
    time_s: FloatArray,
    channels: dict[str, FloatArray | None],
    *,
    ranges: dict[str, float] | None = None,
    jump_factor: float = 5.0,
    max_bad_fraction: float = 0.2,
    min_samples: int = 10,
) -> tuple[FloatArray, dict[str, FloatArray | None], QualityReport]:
    """Sort, de-duplicate and check samples; return them with a :class:`QualityReport`.

    Parameters
    ----------
    label : str
        File or stream name used in messages.
    time_s : ndarray, shape (n_samples,)
    channels : dict of str to ndarray, each shape (n_samples, 3), or None
        ``gyro``, ``accel``, ``mag`` in normalised units.
    ranges : dict of str to float, optional
        Full-scale range per channel (°/s, g, µT); saturation is counted at
        ``SATURATION_FRACTION`` of it. Without a range, the gyroscope and accelerometer are still
        flagged when an axis' extreme value repeats for 5+ consecutive samples (clipping)
        and lies beyond the smallest common full scale (:data:`MIN_FULL_SCALE`).
    jump_factor : float
        A gap longer than this many median sample periods is a jump.
    max_bad_fraction : float
        Above this fraction of out-of-order/duplicated/non-finite samples the file is unusable.
    min_samples : int

    Returns
    -------
    time_s, channels, report
    """
    n_in = int(time_s.shape[0])
    if n_in < min_samples:
        raise InvalidRecording(
            _("{label}: only {n_in} samples (need at least {min_samples})").format(
                label=label, n_in=n_in, min_samples=min_samples
            )
        )
    finite = np.isfinite(time_s)
    for arr in channels.values():
        # Whole-array check first (fast); the per-row mask only when something is missing.
        if arr is not None and not np.isfinite(arr).all():
            finite &= np.all(np.isfinite(arr), axis=1)
    n_nonfinite = int(n_in - finite.sum())
    dt_raw = np.diff(time_s[finite])
    n_backwards = int(np.count_nonzero(dt_raw < 0))
    order = np.argsort(time_s[finite], kind="stable")
    t_sorted = time_s[finite][order]
    keep = np.ones(t_sorted.shape[0], dtype=bool)
    keep[1:] = np.diff(t_sorted) > 0
    n_dup = int(np.count_nonzero(~keep))
    bad = n_nonfinite + n_backwards + n_dup
    if bad > max_bad_fraction * n_in:
        raise InvalidRecording(
            _(
                "{label}: time stamps unusable: {n_backwards} out of order, "
                "{n_dup} duplicated, {n_nonfinite} missing values in {n_in} "
                "samples"
            ).format(
                label=label,
                n_backwards=n_backwards,
                n_dup=n_dup,
                n_nonfinite=n_nonfinite,
                n_in=n_in,
            )
        )
    if bad == 0:  # already clean: no copies
        t = time_s
        out = {k: (None if v is None else np.ascontiguousarray(v)) for k, v in channels.items()}
    else:
        idx = np.flatnonzero(finite)[order][keep]
        t = time_s[idx]
        if t.shape[0] < min_samples:
            raise InvalidRecording(
                _("{label}: only {shape} valid samples").format(label=label, shape=t.shape[0])
            )
        out = {
            k: (None if v is None else np.ascontiguousarray(v[idx])) for k, v in channels.items()
        }
    dt = np.diff(t)
    median_dt = float(np.median(dt))
    jumps = dt > jump_factor * median_dt
    n_jumps = int(np.count_nonzero(jumps))
    longest = float(dt.max()) if dt.size else 0.0
    warnings: list[str] = []
    if n_backwards:
        warnings.append(_("{n} time stamps go backwards (samples re-sorted)").format(n=n_backwards))
    if n_dup:
        warnings.append(_("{n} duplicated time stamps (duplicates dropped)").format(n=n_dup))
    if n_nonfinite:
        warnings.append(_("{n} samples with missing values dropped").format(n=n_nonfinite))
    if n_jumps:
        warnings.append(
            _(
                "{n} time jumps longer than {factor}× the sample period (longest {longest} s)"
            ).format(n=n_jumps, factor=f"{jump_factor:g}", longest=f"{longest:.3f}")
        )
    saturated = _saturation(out, ranges or {})
    for name, count in saturated.items():
        warnings.append(
            _("{name}: {n} saturated samples (values at full scale)").format(name=name, n=count)
        )
    report = QualityReport(
        n_out_of_order=n_backwards,
        n_duplicated=n_dup,
        n_jumps=n_jumps,
        n_dropped=n_in - int(t.shape[0]),
        longest_gap_s=longest,
        saturated=saturated,
        warnings=tuple(warnings),
    )
    for w in warnings:
        logger.warning("%s: %s", label, w)
    return t, out, report


def _saturation(channels: dict[str, FloatArray | None], ranges: dict[str, float]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name, arr in channels.items():
        if arr is None or arr.size == 0:
            continue
        full_scale = ranges.get(name)
        if full_scale:
            count = int(
                np.count_nonzero(np.any(np.abs(arr) >= SATURATION_FRACTION * full_scale, axis=1))
            )
        elif name in MIN_FULL_SCALE:  # magnetometers are coarse: plateaus are normal
            count = _plateau_count(arr, floor=MIN_FULL_SCALE[name])
        else:
            count = 0
        if count:
            counts[name] = count
    return counts


def _plateau_count(arr: FloatArray, *, floor: float, run: int = 5) -> int:
    """Samples in runs of ``run``+ equal values at an axis' extreme ≥ ``floor`` (clipping)."""
    total = 0
    for k in range(arr.shape[1]):
        col = arr[:, k]
        extreme = float(np.max(np.abs(col)))
        if extreme < floor:
            continue
        at = np.abs(col) >= extreme  # exactly at the extreme
        if np.count_nonzero(at) < run:
            continue
        padded = np.concatenate(([0], at.astype(np.int8), [0]))
        edges = np.flatnonzero(np.diff(padded))
        lengths = edges[1::2] - edges[0::2]
        total += int(lengths[lengths >= run].sum())
    return total


def median_rate_hz(time_s: FloatArray) -> float:
    """Sample rate from the median time-stamp difference (Hz)."""
    return float(1.0 / np.median(np.diff(time_s)))
