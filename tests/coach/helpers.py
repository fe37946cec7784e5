"""Small exercises with known doses, and drivers, for deterministic engine tests."""

from __future__ import annotations

from datetime import UTC, datetime

from spinecoach.domain.exercise import (
    Breath,
    Category,
    CommonError,
    Direction,
    Dose,
    ExcursionDirection,
    Exercise,
    PnfDose,
    Position,
    Section,
    SensorSignature,
    SignatureMode,
    TempoPhase,
    View,
)
from spinecoach.domain.plan import Plan, PlanItem


def make_exercise(
    exercise_id: str,
    dose: Dose,
    *,
    category: Category = Category.MOBILITY,
    mode: SignatureMode = SignatureMode.REPETITIVE,
    regressions: tuple[str, ...] = (),
    common_errors: tuple[CommonError, ...] = (),
) -> Exercise:
    """An exercise with plain steps and a trunk-flexion signature."""
    return Exercise(
        id=exercise_id,
        name=exercise_id.replace("_", " ").title(),
        summary="test exercise",
        steps=("Start position.", "Move slowly."),
        target_tissues=("back",),
        category=category,
        position=Position.SEATED,
        direction=Direction.FLEXION,
        level=1,
        dose=dose,
        signature=SensorSignature(
            primary_angle="trunk_flexion_deg",
            mode=mode,
            view=View.SIDE,
            target_range_deg=(10.0, 40.0),
            direction=ExcursionDirection.POSITIVE,
        ),
        section=Section.WARM_UP,
        regressions=regressions,
        common_errors=common_errors,
    )


STATIC = make_exercise(
    "static_stretch",
    Dose(
        reps=1,
        hold_s=30.0,
        tempo=(
            TempoPhase("lean", 3.0, Breath.EXHALE, "Breathe out and lean over."),
            TempoPhase("return", 3.0, Breath.INHALE, "Breathe in and come back up."),
        ),
    ),
    category=Category.STATIC_STRETCH,
    mode=SignatureMode.HOLD,
    regressions=("easy_breathing",),
    common_errors=(
        CommonError("out_of_range", "too far", "Ease off a little: a gentle stretch is enough."),
    ),
)
PNF = make_exercise(
    "pnf_hamstring",
    Dose(reps=2, rest_s=5.0, pnf=PnfDose(20.0, 6.0, 30, 3.0, 20.0)),
    category=Category.PNF,
    mode=SignatureMode.HOLD,
)
TEMPO = make_exercise(
    "cat_cow",
    Dose(
        reps=3,
        tempo=(
            TempoPhase("round", 3.0, Breath.EXHALE, "Breathe out and round your back."),
            TempoPhase("arch", 3.0, Breath.INHALE, "Breathe in and let your back dip."),
        ),
    ),
    common_errors=(
        CommonError("too_fast", "rushing", "Slow down: three seconds each way."),
        CommonError("trunk_rounding", "rounding", "Keep your spine long."),
    ),
)
ISOMETRIC = make_exercise(
    "side_bridge",
    Dose(reps=2, hold_s=10.0, rest_s=10.0),
    category=Category.ISOMETRIC,
    mode=SignatureMode.HOLD,
)
EASY = make_exercise(
    "easy_breathing",
    Dose(
        reps=2,
        tempo=(
            TempoPhase("in", 4.0, Breath.INHALE, "Breathe in slowly."),
            TempoPhase("out", 6.0, Breath.EXHALE, "Breathe out slowly."),
        ),
    ),
)
LIBRARY = {e.id: e for e in (STATIC, PNF, TEMPO, ISOMETRIC, EASY)}


def make_plan(*exercises: Exercise, checkin_after: str = "none") -> Plan:
    """A plan of the given exercises with their default doses."""
    return Plan(
        items=tuple(PlanItem(e.id, e.name, e.section, e.dose, reason="test") for e in exercises),
        level=1,
        created_at=datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
        metadata={"checkin_after": checkin_after},
    )


def drive(engine, clock, until_s: float, *, dt_s: float = 0.1, pain: int | None = 2):  # type: ignore[no-untyped-def]
    """Tick ``engine`` on ``clock`` up to ``until_s``, answering check-ins with ``pain``.

    Returns the cues given on the way.
    """
    cues = []
    while clock.now() < until_s - 1e-9 and not engine.finished:
        clock.set(min(round(clock.now() + dt_s, 6), until_s))
        cues += engine.tick()
        if pain is not None and engine.state()["awaiting"] == "pain":
            cues += engine.report_pain(pain)
    return cues


def timeline(cues) -> list[tuple[float, str, str]]:  # type: ignore[no-untyped-def]
    """Cues as ``(t_s, kind, text)`` tuples."""
    return [(round(c.t_s, 3), c.kind.value, c.text) for c in cues]


#: The instructions as one step of 8 s (as before they were split into spoken lines), for
#: tests about the timing of what follows them.
def one_step_instructions():  # type: ignore[no-untyped-def]
    from spinecoach.coach.engine import EngineOptions
    from spinecoach.coach.timeline import TimelineOptions

    return EngineOptions(timeline=TimelineOptions(words_per_s=None))
