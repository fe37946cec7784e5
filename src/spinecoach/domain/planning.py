"""Personalised daily routines: choose, order and dose exercises, explaining every choice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from spinecoach.domain.exercise import (
    Category,
    Direction,
    Exercise,
    ExerciseLibrary,
    Position,
    Section,
)
from spinecoach.domain.intake import DurationClass, Profile
from spinecoach.domain.plan import Plan, PlanItem

SECTION_ORDER = (Section.WARM_UP, Section.STRETCH, Section.STABILITY, Section.INTEGRATION)
TRANSITION_S = 10.0

#: How far off the floor each starting position is (0 lying ... 3 standing): getting up or
#: down by one step costs one. Floor positions differ only by rolling over.
POSITION_HEIGHT = {
    Position.SUPINE: 0.0,
    Position.SIDE_LYING: 0.1,
    Position.PRONE: 0.2,
    Position.QUADRUPED: 1.0,
    Position.KNEELING: 1.1,
    Position.SEATED: 2.0,
    Position.STANDING: 3.0,
}
#: A session starts in front of the screen, standing.
START_HEIGHT = POSITION_HEIGHT[Position.STANDING]


@dataclass(frozen=True)
class DosingSettings:
    """Values where sources conflict (defaults mirror :class:`spinecoach.settings.Settings`)."""

    static_hold_s: float = 30.0
    older_adult_age: int = 65
    older_adult_hold_s: float = 45.0


@dataclass(frozen=True)
class _Candidate:
    exercise: Exercise
    score: float
    reasons: tuple[str, ...]


def excluded_reasons(exercise: Exercise, profile: Profile, level: int) -> list[str]:
    """Why ``exercise`` may not be in this person's plan (empty list = allowed).

    An exercise is excluded when any of its ``avoid`` contraindications matches the person's
    conditions (including derived ones such as ``flexion_intolerant``), or its phase level is
    above the person's current level.
    """
    reasons = [
        f"avoided for {c.condition.replace('_', ' ')}: {c.note}"
        for c in exercise.avoid_for(profile.planning_conditions)
    ]
    if exercise.level > level:
        reasons.append(f"phase level {exercise.level} is above your current level {level}")
    return reasons


def _score(exercise: Exercise, profile: Profile, level: int) -> _Candidate:
    score = 0.0
    reasons: list[str] = []
    preference = profile.directional_preference
    if preference != "none" and exercise.direction.value == preference:
        score += 3.0
        reasons.append(f"moves in your preferred direction ({preference}) [LONG][MAY18]")
    elif exercise.direction == Direction.NEUTRAL:
        score += 1.0
    matched_goals = sorted(profile.goals & set(exercise.goals))
    if matched_goals:
        score += 1.5 * len(matched_goals)
        reasons.append(
            "supports your goal(s): " + ", ".join(g.replace("_", " ") for g in matched_goals)
        )
    if exercise.level == level:
        score += 1.0
    if profile.desk_hours >= 6 and "desk_relief" in exercise.goals:
        score += 1.0
        reasons.append(f"helps after long sitting ({profile.desk_hours:g} h/day at a desk)")
    if profile.duration_class == DurationClass.ACUTE and exercise.category == Category.MOBILITY:
        score += 0.5
    cautions = exercise.cautions_for(profile.planning_conditions)
    if cautions:
        score -= 1.0 * len(cautions)
    return _Candidate(exercise, score, tuple(reasons))


def dose_for(exercise: Exercise, profile: Profile, dosing: DosingSettings) -> tuple[object, str]:
    """The dose for this person and a note on any change from the library default."""
    dose = exercise.dose
    note = ""
    if exercise.category == Category.STATIC_STRETCH and dose.hold_s is not None:
        hold = dosing.static_hold_s
        if profile.age >= dosing.older_adult_age:
            hold = dosing.older_adult_hold_s
            note = f"hold {hold:g} s (30-60 s suits adults {dosing.older_adult_age}+ [ACSMB])"
        if hold != dose.hold_s:
            dose = dose.with_changes(hold_s=hold)
    return dose, note


def _item(candidate: _Candidate, profile: Profile, dosing: DosingSettings) -> PlanItem:
    exercise = candidate.exercise
    dose, dose_note = dose_for(exercise, profile, dosing)
    section_reason = {
        Section.WARM_UP: "gentle mobility to warm up",
        Section.STRETCH: "a targeted stretch",
        Section.STABILITY: "builds trunk stability",
        Section.INTEGRATION: "brings control into everyday movement",
    }[exercise.section]
    reason_parts = [section_reason.capitalize(), *candidate.reasons]
    cautions = exercise.cautions_for(profile.planning_conditions)
    reason_parts += [f"take care ({c.condition.replace('_', ' ')}): {c.note}" for c in cautions]
    if dose_note:
        reason_parts.append(dose_note)
    sources = list(exercise.sources)
    for tag in dose.sources:  # type: ignore[attr-defined]
        if tag not in sources:
            sources.append(tag)
    if candidate.reasons and any("preferred direction" in r for r in candidate.reasons):
        sources += [t for t in ("LONG", "MAY18") if t not in sources]
    return PlanItem(
        exercise_id=exercise.id,
        name=exercise.name,
        section=exercise.section,
        dose=dose,  # type: ignore[arg-type]
        reason="; ".join(part.rstrip(". ") for part in reason_parts) + ".",
        sources=tuple(sources),
    )


def _routine_seconds(items: Sequence[PlanItem]) -> float:
    if not items:
        return 0.0
    return sum(i.duration_s for i in items) + TRANSITION_S * (len(items) - 1)


def generate_plan(
    profile: Profile,
    library: ExerciseLibrary,
    history: Sequence[Plan] = (),
    now: datetime | None = None,
    *,
    dosing: DosingSettings | None = None,
) -> Plan:
    """Build today's routine for ``profile``.

    Parameters
    ----------
    profile : Profile
        The person's intake.
    library : ExerciseLibrary
        Exercises to choose from.
    history : sequence of Plan
        Earlier plans, newest last; items a clinician locked in the latest plan are kept as
        they are, and the latest plan's level is kept.
    now : datetime
        Creation time stamped on the plan (required for reproducibility).
    dosing : DosingSettings, optional
        Settings where sources conflict (hold length).

    Returns
    -------
    Plan
        Items ordered by :func:`order_routine` (warm-up first, integration last, the rest
        grouped by position), fitting
        ``profile.minutes_per_day``, none contraindicated, each with its reason and sources.
    """
    if now is None:
        raise ValueError("generate_plan needs `now` (the core never reads the clock)")
    dosing = dosing or DosingSettings()
    previous = history[-1] if history else None
    level = previous.level if previous is not None else profile.start_level
    budget_s = profile.minutes_per_day * 60.0

    locked = [i for i in previous.items if i.locked] if previous else []
    locked_ids = {i.exercise_id for i in locked}
    allowed: list[_Candidate] = []
    for exercise in library:
        if exercise.id in locked_ids or excluded_reasons(exercise, profile, level):
            continue
        allowed.append(_score(exercise, profile, level))
    by_section: dict[Section, list[_Candidate]] = {s: [] for s in SECTION_ORDER}
    for candidate in allowed:
        by_section[candidate.exercise.section].append(candidate)
    for section in SECTION_ORDER:
        by_section[section].sort(key=lambda c: (-c.score, c.exercise.level, c.exercise.id))

    chosen: list[PlanItem] = list(locked)
    # Round-robin over sections so every part of the routine is represented before any
    # section gets a second exercise; stop when the next item no longer fits.
    wanted_sections = list(SECTION_ORDER)
    if level == 1:
        wanted_sections.remove(Section.INTEGRATION)
    cursor = {s: 0 for s in SECTION_ORDER}
    progress = True
    while progress:
        progress = False
        for section in wanted_sections:
            pool = by_section[section]
            while cursor[section] < len(pool):
                candidate = pool[cursor[section]]
                cursor[section] += 1
                item = _item(candidate, profile, dosing)
                if _routine_seconds([*chosen, item]) <= budget_s:
                    chosen.append(item)
                    progress = True
                    break
    chosen = order_routine(chosen, library)
    reasons = [
        f"Level {level} ({_LEVEL_NAMES[level]}): "
        + ("kept from your last plan." if previous else _level_reason(profile)),
        f"Fits your {profile.minutes_per_day} minutes a day.",
    ]
    if profile.directional_preference != "none":
        reasons.append(
            f"Your pain is worse with {_intolerance(profile)}, so the routine leans towards "
            f"{profile.directional_preference} movements and leaves out ones that aggravate "
            "it [LONG][MAY18]."
        )
    if profile.planning_conditions & {"osteoporosis", "pregnancy", "recent_surgery"}:
        conds = sorted(
            profile.planning_conditions & {"osteoporosis", "pregnancy", "recent_surgery"}
        )
        reasons.append(
            "Exercises unsuitable for "
            + ", ".join(c.replace("_", " ") for c in conds)
            + " are left out."
        )
    if locked:
        reasons.append(
            "Kept as your clinician set them: " + ", ".join(i.exercise_id for i in locked) + "."
        )
    return Plan(
        items=tuple(chosen),
        level=level,
        created_at=now,
        reasons=tuple(reasons),
        budget_s=budget_s,
        note=previous.note if previous else "",
    )


def _height(item: PlanItem, library: ExerciseLibrary) -> float:
    if item.exercise_id not in library:
        return START_HEIGHT
    return POSITION_HEIGHT[library.exercises[item.exercise_id].position]


def trips(items: Sequence[PlanItem], library: ExerciseLibrary) -> float:
    """Total getting up and down of a routine (position heights climbed or descended),
    from standing at the start."""
    total, here = 0.0, START_HEIGHT
    for item in items:
        height = _height(item, library)
        total += abs(height - here)
        here = height
    return total


def order_routine(items: Sequence[PlanItem], library: ExerciseLibrary) -> list[PlanItem]:
    """Order a routine so the person goes up and down as little as possible.

    Warm-ups come first and integration (standing, functional) work last. Stretching and
    stability work form one middle block grouped by position, swept from the position the
    warm-up ended in, either up or down, whichever means less getting up and down; in the same
    position stretches come before stability work. Each block is grouped by position the same
    way. Ties keep the section order, then the id.

    Parameters
    ----------
    items : sequence of PlanItem
        The chosen exercises, in any order.
    library : ExerciseLibrary
        Where the items' starting positions come from.

    Returns
    -------
    list of PlanItem
    """
    blocks = [
        [i for i in items if i.section is Section.WARM_UP],
        [i for i in items if i.section in (Section.STRETCH, Section.STABILITY)],
        [i for i in items if i.section is Section.INTEGRATION],
    ]
    ordered: list[PlanItem] = []
    for n, block in enumerate(blocks):
        later = [i for b in blocks[n + 1 :] for i in b]
        after = _height(later[0], library) if later else None
        best: list[PlanItem] | None = None
        best_cost = 0.0
        for descending in (True, False):
            sign = -1.0 if descending else 1.0
            candidate = sorted(
                block,
                key=lambda i: (
                    sign * _height(i, library),
                    SECTION_ORDER.index(i.section),
                    i.exercise_id,
                ),
            )
            path = [*ordered, *candidate]
            cost = trips(path, library)
            if after is not None and candidate:
                cost += abs(after - _height(candidate[-1], library))
            if best is None or cost < best_cost - 1e-9:
                best, best_cost = candidate, cost
        ordered.extend(best or [])
    return ordered


_LEVEL_NAMES = {1: "stability", 2: "controlled mobility", 3: "dynamic and functional"}


def _intolerance(profile: Profile) -> str:
    return "sitting and bending" if profile.flexion_intolerant else "standing and arching"


def _level_reason(profile: Profile) -> str:
    if profile.start_level == 1:
        return "start gently while pain is recent, high or spreading."
    if profile.start_level == 3:
        return "low pain and an active lifestyle allow dynamic work."
    return "controlled movement suits your current pain."


def relabel(plan: Plan, library: ExerciseLibrary) -> Plan:
    """Fill item names from the library (stored plans keep only ids)."""
    items = tuple(
        replace(i, name=library.exercises[i.exercise_id].name) if i.exercise_id in library else i
        for i in plan.items
    )
    return replace(plan, items=items)
