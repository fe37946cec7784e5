"""Safety and progression rules as data (loaded from ``data/rules/*.toml``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    """Screening verdicts, from most to least serious."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"
    CLEAR = "clear"

    @property
    def severity(self) -> int:
        """3 for emergency down to 0 for clear."""
        return {"emergency": 3, "urgent": 2, "routine": 1, "clear": 0}[self.value]


class StopAction(StrEnum):
    """What an in-session check-in decides, from least to most serious."""

    CONTINUE = "continue"
    REGRESS = "regress"
    STOP_EXERCISE = "stop_exercise"
    END_SESSION = "end_session"
    URGENT_CARE = "urgent_care"

    @property
    def severity(self) -> int:
        """0 for continue up to 4 for urgent care."""
        order = ["continue", "regress", "stop_exercise", "end_session", "urgent_care"]
        return order.index(self.value)


@dataclass(frozen=True)
class RedFlagQuestion:
    """A yes/no screening question (our own plain wording) and the tier a 'yes' means."""

    id: str
    text: str
    tier: Tier
    sources: tuple[str, ...]
    asked: bool = True


@dataclass(frozen=True)
class FragilityRule:
    """A minor fall or lift with older age, thin bones or an unknown age [AHCPR][GLOS]."""

    question_id: str
    thin_bones_id: str
    older_than: int
    tier: Tier
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AgeRule:
    """New back pain outside an age band raises the tier [GLOS][AHCPR]."""

    older_than: int
    younger_than: int
    tier: Tier
    question_id: str
    sources: tuple[str, ...]
    conflict_note: str = ""


@dataclass(frozen=True)
class InflammatoryRule:
    """Pain for more than ``min_months`` plus at least ``min_features`` features [ASAS]."""

    min_months: int
    min_features: int
    features: tuple[str, ...]
    tier: Tier
    sources: tuple[str, ...]


@dataclass(frozen=True)
class StopRule:
    """A symptom reported during a session and what it triggers."""

    symptom: str
    label: str
    action: StopAction
    reason: str
    seek_care: Tier | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PainRules:
    """Pain-monitoring thresholds (0-10 scale) [EFE][SIL07][BIM]."""

    limit: int
    rise_to_regress: int
    morning_tolerance: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ProgressionRules:
    """Small-step progression amounts [SIL07][AFC]."""

    reps_step: int
    hold_step_s: float
    max_reps: int
    max_hold_s: float
    good_sessions_to_advance: int
    min_completion: float
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DoseCeilings:
    """Ranges a dose stays within whatever progression does (CLINICAL.md §4).

    Static holds 30-45 s [BANDY][KAY] (30-60 s for older adults [ACSMB]); static stretch
    repetitions 2-4 [ACSMB][GARBER]; PNF cycles 2-4 [FI]; core isometrics hold 10 s and
    progress repetitions [AFC][LAKA]; mobility ~10 repetitions [BA][BH][RS]; walking in
    minutes on a planned schedule [LIND][STAAL].
    """

    static_hold_s: tuple[float, float] = (30.0, 45.0)
    older_adult_static_hold_s: tuple[float, float] = (30.0, 60.0)
    static_reps: tuple[int, int] = (2, 4)
    pnf_cycles: tuple[int, int] = (2, 4)
    isometric_hold_s: float = 10.0
    isometric_reps: int = 8
    mobility_reps: int = 10
    walking_minutes: float = 10.0
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    """Every safety and progression rule, with citations."""

    red_flags: tuple[RedFlagQuestion, ...]
    age_rule: AgeRule
    inflammatory: InflammatoryRule
    stop_rules: tuple[StopRule, ...]
    pain: PainRules
    progression: ProgressionRules
    tier_advice: dict[Tier, str]
    ceilings: DoseCeilings = DoseCeilings()
    fragility_rule: FragilityRule | None = None

    @property
    def asked_questions(self) -> tuple[RedFlagQuestion, ...]:
        """The questions put to a person (older ids stay accepted in answer files)."""
        return tuple(q for q in self.red_flags if q.asked)

    def question(self, question_id: str) -> RedFlagQuestion:
        """Return the red-flag question with this id."""
        for q in self.red_flags:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def stop_rule(self, symptom: str) -> StopRule:
        """Return the stop rule for ``symptom``."""
        for r in self.stop_rules:
            if r.symptom == symptom:
                return r
        raise KeyError(symptom)
