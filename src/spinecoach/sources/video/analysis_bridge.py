"""What the camera pipeline needs of the motion core besides the live adapter.

The analysis itself (tracking gate, angles, baseline, repetitions, holds, form flags) runs
through :class:`~spinecoach.motion.live_feed.ExerciseFeed`, the one adapter every live path
uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from spinecoach.domain.exercise import Exercise
from spinecoach.motion.required_keypoints import TORSO, required_keypoints


def required_keypoints_for(exercise: Exercise | None, names: Sequence[str]) -> tuple[str, ...]:
    """Keypoints the exercise's primary angle needs (the torso when no exercise is given).

    Only the primary angle gates feedback: secondary measures feed form rules, which the
    motion core skips when they are not measured (in a side view the far limbs are often
    hidden, and pausing for them would pause most side-view exercises).
    """
    if exercise is None:
        return TORSO
    return required_keypoints((exercise.signature.primary_angle,), names)
