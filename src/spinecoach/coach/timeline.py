"""A plan becomes a timeline of steps: set-up, check-ins, instructions, phases, holds, rests.

Pure: :func:`build_timeline` and :func:`exercise_steps` take the plan, the library and options
and return frozen :class:`Step` objects; the engine walks them against a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from spinecoach.domain.cues import CheckinKind
from spinecoach.domain.exercise import Breath, Dose, Exercise, PnfDose, SignatureMode, TempoPhase
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.plan import Plan
from spinecoach.domain.planning import cautions_for_person
from spinecoach.motion.types import Side


class StepKind(StrEnum):
    """What a step of the timeline is."""

    CHECKIN = "checkin"
    SETUP = "setup"
    INSTRUCTION = "instruction"
    PHASE = "phase"  # one tempo phase of a clock-paced repetition
    HOLD = "hold"
    REPS = "reps"  # a set of repetitions counted from measured REPETITION events
    PNF_STRETCH = "pnf_stretch"
    PNF_CONTRACT = "pnf_contract"
    PNF_RELAX = "pnf_relax"
    PNF_DEEPER = "pnf_deeper"
    REST = "rest"
    SWITCH_SIDE = "switch_side"


#: Steps in which the person moves (the sensor's events matter; recordings are consumed).
MOVEMENT_STEPS = frozenset(
    {
        StepKind.PHASE,
        StepKind.HOLD,
        StepKind.REPS,
        StepKind.PNF_STRETCH,
        StepKind.PNF_CONTRACT,
        StepKind.PNF_RELAX,
        StepKind.PNF_DEEPER,
    }
)

BREATH_WORDS: dict[Breath, str] = {
    Breath.INHALE: N_("Breathe in"),
    Breath.EXHALE: N_("Breathe out"),
    Breath.HOLD: N_("Hold your breath gently"),
    Breath.NATURAL: N_("Breathe easily"),
}


@dataclass(frozen=True)
class TimelineOptions:
    """Timings of the parts of a session that are not in the dose (seconds).

    Attributes
    ----------
    setup_s : float
        Set-up check at the start (camera/sensor placement, space).
    instruction_s : float
        Shortest time for each exercise's instructions.
    words_per_s : float or None
        Speaking rate of the instructions. They are split into short lines (the exercise's
        name, then each of its steps), one step each, shown and spoken in sequence while the
        person gets into position, each given the time it takes to say (at least
        ``line_min_s``; together at least ``instruction_s``). ``None``: one step of
        ``instruction_s`` with the whole text.
    line_min_s : float
        Shortest time for one instruction line.
    switch_side_s : float
        Pause to change sides.
    set_rest_min_s : float
        Smallest rest between sets (the dose's ``rest_s`` if longer).
    checkin_timeout_s : float or None
        How long a pain check-in waits for an answer before carrying on (``None``: forever).
    checkin_after_exercise : bool
        Ask for pain after each exercise (the plan may override with
        ``plan.metadata["checkin_after"] = "each" | "none"``).
    rep_timeout_factor : float
        With a sensor, a set of measured repetitions ends after this many times its
        prescribed length (plus ``wait_extra_s``) even if not all were measured.
    wait_extra_s : float
        Extra seconds allowed for measured sets and sensor-gated holds.
    default_rep_s : float
        Length of one repetition when the dose gives neither tempo nor hold.
    """

    setup_s: float = 10.0
    instruction_s: float = 8.0
    words_per_s: float | None = 2.5
    line_min_s: float = 3.0
    switch_side_s: float = 5.0
    set_rest_min_s: float = 10.0
    checkin_timeout_s: float | None = 30.0
    checkin_after_exercise: bool = True
    rep_timeout_factor: float = 2.0
    wait_extra_s: float = 20.0
    default_rep_s: float = 4.0


@dataclass(frozen=True)
class Step:
    """One step of a session.

    Attributes
    ----------
    kind : StepKind
    duration_s : float or None
        Length on the clock; ``None`` for check-ins (they wait for an answer). For sensor-gated
        holds it is the time to *hold*; for measured sets the longest the set may take.
    text : str
        What the person is told at the start of the step.
    exercise_index : int
        Index of the exercise segment (``-1`` for session-level steps).
    exercise_id : str
    breath : Breath or None
    rep, reps : int
        1-based repetition number and repetitions per set (0 when not a repetition).
    set_index, sets : int
        1-based set number and number of sets.
    side : Side
    gated : bool
        True when a sensor decides (holds run only while held; reps count only when measured).
    effort_pct : int or None
        Stated effort of a PNF contraction.
    checkin : str
        For check-ins: ``before``, ``after_exercise`` or ``end``.
    tempo : tuple of TempoPhase
        For measured sets: the phases used to pace each repetition.
    """

    kind: StepKind
    duration_s: float | None
    text: str
    exercise_index: int = -1
    exercise_id: str = ""
    breath: Breath | None = None
    rep: int = 0
    reps: int = 0
    set_index: int = 0
    sets: int = 0
    side: Side = Side.NONE
    gated: bool = False
    effort_pct: int | None = None
    checkin: str = ""
    phase_name: str = ""
    tempo: tuple[TempoPhase, ...] = field(default=())
    starts_rep: bool = False
    ends_rep: bool = False

    @property
    def is_movement(self) -> bool:
        """Whether the person moves during this step."""
        return self.kind in MOVEMENT_STEPS


def phase_words(phase: TempoPhase) -> str:
    """What to say for a tempo phase without its own cue (``Breathe out: cat.``)."""
    name = _(phase.name).replace("_", " ")
    if phase.breath is Breath.NATURAL:
        return name.capitalize() + "."
    return _("{breath}: {phase}.").format(breath=_(BREATH_WORDS[phase.breath]), phase=name)


def _phase_text(phase: TempoPhase) -> str:
    if phase.cue:
        return _(phase.cue)
    return phase_words(phase)


def _split_tempo(dose: Dose) -> tuple[tuple[TempoPhase, ...], tuple[TempoPhase, ...]]:
    """Phases before and after the hold (the hold follows the first half of the phases)."""
    n_before = (len(dose.tempo) + 1) // 2
    return dose.tempo[:n_before], dose.tempo[n_before:]


def _step(
    template: Step, kind: StepKind, duration_s: float | None, text: str, **fields: Any
) -> Step:
    return replace(template, kind=kind, duration_s=duration_s, text=text, **fields)


def _phase_step(template: Step, phase: TempoPhase) -> Step:
    return _step(
        template,
        StepKind.PHASE,
        phase.seconds,
        _phase_text(phase),
        breath=phase.breath,
        phase_name=phase.name,
    )


def _rep_steps(
    exercise: Exercise, dose: Dose, template: Step, *, sensor: bool, options: TimelineOptions
) -> list[Step]:
    """Steps of one repetition (clock-paced, with a hold that a sensor may gate)."""
    if dose.pnf is not None:
        pnf = dose.pnf
        effort = _("about {pct} effort").format(pct=f"{pnf.contract_effort_pct}%")
        parts = (
            (StepKind.PNF_STRETCH, "stretch", pnf.stretch_s, Breath.NATURAL,
             _("Ease into the stretch until you feel gentle tension. Breathe easily.")),
            (StepKind.PNF_CONTRACT, "contract", pnf.contract_s, Breath.NATURAL,
             _("Now gently push against the stretch at {effort}. Keep breathing; "
               "don't hold your breath.").format(effort=effort)),
            (StepKind.PNF_RELAX, "relax", pnf.relax_s, Breath.EXHALE,
             _("Relax completely and breathe out.")),
            (StepKind.PNF_DEEPER, "deeper_stretch", pnf.deeper_stretch_s, Breath.EXHALE,
             _("Breathe out and ease a little deeper into the stretch. Hold it there.")),
        )  # fmt: skip
        named = {phase.name: phase for phase in dose.tempo}
        steps = []
        for kind, name, seconds, breath, text in parts:
            phase = named.get(name)
            if phase is not None:  # the exercise's own words and breath for this part
                breath = phase.breath
                text = _(phase.cue) if phase.cue else text
                if kind is StepKind.PNF_CONTRACT and "%" not in text:
                    text = _("{text} Use {effort}.").format(text=text, effort=effort)
            steps.append(
                _step(template, kind, seconds, text, breath=breath, phase_name=name,
                      effort_pct=pnf.contract_effort_pct if kind is StepKind.PNF_CONTRACT
                      else None)
            )  # fmt: skip
        return _mark_rep(steps)
    before, after = _split_tempo(dose)
    steps = [_phase_step(template, phase) for phase in before]
    if dose.hold_s:
        gated = sensor and exercise.signature.mode is SignatureMode.HOLD
        text = _("Hold for {n} seconds, breathing slowly.").format(n=f"{dose.hold_s:g}")
        if gated:
            text = _("Hold the position for {n} seconds; the timer runs while you hold it.").format(
                n=f"{dose.hold_s:g}"
            )
        steps.append(
            _step(
                template,
                StepKind.HOLD,
                dose.hold_s,
                text,
                breath=Breath.NATURAL,
                gated=gated,
                phase_name="hold",
            )
        )
    steps.extend(_phase_step(template, phase) for phase in after)
    if not steps:
        steps.append(
            _step(
                template,
                StepKind.PHASE,
                options.default_rep_s,
                _("Move slowly and smoothly."),
                breath=Breath.NATURAL,
                phase_name="move",
            )
        )
    return _mark_rep(steps)


def _contract_relax_words(pnf: PnfDose) -> str:
    """The sentence that explains a contract-relax (PNF) stretch's timing."""
    return _(
        "This is a contract-relax stretch: {stretch} s stretch, {contract} s gentle push at "
        "{pct} effort, {relax} s relax, {deeper} s deeper stretch."
    ).format(
        stretch=f"{pnf.stretch_s:g}",
        contract=f"{pnf.contract_s:g}",
        pct=f"{pnf.contract_effort_pct}%",
        relax=f"{pnf.relax_s:g}",
        deeper=f"{pnf.deeper_stretch_s:g}",
    )


def instruction_lines(
    exercise: Exercise, dose: Dose, intro: str = "", cautions: tuple[str, ...] = ()
) -> list[str]:
    """The exercise's instructions as short lines to say one after another.

    The name (with ``intro`` and this person's cautions), then each of the exercise's steps,
    then the contract-relax timing for PNF stretches.
    """
    first = " ".join(p for p in (intro, f"{_(exercise.name)}.") if p)
    if cautions:
        first += " " + _("Take care: {cautions}").format(cautions=" ".join(_(c) for c in cautions))
    lines = [first, *(_(step) for step in exercise.steps)]
    if dose.pnf is not None:
        lines.append(_contract_relax_words(dose.pnf))
    return lines


def _instruction_steps(
    base: Step,
    exercise: Exercise,
    dose: Dose,
    options: TimelineOptions,
    intro: str,
    cautions: tuple[str, ...],
    words: str,
) -> list[Step]:
    if options.words_per_s is None:
        return [
            _step(base, StepKind.INSTRUCTION, options.instruction_s, f"{intro} {words}".strip())
        ]
    lines = instruction_lines(exercise, dose, intro, cautions)
    times = [max(options.line_min_s, len(line.split()) / options.words_per_s) for line in lines]
    short = options.instruction_s - sum(times)
    if short > 0:  # never shorter than the old single step
        times[-1] += short
    return [
        _step(base, StepKind.INSTRUCTION, round(t, 2), line, rep=n + 1, reps=len(lines))
        for n, (line, t) in enumerate(zip(lines, times, strict=True))
    ]


def _mark_rep(steps: list[Step]) -> list[Step]:
    """Flag the first and last step of one repetition."""
    steps[0] = replace(steps[0], starts_rep=True)
    steps[-1] = replace(steps[-1], ends_rep=True)
    return steps


def _measured_set_step(dose: Dose, template: Step, options: TimelineOptions) -> Step:
    rep_s = dose.rep_s or options.default_rep_s
    limit_s = dose.reps * rep_s * options.rep_timeout_factor + options.wait_extra_s
    tempo = dose.tempo or (TempoPhase("move", options.default_rep_s, Breath.NATURAL),)
    return _step(
        template,
        StepKind.REPS,
        limit_s,
        _("{reps} repetitions at a steady pace; I count the ones I see.").format(reps=dose.reps),
        gated=True,
        tempo=tempo,
        phase_name="reps",
        rep=1,
    )


def exercise_steps(
    exercise: Exercise,
    dose: Dose,
    index: int,
    *,
    sensor: bool,
    options: TimelineOptions,
    checkin_after: bool,
    intro: str = "",
    cautions: tuple[str, ...] = (),
) -> list[Step]:
    """Steps of one exercise: instructions, sides x sets x repetitions with rests, check-in.

    Parameters
    ----------
    exercise : Exercise
    dose : Dose
        The dose to run (the plan item's, or the exercise's default for a regression).
    index : int
        Exercise segment index in the session.
    sensor : bool
        Whether a sensor steers the timeline: repetitive exercises become measured sets,
        holds of hold-type exercises run only while held.
    options : TimelineOptions
    checkin_after : bool
        End with a pain check-in.
    intro : str
        Extra words before the instructions (e.g. why this exercise replaced another).
    cautions : tuple of str
        This person's cautions for the exercise (e.g. "put a pillow under your chest"),
        shown and spoken when the exercise starts, before its steps.

    Returns
    -------
    list of Step
    """
    base = Step(StepKind.INSTRUCTION, None, "", exercise_index=index, exercise_id=exercise.id)
    name = _(exercise.name)
    how = " ".join(_(s) for s in exercise.steps)
    words = f"{name}. {how}"
    if dose.pnf is not None:
        words += " " + _contract_relax_words(dose.pnf)
    if cautions:
        care = _("Take care: {cautions}").format(cautions=" ".join(_(c) for c in cautions))
        words = f"{name}. {care} {how}"
    steps = _instruction_steps(base, exercise, dose, options, intro, cautions, words)
    sides = (Side.LEFT, Side.RIGHT) if dose.per_side else (Side.NONE,)
    measured_reps = (
        sensor and exercise.signature.mode is SignatureMode.REPETITIVE and dose.pnf is None
    )
    for side_number, side in enumerate(sides):
        if side_number > 0:
            steps.append(
                _step(
                    base,
                    StepKind.SWITCH_SIDE,
                    options.switch_side_s,
                    _("Change sides: now the {side} side.").format(side=_(side.value)),
                    side=side,
                )
            )
        for set_index in range(1, dose.sets + 1):
            template = replace(base, side=side, set_index=set_index, sets=dose.sets, reps=dose.reps)
            if set_index > 1:
                rest_s = max(dose.rest_s, options.set_rest_min_s)
                steps.append(
                    _step(
                        template,
                        StepKind.REST,
                        rest_s,
                        _("Rest for {n} seconds before set {set_index}.").format(
                            n=f"{rest_s:g}", set_index=set_index
                        ),
                        breath=Breath.NATURAL,
                    )
                )
            if measured_reps:
                steps.append(_measured_set_step(dose, template, options))
                continue
            for rep in range(1, dose.reps + 1):
                if rep > 1 and dose.rest_s > 0:
                    steps.append(
                        _step(
                            template,
                            StepKind.REST,
                            dose.rest_s,
                            _("Relax for {n} seconds.").format(n=f"{dose.rest_s:g}"),
                            breath=Breath.NATURAL,
                            rep=rep,
                        )
                    )
                steps.extend(
                    _rep_steps(
                        exercise, dose, replace(template, rep=rep), sensor=sensor, options=options
                    )
                )
    if checkin_after:
        steps.append(
            _step(
                base,
                StepKind.CHECKIN,
                None,
                _("How is your pain now, from 0 to 10, after {name}?").format(name=name),
                checkin=CheckinKind.AFTER_EXERCISE,
            )
        )
    return steps


def setup_step(first: Exercise | None, *, sensor: bool, options: TimelineOptions) -> Step:
    """The set-up check: space, position, and the view the sensor needs."""
    text = _("Set up: clear a space, have a firm chair and a mat nearby.")
    if sensor and first is not None:
        view = _(first.signature.view.value)
        text += " " + _(
            "Place the camera so your whole body is in view ({view} view for {name}), or fit "
            "the sensor on your lower back."
        ).format(view=view, name=_(first.name))
    return Step(StepKind.SETUP, options.setup_s, text)


def checkin_step(kind: CheckinKind | str) -> Step:
    """A session-level pain check-in (``before`` or ``end``)."""
    text = {
        "before": _("Before we start: how is your back pain right now, from 0 to 10?"),
        "end": _("We're done. How is your back pain now, from 0 to 10?"),
    }[kind]
    return Step(StepKind.CHECKIN, None, text, checkin=CheckinKind(kind))


def wants_checkin_after(plan: Plan, options: TimelineOptions) -> bool:
    """Whether the plan asks for a pain check-in after each exercise."""
    choice = plan.metadata.get("checkin_after")
    if choice is None:
        return options.checkin_after_exercise
    return choice == "each"


def build_timeline(
    plan: Plan,
    exercises: list[Exercise],
    *,
    sensor: bool,
    options: TimelineOptions | None = None,
    sensor_for: Callable[[Exercise], bool] | None = None,
) -> tuple[list[Step], list[list[Step]], list[Step]]:
    """Turn a plan into ``(opening steps, one step list per exercise, closing steps)``.

    Parameters
    ----------
    plan : Plan
    exercises : list of Exercise
        The library entry of each plan item, in plan order.
    sensor : bool
        Whether a sensor steers the session (see :func:`exercise_steps`).
    options : TimelineOptions, optional
    sensor_for : callable, optional
        Per exercise, whether the sensor can measure it (default: ``sensor`` for all).

    Returns
    -------
    tuple
        Opening (pain before, set-up), segments per exercise, closing (pain at the end).
    """
    options = options or TimelineOptions()
    after = wants_checkin_after(plan, options)
    opening = [
        checkin_step("before"),
        setup_step(exercises[0] if exercises else None, sensor=sensor, options=options),
    ]
    segments = [
        exercise_steps(
            ex,
            item.dose,
            n,
            sensor=sensor and (sensor_for is None or sensor_for(ex)),
            options=options,
            checkin_after=after,
            cautions=cautions_for_person(ex, plan.conditions),
        )
        for n, (item, ex) in enumerate(zip(plan.items, exercises, strict=True))
    ]
    closing = [checkin_step("end")]
    return opening, segments, closing
