"""The desk questionnaire: answers checked against the questions, advice from cited guidance."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput


@dataclass(frozen=True)
class DeskQuestion:
    """One question: a number in ``[low, high]`` or one of ``choices``."""

    id: str
    text: str
    kind: str  # number | choice
    choices: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 0.0


@dataclass(frozen=True)
class DeskAdvice:
    """Advice shown when ``question``'s answer is in ``values`` (or >= ``minimum``)."""

    id: str
    question: str
    text: str
    sources: tuple[str, ...]
    values: tuple[str, ...] = ()
    minimum: float | None = None
    derived: bool = False

    def applies(self, answers: Mapping[str, Any]) -> bool:
        """Whether these answers bring this advice."""
        answer = answers.get(self.question)
        if answer is None:
            return False
        if self.minimum is not None:
            return isinstance(answer, int | float) and float(answer) >= self.minimum
        return answer in self.values


@dataclass(frozen=True)
class DeskGuide:
    """The questionnaire and its advice, as loaded from ``data/posture/desk_advice.toml``."""

    questions: tuple[DeskQuestion, ...]
    advice: tuple[DeskAdvice, ...]


def validate_desk_answers(raw: Any, guide: DeskGuide, name: str = "answers") -> dict[str, Any]:
    """Check desk answers; every question is required.

    Raises
    ------
    InvalidInput
        One line naming the field and what is wrong.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput(_("{name}: expected a JSON object of answers").format(name=name))
    known = {q.id for q in guide.questions}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInput(
            _("{name}: unknown field '{unknown}'; expected {known}").format(
                name=name, unknown=unknown[0], known=", ".join(sorted(known))
            )
        )
    answers: dict[str, Any] = {}
    for question in guide.questions:
        if question.id not in raw:
            raise InvalidInput(
                _("{name}: field '{id}' is missing ({text})").format(
                    name=name, id=question.id, text=question.text
                )
            )
        value = raw[question.id]
        if question.kind == "number":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or math.isnan(float(value)) or not question.low <= value <= question.high:
                raise InvalidInput(
                    _(
                        "{name}: field '{id}': expected a number from {low:g} to "
                        "{high:g}, got {value}"
                    ).format(
                        name=name,
                        id=question.id,
                        low=question.low,
                        high=question.high,
                        value=repr(value),
                    )
                )
            answers[question.id] = float(value)
        else:
            if value not in question.choices:
                raise InvalidInput(
                    _("{name}: field '{id}': expected one of {choices}, got {value}").format(
                        name=name,
                        id=question.id,
                        choices=", ".join(question.choices),
                        value=repr(value),
                    )
                )
            answers[question.id] = value
    return answers


def desk_advice(answers: Mapping[str, Any], guide: DeskGuide) -> list[DeskAdvice]:
    """The advice these (validated) answers bring, in the data file's order."""
    return [a for a in guide.advice if a.applies(answers)]
