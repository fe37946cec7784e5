"""Signal processing for measures: gap-aware filters (by name), One-Euro, resampling.

Filters never fill gaps: NaN samples stay NaN and each run of valid samples is filtered on
its own, so a dropout does not smear into its neighbours.

- ``butterworth``: zero-phase low-pass (``scipy.signal.filtfilt``, order 2 applied forward and
  backward = 4th-order response, default cut-off 6 Hz), per run of valid samples; runs too
  short for the filter's padding (< 3 x filter length) are left unfiltered.
- ``one_euro``: causal adaptive low-pass for live use (Casiez et al. 2012): little smoothing
  when the angle moves fast, strong smoothing when it is still. The same
  :class:`OneEuroFilter` runs sample by sample in the streaming analyser.
- ``none``: identity.

Use :data:`FILTERS` (name -> function) or :func:`filter_measures`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, filtfilt

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.motion.types import BoolArray, FloatArray, MeasureSeries

_TWO_PI = 2.0 * math.pi

#: ``filter(time_s, values, **params) -> filtered``; both arrays shape ``(n_samples,)``.
FilterFunction = Callable[..., FloatArray]


def valid_runs(valid: BoolArray) -> list[tuple[int, int]]:
    """Return ``[start, stop)`` index pairs of consecutive True runs in ``valid``."""
    padded = np.concatenate([[False], valid, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def sample_rate_of(time_s: FloatArray) -> float:
    """Median sample rate in Hz of a time base (seconds)."""
    if time_s.shape[0] < 2:
        raise InvalidInput(_("at least two samples are needed to know the sample rate"))
    return float(1.0 / np.median(np.diff(time_s)))


def butterworth(
    time_s: FloatArray, values: FloatArray, *, cutoff_hz: float = 6.0, order: int = 2
) -> FloatArray:
    """Zero-phase Butterworth low-pass, applied per run of valid (finite) samples.

    Parameters
    ----------
    time_s : ndarray, shape (n_samples,)
    values : ndarray, shape (n_samples,)
        NaN marks missing samples (kept NaN).
    cutoff_hz : float
        -3 dB cut-off of one pass, Hz (default 6, suits slow therapeutic movement).
    order : int
        Order of one pass (the forward-backward result has twice the order).

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    rate_hz = sample_rate_of(time_s)
    nyquist_hz = rate_hz / 2.0
    if not 0 < cutoff_hz < nyquist_hz:
        raise InvalidInput(
            _(
                "cutoff_hz must be between 0 and the Nyquist frequency "
                "{nyquist_hz:g} Hz, got {cutoff_hz}"
            ).format(nyquist_hz=nyquist_hz, cutoff_hz=cutoff_hz)
        )
    b, a = butter(order, cutoff_hz / nyquist_hz)
    padlen = 3 * max(len(a), len(b))
    out = values.astype(np.float64, copy=True)
    for start, stop in valid_runs(np.isfinite(values)):
        if stop - start > padlen:
            out[start:stop] = filtfilt(b, a, values[start:stop], padlen=padlen)
    return out


@dataclass
class OneEuroFilter:
    """Causal One-Euro filter for one scalar signal (Casiez, Roussel & Vogel, CHI 2012).

    Parameters
    ----------
    min_cutoff_hz : float
        Cut-off when the signal is still (lower = smoother).
    beta : float
        How fast the cut-off rises with speed (per degree/s).
    derivative_cutoff_hz : float
        Cut-off of the speed estimate.

    A NaN sample returns NaN and leaves the state untouched; after a gap longer than
    ``reset_after_s`` the filter restarts from the next valid sample.
    """

    min_cutoff_hz: float = 1.0
    beta: float = 0.05
    derivative_cutoff_hz: float = 1.0
    reset_after_s: float = 0.5
    _last_t: float = math.nan
    _last_x: float = math.nan
    _last_dx: float = 0.0

    @staticmethod
    def _alpha(cutoff_hz: float, dt_s: float) -> float:
        tau = 1.0 / (_TWO_PI * cutoff_hz)
        return 1.0 / (1.0 + tau / dt_s)

    def reset(self) -> None:
        """Forget the state."""
        self._last_t = math.nan
        self._last_x = math.nan
        self._last_dx = 0.0

    def __call__(self, t_s: float, x: float) -> float:
        """Filter one sample at time ``t_s`` (s); returns the smoothed value."""
        if x != x:  # NaN
            return math.nan
        last_t = self._last_t
        if last_t != last_t or t_s - last_t > self.reset_after_s or t_s <= last_t:
            self._last_t, self._last_x, self._last_dx = t_s, x, 0.0
            return x
        dt_s = t_s - last_t
        last_x = self._last_x
        dx = (x - last_x) / dt_s
        # _alpha inlined (the per-sample hot path of every tracker); same arithmetic.
        a_d = 1.0 / (1.0 + (1.0 / (_TWO_PI * self.derivative_cutoff_hz)) / dt_s)
        dx_hat = a_d * dx + (1.0 - a_d) * self._last_dx
        cutoff = self.min_cutoff_hz + self.beta * abs(dx_hat)
        a = 1.0 / (1.0 + (1.0 / (_TWO_PI * cutoff)) / dt_s)
        x_hat = a * x + (1.0 - a) * last_x
        self._last_t, self._last_x, self._last_dx = t_s, x_hat, dx_hat
        return x_hat

    def run(self, times_s: Sequence[float], values: Sequence[float]) -> list[float]:
        """Filter many samples in turn: the same as calling the filter on each (same state,
        same results), without the per-call overhead (the batch analysis' hot path)."""
        out: list[float] = []
        append = out.append
        last_t, last_x, last_dx = self._last_t, self._last_x, self._last_dx
        reset_after_s = self.reset_after_s
        tau_d = 1.0 / (_TWO_PI * self.derivative_cutoff_hz)
        min_cutoff, beta = self.min_cutoff_hz, self.beta
        for t_s, x in zip(times_s, values, strict=True):
            if x != x:  # NaN
                append(math.nan)
                continue
            if last_t != last_t or t_s - last_t > reset_after_s or t_s <= last_t:
                last_t, last_x, last_dx = t_s, x, 0.0
                append(x)
                continue
            dt_s = t_s - last_t
            dx = (x - last_x) / dt_s
            a_d = 1.0 / (1.0 + tau_d / dt_s)
            dx_hat = a_d * dx + (1.0 - a_d) * last_dx
            cutoff = min_cutoff + beta * abs(dx_hat)
            a = 1.0 / (1.0 + (1.0 / (_TWO_PI * cutoff)) / dt_s)
            x_hat = a * x + (1.0 - a) * last_x
            last_t, last_x, last_dx = t_s, x_hat, dx_hat
            append(x_hat)
        self._last_t, self._last_x, self._last_dx = last_t, last_x, last_dx
        return out


