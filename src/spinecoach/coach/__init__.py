"""Guided sessions: a plan becomes a timeline of cues, steered by motion events and stop rules.

Pure: imports the domain and motion cores only; time comes from an injected clock and results
go to an injected sink. See docs/sessions.md.

Public API::

    from spinecoach.coach import SessionEngine, EngineOptions, MonotonicClock, MemorySink
"""

from spinecoach.coach.clock import Clock, FakeClock, MonotonicClock
from spinecoach.coach.cues import Cue, CueKind
from spinecoach.coach.driver import SessionDriver
from spinecoach.coach.engine import EngineOptions, SessionEngine
from spinecoach.coach.feed import Frame, MotionFeed
from spinecoach.coach.results import ExerciseResult, PainCheck, SessionStart, SessionSummary
from spinecoach.coach.sink import MemorySink, NullSink, SessionSink
from spinecoach.coach.timeline import Step, StepKind, TimelineOptions

__all__ = [
    "Clock",
    "Cue",
    "CueKind",
    "EngineOptions",
    "ExerciseResult",
    "FakeClock",
    "Frame",
    "MemorySink",
    "MonotonicClock",
    "MotionFeed",
    "NullSink",
    "PainCheck",
    "SessionDriver",
    "SessionEngine",
    "SessionSink",
    "SessionStart",
    "SessionSummary",
    "Step",
    "StepKind",
    "TimelineOptions",
]
