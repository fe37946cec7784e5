"""Trunk rotation from one camera: foreshortening of the shoulder and hip lines, sign from depth.

A pose estimator's relative depth (BlazePose ``z``) is under-scaled (about 0.4-0.5 of the
true depth) and noisy, so the old proxy ``atan2(depth, width)`` read about half the true
rotation, jumped with the depth noise and followed the arms. This estimate, for a camera
that sees the person from the front (or obliquely, up to about 30-60 deg), works per line
(shoulders, hips) in units of the torso's image length ``L`` (mid-hip to mid-shoulder, which
a turn about the vertical does not change, so walking toward the camera is not a turn):

1. **Calibration from a still window**: the first :data:`STILL_S` seconds in which the
   shoulder width moves less than :data:`STILL_SPREAD` (relative) with the arms down give
   the neutral widths ``u0``.
   Nothing is reported before it (live) — no twist can come from the noise of the first
   frames.
2. **Foreshortening**: a line of true (frontal) image width ``U`` turned by ``psi`` from the
   image plane shows ``U cos psi``: ``|psi| = arccos(u / U)``. ``U`` is the neutral width,
   raised to the widest the line is seen (a running median's maximum, less its noise) so
   an oblique camera whose person turns through the frontal view learns it. The hips' ``U``
   also follows from the start being untwisted: the hip line's yaw at rest equals the
   shoulders'.
3. **Depth**: the sign is the sign of the depth difference (right point farther = the right
   side backward); its magnitude ``asin(d / (k U))``, the change of ``d`` from rest shrunk
   where the still window's depth noise could have made it (``c^3 / (c^2 + (2 sd)^2)``), with
   the depth gain ``k``
   learnt from frames turned more than :data:`GAIN_MIN_DEG` by foreshortening (else
   :data:`DEFAULT_DEPTH_GAIN`).
4. **Blend**: foreshortening is blind near 0 (cos is flat: 2 % of width noise reads as
   11 deg) and depth, once its gain is known, is reliable there; depth gives the angle below
   :data:`BLEND_FROM_DEG` of foreshortening, foreshortening above :data:`BLEND_TO_DEG`,
   linearly between. Widths and depths first pass a running median of
   :data:`STEADY_FRAMES` frames (hips :data:`STEADY_HIP_FRAMES`): centred for a whole
   recording; live, trailing (the shoulders lag about 0.1 s at 30 Hz).
5. ``trunk_rotation_deg = psi_shoulders - psi_hips``.
6. **A steady rest reading** (4 px of depth noise made a still person's reading wander by
   8-11 deg): the depth noise is measured on the whole stream (frame-to-frame changes, not
   the still window's half second); at rest the depth differences take a longer running
   median (:data:`SETTLE_FRAMES`, hips :data:`SETTLE_HIP_FRAMES`) where it agrees with the
   short one within that noise (:func:`settle`); the rest depth differences are refined on
   every frame at rest; live, nothing is reported for :data:`WARM_S` after the still window
   while they settle, and the rest level (:attr:`RotationEstimator.rest_deg`) is what the
   event tracker measures twists from. A still person now wanders by 2-4 deg (live 2-5).

**Not measurable** (NaN) while an arm is raised (upper arm more than :data:`ARM_GATE_DEG`
from the trunk's downward line, or a wrist/elbow above its shoulder, and for
:data:`ARM_SETTLE_S` after) or the shoulders are
lifted (torso image length more than :data:`SHRUG_GATE` above neutral): the shoulder points
then move with the arms, not the trunk. Not measurable at all from a side view (neutral
shoulder width below :data:`SIDE_VIEW_WIDTH` of the torso length), from a camera more than
:data:`MAX_NEUTRAL_YAW_DEG` from the front (known once the person has turned through the
frontal view: a whole recording), or without depth.
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from spinecoach.domain.i18n import N_
from spinecoach.motion.body import Body, angle_between_deg, dot
from spinecoach.motion.types import BoolArray, FloatArray

#: Seconds of stillness needed to calibrate.
STILL_S = 0.5
#: Largest spread (max - min, after a 5-frame median) of the shoulder width in a still
#: window, in torso lengths.
STILL_SPREAD = 0.05
#: Upper arm angle from the trunk's downward line (deg) above which the frame is gated.
ARM_GATE_DEG = 50.0
#: Seconds after an arm was raised during which the shoulders still count as moving.
ARM_SETTLE_S = 0.5
#: Shortest run of measurable frames kept in a whole recording (s): a twist takes longer,
#: and a short run between raised arms is mostly the shoulders settling.
MIN_RUN_S = 1.0
#: Torso image length over its neutral value above which the shoulders count as lifted.
SHRUG_GATE = 1.05
#: Neutral shoulder width / torso length below which the camera sees the person side-on.
SIDE_VIEW_WIDTH = 0.3
#: Neutral yaw of the shoulder line from the image plane (deg) beyond which it is refused.
MAX_NEUTRAL_YAW_DEG = 45.0
#: Depth gain assumed until turns large enough to learn it have been seen.
DEFAULT_DEPTH_GAIN = 0.5
#: Depth gain a shortened line's depth difference must imply to count as a turn.
MIN_IMPLIED_GAIN = 0.1
#: Foreshortening angle (deg) above which a frame teaches the depth gain.
GAIN_MIN_DEG = 25.0
#: Frames of the running median whose maximum is the line's frontal width.
WIDTH_MEDIAN_FRAMES = 9
#: Foreshortening angles (deg) between which the estimate passes from depth to foreshortening.
BLEND_FROM_DEG = 20.0
BLEND_TO_DEG = 40.0
#: Frames of the trailing median that steadies the shoulders' width and depth before the
#: estimate, and the hips' (the pelvis turns slowly in trunk exercises).
STEADY_FRAMES = 7
STEADY_HIP_FRAMES = 31
#: At rest, the depth differences pass a longer running median too (shoulders / hips),
#: taken where it agrees with the short one within the noise: a weight
#: ``exp(-(diff / (SETTLE_SD sd))^2 / 2)`` on the long median, ``sd`` the short median's
#: noise measured in the still window. A still person's reading then wanders about half as
#: much; a turn moves the short median away from the long one at once and is not slowed.
SETTLE_FRAMES = 31
SETTLE_HIP_FRAMES = 61
SETTLE_SD = 2.0
#: The rest depth differences are refined from every later frame within this many noise
#: standard deviations of them (arms down): the still window's half second alone leaves an
#: error of about one standard deviation, which the shrink below then holds as an offset.
REST_SD = 2.0
#: The depth noise is measured on the whole stream (not the still window's half second,
#: which under-read it by a third at 4 px): from the frame-to-frame changes of the raw depth
#: differences of the last this many frames (arms down), robustly (their median absolute
#: value), so the slow changes of a turn do not count.
NOISE_FRAMES = 150
#: Live, the rotation is reported from this long after the still window on: meanwhile the
#: rest depth differences are refined from the frames at rest (the still window alone left
#: the rest reading up to 10 deg off at 4 px depth noise, as the baseline of every twist).
WARM_S = 1.0
#: Depth changes from rest are shrunk as ``c^3 / (c^2 + (SHRINK_SD sd)^2)``: halved at this
#: many noise standard deviations.
SHRINK_SD = 2.0
#: Least noise assumed (relative width; depth per torso length).
MIN_SD_U = 0.01
MIN_SD_D = 0.01

#: Twist of the shoulders against the hips (deg, from the depth differences) above which a
#: still window is a held twist, not the neutral position: not calibrated on (a square
#: person reads up to about 11 deg with 4 px of depth noise; a held 15 deg twist 15-46 deg).
MAX_CALIBRATION_TWIST_DEG = 15.0

NOT_MEASURABLE_SIDE = "needs a front or oblique camera view: the shoulders are seen side-on at rest"
NOT_MEASURABLE_OBLIQUE = (
    f"needs the camera within {MAX_NEUTRAL_YAW_DEG:g} deg of the front: the shoulder line is "
    "seen too obliquely at rest"
)
NOT_MEASURABLE_STILL = f"no still {STILL_S:g} s with the arms down to calibrate the neutral width"
NOT_MEASURABLE_TWISTED = (
    f"no still {STILL_S:g} s facing the camera square to calibrate: the shoulders were turned "
    "against the hips in every still window"
)
#: Said (live) while the still window found is a held twist: calibrating there would read
#: every later angle offset by it.
FACE_SQUARE = N_("Face the camera square, shoulders over hips, and keep still for a moment.")


@dataclass(frozen=True)
class Features:
    """Per-frame inputs of the estimate (NaN where a point is missing).

    Attributes
    ----------
    u_shoulders, u_hips : ndarray
        Image width of the line / torso image length.
    d_shoulders, d_hips : ndarray
        Depth of the right point minus the left one / torso length, positive when the right
        point is farther from the camera (for a person facing the camera).
    length : ndarray
        Torso image length (pixels).
    arms_down : ndarray of bool
        False where an arm is raised (see the module docstring).
    """

    u_shoulders: FloatArray
    u_hips: FloatArray
    d_shoulders: FloatArray
    d_hips: FloatArray
    length: FloatArray
    arms_down: BoolArray


def features(body: Body) -> Features:
    """Per-frame widths, depth differences and the arm gate of an image ``body`` with depth."""
    ls, rs = body.point("left_shoulder", 3), body.point("right_shoulder", 3)
    lh, rh = body.point("left_hip", 3), body.point("right_hip", 3)
    trunk = (ls + rs)[:, :2] / 2 - (lh + rh)[:, :2] / 2
    length = np.sqrt(dot(trunk, trunk))
    with np.errstate(invalid="ignore", divide="ignore"):
        across_s, across_h = rs - ls, rh - lh
        u_s = np.hypot(across_s[:, 0], across_s[:, 1]) / length
        u_h = np.hypot(across_h[:, 0], across_h[:, 1]) / length
        # image x of the right point left of the left one: the person faces the camera and
        # a farther right point (larger z) is the right side backward; seen from behind,
        # the other way round
        facing = np.where(across_s[:, 0] + across_h[:, 0] <= 0, 1.0, -1.0)
        d_s = facing * across_s[:, 2] / length
        d_h = facing * across_h[:, 2] / length
    down = np.ones(body.n_frames, dtype=bool)
    for side in ("left", "right"):
        shoulder = body.point(f"{side}_shoulder", 2)
        for joint in (f"{side}_elbow", f"{side}_wrist"):
            if not body.has(joint):
                continue
            point = body.point(joint, 2)
            with np.errstate(invalid="ignore"):
                above = point[:, 1] < shoulder[:, 1]  # image y grows downward
                if joint.endswith("elbow"):
                    raised = angle_between_deg(point - shoulder, -trunk) > ARM_GATE_DEG
                    above = above | raised
            down &= ~above
    return Features(u_s, u_h, d_s, d_h, length, down)


def settled(time_s: FloatArray, arms_down: BoolArray, before: bool = True) -> BoolArray:
    """``arms_down`` also False for :data:`ARM_SETTLE_S` after an arm was raised (the
    shoulder points settle after the arms come down) and, with ``before`` (a whole
    recording), before (they start to move before the arm passes the gate)."""
    if arms_down.size == 0:
        return arms_down
    up_times = np.where(~arms_down, time_s, -np.inf)
    ok = time_s - np.maximum.accumulate(up_times) >= ARM_SETTLE_S
    if before:
        next_up = np.minimum.accumulate(np.where(~arms_down, time_s, np.inf)[::-1])[::-1]
        ok &= next_up - time_s >= ARM_SETTLE_S
    return np.asarray(arms_down & ok, dtype=bool)


def _running_median(
    values: FloatArray, n: int, trailing: bool = False, least: int | None = None
) -> FloatArray:
    """Running median over ``n`` frames, centred or trailing (NaN-aware; NaN where fewer
    than ``least`` (default half) of the window's frames are valid, so the first frames are
    not one frame's noise)."""
    if values.size == 0:
        return values.copy()
    before, after = (n - 1, 0) if trailing else (n // 2, n - 1 - n // 2)
    padded = np.pad(values, (before, after), constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, n)
    has_nan = np.isnan(windows).any(axis=1)
    median = np.empty(values.size)
    median[~has_nan] = np.median(windows[~has_nan], axis=1)  # the fast, usual case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median[has_nan] = np.nanmedian(windows[has_nan], axis=1)
    least = (n + 1) // 2 if least is None else least
    enough = np.count_nonzero(np.isfinite(windows), axis=1) >= least
    return np.asarray(np.where(enough, median, np.nan), dtype=float)


def steadied(f: Features, trailing: bool = False) -> Features:
    """``f`` with widths and depths through a running median of :data:`STEADY_FRAMES`
    (hips :data:`STEADY_HIP_FRAMES`): centred for a whole recording, trailing live."""

    def m(values: FloatArray, n: int = STEADY_FRAMES) -> FloatArray:
        # the shoulders' short window must be full; the hips' at least half
        return _running_median(values, n, trailing, n if n == STEADY_FRAMES else None)

    return Features(
        m(f.u_shoulders),
        m(f.u_hips, STEADY_HIP_FRAMES),
        m(f.d_shoulders),
        m(f.d_hips, STEADY_HIP_FRAMES),
        m(f.length),
        f.arms_down,
    )


def step_noise(steps: FloatArray) -> float:
    """One frame's noise (standard deviation) from frame-to-frame changes ``steps`` of a
    noisy, slowly moving value: 1.4826 median |step| / sqrt(2); NaN when too few."""
    steps = steps[np.isfinite(steps)]
    if steps.size < 30:
        return math.nan
    return float(1.4826 * np.median(np.abs(steps)) / math.sqrt(2.0))


def median_noise(sd: float, n: int) -> float:
    """Noise of a running median of ``n`` frames of a value with noise ``sd``."""
    return max(sd, MIN_SD_D) * 1.25 / math.sqrt(n)


def settle(short: FloatArray, long: FloatArray, sd: float) -> FloatArray:
    """The long median where it agrees with the short one within the noise ``sd``, the
    short one where they part (a movement), smoothly between (see :data:`SETTLE_SD`)."""
    with np.errstate(invalid="ignore"):
        weight = np.exp(-0.5 * ((long - short) / (SETTLE_SD * sd)) ** 2)
        weight = np.where(np.isfinite(long), weight, 0.0)
        out = weight * np.where(np.isfinite(long), long, 0.0) + (1.0 - weight) * short
    return np.asarray(out, dtype=float)


def settled_depths(raw: Features, f: Features, cal: Calibration, trailing: bool) -> Features:
    """``f`` (steadied) with its depth differences settled at rest (:func:`settle`)."""

    def long(values: FloatArray, n: int) -> FloatArray:
        return _running_median(values, n, trailing)

    return replace(
        f,
        d_shoulders=settle(f.d_shoulders, long(raw.d_shoulders, SETTLE_FRAMES), cal.sd_d),
        d_hips=settle(f.d_hips, long(raw.d_hips, SETTLE_HIP_FRAMES), cal.sd_d_hips),
    )


@dataclass(frozen=True)
class Calibration:
    """The still window (frames ``start:stop``): neutral widths, depths and noise levels.

    ``sd_u`` is a single frame's width noise; ``sd_d`` and ``sd_d_hips`` the noise of the
    steadied depth differences (a median of n frames: 1.25 sd / sqrt(n)).
    """

    start: int
    stop: int
    u0_shoulders: float
    u0_hips: float
    length0: float
    d0_shoulders: float
    d0_hips: float
    sd_u: float
    sd_d: float
    sd_d_hips: float


def calibration_twist_deg(cal: Calibration) -> float:
    """The twist of the shoulders against the hips in the still window, from the depth
    differences alone (each line's ``asin(d / (k u))`` with the default depth gain): about 0
    for a person square to the camera and also for an oblique camera (both lines turn
    together), the held twist for a person calibrated mid-twist (a gain under the default
    reads it smaller)."""

    def yaw(d: float, u: float) -> float:
        if not (u > 0 and math.isfinite(d)):
            return math.nan
        return math.degrees(math.asin(min(max(d / (DEFAULT_DEPTH_GAIN * u), -1.0), 1.0)))

    return yaw(cal.d0_shoulders, cal.u0_shoulders) - yaw(cal.d0_hips, cal.u0_hips)


def find_still(time_s: FloatArray, raw: Features, trailing: bool = False) -> Calibration | None:
    """The first still window with the arms down in unsteadied features ``raw``."""
    feats = steadied(raw, trailing)
    smooth = feats.u_shoulders
    ok = (
        feats.arms_down
        & np.isfinite(smooth)
        & np.isfinite(feats.u_hips)
        & np.isfinite(feats.d_shoulders)
        & np.isfinite(feats.d_hips)
    )
    first = 0
    for i in range(time_s.size):
        if not ok[i]:
            first = i + 1
            continue
        while first < i and time_s[i] - time_s[first] > STILL_S:
            first += 1
        if time_s[i] - time_s[first] < STILL_S * 0.95:
            continue
        window = smooth[first : i + 1]
        if float(window.max()) - float(window.min()) > STILL_SPREAD:
            continue
        part = slice(first, i + 1)
        centre = float(np.median(window))

        def noise(values: FloatArray, n: int, part: slice = part) -> float:
            return max(float(np.nanstd(values[part])), MIN_SD_D) * 1.25 / math.sqrt(n)

        return Calibration(
            first,
            i + 1,
            centre,
            float(np.median(feats.u_hips[part])),
            float(np.median(feats.length[part])),
            float(np.median(feats.d_shoulders[part])),
            float(np.median(feats.d_hips[part])),
            max(float(np.nanstd(raw.u_shoulders[part])), MIN_SD_U * centre),
            noise(raw.d_shoulders, STEADY_FRAMES),
            noise(raw.d_hips, STEADY_HIP_FRAMES),
        )
    return None


def _consistency(u: FloatArray, d: FloatArray, frontal: float) -> FloatArray:
    """0-1: whether the depth difference backs the foreshortening (a real turn moves one
    side back as the line shortens; shoulders pulled in by the arms do not). The depth gain
    it implies, ``|d| / (U sin psi)``, must reach :data:`MIN_IMPLIED_GAIN` (full trust at
    twice that)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sine = np.sqrt(np.clip(1.0 - (u / frontal) ** 2, 0.0, 1.0))
        implied = np.abs(d) / (frontal * sine)
        return np.asarray(np.clip(implied / MIN_IMPLIED_GAIN - 1.0, 0.0, 1.0), dtype=float)


def _yaw(
    u: FloatArray, d: FloatArray, frontal: float, gain: float, d0: float, sd_d: float
) -> FloatArray:
    """Yaw (deg) of one line from its width ``u`` and depth difference ``d``: depth below
    :data:`BLEND_FROM_DEG` of foreshortening, foreshortening above :data:`BLEND_TO_DEG` when
    the depth backs it (:func:`_consistency`)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        psi_f = np.degrees(np.arccos(np.clip(u / frontal, 0.0, 1.0)))
        change = d - d0  # shrink the change from rest where the noise could have made it
        d = d0 + change * change**2 / (change**2 + (SHRINK_SD * sd_d) ** 2)
        psi_d = np.degrees(np.arcsin(np.clip(d / (gain * frontal), -1.0, 1.0)))
        blend = np.clip((psi_f - BLEND_FROM_DEG) / (BLEND_TO_DEG - BLEND_FROM_DEG), 0.0, 1.0)
        blend = blend * _consistency(u, d, frontal)
        signed_f = np.where(psi_d >= 0, psi_f, -psi_f)
    return np.asarray((1.0 - blend) * psi_d + blend * signed_f, dtype=float)


def _learn_gain(u: FloatArray, d: FloatArray, frontal: float) -> tuple[float, float]:
    """Sums (sum |d| s, sum s^2) over frames turned past :data:`GAIN_MIN_DEG` whose depth
    backs the turn, s = U sin psi."""
    with np.errstate(invalid="ignore"):
        psi = np.arccos(np.clip(u / frontal, 0.0, 1.0))
        s = frontal * np.sin(psi)
        use = (
            np.isfinite(d)
            & np.isfinite(s)
            & (psi > math.radians(GAIN_MIN_DEG))
            & (_consistency(u, d, frontal) >= 1.0)
        )
    return float(np.sum(np.abs(d[use]) * s[use])), float(np.sum(s[use] ** 2))


def _drop_short_runs(time_s: FloatArray, values: FloatArray) -> FloatArray:
    """``values`` with runs of valid frames shorter than :data:`MIN_RUN_S` set to NaN."""
    ok = np.isfinite(values)
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(np.int8), 0]))
    out = values.copy()
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if time_s[stop - 1] - time_s[start] < MIN_RUN_S:
            out[start:stop] = np.nan
    return out