def one_euro(
    time_s: FloatArray,
    values: FloatArray,
    *,
    min_cutoff_hz: float = 1.0,
    beta: float = 0.05,
    derivative_cutoff_hz: float = 1.0,
) -> FloatArray:
    """Causal One-Euro filter over a whole signal (same result as sample-by-sample use).

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    state = OneEuroFilter(min_cutoff_hz, beta, derivative_cutoff_hz)
    return np.array([state(t, x) for t, x in zip(time_s.tolist(), values.tolist(), strict=True)])


def no_filter(time_s: FloatArray, values: FloatArray) -> FloatArray:
    """Identity (a copy)."""
    return values.astype(np.float64, copy=True)


#: Filters by name (``--filter`` values).
FILTERS: dict[str, FilterFunction] = {
    "butterworth": butterworth,
    "one_euro": one_euro,
    "none": no_filter,
}


def filter_measures(
    measures: MeasureSeries, name: str = "butterworth", **params: float
) -> MeasureSeries:
    """Apply filter ``name`` (a :data:`FILTERS` key) to every measure of ``measures``."""
    function = FILTERS.get(name)
    if function is None:
        raise InvalidInput(
            _(
                "Invalid value for the 'filter' parameter. Allowed values "
                "are {filters}, but got '{name}'"
            ).format(filters=", ".join(FILTERS), name=name)
        )
    values = {k: function(measures.time_s, v, **params) for k, v in measures.values.items()}
    return MeasureSeries(measures.time_s, values, measures.unmeasurable, measures.flags)


def resample(
    time_s: FloatArray, values: FloatArray, new_time_s: FloatArray, *, max_gap_s: float = 0.25
) -> FloatArray:
    """Linearly interpolate ``values`` onto ``new_time_s`` without bridging gaps.

    Output samples outside the input's time span, or between two valid input samples more
    than ``max_gap_s`` apart, are NaN.

    Returns
    -------
    ndarray, shape (n_new_samples,)
    """
    valid = np.isfinite(values)
    t, v = time_s[valid], values[valid]
    out = np.full(new_time_s.shape, np.nan)
    if t.shape[0] < 2:
        return out
    out = np.interp(new_time_s, t, v, left=np.nan, right=np.nan)
    after = np.clip(np.searchsorted(t, new_time_s, side="left"), 1, t.shape[0] - 1)
    span = t[after] - t[after - 1]
    exact = np.isin(new_time_s, t)
    out[(span > max_gap_s) & ~exact] = np.nan
    return out


def resample_measures(
    measures: MeasureSeries, sample_rate_hz: float | None = None, time_s: FloatArray | None = None
) -> MeasureSeries:
    """Resample every measure to a common time base (a rate from the first sample, or times)."""
    if time_s is None:
        if sample_rate_hz is None or sample_rate_hz <= 0:
            raise InvalidInput(_("give a positive sample_rate_hz or a time_s array"))
        start, stop = float(measures.time_s[0]), float(measures.time_s[-1])
        time_s = start + np.arange(int(math.floor((stop - start) * sample_rate_hz)) + 1) / (
            sample_rate_hz
        )
    values = {k: resample(measures.time_s, v, time_s) for k, v in measures.values.items()}
    return MeasureSeries(time_s, values, measures.unmeasurable, measures.flags)
