"""What the engine records: per-exercise results, pain check-ins and the session summary.

Times are engine-clock seconds; a sink converts them to wall-clock datetimes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TypedDict

from spinecoach.domain.safety import StopDecision


class TempoSummary(TypedDict, total=False):
    """``ExerciseResult.tempo``: the prescribed and measured seconds per repetition."""

    prescribed_rep_s: float
    rep_durations_s: list[float]
    mean_rep_s: float


class FormFlagRecord(TypedDict):
    """One entry of ``ExerciseResult.form_flags``."""

    t_s: float
    code: str
    message: str


class TrackingSummary(TypedDict, total=False):
    """``ExerciseResult.tracking``: how well the sensor saw the exercise.

    ``sensors`` holds each sensor plug-in's summary by name (band: time in zone; emg:
    activation, symmetry, flexion-relaxation ratio).
    """

    measured: bool
    sensor_ended: bool
    measured_reps: int
    lost_count: int
    lost_s: float
    ok_fraction: float
    sensors: dict[str, dict[str, object]]


@dataclass(frozen=True)
class ExerciseResult:
    """The outcome of one exercise, produced the moment it ends.

    Attributes
    ----------
    exercise_id : str
    index : int
        Segment index in the session.
    started_s, ended_s : float
        Engine-clock seconds.
    completed : bool
        Every prescribed repetition/hold done (measured, when a sensor steered it).
    reps_done, reps_target : int
        Repetitions done (measured with a sensor, paced without) and prescribed (all sets
        and sides).
    ranges_deg : tuple of float
        Range of motion of each measured repetition, degrees.
    hold_times_s : tuple of float
        Seconds achieved per prescribed hold (sensor-gated when measured).
    hold_target_s : float or None
    tempo : dict
        ``prescribed_rep_s`` and, when measured, ``mean_rep_s`` / ``rep_durations_s``.
    form_flags : tuple of dict
        ``{"t_s", "code", "message"}`` per form flag seen.
    tracking : dict
        ``measured`` (bool), ``lost_count``, ``lost_s`` and ``ok_fraction``.
    pain_during : int or None
        Pain reported during or right after the exercise, 0-10.
    stop_action : str or None
        ``regress``, ``stop_exercise``, ``end_session``, ``urgent_care`` or ``skipped``.
    stop_reasons : tuple of str
    replaced_by : str or None
        The regression swapped in, when regressed.
    """

    exercise_id: str
    index: int
    started_s: float
    ended_s: float
    completed: bool
    reps_done: int
    reps_target: int
    ranges_deg: tuple[float, ...] = ()
    hold_times_s: tuple[float, ...] = ()
    hold_target_s: float | None = None
    tempo: TempoSummary = field(default_factory=lambda: TempoSummary())
    form_flags: tuple[FormFlagRecord, ...] = ()
    tracking: TrackingSummary = field(default_factory=lambda: TrackingSummary())
    pain_during: int | None = None
    stop_action: str | None = None
    stop_reasons: tuple[str, ...] = ()
    replaced_by: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        data = asdict(self)
        for key in ("ranges_deg", "hold_times_s", "form_flags", "stop_reasons"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True)
class PainCheck:
    """A pain check-in or symptom report and the stop-rule decision on it.

    ``kind`` is ``before``, ``during``, ``after_exercise``, ``end`` or ``symptom``.
    """

    t_s: float
    kind: str
    pain: int | None
    symptoms: frozenset[str]
    decision: StopDecision
    exercise_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "t_s": round(self.t_s, 3),
            "kind": self.kind,
            "pain": self.pain,
            "symptoms": sorted(self.symptoms),
            "exercise_id": self.exercise_id,
            "decision": self.decision.to_json(),
        }


@dataclass(frozen=True)
class SessionStart:
    """What the sink learns when a session starts."""

    t_s: float
    exercise_ids: tuple[str, ...]
    sensor: bool


@dataclass(frozen=True)
class SessionSummary:
    """The end of a session.

    ``status`` is ``completed``, ``stopped`` (ended early by a stop rule or the person) or
    ``urgent_care``.
    """

    t_s: float
    status: str
    results: tuple[ExerciseResult, ...]
    pain_before: int | None
    pain_after: int | None
    reasons: tuple[str, ...] = ()
    seek_care: str | None = None

    @property
    def duration_s(self) -> float:
        """Seconds from the first result's start to the end (0 when nothing ran)."""
        if not self.results:
            return 0.0
        return self.t_s - self.results[0].started_s

    def to_dict(self) -> dict[str, object]:
        """JSON form (used as the stored session summary)."""
        return {
            "status": self.status,
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "reasons": list(self.reasons),
            "seek_care": self.seek_care,
            "exercises": [
                {
                    "exercise_id": r.exercise_id,
                    "completed": r.completed,
                    "reps_done": r.reps_done,
                    "reps_target": r.reps_target,
                    "hold_times_s": [round(h, 1) for h in r.hold_times_s],
                    "stop_action": r.stop_action,
                }
                for r in self.results
            ],
        }
