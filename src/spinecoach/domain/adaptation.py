"""Plan adaptation from session reports: progress, hold or regress, with reasons (CLINICAL §5).

Rules (thresholds and citations in ``data/rules/session_rules.toml``):

* neurological or emergency symptoms -> the stop rules decide; the plan is paused when they
  end the session or send the person to a clinician;
* pain above the limit during the session, pain persisting next morning, or the exercise
  stopped/regressed in session -> **regress** (its regression exercise, else a smaller dose);
* a flare that settled by the next morning -> **hold** (repeat the same load) [BIM][SSP];
* no next-morning check-in yet -> **hold** (the 24-hour response matters most) [BIM];
* pain within the limit, settled by morning, and the exercise done -> a good session; after
  ``good_sessions_to_advance`` good sessions in a row -> **progress** one small step
  (one more repetition, a longer stretch hold, or the progression exercise at the top dose)
  [SIL07][EFE]; isometrics progress repetitions, not hold time [AFC][LAKA].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from spinecoach.domain.exercise import Category, ExerciseLibrary, SignatureMode
from spinecoach.domain.i18n import _
from spinecoach.domain.plan import (
    ChangeAction,
    ExerciseReport,
    Plan,
    PlanChange,
    PlanItem,
    SessionReport,
)
from spinecoach.domain.planning import dose_limits, excluded_reasons, regression_for
from spinecoach.domain.rules import Rules, StopAction
from spinecoach.domain.safety import effective_pain_limit, evaluate_checkin

#: How many recently hurting exercises a plan keeps out (the most recent ones).
SET_ASIDE_MAX = 3


def _regress(
    item: PlanItem,
    library: ExerciseLibrary,
    conditions: frozenset[str],
    why: str,
    rules: Rules,
    *,
    level: int,
    exclude: frozenset[str],
) -> tuple[PlanItem, PlanChange]:
    exercise = library.get(item.exercise_id)
    candidate = regression_for(exercise, conditions, library, level=level, exclude=exclude)
    if candidate is not None:
        new = PlanItem(
            exercise_id=candidate.id,
            name=candidate.name,
            section=item.section,
            dose=candidate.dose,
            reason=_("Easier version of {name}: {why}").format(name=_(exercise.name), why=why),
            sources=tuple(dict.fromkeys((*candidate.sources, *rules.pain.sources))),
        )
        change = PlanChange(
            item.exercise_id,
            ChangeAction.REGRESS,
            _("{why} Switched to the easier {name}.").format(why=why, name=_(candidate.name)),
            rules.pain.sources,
            replaced_by=candidate.id,
        )
        return new, change
    dose = item.dose
    (min_reps, _max_reps), holds = dose_limits(exercise, _age(conditions), rules.ceilings)
    # a stretch hold stays within its cited range; other holds go no shorter than 10 s
    min_hold = holds[0] if exercise.category == Category.STATIC_STRETCH and holds else 10.0
    if (
        exercise.signature.mode == SignatureMode.HOLD
        and dose.hold_s
        and dose.hold_s - rules.progression.hold_step_s >= min_hold
    ):
        dose = dose.with_changes(hold_s=dose.hold_s - rules.progression.hold_step_s)
        what = _("hold shortened to {seconds} s").format(seconds=f"{dose.hold_s:g}")
    elif dose.reps - rules.progression.reps_step >= min_reps:
        dose = dose.with_changes(reps=dose.reps - rules.progression.reps_step)
        what = _("{n} repetitions").format(n=dose.reps)
    else:
        what = _("kept at the smallest dose")
    new = replace(item, dose=dose, good_sessions=0)
    change = PlanChange(
        item.exercise_id,
        ChangeAction.REGRESS,
        _("{why} Dose reduced: {what}.").format(why=why, what=what),
        rules.pain.sources,
    )
    return new, change


def _age(conditions: frozenset[str]) -> int:
    """Ceilings only need to know whether the person is an older adult."""
    return 65 if "older_adult" in conditions else 40


def _progress(
    item: PlanItem,
    library: ExerciseLibrary,
    conditions: frozenset[str],
    level: int,
    rules: Rules,
    *,
    exclude: frozenset[str],
) -> tuple[PlanItem, PlanChange]:
    prog = rules.progression
    exercise = library.get(item.exercise_id)
    dose = item.dose
    n = prog.good_sessions_to_advance
    (_min_reps, max_reps), holds = dose_limits(exercise, _age(conditions), rules.ceilings)
    stretch = exercise.category == Category.STATIC_STRETCH
    reps_step = prog.reps_step
    if dose.unit == "minutes" and dose.rep_s > 0:
        reps_step = max(1, round(60.0 / dose.rep_s))  # one more minute
    if (
        stretch
        and holds is not None
        and dose.hold_s is not None
        and dose.hold_s + prog.hold_step_s <= min(holds[1], prog.max_hold_s)
    ):
        new_dose = dose.with_changes(hold_s=dose.hold_s + prog.hold_step_s)
        what = _("hold {before} -> {after} s").format(
            before=f"{dose.hold_s:g}", after=f"{new_dose.hold_s:g}"
        )
    elif dose.reps + reps_step <= min(max_reps, prog.max_reps if dose.unit == "reps" else 10**6):
        new_dose = dose.with_changes(reps=dose.reps + reps_step)
        what = (
            _("about one minute more")
            if dose.unit == "minutes"
            else _("{before} -> {after} repetitions").format(before=dose.reps, after=new_dose.reps)
        )
    else:
        for candidate_id in exercise.progressions:
            candidate = library.exercises.get(candidate_id)
            if (
                candidate is None
                or candidate.id in exclude
                or candidate.section != item.section
                or excluded_reasons(candidate, conditions, level)
            ):
                continue
            new = PlanItem(
                exercise_id=candidate.id,
                name=candidate.name,
                section=candidate.section,
                dose=candidate.dose,
                reason=_("Next step after {name}, which you now do comfortably.").format(
                    name=_(exercise.name)
                ),
                sources=tuple(dict.fromkeys((*candidate.sources, *prog.sources))),
            )
            return new, PlanChange(
                item.exercise_id,
                ChangeAction.PROGRESS,
                _("{n} comfortable sessions at the top dose: moving on to {name}.").format(
                    n=n, name=_(candidate.name)
                ),
                prog.sources,
                replaced_by=candidate.id,
            )
        return replace(item, good_sessions=0), PlanChange(
            item.exercise_id,
            ChangeAction.HOLD,
            _("Already at the top dose with no further step available: keep it as it is."),
            (*prog.sources, *rules.ceilings.sources),
        )
    return replace(item, dose=new_dose, good_sessions=0), PlanChange(
        item.exercise_id,
        ChangeAction.PROGRESS,
        _(
            "{n} sessions in a row within the pain limit and settled by next morning: "
            "a small step up ({what})."
        ).format(n=n, what=what),
        prog.sources,
    )


def adapt_plan(
    plan: Plan,
    session_reports: Sequence[SessionReport],
    now: datetime,
    *,
    library: ExerciseLibrary,
    rules: Rules,
    conditions: frozenset[str] = frozenset(),
    pain_limit: int | None = None,
) -> Plan:
    """Return tomorrow's plan adapted to the latest session report, every change explained.

    Parameters
    ----------
    plan : Plan
        The plan the session followed.
    session_reports : sequence of SessionReport
        Reports oldest first; the last one drives the adaptation.
    now : datetime
        Creation time of the new plan.
    library, rules : ExerciseLibrary, Rules
    conditions : frozenset of str
        The person's planning conditions (so a regression or progression is never
        contraindicated).
    pain_limit : int, optional
        Override of the pain limit (the ``pain_limit`` setting).

    Returns
    -------
    Plan
        A new plan with ``changes`` listing one change per item (progress, hold, regress,
        stop or pause), each with its reason and sources.
    """
    if not session_reports:
        return replace(
            plan,
            created_at=now,
            changes=(PlanChange("*", ChangeAction.HOLD, _("No session yet: plan unchanged.")),),
        )
    report = session_reports[-1]
    limit = rules.pain.limit if pain_limit is None else pain_limit

    decision = evaluate_checkin(None, None, report.symptoms, rules, pain_limit=limit)
    if decision.action in (StopAction.END_SESSION, StopAction.URGENT_CARE):
        return replace(
            plan,
            created_at=now,
            paused=True,
            changes=tuple(
                PlanChange("*", ChangeAction.PAUSE, reason, decision.sources)
                for reason in decision.reasons
            ),
            reasons=(*plan.reasons, _("Paused until you have spoken to a clinician.")),
        )

    by_id: dict[str, ExerciseReport] = {e.exercise_id: e for e in report.exercises}
    max_pain = report.pain_max_during
    baseline = report.pain_before
    limit = effective_pain_limit(limit, baseline)
    over_limit = max_pain is not None and max_pain > limit
    conditions = plan.conditions | conditions
    # exercises that hurt (stopped or made easier during the session) are set aside
    hurt = {
        e.exercise_id
        for e in report.exercises
        if e.stop_action in (StopAction.STOP_EXERCISE.value, StopAction.REGRESS.value)
    }
    kept = [i for i in plan.set_aside if i not in hurt]
    set_aside = tuple([*kept, *sorted(hurt)][-SET_ASIDE_MAX:])
    in_plan = {i.exercise_id for i in plan.items}
    morning = report.next_morning_pain
    tolerance = rules.pain.morning_tolerance
    persisted = morning is not None and baseline is not None and morning > baseline + tolerance
    flared = (
        max_pain is not None
        and baseline is not None
        and max_pain - baseline >= rules.pain.rise_to_regress
    )

    items: list[PlanItem] = []
    changes: list[PlanChange] = []
    for item in plan.items:
        result = by_id.get(item.exercise_id)
        if item.locked:
            items.append(item)
            changes.append(
                PlanChange(item.exercise_id, ChangeAction.HOLD, _("Locked by your clinician."))
            )
            continue
        if result is None:
            items.append(item)
            changes.append(
                PlanChange(
                    item.exercise_id,
                    ChangeAction.HOLD,
                    _("Not done in the last session: unchanged."),
                )
            )
            continue
        own_over = result.pain_during is not None and result.pain_during > limit
        stopped = result.stop_action in (StopAction.STOP_EXERCISE.value, StopAction.REGRESS.value)
        if over_limit or own_over or persisted or stopped:
            if stopped:
                why = _("It was stopped or made easier during the session.")
            elif own_over or over_limit:
                why = _("Pain went above {limit}/10 during the session.").format(limit=limit)
            else:
                why = _(
                    "Pain was still higher the next morning ({morning}/10 vs {baseline}/10)."
                ).format(morning=morning, baseline=baseline)
            taken = in_plan | {i.exercise_id for i in items} | set(set_aside)
            new, change = _regress(
                item,
                library,
                conditions,
                why,
                rules,
                level=plan.level,
                exclude=frozenset(taken - {item.exercise_id}),
            )
            rest = plan.items[len(items) + 1 :]
            if (
                new.exercise_id != item.exercise_id
                and plan.budget_s > 0
                and _total_s([*items, new, *rest]) > plan.budget_s
            ):
                # the easier version would not fit the daily minutes: a smaller dose instead
                new, change = _regress(
                    item, library, conditions, why, rules, level=plan.level,
                    exclude=frozenset(library.exercises),
                )  # fmt: skip
        elif morning is None:
            new, change = (
                item,
                PlanChange(
                    item.exercise_id,
                    ChangeAction.HOLD,
                    _(
                        "Waiting for your next-morning check-in before changing the dose "
                        "(how you feel the next day matters most)."
                    ),
                    ("BIM", "SSP"),
                ),
            )
        elif flared:
            new, change = (
                replace(item, good_sessions=0),
                PlanChange(
                    item.exercise_id,
                    ChangeAction.HOLD,
                    _(
                        "Pain flared during the session but settled by the next morning: "
                        "repeat the same dose."
                    ),
                    ("BIM", "SSP", "EFE"),
                ),
            )
        elif result.completion < rules.progression.min_completion:
            new, change = (
                replace(item, good_sessions=0),
                PlanChange(
                    item.exercise_id,
                    ChangeAction.HOLD,
                    _(
                        "Only {done} of {target} repetitions done: "
                        "keep this dose until it feels comfortable."
                    ).format(done=result.reps_done, target=result.reps_target),
                    rules.progression.sources,
                ),
            )
        else:
            good = item.good_sessions + 1
            if good >= rules.progression.good_sessions_to_advance:
                taken = in_plan | {i.exercise_id for i in items} | set(set_aside)
                new, change = _progress(
                    item, library, conditions, plan.level, rules, exclude=frozenset(taken)
                )
                rest = plan.items[len(items) + 1 :]
                if (
                    plan.budget_s > 0
                    and _total_s([*items, new, *rest]) > plan.budget_s
                    and new.duration_s > item.duration_s
                ):
                    new, change = (
                        replace(item, good_sessions=0),
                        PlanChange(
                            item.exercise_id,
                            ChangeAction.HOLD,
                            _(
                                "Comfortable, but a step up would no longer fit your daily "
                                "minutes: keep this dose."
                            ),
                            rules.progression.sources,
                        ),
                    )
            else:
                new, change = (
                    replace(item, good_sessions=good),
                    PlanChange(
                        item.exercise_id,
                        ChangeAction.HOLD,
                        _("Comfortable session ({good} of {needed} before a step up).").format(
                            good=good, needed=rules.progression.good_sessions_to_advance
                        ),
                        rules.progression.sources,
                    ),
                )
        items.append(new)
        changes.append(change)

    # a change never leaves the same exercise twice in a plan
    unique: list[PlanItem] = []
    for new_item in items:
        if new_item.exercise_id not in {u.exercise_id for u in unique}:
            unique.append(new_item)
    items = unique
    regressed = sum(c.action == ChangeAction.REGRESS for c in changes)
    progressed = sum(c.action == ChangeAction.PROGRESS for c in changes)
    template = _("Adapted after your session: {progressed} progressed, {regressed} made easier.")
    summary = template.format(progressed=progressed, regressed=regressed)
    # the last adaptation's summary (in English or the language it was written in) is replaced
    prefixes = ("Adapted after", template.split("{")[0])
    return replace(
        plan,
        items=tuple(items),
        created_at=now,
        changes=tuple(changes),
        reasons=(summary, *[r for r in plan.reasons if not r.startswith(prefixes)]),
        conditions=conditions,
        set_aside=tuple(i for i in set_aside if i not in {u.exercise_id for u in items}),
    )


def _total_s(items: Sequence[PlanItem]) -> float:
    if not items:
        return 0.0
    return sum(i.duration_s for i in items) + 10.0 * (len(items) - 1)
