"""Personalised daily routines: choose, order and dose exercises, explaining every choice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from spinecoach.domain.exercise import (
    Category,
    Direction,
    Dose,
    Exercise,
    ExerciseLibrary,
    Position,
    Section,
)
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.intake import (
    EQUIPMENT_LABELS,
    EXTENSION_AGGRAVATORS,
    FLEXION_AGGRAVATORS,
    DurationClass,
    Profile,
    without_equipment,
)
from spinecoach.domain.plan import Plan, PlanItem
from spinecoach.domain.rules import DoseCeilings
from spinecoach.domain.wording import aggravator_words, condition_words, join_words

SECTION_ORDER = (Section.WARM_UP, Section.STRETCH, Section.STABILITY, Section.INTEGRATION)
TRANSITION_S = 10.0
#: The planner fills this share of the daily minutes, leaving room for progression to grow
#: the doses without the routine ever running over the person's time.
FILL_SHARE = 0.85

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
    ceilings: DoseCeilings = DoseCeilings()


@dataclass(frozen=True)
class _Candidate:
    exercise: Exercise
    score: float
    reasons: tuple[str, ...]


def _conditions_of(who: Profile | frozenset[str]) -> frozenset[str]:
    return who.planning_conditions if isinstance(who, Profile) else frozenset(who)


def excluded_reasons(
    exercise: Exercise, profile: Profile | frozenset[str], level: int
) -> list[str]:
    """Why ``exercise`` may not be in this person's plan (empty list = allowed).

    An exercise is excluded when any of its ``avoid`` contraindications matches the person's
    conditions (including derived ones such as ``flexion_intolerant``), its phase level is
    above the person's current level, or it needs equipment the person said they have not got
    (``without_<item>`` conditions) and its data file does not say how to do it without (a
    ``caution`` on ``without_<item>``, e.g. "lie on a carpet or a firm bed": see
    :func:`missing_equipment`). ``profile`` may be the planning conditions themselves (as
    stored on a plan), so a change made later applies exactly the planner's filter.
    """
    conditions = _conditions_of(profile)
    reasons = [
        _("left out for {condition}: {note}").format(
            condition=condition_words(c.condition), note=_(c.note)
        )
        for c in exercise.avoid_for(conditions)
    ]
    if exercise.level > level:
        reasons.append(
            _("phase level {level} is above your current level {current}").format(
                level=exercise.level, current=level
            )
        )
    missing = missing_equipment(exercise, conditions)
    if missing:
        words = _(" and ").join(_(EQUIPMENT_LABELS.get(e, e)) for e in missing)
        reasons.append(_("it needs {words}, which you said you do not have").format(words=words))
    return reasons


def missing_equipment(exercise: Exercise, conditions: frozenset[str]) -> list[str]:
    """The equipment ``exercise`` needs that the person has not got and that nothing stands
    in for.

    An item stands in when the exercise's data file has a ``caution`` on ``without_<item>``
    saying how to do it without (a mat: a carpet, rug or firm bed; a towel: a belt or scarf);
    that note is then said and shown with the exercise. A foam roller, a band or a chair has
    no such entry, so exercises that need them are left out.
    """
    substitutes = {c.condition for c in exercise.cautions_for(conditions)}
    return [
        e
        for e in exercise.equipment
        if without_equipment(e) in conditions and without_equipment(e) not in substitutes
    ]


def _is_substitute(condition: str) -> bool:
    return condition.startswith("without_")


def regression_for(
    exercise: Exercise,
    profile: Profile | frozenset[str],
    library: ExerciseLibrary | Mapping[str, Exercise],
    *,
    level: int = 3,
    exclude: frozenset[str] | set[str] | tuple[str, ...] = (),
) -> Exercise | None:
    """The easier version of ``exercise`` this person may do, or ``None``.

    The first of the exercise's listed regressions that passes exactly the planner's
    filter (:func:`excluded_reasons`: contraindications, including derived ones, and the
    level), is not ``exercise`` itself and is not in ``exclude`` (exercises already in the
    plan, or that hurt). Used inside a session and when adapting the next plan.
    """
    exercises = library.exercises if isinstance(library, ExerciseLibrary) else library
    for candidate_id in exercise.regressions:
        candidate = exercises.get(candidate_id)
        if candidate is None or candidate.id == exercise.id or candidate.id in exclude:
            continue
        if excluded_reasons(candidate, profile, level):
            continue
        return candidate
    return None


def cautions_for_person(exercise: Exercise, profile: Profile | frozenset[str]) -> tuple[str, ...]:
    """The exercise's cautions that apply to this person, as plain sentences to say."""
    conditions = _conditions_of(profile)
    return tuple(c.note for c in exercise.cautions_for(conditions))


