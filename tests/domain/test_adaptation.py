"""adapt_plan: progress, hold or regress after a session, each change explained."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from spinecoach.domain.adaptation import adapt_plan
from spinecoach.domain.intake import make_profile
from spinecoach.domain.plan import ChangeAction, ExerciseReport, SessionReport
from spinecoach.domain.planning import generate_plan

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
PROFILE = {"pain_now": 3, "pain_average": 3, "duration_weeks": 20, "age": 40,
           "activity_level": "moderate", "minutes_per_day": 10}  # fmt: skip


@pytest.fixture()
def plan(library):  # type: ignore[no-untyped-def]
    return generate_plan(make_profile(PROFILE), library, [], NOW)


def report_for(plan, *, before=3, during=3, after=3, morning=3, done=True, symptoms=()):  # type: ignore[no-untyped-def]
    return SessionReport(
        started_at=NOW,
        pain_before=before,
        pain_after=after,
        next_morning_pain=morning,
        symptoms=frozenset(symptoms),
        exercises=tuple(
            ExerciseReport(
                exercise_id=i.exercise_id,
                completed=done,
                reps_done=i.dose.reps if done else max(i.dose.reps // 2, 0),
                reps_target=i.dose.reps,
                pain_during=during,
            )
            for i in plan.items
        ),
    )


def adapt(plan, reports, library, rules):  # type: ignore[no-untyped-def]
    return adapt_plan(plan, reports, NOW + timedelta(days=1), library=library, rules=rules)


def test_two_good_sessions_progress_in_small_steps(plan, library, rules) -> None:  # type: ignore[no-untyped-def]
    once = adapt(plan, [report_for(plan)], library, rules)
    assert {c.action for c in once.changes} == {ChangeAction.HOLD}
    assert all("1 of 2" in c.reason for c in once.changes)
    twice = adapt(once, [report_for(once)], library, rules)
    for change in twice.changes:
        assert (
            change.action == ChangeAction.PROGRESS
            or "top dose" in change.reason
            or "daily minutes" in change.reason
        )
    assert sum(c.action == ChangeAction.PROGRESS for c in twice.changes) >= 3
    for before, after, change in zip(plan.items, twice.items, twice.changes, strict=True):
        if after.exercise_id == before.exercise_id and change.action == ChangeAction.PROGRESS:
            grew_reps = after.dose.reps == before.dose.reps + rules.progression.reps_step
            grew_hold = (after.dose.hold_s or 0) == (
                before.dose.hold_s or 0
            ) + rules.progression.hold_step_s
            assert grew_reps or grew_hold, after.exercise_id
    assert all(c.reason and c.sources for c in twice.changes)


def test_pain_over_limit_regresses(plan, library, rules) -> None:  # type: ignore[no-untyped-def]
    new = adapt(plan, [report_for(plan, during=7)], library, rules)
    assert all(c.action == ChangeAction.REGRESS for c in new.changes)
    assert all("above 5/10" in c.reason for c in new.changes)
    for old, item, change in zip(plan.items, new.items, new.changes, strict=True):
        regressions = library.get(old.exercise_id).regressions
        if change.replaced_by:
            assert change.replaced_by in regressions and item.exercise_id == change.replaced_by
        else:
            assert item.dose.reps < old.dose.reps or (item.dose.hold_s or 0) < (
                old.dose.hold_s or 0
            )


def test_pain_persisting_next_morning_regresses(plan, library, rules) -> None:  # type: ignore[no-untyped-def]
    new = adapt(plan, [report_for(plan, during=4, morning=5)], library, rules)
    assert all(c.action == ChangeAction.REGRESS for c in new.changes)
    assert "next morning" in new.changes[0].reason


def test_flare_that_settled_holds(plan, library, rules) -> None:  # type: ignore[no-untyped-def]
    new = adapt(plan, [report_for(plan, during=5, after=5, morning=3)], library, rules)
    assert all(c.action == ChangeAction.HOLD for c in new.changes)
    assert "settled" in new.changes[0].reason
    assert new.items == tuple(replace(i, good_sessions=0) for i in plan.items)


def test_no_morning_checkin_holds(plan, library, rules) -> None:  # type: ignore[no-untyped-def]
    new = adapt(plan, [report_for(plan, morning=None)], library, rules)
    assert all(c.action == ChangeAction.HOLD for c in new.changes)
    assert "next-morning" in new.changes[0].reason


def test_incomplete_session_holds(plan, library, rules) -> None:  # type: ignore[no-untyped-def]
    new = adapt(plan, [report_for(plan, done=False)], library, rules)
    assert all(c.action == ChangeAction.HOLD for c in new.changes)


def test_neurological_signs_pause_the_plan(plan, library, rules) -> None:  # type: ignore[no-untyped-def]
    new = adapt(plan, [report_for(plan, symptoms={"weakness"})], library, rules)
    assert new.paused
    assert new.changes[0].action == ChangeAction.PAUSE


def test_locked_items_are_never_changed(plan, library, rules) -> None:  # type: ignore[no-untyped-def]
    locked = replace(plan, items=tuple(replace(i, locked=True) for i in plan.items))
    new = adapt(locked, [report_for(locked, during=8)], library, rules)
    assert new.items == locked.items
    assert all("clinician" in c.reason for c in new.changes)
