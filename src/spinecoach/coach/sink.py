"""Where the engine sends what happened: a small Protocol the store (or a test) implements."""

from __future__ import annotations

from typing import Protocol

from spinecoach.coach.cues import Cue
from spinecoach.coach.results import ExerciseResult, PainCheck, SessionStart, SessionSummary


class SessionSink(Protocol):
    """Receives session events as they happen; each call should persist at once.

    The engine calls :meth:`on_exercise_finished` the moment an exercise ends, so a crash
    loses at most the exercise in progress.
    """

    def on_session_started(self, start: SessionStart) -> None:
        """The session began (before the first check-in)."""
        ...

    def on_exercise_finished(self, result: ExerciseResult) -> None:
        """An exercise ended (completed, stopped, regressed or skipped)."""
        ...

    def on_pain_report(self, check: PainCheck) -> None:
        """A pain check-in or symptom report was made and decided."""
        ...

    def on_session_finished(self, summary: SessionSummary) -> None:
        """The session ended."""
        ...

    def record_sample(self, channel: str, t_s: float, value_deg: float | None, label: str) -> None:
        """One measured angle of the exercise in progress, for the session review's trace.

        ``channel`` is ``camera`` (keypoints) or ``imu`` (the sensor steering the session);
        the sink may thin or bound what it keeps.
        """
        ...

    def record_cue(self, cue: Cue) -> None:
        """A cue the engine gave (shown or spoken), for the session review."""
        ...


class NullSink:
    """A sink that keeps nothing."""

    def on_session_started(self, start: SessionStart) -> None:
        """Ignore."""

    def on_exercise_finished(self, result: ExerciseResult) -> None:
        """Ignore."""

    def on_pain_report(self, check: PainCheck) -> None:
        """Ignore."""

    def on_session_finished(self, summary: SessionSummary) -> None:
        """Ignore."""

    def record_sample(self, channel: str, t_s: float, value_deg: float | None, label: str) -> None:
        """Ignore."""

    def record_cue(self, cue: Cue) -> None:
        """Ignore."""


class MemorySink:
    """A sink that keeps everything in lists (tests, previews)."""

    def __init__(self) -> None:
        self.started: list[SessionStart] = []
        self.results: list[ExerciseResult] = []
        self.pain: list[PainCheck] = []
        self.summaries: list[SessionSummary] = []
        self.samples: list[tuple[str, float, float | None, str]] = []
        self.cues: list[Cue] = []

    def on_session_started(self, start: SessionStart) -> None:
        """Keep the start."""
        self.started.append(start)

    def on_exercise_finished(self, result: ExerciseResult) -> None:
        """Keep the result."""
        self.results.append(result)

    def on_pain_report(self, check: PainCheck) -> None:
        """Keep the check-in."""
        self.pain.append(check)

    def on_session_finished(self, summary: SessionSummary) -> None:
        """Keep the summary."""
        self.summaries.append(summary)

    def record_sample(self, channel: str, t_s: float, value_deg: float | None, label: str) -> None:
        """Keep the sample."""
        self.samples.append((channel, t_s, value_deg, label))

    def record_cue(self, cue: Cue) -> None:
        """Keep the cue."""
        self.cues.append(cue)
