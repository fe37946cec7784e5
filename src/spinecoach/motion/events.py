"""Incremental event detection on one primary angle: the logic shared by batch and streaming.

:class:`MotionTracker` is fed one sample at a time (time, primary angle, optional secondary
measures) and returns :class:`~spinecoach.motion.types.MotionEvent` objects as they happen.
:func:`spinecoach.motion.analysis.analyze_measures` feeds it a whole recording, the
:class:`~spinecoach.motion.streaming.StreamingAnalyzer` one frame at a time, so both produce
the same repetitions and holds on the same data.

Method
------
1. **Smoothing**: the angle passes through a causal One-Euro filter (same in both modes).
2. **Baseline (zero)**: the rest position. Live, by default the median of the valid smoothed
   samples of the first ``baseline_s`` (1 s) of tracking; or a given ``neutral_deg`` (batch
   analysis passes the whole-recording estimate of :func:`spinecoach.motion.neutral.
   estimate_neutral`, and the secondary measures' rest values in ``secondary_neutral``). The
   samples of that first second are then replayed through the detector, so a movement that
   starts early is not missed. A first-second baseline is then **refined as the stream
   goes**: after ``refine_first_s`` (2 s) and then every ``refine_every_s`` (5 s: one frame
   in 150 at 30 Hz pays the ~1 ms), between repetitions, the rest level is estimated
   again from the last ``refine_history_s`` (60 s, at 5 samples/s: about 1 ms) of the
   smoothed angle
   with the whole-recording method (:func:`spinecoach.motion.neutral.estimate_neutral`) and
   adopted when it differs by more than the exit threshold (half the minimum excursion) and,
   for side-to-side movements, it is nearer the anatomical 0 and clearly more excursions are
   seen from it (at least 2 more and 1.5 times as many), first tried after ``refine_after_s``
   (6 s) —
   so a stream that starts mid-movement (a squat filmed from the bottom) or tilted still
   counts once the person has moved. Every angle below is relative to the baseline.
3. **Excursion** (a repetition): the signed relative angle is turned into an excursion ``e``
   by the signature's direction (``positive``: ``e = rel``; ``negative``: ``e = -rel``;
   ``both``: ``e = |rel|``). A repetition starts when ``e`` reaches ``min_excursion_deg``
   (its start time is the last moment ``e`` was at or below half of that, or the first
   sample when the recording starts mid-movement) and ends when ``e`` falls back to half of
   it (a ``min_excursion_deg`` of 0 means keeping still: no repetitions, only zone time).
   With ``both``, a swing straight through neutral to the other side ends the excursion
   at the (interpolated) zero crossing, where the next one starts: they never overlap. At
   the end of the recording, an excursion already back below ``count_unfinished_fraction``
   (60 %) of its peak counts (the last repetition that did not fully return).
   Side: for ``both``, a positive excursion is ``right`` and a
   negative one ``left`` (for lateral flexion: toward the subject's right/left; for rotation:
   turning right/left); other directions have side ``none``. With the signature's ``cycle``
   (cat-cow, pelvic tilts), only excursions on the side of the first one are repetitions:
   the opposite excursions are the return half of each cycle and are not counted.
4. **Holds**: inside an excursion, a hold starts once the angle has stayed within
   ``2 * hold_tolerance_deg`` for ``hold_window_s`` (its start is back-dated to the window's
   start) and ends when the angle leaves ``hold_tolerance_deg`` around the hold's mean for
   more than ``hold_break_s``, when tracking is lost, or when the excursion ends. Holds shorter
   than ``min_hold_s`` are dropped.
5. **Tempo**: each repetition is split at the first and last time ``e`` is within 90 % of the
   peak: ``out_s`` (start to there), ``held_s``, ``back_s``.
6. **Zone**: time with ``e`` within the target range.
7. **Form flags** (codes match exercises' ``common_errors``): ``out_of_range`` (beyond the
   target's upper limit by ``out_of_range_margin_deg``), ``not_enough_range`` (a repetition
   whose peak stays below the target's lower limit), ``too_fast`` (moving out or back in less
   than ``too_fast_fraction`` of the dose tempo's first/last phase; for a cycle, of half
   the first/second phase, since each runs end to end through the middle; never for a PNF
   dose, whose phases are timed holds), and the
   :data:`~spinecoach.motion.form.FORM_RULES` on secondary measures (``trunk_flexion_compensation``,
   ``lateral_lean``, ``trunk_rounding``, ``hip_hike``, ``arching``), at most once per
   repetition each. Codes the keypoint measures cannot see (``breath_holding``,
   ``hip_drop``, ``shoulder_elevation``) are never flagged.
8. **Tracking**: a gap in valid samples longer than ``tracking_lost_s`` emits
   ``TRACKING_LOST``; the next valid sample ``TRACKING_RESTORED``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from types import MappingProxyType

import numpy as np

from spinecoach.domain.exercise import (
    Dose,
    ExcursionDirection,
    SensorSignature,
)
from spinecoach.domain.i18n import _
from spinecoach.motion.filters import OneEuroFilter
from spinecoach.motion.form import rules_for
from spinecoach.motion.neutral import count_excursions, estimate_neutral
from spinecoach.motion.types import (
    EventKind,
    FormFlag,
    Hold,
    MotionEvent,
    Repetition,
    Side,
    ZoneChange,
)

_NO_SECONDARY: Mapping[str, float] = MappingProxyType({})


@dataclass(frozen=True)
class EventParameters:
    """Tuning of event detection (defaults suit slow therapeutic movement at 15-60 Hz).

    All times in seconds, angles in degrees.
    """

    baseline_s: float = 1.0
    neutral_deg: float | None = None
    exit_fraction: float = 0.5
    hold_window_s: float = 1.0
    hold_tolerance_deg: float = 3.0
    hold_break_s: float = 0.3
    min_hold_s: float = 1.0
    tracking_lost_s: float = 0.5
    out_of_range_margin_deg: float = 5.0
    too_fast_fraction: float = 0.5
    smoothing_min_cutoff_hz: float = 1.5
    smoothing_beta: float = 0.05
    secondary_neutral: tuple[tuple[str, float], ...] = ()
    count_unfinished_fraction: float = 0.6
    whole_recording_neutral: bool = True
    refine_every_s: float = 5.0
    refine_first_s: float = 2.0
    refine_after_s: float = 6.0
    refine_history_s: float = 60.0
    recover_first_s: float = 30.0


@dataclass
class _Excursion:
    start_s: float
    sign: float
    side: Side
    peak_e: float = -math.inf
    peak_s: float = 0.0
    peak_rel: float = 0.0
    samples: list[tuple[float, float]] = field(default_factory=list)
    flagged: set[str] = field(default_factory=set)
    unseen: bool = False  # part of it fell in a tracking gap: its tempo is not known


@dataclass
class _HoldState:
    start_s: float
    last_s: float
    n: int
    total: float
    total_sq: float
    side: Side
    outside_since: float | None = None
    started_event_sent: bool = False


class MotionTracker:
    """Sample-by-sample detector of repetitions, holds, zone, tracking and form flags.

    Parameters
    ----------
    signature : SensorSignature
        Mode, target range, direction and minimum excursion.
    angle : str
        Name of the primary angle being fed (for form rules).
    dose : Dose, optional
        Prescribed tempo for ``too_fast``.
    error_codes : frozenset of str, optional
        Only these form-flag codes are reported (default: all that apply).
    params : EventParameters
        Detection tuning.

    ``secondary`` (attribute) names the secondary measures the form rules read; pass them in
    :meth:`update`'s ``secondary`` mapping.

    Live read-outs for overlays: ``last_angle_deg`` (last value fed, NaN if missing),
    ``last_excursion_deg`` (last excursion from the start position, None before the
    baseline), :attr:`hold_start_s`, :attr:`in_repetition`, ``repetitions``, ``baseline_deg``.
    """

    def __init__(
        self,
        signature: SensorSignature,
        angle: str,
        *,
        dose: Dose | None = None,
        error_codes: frozenset[str] | None = None,
        params: EventParameters | None = None,
    ) -> None:
        self.signature = signature
        self.angle = angle
        self.dose = dose
        self.params = params or EventParameters()
        self.error_codes = error_codes
        self.rules = rules_for(angle, error_codes)
        self.secondary = tuple(sorted({r.measure for r in self.rules}))
        self._smooth = OneEuroFilter(
            self.params.smoothing_min_cutoff_hz, self.params.smoothing_beta
        )
        self._enter = float(signature.min_excursion_deg)
        self._exit = self._enter * self.params.exit_fraction
        self._low, self._high = (float(v) for v in signature.target_range_deg)
        # per-sample constants of _detect, read once here (its hot path)
        direction = signature.direction
        self._direction_sign = (
            1.0
            if direction is ExcursionDirection.POSITIVE
            else -1.0
            if direction is ExcursionDirection.NEGATIVE
            else 0.0
        )
        self._out_of_range_deg = self._high + self.params.out_of_range_margin_deg
        self._tracking_lost_s = self.params.tracking_lost_s
        self.baseline_deg: float | None = self.params.neutral_deg
        #: live first-second baseline: refined as the stream goes (a given neutral is not)
        self._refine = self.params.neutral_deg is None and self.params.refine_every_s > 0
        self._history: deque[tuple[float, float]] = deque()
        #: every smoothed sample from the stream's start, until the first re-baseline (or
        #: ``recover_first_s``): a start mid-movement is re-examined against the new level
        self._opening: list[tuple[float, float]] | None = [] if self._refine else None
        self.n_recovered = 0
        self._next_refine_s = math.inf
        self.n_rebaselines = 0
        self._secondary_baseline: dict[str, float] = {}
        self._secondary_baseline_set = False
        self._pending: list[tuple[float, float, dict[str, float]]] = []
        self._first_valid_s: float | None = None
        self._last_valid_s: float | None = None
        self._tracking_lost = False
        self._idle_rest_s: float | None = None
        self._last_relative = 0.0
        self._last_relative_s: float | None = None
        self._excursion: _Excursion | None = None
        self._cycle_side: Side | None = None
        self._window: deque[tuple[float, float]] = deque()
        # running max / min of the window's values (monotonic deques of (t, value)), so
        # the hold check costs O(1) per sample instead of a pass over the window
        self._window_max: deque[tuple[float, float]] = deque()
        self._window_min: deque[tuple[float, float]] = deque()
        self._hold: _HoldState | None = None
        self._in_zone = False
        self._last_detect_s: float | None = None
        self.last_angle_deg = math.nan
        self.last_excursion_deg: float | None = None
        self.first_s: float | None = None
        self.last_s: float | None = None
        self.n_samples = 0
        self.n_valid = 0
        self.longest_gap_s = 0.0
        self.n_gaps = 0
        self.zone_s = 0.0
        self.repetitions: list[Repetition] = []
        self.holds: list[Hold] = []
        self.form_flags: list[FormFlag] = []
        self.tempo: list[dict[str, float]] = []

    # -- public -------------------------------------------------------------------------
    def update(
        self, t_s: float, value: float, secondary: Mapping[str, float] | None = None
    ) -> list[MotionEvent]:
        """Feed one sample: time (s), primary angle (deg, NaN if not measured), secondaries."""
        return self._update(t_s, value, secondary, None)

    def _update(
        self,
        t_s: float,
        value: float,
        secondary: Mapping[str, float] | None,
        smoothed: float | None,
    ) -> list[MotionEvent]:
        """:meth:`update`, with the smoothed value already computed when not None."""
        events: list[MotionEvent] = []
        if self.first_s is None:
            self.first_s = t_s
        self.last_s = t_s
        self.n_samples += 1
        self.last_angle_deg = value
        if value != value:  # NaN: not measured in this frame
            self._on_missing(t_s, events)
            return events
        self.n_valid += 1
        last_valid_s = self._last_valid_s
        if last_valid_s is not None:
            gap = t_s - last_valid_s
            if gap > self.longest_gap_s:
                self.longest_gap_s = gap
        elif self.first_s < t_s:
            self.longest_gap_s = max(self.longest_gap_s, t_s - self.first_s)
        if self._tracking_lost:
            self._tracking_lost = False
            events.append(MotionEvent(t_s, EventKind.TRACKING_RESTORED, None, _("tracking back")))
        if smoothed is None:
            smoothed = self._smooth(t_s, value)
        extra: Mapping[str, float] = secondary if secondary is not None else _NO_SECONDARY
        if self.baseline_deg is None:
            self._collect_baseline(t_s, smoothed, extra, events)
        else:
            if not self._secondary_baseline_set:
                # a given neutral: secondary measures start from the first valid sample
                self._secondary_baseline_set = True
                self._secondary_baseline = {k: v for k, v in dict(extra).items() if v == v}
                self._secondary_baseline.update(dict(self.params.secondary_neutral))
            self._detect(t_s, smoothed, extra, events)
        self._last_valid_s = t_s
        return events

    def adopt_baseline(self, neutral_deg: float, replace: bool = False) -> None:
        """Take ``neutral_deg`` as the rest level from a measure that knows its own rest
        (the camera's calibrated trunk rotation): when none is set yet and no sample waits
        for one, or, with ``replace``, instead of the current one (call it between
        repetitions). NaN is ignored."""
        if neutral_deg != neutral_deg or self._pending:
            return
        if self.baseline_deg is None or replace:
            self.baseline_deg = neutral_deg

    def update_many(self, times_s: Sequence[float], values: Sequence[float]) -> list[MotionEvent]:
        """Feed many samples without secondary measures: the same as :meth:`update` for each
        in turn (same state, same events in the same order), for batch analysis.

        The common sample (valid, after the baseline, tracking not lost) is handled here
        without the per-call overhead; every other sample goes through :meth:`update`.
        """
        events: list[MotionEvent] = []
        update = self._update
        # the filter sees every valid sample once, in order, whichever path handles it
        smoothed_values = self._smooth.run(times_s, values)
        detect = self._detect
        # Between repetitions with a fixed rest level (batch analysis), most samples change
        # nothing but counters: those are done here, with _detect's arithmetic, and any
        # sample that starts an excursion or enters/leaves the zone goes through _detect.
        idle_ok = not self._refine and self._enter > 0
        direction_sign = self._direction_sign
        low, high, enter, exit_deg = self._low, self._high, self._enter, self._exit
        lost_s = self._tracking_lost_s
        for t_s, value, smoothed in zip(times_s, values, smoothed_values, strict=True):
            last_valid_s = self._last_valid_s
            baseline = self.baseline_deg
            if (
                value != value
                or last_valid_s is None
                or baseline is None
                or self._tracking_lost
                or not self._secondary_baseline_set
            ):
                events.extend(update(t_s, value, None, smoothed))
                continue
            self.last_s = t_s
            self.n_samples += 1
            self.last_angle_deg = value
            self.n_valid += 1
            gap = t_s - last_valid_s
            if gap > self.longest_gap_s:
                self.longest_gap_s = gap
            if idle_ok and self._excursion is None:
                relative = smoothed - baseline
                if direction_sign > 0.0:
                    e = relative
                elif direction_sign < 0.0:
                    e = -relative
                else:
                    e = abs(relative)
                in_zone = low <= e <= high
                if e < enter and in_zone is self._in_zone:
                    self.last_excursion_deg = e
                    last_detect_s = self._last_detect_s
                    if in_zone and last_detect_s is not None:
                        step = t_s - last_detect_s
                        if step <= lost_s:
                            self.zone_s += step
                    self._last_detect_s = t_s
                    self._last_relative, self._last_relative_s = relative, t_s
                    if e <= exit_deg:
                        self._idle_rest_s = t_s
                    self._last_valid_s = t_s
                    continue
            detect(t_s, smoothed, _NO_SECONDARY, events)
            self._last_valid_s = t_s
        return events

    def finish(self) -> list[MotionEvent]:
        """Close open holds and excursions at the last sample; return the events this
        produces. An unfinished excursion counts only when it was on its way back (below
        ``count_unfinished_fraction`` of its peak)."""
        events: list[MotionEvent] = []
        if self.baseline_deg is None and self._pending:
            self._establish_baseline(events)
        if self._hold is not None:
            self._end_hold(self._hold.last_s, events)
        excursion = self._excursion
        if excursion is not None and excursion.samples:
            last_s, last_e = excursion.samples[-1]
            if last_e <= self.params.count_unfinished_fraction * excursion.peak_e:
                # on its way back when the recording ended: a repetition that did not
                # fully return is still one
                self._end_excursion(last_s, events)
        return events

    @property
    def hold_start_s(self) -> float | None:
        """Start time (s) of the hold in progress, None when not holding."""
        return self._hold.start_s if self._hold is not None else None

    @property
    def in_repetition(self) -> bool:
        """Whether an excursion (repetition) is in progress."""
        return self._excursion is not None

    @property
    def valid_fraction(self) -> float:
        """Fraction of samples with a valid primary angle."""
        return self.n_valid / self.n_samples if self.n_samples else 0.0

    # -- internals ----------------------------------------------------------------------
    def _on_missing(self, t_s: float, events: list[MotionEvent]) -> None:
        reference = self._last_valid_s if self._last_valid_s is not None else self.first_s
        assert reference is not None
        if not self._tracking_lost and t_s - reference > self.params.tracking_lost_s:
            self._tracking_lost = True
            self.n_gaps += 1
            # plain words: this detail is spoken to the person
            detail = _("the part of your body being measured is out of view")
            events.append(MotionEvent(t_s, EventKind.TRACKING_LOST, None, detail))
            if self._hold is not None:
                self._end_hold(self._hold.last_s, events)

    def _collect_baseline(
        self, t_s: float, smoothed: float, extra: Mapping[str, float], events: list[MotionEvent]
    ) -> None:
        if self._first_valid_s is None:
            self._first_valid_s = t_s
        self._pending.append((t_s, smoothed, dict(extra)))
        if t_s - self._first_valid_s >= self.params.baseline_s:
            self._establish_baseline(events)

    def _establish_baseline(self, events: list[MotionEvent]) -> None:
        pending, self._pending = self._pending, []
        self._secondary_baseline_set = True
        self.baseline_deg = median(v for _, v, _ in pending)
        names = {k for _, _, extra in pending for k in extra}
        for name in names:
            values = [
                extra[name]
                for _, _, extra in pending
                if extra.get(name, math.nan) == extra.get(name)
            ]
            if values:
                self._secondary_baseline[name] = median(values)
        for t_s, smoothed, extra in pending:
            self._detect(t_s, smoothed, extra, events)

    def _detect(
        self, t_s: float, smoothed: float, extra: Mapping[str, float], events: list[MotionEvent]
    ) -> None:
        assert self.baseline_deg is not None
        if self._refine:
            opening = self._opening
            if opening is not None:
                if opening and t_s - opening[0][0] > self.params.recover_first_s:
                    self._opening = None  # too late to matter: let it go
                else:
                    opening.append((t_s, smoothed))
            self._refine_baseline(t_s, smoothed, events)
        relative = smoothed - self.baseline_deg
        # Per-sample hot path: _excursion_of and _update_zone inlined (same logic), the
        # signature's direction and limits read from constants set in __init__.
        direction_sign = self._direction_sign
        if direction_sign > 0.0:
            e, sign = relative, 1.0
        elif direction_sign < 0.0:
            e, sign = -relative, -1.0
        else:
            e, sign = abs(relative), (1.0 if relative >= 0 else -1.0)
        self.last_excursion_deg = e
        in_zone = self._low <= e <= self._high
        last_detect_s = self._last_detect_s
        if self._in_zone and last_detect_s is not None:
            step = t_s - last_detect_s
            if step <= self._tracking_lost_s:
                self.zone_s += step
        if in_zone != self._in_zone:
            self._in_zone = in_zone
            kind = EventKind.ZONE_ENTERED if in_zone else EventKind.ZONE_LEFT
            change = ZoneChange(e, e > self._high)
            events.append(
                MotionEvent(t_s, kind, change, _("{angle} deg from start").format(angle=f"{e:.0f}"))
            )
        self._last_detect_s = t_s
        excursion = self._excursion
        both = direction_sign == 0.0
        previous_rel, previous_s = self._last_relative, self._last_relative_s
        self._last_relative, self._last_relative_s = relative, t_s
        exit_deg = self._exit
        across_gap = previous_s is not None and t_s - previous_s > self._tracking_lost_s
        if excursion is not None and across_gap:
            excursion.unseen = True
        if excursion is not None and both:
            if sign != excursion.sign and e >= exit_deg:
                # crossed neutral between two samples: the old excursion ends and the new
                # one starts at the crossing, so the two never overlap; across a tracking
                # gap the crossing is unknown: the old one ends where it was last seen, the
                # new one starts where it is seen again, neither with a tempo
                crossing = t_s
                if across_gap:
                    assert previous_s is not None
                    crossing = previous_s
                elif previous_s is not None and previous_rel != relative:
                    fraction = previous_rel / (previous_rel - relative)
                    crossing = previous_s + min(max(fraction, 0.0), 1.0) * (t_s - previous_s)
                self._end_excursion(crossing, events)
                self._idle_rest_s = t_s if across_gap else crossing
                excursion = None
        if excursion is None:
            if e <= exit_deg:
                self._idle_rest_s = t_s
            enter_deg = self._enter
            if e >= enter_deg and enter_deg > 0:  # a zero minimum: keeping still, no reps
                side = Side.NONE
                if both:
                    side = Side.RIGHT if sign > 0 else Side.LEFT
                start = self._idle_rest_s if self._idle_rest_s is not None else t_s
                excursion = _Excursion(start, sign, side, unseen=across_gap)
                self._excursion = excursion
                self._clear_window()
            else:
                return
        excursion.samples.append((t_s, e))
        if e > excursion.peak_e:
            excursion.peak_e, excursion.peak_s, excursion.peak_rel = e, t_s, relative
        if e > self._out_of_range_deg:
            self._flag(
                t_s,
                "out_of_range",
                _("{angle} deg is past the target range ({low}-{high} deg)").format(
                    angle=f"{e:.0f}", low=f"{self._low:g}", high=f"{self._high:g}"
                ),
                events,
            )
        if extra:  # every rule reads a secondary measure: none given, none can break
            self._check_rules(t_s, extra, events)
        if e <= exit_deg:
            self._end_excursion(t_s, events)
            self._idle_rest_s = t_s
            return
        self._track_hold(t_s, relative, events)

    def _refine_baseline(self, t_s: float, smoothed: float, events: list[MotionEvent]) -> None:
        """Keep the history; between repetitions, adopt a re-estimated rest level."""
        history = self._history
        if not history or t_s - history[-1][0] >= 0.2:
            history.append((t_s, smoothed))
            while t_s - history[0][0] > self.params.refine_history_s:
                history.popleft()
        if self._next_refine_s == math.inf:
            both = self.signature.direction is ExcursionDirection.BOTH
            first = self.params.refine_after_s if both else self.params.refine_first_s
            self._next_refine_s = t_s + first
        if t_s < self._next_refine_s or self._excursion is not None or len(history) < 10:
            return
        self._next_refine_s = t_s + self.params.refine_every_s
        times = np.fromiter((h[0] for h in history), float, len(history))
        values = np.fromiter((h[1] for h in history), float, len(history))
        neutral = estimate_neutral(times, values, self.signature, dwell_ends=False)
        current = self.baseline_deg
        assert current is not None
        if neutral is None or abs(neutral - current) <= self._exit:
            return
        if self.signature.direction is ExcursionDirection.BOTH:
            # side to side: only a level nearer the anatomical 0 (upright, untwisted) from
            # which clearly more movements are seen: a tilted start is left, while a hold
            # or a level the angle passes through is not taken for rest (an off level also
            # "sees" the rests as movements)
            seen_new = count_excursions(values, neutral, self._enter, self._exit)
            seen_now = count_excursions(values, current, self._enter, self._exit)
            if abs(neutral) >= abs(current) or seen_new < max(seen_now + 2, 1.5 * seen_now):
                return
        else:
            # one way: the new rest must be a level the angle dwelt at (3 consecutive
            # history samples near it), not the low end of a stream that has so far only
            # passed through it (try again soon)
            near = np.abs(values - neutral) <= self._exit
            run = np.diff(np.flatnonzero(np.diff(np.r_[0, near.astype(np.int8), 0])))[::2]
            if run.size == 0 or int(run.max()) < 3:
                self._next_refine_s = t_s + 1.0
                return
        self.baseline_deg = neutral
        self.n_rebaselines += 1
        opening, self._opening = self._opening, None
        if opening:
            self._recover_first(opening, events)

    def _recover_first(self, opening: list[tuple[float, float]], events: list[MotionEvent]) -> None:
        """After the first re-baseline: when the stream opened mid-excursion from the new
        rest level and came back to it (a whole half-cycle) before any counted repetition,
        that excursion is the first repetition, counted now with its true times (its
        outward half began before the stream did, so it gets no tempo flag)."""
        assert self.baseline_deg is not None
        base, enter, exit_deg = self.baseline_deg, self._enter, self._exit
        direction_sign = self._direction_sign

        def excursion(value: float) -> tuple[float, float]:
            relative = value - base
            if direction_sign > 0.0:
                return relative, 1.0
            if direction_sign < 0.0:
                return -relative, -1.0
            return abs(relative), (1.0 if relative >= 0 else -1.0)

        e0, sign = excursion(opening[0][1])
        if enter <= 0 or e0 < enter:
            return
        samples: list[tuple[float, float]] = []
        rels: list[float] = []
        end_s = None
        for t_s, value in opening:
            e, s = excursion(value)
            if s != sign or e <= exit_deg:
                end_s = t_s
                break
            samples.append((t_s, e))
            rels.append(value - base)
        if end_s is None or any(r.start_s < end_s for r in self.repetitions):
            return  # not back at rest yet, or something already counted there
        side = Side.NONE
        if direction_sign == 0.0:
            side = Side.RIGHT if sign > 0 else Side.LEFT
        if self.signature.cycle and self._cycle_side not in (None, side):
            return  # the return half of a cycle, not a repetition
        peak = max(range(len(samples)), key=lambda k: samples[k][1])
        found = _Excursion(opening[0][0], sign, side, samples[peak][1], samples[peak][0])
        found.peak_rel = rels[peak]
        found.samples = samples
        repetition = Repetition(
            found.start_s, found.peak_s, end_s, found.peak_rel, found.peak_e, side
        )
        self.repetitions.insert(0, repetition)
        self.tempo.insert(0, self._tempo(found, end_s))
        self.n_recovered += 1
        if self.signature.cycle and self._cycle_side is None:
            self._cycle_side = side
        if found.peak_e < self._low and (
            self.error_codes is None or "not_enough_range" in self.error_codes
        ):
            flag = FormFlag(
                found.peak_s,
                "not_enough_range",
                _("reached {angle} deg; the target starts at {low} deg").format(
                    angle=f"{found.peak_e:.0f}", low=f"{self._low:g}"
                ),
            )
            self.form_flags.append(flag)
            events.append(MotionEvent(found.peak_s, EventKind.FORM, flag, flag.message))
        events.append(
            MotionEvent(
                end_s,
                EventKind.REPETITION,
                repetition,
                _("repetition 1 (seen late: the stream began mid-movement): {angle} deg").format(
                    angle=f"{found.peak_e:.0f}"
                ),
            )
        )

    def _flag(self, t_s: float, code: str, message: str, events: list[MotionEvent]) -> None:
        if self.error_codes is not None and code not in self.error_codes:
            return
        excursion = self._excursion
        if excursion is not None:
            if code in excursion.flagged:
                return
            excursion.flagged.add(code)
        flag = FormFlag(t_s, code, message)
        self.form_flags.append(flag)
        events.append(MotionEvent(t_s, EventKind.FORM, flag, message))

    def _check_rules(
        self, t_s: float, extra: Mapping[str, float], events: list[MotionEvent]
    ) -> None:
        for rule in self.rules:
            value = extra.get(rule.measure, math.nan)
            if value != value:
                continue
            if rule.test == "below":
                broken = value < rule.limit
            elif rule.test == "above":
                broken = value > rule.limit
            elif rule.test == "abs_above":
                broken = abs(value) > rule.limit
            else:
                base = self._secondary_baseline.get(rule.measure)
                if base is None:
                    continue
                if rule.test == "below_baseline":
                    broken = value < base - rule.limit
                else:
                    broken = abs(value - base) > rule.limit
            if broken:
                self._flag(t_s, rule.code, rule.message, events)

    def _track_hold(self, t_s: float, relative: float, events: list[MotionEvent]) -> None:
        p = self.params
        hold = self._hold
        if hold is not None:
            mean = hold.total / hold.n
            if abs(relative - mean) <= p.hold_tolerance_deg:
                hold.outside_since = None
                hold.last_s = t_s
                hold.n += 1
                hold.total += relative
                hold.total_sq += relative * relative
                if not hold.started_event_sent and t_s - hold.start_s >= p.min_hold_s:
                    hold.started_event_sent = True
                    events.append(MotionEvent(t_s, EventKind.HOLD_STARTED, None, _("holding")))
            elif hold.outside_since is None:
                hold.outside_since = t_s
            elif t_s - hold.outside_since > p.hold_break_s:
                self._end_hold(hold.last_s, events)
            return
        window, high, low = self._window, self._window_max, self._window_min
        sample = (t_s, relative)
        window.append(sample)
        while high and high[-1][1] <= relative:
            high.pop()
        high.append(sample)
        while low and low[-1][1] >= relative:
            low.pop()
        low.append(sample)
        while window and t_s - window[0][0] > p.hold_window_s:
            window.popleft()
        first_s = window[0][0]
        while high[0][0] < first_s:
            high.popleft()
        while low[0][0] < first_s:
            low.popleft()
        if t_s - first_s < p.hold_window_s * 0.9:
            return
        if high[0][1] - low[0][1] > 2.0 * p.hold_tolerance_deg:
            return
        values = [v for _, v in window]
        assert self._excursion is not None
        total = sum(values)
        hold = _HoldState(
            window[0][0], t_s, len(values), total, sum(v * v for v in values), self._excursion.side
        )
        self._hold = hold
        self._clear_window()
        if t_s - hold.start_s >= p.min_hold_s:
            hold.started_event_sent = True
            events.append(MotionEvent(t_s, EventKind.HOLD_STARTED, None, _("holding")))

    def _clear_window(self) -> None:
        self._window.clear()
        self._window_max.clear()
        self._window_min.clear()

    def _end_hold(self, end_s: float, events: list[MotionEvent]) -> None:
        hold, self._hold = self._hold, None
        self._clear_window()
        if hold is None or end_s - hold.start_s < self.params.min_hold_s:
            return
        mean = hold.total / hold.n
        variance = max(hold.total_sq / hold.n - mean * mean, 0.0)
        result = Hold(hold.start_s, end_s, mean, math.sqrt(variance), hold.side)
        self.holds.append(result)
        if not hold.started_event_sent:
            events.append(MotionEvent(hold.start_s, EventKind.HOLD_STARTED, None, _("holding")))
        events.append(
            MotionEvent(
                end_s,
                EventKind.HOLD_ENDED,
                result,
                _("held {seconds} s").format(seconds=f"{result.duration_s:.1f}"),
            )
        )

    def _end_excursion(self, t_s: float, events: list[MotionEvent]) -> None:
        excursion, self._excursion = self._excursion, None
        if excursion is None:
            return
        if self._hold is not None:
            self._end_hold(self._hold.last_s, events)
        if self.signature.cycle:
            if self._cycle_side is None:
                self._cycle_side = excursion.side
            elif excursion.side != self._cycle_side:
                return  # the return half of a cycle: part of the repetition, not another one
        repetition = Repetition(
            excursion.start_s,
            excursion.peak_s,
            t_s,
            excursion.peak_rel,
            excursion.peak_e,
            excursion.side,
        )
        self.repetitions.append(repetition)
        tempo = self._tempo(excursion, t_s)
        self.tempo.append(tempo)
        self._excursion = excursion  # flags below are attributed to this repetition
        if excursion.peak_e < self._low:
            self._flag(
                excursion.peak_s,
                "not_enough_range",
                _("reached {angle} deg; the target starts at {low} deg").format(
                    angle=f"{excursion.peak_e:.0f}", low=f"{self._low:g}"
                ),
                events,
            )
        if not excursion.unseen:  # a phase in a tracking gap: no "too fast" from guesses
            self._check_tempo(tempo, t_s, events)
        self._excursion = None
        events.append(
            MotionEvent(
                t_s,
                EventKind.REPETITION,
                repetition,
                _("repetition {n}: {angle} deg").format(
                    n=len(self.repetitions), angle=f"{excursion.peak_e:.0f}"
                ),
            )
        )

    def _tempo(self, excursion: _Excursion, end_s: float) -> dict[str, float]:
        near_peak = 0.9 * excursion.peak_e
        times = [t for t, e in excursion.samples if e >= near_peak]
        first, last = (times[0], times[-1]) if times else (excursion.peak_s, excursion.peak_s)
        return {
            "out_s": first - excursion.start_s,
            "held_s": last - first,
            "back_s": end_s - last,
        }

    def _check_tempo(self, tempo: dict[str, float], t_s: float, events: list[MotionEvent]) -> None:
        if self.dose is None or not self.dose.tempo or self.dose.pnf is not None:
            return  # a PNF dose's phases are timed holds, not movements out and back
        fraction = self.params.too_fast_fraction
        out_limit = self.dose.tempo[0].seconds * fraction
        back_limit = self.dose.tempo[-1].seconds * fraction
        if self.signature.cycle and len(self.dose.tempo) > 1:
            # a cycle's phases run from one end of the range to the other: leaving the
            # middle for the first end takes half the first phase, and coming back through
            # the middle half the next one
            out_limit = self.dose.tempo[0].seconds * fraction / 2
            back_limit = self.dose.tempo[1].seconds * fraction / 2
        if tempo["out_s"] < out_limit or tempo["back_s"] < back_limit:
            self._flag(
                t_s,
                "too_fast",
                _(
                    "moved out in {out} s and back in {back} s; "
                    "aim for about {aim_out} s and {aim_back} s"
                ).format(
                    out=f"{tempo['out_s']:.1f}",
                    back=f"{tempo['back_s']:.1f}",
                    aim_out=f"{self.dose.tempo[0].seconds:g}",
                    aim_back=f"{self.dose.tempo[-1].seconds:g}",
                ),
                events,
            )