def last_tolerated(
    done: Sequence[tuple[str, bool]],
    current: Exercise,
    profile: Profile | frozenset[str],
    library: ExerciseLibrary | Mapping[str, Exercise],
    *,
    level: int = 3,
) -> Exercise | None:
    """After leg symptoms spread (peripheralisation), the exercise to go back to, if any.

    Parameters
    ----------
    done : sequence of (exercise id, tolerated)
        The exercises of this session so far, in order; ``tolerated`` is true when it ended
        without a stop or an easier version being needed.
    current : Exercise
        The exercise during which symptoms spread.

    Returns
    -------
    Exercise or None
        The most recent tolerated exercise that is not ``current`` itself and still passes
        the planner's filter; ``None`` means the movement part of the session ends [MCK][MAY12].
        Never the next exercise of the plan.
    """
    exercises = library.exercises if isinstance(library, ExerciseLibrary) else library
    for exercise_id, tolerated in reversed(done):
        if not tolerated or exercise_id == current.id:
            continue
        candidate = exercises.get(exercise_id)
        if candidate is None or excluded_reasons(candidate, profile, level):
            continue
        return candidate
    return None


def _score(exercise: Exercise, profile: Profile, level: int) -> _Candidate:
    score = 0.0
    reasons: list[str] = []
    preference = profile.directional_preference
    if preference != "none" and exercise.direction.value == preference:
        score += 3.0
        reasons.append(
            _("moves in your preferred direction ({direction}) [LONG][MAY18]").format(
                direction=_(preference)
            )
        )
    elif exercise.direction == Direction.NEUTRAL:
        score += 1.0
    matched_goals = sorted(profile.goals & set(exercise.goals))
    if matched_goals:
        score += 1.5 * len(matched_goals)
        reasons.append(
            _("supports your goal(s): {goals}").format(
                goals=", ".join(_(g.replace("_", " ")) for g in matched_goals)
            )
        )
    if exercise.level == level:
        score += 1.0
    if profile.high_pain and "high_pain_relief" in exercise.goals:
        score += 4.0
        reasons.append(_("a position of relief while pain is high [MCK][MAY12]"))
    if profile.desk_hours >= 6 and "desk_relief" in exercise.goals:
        score += 1.0
        reasons.append(
            _("helps after long sitting ({hours} h/day at a desk)").format(
                hours=f"{profile.desk_hours:g}"
            )
        )
    if profile.duration_class == DurationClass.ACUTE and exercise.category == Category.MOBILITY:
        score += 0.5
    cautions = [
        c
        for c in exercise.cautions_for(profile.planning_conditions)
        if not _is_substitute(c.condition)
    ]
    if cautions:
        score -= 1.0 * len(cautions)
    return _Candidate(exercise, score, tuple(reasons))


