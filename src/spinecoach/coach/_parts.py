"""The session engine's small parts, each with its own state (internal to the coach).

* :class:`HoldTimer` - the one held-time sum of a sensor-gated hold;
* :class:`RepPacer` - the one tempo loop of a measured set (phase, cycle end, breath);
* :class:`TrackingState` - whether the sensor sees the person, and since when not;
* intents - what an event handler asks the engine to do (:mod:`spinecoach.coach._events`
  returns them, :class:`~spinecoach.coach.engine.SessionEngine` applies them);
* :class:`EngineView` - the read-only view of the engine that handlers and stop-rule
  actions are written against, so no engine file imports the engine back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from spinecoach.domain.cues import CueKind
from spinecoach.domain.exercise import Breath, Exercise, TempoPhase
from spinecoach.motion.types import FormFlag, Hold, Repetition

if TYPE_CHECKING:
    from spinecoach.coach.run import ExerciseRun
    from spinecoach.coach.timeline import Step


class HoldTimer:
    """Held time of one gated hold: runs while the position is held, pauses when it is left."""

    def __init__(self) -> None:
        self.held_s = 0.0
        self.since: float | None = None

    def reset(self) -> None:
        """A new step: nothing held yet."""
        self.held_s = 0.0
        self.since = None

    @property
    def running(self) -> bool:
        """Whether the position is held now."""
        return self.since is not None

    def start(self, t: float) -> None:
        """The position is (again) held from ``t``."""
        if self.since is None:
            self.since = t

    def pause(self, t: float) -> None:
        """The position was left at ``t``: the time held so far is kept."""
        if self.since is not None:
            self.held_s += t - self.since
            self.since = None

    def credit(self, seconds: float) -> None:
        """At least ``seconds`` were held (the analyser confirms holds after a delay)."""
        self.held_s = max(self.held_s, seconds)

    def held(self, now: float) -> float:
        """Seconds held by ``now``."""
        return self.held_s + (now - self.since if self.since is not None else 0.0)

    def base(self) -> float:
        """The virtual start of the held time (when running): ``now - held(now)``."""
        assert self.since is not None
        return self.since - self.held_s


def cycle_seconds(tempo: Sequence[TempoPhase]) -> float:
    """Seconds of one tempo cycle (one repetition)."""
    return sum(p.seconds for p in tempo)


class RepPacer:
    """The tempo loop of a measured set: which phase is due, when the set ends by the clock."""

    def __init__(self) -> None:
        self.cycle_start_s = 0.0
        self.set_reps = 0
        self.last_key: tuple[int, int] | None = None
        self._tempo: Sequence[TempoPhase] | None = None
        self._cycle_s = 0.0
        #: The announced phase's span ``(from, until)``: no new phase is due inside it.
        self._span = (0.0, -1.0)

    def cycle_s(self, tempo: Sequence[TempoPhase]) -> float:
        """:func:`cycle_seconds` of ``tempo``, kept while the same tempo is paced."""
        if tempo is not self._tempo:
            self._tempo = tempo
            self._cycle_s = cycle_seconds(tempo)
        return self._cycle_s

    def reset(self, t: float) -> None:
        """A new step at ``t``."""
        self.cycle_start_s = t
        self.set_reps = 0
        self.last_key = None
        self._span = (0.0, -1.0)

    def count(self, t: float) -> None:
        """A measured repetition at ``t``: the tempo cycle restarts."""
        self.set_reps += 1
        self.cycle_start_s = t
        self.last_key = None
        self._span = (0.0, -1.0)

    def phase_at(
        self, tempo: Sequence[TempoPhase], now: float
    ) -> tuple[tuple[int, int], TempoPhase, float] | None:
        """The phase due at ``now``: ``((cycle, index), phase, start time)`` (None: no tempo)."""
        if tempo is not self._tempo:  # inline cycle_s(): this runs on every tick of a set
            self._tempo, self._cycle_s = tempo, cycle_seconds(tempo)
        cycle_s = self._cycle_s
        if cycle_s <= 0:
            return None
        elapsed = now - self.cycle_start_s
        cycle = int(elapsed // cycle_s)
        within = elapsed - cycle * cycle_s
        acc = 0.0
        index = 0
        for index, phase in enumerate(tempo):  # noqa: B007
            if within < acc + phase.seconds:
                break
            acc += phase.seconds
        return (cycle, index), tempo[index], self.cycle_start_s + cycle * cycle_s + acc

    def new_phase(
        self, tempo: Sequence[TempoPhase], now: float
    ) -> tuple[tuple[int, int], TempoPhase, float] | None:
        """:meth:`phase_at`, only when it is a phase not announced yet."""
        start, until = self._span
        if start <= now < until and tempo is self._tempo:
            return None  # still inside the phase announced last (most ticks)
        due = self.phase_at(tempo, now)
        if due is None or due[0] == self.last_key:
            return None
        self.last_key = due[0]
        # A margin keeps a tick within rounding of the phase's end on the exact path.
        self._span = (due[2], due[2] + due[1].seconds - 1e-9)
        return due

    def end_s(self, tempo: Sequence[TempoPhase], reps: int) -> float:
        """When the set ends by the clock (the repetitions left at the tempo)."""
        return self.cycle_start_s + self.cycle_s(tempo) * max(reps - self.set_reps, 0)

    def breath_at(self, tempo: Sequence[TempoPhase], now: float) -> Breath:
        """The breath of the phase due at ``now``."""
        due = self.phase_at(tempo, now)
        return due[1].breath if due is not None else tempo[-1].breath


class TrackingState:
    """Whether the sensor sees the person, and since when it does not."""

    def __init__(self) -> None:
        self.ok = True
        self.lost_since: float | None = None

    def lose(self, t: float) -> bool:
        """Tracking lost at ``t``; False when it already was."""
        if not self.ok:
            return False
        self.ok = False
        self.lost_since = t
        return True

    def restore(self) -> float | None:
        """Tracking is back; returns when it was lost (None when it was not)."""
        if self.ok:
            return None
        self.ok = True
        since, self.lost_since = self.lost_since, None
        return since

    def reset(self) -> None:
        """No sensor any more: nothing to lose."""
        self.ok = True
        self.lost_since = None


class TrackingAnnouncer:
    """What the person is told about tracking, with hysteresis.

    The sensor's own tracking state (:class:`TrackingState`) mutes feedback at once; the
    person is told only once that state has held for a while: "I can't see you" after
    ``lost_after_s`` without a break, "I can see you again" after ``back_after_s`` of good
    tracking without a break. A flickering view is therefore announced once, not every few
    seconds, and the on-screen banner (:attr:`notice`) changes exactly when a cue is spoken.

    Parameters
    ----------
    lost_after_s : float
        How long tracking must stay lost before it is announced (s).
    back_after_s : float
        How long tracking must stay good before its return is announced (s).
    """

    def __init__(self, lost_after_s: float = 1.5, back_after_s: float = 3.0) -> None:
        self.lost_after_s = lost_after_s
        self.back_after_s = back_after_s
        self.notice: str | None = None  # the lost message while it is shown
        self._good_since: float | None = None

    @property
    def shown_ok(self) -> bool:
        """Whether the person is currently told that they are seen."""
        return self.notice is None

    def update(self, tracking: TrackingState, now: float, lost_text: str) -> str | None:
        """Compare the sensor's state with what was announced at ``now``.

        Returns
        -------
        str or None
            ``"lost"`` or ``"back"`` when the announcement changes (say it once), else None.
        """
        if not tracking.ok:
            self._good_since = None
            since = tracking.lost_since if tracking.lost_since is not None else now
            if self.notice is None and now - since >= self.lost_after_s - 1e-9:
                self.notice = lost_text
                return "lost"
            return None
        if self._good_since is None:
            self._good_since = now
        if self.notice is not None and now - self._good_since >= self.back_after_s - 1e-9:
            self.notice = None
            return "back"
        return None

    def restored_at(self, t: float) -> None:
        """Tracking came back at ``t`` (starts the good-tracking dwell there)."""
        self._good_since = t

    def reset(self) -> None:
        """No sensor any more: nothing to announce."""
        self.notice = None
        self._good_since = None


# ---------------------------------------------------------------------------- intents
# Intents are built by a handler and read once by the engine, on every motion event: plain
# slotted dataclasses (a frozen dataclass's __init__ costs about 2.5 times as much, which
# showed in the event -> cue latency of ``python -m bench.coach``). Nothing changes them.


class Act(Enum):
    """What an :class:`At` intent asks the engine to do at its time."""

    #: The current step is done.
    COMPLETE_STEP = "complete_step"
    #: A measured repetition counts in the current set (the tempo cycle restarts).
    COUNT_REP = "count_rep"
    #: The hold timer runs (again).
    START_HOLD = "start_hold"
    #: The person was just guided back into position (no other guidance for a while).
    GUIDED = "guided"
    #: The sensor cannot see the person.
    LOSE_TRACKING = "lose_tracking"
    #: The sensor sees the person again.
    RESTORE_TRACKING = "restore_tracking"


@dataclass(slots=True)
class At:
    """Do ``act`` at time ``t`` (the intents that carry nothing but a time)."""

    act: Act
    t: float


@dataclass(slots=True)
class Say:
    """Give a cue (through the gate)."""

    t: float
    kind: CueKind
    text: str
    topic: str = ""
    force: bool = False


@dataclass(slots=True)
class RecordRepetition:
    """A measured repetition's range is recorded for the exercise."""

    repetition: Repetition | None


@dataclass(slots=True)
class RecordForm:
    """A form flag is recorded for the exercise."""

    flag: FormFlag


@dataclass(slots=True)
class PauseHold:
    """The hold timer pauses at ``t`` (crediting what the analyser measured)."""

    t: float
    measured: Hold | None = None


@dataclass(slots=True)
class SensorHolding:
    """The analyser says the position is (not) held, whatever the step."""

    holding: bool


Intent = Say | At | RecordRepetition | RecordForm | PauseHold | SensorHolding


class EngineView(Protocol):
    """What event handlers and stop-rule actions read of the engine."""

    @property
    def step(self) -> Step | None:
        """The current step."""
        ...

    @property
    def run(self) -> ExerciseRun | None:
        """The exercise run in progress."""
        ...

    @property
    def tracking_ok(self) -> bool:
        """Whether the sensor sees the person."""
        ...

    @property
    def hold(self) -> HoldTimer:
        """The hold timer of the current step."""
        ...

    @property
    def pacer(self) -> RepPacer:
        """The tempo loop of the current step."""
        ...

    @property
    def library(self) -> Mapping[str, Exercise]:
        """Exercises by id (regressions are looked up here)."""
        ...
