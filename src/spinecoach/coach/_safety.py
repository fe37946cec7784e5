"""What the engine does with a stop-rule decision (internal to :mod:`spinecoach.coach.engine`).

Continue, regress (swap in the exercise's first regression), stop the exercise, end the
session or send the person to urgent care, each shown and spoken with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from spinecoach.coach.cues import Cue, CueKind
from spinecoach.coach.engine_options import EngineOptions
from spinecoach.coach.results import ExerciseResult, PainCheck
from spinecoach.coach.run import ExerciseRun
from spinecoach.coach.sink import SessionSink
from spinecoach.coach.timeline import Step, StepKind, exercise_steps, wants_checkin_after
from spinecoach.domain.emergency import emergency_words
from spinecoach.domain.exercise import Dose, Exercise
from spinecoach.domain.i18n import _
from spinecoach.domain.plan import Plan
from spinecoach.domain.planning import cautions_for_person, last_tolerated, regression_for
from spinecoach.domain.rules import Rules, StopAction
from spinecoach.domain.safety import StopDecision


class SessionEngine(Protocol):
    """What stop-rule actions use of the engine (typed here, so this file does not import
    :mod:`spinecoach.coach.engine` back)."""

    plan: Plan
    rules: Rules
    sink: SessionSink
    options: EngineOptions
    checks: list[PainCheck]
    results: list[ExerciseResult]
    run: ExerciseRun | None
    _seek_care: str | None
    _library: Mapping[str, Exercise]
    _next_index: int
    _exercises: dict[int, Exercise]
    _doses: dict[int, Dose]
    _steps: list[Step]

    step: Step | None

    def _segment_end(self, index: int) -> int: ...

    def hold_for_stop(self, text: str) -> None: ...

    def _say(
        self, t: float, kind: CueKind, text: str, out: list[Cue], *, topic: str = "",
        force: bool = False,
    ) -> None: ...  # fmt: skip

    def _close_run(self, t: float, action: str | None, reasons: tuple[str, ...]) -> None: ...

    def _finish(self, t: float, status: str, reasons: tuple[str, ...], out: list[Cue]) -> None: ...

    def _end_exercise_early(
        self, t: float, action: str, reasons: tuple[str, ...], out: list[Cue],
        replacement: list[Step] | None = None,
    ) -> None: ...  # fmt: skip

    def _measured(self, exercise: Exercise) -> bool: ...


def record_check(
    engine: SessionEngine,
    t: float,
    kind: str,
    pain: int | None,
    symptoms: frozenset[str],
    decision: StopDecision,
) -> None:
    """Keep a check-in and send it to the sink."""
    exercise_id = engine.run.exercise.id if engine.run is not None else None
    check = PainCheck(t, kind, pain, symptoms, decision, exercise_id)
    engine.checks.append(check)
    engine.sink.on_pain_report(check)


def apply_decision(
    engine: SessionEngine,
    decision: StopDecision,
    t: float,
    kind: str,
    out: list[Cue],
    *,
    always_say: bool = False,
) -> None:
    """Act on a stop-rule decision: continue, regress, stop exercise, end, urgent care."""
    action = decision.action
    reasons = decision.reasons
    why = " ".join(reasons)
    if action is StopAction.CONTINUE:
        if always_say:
            engine._say(t, CueKind.SAFETY, why, out)
        else:
            engine._say(t, CueKind.INSTRUCTION, _("Thank you. Carry on."), out)
        return
    if action is StopAction.URGENT_CARE:
        care = decision.seek_care.value if decision.seek_care else "emergency"
        engine._seek_care = care
        advice = engine.rules.tier_advice.get(decision.seek_care) if decision.seek_care else ""
        advice = emergency_words(advice) if advice else ""
        engine._say(
            t,
            CueKind.SAFETY,
            _("Stop now. {why} {advice}").format(why=why, advice=advice).strip(),
            out,
        )
        engine._close_run(t, action.value, reasons)
        engine._finish(t, "urgent_care", reasons, out)
        return
    if action is StopAction.END_SESSION:
        if decision.seek_care is not None:
            engine._seek_care = decision.seek_care.value
        engine._say(
            t, CueKind.SAFETY, _("We'll end today's session here. {why}").format(why=why), out
        )
        engine._close_run(t, action.value, reasons)
        engine._finish(t, "stopped", reasons, out)
        return
    run = engine.run
    step = engine.step
    if run is None:
        # session-level check-in (before / end) or set-up
        if action is StopAction.STOP_EXERCISE and kind != "end" and not engine.results:
            engine._say(
                t,
                CueKind.SAFETY,
                _("Let's not exercise today. {why} Rest, and check in tomorrow.").format(why=why),
                out,
            )
            engine._finish(t, "stopped", reasons, out)
        else:
            engine._say(t, CueKind.SAFETY, why, out)
        return
    movement_over = step is not None and step.kind is StepKind.CHECKIN
    if movement_over:
        # after-exercise check-in: the exercise is done; record for tomorrow's plan
        run.stop_action = action.value
        run.stop_reasons = reasons
        engine._say(t, CueKind.SAFETY, why, out)
        return
    if action is StopAction.REGRESS:
        regress(engine, run, decision, t, out)
        return
    if decision.back_to_tolerated:
        back_to_tolerated(engine, run, decision, t, out)
        return
    stop_text = _("Stop this exercise. {why}").format(why=why)
    engine._say(t, CueKind.SAFETY, stop_text, out)
    engine._end_exercise_early(t, action.value, reasons, out)
    engine.hold_for_stop(stop_text)


def regress(
    engine: SessionEngine, run: ExerciseRun, decision: StopDecision, t: float, out: list[Cue]
) -> None:
    """Swap the current exercise for its first regression in the library (or stop it)."""
    why = " ".join(decision.reasons)
    plan = engine.plan
    taken = {i.exercise_id for i in plan.items} | set(plan.set_aside)
    found = regression_for(
        run.exercise, plan.conditions, engine._library, level=plan.level, exclude=taken
    )
    easier = found.id if found is not None else None
    if easier is None:
        engine._say(
            t,
            CueKind.SAFETY,
            _("Stop this exercise. {why} There is no easier version, so we move on.").format(
                why=why
            ),
            out,
        )
        engine._end_exercise_early(t, StopAction.STOP_EXERCISE.value, decision.reasons, out)
        engine.hold_for_stop(
            _("Stop this exercise. {why} There is no easier version.").format(why=why)
        )
        return
    exercise = engine._library[easier]
    index = engine._next_index
    engine._next_index += 1
    engine._exercises[index] = exercise
    engine._doses[index] = exercise.dose
    run.replaced_by = easier
    engine._say(
        t,
        CueKind.SAFETY,
        _("Let's switch to an easier version: {name}. {why}").format(
            name=_(exercise.name), why=why
        ),
        out,
    )
    steps = exercise_steps(
        exercise,
        exercise.dose,
        index,
        sensor=engine._measured(exercise),
        options=engine.options.timeline,
        checkin_after=wants_checkin_after(engine.plan, engine.options.timeline),
        intro=_("Easier version."),
        cautions=cautions_for_person(exercise, plan.conditions),
    )
    engine._end_exercise_early(t, StopAction.REGRESS.value, decision.reasons, out, steps)


def back_to_tolerated(
    engine: SessionEngine, run: ExerciseRun, decision: StopDecision, t: float, out: list[Cue]
) -> None:
    """Leg symptoms spread: go back to the last tolerated exercise, then end the movement.

    Never on to the next exercise of the plan; with no tolerated exercise yet, the movement
    part of the session ends at once (the closing check-in still follows) [MCK][MAY12].
    """
    why = " ".join(decision.reasons)
    done = [(r.exercise_id, r.completed and r.stop_action is None) for r in engine.results]
    plan = engine.plan
    back = last_tolerated(done, run.exercise, plan.conditions, engine._library, level=plan.level)
    # drop the exercises still to come (the closing check-in stays)
    rest = engine._segment_end(run.index)
    engine._steps[rest:] = [s for s in engine._steps[rest:] if s.exercise_index < 0]
    if back is None:
        engine._say(
            t,
            CueKind.SAFETY,
            _("Stop this exercise. {why} We'll end the exercises for today here.").format(why=why),
            out,
        )
        engine._end_exercise_early(t, StopAction.STOP_EXERCISE.value, decision.reasons, out)
        engine.hold_for_stop(
            _("Stop this exercise. {why} We'll end the exercises for today here.").format(why=why)
        )
        return
    index = engine._next_index
    engine._next_index += 1
    engine._exercises[index] = back
    engine._doses[index] = back.dose
    engine._say(
        t,
        CueKind.SAFETY,
        _(
            "Stop this exercise. {why} Let's go back to {name}, which suited you, "
            "and end the exercises for today after it."
        ).format(why=why, name=_(back.name)),
        out,
    )
    steps = exercise_steps(
        back,
        back.dose,
        index,
        sensor=engine._measured(back),
        options=engine.options.timeline,
        checkin_after=wants_checkin_after(plan, engine.options.timeline),
        intro=_("Back to an exercise that suited you."),
        cautions=cautions_for_person(back, plan.conditions),
    )
    engine._end_exercise_early(t, StopAction.STOP_EXERCISE.value, decision.reasons, out, steps)
    engine.hold_for_stop(
        _("Stop this exercise. {why} Next: back to {name}, which suited you.").format(
            why=why, name=_(back.name)
        )
    )
