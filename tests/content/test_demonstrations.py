"""Every exercise's demonstration, run through the project's own measures, agrees with the
analysis: the primary angle reaches the target zone and no form flag fires. Plus the pose
builder's angles are the angles the measures report, and bad keyframes are named on load."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from spinecoach.content import load_library
from spinecoach.domain.exercise import Exercise
from spinecoach.errors import InvalidDataFile
from spinecoach.motion.analysis import analyze
from spinecoach.motion.demonstration import demonstration_series, demonstration_steps
from spinecoach.motion.measures import compute_measures
from spinecoach.motion.pose_builder import HEAD_RADIUS_M, base_pose, build_pose, mirror_pose
from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries
from spinecoach.settings import default_content_dir

LIBRARY = load_library()
IDS = sorted(LIBRARY.exercises)

#: Where the analysis and a correct demonstration disagree today, with the reason. Each must
#: still disagree (the test fails when one is fixed, so the entry is removed with the fix).
KNOWN_DISAGREEMENTS = {
    "glute_bridge": (
        "the 'arching' rule watches trunk inclination, which a correct bridge changes by "
        "about 28 degrees (shoulders down, hips up)"
    ),
    "lower_trunk_rotation": (
        "trunk_rotation_deg is measured about the vertical; lying on the back the twist is "
        "about the body's long (horizontal) axis, so the measure stays at 0"
    ),
}


def _agreement(exercise: Exercise) -> list[str]:
    """Problems of this exercise's demonstration under analysis (empty: they agree)."""
    frames = demonstration_series(exercise, fps=30.0)
    low, high = exercise.signature.target_range_deg
    keeping_still = exercise.signature.min_excursion_deg == 0
    problems: list[str] = []
    reached = False
    for side, series in frames.sides():
        result = analyze(series, exercise)
        for flag in result.form_flags:
            problems.append(f"{side} side: form flag {flag.code} at {flag.t_s:.1f} s")
        if keeping_still:
            reached |= result.zone["fraction_in_zone"] >= 0.9 and not result.repetitions
        else:
            reached |= any(low <= r.range_deg <= high for r in result.repetitions)
    if not reached:
        problems.append(f"the primary angle never reached its target zone {low:g}-{high:g} deg")
    return problems


def test_every_exercise_has_a_demonstration() -> None:
    missing = [e.id for e in LIBRARY if e.demonstration is None]
    assert not missing, (
        f"exercises without a [demonstration] table: {', '.join(missing)} — add keyframes "
        "(base posture + joint angles per tempo phase; see docs/exercises.md, Demonstrations)"
    )


@pytest.mark.parametrize("exercise_id", IDS)
def test_demonstration_agrees_with_the_analysis(exercise_id: str) -> None:
    exercise = LIBRARY.get(exercise_id)
    if exercise.demonstration is None:
        pytest.fail(f"{exercise_id} has no [demonstration] table in its data file")
    problems = _agreement(exercise)
    if exercise_id in KNOWN_DISAGREEMENTS:
        assert problems, f"{exercise_id} now agrees: remove it from KNOWN_DISAGREEMENTS"
        return
    assert not problems, f"{exercise_id}: " + "; ".join(problems)


@pytest.mark.parametrize("exercise_id", IDS)
def test_demonstration_follows_the_dose(exercise_id: str) -> None:
    exercise = LIBRARY.get(exercise_id)
    steps = demonstration_steps(exercise)
    dose = exercise.dose
    by_name = {p.name: p for p in dose.tempo}
    for step in steps:
        if step.name in by_name:
            assert step.duration_s == by_name[step.name].seconds
            assert step.breath == by_name[step.name].breath
    holds = [s for s in steps if s.name == "hold" and s.cue == "Hold, breathing normally."]
    if dose.hold_s:
        assert holds and all(h.duration_s == dose.hold_s for h in holds)
    else:
        assert not holds
    sides = {s.side for s in steps}
    assert len(sides) == (2 if dose.per_side else 1)
    assert all(b.start_s == a.end_s for a, b in zip(steps, steps[1:], strict=False))


