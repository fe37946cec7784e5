"""Form rules as data: compensations watched on secondary measures during a movement.

Each :class:`FormRule` names a form-flag ``code`` (the exercise library's ``common_errors``
codes), the primary angles during which it applies, the secondary measure it watches and a
threshold. :class:`~spinecoach.motion.events.MotionTracker` checks them on every sample of a
repetition and flags each code at most once per repetition.
"""

from __future__ import annotations

from dataclasses import dataclass

from spinecoach.domain.i18n import N_


@dataclass(frozen=True)
class FormRule:
    """A compensation watched on a secondary measure while the primary angle moves.

    Attributes
    ----------
    code : str
        Form flag code (matches an exercise's ``common_errors`` code).
    primary_angles : frozenset of str
        Primary angles during which the rule applies.
    measure : str
        Secondary measure watched.
    test : str
        ``deviation`` (|value - its baseline| > limit), ``below`` (value < limit),
        ``below_baseline`` (value < its baseline - limit), ``above`` (value > limit) or
        ``abs_above`` (|value| > limit).
    limit : float
        Threshold in the measure's unit.
    message : str
        Shown to the person.
    """

    code: str
    primary_angles: frozenset[str]
    measure: str
    test: str
    limit: float
    message: str


LATERAL = frozenset({"trunk_lateral_flexion_deg", "lumbar_lateral_flexion_deg"})
ROTATION = frozenset({"trunk_rotation_deg", "lumbar_rotation_deg"})
FLEXION = frozenset({"trunk_flexion_deg", "lumbar_flexion_deg", "trunk_inclination_deg"})
HIP = frozenset({"left_hip_flexion_deg", "right_hip_flexion_deg"})
ARM = frozenset({"left_shoulder_elevation_deg", "right_shoulder_elevation_deg"})
KNEE = frozenset(
    {"knee_flexion_deg", "left_knee_flexion_deg", "right_knee_flexion_deg", "hip_height_pct"}
)

#: Squat and sit-to-stand limits (degrees). Engineering choices, not cited norms: each sits
#: well outside what a correct movement gives (and the noise of 2D keypoints, ~5°) and well
#: inside what the faulty movement gives, on the synthetic squats and sit-to-stands of
#: tests/motion/test_squat_form.py:
#: - trunk vs shins: a balanced squat keeps the trunk roughly parallel to the shins (about
#:   0-15° apart); 25° more lean than the shins is "folding forward".
#: - absolute trunk lean: rising from a chair needs a forward lean of about 30-50° at
#:   seat-off; past 60° the chest is heading for the knees.
#: - knee difference: 15° between the knees while both bend (2D side views measure the far
#:   knee less well, so a smaller difference is not trusted). Keypoint noise of 5 mm (3D)
#:   or 1.5 px (2D side view) stays under every limit on correct movements.
#: - knee valgus: the knee more than 8° inward of its hip-ankle line (3D input; a 2D front
#:   view cannot measure the knee flexion the squat is counted on).
#: - knee valgus from a front camera (2D): a frontal-plane projection angle (FPPA) above 12°.
#:   No source in ../shared/CLINICAL.md gives an FPPA norm: an engineering choice. Correct
#:   synthetic squats read at most ~5° (1.5 px noise), knees falling in (hips turned in 35°
#:   and drawn together 12°) 20° and more while the thigh is still seen (the FPPA is not
#:   measured once the thigh points at the camera).
TRUNK_SHANK_LIMIT_DEG = 25.0
TRUNK_LEAN_LIMIT_DEG = 60.0
KNEE_ASYMMETRY_LIMIT_DEG = 15.0
KNEE_VALGUS_LIMIT_DEG = 8.0
KNEE_FPPA_LIMIT_DEG = 12.0

#: Compensation rules as data; codes are the exercise library's ``common_errors`` codes.
FORM_RULES: tuple[FormRule, ...] = (
    FormRule(
        "trunk_flexion_compensation",
        LATERAL | ROTATION | HIP,
        "trunk_flexion_deg",
        "deviation",
        15.0,
        N_("The trunk is leaning forwards or backwards; keep it upright."),
    ),
    FormRule(
        "lateral_lean",
        ROTATION | HIP,
        "trunk_lateral_flexion_deg",
        "deviation",
        10.0,
        N_("Leaning to the side; keep the trunk upright."),
    ),
    FormRule(
        "trunk_rounding",
        FLEXION,
        "hip_hinge_ratio",
        "below",
        0.8,
        N_("Rounding the back instead of hinging at the hips."),
    ),
    FormRule(
        "hip_hike",
        LATERAL | ARM | HIP,
        "pelvic_obliquity_deg",
        "deviation",
        8.0,
        N_("One hip is hitching up; keep the pelvis level."),
    ),
    FormRule(
        "trunk_lean_over_shank",
        KNEE,
        "trunk_shank_lean_deg",
        "above",
        TRUNK_SHANK_LIMIT_DEG,
        N_("The chest is dropping far ahead of the shins; sit back and keep the chest up."),
    ),
    FormRule(
        "excess_trunk_lean",
        KNEE,
        "trunk_flexion_deg",
        "above",
        TRUNK_LEAN_LIMIT_DEG,
        N_("The trunk is leaning far forward; keep the chest up."),
    ),
    FormRule(
        "knee_asymmetry",
        KNEE,
        "knee_flexion_asymmetry_deg",
        "abs_above",
        KNEE_ASYMMETRY_LIMIT_DEG,
        N_("One knee bends much more than the other; share the weight evenly on both legs."),
    ),
    FormRule(
        "knee_valgus",
        KNEE,
        "knee_valgus_deg",
        "above",
        KNEE_VALGUS_LIMIT_DEG,
        N_("A knee is falling inwards; keep the knees in line with the toes."),
    ),
    FormRule(
        "knee_valgus",
        KNEE,
        "knee_fppa_deg",
        "above",
        KNEE_FPPA_LIMIT_DEG,
        "A knee is falling inwards; keep the knees in line with the toes.",
    ),
    FormRule(
        "arching",
        HIP | ARM,
        "trunk_flexion_deg",
        "below_baseline",
        10.0,
        N_("Arching the lower back; keep the trunk still."),
    ),
)


def rules_for(angle: str, error_codes: frozenset[str] | None) -> tuple[FormRule, ...]:
    """Form rules that apply to primary ``angle`` (and to the exercise's error codes)."""
    return tuple(
        r
        for r in FORM_RULES
        if angle in r.primary_angles and (error_codes is None or r.code in error_codes)
    )
