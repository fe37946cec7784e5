"""Options of the session engine (its own module, so the engine's parts can import it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from spinecoach.coach.cues import GateSettings
from spinecoach.coach.timeline import TimelineOptions

__all__ = ["EngineOptions"]


@dataclass(frozen=True)
class EngineOptions:
    """Behaviour of the engine beyond the timeline.

    Attributes
    ----------
    timeline : TimelineOptions
    gate : GateSettings
    pain_limit : int or None
        Override of the rules' pain limit (the ``pain_limit`` setting).
    countdown : bool
        Count "3, 2, 1" at the end of holds, rests and PNF phases.
    wait_for_stop_ack : bool
        After "stop this exercise", freeze every timer until :meth:`SessionEngine.acknowledge_stop`
        (the message stays on screen and the next exercise does not count down under it).
    tracking_lost_after_s : float
        Tell the person "I can't see you" only after tracking has stayed lost this long (s).
    tracking_back_after_s : float
        Tell them "I can see you again" only after it has stayed good this long (s).
    """

    timeline: TimelineOptions = field(default_factory=TimelineOptions)
    gate: GateSettings = field(default_factory=GateSettings)
    pain_limit: int | None = None
    countdown: bool = True
    wait_for_stop_ack: bool = False
    tracking_lost_after_s: float = 1.5
    tracking_back_after_s: float = 3.0
