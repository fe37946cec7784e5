"""Posture figures against cited norms, findings, and the plan changes they bring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spinecoach.content.posture import load_norms
from spinecoach.domain.intake import make_profile
from spinecoach.domain.plan import ChangeAction
from spinecoach.domain.planning import generate_plan
from spinecoach.domain.posture import (
    PostureAssessment,
    PostureFigure,
    Status,
    apply_findings,
    compare,
    findings,
)

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DESK_WORKER = {"pain_now": 4, "duration_weeks": 20, "desk_hours": 8, "minutes_per_day": 10,
               "goals": ["desk_relief", "flexibility"], "age": 34}  # fmt: skip


@pytest.fixture(scope="module")
def norms():  # type: ignore[no-untyped-def]
    return load_norms()


def _assessment(position: str, *figures: PostureFigure, days: int = 0) -> PostureAssessment:
    return PostureAssessment(NOW + timedelta(days=days), position, "side", figures)


def test_every_norm_cites_a_known_source(norms) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.content import load_source_tags

    tags = load_source_tags()
    assert {"craniovertebral_angle_deg", "pelvic_tilt_deg", "lumbar_angle_deg"} <= set(norms)
    for norm in norms.values():
        assert norm.sources and set(norm.sources) <= tags and norm.note
    assert norms["craniovertebral_angle_deg"].low == 50.0
    tilt = norms["pelvic_tilt_deg"]
    assert (tilt.low, tilt.high, tilt.mean, tilt.sd) == (0.0, 23.0, 13.0, 5.0)  # [PRE]


@pytest.mark.parametrize(
    ("value", "status"), [(42.0, Status.BELOW), (50.0, Status.WITHIN), (58.0, Status.WITHIN)]
)
def test_cva_compared_with_cut_off(norms, value, status) -> None:  # type: ignore[no-untyped-def]
    figure = PostureFigure("craniovertebral_angle_deg", value, 0.9, "camera")
    result = compare(figure, norms["craniovertebral_angle_deg"], "standing")
    assert result.status is status and "SHEIK18" in result.text


def test_only_a_comparable_source_meets_the_pelvic_norm(norms) -> None:  # type: ignore[no-untyped-def]
    norm = norms["pelvic_tilt_deg"]
    manual = compare(PostureFigure("pelvic_tilt_deg", 28.0, 1.0, "manual"), norm, "standing")
    assert manual.status is Status.ABOVE
    imu = compare(PostureFigure("pelvic_tilt_deg", 28.0, 1.0, "imu"), norm, "standing")
    assert imu.status is Status.NO_NORM and "not comparable" in imu.text
    seated = compare(PostureFigure("pelvic_tilt_deg", 28.0, 1.0, "manual"), norm, "seated")
    assert seated.status is Status.NO_NORM


def test_no_norm_figures_compare_with_own_baseline(norms) -> None:  # type: ignore[no-untyped-def]
    result = compare(PostureFigure("slump_deg", 40.0, 0.9, "camera"), norms["slump_deg"], "seated")
    assert result.status is Status.NO_NORM and "own baseline" in result.text


def test_findings_need_confidence_and_mild_tilt_is_not_flagged(norms) -> None:  # type: ignore[no-untyped-def]
    low_conf = _assessment(
        "seated", PostureFigure("craniovertebral_angle_deg", 40.0, 0.3, "camera")
    )
    assert findings([low_conf], norms) == []
    mild = _assessment("standing", PostureFigure("pelvic_tilt_deg", 18.0, 1.0, "manual"))
    assert findings([mild], norms) == []  # within 0-23 [PRE]; most people tilt anteriorly [HER]
    marked = _assessment("standing", PostureFigure("pelvic_tilt_deg", 28.0, 1.0, "manual"))
    assert [f.code for f in findings([marked], norms)] == ["anterior_pelvic_tilt"]


def test_newest_check_wins(norms) -> None:  # type: ignore[no-untyped-def]
    old = _assessment("seated", PostureFigure("craniovertebral_angle_deg", 42.0, 0.9, "camera"))
    new = _assessment(
        "seated", PostureFigure("craniovertebral_angle_deg", 53.0, 0.9, "camera"), days=7
    )
    assert [f.code for f in findings([old], norms)] == ["forward_head"]
    assert findings([new, old], norms) == []


def test_desk_worker_plan_changes_are_explained(library, norms) -> None:  # type: ignore[no-untyped-def]
    profile = make_profile(DESK_WORKER)
    plan = generate_plan(profile, library, [], NOW)
    checks = [
        _assessment("seated", PostureFigure("craniovertebral_angle_deg", 42.0, 0.95, "camera")),
        _assessment("standing", PostureFigure("pelvic_tilt_deg", 28.0, 1.0, "manual")),
    ]
    found = findings(checks, norms)
    assert {f.code for f in found} == {"forward_head", "anterior_pelvic_tilt"}
    adapted = apply_findings(plan, found, library, profile.planning_conditions)
    ids = set(adapted.exercise_ids)
    assert {"chin_tuck", "seated_thoracic_extension", "hip_flexor_stretch", "glute_bridge"} <= ids
    assert not ids & {"prone_on_elbows", "prone_press_up", "standing_extension"}
    assert adapted.total_duration_s <= plan.budget_s
    for change in adapted.changes:
        assert change.reason
    adds = {c.exercise_id: c for c in adapted.changes if c.action is ChangeAction.ADD}
    assert "forward" in adds["chin_tuck"].reason and "SHEIK18" in adds["chin_tuck"].sources
    assert all(c.reason.startswith("Added because") for c in adds.values())
    assert {"chin_tuck", "seated_thoracic_extension"} <= set(adds)
    assert any(r.startswith("Posture check:") for r in adapted.reasons)


def test_extension_preference_keeps_extension(library, norms) -> None:  # type: ignore[no-untyped-def]
    profile = make_profile({**DESK_WORKER, "aggravators": ["sitting", "bending"]})
    assert profile.directional_preference == "extension"
    from spinecoach.domain.plan import Plan, PlanItem

    kept = ["prone_on_elbows", "standing_extension"]
    items = tuple(
        PlanItem(e.id, e.name, e.section, e.dose, "extension work [LONG][MAY18]")
        for e in (library.get(x) for x in kept)
    )
    plan = Plan(items, 2, NOW, budget_s=900.0)
    found = findings(
        [_assessment("standing", PostureFigure("pelvic_tilt_deg", 28.0, 1.0, "manual"))], norms
    )
    adapted = apply_findings(
        plan, found, library, profile.planning_conditions,
        preferred_direction=profile.directional_preference,
    )  # fmt: skip
    assert set(kept) <= set(adapted.exercise_ids)
    holds = [c for c in adapted.changes if c.action is ChangeAction.HOLD]
    assert holds and all("preferred direction" in c.reason for c in holds)


def test_avoided_exercise_is_never_added(library, norms) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.domain.plan import Plan

    empty = Plan((), 2, NOW, budget_s=900.0)
    found = findings(
        [_assessment("standing", PostureFigure("pelvic_tilt_deg", 28.0, 1.0, "manual"))], norms
    )
    avoid = {c.condition for c in library.get("glute_bridge").contraindications
             if c.level == "avoid"}  # fmt: skip
    assert avoid
    adapted = apply_findings(empty, found, library, frozenset(avoid))
    for exercise_id in ("glute_bridge", "hip_flexor_stretch", "pelvic_tilt_supine"):
        exercise = library.get(exercise_id)
        assert (exercise_id in adapted.exercise_ids) == (not exercise.avoid_for(frozenset(avoid)))


def test_a_newer_incomparable_figure_does_not_hide_a_comparable_one(norms) -> None:  # type: ignore[no-untyped-def]
    manual = _assessment("standing", PostureFigure("pelvic_tilt_deg", 28.0, 1.0, "manual"))
    imu = _assessment("seated", PostureFigure("pelvic_tilt_deg", -12.0, 0.9, "imu"), days=1)
    assert [f.code for f in findings([manual, imu], norms)] == ["anterior_pelvic_tilt"]


def test_latest_checks_keep_each_kind_of_check() -> None:
    """A back-sensor check and a later inclinometer reading (same position, no view) are
    different checks: both stay; a newer camera check replaces the older one."""
    from datetime import UTC, datetime, timedelta

    from spinecoach.domain.posture import PostureAssessment, PostureFigure, latest_checks

    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    imu = PostureAssessment(
        t0, "standing", "none", (PostureFigure("pelvic_tilt_deg", 9, 0.9, "imu"),)
    )
    manual = PostureAssessment(t0 + timedelta(hours=1), "standing", "none",
                               (PostureFigure("pelvic_tilt_deg", 28, 1.0, "manual"),))  # fmt: skip
    old = PostureAssessment(t0, "seated", "side", (PostureFigure("slump_deg", 30, 0.9, "camera"),))
    new = PostureAssessment(t0 + timedelta(days=7), "seated", "side",
                            (PostureFigure("slump_deg", 25, 0.9, "camera"),))  # fmt: skip
    assert latest_checks([imu, old, manual, new]) == [new, manual, imu]
