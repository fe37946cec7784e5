"""Agreement between two recordings of the same measure (e.g. BlazePose vs Vicon).

Method (documented in docs/motion.md):

1. Both signals are low-pass filtered (gap-aware Butterworth, 6 Hz) and resampled to a
   common time base (``rate_hz``, default 30 Hz, over the overlapping span; gaps stay NaN).
2. Zero offset: each signal's start position is removed (median of its first
   ``baseline_s`` seconds), because the two systems define the trunk with different
   landmarks (hip/shoulder joints vs pelvis/chest targets) and so differ by a constant.
3. Optional time alignment: the lag within ``+-max_lag_s`` that maximises Pearson's r is
   applied (systems started "together" but not to the frame); ``max_lag_s=0`` disables it.
4. RMSE (degrees) and Pearson r over samples valid in both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.motion.filters import butterworth, resample
from spinecoach.motion.types import FloatArray


@dataclass(frozen=True)
class Agreement:
    """Result of :func:`compare_signals`.

    Attributes
    ----------
    rmse_deg : float
        Root-mean-square difference after zero offset and alignment.
    pearson_r : float
        Correlation of the two aligned signals.
    lag_s : float
        Shift applied to the test signal (positive: test lags the reference).
    n_samples : int
        Samples valid in both.
    """

    rmse_deg: float
    pearson_r: float
    lag_s: float
    n_samples: int


def _baseline_removed(time_s: FloatArray, values: FloatArray, baseline_s: float) -> FloatArray:
    first = values[time_s < time_s[0] + baseline_s]
    first = first[np.isfinite(first)]
    if first.size == 0:
        raise InvalidInput(_("no valid sample in the baseline window"))
    return values - float(np.median(first))


def compare_signals(
    test_time_s: FloatArray,
    test: FloatArray,
    reference_time_s: FloatArray,
    reference: FloatArray,
    *,
    rate_hz: float = 30.0,
    baseline_s: float = 1.0,
    max_lag_s: float = 0.2,
    cutoff_hz: float = 6.0,
) -> Agreement:
    """Compare ``test`` against ``reference`` (see module docstring).

    Parameters
    ----------
    test_time_s, test : ndarray, shape (n_test,)
    reference_time_s, reference : ndarray, shape (n_reference,)
    rate_hz : float
        Common sample rate.
    baseline_s : float
        Start-position window for the zero offset.
    max_lag_s : float
        Largest time shift searched.
    cutoff_hz : float
        Butterworth cut-off applied to both before resampling.

    Returns
    -------
    Agreement
    """
    start = max(float(test_time_s[0]), float(reference_time_s[0]))
    stop = min(float(test_time_s[-1]), float(reference_time_s[-1]))
    if stop <= start:
        raise InvalidInput(_("the two signals do not overlap in time"))
    common = start + np.arange(int(np.floor((stop - start) * rate_hz)) + 1) / rate_hz
    a = resample(test_time_s, butterworth(test_time_s, test, cutoff_hz=cutoff_hz), common)
    b = resample(
        reference_time_s, butterworth(reference_time_s, reference, cutoff_hz=cutoff_hz), common
    )
    a = _baseline_removed(common, a, baseline_s)
    b = _baseline_removed(common, b, baseline_s)
    max_lag = int(round(max_lag_s * rate_hz))
    best: Agreement | None = None
    for lag in range(-max_lag, max_lag + 1):
        x, y = (a[lag:], b[: b.size - lag]) if lag >= 0 else (a[:lag], b[-lag:])
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3:
            continue
        r = float(np.corrcoef(x[ok], y[ok])[0, 1])
        rmse = float(np.sqrt(np.mean((x[ok] - y[ok]) ** 2)))
        candidate = Agreement(rmse, r, lag / rate_hz, int(ok.sum()))
        if best is None or candidate.pearson_r > best.pearson_r:
            best = candidate
    if best is None:
        raise InvalidInput(_("too few samples valid in both signals"))
    return best
