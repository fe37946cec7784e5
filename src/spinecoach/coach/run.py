"""Accumulates what happens during one exercise until its result is produced."""

from __future__ import annotations

from dataclasses import dataclass, field

from spinecoach.coach.results import ExerciseResult, FormFlagRecord, TempoSummary, TrackingSummary
from spinecoach.domain.exercise import Dose, Exercise
from spinecoach.motion.types import FormFlag, Repetition


@dataclass
class ExerciseRun:
    """Mutable tally of one exercise segment (engine-internal).

    Attributes
    ----------
    exercise : Exercise
    dose : Dose
    index : int
        Segment index.
    started_s : float
        Engine-clock second the segment began.
    measured : bool
        Whether a sensor steered it.
    """

    exercise: Exercise
    dose: Dose
    index: int
    started_s: float
    measured: bool
    reps_done: int = 0
    measured_reps: int = 0
    ranges_deg: list[float] = field(default_factory=list)
    rep_durations_s: list[float] = field(default_factory=list)
    hold_times_s: list[float] = field(default_factory=list)
    form_flags: list[FormFlagRecord] = field(default_factory=list)
    lost_count: int = 0
    lost_s: float = 0.0
    pain_during: int | None = None
    stop_action: str | None = None
    stop_reasons: tuple[str, ...] = ()
    replaced_by: str | None = None
    sensor_ended: bool = False
    sensors: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def reps_target(self) -> int:
        """Prescribed repetitions over all sets and sides."""
        sides = 2 if self.dose.per_side else 1
        return self.dose.reps * self.dose.sets * sides

    def add_repetition(self, rep: Repetition | None) -> None:
        """Record one measured repetition (``None`` payload counts without a range)."""
        if rep is not None:
            self.ranges_deg.append(round(float(rep.range_deg), 2))
            self.rep_durations_s.append(round(float(rep.duration_s), 3))

    def add_form_flag(self, flag: FormFlag) -> None:
        """Record a form flag."""
        self.form_flags.append(
            FormFlagRecord(t_s=round(flag.t_s, 3), code=flag.code, message=flag.message)
        )

    def add_pain(self, pain: int) -> None:
        """Keep the highest pain reported during the exercise."""
        self.pain_during = pain if self.pain_during is None else max(self.pain_during, pain)

    def _tracking(self, lost_s: float, duration_s: float) -> TrackingSummary:
        tracking = TrackingSummary(
            measured=self.measured,
            sensor_ended=self.sensor_ended,
            measured_reps=self.measured_reps,
            lost_count=self.lost_count,
            lost_s=round(lost_s, 2),
            ok_fraction=round(max(0.0, 1.0 - lost_s / duration_s), 3),
        )
        if self.sensors:
            tracking["sensors"] = dict(self.sensors)
        return tracking

    def result(self, ended_s: float, lost_open_s: float = 0.0) -> ExerciseResult:
        """Freeze the tally into an :class:`ExerciseResult` at ``ended_s``."""
        duration_s = max(ended_s - self.started_s, 1e-9)
        lost_s = self.lost_s + lost_open_s
        tempo = TempoSummary(prescribed_rep_s=round(self.dose.rep_s, 2))
        if self.rep_durations_s:
            tempo["rep_durations_s"] = list(self.rep_durations_s)
            tempo["mean_rep_s"] = round(sum(self.rep_durations_s) / len(self.rep_durations_s), 2)
        completed = self.reps_done >= self.reps_target
        return ExerciseResult(
            exercise_id=self.exercise.id,
            index=self.index,
            started_s=self.started_s,
            ended_s=ended_s,
            completed=completed,
            reps_done=self.reps_done,
            reps_target=self.reps_target,
            ranges_deg=tuple(self.ranges_deg),
            hold_times_s=tuple(round(h, 2) for h in self.hold_times_s),
            hold_target_s=self.dose.hold_s,
            tempo=tempo,
            form_flags=tuple(self.form_flags),
            tracking=self._tracking(lost_s, duration_s),
            pain_during=self.pain_during,
            stop_action=self.stop_action,
            stop_reasons=self.stop_reasons,
            replaced_by=self.replaced_by,
        )