def dose_limits(
    exercise: Exercise, age: int, ceilings: DoseCeilings, *, older_adult_age: int = 65
) -> tuple[tuple[int, int], tuple[float, float] | None]:
    """``((min reps, max reps), (min hold, max hold) or None)`` for this exercise and age.

    Static stretches: holds 30-45 s (30-60 s from ``older_adult_age``) and 2-4 repetitions;
    PNF: 2-4 cycles; core isometrics: holds up to 10 s, repetitions up to the ceiling;
    mobility: up to ~10 repetitions per set (ceilings in ``data/rules/session_rules.toml``).
    Walking (a dose in minutes) is capped at ``walking_minutes``.
    """
    dose = exercise.dose
    if exercise.category == Category.STATIC_STRETCH and dose.hold_s is not None:
        holds = (
            ceilings.older_adult_static_hold_s if age >= older_adult_age else ceilings.static_hold_s
        )
        return ceilings.static_reps, holds
    if exercise.category == Category.PNF:
        return ceilings.pnf_cycles, None
    if dose.unit == "minutes":
        rep_s = dose.rep_s or 1.0
        return (1, max(dose.reps, int(ceilings.walking_minutes * 60 // rep_s))), None
    if exercise.category == Category.ISOMETRIC:
        hold = (1.0, ceilings.isometric_hold_s) if dose.hold_s is not None else None
        return (1, max(dose.reps, ceilings.isometric_reps)), hold
    if dose.hold_s is not None:
        return (1, max(dose.reps, ceilings.mobility_reps)), (dose.hold_s, dose.hold_s)
    return (1, max(dose.reps, ceilings.mobility_reps)), None


def dose_for(exercise: Exercise, profile: Profile, dosing: DosingSettings) -> tuple[Dose, str]:
    """The dose for this person and a note on any change from the library default.

    Static holds use the ``static_hold_s`` setting (``older_adult_hold_s`` from
    ``older_adult_age``), kept within the cited ceilings (:func:`dose_limits`).
    """
    dose = exercise.dose
    note = ""
    if exercise.category == Category.STATIC_STRETCH and dose.hold_s is not None:
        hold = dosing.static_hold_s
        if profile.age >= dosing.older_adult_age:
            hold = dosing.older_adult_hold_s
            note = _("hold {hold} s (30-60 s suits adults {age}+ [ACSMB])").format(
                hold=f"{hold:g}", age=dosing.older_adult_age
            )
        _reps, holds = dose_limits(
            exercise, profile.age, dosing.ceilings, older_adult_age=dosing.older_adult_age
        )
        if holds is not None:
            hold = min(max(hold, holds[0]), holds[1])
        if hold != dose.hold_s:
            dose = dose.with_changes(hold_s=hold)
    return dose, note


def _item(candidate: _Candidate, profile: Profile, dosing: DosingSettings) -> PlanItem:
    exercise = candidate.exercise
    dose, dose_note = dose_for(exercise, profile, dosing)
    section_reason = {
        Section.WARM_UP: N_("gentle mobility to warm up"),
        Section.STRETCH: N_("a targeted stretch"),
        Section.STABILITY: N_("builds trunk stability"),
        Section.INTEGRATION: N_("brings control into everyday movement"),
    }[exercise.section]
    reason_parts = [_(section_reason).capitalize(), *candidate.reasons]
    cautions = exercise.cautions_for(profile.planning_conditions)
    reason_parts += [
        _(c.note)  # how to do it without the missing equipment, as the data file says
        if _is_substitute(c.condition)
        else _("take care ({condition}): {note}").format(
            condition=condition_words(c.condition), note=_(c.note)
        )
        for c in cautions
    ]
    if dose_note:
        reason_parts.append(dose_note)
    sources = list(exercise.sources)
    for tag in dose.sources:
        if tag not in sources:
            sources.append(tag)
    if candidate.reasons and any("preferred direction" in r for r in candidate.reasons):
        sources += [t for t in ("LONG", "MAY18") if t not in sources]
    return PlanItem(
        exercise_id=exercise.id,
        name=exercise.name,
        section=exercise.section,
        dose=dose,
        reason="; ".join(part.rstrip(". ") for part in reason_parts) + ".",
        sources=tuple(sources),
    )


def _routine_seconds(items: Sequence[PlanItem]) -> float:
    if not items:
        return 0.0
    return sum(i.duration_s for i in items) + TRANSITION_S * (len(items) - 1)


def plan_level(profile: Profile, previous: Plan | None, *, new_intake: bool) -> int:
    """The phase level of the next plan.

    A new intake sets the level from that intake (better or worse); otherwise the previous
    plan's level is kept, but never above what the profile allows.
    """
    if previous is None or new_intake:
        return profile.start_level
    return min(previous.level, profile.start_level)


def generate_plan(
    profile: Profile,
    library: ExerciseLibrary,
    history: Sequence[Plan] = (),
    now: datetime | None = None,
    *,
    dosing: DosingSettings | None = None,
    new_intake: bool = False,
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
        they are, exercises it set aside (they hurt) stay out, and its level is kept unless
        ``new_intake`` (never above the profile's level).
    now : datetime
        Creation time stamped on the plan (required for reproducibility).
    dosing : DosingSettings, optional
        Settings where sources conflict (hold length) and the dose ceilings.
    new_intake : bool
        The profile comes from an intake newer than the latest plan: its level applies.

    Returns
    -------
    Plan
        Items ordered by :func:`order_routine` (warm-up first, integration last, the rest
        grouped by position), fitting ``profile.minutes_per_day``, none contraindicated and
        none twice, each with its reason and sources. Walking is chosen first where it is the
        base of the routine.
    """
    if now is None:
        raise ValueError("generate_plan needs `now` (the core never reads the clock)")
    dosing = dosing or DosingSettings()
    previous = history[-1] if history else None
    level = plan_level(profile, previous, new_intake=new_intake)
    budget_s = profile.minutes_per_day * 60.0
    fill_s = budget_s * FILL_SHARE
    conditions = profile.planning_conditions
    set_aside = tuple(previous.set_aside) if previous else ()

    locked: list[PlanItem] = []
    for item in previous.items if previous else ():
        if item.locked and item.exercise_id not in {i.exercise_id for i in locked}:
            locked.append(item)
    locked_ids = {i.exercise_id for i in locked}
    allowed: list[_Candidate] = []
    resting: list[_Candidate] = []
    for exercise in library:
        if exercise.only_in:  # desk breaks and posture findings only (docs/posture.md)
            continue
        if exercise.id in locked_ids or excluded_reasons(exercise, conditions, level):
            continue
        (resting if exercise.id in set_aside else allowed).append(_score(exercise, profile, level))
    by_section: dict[Section, list[_Candidate]] = {s: [] for s in SECTION_ORDER}
    for candidate in allowed:
        by_section[candidate.exercise.section].append(candidate)
    for section in SECTION_ORDER:
        by_section[section].sort(key=lambda c: (-c.score, c.exercise.level, c.exercise.id))

    chosen: list[PlanItem] = list(locked)
    wanted_sections = list(SECTION_ORDER)
    if level == 1 and not profile.walking_is_base:
        wanted_sections.remove(Section.INTEGRATION)
    cursor = {s: 0 for s in SECTION_ORDER}
    if profile.walking_is_base:
        # walking is the cornerstone: it goes in first, before the round-robin
        for n, candidate in enumerate(by_section[Section.INTEGRATION]):
            if candidate.exercise.dose.unit == "minutes" and candidate.exercise.level <= level:
                item = _item(candidate, profile, dosing)
                if _routine_seconds([*chosen, item]) <= fill_s:
                    chosen.append(item)
                    by_section[Section.INTEGRATION].pop(n)
                break
    # the stability section is kept: its best exercise that fits goes in next (one set
    # aside because it hurt comes back only when no other one fits)
    resting_stability = sorted(
        (c for c in resting if c.exercise.section == Section.STABILITY),
        key=lambda c: (-c.score, c.exercise.level, c.exercise.id),
    )
    for n, candidate in enumerate([*by_section[Section.STABILITY], *resting_stability]):
        if n < len(by_section[Section.STABILITY]):
            cursor[Section.STABILITY] += 1
        item = _item(candidate, profile, dosing)
        if candidate.exercise.id not in {i.exercise_id for i in chosen} and (
            _routine_seconds([*chosen, item]) <= fill_s
        ):
            chosen.append(item)
            break
    # Round-robin over sections so every part of the routine is represented before any
    # section gets a second exercise; stop when the next item no longer fits.
    progress = True
    while progress:
        progress = False
        for section in wanted_sections:
            pool = by_section[section]
            while cursor[section] < len(pool):
                candidate = pool[cursor[section]]
                cursor[section] += 1
                if candidate.exercise.id in {i.exercise_id for i in chosen}:
                    continue
                item = _item(candidate, profile, dosing)
                if _routine_seconds([*chosen, item]) <= fill_s:
                    chosen.append(item)
                    progress = True
                    break
    chosen = order_routine(chosen, library)
    level_reason = _level_reason(profile)
    if previous is not None and not new_intake:
        level_reason = (
            _("kept from your last plan.")
            if level == previous.level
            else _("lowered to what your current answers allow.")
        )
    reasons = [
        _("Level {level} ({name}): {why}").format(
            level=level, name=_(_LEVEL_NAMES[level]), why=level_reason
        ),
        _("Fits your {minutes} minutes a day.").format(minutes=profile.minutes_per_day),
    ]
    if profile.high_pain:
        reasons.append(
            _(
                "Your pain is {pain}/10 today, so the routine keeps to positions of relief, "
                "breathing and gentle movement; during it, pain should not rise above where it "
                "started [EFE][SIL07]."
            ).format(pain=profile.pain_now)
        )
    if profile.directional_preference != "none":
        reasons.append(_direction_reason(profile))
    if profile.walking_is_base:
        reasons.append(_walking_reason(profile))
    special = sorted(
        conditions
        & {
            "osteoporosis",
            "pregnancy",
            "recent_surgery",
            "spinal_stenosis",
            "spondylolisthesis",
        }
    )
    if special:
        reasons.append(
            _("Exercises unsuitable for {conditions} are left out.").format(
                conditions=join_words(condition_words(c) for c in special)
            )
        )
    if profile.equipment is not None:
        reasons += _equipment_reasons(profile, library, chosen, level)
    left_out = [i for i in set_aside if i not in {c.exercise_id for c in chosen}]
    if left_out:
        names = [_(library.exercises[i].name) if i in library else i for i in left_out]
        reasons.append(
            _("Left out because they hurt recently: {names}.").format(names=join_words(names))
        )
    if locked:
        reasons.append(
            _("Kept as your clinician set them: {names}.").format(
                names=join_words(_(i.name) for i in locked)
            )
        )
    return Plan(
        items=tuple(chosen),
        level=level,
        created_at=now,
        reasons=tuple(reasons),
        budget_s=budget_s,
        note=previous.note if previous else "",
        conditions=conditions,
        set_aside=tuple(left_out),
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


def _equipment_reasons(
    profile: Profile, library: ExerciseLibrary, chosen: Sequence[PlanItem], level: int
) -> list[str]:
    """Why the routine looks as it does with the equipment the person has."""
    conditions = profile.planning_conditions
    lacking = [e for e in EQUIPMENT_LABELS if without_equipment(e) in conditions]
    if not lacking:
        return []
    used = [library.exercises[i.exercise_id] for i in chosen if i.exercise_id in library.exercises]
    out = []
    standing_in = sorted(
        {
            c.condition.removeprefix("without_")
            for e in used
            for c in e.cautions_for(conditions)
            if _is_substitute(c.condition)
        }
    )
    if standing_in:
        out.append(
            _(
                "Without {items}, the exercises that use one are done as each one's note says "
                "(for lying down: a carpet, a rug or a firm bed); the movement and the dose stay "
                "the same [NG59]."
            ).format(items=join_words(_(EQUIPMENT_LABELS[e]) for e in standing_in))
        )
    needed = {
        e
        for exercise in library
        if not exercise.only_in and exercise.level <= level
        for e in missing_equipment(exercise, conditions)
    }
    left_out = [e for e in EQUIPMENT_LABELS if e in needed]  # in the intake's order
    if left_out:
        out.append(
            _("Exercises that need {items} are left out: you said you have none.").format(
                items=join_words(_(EQUIPMENT_LABELS[e]) for e in left_out)
            )
        )
    return out


def _direction_reason(profile: Profile) -> str:
    if "spinal_stenosis" in profile.conditions and not profile.flexion_intolerant:
        return _(
            "With narrowing of the spinal canal, symptoms usually ease bending forward, so the "
            "routine leans towards flexion and leaves out arching back [NASSLSS]."
        )
    if profile.flexion_intolerant:
        reported = profile.aggravators & FLEXION_AGGRAVATORS
    else:
        reported = profile.aggravators & EXTENSION_AGGRAVATORS
    return _(
        "Your pain is worse with {activities}, so the routine leans towards {direction} "
        "movements and leaves out ones that aggravate it [LONG][MAY18]."
    ).format(activities=aggravator_words(reported), direction=_(profile.directional_preference))


def _walking_reason(profile: Profile) -> str:
    if profile.surgery_recent:
        why = _("after back surgery, walking is the base of recovery [OOST14]")
    elif "spinal_stenosis" in profile.conditions:
        why = _("with spinal stenosis, building up walking is part of the routine [NASSLSS]")
    elif profile.duration_class == DurationClass.ACUTE:
        why = _("staying active helps recent back pain [NG59]")
    elif "osteoporosis" in profile.conditions:
        why = _("walking is part of a bone-friendly programme, with strength and balance [TFTF]")
    else:
        why = _("walking is a safe way to stay active in pregnancy [ACOG804]")
    return _("Walking is included from the start: {why}.").format(why=why)


_LEVEL_NAMES = {1: N_("stability"), 2: N_("controlled mobility"), 3: N_("dynamic and functional")}


def _level_reason(profile: Profile) -> str:
    if profile.start_level == 1:
        why = []
        if profile.duration_class == DurationClass.ACUTE:
            why.append(_("the pain is recent"))
        if profile.pain_now >= 7:
            why.append(_("the pain is high today"))
        if profile.leg_symptoms.value == "below_knee":
            why.append(_("symptoms reach below the knee"))
        special = sorted(
            profile.planning_conditions
            & {"recent_surgery", "osteoporosis", "pregnancy", "spinal_stenosis"}
        )
        why += [condition_words(c) for c in special]
        if not why:
            why.append(_("your answers suggest a high risk of the pain lasting"))
        return _("start gently ({why}).").format(why=join_words(why))
    if profile.start_level == 3:
        return _("low pain and an active lifestyle allow dynamic work.")
    return _("controlled movement suits your current pain.")


def relabel(plan: Plan, library: ExerciseLibrary) -> Plan:
    """Fill item names from the library (stored plans keep only ids)."""
    items = tuple(
        replace(i, name=library.exercises[i.exercise_id].name) if i.exercise_id in library else i
        for i in plan.items
    )
    return replace(plan, items=items)
