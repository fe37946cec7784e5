"""Sensor plug-ins beside the main source: how their cues and summaries reach the engine.

A plug-in (``spinecoach.sources.<name>``: the smart resistance band, surface EMG...) turns
its stream into a :class:`SensorChannel`. A :class:`SensorHost` connects channels to a
:class:`~spinecoach.coach.engine.SessionEngine` the same way for every front end: it tells a
channel when an exercise starts, passes on its cues (through the engine's cue gate) and keeps
its summary of the exercise with the exercise's result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from spinecoach.domain.cues import Cue, CueKind
from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import _

if TYPE_CHECKING:
    from spinecoach.coach.engine import SessionEngine

SensorCue = tuple[CueKind, str, str]  # (kind, text, topic)


class SensorChannel(Protocol):
    """One sensor plug-in's live state (see docs/sensor-plugins.md)."""

    name: str

    def start_exercise(self, exercise: Exercise | None) -> None:
        """A new exercise run begins (None: between exercises); per-exercise tallies reset."""
        ...

    def coach(self, exercise: Exercise | None, phase: str | None) -> Sequence[SensorCue]:
        """Cues due now from what was pushed since the last call (``phase``: the step kind)."""
        ...

    def readout(self) -> Mapping[str, object]:
        """What the page shows now (JSON-ready)."""
        ...

    def summary(self) -> Mapping[str, object]:
        """The current exercise run's result (JSON-ready), stored with the exercise."""
        ...


class SensorHost:
    """Channels beside the main source, connected to an engine.

    Parameters
    ----------
    channels : mapping of name to SensorChannel
    """

    def __init__(self, channels: Mapping[str, SensorChannel]) -> None:
        self.channels = dict(channels)
        self._run: object = None

    def step(self, engine: SessionEngine, angle_deg: float | None = None) -> list[Cue]:
        """Bring every channel up to date with the engine; return the cues given.

        ``angle_deg`` is the main source's flexion now (the analysed measure's excursion),
        for channels that relate to it (``note_angle``: the EMG's flexion-relaxation ratio).
        """
        exercise = engine.current_exercise
        run = (len(engine.results), exercise.id if exercise is not None else None)
        if run != self._run:
            self._run = run
            for channel in self.channels.values():
                channel.start_exercise(exercise)
        phase = engine.movement_phase
        cues: list[Cue] = []
        for name, channel in self.channels.items():
            note_angle = getattr(channel, "note_angle", None)
            if note_angle is not None:
                note_angle(angle_deg)
            due = channel.coach(exercise, phase)
            if due:  # channels give message ids: said in the bound language
                cues += engine.report_sensor([(kind, _(text), topic) for kind, text, topic in due])
            if exercise is not None:
                engine.note_sensor(name, channel.summary())
        return cues

    def readouts(self) -> dict[str, object]:
        """Every channel's readout, by name."""
        out: dict[str, object] = {}
        for name, channel in self.channels.items():
            readout = dict(channel.readout())
            label = readout.get("label")
            if isinstance(label, str):
                readout["label"] = _(label)
            out[name] = readout
        return out
