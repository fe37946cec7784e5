"""Streaming sEMG processing with SciPy: band-pass, full-wave rectification, RMS envelope.

Per SENIAM-style practice [SENIAM] (../shared/CLINICAL.md section 10): band-pass about
20-450 Hz (limited to below Nyquist), full-wave rectification, a moving RMS envelope; the
envelope is reported in % of a reference contraction.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy import signal

#: Defaults; data/sensors/emg.toml holds the numbers used and the basis of each.
BAND_HZ = (20.0, 450.0)
RMS_WINDOW_S = 0.1


class EnvelopeFilter:
    """One channel: samples in, RMS envelope (same units, µV) out, sample by sample.

    Parameters
    ----------
    rate_hz : float
        Sampling rate of the raw signal (>= 100 Hz).
    band_hz : (low, high)
        Band-pass [SENIAM] (the high edge is kept below Nyquist).
    rms_window_s : float
        Length of the moving RMS window.
    """

    def __init__(
        self,
        rate_hz: float,
        band_hz: tuple[float, float] = BAND_HZ,
        rms_window_s: float = RMS_WINDOW_S,
    ) -> None:
        high = min(band_hz[1], 0.45 * rate_hz)
        low = min(band_hz[0], high / 2)
        self.sos = signal.butter(4, (low, high), btype="bandpass", fs=rate_hz, output="sos")
        self._zi = signal.sosfilt_zi(self.sos) * 0.0
        self._window: deque[float] = deque(maxlen=max(1, int(round(rms_window_s * rate_hz))))
        self._sum = 0.0

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Filter a block of raw samples; return the RMS envelope at each."""
        filtered, self._zi = signal.sosfilt(self.sos, samples, zi=self._zi)
        squared = np.abs(filtered) ** 2  # full-wave rectification, squared for the RMS
        out = np.empty_like(squared)
        window = self._window
        for i, value in enumerate(squared.tolist()):
            if len(window) == window.maxlen:
                self._sum -= window[0]
            window.append(value)
            self._sum += value
            out[i] = self._sum / len(window)
        return np.sqrt(np.maximum(out, 0.0))


def symmetry_pct(left: float, right: float) -> float | None:
    """Left/right symmetry, 100 = equal: ``100 * (1 - |L - R| / (L + R))``."""
    total = left + right
    if not np.isfinite(total) or total <= 0:
        return None
    return float(100.0 * (1.0 - abs(left - right) / total))


def flexion_relaxation_ratio(
    angle_deg: np.ndarray,
    activation: np.ndarray,
    min_samples: int = 5,
    *,
    full_pct: float = 90.0,
    from_pct: float = 30.0,
    min_flexion_deg: float = 20.0,
) -> float | None:
    """Flexion-relaxation ratio: activity during re-extension / activity at full flexion.

    [FRPMETA] (CLINICAL.md section 10): FRR = re-extension (or flexion) activity divided by
    activity at full flexion. Full flexion: samples at >= ``full_pct`` % of the largest
    flexion; re-extension: samples moving back up between ``from_pct`` % and ``full_pct`` %
    of it (settings: studies mark these differently, see data/sensors/emg.toml).

    Returns
    -------
    float or None
        None when there is no clear flexion (under ``min_flexion_deg``) or too few samples.
    """
    ok = np.isfinite(angle_deg) & np.isfinite(activation)
    angle, act = angle_deg[ok], activation[ok]
    if angle.size < 3 or np.max(angle) < min_flexion_deg:
        return None
    peak = float(np.max(angle))
    full = angle >= full_pct / 100.0 * peak
    moving_up = np.r_[False, np.diff(angle) < 0]
    reext = moving_up & (angle >= from_pct / 100.0 * peak) & (angle < full_pct / 100.0 * peak)
    if full.sum() < min_samples or reext.sum() < min_samples:
        return None
    at_full = float(np.mean(act[full]))
    if at_full <= 1e-9:
        return None
    return float(np.mean(act[reext]) / at_full)
