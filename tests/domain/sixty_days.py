"""Simulate days of sessions and check-ins against the real planner and adaptation.

Each day is ``good`` (pain steady, settled next morning), ``bad`` (pain up 2 during the
session, settled by morning), ``flare`` (one exercise hurts and is stopped; pain higher next
morning), ``spread`` (leg symptoms spread in one exercise: stopped) or ``neuro`` (new
numbness: the plan is paused until a clinician's review and a new intake a week later).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from spinecoach.domain.adaptation import adapt_plan
from spinecoach.domain.exercise import Category, ExerciseLibrary, Section
from spinecoach.domain.intake import Profile
from spinecoach.domain.plan import ExerciseReport, Plan, SessionReport
from spinecoach.domain.planning import DosingSettings, dose_limits, excluded_reasons, generate_plan
from spinecoach.domain.rules import Rules

DAY_KINDS = ("good", "bad", "flare", "spread", "neuro")
START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Day:
    """One simulated day: its kind and the plan the person had after it."""

    n: int
    kind: str
    plan: Plan


def _report(plan: Plan, kind: str, pain: int, day: datetime) -> SessionReport:
    hurt_index = 0 if kind in ("flare", "spread") else -1
    during = pain + 2 if kind == "bad" else pain
    exercises = tuple(
        ExerciseReport(
            item.exercise_id,
            completed=n != hurt_index,
            reps_done=item.dose.reps if n != hurt_index else item.dose.reps // 2,
            reps_target=item.dose.reps,
            pain_during=min(10, during + (2 if n == hurt_index else 0)),
            stop_action="stop_exercise" if n == hurt_index else None,
        )
        for n, item in enumerate(plan.items)
    )
    morning = pain + 1 if kind == "flare" else pain
    return SessionReport(
        started_at=day,
        pain_before=pain,
        pain_after=min(10, during),
        exercises=exercises,
        next_morning_pain=min(10, morning),
        symptoms=frozenset({"numbness"}) if kind == "neuro" else frozenset(),
    )


def simulate(
    profile: Profile,
    kinds: Sequence[str],
    library: ExerciseLibrary,
    rules: Rules,
    dosing: DosingSettings | None = None,
) -> Iterator[Day]:
    """Yield the plan after each simulated day (day 0 is the first plan)."""
    dosing = dosing or DosingSettings(ceilings=rules.ceilings)
    plan = generate_plan(profile, library, [], START, dosing=dosing)
    yield Day(0, "start", plan)
    resume_on: int | None = None
    for n, kind in enumerate(kinds, 1):
        day = START + timedelta(days=n)
        if plan.paused:
            if resume_on is not None and n >= resume_on:
                # reviewed by a clinician, then a new intake: a fresh plan from its answers
                plan = generate_plan(profile, library, [plan], day, dosing=dosing, new_intake=True)
                resume_on = None
            yield Day(n, "paused", plan)
            continue
        report = _report(plan, kind, profile.pain_now, day)
        plan = adapt_plan(
            plan, [report], day, library=library, rules=rules,
            conditions=profile.planning_conditions,
        )  # fmt: skip
        if plan.paused:
            resume_on = n + 7
        yield Day(n, kind, plan)


def problems(plan: Plan, profile: Profile, library: ExerciseLibrary, rules: Rules) -> list[str]:
    """Every broken invariant of one day's plan (empty when all hold)."""
    found: list[str] = []
    ids = plan.exercise_ids
    if len(set(ids)) != len(ids):
        found.append(f"duplicate exercise in {ids}")
    if plan.level > profile.start_level:
        found.append(f"level {plan.level} above the profile's {profile.start_level}")
    if plan.total_duration_s > profile.minutes_per_day * 60 + 1e-6:
        found.append(f"{plan.total_duration_s:.0f} s over {profile.minutes_per_day} min")
    for item in plan.items:
        exercise = library.get(item.exercise_id)
        why = excluded_reasons(exercise, profile, plan.level)
        if why:
            found.append(f"{item.exercise_id}: {why}")
        if item.exercise_id in plan.set_aside:
            found.append(f"{item.exercise_id} is back although it hurt")
        (low, high), holds = dose_limits(exercise, profile.age, rules.ceilings)
        dose = item.dose
        if exercise.category in (Category.STATIC_STRETCH, Category.PNF) and not (
            low <= dose.reps <= high
        ):
            found.append(f"{item.exercise_id}: {dose.reps} reps outside {low}-{high}")
        if dose.reps > high:
            found.append(f"{item.exercise_id}: {dose.reps} reps above {high}")
        if (
            holds is not None
            and dose.hold_s is not None
            and not (holds[0] - 1e-9 <= dose.hold_s <= holds[1] + 1e-9)
        ):
            found.append(f"{item.exercise_id}: hold {dose.hold_s} s outside {holds}")
        if exercise.category == Category.ISOMETRIC and (dose.hold_s or 0) > 10.0:
            found.append(f"{item.exercise_id}: core hold {dose.hold_s} s above 10 s")
    return found


def has_stability(plan: Plan) -> bool:
    """Whether the plan keeps a stability exercise."""
    return any(i.section == Section.STABILITY for i in plan.items)


#: The schedule used for the six example people (docs and the issue note): mostly good days,
#: a bad day each fortnight, two flare-ups, spreading leg pain once and one neurological day
#: (the plan pauses; a clinician's review and a new intake a week later).
SCHEDULE = tuple(
    {10: "bad", 17: "flare", 24: "bad", 31: "spread", 38: "bad", 40: "neuro", 52: "bad",
     55: "flare"}.get(n, "good")
    for n in range(1, 61)
)  # fmt: skip


def summary_lines(
    profile: Profile, library: ExerciseLibrary, rules: Rules, kinds: Sequence[str] = SCHEDULE
) -> list[str]:
    """What the simulated days did: the plan on day 0, 30 and 60, and the pauses."""
    from spinecoach.domain.wording import describe_dose

    def show(plan: Plan) -> str:
        return "; ".join(f"{i.name or i.exercise_id} {describe_dose(i.dose)}" for i in plan.items)

    lines: list[str] = []
    paused_days: list[int] = []
    broken = 0
    for day in simulate(profile, kinds, library, rules):
        broken += len(problems(day.plan, profile, library, rules))
        if day.plan.paused:
            paused_days.append(day.n)
        if day.n in (0, 30, 60):
            lines.append(
                f"day {day.n}: level {day.plan.level}, {day.plan.total_duration_s / 60:.1f} min"
                f"{' (paused)' if day.plan.paused else ''}: {show(day.plan)}"
            )
    pauses = f"days {paused_days[0]}-{paused_days[-1]}" if paused_days else "none"
    lines.append(f"paused: {pauses}; broken invariants: {broken}")
    return lines


if __name__ == "__main__":  # python -m tests.domain.sixty_days
    import json
    from pathlib import Path

    from spinecoach.content import load_library, load_rules
    from spinecoach.domain.intake import make_profile

    lib, rul = load_library(), load_rules()
    examples = Path(__file__).resolve().parents[2] / "examples"
    six = ("pregnant_22_weeks", "stenosis_68", "gymnast_spondylolisthesis",
           "acute_sciatica_pain8", "desk_worker_pain3", "after_discectomy_6_weeks")  # fmt: skip
    for name in six:
        person = make_profile(json.loads((examples / f"profile_{name}.json").read_text()))
        print(f"## {person.name}")
        for line in summary_lines(person, lib, rul):
            print("  " + line)