def _series(names: tuple[str, ...], points: np.ndarray) -> KeypointSeries:
    return KeypointSeries(
        np.array([0.0]),
        names,
        points[None],
        np.ones((1, len(names))),
        CoordinateFrame(FrameKind.WORLD, "x forward, y left, z up"),
    )


@pytest.mark.parametrize("base", ["standing", "seated", "supine", "prone", "quadruped"])
@pytest.mark.parametrize("hip", [20.0, 60.0, 100.0])
def test_pose_builder_hip_angle_is_the_measured_hip_flexion(base: str, hip: float) -> None:
    pose = base_pose(base) | {"right_hip_flexion": hip, "right_knee_flexion": 30.0}
    names, points = build_pose(pose)
    values = compute_measures(_series(names, points)).values
    assert values["right_hip_flexion_deg"][0] == pytest.approx(hip, abs=0.5)
    assert values["right_knee_flexion_deg"][0] == pytest.approx(30.0, abs=0.5)


@pytest.mark.parametrize(
    ("joint", "measure", "sign"),
    [
        ("spine_side_bend", "trunk_lateral_flexion_deg", 1.0),
        ("spine_rotation", "trunk_rotation_deg", 1.0),
        ("pitch", "trunk_flexion_deg", 1.0),
    ],
)
def test_pose_builder_trunk_angles_match_the_measures(
    joint: str, measure: str, sign: float
) -> None:
    for angle in (-30.0, 15.0, 40.0):
        names, points = build_pose({joint: angle})
        value = compute_measures(_series(names, points)).values[measure][0]
        expected = angle * (0.75 if joint == "spine_side_bend" else 1.0)
        assert value == pytest.approx(sign * expected, abs=2.0), (joint, angle, value)


def test_mirrored_pose_measures_the_other_side() -> None:
    pose = {"spine_side_bend": 25.0, "left_hip_flexion": 40.0}
    names, points = build_pose(pose)
    mnames, mpoints = build_pose(mirror_pose(pose))
    a = compute_measures(_series(names, points)).values
    b = compute_measures(_series(mnames, mpoints)).values
    assert a["trunk_lateral_flexion_deg"][0] == pytest.approx(-b["trunk_lateral_flexion_deg"][0])
    assert a["left_hip_flexion_deg"][0] == pytest.approx(b["right_hip_flexion_deg"][0])


def test_lowest_point_is_on_the_floor_and_anchor_stays_put() -> None:
    exercise = LIBRARY.get("standing_hip_hinge")
    series = demonstration_series(exercise, fps=10.0).series
    z = series.positions[:, :, 2]
    ears = (z[:, series.names.index("left_ear")] + z[:, series.names.index("right_ear")]) / 2
    lowest = np.minimum(z.min(axis=1), ears - HEAD_RADIUS_M)  # the head rests on the floor
    assert np.allclose(lowest, 0.0)
    ankle = series.positions[:, series.names.index("right_ankle"), :2]
    assert np.allclose(ankle, ankle[0], atol=1e-9)


# ------------------------------------------------------------------ bad keyframes on load


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "data"
    shutil.copytree(default_content_dir(), dest)
    return dest


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('base = "prone"', 'base = "upside_down"', "Input should be"),
        ("press_up = { spine_flexion = -50", "press_up = { spine_wiggle = -50", "spine_wiggle"),
        ("press_up = { spine_flexion = -50", "press_up = { spine_flexion = -500", "-180..180"),
        ("press_up = {", "push = {", "not a tempo phase"),
        ('anchor = "mid_hip"', 'anchor = "left_big_toe"', "Input should be"),
    ],
)
def test_bad_demonstration_is_named(data_copy: Path, old: str, new: str, problem: str) -> None:
    path = data_copy / "exercises" / "prone_press_up.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InvalidDataFile) as info:
        load_library(data_copy)
    assert "prone_press_up.toml" in str(info.value)
    assert problem in str(info.value)
