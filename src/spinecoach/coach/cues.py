"""Cues the coach gives, and the gate that keeps them few, calm and consistent."""

from __future__ import annotations

from dataclasses import dataclass

from spinecoach.domain.cues import DEFAULT_PRIORITY, Cue, CueKind, make_cue

__all__ = ["DEFAULT_PRIORITY", "Cue", "CueGate", "CueKind", "GateSettings", "make_cue"]

#: Kinds that depend on the sensor seeing the person; muted while tracking is poor.
TRACKING_DEPENDENT = frozenset({CueKind.FORM, CueKind.ENCOURAGEMENT})


@dataclass(frozen=True)
class GateSettings:
    """Rate limits of the cue gate (seconds).

    Attributes
    ----------
    min_interval_s : dict
        Smallest gap between two cues of one kind (kinds not listed are not limited).
    repeat_window_s : float
        The same words are not repeated within this window.
    contradiction_window_s : float
        A cue on a topic is dropped if a different cue on that topic was given this recently.
    """

    min_interval_s: tuple[tuple[CueKind, float], ...] = (
        (CueKind.FORM, 4.0),
        (CueKind.ENCOURAGEMENT, 6.0),
    )
    repeat_window_s: float = 6.0
    contradiction_window_s: float = 3.0


class CueGate:
    """Decides which proposed cues are given.

    Rules, in order: safety cues always pass; after the session ended only safety passes;
    tracking-dependent kinds (form, encouragement) are muted while tracking is poor; a kind's
    minimum interval; no repeat of the same words within ``repeat_window_s``; no cue on a topic
    whose last cue (different words) was given within ``contradiction_window_s``.
    """

    def __init__(self, settings: GateSettings | None = None) -> None:
        self.settings = settings or GateSettings()
        self._interval = dict(self.settings.min_interval_s)
        self._last_by_kind: dict[CueKind, float] = {}
        self._last_by_text: dict[str, float] = {}
        self._last_by_topic: dict[str, tuple[float, str]] = {}
        self.dropped = 0

    def admit(self, cue: Cue, *, tracking_ok: bool = True, closed: bool = False) -> bool:
        """Whether ``cue`` is given now; records it when admitted."""
        if cue.kind is not CueKind.SAFETY:
            if closed or (not tracking_ok and cue.kind in TRACKING_DEPENDENT):
                return self._drop()
            last = self._last_by_kind.get(cue.kind)
            if last is not None and cue.t_s - last < self._interval.get(cue.kind, 0.0):
                return self._drop()
            said = self._last_by_text.get(cue.text)
            if (
                said is not None
                and cue.kind in TRACKING_DEPENDENT
                and cue.t_s - said < self.settings.repeat_window_s
            ):
                return self._drop()
            if cue.topic:
                previous = self._last_by_topic.get(cue.topic)
                if (
                    previous is not None
                    and previous[1] != cue.text
                    and cue.t_s - previous[0] < self.settings.contradiction_window_s
                ):
                    return self._drop()
        self._last_by_kind[cue.kind] = cue.t_s
        self._last_by_text[cue.text] = cue.t_s
        if cue.topic:
            self._last_by_topic[cue.topic] = (cue.t_s, cue.text)
        return True

    def _drop(self) -> bool:
        self.dropped += 1
        return False
