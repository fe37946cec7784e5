"""An exercise's demonstration in time: keyframe poses played at the dose's tempo.

:func:`demonstration_steps` lays out the steps (start position, each tempo phase, the hold,
the switch to the other side) with their times, breath and cue; :func:`pose_at` gives the
joint angles at any moment; :func:`demonstration_series` samples the whole demonstration as a
3D :class:`~spinecoach.motion.types.KeypointSeries` that the project's own measures can
analyse (the agreement test) and a renderer can draw.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from spinecoach.domain.exercise import Breath, Demonstration, Exercise
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import NotMeasurable
from spinecoach.motion.pose_builder import base_pose, blend, build_pose, mirror_pose
from spinecoach.motion.types import CoordinateFrame, FrameKind, KeypointSeries

#: Seconds the start position is shown before the first movement (longer than the
#: analysis' one-second baseline).
LEAD_IN_S = 2.0
#: Seconds at the start position between the two sides of a per-side exercise.
SWITCH_S = 2.0
#: Seconds to come back to the start when the last phase is itself a posed position.
RETURN_S = 3.0
#: Repetitions shown: two when one repetition is this short (seconds), else one.
SHORT_REP_S = 8.0
WORLD_AXES = "x forward, y left, z up"


@dataclass(frozen=True)
class DemoStep:
    """One step of a demonstration: from one pose to another (or held) over a time span."""

    name: str
    start_s: float
    end_s: float
    pose_from: Mapping[str, float]
    pose_to: Mapping[str, float]
    breath: str
    cue: str
    side: str

    @property
    def duration_s(self) -> float:
        """Seconds the step lasts."""
        return self.end_s - self.start_s


def phase_poses(
    demonstration: Demonstration, phase_names: tuple[str, ...]
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Start pose and the pose at the end of each tempo phase (see :class:`Demonstration`)."""
    start = base_pose(demonstration.base)
    start.update(dict(demonstration.start))
    given = dict(demonstration.phases)

    def resolve(name: str, seen: tuple[str, ...] = ()) -> dict[str, float] | None:
        value = given.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            if value in seen or value == name:
                raise ValueError(f"phase '{name}' refers back to itself")
            return resolve(value, (*seen, name))
        pose = dict(start)
        pose.update(dict(value))
        return pose

    poses: list[dict[str, float]] = []
    previous = start
    for i, name in enumerate(phase_names):
        pose = resolve(name)
        if pose is None:
            pose = start if i == len(phase_names) - 1 else previous
        poses.append(pose)
        previous = pose
    return start, poses


def demonstration_steps(exercise: Exercise) -> list[DemoStep]:
    """The demonstration of ``exercise`` as timed steps (empty without a demonstration).

    One repetition per side (two when a repetition is shorter than :data:`SHORT_REP_S`),
    each tempo phase at its dose length with its breath, the dose's hold after the first half
    of the phases (as the guided session times it), preceded by :data:`LEAD_IN_S` in the
    start position.
    """
    demo = exercise.demonstration
    if demo is None:
        return []
    dose = exercise.dose
    names = tuple(p.name for p in dose.tempo)
    start, poses = phase_poses(demo, names)
    sides = [demo.side]
    if dose.per_side:
        sides.append("left" if demo.side == "right" else "right")
    reps = min(dose.reps, 2) if dose.rep_s <= SHORT_REP_S else 1
    hold_before = (len(dose.tempo) + 1) // 2  # as the session does: after the first half
    steps: list[DemoStep] = []
    t = 0.0

    def add(name: str, seconds: float, a: Mapping[str, float], b: Mapping[str, float],
            breath: str, cue: str, side: str) -> None:  # fmt: skip
        nonlocal t
        steps.append(DemoStep(name, t, t + seconds, a, b, breath, cue, side))
        t += seconds

    for k, side in enumerate(sides):
        mirror = k == 1
        s0 = mirror_pose(start) if mirror else start
        ps = [mirror_pose(p) if mirror else p for p in poses]
        first = N_("Get into the starting position.") if k == 0 else N_("Now the other side.")
        add("start", LEAD_IN_S if k == 0 else SWITCH_S, s0, s0, Breath.NATURAL, first, side)
        for _rep in range(reps):
            current = s0
            for i, phase in enumerate(dose.tempo):
                if dose.hold_s and i == hold_before:
                    add("hold", dose.hold_s, current, current, Breath.NATURAL,
                        N_("Hold, breathing normally."), side)  # fmt: skip
                add(
                    phase.name,
                    phase.seconds,
                    current,
                    ps[i],
                    phase.breath,
                    phase.cue,
                    side,
                )
                current = ps[i]
            if current != s0:  # the last phase is posed (a PNF's deeper stretch): come back
                add("return", RETURN_S, current, s0, Breath.NATURAL, N_("Slowly come back."), side)
    return steps


