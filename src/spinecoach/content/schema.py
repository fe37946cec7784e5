"""Pydantic schemas of the exercise data files; they convert to the domain dataclasses."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from spinecoach.domain.exercise import (
    Breath,
    Category,
    CommonError,
    Contraindication,
    Demonstration,
    Direction,
    Dose,
    ExcursionDirection,
    Exercise,
    PnfDose,
    Position,
    Section,
    SensorSignature,
    SignatureMode,
    TempoPhase,
    View,
)
from spinecoach.motion.pose_builder import BASES, JOINTS, MAX_ANGLE_DEG, POINT_NAMES

Tags = list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TempoPhaseModel(_Strict):
    name: str = Field(min_length=1)
    seconds: float = Field(gt=0, le=120)
    breath: Breath = Breath.NATURAL
    cue: str = ""


class PnfModel(_Strict):
    stretch_s: float = Field(gt=0, le=60)
    contract_s: float = Field(gt=0, le=10)
    contract_effort_pct: int = Field(ge=10, le=75)
    relax_s: float = Field(ge=0, le=10)
    deeper_stretch_s: float = Field(gt=0, le=60)


class DoseModel(_Strict):
    reps: int = Field(ge=1, le=30)
    sets: int = Field(default=1, ge=1, le=5)
    hold_s: float | None = Field(default=None, gt=0, le=120)
    rest_s: float = Field(default=0.0, ge=0, le=120)
    tempo: list[TempoPhaseModel] = Field(default_factory=list)
    pnf: PnfModel | None = None
    per_side: bool = False
    sources: Tags = Field(min_length=1)
    conflict_note: str = ""
    unit: Literal["reps", "minutes"] = "reps"

    @model_validator(mode="after")
    def _has_time(self) -> DoseModel:
        if self.pnf is None and not self.tempo and self.hold_s is None:
            raise ValueError("a dose needs tempo phases, a hold_s, or a pnf block")
        return self


class SignatureModel(_Strict):
    primary_angle: str = Field(min_length=1)
    mode: SignatureMode
    view: View
    target_range_deg: tuple[float, float]
    direction: ExcursionDirection = ExcursionDirection.POSITIVE
    min_excursion_deg: float = Field(default=10.0, ge=0, le=90)
    imu_angle: str | None = None
    imu_range_deg: tuple[float, float] | None = None
    cycle: bool = False
    secondary_angles: list[str] = Field(default_factory=list)
    sources: Tags = Field(default_factory=list)

    @field_validator("imu_range_deg")
    @classmethod
    def _ordered_imu(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not value[0] < value[1]:
            raise ValueError("must be [low, high] with low < high")
        return value

    @field_validator("target_range_deg")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0 <= low < high <= 180:
            raise ValueError(f"must be (low, high) with 0 <= low < high <= 180, got {value}")
        return value

    @model_validator(mode="after")
    def _cycle_needs_both(self) -> SignatureModel:
        if self.cycle and self.direction != ExcursionDirection.BOTH:
            raise ValueError("cycle = true needs direction = 'both'")
        return self


class ContraindicationModel(_Strict):
    condition: str = Field(min_length=1)
    level: Literal["avoid", "caution"]
    note: str = Field(min_length=1)
    sources: Tags = Field(min_length=1)


class CommonErrorModel(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(min_length=1)
    cue: str = Field(min_length=1)


def _check_angles(angles: dict[str, float]) -> dict[str, float]:
    for name, value in angles.items():
        if name not in JOINTS:
            raise ValueError(f"unknown joint angle '{name}'; known: {', '.join(JOINTS)}")
        if not -MAX_ANGLE_DEG <= value <= MAX_ANGLE_DEG:
            raise ValueError(f"'{name}' = {value} is outside -180..180 degrees")
    return angles


class DemonstrationModel(_Strict):
    """``[demonstration]``: keyframe poses (joint angles) timed by the dose's tempo."""

    base: Literal[tuple(BASES)]  # type: ignore[valid-type]
    start: dict[str, float] = Field(default_factory=dict)
    phases: dict[str, dict[str, float] | str] = Field(default_factory=dict)
    anchor: Literal[("mid_hip", *POINT_NAMES)] = "mid_hip"  # type: ignore[valid-type]
    view: Literal["side", "front"] = "side"
    side: Literal["right", "left"] = "right"

    @field_validator("start")
    @classmethod
    def _start_angles(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_angles(value)

    @field_validator("phases")
    @classmethod
    def _phase_angles(
        cls, value: dict[str, dict[str, float] | str]
    ) -> dict[str, dict[str, float] | str]:
        for name, pose in value.items():
            if isinstance(pose, str):
                if pose not in value or pose == name:
                    raise ValueError(f"phase '{name}' repeats '{pose}', which is not a posed phase")
                if isinstance(value[pose], str):
                    raise ValueError(f"phase '{name}' repeats '{pose}', which repeats another")
            else:
                try:
                    _check_angles(pose)
                except ValueError as exc:
                    raise ValueError(f"phase '{name}': {exc}") from None
        return value

    def to_domain(self) -> Demonstration:
        """Convert to the domain :class:`Demonstration`."""
        return Demonstration(
            base=self.base,
            start=tuple(self.start.items()),
            phases=tuple(
                (name, pose if isinstance(pose, str) else tuple(pose.items()))
                for name, pose in self.phases.items()
            ),
            anchor=self.anchor,
            view=self.view,
            side=self.side,
        )


class ExerciseModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    steps: list[str] = Field(min_length=1)
    target_tissues: list[str] = Field(min_length=1)
    category: Category
    position: Position
    direction: Direction
    level: int = Field(ge=1, le=3)
    section: Section
    dose: DoseModel
    signature: SignatureModel
    progressions: list[str] = Field(default_factory=list)
    regressions: list[str] = Field(default_factory=list)
    contraindications: list[ContraindicationModel] = Field(default_factory=list)
    cues: list[str] = Field(min_length=1)
    common_errors: list[CommonErrorModel] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)
    sources: Tags = Field(min_length=1)
    notes: str = ""
    only_in: list[Literal["desk_break", "posture_finding"]] = Field(default_factory=list)
    demonstration: DemonstrationModel | None = None
    #: What the person needs (the intake asks which of these they have).
    equipment: list[Literal["mat", "chair", "towel", "foam_roller", "band"]] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _demonstration_phases_in_dose(self) -> ExerciseModel:
        if self.demonstration is None:
            return self
        names = [p.name for p in self.dose.tempo]
        for phase in self.demonstration.phases:
            if phase not in names:
                raise ValueError(
                    f"demonstration.phases: '{phase}' is not a tempo phase of the dose "
                    f"({', '.join(names) or 'none'})"
                )
        if not names:
            raise ValueError("demonstration: the dose needs tempo phases to time it")
        return self

    @model_validator(mode="after")
    def _pnf_matches_category(self) -> ExerciseModel:
        if (self.category == Category.PNF) != (self.dose.pnf is not None):
            raise ValueError("category 'pnf' and a dose.pnf block go together")
        return self

    def all_source_tags(self) -> list[tuple[str, str]]:
        """Every (field path, tag) cited anywhere in the file."""
        cited = [("sources", t) for t in self.sources]
        cited += [("dose.sources", t) for t in self.dose.sources]
        cited += [("signature.sources", t) for t in self.signature.sources]
        for i, c in enumerate(self.contraindications):
            cited += [(f"contraindications[{i}].sources", t) for t in c.sources]
        return cited

    def to_domain(self) -> Exercise:
        """Convert to the frozen domain :class:`Exercise`."""
        d = self.dose
        dose = Dose(
            reps=d.reps,
            sets=d.sets,
            hold_s=d.hold_s,
            rest_s=d.rest_s,
            tempo=tuple(TempoPhase(p.name, p.seconds, p.breath, p.cue) for p in d.tempo),
            pnf=PnfDose(**d.pnf.model_dump()) if d.pnf else None,
            per_side=d.per_side,
            sources=tuple(d.sources),
            unit=d.unit,
        )
        s = self.signature
        signature = SensorSignature(
            primary_angle=s.primary_angle,
            mode=s.mode,
            view=s.view,
            target_range_deg=s.target_range_deg,
            direction=s.direction,
            min_excursion_deg=s.min_excursion_deg,
            imu_angle=s.imu_angle,
            imu_range_deg=s.imu_range_deg,
            cycle=s.cycle,
            secondary_angles=tuple(s.secondary_angles),
            sources=tuple(s.sources),
        )
        return Exercise(
            id=self.id,
            name=self.name,
            summary=self.summary,
            steps=tuple(self.steps),
            target_tissues=tuple(self.target_tissues),
            category=self.category,
            position=self.position,
            direction=self.direction,
            level=self.level,
            dose=dose,
            signature=signature,
            section=self.section,
            progressions=tuple(self.progressions),
            regressions=tuple(self.regressions),
            contraindications=tuple(
                Contraindication(c.condition, c.level, c.note, tuple(c.sources))
                for c in self.contraindications
            ),
            cues=tuple(self.cues),
            common_errors=tuple(
                CommonError(e.code, e.description, e.cue) for e in self.common_errors
            ),
            goals=tuple(self.goals),
            sources=tuple(self.sources),
            notes=self.notes,
            demonstration=self.demonstration.to_domain() if self.demonstration else None,
            only_in=tuple(self.only_in),
            equipment=tuple(self.equipment),
        )
