"""The session engine: walks a plan's timeline against a clock, steered by motion events.

One class, :class:`SessionEngine`, is the whole API a front end needs (terminal, web socket,
tests)::

    engine = SessionEngine(plan, exercises, rules, clock=clock, sink=sink, sensor=True)
    engine.start()
    cues = engine.tick()                   # call often (e.g. 10-30 Hz)
    cues = engine.on_motion_event(event)   # from a StreamingAnalyzer
    cues = engine.report_pain(3)           # check-ins, or pain at any moment
    cues = engine.report_symptoms({"numbness"})   # the "something is wrong" button
    engine.skip(); engine.stop(); engine.pause(); engine.resume()
    engine.state()                         # JSON-ready snapshot for UIs

Every call returns the cues given by it (already rate-limited and gated); ``engine.cues``
keeps them all. Time is read from the injected clock only; results go to the injected sink
the moment each exercise ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from spinecoach.coach._events import BACK_INTO_POSITION, EVENT_HANDLERS, lost_tracking_text
from spinecoach.coach._parts import (
    Act,
    At,
    HoldTimer,
    Intent,
    PauseHold,
    RecordForm,
    RecordRepetition,
    RepPacer,
    Say,
    SensorHolding,
    TrackingAnnouncer,
    TrackingState,
)
from spinecoach.coach._safety import apply_decision, record_check
from spinecoach.coach.clock import Clock
from spinecoach.coach.cues import Cue, CueGate, CueKind, make_cue
from spinecoach.coach.engine_options import EngineOptions
from spinecoach.coach.results import ExerciseResult, PainCheck, SessionStart, SessionSummary
from spinecoach.coach.run import ExerciseRun
from spinecoach.coach.sink import NullSink, SessionSink
from spinecoach.coach.timeline import (
    Step,
    StepKind,
    build_timeline,
    phase_words,
)
from spinecoach.domain.cues import CheckinKind
from spinecoach.domain.exercise import Breath, Exercise, ExerciseLibrary
from spinecoach.domain.i18n import _
from spinecoach.domain.plan import Plan
from spinecoach.domain.rules import Rules
from spinecoach.domain.safety import evaluate_checkin
from spinecoach.errors import InvalidInput
from spinecoach.motion.types import EventKind, MotionEvent

log = logging.getLogger(__name__)

#: Seconds before the end of a step at which "3", "2", "1" are counted (steps >= 5 s).
COUNTDOWN_FROM = 3
#: Gated holds and measured sets re-guide the person at most this often (seconds).
GUIDE_EVERY_S = 8.0


class SessionEngine:
    """A guided session as a state machine fed by a clock, motion events and reports.

    Parameters
    ----------
    plan : Plan
        Today's routine (its items' doses are used).
    library : ExerciseLibrary or mapping of id to Exercise
        Where exercises (and their regressions) are looked up.
    rules : Rules
        Stop rules and pain thresholds.
    clock : Clock
        Source of time in seconds; the only one the engine reads.
    sink : SessionSink, optional
        Receives results as they happen (defaults to :class:`NullSink`).
    sensor : bool
        Whether a sensor steers the session: repetitions count only when measured and holds
        run only while held. Without one, everything runs on the clock.
    options : EngineOptions, optional
    sensor_for : callable, optional
        Per exercise, whether the sensor can measure it (e.g. an IMU cannot see every
        exercise); exercises it cannot measure run on the clock.
    """

    def __init__(
        self,
        plan: Plan,
        library: ExerciseLibrary | Mapping[str, Exercise],
        rules: Rules,
        *,
        clock: Clock,
        sink: SessionSink | None = None,
        sensor: bool = False,
        options: EngineOptions | None = None,
        sensor_for: Callable[[Exercise], bool] | None = None,
    ) -> None:
        self.plan = plan
        self._library: Mapping[str, Exercise] = (
            library.exercises if isinstance(library, ExerciseLibrary) else library
        )
        self.rules = rules
        self.clock = clock
        self.sink: SessionSink = sink or NullSink()
        self.sensor = sensor
        self.sensor_active = sensor
        self._sensor_for = sensor_for
        self.options = options or EngineOptions()
        self.gate = CueGate(self.options.gate)
        exercises = [self._exercise(item.exercise_id) for item in plan.items]
        opening, segments, closing = build_timeline(
            plan, exercises, sensor=sensor, options=self.options.timeline, sensor_for=sensor_for
        )
        self._steps: list[Step] = opening + [s for seg in segments for s in seg] + closing
        self._doses = {n: item.dose for n, item in enumerate(plan.items)}
        self._exercises = dict(enumerate(exercises))
        self._next_index = len(exercises)
        self.cues: list[Cue] = []
        self.results: list[ExerciseResult] = []
        self.checks: list[PainCheck] = []
        self._i = -1
        #: The current step (None before the start and after the end); read-only outside.
        self.step: Step | None = None
        self._step_start_s = 0.0
        self._started = False
        self.finished = False
        self.status = "not_started"
        self._paused_at: float | None = None
        self._paused_total_s = 0.0
        self.stop_notice: str | None = None
        #: The exercise run in progress (None between exercises); read-only outside.
        self.run: ExerciseRun | None = None
        self.pain_before: int | None = None
        self.pain_after: int | None = None
        self._baseline: int | None = None
        self._end_reasons: tuple[str, ...] = ()
        self._seek_care: str | None = None
        # sensor state, in small parts of their own
        self.tracking = TrackingState()
        self.announcer = TrackingAnnouncer(
            self.options.tracking_lost_after_s, self.options.tracking_back_after_s
        )
        self._lost_detail = ""
        self.hold = HoldTimer()
        self.pacer = RepPacer()
        self._last_guide_s = -1e9
        self._counted: set[int] = set()
        self._said_half = False
        self._rep_short = False
        self._rep_measured = False
        self._last_setup_advice = ""
        self._last_setup_s = -1e9
        self._sensor_holding = False

    # ------------------------------------------------------------------ public API

    def start(self) -> list[Cue]:
        """Begin the session (first step: the pain check-in before starting)."""
        if self._started:
            return []
        self._started = True
        self.status = "running"
        now = self._now()
        self.sink.on_session_started(
            SessionStart(now, tuple(i.exercise_id for i in self.plan.items), self.sensor)
        )
        out: list[Cue] = []
        if not self.plan.items:
            self._finish(now, "completed", (_("Nothing planned today."),), out)
            return out
        self._enter(0, now, out)
        return out

    def tick(self, now_s: float | None = None) -> list[Cue]:
        """Advance to ``now_s`` (or the clock's now); returns the cues due by then."""
        out: list[Cue] = []
        if not self._started or self.finished or self._paused_at is not None:
            return out
        now = self._now() if now_s is None else now_s - self._paused_total_s
        self._advance(now, out)
        return out

    def on_motion_event(self, event: MotionEvent) -> list[Cue]:
        """Feed one event from the streaming analysis (repetition, hold, form, tracking)."""
        out: list[Cue] = []
        if not self._started or self.finished or self._paused_at is not None:
            return out
        now = self._now()
        self._advance(now, out)
        if self.finished:
            return out
        if event.kind is EventKind.TRACKING_LOST and self.tracking.ok:
            self._lost_detail = event.detail or ""  # said once the loss has lasted
        handler = EVENT_HANDLERS.get(event.kind)
        intents = handler(self, event, now) if handler is not None else None
        if intents:  # handlers only read the engine: without intents nothing changed
            self._apply(intents, out)
            self._advance(now, out)
        return out

    def report_pain(self, pain: int) -> list[Cue]:
        """A pain rating 0-10: answers the current check-in, or is a report at any moment."""
        if isinstance(pain, bool) or not isinstance(pain, int) or not 0 <= pain <= 10:
            raise InvalidInput(
                _("pain: expected a whole number 0-10, got {pain}").format(pain=repr(pain))
            )
        out: list[Cue] = []
        if not self._started or self.finished:
            return out
        now = self._now()
        self._advance(now, out)
        step = self.step
        kind = (
            CheckinKind(step.checkin)
            if step is not None and step.kind is StepKind.CHECKIN
            else CheckinKind.DURING
        )
        if kind is CheckinKind.BEFORE:
            self.pain_before = pain
            self._baseline = pain
        if kind is CheckinKind.END:
            self.pain_after = pain
        if self.run is not None:
            self.run.add_pain(pain)
        baseline = self._baseline if self._baseline is not None else pain
        decision = evaluate_checkin(
            pain, baseline, frozenset(), self.rules, pain_limit=self.options.pain_limit
        )
        record_check(self, now, kind, pain, frozenset(), decision)
        apply_decision(self, decision, now, kind, out)
        if not self.finished and kind is not CheckinKind.DURING and self.step is step:
            self._complete_step(now, out)
        self._advance(now, out)
        return out

    def report_symptoms(
        self, symptoms: Mapping[str, bool] | Iterable[str], pain: int | None = None
    ) -> list[Cue]:
        """The "something is wrong" report: symptom ids (and optional pain) at any moment.

        Parameters
        ----------
        symptoms : mapping of symptom id to bool, or iterable of ids
            Ids of ``rules.stop_rules`` (``numbness``, ``below_knee``, ...).
        pain : int, optional
            Current pain 0-10.
        """
        present = (
            frozenset(k for k, v in symptoms.items() if v)
            if isinstance(symptoms, Mapping)
            else frozenset(symptoms)
        )
        out: list[Cue] = []
        if not self._started or self.finished:
            return out
        now = self._now()
        self._advance(now, out)
        if pain is not None and self.run is not None:
            self.run.add_pain(pain)
        decision = evaluate_checkin(
            pain, self._baseline, present, self.rules, pain_limit=self.options.pain_limit
        )
        record_check(self, now, CheckinKind.SYMPTOM, pain, present, decision)
        apply_decision(self, decision, now, CheckinKind.SYMPTOM, out, always_say=True)
        self._advance(now, out)
        return out

    def skip(self) -> list[Cue]:
        """Skip the current check-in or set-up step, or the rest of the current exercise."""
        out: list[Cue] = []
        if not self._started or self.finished:
            return out
        now = self._now()
        self._advance(now, out)
        step = self.step
        if step is None:
            return out
        if self.run is not None and step.kind is not StepKind.CHECKIN:
            name = _(self.run.exercise.name)
            self._say(now, CueKind.INSTRUCTION, _("Skipping {name}.").format(name=name), out)
            self._end_exercise_early(now, "skipped", (_("Skipped by you."),), out)
        else:
            self._complete_step(now, out)
        self._advance(now, out)
        return out

    def stop(self, reason: str = "Stopped by you.") -> list[Cue]:
        """End the session now (the exercise in progress is recorded as stopped)."""
        out: list[Cue] = []
        if not self._started or self.finished:
            return out
        now = self._now()
        if self.run is not None:
            self._close_run(now, "stopped", (reason,))
        self._finish(now, "stopped", (reason,), out)
        return out

    def pause(self) -> None:
        """Freeze every timer (e.g. while the person answers a symptom check)."""
        if self._paused_at is None and not self.finished:
            self._paused_at = self.clock.now()

    def resume(self) -> None:
        """Continue after :meth:`pause`; timers resume where they stopped (a stop message
        waiting for :meth:`acknowledge_stop` keeps them frozen)."""
        if self._paused_at is not None and self.stop_notice is None:
            self._paused_total_s += self.clock.now() - self._paused_at
            self._paused_at = None

    def hold_for_stop(self, text: str) -> None:
        """Freeze the session on a stop message until the person acknowledges it (when the
        ``wait_for_stop_ack`` option is on)."""
        if self.options.wait_for_stop_ack and not self.finished:
            self.stop_notice = text
            self.pause()

    def acknowledge_stop(self) -> list[Cue]:
        """The person read the stop message: timers run again (the next step starts now)."""
        if self.stop_notice is None:
            return []
        self.stop_notice = None
        self.resume()
        return []

    def report_setup(self, ok: bool, advice: Sequence[str] = ()) -> list[Cue]:
        """A camera set-up check result, used during the set-up step.

        Parameters
        ----------
        ok : bool
            The person is in frame, in the right view and at a good distance.
        advice : sequence of str
            Plain instructions, most important first ("Turn side-on to the camera.").

        Returns
        -------
        list of Cue
            The first instruction when it changes (or every 8 s); when ``ok``, a confirmation
            and the set-up step ends early.
        """
        out: list[Cue] = []
        step = self.step
        if not self._started or self.finished or step is None or step.kind is not StepKind.SETUP:
            return out
        now = self._now()
        self._advance(now, out)
        if self.step is not step:
            return out
        if ok:
            self._say(now, CueKind.INSTRUCTION, _("Good: I can see you well."), out)
            self._complete_step(now, out)
            return out
        if advice:
            text = advice[0]
            if text != self._last_setup_advice or now - self._last_setup_s >= GUIDE_EVERY_S:
                self._last_setup_advice, self._last_setup_s = text, now
                self._say(now, CueKind.INSTRUCTION, _(text), out)
        return out

    @property
    def setup_view(self) -> str | None:
        """During the set-up step with a sensor: the camera view the first exercise needs."""
        step = self.step
        if step is None or step.kind is not StepKind.SETUP or not self.sensor_active:
            return None
        first = self._exercises.get(0)
        return first.signature.view.value if first is not None else "any"

    def end_sensor(self, reason: str = "the sensor stopped") -> list[Cue]:
        """The sensor is gone (recording ended, camera unplugged): carry on by the clock.

        Sensor-gated holds then run on the clock from where they were, measured sets end after
        their prescribed time, and later exercises run as without a sensor. Repetitions
        measured so far stay measured.
        """
        out: list[Cue] = []
        if not self.sensor_active or self.finished:
            return out
        now = self._now()
        self._advance(now, out)
        self.sensor_active = False
        if self.run is not None and self.run.measured:
            self.run.sensor_ended = True
        self.tracking.reset()
        self.announcer.reset()
        step = self.step
        if step is not None and step.kind is StepKind.HOLD and step.gated:
            self.hold.pause(now)
            self._step_start_s = now - self.hold.held_s
        said = _("{reason}; I'll carry on with the timer.").format(reason=_(reason).capitalize())
        self._say(now, CueKind.INSTRUCTION, said, out, force=True)
        self._advance(now, out)
        return out

    def report_sensor(self, cues: Sequence[tuple[CueKind, str, str]]) -> list[Cue]:
        """Cues from a sensor plug-in beside the main source (band, muscle activity).

        Parameters
        ----------
        cues : sequence of (kind, text, topic)
            Given through the same gate as every cue (rate limits, no contradictions).

        Returns
        -------
        list of Cue
            Those given.
        """
        out: list[Cue] = []
        if not self._started or self.finished or self._paused_at is not None:
            return out
        now = self._now()
        self._advance(now, out)
        for kind, text, topic in cues:
            self._say(now, kind, text, out, topic=topic)
        return out

    def note_sensor(self, name: str, summary: Mapping[str, object]) -> None:
        """Keep a sensor plug-in's summary of the exercise in progress; it is stored with the
        exercise's result (``tracking.sensors.<name>``)."""
        if self.run is not None and not self.finished:
            self.run.sensors[name] = dict(summary)

    @property
    def movement_phase(self) -> str | None:
        """What the person does now: ``hold``, ``reps``, ``phase``, ... (None between
        exercises); sensor plug-ins coach by it (e.g. relax cues during a stretch hold)."""
        step = self.step
        if step is None or self.finished or not self.accepts_motion:
            return None
        return step.kind.value

    def _measured(self, exercise: Exercise) -> bool:
        if not self.sensor_active:
            return False
        return self._sensor_for is None or self._sensor_for(exercise)

    @property
    def accepts_motion(self) -> bool:
        """Whether the person is doing the exercise now (its steps after the instructions).

        Recorded inputs are consumed only then, so a recording lines up with the exercise.
        """
        step = self.step
        return (
            step is not None
            and not self.finished
            and step.exercise_index >= 0
            and step.kind not in (StepKind.INSTRUCTION, StepKind.CHECKIN)
        )

    @property
    def current_exercise(self) -> Exercise | None:
        """The exercise in progress, if any."""
        return self.run.exercise if self.run is not None else None

    def state(self) -> dict[str, object]:
        """A JSON-ready snapshot for UIs.

        Returns
        -------
        dict
            ``status`` (not_started, running, paused, waiting_for_pain, finished/...),
            ``t_s``, ``step`` {kind, text, phase, exercise_id, exercise_name, side, set, sets,
            rep, reps}, ``exercise_number`` / ``exercise_count``, ``countdown_s``,
            ``breath`` (inhale/exhale/hold/natural or null), ``reps_done`` / ``reps_target``
            (this exercise), ``holding``, ``tracking_ok``, ``sensor``, ``accepts_motion``,
            ``tracking_notice`` (the "I can't see you" message while it is announced: the
            banner shows exactly what was said), ``awaiting`` ("pain" at check-ins,
            "acknowledge_stop" while a stop message waits),
            ``stop_notice`` (that message), ``last_cues`` (the last 5 cues).
        """
        now = self._now()
        step = self.step
        status = self.status
        if self.stop_notice is not None and not self.finished:
            status = "awaiting_acknowledgement"
        elif self._paused_at is not None:
            status = "paused"
        elif step is not None and step.kind is StepKind.CHECKIN and not self.finished:
            status = "waiting_for_pain"
        run = self.run
        step_json: dict[str, object] | None = None
        if step is not None and not self.finished:
            step_json = {
                "kind": step.kind.value,
                "text": step.text,
                "phase": step.phase_name or step.kind.value,
                "exercise_id": step.exercise_id or None,
                "exercise_name": _(run.exercise.name) if run is not None else None,
                "side": step.side.value,
                "set": step.set_index,
                "sets": step.sets,
                "rep": self.pacer.set_reps + 1 if step.kind is StepKind.REPS else step.rep,
                "reps": step.reps,
                "effort_pct": step.effort_pct,
            }
        return {
            "status": status,
            "t_s": round(now, 3),
            "step": step_json,
            "exercise_number": (run.index + 1) if run is not None else None,
            "exercise_count": len(self.plan.items),
            "countdown_s": None if self.finished or self.stop_notice else self._countdown(now),
            "breath": self._breath(now),
            "reps_done": run.reps_done if run is not None else 0,
            "reps_target": run.reps_target if run is not None else 0,
            "holding": self.hold.running,
            "tracking_ok": self.tracking.ok,
            "tracking_notice": None if self.finished else self.announcer.notice,
            "sensor": self.sensor,
            "accepts_motion": self.accepts_motion,
            "awaiting": {
                "waiting_for_pain": "pain",
                "awaiting_acknowledgement": "acknowledge_stop",
            }.get(status),
            "stop_notice": None if self.finished else self.stop_notice,
            "last_cues": [c.to_dict() for c in self.cues[-5:]],
            "results": len(self.results),
        }

    # ------------------------------------------------------------------ parts and intents

    @property
    def tracking_ok(self) -> bool:
        """Whether the sensor sees the person (feedback is muted while it does not)."""
        return self.tracking.ok

    @property
    def library(self) -> Mapping[str, Exercise]:
        """Exercises by id."""
        return self._library

    def _apply(self, intents: list[Intent], out: list[Cue]) -> None:
        """Carry out what an event handler asked for, in order (the commonest first)."""
        for intent in intents:
            if self.finished:
                return
            if isinstance(intent, Say):
                self._say(intent.t, intent.kind, intent.text, out, topic=intent.topic,
                          force=intent.force)  # fmt: skip
            elif isinstance(intent, At):
                self._apply_at(intent.act, intent.t, out)
            else:
                self._apply_record(intent)

    def _apply_at(self, act: Act, t: float, out: list[Cue]) -> None:
        run = self.run
        if act is Act.COMPLETE_STEP:
            self._complete_step(t, out)
        elif act is Act.COUNT_REP:
            self.pacer.count(t)
            if run is not None:
                run.measured_reps += 1
                run.reps_done += 1
        elif act is Act.START_HOLD:
            self.hold.start(t)
        elif act is Act.GUIDED:
            self._last_guide_s = t
        elif act is Act.LOSE_TRACKING:
            if self.tracking.lose(t) and run is not None:
                run.lost_count += 1
        elif act is Act.RESTORE_TRACKING:
            since = self.tracking.restore()
            if since is not None:
                self.announcer.restored_at(t)
            if since is not None and run is not None:
                run.lost_s += t - max(since, run.started_s)

    def _apply_record(
        self, intent: RecordRepetition | RecordForm | PauseHold | SensorHolding
    ) -> None:
        run = self.run
        if isinstance(intent, RecordRepetition):
            if run is not None:
                run.add_repetition(intent.repetition)
        elif isinstance(intent, RecordForm):
            if run is not None:
                run.add_form_flag(intent.flag)
        elif isinstance(intent, PauseHold):
            self.hold.pause(intent.t)
            if intent.measured is not None:
                self.hold.credit(intent.measured.duration_s)
        else:
            self._sensor_holding = intent.holding

    # ------------------------------------------------------------------ stepping

    def _now(self) -> float:
        if self._paused_at is not None:
            return self._paused_at - self._paused_total_s
        return self.clock.now() - self._paused_total_s

    def _exercise(self, exercise_id: str) -> Exercise:
        try:
            return self._library[exercise_id]
        except KeyError:
            from spinecoach.errors import UnknownExercise

            raise UnknownExercise(
                _("plan names unknown exercise '{exercise_id}'").format(exercise_id=exercise_id)
            ) from None

    def _advance(self, now: float, out: list[Cue]) -> None:
        """Complete every step whose end is due by ``now``, emitting in-step cues."""
        self._advance_steps(now, out)
        if not self.finished:
            self._announce_tracking(now, out)

    def _advance_steps(self, now: float, out: list[Cue]) -> None:
        guard = 0
        while not self.finished and guard < 100_000:
            guard += 1
            step = self.step
            if step is None:
                return
            end = self._step_end(step, now)
            self._in_step_cues(step, now if end is None or now < end else end, out)
            if end is None or end > now:
                return
            self._complete_step(end, out)

    def _announce_tracking(self, now: float, out: list[Cue]) -> None:
        """Tell the person about a lasting change in tracking, once (hysteresis)."""
        change = self.announcer.update(
            self.tracking, now, lambda: lost_tracking_text(self._lost_detail)
        )
        if change == "lost":
            self._say(now, CueKind.INSTRUCTION, self.announcer.notice or "", out, force=True)
        elif change == "back":
            self._say(now, CueKind.INSTRUCTION, _("I can see you again."), out, force=True)

    def _step_end(self, step: Step, now: float) -> float | None:
        """When the current step ends given what is known at ``now`` (None: waits)."""
        start = self._step_start_s
        if step.kind is StepKind.CHECKIN:
            timeout = self.options.timeline.checkin_timeout_s
            return None if timeout is None else start + timeout
        assert step.duration_s is not None
        if step.gated and not self.sensor_active:
            if step.kind is StepKind.REPS:
                return self.pacer.end_s(step.tempo, step.reps)
            return start + step.duration_s
        if step.kind is StepKind.HOLD and step.gated:
            limit = start + step.duration_s * self.options.timeline.rep_timeout_factor
            limit += self.options.timeline.wait_extra_s
            if self.hold.running and self.tracking.ok:
                return min(limit, self.hold.base() + step.duration_s)
            return limit
        return start + step.duration_s

    def _enter(self, i: int, t: float, out: list[Cue]) -> None:
        """Start step ``i`` at time ``t`` and give its opening cues."""
        self._i = i
        self.step = self._steps[i] if 0 <= i < len(self._steps) else None
        self._step_start_s = t
        self.hold.reset()
        self.pacer.reset(t)
        self._counted = set()
        self._said_half = False
        step = self.step
        if step is None:
            self._finish(t, self._final_status(), self._end_reasons, out)
            return
        if step.starts_rep:
            self._rep_short = False
        if (
            step.kind is StepKind.HOLD
            and step.gated
            and self.sensor_active
            and self._sensor_holding
            and self.tracking.ok
        ):
            self.hold.start(t)  # already in position when the hold begins
            self._opening_cues(step, t, out)
            hold = _("Good, hold it there: {n} seconds.").format(n=f"{step.duration_s:.0f}")
            self._say(t, CueKind.COUNT, hold, out)
            return
        if step.exercise_index >= 0 and (self.run is None or self.run.index != step.exercise_index):
            exercise = self._exercises[step.exercise_index]
            self.run = ExerciseRun(
                exercise,
                self._doses[step.exercise_index],
                step.exercise_index,
                t,
                self._measured(exercise),
            )
            if self.tracking.lost_since is not None:
                self.run.lost_count += 1
        self._opening_cues(step, t, out)

    def _opening_cues(self, step: Step, t: float, out: list[Cue]) -> None:
        if step.kind in (StepKind.PHASE, StepKind.HOLD) and step.starts_rep and step.reps > 1:
            said = _("Repetition {rep} of {reps}.").format(rep=step.rep, reps=step.reps)
            self._say(t, CueKind.COUNT, said, out)
        if step.kind in (StepKind.PHASE, StepKind.PNF_RELAX, StepKind.PNF_DEEPER) and (
            step.breath in (Breath.INHALE, Breath.EXHALE, Breath.HOLD)
        ):
            self._say(t, CueKind.BREATH, step.text, out, breath=step.breath)
            return
        if step.kind is StepKind.PNF_STRETCH and step.starts_rep and step.reps > 1:
            said = _("Round {rep} of {reps}.").format(rep=step.rep, reps=step.reps)
            self._say(t, CueKind.COUNT, said, out)
        if step.kind is StepKind.HOLD and step.gated and self.sensor_active:
            self._say(t, CueKind.INSTRUCTION, step.text, out)
            if not self.tracking.ok and not self.announcer.shown_ok:
                waits = _("I can't see you yet; the hold timer waits.")
                self._say(t, CueKind.INSTRUCTION, waits, out)
            return
        if step.kind is StepKind.REPS:
            self._say(t, CueKind.INSTRUCTION, step.text, out)
            return
        self._say(t, CueKind.INSTRUCTION, step.text, out)

    def _in_step_cues(self, step: Step, now: float, out: list[Cue]) -> None:
        """Cues due inside a step: countdowns, halfway, tempo pacing, guidance."""
        if step.kind is StepKind.REPS:
            self._pace_reps(step, now, out)
            return
        if step.kind is StepKind.HOLD and step.gated and self.sensor_active:
            self._guide_hold(step, now, out)
            if not self.hold.running or not self.tracking.ok:
                return
            self._countdown_cues(step, self.hold.base(), self.hold.held(now), out)
            return
        if step.duration_s is None:
            return
        self._countdown_cues(step, self._step_start_s, now - self._step_start_s, out)

    def _countdown_cues(self, step: Step, base: float, elapsed: float, out: list[Cue]) -> None:
        duration = step.duration_s or 0.0
        counted = step.kind in (
            StepKind.HOLD,
            StepKind.REST,
            StepKind.PNF_STRETCH,
            StepKind.PNF_CONTRACT,
            StepKind.PNF_DEEPER,
        )
        if step.kind is StepKind.HOLD and duration >= 20 and not self._said_half:
            if elapsed >= duration / 2:
                self._said_half = True
                left = duration - duration / 2
                self._say(
                    base + duration / 2,
                    CueKind.ENCOURAGEMENT,
                    _("Halfway: {n} seconds to go. Keep breathing.").format(n=f"{left:g}"),
                    out,
                    topic="feedback",
                )
        if not (self.options.countdown and counted and duration >= 5):
            return
        for n in range(COUNTDOWN_FROM, 0, -1):
            at = duration - n
            if elapsed >= at and n not in self._counted:
                self._counted.add(n)
                self._say(base + at, CueKind.COUNT, str(n), out)

    def _pace_reps(self, step: Step, now: float, out: list[Cue]) -> None:
        """Tempo pacing of a measured set: breath cue at each phase, cycle restarts per rep."""
        due = self.pacer.new_phase(step.tempo, now)
        if due is None:
            return
        (cycle, index), phase, at = due
        text = _(phase.cue) if phase.cue else phase_words(phase)
        if phase.breath is Breath.NATURAL:
            self._say(at, CueKind.INSTRUCTION, text, out)
        else:
            self._say(at, CueKind.BREATH, text, out, breath=phase.breath)
        if cycle >= 2 and index == 0 and now - self._last_guide_s >= GUIDE_EVERY_S:
            self._last_guide_s = now
            self._say(
                at,
                CueKind.ENCOURAGEMENT,
                _("Take your time; move through the full range."),
                out,
                topic="feedback",
            )

    def _guide_hold(self, step: Step, now: float, out: list[Cue]) -> None:
        if self.hold.running or not self.tracking.ok:
            return
        if now - self._step_start_s < 2.0 or now - self._last_guide_s < GUIDE_EVERY_S:
            return
        self._last_guide_s = now
        text = _("Move into the position: ease a little further until the timer starts.")
        if self.hold.held_s > 0:
            text = _(BACK_INTO_POSITION)
        self._say(now, CueKind.FORM, text, out, topic="zone")

    def _complete_step(self, t: float, out: list[Cue]) -> None:
        """Finish the current step at ``t`` and enter the next one."""
        step = self.step
        if step is None:
            return
        run = self.run
        if run is not None and step.exercise_index == run.index:
            if step.kind is StepKind.HOLD:
                target = step.duration_s or 0.0
                achieved = target
                if step.gated and self.sensor_active:
                    self._rep_measured = True
                    achieved = min(self.hold.held(t), target)
                    self._rep_short = self._rep_short or achieved + 1e-6 < target
                run.hold_times_s.append(achieved)
            if step.ends_rep:
                if not self._rep_short:
                    run.reps_done += 1
                    run.measured_reps += int(self._rep_measured)
                self._rep_measured = False
                self._rep_short = False
            if step.kind is StepKind.REPS and not self.sensor_active:
                run.reps_done += max(step.reps - self.pacer.set_reps, 0)  # paced by the clock
            elif step.kind is StepKind.REPS and self.pacer.set_reps < step.reps:
                self._say(
                    t,
                    CueKind.INSTRUCTION,
                    _("That set is over: {done} of {reps} repetitions measured.").format(
                        done=self.pacer.set_reps, reps=step.reps
                    ),
                    out,
                )
        following = self._steps[self._i + 1] if self._i + 1 < len(self._steps) else None
        if run is not None and (following is None or following.exercise_index != run.index):
            self._close_run(t, None, ())
        self._enter(self._i + 1, t, out)

    def _close_run(self, t: float, action: str | None, reasons: tuple[str, ...]) -> None:
        run = self.run
        if run is None:
            return
        if action is not None and run.stop_action is None:
            run.stop_action = action
            run.stop_reasons = reasons
        lost_since = self.tracking.lost_since
        lost_open = (t - lost_since) if lost_since is not None else 0.0
        result = run.result(t, lost_open)
        self.run = None
        self.results.append(result)
        self.sink.on_exercise_finished(result)

    def _segment_end(self, index: int) -> int:
        """Index just after the last step of exercise segment ``index`` (from the cursor)."""
        j = self._i
        while j < len(self._steps) and self._steps[j].exercise_index == index:
            j += 1
        return j

    def _end_exercise_early(
        self,
        t: float,
        action: str,
        reasons: tuple[str, ...],
        out: list[Cue],
        replacement: list[Step] | None = None,
    ) -> None:
        run = self.run
        if run is None:
            return
        end = self._segment_end(run.index)
        self._close_run(t, action, reasons)
        self._steps[self._i : end] = replacement or []
        self._enter(self._i, t, out)

    def _final_status(self) -> str:
        """The status of a session that ran to the end of its timeline.

        ``completed`` when at least one exercise was done (or nothing was planned);
        ``skipped`` when every exercise was skipped or stopped, so nothing was done.
        """
        if not self.results or any(r.completed for r in self.results):
            return "completed"
        return "skipped"

    def _finish(self, t: float, status: str, reasons: tuple[str, ...], out: list[Cue]) -> None:
        if self.finished:
            return
        if self.run is not None:
            self._close_run(t, "stopped", reasons)
        self.finished = True
        self.status = status
        self._i = len(self._steps)
        self.step = None
        if status in ("completed", "skipped"):
            done = sum(1 for r in self.results if r.completed)
            self._say(
                t,
                CueKind.INSTRUCTION,
                _("Session complete: {done} of {total} exercises done. Well done.").format(
                    done=done, total=len(self.results)
                ),
                out,
                force=True,
            )
        summary = SessionSummary(
            t,
            status,
            tuple(self.results),
            self.pain_before,
            self.pain_after,
            reasons,
            self._seek_care,
        )
        self.sink.on_session_finished(summary)

    # ------------------------------------------------------------------ cues

    def _say(
        self,
        t: float,
        kind: CueKind,
        text: str,
        out: list[Cue],
        *,
        topic: str = "",
        force: bool = False,
        breath: Breath | None = None,
    ) -> None:
        if not text:
            return
        cue = make_cue(t, kind, text, topic=topic, breath=breath)
        closed = self.finished and not force
        if self.gate.admit(cue, tracking_ok=self.tracking.ok or force, closed=closed):
            self.cues.append(cue)
            self.sink.record_cue(cue)
            out.append(cue)

    def _countdown(self, now: float) -> float | None:
        step = self.step
        if step is None or step.duration_s is None or step.kind is StepKind.INSTRUCTION:
            return None  # instructions are said in turn, not read against a countdown
        if step.kind is StepKind.HOLD and step.gated and self.sensor_active:
            return round(max(step.duration_s - self.hold.held(now), 0.0), 2)
        if step.kind is StepKind.REPS:
            return None
        return round(max(self._step_start_s + step.duration_s - now, 0.0), 2)

    def _breath(self, now: float) -> str | None:
        step = self.step
        if step is None or self.finished:
            return None
        if step.kind is StepKind.REPS and step.tempo:
            return self.pacer.breath_at(step.tempo, now).value
        return step.breath.value if step.breath is not None else None