def _ease(fraction: float) -> float:
    """Half linear, half cosine: smooth at the ends without a slow start."""
    return 0.5 * fraction + 0.25 * (1.0 - math.cos(math.pi * fraction))


def pose_at(steps: list[DemoStep], t_s: float) -> tuple[dict[str, float], DemoStep]:
    """Joint angles at time ``t_s`` and the step it falls in (clamped to the ends)."""
    step = steps[-1]
    for candidate in steps:
        if t_s < candidate.end_s:
            step = candidate
            break
    span = step.duration_s
    fraction = min(max((t_s - step.start_s) / span, 0.0), 1.0) if span > 0 else 1.0
    return blend(step.pose_from, step.pose_to, _ease(fraction)), step


@dataclass(frozen=True, eq=False)
class DemoFrames:
    """A sampled demonstration: keypoints plus, per frame, the step index."""

    series: KeypointSeries
    step_index: tuple[int, ...]
    steps: tuple[DemoStep, ...]

    def sides(self) -> list[tuple[str, KeypointSeries]]:
        """The series cut at the switch of side: ``(side, series)`` in the order shown."""
        labels = [self.steps[i].side for i in self.step_index]
        cuts = [0] + [k for k in range(1, len(labels)) if labels[k] != labels[k - 1]]
        cuts.append(len(labels))
        s = self.series
        return [
            (
                labels[a],
                KeypointSeries(
                    s.time_s[a:b],
                    s.names,
                    s.positions[a:b],
                    s.confidence[a:b],
                    s.frame,
                    s.source,
                    dict(s.metadata),
                ),
            )
            for a, b in zip(cuts, cuts[1:], strict=False)
        ]


def demonstration_series(
    exercise: Exercise, fps: float = 30.0, anchor: str | None = None
) -> DemoFrames:
    """Sample the demonstration of ``exercise`` at ``fps`` as 3D world keypoints.

    The demonstration's anchor point keeps its floor position (x, y) of the first frame;
    the lowest point of every frame is on the floor.

    Raises
    ------
    NotMeasurable
        When the exercise has no demonstration.
    """
    demo = exercise.demonstration
    if demo is None:
        raise NotMeasurable(_("exercise '{id}' has no demonstration").format(id=exercise.id))
    steps = demonstration_steps(exercise)
    total = steps[-1].end_s
    times = np.arange(0.0, total + 1e-9, 1.0 / fps)
    frames = []
    index = []
    names: tuple[str, ...] = ()
    for t in times:
        angles, step = pose_at(steps, float(t))
        names, points = build_pose(angles)
        frames.append(points)
        index.append(steps.index(step))
    positions = np.array(frames)
    key = anchor or demo.anchor
    if key == "mid_hip":
        anchor_xy = (
            positions[:, names.index("left_hip"), :2] + positions[:, names.index("right_hip"), :2]
        ) / 2
    else:
        anchor_xy = positions[:, names.index(key), :2]
    positions[:, :, :2] -= (anchor_xy - anchor_xy[0])[:, None, :]
    series = KeypointSeries(
        time_s=times,
        names=names,
        positions=positions,
        confidence=np.ones(positions.shape[:2]),
        frame=CoordinateFrame(FrameKind.WORLD, WORLD_AXES),
        source="demonstration",
        metadata={"exercise": exercise.id},
    )
    return DemoFrames(series, tuple(index), tuple(steps))
