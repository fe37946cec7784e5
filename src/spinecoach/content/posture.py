"""Loading ``data/posture/norms.toml`` and ``data/posture/desk_advice.toml`` (validated)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from spinecoach.content.loader import first_validation_problem, load_source_tags, read_toml
from spinecoach.domain.desk import DeskAdvice, DeskGuide, DeskQuestion
from spinecoach.domain.i18n import _
from spinecoach.domain.posture import FIGURE_SOURCES, POSITIONS, PostureNorm
from spinecoach.errors import InvalidDataFile
from spinecoach.settings import default_content_dir


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NormModel(_Strict):
    measure: str = Field(pattern=r"^[a-z][a-z0-9_]*_deg$")
    label: str = Field(min_length=1)
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    sources: list[str] = Field(min_length=1)
    comparable_sources: list[Literal["camera", "imu", "manual"]] = Field(default_factory=list)
    positions: list[Literal["standing", "seated"]] = Field(min_length=1)
    note: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> NormModel:
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class NormsFile(_Strict):
    norm: list[NormModel] = Field(min_length=1)


class QuestionModel(_Strict):
    text: str = Field(min_length=1)
    kind: Literal["number", "choice"]
    choices: list[str] = Field(default_factory=list)
    min: float = 0.0
    max: float = 0.0


class WhenModel(_Strict):
    question: str
    values: list[str] = Field(default_factory=list)
    min: float | None = None


class AdviceModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: WhenModel
    text: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    derived: bool = False


class DeskFile(_Strict):
    questions: dict[str, QuestionModel] = Field(min_length=1)
    advice: list[AdviceModel] = Field(min_length=1)


def _validated(path: Path, model: type[_Strict]) -> _Strict:
    try:
        return model.model_validate(read_toml(path))
    except ValidationError as exc:
        field, problem = first_validation_problem(exc)
        raise InvalidDataFile(str(path), field, problem) from None


def _check_tags(path: Path, field: str, tags: list[str], known: frozenset[str]) -> None:
    for tag in tags:
        if tag not in known:
            raise InvalidDataFile(str(path), field, _("unknown source tag '{tag}'").format(tag=tag))


def load_norms(content_dir: Path | None = None) -> dict[str, PostureNorm]:
    """Posture norms by measure, every source tag checked against ``sources.toml``.

    The files are read and checked once while they stay unchanged (the clinician's patient
    page and every export ask for them).
    """
    root = content_dir or default_content_dir()
    path = root / "posture" / "norms.toml"
    try:
        stamp = (path.stat().st_mtime_ns, (root / "sources.toml").stat().st_mtime_ns)
    except OSError:
        stamp = (-1, -1)  # reading reports what is missing
    return dict(_norms(root, stamp))


@lru_cache(maxsize=8)
def _norms(root: Path, stamp: tuple[int, int]) -> dict[str, PostureNorm]:
    path = root / "posture" / "norms.toml"
    known = load_source_tags(root)
    parsed = _validated(path, NormsFile)
    assert isinstance(parsed, NormsFile)
    norms: dict[str, PostureNorm] = {}
    for index, n in enumerate(parsed.norm):
        _check_tags(path, f"norm[{index}].sources", n.sources, known)
        norms[n.measure] = PostureNorm(
            measure=n.measure,
            label=n.label,
            sources=tuple(n.sources),
            note=n.note,
            low=n.low,
            high=n.high,
            mean=n.mean,
            sd=n.sd,
            comparable_sources=tuple(s for s in n.comparable_sources if s in FIGURE_SOURCES),
            positions=tuple(p for p in n.positions if p in POSITIONS),
        )
    return norms


def load_desk_guide(content_dir: Path | None = None) -> DeskGuide:
    """The desk questionnaire and its cited advice."""
    root = content_dir or default_content_dir()
    path = root / "posture" / "desk_advice.toml"
    known = load_source_tags(root)
    parsed = _validated(path, DeskFile)
    assert isinstance(parsed, DeskFile)
    questions = tuple(
        DeskQuestion(qid, q.text, q.kind, tuple(q.choices), q.min, q.max)
        for qid, q in parsed.questions.items()
    )
    advice = []
    for index, a in enumerate(parsed.advice):
        _check_tags(path, f"advice[{index}].sources", a.sources, known)
        if a.when.question not in parsed.questions:
            raise InvalidDataFile(
                str(path),
                f"advice[{index}].when.question",
                _("unknown question '{question}'").format(question=a.when.question),
            )
        advice.append(
            DeskAdvice(
                a.id,
                a.when.question,
                a.text,
                tuple(a.sources),
                tuple(a.when.values),
                a.when.min,
                a.derived,
            )
        )
    return DeskGuide(questions, tuple(advice))
