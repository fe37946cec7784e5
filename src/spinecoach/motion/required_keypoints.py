"""Which keypoints an exercise's measures need, from the measure definitions (as data)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spinecoach.motion.body import DERIVED, ONE_SIDE_ENOUGH, choose
from spinecoach.motion.measures import MEASURES, VIEW_KEYPOINTS_2D

TORSO: tuple[str, ...] = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")


def required_keypoints(measures: Iterable[str], names: Sequence[str]) -> tuple[str, ...]:
    """Keypoints of ``names`` that ``measures`` need in a 2D image.

    Each measure's keypoint groups (and the points its view needs to orient the subject)
    are resolved to the first candidate this keypoint set has; derived mid points expand to
    their left and right keypoints (``mid_ear``, which one ear can stand in for, requires
    neither). Unknown measure names are ignored.

    Returns
    -------
    tuple of str
        In first-needed order, without duplicates; the torso when nothing else is known.
    """
    key = tuple(names)
    needed: list[str] = []
    for measure in measures:
        definition = MEASURES.get(measure)
        if definition is None:
            continue
        groups = [*definition.keypoints, *VIEW_KEYPOINTS_2D.get(definition.view, [])]
        for group in groups:
            point = choose(key, group)
            if point is None or point in ONE_SIDE_ENOUGH:
                continue
            for name in DERIVED.get(point, (point,)):
                if name not in needed:
                    needed.append(name)
    return tuple(needed) or TORSO
