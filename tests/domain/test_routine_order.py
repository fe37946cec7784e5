"""Routine order: few trips up and down, warm-up first, integration last (issue 14)."""

from __future__ import annotations

from spinecoach.content import load_library
from spinecoach.domain.exercise import Position, Section
from spinecoach.domain.plan import PlanItem
from spinecoach.domain.planning import order_routine, trips

LIBRARY = load_library()


def _item(exercise_id: str) -> PlanItem:
    exercise = LIBRARY.get(exercise_id)
    return PlanItem(exercise_id, exercise.name, exercise.section, exercise.dose, "test")


def _positions(items: list[PlanItem]) -> list[Position]:
    return [LIBRARY.get(i.exercise_id).position for i in items]


def test_the_reported_routine_goes_up_and_down_less() -> None:
    """The routine from the issue: floor, standing, floor, all fours, floor, standing."""
    reported = [
        _item("pelvic_tilt_supine"),  # warm-up, on the back
        _item("standing_extension"),  # warm-up, standing
        _item("knee_to_chest"),  # stretch, on the back
        _item("childs_pose"),  # stretch, kneeling from all fours
        _item("glute_bridge"),  # stability, on the back
        _item("standing_hip_hinge"),  # integration, standing
    ]
    ordered = order_routine(reported, LIBRARY)
    assert sorted(i.exercise_id for i in ordered) == sorted(i.exercise_id for i in reported)
    assert trips(ordered, LIBRARY) < trips(reported, LIBRARY)
    assert [i.exercise_id for i in ordered] == [
        "standing_extension",  # warm-ups first, from standing down to the floor
        "pelvic_tilt_supine",
        "knee_to_chest",  # stay on the back: stretch, then stability
        "glute_bridge",
        "childs_pose",  # up to the knees
        "standing_hip_hinge",  # and up to standing at the end
    ]


def test_same_position_keeps_stretch_before_stability() -> None:
    items = [
        _item("dead_bug"),
        _item("knee_to_chest"),
        _item("glute_bridge"),
        _item("hamstring_stretch"),
    ]
    ordered = order_routine(items, LIBRARY)
    sections = [i.section for i in ordered]
    assert sections == sorted(sections, key=[Section.STRETCH, Section.STABILITY].index)
    assert set(_positions(ordered)) == {Position.SUPINE}


def test_empty_and_single_routines() -> None:
    assert order_routine([], LIBRARY) == []
    one = [_item("cat_cow")]
    assert order_routine(one, LIBRARY) == one
