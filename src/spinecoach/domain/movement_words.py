"""The movement a measure shows, in plain words, for gauges and summaries.

``movement_label("trunk_flexion_deg", ExcursionDirection.NEGATIVE)`` is "Backward bend":
what the person is doing, not the measure's name (a gauge reads "Backward bend 18°", not
"Trunk Flexion -71°").
"""

from __future__ import annotations

from spinecoach.domain.exercise import ExcursionDirection
from spinecoach.domain.i18n import N_, _

_TRUNK = {
    ExcursionDirection.POSITIVE: N_("Forward bend"),
    ExcursionDirection.NEGATIVE: N_("Backward bend"),
    ExcursionDirection.BOTH: N_("Rounding and arching"),
}
_BY_MEASURE: dict[str, dict[ExcursionDirection, str] | str] = {
    "trunk_flexion_deg": _TRUNK,
    "lumbar_flexion_deg": _TRUNK,
    "trunk_inclination_deg": _TRUNK,
    "trunk_lateral_flexion_deg": N_("Side bend"),
    "lumbar_lateral_flexion_deg": N_("Side bend"),
    "trunk_rotation_deg": N_("Twist"),
    "lumbar_rotation_deg": N_("Twist"),
    "pelvic_tilt_deg": N_("Pelvic tilt"),
    "head_forward_deg": N_("Head forward"),
    "hip_hinge_ratio": N_("Hinge at the hips"),
    "knee_flexion_deg": {  # both knees: a squat bends them, a sit-to-stand straightens them
        ExcursionDirection.POSITIVE: N_("Knee bend"),
        ExcursionDirection.NEGATIVE: N_("Standing up"),
        ExcursionDirection.BOTH: N_("Knee bend"),
    },
    # one side (whole phrases, so a translation can agree with the body part)
    "left_hip_flexion_deg": {
        ExcursionDirection.POSITIVE: N_("Left thigh towards the chest"),
        ExcursionDirection.NEGATIVE: N_("Left hip opening"),
        ExcursionDirection.BOTH: N_("Left hip movement"),
    },
    "right_hip_flexion_deg": {
        ExcursionDirection.POSITIVE: N_("Right thigh towards the chest"),
        ExcursionDirection.NEGATIVE: N_("Right hip opening"),
        ExcursionDirection.BOTH: N_("Right hip movement"),
    },
    "left_knee_flexion_deg": N_("Left knee bend"),
    "right_knee_flexion_deg": N_("Right knee bend"),
    "left_shoulder_elevation_deg": N_("Left arm raised"),
    "right_shoulder_elevation_deg": N_("Right arm raised"),
}


def movement_label(measure: str, direction: ExcursionDirection) -> str:
    """Plain words for the movement ``measure`` shows when moving in ``direction``.

    Parameters
    ----------
    measure : str
        Measure name (``trunk_flexion_deg``, ``left_hip_flexion_deg``, ...).
    direction : ExcursionDirection
        The exercise's signature direction (which way counts as the movement).

    Returns
    -------
    str
        In the bound language: e.g. "Backward bend", "Side bend", "Left knee bend"; an
        unknown measure's name with spaces.
    """
    words = _BY_MEASURE.get(measure)
    if words is None:
        return measure.removesuffix("_deg").replace("_", " ").capitalize()
    return _(words if isinstance(words, str) else words[direction])
