"""The movement a measure shows, in plain words, for gauges and summaries.

``movement_label("trunk_flexion_deg", ExcursionDirection.NEGATIVE)`` is "Backward bend":
what the person is doing, not the measure's name (a gauge reads "Backward bend 18°", not
"Trunk Flexion -71°").
"""

from __future__ import annotations

from spinecoach.domain.exercise import ExcursionDirection

_TRUNK = {
    ExcursionDirection.POSITIVE: "Forward bend",
    ExcursionDirection.NEGATIVE: "Backward bend",
    ExcursionDirection.BOTH: "Rounding and arching",
}
_BY_MEASURE: dict[str, dict[ExcursionDirection, str] | str] = {
    "trunk_flexion_deg": _TRUNK,
    "lumbar_flexion_deg": _TRUNK,
    "trunk_inclination_deg": _TRUNK,
    "trunk_lateral_flexion_deg": "Side bend",
    "lumbar_lateral_flexion_deg": "Side bend",
    "trunk_rotation_deg": "Twist",
    "lumbar_rotation_deg": "Twist",
    "pelvic_tilt_deg": "Pelvic tilt",
    "head_forward_deg": "Head forward",
    "hip_hinge_ratio": "Hinge at the hips",
    "knee_flexion_deg": {  # both knees: a squat bends them, a sit-to-stand straightens them
        ExcursionDirection.POSITIVE: "Knee bend",
        ExcursionDirection.NEGATIVE: "Standing up",
        ExcursionDirection.BOTH: "Knee bend",
    },
}
_SIDED: dict[str, dict[ExcursionDirection, str] | str] = {
    "hip_flexion_deg": {
        ExcursionDirection.POSITIVE: "{side} thigh towards the chest",
        ExcursionDirection.NEGATIVE: "{side} hip opening",
        ExcursionDirection.BOTH: "{side} hip movement",
    },
    "knee_flexion_deg": "{side} knee bend",
    "shoulder_elevation_deg": "{side} arm raised",
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
        E.g. "Backward bend", "Side bend", "Left knee bend"; an unknown measure's name with
        spaces.
    """
    words = _BY_MEASURE.get(measure)
    if words is None:
        for side in ("left", "right"):
            rest = measure.removeprefix(f"{side}_")
            if rest != measure and rest in _SIDED:
                sided = _SIDED[rest]
                text = sided if isinstance(sided, str) else sided[direction]
                return text.format(side=side.capitalize())
        return measure.removesuffix("_deg").replace("_", " ").capitalize()
    return words if isinstance(words, str) else words[direction]
