"""Cues: one thing the coach says or shows (the one cue type of every front end).

Pure data: the session engine (:mod:`spinecoach.coach`) and the camera pipeline
(:mod:`spinecoach.sources.video.pipeline`) both give :class:`Cue` objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    """

    t_s: float
    kind: CueKind
    text: str
    priority: int = 1
    topic: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON form: ``{t_s, kind, text, priority}``."""
        return {
            "t_s": round(self.t_s, 3),
            "kind": self.kind.value,
            "text": self.text,
            "priority": self.priority,
        }


def make_cue(
    t_s: float, kind: CueKind, text: str, *, topic: str = "", priority: int | None = None
) -> Cue:
    """Build a cue with the default priority of its kind."""
    return Cue(t_s, kind, text, DEFAULT_PRIORITY[kind] if priority is None else priority, topic)
