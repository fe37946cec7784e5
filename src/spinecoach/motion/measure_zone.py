"""The target zone and minimum excursion a measure is judged by: one function for every path.

An exercise's signature is written for the camera's angle. A back-worn IMU measures another
angle (its ``imu_angle``), whose range may differ: an exercise may give the IMU's own zone
(``imu_range_deg``: a squat is counted on the knees by the camera, 70-100°, but on the
trunk's lean by the upper sensor, 15-60°), and some measures have a zone set by where the
sensors sit (:data:`PLACEMENT_ZONES`). The file analysis (``analyze_imu_measures``), the IMU
stream (``LiveSession``) and every live feed (``ExerciseFeed``: guided sessions, the web
app) all judge a measure with :func:`placement_signature`, so a replayed recording gets the
same repetitions and zone verdicts live as from the file.
"""

from __future__ import annotations

from dataclasses import replace

from spinecoach.domain.exercise import SensorSignature

#: Target zone and minimum excursion of IMU measures whose range at the documented
#: placement differs from the camera measure the exercise's signature is written for.
#: lumbar_rotation_deg: the T12/L1 and sacral sensors see lumbar rotation only, about 5°
#: at L1-S1 [PPROM] (10-35° by other methods [MAG]); held-out seated twists gave 3-12°
#: between the sensors, against ±57° of shoulder-line rotation. IMU rotation error is
#: 3.5-5° [BAIL], so a 4° excursion is the least that counts as a repetition.
PLACEMENT_ZONES: dict[str, tuple[tuple[float, float], float]] = {
    "lumbar_rotation_deg": ((3.0, 12.0), 4.0),
}


def placement_signature(signature: SensorSignature, angle: str | None) -> SensorSignature:
    """``signature`` with the target zone and minimum excursion of measure ``angle``.

    Parameters
    ----------
    signature : SensorSignature
        The exercise's signature (written for its camera angle).
    angle : str or None
        The measure analysed; None (keypoints: the primary angle) leaves it unchanged.

    Returns
    -------
    SensorSignature
        The exercise's own ``imu_range_deg`` when ``angle`` is its ``imu_angle``, then the
        placement's zone (:data:`PLACEMENT_ZONES`); unchanged for other measures. The minimum
        excursion is never raised above the zone's low end.
    """
    if angle is None:
        return signature
    if angle == signature.imu_angle and signature.imu_range_deg is not None:
        low, high = signature.imu_range_deg
        signature = replace(
            signature,
            target_range_deg=(float(low), float(high)),
            min_excursion_deg=min(float(signature.min_excursion_deg), float(low)),
        )
    zone = PLACEMENT_ZONES.get(angle)
    if zone is None:
        return signature
    target, min_excursion = zone
    return replace(
        signature,
        target_range_deg=target,
        min_excursion_deg=min(float(signature.min_excursion_deg), min_excursion),
    )
