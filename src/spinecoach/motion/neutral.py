"""Whole-recording estimates for batch analysis: the rest (neutral) level and count confidence.

The live tracker must take its start position from the first second; a whole recording
need not. A recording can start mid-movement (a squat filmed from the bottom), tilted, or
end before the last repetition comes back, so batch analysis estimates the rest level from
the distribution of the whole signal and the exercise's known direction:

* the level a recording's first and last second share (within half the minimum excursion)
  is only weak evidence: both ends may pass through one level mid-movement (KERAAL ELK cut
  5 s in: the arm on its way down at both ends);
* ``positive`` movements rest at the low end (``negative``: the high end): the ends' level
  when the signal seldom (15 %) goes more than half the minimum excursion below it, or when
  an end is still there for its whole second (the signal dwells at it), unless the low end
  is dwelt at too (1 s within a quarter of the minimum excursion: not a mere turning point)
  and more whole movements are seen from it (an arm held overhead at both ends is a dwell
  too, but the movements start from below it); else the median of the lowest 15 % of
  samples (``negative``: the highest 15 %);
* ``both`` (side to side): the ends' level when an end is still there; else the
  candidates are the median, the modes of the distribution (places the signal dwells) and
  the ends' level; the one from which the most excursions are seen (reaching the minimum
  excursion and coming back) wins, ties going to the ends' level, then to the one nearest 0
  (the measures are anatomical angles whose 0 is upright/neutral).

:func:`count_confidence` says how clearly a recording shows repeated movement: most of the
consecutive samples must be correlated (:func:`smoothness`: human movement is; random
keypoints, shuffled frames and jitter are not), repetitions must last long enough to be
human, and their ranges must be consistent. Below that, the count is replaced by
"no clear repeated movement".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from spinecoach.domain.exercise import ExcursionDirection, SensorSignature
from spinecoach.domain.i18n import N_, _
from spinecoach.motion.types import FloatArray, Repetition

#: Fraction of the distribution's low (or high) end taken as the rest level.
REST_TAIL = 0.15
#: Seconds at each end compared: a recording that starts and ends at one level rests there.
ENDS_S = 1.0
#: Seconds the signal must stay near a level to dwell there (a turning point does not).
DWELL_S = 1.0
#: Sample-to-sample autocorrelation below which a signal is noise, not movement.
MIN_SMOOTHNESS = 0.5
SMOOTHNESS_LAG_S = 1.0 / 30.0
#: Repetitions shorter than this (s) are not human therapeutic movement.
MIN_REPETITION_S = 0.2
#: Below this share of samples with a valid angle (e.g. most keypoint frames set aside as
#: implausible), what is left cannot show a repeated movement.
MIN_VALID_FRACTION = 0.4
NO_CLEAR_MOVEMENT = N_("no clear repeated movement")
#: Why a count is not clear: English message ids, formatted in English into the result's
#: ``count.note`` (the JSON) and shown translated by the terminal (``reason_words``).
FEW_MEASURED = N_("only {percent} of the samples could be measured")
ANGLE_JUMPS = N_("the angle jumps from frame to frame (smoothness {rho} < {limit})")
SHORT_MOVEMENTS = N_("{short} of {n} movements lasted under {limit} s")


def count_note_text(words: tuple[str, dict[str, str]] | None) -> str:
    """ "no clear repeated movement" and why (``reason_words`` of :func:`count_confidence`),
    in the bound language."""
    if words is None:
        return _(NO_CLEAR_MOVEMENT)
    template, values = words
    return f"{_(NO_CLEAR_MOVEMENT)}: {_(template).format(**values)}"


def _decimated(time_s: FloatArray, values: FloatArray, rate_hz: float = 10.0) -> FloatArray:
    """Block medians of the valid samples at about ``rate_hz`` (for candidate scoring)."""
    ok = np.isfinite(values) & np.isfinite(time_s)
    t, v = time_s[ok], values[ok]
    if t.size < 2 or float(np.median(np.diff(t))) >= 0.9 / rate_hz:
        return v  # already at about that rate or slower (the live history)
    bins = np.floor((t - t[0]) * rate_hz).astype(np.int64)
    edges = np.flatnonzero(np.diff(bins)) + 1
    return np.array([float(np.median(chunk)) for chunk in np.split(v, edges)])


def count_excursions(values: FloatArray, center: float, enter: float, exit_: float) -> int:
    """Excursions of ``values`` from ``center`` either way reaching ``enter`` and coming back
    within ``exit_``."""
    count, state = 0, 0
    for x in (values - center).tolist():
        if state == 0:
            if x >= enter:
                state = 1
            elif x <= -enter:
                state = -1
        elif state * x <= exit_:
            count += 1
            state = 0
            if x >= enter:
                state = 1
            elif x <= -enter:
                state = -1
    return count


def _modes(values: FloatArray, bin_deg: float) -> list[float]:
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < bin_deg:
        return [float(np.median(values))]
    n_bins = min(int(math.ceil((hi - lo) / bin_deg)), 2000)
    hist, edges = np.histogram(values, bins=n_bins)
    smooth = np.convolve(hist, np.ones(3) / 3, mode="same")
    peaks = [
        i
        for i in range(n_bins)
        if smooth[i] >= 0.1 * smooth.max()
        and (i == 0 or smooth[i] >= smooth[i - 1])
        and (i == n_bins - 1 or smooth[i] > smooth[i + 1])
    ]
    return [float(0.5 * (edges[i] + edges[i + 1])) for i in peaks]


def estimate_neutral(
    time_s: FloatArray, values: FloatArray, signature: SensorSignature, *, dwell_ends: bool = True
) -> float | None:
    """Rest level of ``values`` for ``signature``'s movement, from the whole recording.

    Parameters
    ----------
    time_s, values : ndarray, shape (n,)
        The primary angle (degrees, NaN where not measured).
    signature : SensorSignature
        Direction and minimum excursion of the movement.
    dwell_ends : bool
        Let an end still at the ends' level make it rest (a whole recording). The live
        tracker's history passes False: its last second is "now", and an arm held
        overhead for a second is not rest.

    Returns
    -------
    float or None
        None when fewer than 3 valid samples.
    """
    ok = np.isfinite(values)
    finite = values[ok]
    if finite.size < 3:
        return None
    enter = max(float(signature.min_excursion_deg), 1.0)
    t = time_s[ok]
    head, tail = finite[t <= t[0] + ENDS_S], finite[t >= t[-1] - ENDS_S]
    ends: float | None = None  # the level both ends share: weak evidence of rest
    if abs(float(np.median(head)) - float(np.median(tail))) <= 0.5 * enter:
        ends = float(np.median(np.concatenate([head, tail])))
    direction = signature.direction
    if direction is not ExcursionDirection.BOTH:
        # one-way: rest is on the side the movement leaves from (positive: low end). The
        # shared level of the ends is rest when the signal seldom goes beyond it on that
        # side, or when the signal dwells there (an end still for its second); ends that
        # pass through a level mid-movement do neither.
        # An end still at a hold (an arm kept overhead) is a dwell too, so the ends' level
        # must also see as many whole movements as the low end does.
        sign = 1.0 if direction is ExcursionDirection.POSITIVE else -1.0
        if sign > 0:
            cut = np.quantile(finite, REST_TAIL)
            low_end = float(np.median(finite[finite <= cut]))
        else:
            cut = np.quantile(finite, 1.0 - REST_TAIL)
            low_end = float(np.median(finite[finite >= cut]))
        if ends is None:
            return low_end
        if float(np.mean(sign * (ends - finite) > 0.5 * enter)) <= REST_TAIL:
            return ends
        if dwell_ends and (_still(head, enter) or _still(tail, enter)):
            # the low end wins only where the signal also dwells (not a turning point of
            # a movement the other way) and more whole movements are seen from it
            coarse = sign * _decimated(time_s, values)
            seen_ends = _count_one_way(coarse, sign * ends, enter)
            if seen_ends >= _count_one_way(coarse, sign * low_end, enter) or not _dwells(
                t, finite, low_end, 0.25 * enter
            ):
                return ends
        return low_end
    if ends is not None and (_still(head, enter) or _still(tail, enter)):
        return ends  # the signal dwells at the level both ends share: rest
    coarse = _decimated(time_s, values)
    candidates = [float(np.median(finite)), *_modes(finite, max(1.0, 0.25 * enter))]
    # moving ends are a candidate too, preferred on a tie in the number of excursions
    scored = [(count_excursions(coarse, c, enter, 0.5 * enter), 0, -abs(c), c) for c in candidates]
    if ends is not None:
        scored.append((count_excursions(coarse, ends, enter, 0.5 * enter), 1, -abs(ends), ends))
    return max(scored)[3]


def _count_one_way(values: FloatArray, center: float, enter: float) -> int:
    """Whole excursions of ``values`` above ``center``: leaving from within half ``enter``
    (a start seen), reaching ``enter`` and back within half of it."""
    count, out, seen = 0, False, False
    for x in (values - center).tolist():
        if not seen:
            seen = x <= 0.5 * enter
        elif not out and x >= enter:
            out = True
        elif out and x <= 0.5 * enter:
            count, out = count + 1, False
    return count


def _dwells(time_s: FloatArray, values: FloatArray, level: float, tolerance: float) -> bool:
    """Whether ``values`` stay within ``tolerance`` of ``level`` for :data:`DWELL_S` on end."""
    near = np.abs(values - level) <= tolerance
    edges = np.flatnonzero(np.diff(np.r_[0, near.astype(np.int8), 0]))
    return any(
        time_s[stop - 1] - time_s[start] >= DWELL_S
        for start, stop in zip(edges[::2], edges[1::2], strict=True)
    )


def _still(end: FloatArray, enter: float) -> bool:
    """An end (first or last second) that stays within half the minimum excursion."""
    low, high = np.quantile(end, [0.1, 0.9])
    return bool(high - low <= 0.5 * enter)


def smoothness(time_s: FloatArray, values: FloatArray) -> float:
    """Autocorrelation of the angle over :data:`SMOOTHNESS_LAG_S` (1.0 when too short).

    Human movement sampled at 30 Hz or faster changes little from one sample to the next
    (0.7-1.0, walking knees included); random keypoints, shuffled frames and jitter do not
    (about 0). Pairs with a missing sample are skipped.
    """
    ok = np.isfinite(values)
    if int(ok.sum()) < 8:
        return 1.0
    dt = float(np.median(np.diff(time_s[ok])))
    if not dt > 0 or dt > 2 * SMOOTHNESS_LAG_S:
        return 1.0  # too slow a rate to tell movement from noise this way
    lag = max(1, int(round(SMOOTHNESS_LAG_S / dt)))
    a, b = values[:-lag], values[lag:]
    pair = np.isfinite(a) & np.isfinite(b)
    if int(pair.sum()) < 4:
        return 1.0
    a, b = a[pair], b[pair]
    var = float(np.var(np.concatenate([a, b])))
    if var <= 1e-12:
        return 1.0
    return float(np.clip(1.0 - float(np.mean((b - a) ** 2)) / (2.0 * var), -1.0, 1.0))


def count_confidence(
    time_s: FloatArray, values: FloatArray, repetitions: tuple[Repetition, ...]
) -> dict[str, Any]:
    """How clearly the recording shows the repeated movement that was counted.

    Returns
    -------
    dict
        ``score`` (0-1), ``level`` (``high`` / ``medium`` / ``low`` / ``none``),
        ``smoothness``, ``short_repetitions`` and ``clear`` (False: the count
        should be replaced by :data:`NO_CLEAR_MOVEMENT`), ``reason`` when not clear (English)
        with ``reason_words`` (its message id and values, to show it translated).
    """
    rho = smoothness(time_s, values)
    n = len(repetitions)
    short = sum(1 for r in repetitions if r.duration_s < MIN_REPETITION_S)
    out: dict[str, Any] = {"smoothness": rho, "short_repetitions": short}
    words: tuple[str, dict[str, str]] | None = None
    valid = float(np.mean(np.isfinite(values))) if values.size else 0.0
    if n and valid < MIN_VALID_FRACTION:
        words = (FEW_MEASURED, {"percent": f"{100 * valid:.0f}%"})
    elif rho < MIN_SMOOTHNESS:
        words = (ANGLE_JUMPS, {"rho": f"{rho:.2f}", "limit": f"{MIN_SMOOTHNESS}"})
    elif n and short > 0.5 * n:
        words = (
            SHORT_MOVEMENTS,
            {"short": str(short), "n": str(n), "limit": f"{MIN_REPETITION_S}"},
        )
    if n == 0 or words is not None:
        out.update(score=0.0, level="none", clear=n == 0 and words is None)
        if words is not None:
            out["reason"] = words[0].format(**words[1])
            out["reason_words"] = words
        return out
    ranges = np.array([r.range_deg for r in repetitions])
    consistency = 1.0
    if n >= 2 and ranges.mean() > 0:
        consistency = float(max(0.0, 1.0 - ranges.std() / ranges.mean()))
    smooth_score = (rho - MIN_SMOOTHNESS) / (1.0 - MIN_SMOOTHNESS)
    score = float(np.clip(smooth_score, 0.0, 1.0) * (0.5 + 0.5 * consistency) * (1 - short / n))
    level = "high" if score >= 0.7 else "medium" if score >= 0.4 else "low"
    out.update(score=score, level=level, clear=True)
    return out
