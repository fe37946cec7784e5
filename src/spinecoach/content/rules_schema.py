"""Pydantic schema of ``data/rules/*.toml``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spinecoach.domain.rules import (
    AgeRule,
    DoseCeilings,
    FragilityRule,
    InflammatoryRule,
    PainRules,
    ProgressionRules,
    RedFlagQuestion,
    Rules,
    StopAction,
    StopRule,
    Tier,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RedFlagModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1)
    tier: Tier
    sources: list[str] = Field(min_length=1)
    asked: bool = True


class FragilityRuleModel(_Strict):
    question_id: str
    thin_bones_id: str
    older_than: int = Field(ge=18, le=100)
    tier: Tier
    sources: list[str] = Field(min_length=1)


class AgeRuleModel(_Strict):
    older_than: int = Field(ge=18, le=100)
    younger_than: int = Field(ge=0, le=30)
    tier: Tier
    question_id: str
    sources: list[str] = Field(min_length=1)
    conflict_note: str = ""


class InflammatoryModel(_Strict):
    min_months: int = Field(ge=1)
    min_features: int = Field(ge=1)
    features: list[str] = Field(min_length=1)
    tier: Tier
    sources: list[str] = Field(min_length=1)


class StopRuleModel(_Strict):
    symptom: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    action: StopAction
    reason: str = Field(min_length=1)
    seek_care: Tier | None = None
    sources: list[str] = Field(min_length=1)


class PainModel(_Strict):
    limit: int = Field(ge=1, le=10)
    rise_to_regress: int = Field(ge=1, le=10)
    morning_tolerance: int = Field(ge=0, le=5)
    sources: list[str] = Field(min_length=1)
    conflict_note: str = ""


class ProgressionModel(_Strict):
    reps_step: int = Field(ge=1, le=5)
    hold_step_s: float = Field(gt=0, le=30)
    max_reps: int = Field(ge=1, le=30)
    max_hold_s: float = Field(gt=0, le=120)
    good_sessions_to_advance: int = Field(ge=1, le=10)
    min_completion: float = Field(gt=0, le=1)
    sources: list[str] = Field(min_length=1)


class CeilingsModel(_Strict):
    static_hold_s: tuple[float, float]
    older_adult_static_hold_s: tuple[float, float]
    static_reps: tuple[int, int]
    pnf_cycles: tuple[int, int]
    isometric_hold_s: float = Field(gt=0, le=30)
    isometric_reps: int = Field(ge=1, le=20)
    mobility_reps: int = Field(ge=1, le=30)
    walking_minutes: float = Field(gt=0, le=60)
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _ranges(self) -> CeilingsModel:
        for name in ("static_hold_s", "older_adult_static_hold_s", "static_reps", "pnf_cycles"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"{name} must be [low, high] with 0 < low <= high")
        return self


class RulesModel(_Strict):
    red_flags: list[RedFlagModel] = Field(min_length=1)
    age_rule: AgeRuleModel
    inflammatory: InflammatoryModel
    stop_rules: list[StopRuleModel] = Field(min_length=1)
    pain: PainModel
    progression: ProgressionModel
    tier_advice: dict[Tier, str]
    ceilings: CeilingsModel
    fragility_rule: FragilityRuleModel

    @model_validator(mode="after")
    def _consistent(self) -> RulesModel:
        ids = [q.id for q in self.red_flags]
        if len(ids) != len(set(ids)):
            raise ValueError("red_flags ids must be unique")
        if self.age_rule.question_id not in ids:
            raise ValueError(f"age_rule.question_id '{self.age_rule.question_id}' is no red flag")
        for name in ("question_id", "thin_bones_id"):
            if getattr(self.fragility_rule, name) not in ids:
                raise ValueError(f"fragility_rule.{name} is no red flag")
        missing = set(Tier) - set(self.tier_advice)
        if missing:
            raise ValueError(f"tier_advice lacks {sorted(missing)}")
        return self

    def all_source_tags(self) -> list[tuple[str, str]]:
        """Every (field path, tag) cited."""
        cited: list[tuple[str, str]] = []
        for i, q in enumerate(self.red_flags):
            cited += [(f"red_flags[{i}].sources", t) for t in q.sources]
        for i, r in enumerate(self.stop_rules):
            cited += [(f"stop_rules[{i}].sources", t) for t in r.sources]
        for name in ("age_rule", "inflammatory", "pain", "progression", "ceilings",
                     "fragility_rule"):  # fmt: skip
            cited += [(f"{name}.sources", t) for t in getattr(self, name).sources]
        return cited

    def to_domain(self) -> Rules:
        """Convert to the frozen domain :class:`Rules`."""
        return Rules(
            red_flags=tuple(
                RedFlagQuestion(q.id, q.text, q.tier, tuple(q.sources), q.asked)
                for q in self.red_flags
            ),
            age_rule=AgeRule(
                **{**self.age_rule.model_dump(), "sources": tuple(self.age_rule.sources)}
            ),
            inflammatory=InflammatoryRule(
                min_months=self.inflammatory.min_months,
                min_features=self.inflammatory.min_features,
                features=tuple(self.inflammatory.features),
                tier=self.inflammatory.tier,
                sources=tuple(self.inflammatory.sources),
            ),
            stop_rules=tuple(
                StopRule(r.symptom, r.label, r.action, r.reason, r.seek_care, tuple(r.sources))
                for r in self.stop_rules
            ),
            pain=PainRules(
                self.pain.limit,
                self.pain.rise_to_regress,
                self.pain.morning_tolerance,
                tuple(self.pain.sources),
            ),
            progression=ProgressionRules(
                **{**self.progression.model_dump(), "sources": tuple(self.progression.sources)}
            ),
            tier_advice=dict(self.tier_advice),
            fragility_rule=FragilityRule(
                **{
                    **self.fragility_rule.model_dump(),
                    "sources": tuple(self.fragility_rule.sources),
                }
            ),
            ceilings=DoseCeilings(
                **{**self.ceilings.model_dump(), "sources": tuple(self.ceilings.sources)}
            ),
        )