class RotationEstimator:
    """The estimate with its calibration: batch (:meth:`series`) or live (:meth:`push`).

    Live, frames before the still window are NaN; the frontal widths and the depth gain are
    refined as the stream goes. In batch, the still window is the first one in the recording
    and the widths and gain come from the whole recording.
    """

    def __init__(self) -> None:
        self.calibration: Calibration | None = None
        self.problem: str | None = None
        #: Live: what the person should do for the calibration to succeed (None: nothing)
        self.hint: str | None = None
        self._times: list[float] = []
        self._rows: list[tuple[float, float, float, float, float, bool]] = []
        self._recent_s: deque[float] = deque(maxlen=WIDTH_MEDIAN_FRAMES)
        self._recent_h: deque[float] = deque(maxlen=WIDTH_MEDIAN_FRAMES)
        self._max_s = -math.inf
        self._max_h = -math.inf
        self._gain_num = 0.0
        self._gain_den = 0.0
        #: running sums of the rest depth differences: [sum_s, n_s, sum_h, n_h]
        self._rest: list[float] | None = None
        self._ready_s = math.inf
        self._last_t_s = -math.inf
        self._steps: deque[tuple[float, float]] = deque(maxlen=NOISE_FRAMES)
        self._noise_last: tuple[float, float] | None = None
        self._noise_count = 0
        self._last_up_s = -math.inf
        self._last: deque[tuple[float, float, float, float, float]] = deque(
            maxlen=max(STEADY_HIP_FRAMES, SETTLE_FRAMES, SETTLE_HIP_FRAMES)
        )

    # -- shared ---------------------------------------------------------------------------
    def _frontal(self, max_s: float, max_h: float) -> tuple[float, float]:
        cal = self.calibration
        assert cal is not None
        margin = 2.0 * cal.sd_u / math.sqrt(WIDTH_MEDIAN_FRAMES)
        frontal_s = max(cal.u0_shoulders, max_s - margin)
        yaw0 = math.acos(min(cal.u0_shoulders / frontal_s, 1.0))
        margin_h = margin * cal.u0_hips / cal.u0_shoulders
        frontal_h = max(cal.u0_hips / math.cos(yaw0), max_h - margin_h)
        return frontal_s, frontal_h

    @staticmethod
    def _measured_noise(cal: Calibration, sd_s: float, sd_h: float) -> Calibration:
        """``cal`` with the steadied depth noise measured on the stream (where measured)."""
        if sd_s == sd_s:
            cal = replace(cal, sd_d=median_noise(sd_s, STEADY_FRAMES))
        if sd_h == sd_h:
            cal = replace(cal, sd_d_hips=median_noise(sd_h, STEADY_HIP_FRAMES))
        return cal

    def _listen_noise(self, raw: Features) -> None:
        """Live: keep the raw depth differences' frame-to-frame changes (arms down) and
        re-measure the noise every 15 frames."""
        row = (float(raw.d_shoulders[0]), float(raw.d_hips[0]))
        last, self._noise_last = self._noise_last, row
        if last is None or not bool(raw.arms_down[0]):
            return
        self._steps.append((row[0] - last[0], row[1] - last[1]))
        self._noise_count += 1
        if self._noise_count % 15 or self.calibration is None:
            return
        steps = np.array(self._steps, dtype=float)
        self.calibration = self._measured_noise(
            self.calibration, step_noise(steps[:, 0]), step_noise(steps[:, 1])
        )

    def _rest_depths(self) -> tuple[float, float]:
        """The rest depth differences (shoulders, hips): the still window's, refined."""
        cal = self.calibration
        assert cal is not None
        rest = self._rest
        if rest is None:
            return cal.d0_shoulders, cal.d0_hips
        return rest[0] / rest[1], rest[2] / rest[3]

    def _learn_rest(self, f: Features, usable: bool) -> None:
        """Live: add a frame at rest (arms down, depths within :data:`REST_SD` of the rest
        level) to the running rest depth differences."""
        cal = self.calibration
        assert cal is not None
        if self._rest is None:
            n = float(max(cal.stop - cal.start, 1))
            self._rest = [cal.d0_shoulders * n, n, cal.d0_hips * n, n]
        if not usable:
            return
        rest = self._rest
        d_s, d_h = float(f.d_shoulders[0]), float(f.d_hips[0])
        if abs(d_s - rest[0] / rest[1]) < REST_SD * cal.sd_d:
            rest[0] += d_s
            rest[1] += 1.0
        if abs(d_h - rest[2] / rest[3]) < REST_SD * cal.sd_d_hips:
            rest[2] += d_h
            rest[3] += 1.0

    def _batch_rest(self, f: Features, usable: BoolArray) -> None:
        """Whole recording: the rest depth differences are the median of the frames within
        :data:`REST_SD` of the still window's (arms down)."""
        cal = self.calibration
        assert cal is not None
        out = []
        for d, d0, sd in (
            (f.d_shoulders, cal.d0_shoulders, cal.sd_d),
            (f.d_hips, cal.d0_hips, cal.sd_d_hips),
        ):
            with np.errstate(invalid="ignore"):
                near = usable & (np.abs(d - d0) < REST_SD * sd)
            n = int(np.count_nonzero(near))
            out += [float(np.median(d[near])) * n, float(n)] if n else [d0, 1.0]
        self._rest = out

    def _gain(self) -> float:
        if self._gain_den > 0 and self._gain_num > 0:
            return float(np.clip(self._gain_num / self._gain_den, 2 * MIN_IMPLIED_GAIN, 2.0))
        return DEFAULT_DEPTH_GAIN

    def _rotation(self, f: Features, frontal_s: float, frontal_h: float) -> FloatArray:
        cal = self.calibration
        assert cal is not None
        gain = self._gain()
        d0_s, d0_h = self._rest_depths()
        shoulders = _yaw(f.u_shoulders, f.d_shoulders, frontal_s, gain, d0_s, cal.sd_d)
        hips = _yaw(f.u_hips, f.d_hips, frontal_h, gain, d0_h, cal.sd_d_hips)
        with np.errstate(invalid="ignore"):
            lifted = f.length > SHRUG_GATE * cal.length0
        return np.where(f.arms_down & ~lifted, shoulders - hips, np.nan)

    # -- batch ----------------------------------------------------------------------------
    def series(self, body: Body, time_s: FloatArray) -> FloatArray:
        """Rotation (deg) for every frame of a whole recording (NaN where not measurable);
        :attr:`problem` says why when no frame is."""
        raw = features(body)
        raw = replace(raw, arms_down=settled(time_s, raw.arms_down))
        f = steadied(raw)
        nan = np.full(body.n_frames, np.nan)
        cal = find_still(time_s, raw)
        searched = raw
        while cal is not None and abs(calibration_twist_deg(cal)) > MAX_CALIBRATION_TWIST_DEG:
            # a held twist, not the neutral position: look for a later still window
            later = searched.arms_down.copy()
            later[: cal.stop] = False
            searched = replace(searched, arms_down=later)
            found = find_still(time_s, searched)
            if found is None:
                self.problem = NOT_MEASURABLE_TWISTED
                return nan
            cal = found
        if cal is None:
            self.problem = NOT_MEASURABLE_STILL
            return nan
        if cal.u0_shoulders < SIDE_VIEW_WIDTH:
            self.problem = NOT_MEASURABLE_SIDE
            return nan
        steps_s = np.diff(np.where(raw.arms_down, raw.d_shoulders, np.nan))
        steps_h = np.diff(np.where(raw.arms_down, raw.d_hips, np.nan))
        cal = self._measured_noise(cal, step_noise(steps_s), step_noise(steps_h))
        self.calibration = cal
        f = settled_depths(raw, f, cal, trailing=False)
        with np.errstate(invalid="ignore"):
            usable = f.arms_down & (f.length <= SHRUG_GATE * cal.length0)
        self._batch_rest(f, usable)
        wide_s = _running_median(np.where(usable, f.u_shoulders, np.nan), WIDTH_MEDIAN_FRAMES)
        wide_h = _running_median(np.where(usable, f.u_hips, np.nan), WIDTH_MEDIAN_FRAMES)
        max_s = float(np.nanmax(wide_s)) if np.any(np.isfinite(wide_s)) else -math.inf
        max_h = float(np.nanmax(wide_h)) if np.any(np.isfinite(wide_h)) else -math.inf
        frontal_s, frontal_h = self._frontal(max_s, max_h)
        if math.degrees(math.acos(min(cal.u0_shoulders / frontal_s, 1.0))) > MAX_NEUTRAL_YAW_DEG:
            self.problem = NOT_MEASURABLE_OBLIQUE
            return nan
        for u, d, frontal in (
            (f.u_shoulders, f.d_shoulders, frontal_s),
            (f.u_hips, f.d_hips, frontal_h),
        ):
            num, den = _learn_gain(np.where(usable, u, np.nan), d, frontal)
            self._gain_num += num
            self._gain_den += den
        return _drop_short_runs(time_s, self._rotation(f, frontal_s, frontal_h))

    # -- live -----------------------------------------------------------------------------
    def _steady(self, f: Features) -> Features:
        self._last.append(
            (
                float(f.u_shoulders[0]),
                float(f.u_hips[0]),
                float(f.d_shoulders[0]),
                float(f.d_hips[0]),
                float(f.length[0]),
            )
        )
        every = np.array(self._last, dtype=float)
        rows = every[-STEADY_HIP_FRAMES:]
        recent = rows[-STEADY_FRAMES:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            shoulders = np.nanmedian(recent, axis=0)
            hips = np.nanmedian(rows, axis=0)
        # as in batch: NaN until the shoulders' window is full and half the hips' is valid
        shoulders[np.count_nonzero(np.isfinite(recent), axis=0) < STEADY_FRAMES] = np.nan
        hips[np.count_nonzero(np.isfinite(rows), axis=0) < (STEADY_HIP_FRAMES + 1) // 2] = np.nan
        steady = Features(
            shoulders[0:1], hips[1:2], shoulders[2:3], hips[3:4], shoulders[4:5], f.arms_down
        )
        cal = self.calibration
        if cal is None:
            return steady
        long_s = self._long_median(every[-SETTLE_FRAMES:, 2], SETTLE_FRAMES)
        long_h = self._long_median(every[-SETTLE_HIP_FRAMES:, 3], SETTLE_HIP_FRAMES)
        return replace(
            steady,
            d_shoulders=settle(steady.d_shoulders, long_s, cal.sd_d),
            d_hips=settle(steady.d_hips, long_h, cal.sd_d_hips),
        )

    @staticmethod
    def _long_median(values: FloatArray, n: int) -> FloatArray:
        """Trailing median of the last ``n`` values, as :func:`_running_median` (NaN where
        fewer than half are valid)."""
        valid = values[np.isfinite(values)]
        if valid.size < (n + 1) // 2:
            return np.full(1, np.nan)
        return np.full(1, float(np.median(valid)))

    def push(self, t_s: float, body: Body) -> float:
        """Rotation (deg) of one frame (``body`` of one frame); NaN until calibrated."""
        self._last_t_s = t_s
        raw = features(body)
        if not raw.arms_down[0]:
            self._last_up_s = t_s
        if t_s - self._last_up_s < ARM_SETTLE_S:
            raw = replace(raw, arms_down=np.zeros(1, dtype=bool))
        self._listen_noise(raw)
        f = self._steady(raw)
        if self.calibration is None:
            self._times.append(t_s)
            self._rows.append(
                (
                    float(raw.u_shoulders[0]),
                    float(raw.u_hips[0]),
                    float(raw.d_shoulders[0]),
                    float(raw.d_hips[0]),
                    float(raw.length[0]),
                    bool(raw.arms_down[0]),
                )
            )
            keep = int(STILL_S * 4 * 30)  # a few seconds at up to 30 Hz is plenty
            if len(self._rows) > keep:
                del self._times[:-keep], self._rows[:-keep]
            cols = np.array(self._rows, dtype=float)
            buffered = Features(
                cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3], cols[:, 4], cols[:, 5] > 0
            )
            cal = find_still(np.array(self._times), buffered, trailing=True)
            if cal is None:
                return math.nan
            if abs(calibration_twist_deg(cal)) > MAX_CALIBRATION_TWIST_DEG:
                # a held twist: calibrating here would read every angle offset by it
                self.hint = FACE_SQUARE
                del self._times[: cal.stop], self._rows[: cal.stop]
                return math.nan
            self.hint = None
            if cal.u0_shoulders < SIDE_VIEW_WIDTH:
                self.problem = NOT_MEASURABLE_SIDE
                self._rows.clear()
                self._times.clear()
                return math.nan
            self.calibration = cal
            self._times, self._rows = [], []
            self._ready_s = t_s + WARM_S
        cal = self.calibration
        usable = bool(f.arms_down[0]) and float(f.length[0]) <= SHRUG_GATE * cal.length0
        if usable:
            for value, recent, attr in (
                (float(f.u_shoulders[0]), self._recent_s, "_max_s"),
                (float(f.u_hips[0]), self._recent_h, "_max_h"),
            ):
                if value == value:
                    recent.append(value)
                    if len(recent) == WIDTH_MEDIAN_FRAMES:
                        setattr(self, attr, max(getattr(self, attr), float(np.median(recent))))
        self._learn_rest(f, usable)
        frontal_s, frontal_h = self._frontal(self._max_s, self._max_h)
        if usable:
            for u, d, frontal in (
                (f.u_shoulders, f.d_shoulders, frontal_s),
                (f.u_hips, f.d_hips, frontal_h),
            ):
                num, den = _learn_gain(u, d, frontal)
                self._gain_num += num
                self._gain_den += den
        if t_s < self._ready_s:
            return math.nan  # the rest level is still being refined
        return float(self._rotation(f, frontal_s, frontal_h)[0])

    @property
    def rest_deg(self) -> float:
        """The reading of the rest position (deg): both lines at their rest depth
        differences, unforeshortened; NaN before the calibration."""
        cal = self.calibration
        if cal is None:
            return math.nan
        frontal_s, frontal_h = self._frontal(self._max_s, self._max_h)
        gain = self._gain()
        d0_s, d0_h = self._rest_depths()

        def yaw(d0: float, frontal: float) -> float:  # _yaw at u = U: depth alone
            return math.degrees(math.asin(min(max(d0 / (gain * frontal), -1.0), 1.0)))

        return yaw(d0_s, frontal_s) - yaw(d0_h, frontal_h)

    @property
    def calibrating(self) -> bool:
        """Live: no still window yet, or the rest level still being refined after it (not
        a gap in tracking); False once reporting, or when not measurable at all."""
        if self.problem is not None:
            return False
        return self.calibration is None or self._last_t_s < self._ready_s
