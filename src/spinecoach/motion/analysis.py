"""Whole-recording analysis: measures -> repetitions, holds, tempo, zone, symmetry, form.

>>> result = analyze(series, exercise)                                     # doctest: +SKIP
>>> result = analyze_measures(measures, exercise.signature, dose=exercise.dose)  # doctest: +SKIP
>>> result.to_json()["repetitions"]                                       # doctest: +SKIP

The event logic is :class:`spinecoach.motion.events.MotionTracker`, fed sample by sample, the
same object the streaming analyser uses, so a recording and its live replay agree. Events are
detected on the *unfiltered* measure passed through the tracker's causal One-Euro filter; the
zero-phase Butterworth filter (:mod:`spinecoach.motion.filters`) is for reporting curves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from spinecoach.domain.exercise import Dose, ExcursionDirection, Exercise, SensorSignature
from spinecoach.motion.events import EventParameters, MotionTracker
from spinecoach.motion.form import rules_for
from spinecoach.motion.measures import MEASURES, compute_measures
from spinecoach.motion.neutral import NO_CLEAR_MOVEMENT, count_confidence, estimate_neutral
from spinecoach.motion.types import (
    EventKind,
    FormFlag,
    FrameKind,
    Hold,
    KeypointSeries,
    MeasureSeries,
    MotionEvent,
    Repetition,
    Side,
)

#: Form-flag codes that come from the signature and dose, reported for every exercise.
GENERIC_FORM_CODES = frozenset({"out_of_range", "too_fast", "not_enough_range"})

JSON_KEYS = ("exercise", "duration_s", "repetitions", "holds", "symmetry", "tracking", "form_flags")


def _round(value: float | None, digits: int = 3) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


@dataclass(frozen=True)
class AnalysisResult:
    """What a recording (or a finished live stream) showed, for one exercise.

    Attributes
    ----------
    exercise : str
        Exercise id ("" when analysed from a bare signature).
    angle : str
        Primary angle analysed.
    duration_s : float
        First to last sample, seconds.
    repetitions : tuple of Repetition
        Excursions of the primary angle from the start position (one per bend/hold).
    holds : tuple of Hold
        Held positions (mean/std of the angle relative to the start position, degrees).
    form_flags : tuple of FormFlag
    symmetry : dict
        Left/right comparison (``left_mean_range_deg``, ``right_mean_range_deg``,
        ``range_ratio`` = smaller/larger, ``range_difference_deg`` = right - left,
        hold durations likewise); values None where a side is missing.
    tracking : dict
        ``n_frames``, ``valid_fraction``, ``n_gaps`` (losses longer than the tracking
        threshold), ``longest_gap_s``, ``baseline_deg`` and ``unmeasurable`` (reason) when
        the angle could not be measured at all.
    zone : dict
        ``time_in_zone_s``, ``fraction_in_zone`` (of valid time), ``target_range_deg``.
    tempo : tuple of dict
        Per repetition ``out_s``, ``held_s``, ``back_s``.
    events : tuple of MotionEvent
        Every event in time order (as the streaming analyser would have emitted them).
    count : dict
        ``repetitions`` (the number counted), ``confidence`` (``high`` / ``medium`` /
        ``low`` / ``none``), ``score`` (0-1) and ``note`` (e.g. "no clear repeated
        movement", with the reason); empty for live results.
    """

    exercise: str
    angle: str
    duration_s: float
    repetitions: tuple[Repetition, ...]
    holds: tuple[Hold, ...]
    form_flags: tuple[FormFlag, ...]
    symmetry: dict[str, float | None]
    tracking: dict[str, Any]
    zone: dict[str, Any]
    tempo: tuple[dict[str, float], ...] = ()
    events: tuple[MotionEvent, ...] = field(default=(), compare=False)
    count: dict[str, Any] = field(default_factory=dict, compare=False)
    #: Why the count is not clear, as a message id and its values (``count["note"]`` is the
    #: same in English, for the JSON); shown translated by the terminal.
    count_reason: tuple[str, dict[str, str]] | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; keys include :data:`JSON_KEYS` plus ``angle``, ``zone``, ``tempo``."""
        return {
            "exercise": self.exercise,
            "duration_s": _round(self.duration_s),
            "repetitions": [
                {
                    "start_s": _round(r.start_s),
                    "peak_s": _round(r.peak_s),
                    "end_s": _round(r.end_s),
                    "duration_s": _round(r.duration_s),
                    "peak_deg": _round(r.peak_deg, 2),
                    "range_deg": _round(r.range_deg, 2),
                    "side": r.side.value,
                    "tempo": {k: _round(v) for k, v in t.items()},
                }
                for r, t in zip(self.repetitions, self.tempo, strict=True)
            ],
            "holds": [
                {
                    "start_s": _round(h.start_s),
                    "end_s": _round(h.end_s),
                    "duration_s": _round(h.duration_s),
                    "mean_deg": _round(h.mean_deg, 2),
                    "std_deg": _round(h.std_deg, 2),
                    "side": h.side.value,
                }
                for h in self.holds
            ],
            "symmetry": {k: _round(v) for k, v in self.symmetry.items()},
            "tracking": {
                k: (_round(v) if isinstance(v, float) else v) for k, v in self.tracking.items()
            },
            "form_flags": [
                {"t_s": _round(f.t_s), "code": f.code, "message": f.message, "severity": f.severity}
                for f in self.form_flags
            ],
            "angle": self.angle,
            "zone": {k: (_round(v) if isinstance(v, float) else v) for k, v in self.zone.items()},
            "count": {
                k: (_round(v) if isinstance(v, float) else v)
                for k, v in self.count_summary().items()
            },
        }

    def count_summary(self) -> dict[str, Any]:
        """``count`` with ``repetitions`` always present (live results: confidence unknown)."""
        summary: dict[str, Any] = {"repetitions": len(self.repetitions)}
        summary.update(self.count or {"confidence": "unknown"})
        summary["repetitions"] = len(self.repetitions)
        return summary


def symmetry_of(
    repetitions: tuple[Repetition, ...], holds: tuple[Hold, ...]
) -> dict[str, float | None]:
    """Left/right comparison of repetition ranges and hold durations."""

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    def ratio(a: float | None, b: float | None) -> float | None:
        if a is None or b is None or max(abs(a), abs(b)) == 0:
            return None
        return min(abs(a), abs(b)) / max(abs(a), abs(b))

    left = mean([r.range_deg for r in repetitions if r.side is Side.LEFT])
    right = mean([r.range_deg for r in repetitions if r.side is Side.RIGHT])
    left_hold = mean([h.duration_s for h in holds if h.side is Side.LEFT])
    right_hold = mean([h.duration_s for h in holds if h.side is Side.RIGHT])
    return {
        "left_mean_range_deg": left,
        "right_mean_range_deg": right,
        "range_ratio": ratio(left, right),
        "range_difference_deg": None if left is None or right is None else right - left,
        "left_mean_hold_s": left_hold,
        "right_mean_hold_s": right_hold,
        "hold_ratio": ratio(left_hold, right_hold),
    }


def result_from_tracker(
    tracker: MotionTracker,
    exercise_id: str,
    events: list[MotionEvent],
    unmeasurable: str | None = None,
) -> AnalysisResult:
    """Assemble an :class:`AnalysisResult` from a finished tracker."""
    first = tracker.first_s if tracker.first_s is not None else 0.0
    last = tracker.last_s if tracker.last_s is not None else 0.0
    repetitions = tuple(tracker.repetitions)
    holds = tuple(tracker.holds)
    tracking: dict[str, Any] = {
        "n_frames": tracker.n_samples,
        "n_valid_frames": tracker.n_valid,
        "valid_fraction": tracker.valid_fraction,
        "n_gaps": tracker.n_gaps,
        "longest_gap_s": tracker.longest_gap_s,
        "baseline_deg": tracker.baseline_deg,
    }
    if unmeasurable:
        tracking["unmeasurable"] = unmeasurable
    valid_s = (last - first) * tracker.valid_fraction
    zone = {
        "time_in_zone_s": tracker.zone_s,
        "fraction_in_zone": tracker.zone_s / valid_s if valid_s > 0 else 0.0,
        "target_range_deg": list(tracker.signature.target_range_deg),
    }
    return AnalysisResult(
        exercise=exercise_id,
        angle=tracker.angle,
        duration_s=last - first,
        repetitions=repetitions,
        holds=holds,
        form_flags=tuple(tracker.form_flags),
        symmetry=symmetry_of(repetitions, holds),
        tracking=tracking,
        zone=zone,
        tempo=tuple(tracker.tempo),
        events=tuple(sorted(events, key=lambda e: e.t_s)),
    )


def analyze_measures(
    measures: MeasureSeries,
    signature: SensorSignature,
    *,
    angle: str | None = None,
    dose: Dose | None = None,
    exercise_id: str = "",
    error_codes: frozenset[str] | None = None,
    params: EventParameters | None = None,
) -> AnalysisResult:
    """Detect repetitions, holds, zone time, symmetry and form flags in ``measures``.

    Parameters
    ----------
    measures : MeasureSeries
        Measures on one time base (camera or IMU).
    signature : SensorSignature
        The exercise's sensor signature.
    angle : str, optional
        Measure to analyse; default ``signature.primary_angle`` (the IMU pipeline passes
        ``signature.imu_angle``).
    dose : Dose, optional
        Prescribed dose, for the ``too_fast`` tempo check.
    exercise_id : str
        Copied into the result.
    error_codes : frozenset of str, optional
        Report only these form-flag codes (an exercise's ``common_errors``); default all.
    params : EventParameters, optional
        Detection tuning (baseline window, hold tolerance, ...). Unless it gives
        ``neutral_deg`` (or ``whole_recording_neutral=False``: the live first-second
        baseline), the rest level is estimated from the whole recording
        (:func:`spinecoach.motion.neutral.estimate_neutral`).

    Returns
    -------
    AnalysisResult
        If the angle is not measurable, a result with no events whose ``tracking`` holds
        the reason under ``unmeasurable``.
    """
    name = angle or signature.primary_angle
    values = measures.values.get(name)
    unmeasurable = None
    if values is None:
        unmeasurable = measures.unmeasurable.get(name, f"{name} is not in these measures")
        values = np.full(measures.time_s.shape, np.nan)
    if params is None or (params.neutral_deg is None and params.whole_recording_neutral):
        params = _with_neutral(params or EventParameters(), measures, values, signature)
    tracker = MotionTracker(signature, name, dose=dose, error_codes=error_codes, params=params)
    secondary = [
        (k, measures.values[k].tolist()) for k in tracker.secondary if k in measures.values
    ]
    events: list[MotionEvent] = []
    times = measures.time_s.tolist()
    if secondary:
        for i, (t_s, value) in enumerate(zip(times, values.tolist(), strict=True)):
            extra = {k: column[i] for k, column in secondary}
            events.extend(tracker.update(t_s, value, extra))
    else:
        events.extend(tracker.update_many(times, values.tolist()))
    events.extend(tracker.finish())
    result = result_from_tracker(tracker, exercise_id, events, unmeasurable)
    return _with_count(result, measures.time_s, values)


def _with_neutral(
    params: EventParameters,
    measures: MeasureSeries,
    values: np.ndarray,
    signature: SensorSignature,
) -> EventParameters:
    """``params`` with the whole-recording rest level of the primary and secondary measures."""
    neutral = estimate_neutral(measures.time_s, values, signature)
    if neutral is None:
        return params
    near = np.abs(values - neutral) <= 0.5 * max(float(signature.min_excursion_deg), 1.0)
    secondary: list[tuple[str, float]] = []
    for key, column in measures.values.items():
        if column is values:
            continue
        rest = column[near & np.isfinite(column)]
        if rest.size:
            secondary.append((key, float(np.median(rest))))
    return replace(params, neutral_deg=neutral, secondary_neutral=tuple(secondary))


def _with_count(result: AnalysisResult, time_s: np.ndarray, values: np.ndarray) -> AnalysisResult:
    """Attach the count confidence; replace an unclear count by "no clear repeated movement"."""
    if "unmeasurable" in result.tracking:
        return replace(result, count={"confidence": "none", "score": 0.0})
    quality = count_confidence(time_s, values, result.repetitions)
    count: dict[str, Any] = {"confidence": quality["level"], "score": quality["score"]}
    if not quality["clear"]:
        count["note"] = NO_CLEAR_MOVEMENT + (
            f": {quality['reason']}" if "reason" in quality else ""
        )
        count["candidate_repetitions"] = len(result.repetitions)
        return replace(
            result,
            count_reason=quality.get("reason_words"),
            repetitions=(),
            tempo=(),
            form_flags=(),
            symmetry=symmetry_of((), result.holds),
            events=tuple(e for e in result.events if e.kind is not EventKind.REPETITION),
            count=count,
        )
    if not result.repetitions:
        count["note"] = NO_CLEAR_MOVEMENT
    return replace(result, count=count)


def error_codes_for(exercise: Exercise) -> frozenset[str]:
    """Form-flag codes to report for ``exercise``: its ``common_errors`` plus the generic ones."""
    return frozenset(e.code for e in exercise.common_errors) | GENERIC_FORM_CODES


def analyze(
    series: KeypointSeries,
    exercise: Exercise,
    *,
    min_confidence: float = 0.5,
    params: EventParameters | None = None,
) -> AnalysisResult:
    """Analyse a whole keypoint recording for ``exercise``.

    Computes the primary angle and the secondary measures the form rules need, then
    :func:`analyze_measures` with the exercise's dose and common-error codes.
    """
    signature = exercise.signature
    codes = error_codes_for(exercise)
    secondary = {rule.measure for rule in rules_for(signature.primary_angle, codes)}
    wanted = [signature.primary_angle, *sorted(secondary)]
    front_count = (
        signature.primary_angle == "knee_flexion_deg" and series.frame.kind is FrameKind.IMAGE
    )
    if front_count:
        wanted.append(FRONT_SQUAT_MEASURE)
    measures = compute_measures(
        series, min_confidence=min_confidence, names=[n for n in wanted if n in MEASURES]
    )
    if front_count and _counted_from_the_front(measures, signature.primary_angle):
        return _front_squat(measures, exercise, codes, params)
    return analyze_measures(
        measures,
        signature,
        dose=exercise.dose,
        exercise_id=exercise.id,
        error_codes=codes,
        params=params,
    )


#: A front camera cannot see knee flexion (it needs a side view): squats and sit-to-stands
#: are counted from the hip's height above the ankles in % of the trunk length instead.
FRONT_SQUAT_MEASURE = "hip_height_pct"
#: Smallest change of it (% of the trunk length) that counts: a squat to a chair drops the
#: hips by about 50-80 % of the trunk length; arm raises move it under 10, a still person
#: under 3 (1.5 px of noise at 3.5 m).
FRONT_SQUAT_MIN_PCT = 25.0
FRONT_SQUAT_NOTE = (
    "front view: repetitions counted from the hips' vertical movement (in trunk lengths); "
    "squat depth (knee flexion) needs a side view and is not measured, so no depth or "
    "tempo flags"
)


def _counted_from_the_front(measures: MeasureSeries, primary: str) -> bool:
    """Whether the primary knee angle is (mostly) unmeasurable while the front-view hip
    height is measured: a front camera."""
    knee = measures.values.get(primary)
    hips = measures.values.get(FRONT_SQUAT_MEASURE)
    if hips is None or not np.isfinite(hips).any():
        return False
    knee_ok = 0.0 if knee is None else float(np.isfinite(knee).mean())
    return knee_ok < 0.5 and float(np.isfinite(hips).mean()) >= 0.5


def _front_squat(
    measures: MeasureSeries,
    exercise: Exercise,
    codes: frozenset[str],
    params: EventParameters | None,
) -> AnalysisResult:
    """A squat or sit-to-stand seen from the front: counted on the hip height (down for a
    squat, up for a rise), no depth zone (``not_enough_range``/``out_of_range`` need the
    knee angle) and no tempo flag, front-view form rules (knee valgus by the FPPA) still
    apply."""
    signature = exercise.signature
    flipped = {
        ExcursionDirection.POSITIVE: ExcursionDirection.NEGATIVE,
        ExcursionDirection.NEGATIVE: ExcursionDirection.POSITIVE,
    }.get(signature.direction, signature.direction)
    front = replace(
        signature,
        primary_angle=FRONT_SQUAT_MEASURE,
        direction=flipped,
        min_excursion_deg=FRONT_SQUAT_MIN_PCT,
        target_range_deg=(FRONT_SQUAT_MIN_PCT, 1000.0),
    )
    # depth needs the knee angle; tempo too (the hip height hardly moves in the first
    # third of the descent, so it timed a correct 3 s descent as 1.3 s: "too fast")
    depth_codes = frozenset(codes - {"not_enough_range", "out_of_range", "too_fast"})
    result = analyze_measures(
        measures,
        front,
        dose=exercise.dose,
        exercise_id=exercise.id,
        error_codes=depth_codes,
        params=params,
    )
    tracking = dict(result.tracking)
    tracking["not_measured"] = {signature.primary_angle: FRONT_SQUAT_NOTE}
    return replace(result, tracking=tracking)
