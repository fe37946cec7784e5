"""Cycles of a repetitive movement seen by one sensor anywhere on the body (pure NumPy/SciPy).

For a sensor whose placement gives no clinical angle (MEx thigh and wrist sensors), the
movement still shows as a periodic tilt of the sensor. Method:

1. Earth's up in sensor axes (``up_sensor``, from the AHRS or a low-passed accelerometer).
   Posture changes (the mean up direction of ``posture_window_s`` windows moving more than
   ``posture_change_deg`` and more than 1.5 times the movement within the windows, e.g. an
   arm put down elsewhere) split the recording, the transition left out; the longest
   steady segment is analysed. The exercise's own swing never qualifies (see
   :func:`steady_segment`).
2. Band-pass it (``band_hz``, default 0.05–1 Hz: slow therapeutic repetitions) so posture
   changes and tremor drop out, then take the principal direction of what is left: the
   axis along which the tilt oscillates most.
3. The *tilt angle* is the rotation of up toward that direction from its mean direction,
   ``atan2(up·p, up·m)`` in degrees; its band-passed version is the periodic signal.
4. The dominant period is the peak of its Welch spectrum within the band (it sets the
   minimum peak spacing); the reported period is the median spacing of the counted peaks.
5. Cycles are counted as peaks of the band-passed angle at least half a dominant period
   apart whose prominence exceeds ``prominence_fraction`` of the signal's 5–95 % range
   (the sign is chosen so peaks are the far side of the movement: the side the signal
   spends less time at).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt, welch

from spinecoach.domain.i18n import gettext
from spinecoach.errors import NotMeasurable
from spinecoach.motion.types import FloatArray


@dataclass(frozen=True, eq=False)
class PeriodicResult:
    """Cycles found in a sensor's tilt.

    Attributes
    ----------
    time_s : ndarray, shape (n_samples,)
    tilt_deg : ndarray, shape (n_samples,)
        Tilt toward the dominant axis, band-passed, degrees.
    axis_sensor : ndarray, shape (3,)
        Dominant tilt direction in sensor axes.
    period_s : float
        Dominant period.
    cycle_peaks_s : tuple of float
        Time of each counted cycle's peak.
    amplitude_deg : float
        5–95 % range of ``tilt_deg``.
    segment_s : (float, float)
        Start and end of the steady segment analysed.
    """

    time_s: FloatArray
    tilt_deg: FloatArray
    axis_sensor: FloatArray
    period_s: float
    cycle_peaks_s: tuple[float, ...]
    amplitude_deg: float
    segment_s: tuple[float, float] = (0.0, 0.0)

    @property
    def n_cycles(self) -> int:
        """Number of cycles counted."""
        return len(self.cycle_peaks_s)


def periodic_cycles(
    time_s: FloatArray,
    up_sensor: FloatArray,
    *,
    band_hz: tuple[float, float] = (0.05, 1.0),
    prominence_fraction: float = 0.4,
    min_amplitude_deg: float = 1.0,
    posture_change_deg: float = 20.0,
    posture_window_s: float = 8.0,
) -> PeriodicResult:
    """Find the dominant periodic tilt of a sensor and count its cycles.

    Parameters
    ----------
    time_s : ndarray, shape (n_samples,)
    up_sensor : ndarray, shape (n_samples, 3)
        Earth's up in sensor axes (unit vectors).
    band_hz : (float, float)
        Band of repetition frequencies considered.
    prominence_fraction : float
        Minimum peak prominence as a fraction of the 5–95 % range.
    min_amplitude_deg : float
        Below this range there is no movement to count (raises NotMeasurable).
    posture_change_deg, posture_window_s : float
        A change of the sensor's mean up direction larger than this between consecutive
        windows of this length splits the recording.

    Returns
    -------
    PeriodicResult
    """
    fs = float(1.0 / np.median(np.diff(time_s)))
    start, end = steady_segment(time_s, up_sensor, posture_change_deg, posture_window_s)
    time_s, up_sensor = time_s[start:end], up_sensor[start:end]
    if time_s.shape[0] < 4 * fs / band_hz[1] or time_s[-1] - time_s[0] < 2.0 / band_hz[0] * 0.2:
        raise NotMeasurable(gettext("recording too short to find a periodic movement"))
    sos = butter(2, band_hz, btype="bandpass", fs=fs, output="sos")
    mean_up = up_sensor.mean(axis=0)
    mean_up /= np.linalg.norm(mean_up)
    band_up = sosfiltfilt(sos, up_sensor, axis=0)
    _, _, vt = np.linalg.svd(band_up - band_up.mean(axis=0), full_matrices=False)
    axis = vt[0] - mean_up * float(vt[0] @ mean_up)
    axis /= max(float(np.linalg.norm(axis)), 1e-12)
    tilt = np.degrees(np.arctan2(up_sensor @ axis, up_sensor @ mean_up))
    tilt_band = sosfiltfilt(sos, tilt)
    lo, hi = np.percentile(tilt_band, [5, 95])
    amplitude = float(hi - lo)
    if amplitude < min_amplitude_deg:
        raise NotMeasurable(
            gettext(
                "no periodic movement: tilt range {amplitude:.1f}° < {min_amplitude_deg}°"
            ).format(amplitude=amplitude, min_amplitude_deg=min_amplitude_deg)
        )
    # Peaks on the side the signal visits briefly (the excursion, not the rest position).
    if np.median(tilt_band) > 0.5 * (lo + hi):
        tilt_band = -tilt_band
        axis = -axis
    nperseg = min(tilt_band.size, int(fs / band_hz[0]))
    freqs, power = welch(tilt_band, fs=fs, nperseg=nperseg, nfft=8 * nperseg)
    inside = (freqs >= band_hz[0]) & (freqs <= band_hz[1])
    f_dom = float(freqs[inside][np.argmax(power[inside])])
    period = 1.0 / f_dom
    peaks, _ = find_peaks(
        tilt_band,
        distance=max(1, int(0.5 * period * fs)),
        prominence=prominence_fraction * amplitude,
    )
    if peaks.size >= 3:  # finer than the spectrum's resolution
        period = float(np.median(np.diff(time_s[peaks])))
    return PeriodicResult(
        time_s=time_s,
        tilt_deg=tilt_band,
        axis_sensor=axis,
        period_s=period,
        cycle_peaks_s=tuple(float(t) for t in time_s[peaks]),
        amplitude_deg=amplitude,
        segment_s=(float(time_s[0]), float(time_s[-1])),
    )


def _window_stats(up: FloatArray) -> tuple[FloatArray, float]:
    mean = up.mean(axis=0)
    mean /= max(float(np.linalg.norm(mean)), 1e-12)
    spread = np.degrees(np.arccos(np.clip(up @ mean, -1.0, 1.0)))
    return mean, float(np.percentile(spread, 90))


def _angle_deg(a: FloatArray, b: FloatArray) -> float:
    return float(np.degrees(np.arccos(np.clip(float(a @ b), -1.0, 1.0))))


def steady_segment(
    time_s: FloatArray, up_sensor: FloatArray, change_deg: float, window_s: float
) -> tuple[int, int]:
    """Index range ``[start, end)`` of the longest stretch without a posture change.

    The mean up direction of consecutive windows of ``window_s`` is compared, each with the
    one after next (so a change inside the middle window is seen whole). A change is a
    posture change when it exceeds ``change_deg`` *and* 1.5 times the movement inside the
    compared windows (their 90th-percentile angle from their own mean): the exercise's own
    swing (a 10-12° pelvic tilt, a 60° knee roll) moves the window means too, but never by
    more than it moves within them.
    """
    edges = np.arange(time_s[0], time_s[-1] + window_s, window_s)
    idx = np.searchsorted(time_s, edges)
    bounds = [(int(a), int(b)) for a, b in zip(idx[:-1], idx[1:], strict=True) if b - a >= 2]
    stats = [_window_stats(up_sensor[a:b]) for a, b in bounds]
    cuts = {0, int(time_s.shape[0])}
    for step in (1, 2):
        for i in range(len(stats) - step):
            (m0, s0), (m2, s2) = stats[i], stats[i + step]
            change = _angle_deg(m0, m2)
            if change > change_deg and change > 1.5 * max(s0, s2):
                # the transition: from the last sample still in the earlier posture to the
                # first one settled in the later posture (a span of its own)
                lo, hi = bounds[i][0], bounds[i + step][1]
                seg = up_sensor[lo:hi]
                closer = (seg @ m2) > (seg @ m0)
                mid = int(np.argmax(closer)) if closer.any() else bounds[i + 1][0] - lo
                near0 = np.degrees(np.arccos(np.clip(seg[:mid] @ m0, -1, 1))) <= max(s0, 3.0)
                near2 = np.degrees(np.arccos(np.clip(seg[mid:] @ m2, -1, 1))) <= max(s2, 3.0)
                before = int(np.flatnonzero(near0)[-1]) + 1 if near0.any() else mid
                after = mid + (int(np.argmax(near2)) if near2.any() else 0)
                cuts.update({lo + before, lo + after})
    ordered = sorted(cuts)
    spans = list(zip(ordered[:-1], ordered[1:], strict=True))
    return max(spans, key=lambda ab: ab[1] - ab[0])
