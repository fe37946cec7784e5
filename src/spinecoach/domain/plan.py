"""Plans: a dosed daily routine, its items and the changes that produced it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from spinecoach.domain.exercise import Dose, Section


class ChangeAction(StrEnum):
    """How adaptation (or a clinician) changed an item."""

    PROGRESS = "progress"
    HOLD = "hold"
    REGRESS = "regress"
    STOP = "stop"
    ADD = "add"
    REMOVE = "remove"
    DOSE = "dose"
    PAUSE = "pause"


@dataclass(frozen=True)
class PlanChange:
    """One change to the plan with the reason shown to the person and its sources."""

    exercise_id: str
    action: ChangeAction
    reason: str
    sources: tuple[str, ...] = ()
    replaced_by: str | None = None


@dataclass(frozen=True)
class PlanItem:
    """One exercise in a routine: which, how much, why."""

    exercise_id: str
    name: str
    section: Section
    dose: Dose
    reason: str
    sources: tuple[str, ...] = ()
    locked: bool = False
    note: str = ""
    good_sessions: int = 0

    @property
    def duration_s(self) -> float:
        """Estimated seconds for this item."""
        return self.dose.duration_s


@dataclass(frozen=True)
class Plan:
    """A daily routine, ordered warm-up -> stretch -> stability -> integration.

    ``conditions`` are the person's planning conditions when the plan was made (so a change
    during a session respects the same contraindications as the planner); ``set_aside``
    lists exercises that hurt and are not brought back as an easier version of another.
    """

    items: tuple[PlanItem, ...]
    level: int
    created_at: datetime
    reasons: tuple[str, ...] = ()
    changes: tuple[PlanChange, ...] = ()
    note: str = ""
    paused: bool = False
    budget_s: float = 0.0
    metadata: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    conditions: frozenset[str] = frozenset()
    set_aside: tuple[str, ...] = ()

    @property
    def total_duration_s(self) -> float:
        """Estimated seconds for the whole routine (transitions of 10 s between items)."""
        if not self.items:
            return 0.0
        return sum(i.duration_s for i in self.items) + 10.0 * (len(self.items) - 1)

    def item(self, exercise_id: str) -> PlanItem:
        """Return the item for ``exercise_id`` (``KeyError`` if absent)."""
        for item in self.items:
            if item.exercise_id == exercise_id:
                return item
        raise KeyError(exercise_id)

    @property
    def exercise_ids(self) -> tuple[str, ...]:
        """Exercise ids in routine order."""
        return tuple(i.exercise_id for i in self.items)


@dataclass(frozen=True)
class ExerciseReport:
    """What happened to one exercise in a session (feeds :func:`adapt_plan`)."""

    exercise_id: str
    completed: bool
    reps_done: int = 0
    reps_target: int = 0
    pain_during: int | None = None
    form_flag_count: int = 0
    range_deg: float | None = None
    stop_action: str | None = None

    @property
    def completion(self) -> float:
        """Fraction of target repetitions done (1.0 when no target)."""
        if self.reps_target <= 0:
            return 1.0 if self.completed else 0.0
        return min(self.reps_done / self.reps_target, 1.0)


@dataclass(frozen=True)
class SessionReport:
    """Pain and results of one session, plus the next-morning check-in when known."""

    started_at: datetime
    pain_before: int | None
    pain_after: int | None
    exercises: tuple[ExerciseReport, ...] = ()
    next_morning_pain: int | None = None
    symptoms: frozenset[str] = frozenset()

    @property
    def pain_max_during(self) -> int | None:
        """Highest pain reported during or right after the session."""
        values = [e.pain_during for e in self.exercises if e.pain_during is not None]
        if self.pain_after is not None:
            values.append(self.pain_after)
        return max(values) if values else None
