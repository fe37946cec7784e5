"""Cues: one thing the coach says or shows (the one cue type of every front end).

Pure data: the session engine (:mod:`spinecoach.coach`) and the camera pipeline
(:mod:`spinecoach.sources.video.pipeline`) both give :class:`Cue` objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from spinecoach.domain.exercise import Breath


class CueKind(StrEnum):
    """What a cue is about."""

    INSTRUCTION = "instruction"
    BREATH = "breath"
    COUNT = "count"
    FORM = "form"
    SAFETY = "safety"
    ENCOURAGEMENT = "encouragement"


#: Default priority per kind (higher wins when cues compete; safety is never dropped).
DEFAULT_PRIORITY: dict[CueKind, int] = {
    CueKind.SAFETY: 3,
    CueKind.INSTRUCTION: 2,
    CueKind.BREATH: 1,
    CueKind.COUNT: 1,
    CueKind.FORM: 1,
    CueKind.ENCOURAGEMENT: 0,
}


@dataclass(frozen=True)
class Cue:
    """One thing the coach says or shows.

    Attributes
    ----------
    t_s : float
        Session time in seconds (engine clock) at which the cue is due.
    kind : CueKind
    text : str
        Plain words, shown and spoken.
    priority : int
        0 (nice to have) to 3 (safety).
    topic : str
        What the cue is about (``zone``, ``feedback``, ``step``...); two cues on one topic
        with different words are never given within the gate's contradiction window.
    breath : Breath or None
        For breath cues, the direction (tones and the page's breath animation use it; the
        words are for people only).
    """

    t_s: float
    kind: CueKind
    text: str
    priority: int = 1
    topic: str = ""
    breath: Breath | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form: ``{t_s, kind, text, priority}`` (the ``--log`` line format)."""
        return {
            "t_s": round(self.t_s, 3),
            "kind": self.kind.value,
            "text": self.text,
            "priority": self.priority,
        }

    def to_message(self) -> dict[str, object]:
        """JSON form for live pages: :meth:`to_dict` plus ``breath`` on breath cues."""
        out = self.to_dict()
        if self.breath is not None:
            out["breath"] = self.breath.value
        return out


def make_cue(
    t_s: float,
    kind: CueKind,
    text: str,
    *,
    topic: str = "",
    priority: int | None = None,
    breath: Breath | None = None,
) -> Cue:
    """Build a cue with the default priority of its kind."""
    level = DEFAULT_PRIORITY[kind] if priority is None else priority
    return Cue(t_s, kind, text, level, topic, breath)


class CheckinKind(StrEnum):
    """When the engine asks for pain (or the person reports symptoms)."""

    BEFORE = "before"
    DURING = "during"
    AFTER_EXERCISE = "after_exercise"
    END = "end"
    SYMPTOM = "symptom"


class PainReportKind(StrEnum):
    """Kinds of stored pain reports (the ``kind`` column, the check-in command's ``--kind``)."""

    BEFORE = "before"
    DURING = "during"
    AFTER = "after"
    NEXT_MORNING = "next_morning"
    SYMPTOM = "symptom"

    @classmethod
    def of_checkin(cls, kind: CheckinKind | str) -> PainReportKind:
        """The stored kind of an engine check-in (after an exercise and at the end: ``after``)."""
        checkin = CheckinKind(kind)
        if checkin in (CheckinKind.AFTER_EXERCISE, CheckinKind.END):
            return cls.AFTER
        return cls(checkin.value)
