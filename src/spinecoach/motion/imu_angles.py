"""Clinical angles from back-worn sensor orientations (pure NumPy).

Conventions (docs/imu.md has sketches)
--------------------------------------
Body axes of a sensor's segment: *forward* (anterior), *left*, *up* (cranial), right-handed.
A segment's orientation relative to its calibration posture is described like a pair of
inclinometers (CLINICAL.md §7, dual-inclinometer method):

* sagittal angle ``theta = atan2(-v_f, v_u)``: inclination of the segment's long axis in its
  sagittal plane, forward (flexion) positive;
* frontal angle ``phi = asin(v_l)``: inclination toward the subject's right positive;

where ``v = (v_f, v_l, v_u)`` is Earth's up written in body axes. Lumbar angles are the upper
(T12/L1) minus the lower (sacral) reading; pelvic tilt is the sacral sagittal angle, anterior
tilt positive (the top of the sacrum moving forward). Rotation is the heading of each
segment's left axis about the vertical (headings grow counter-clockwise seen from above, a
turn to the left), lower minus upper: the upper trunk turning to the **right** (right
shoulder moving backward) is positive, the sign of the camera's ``trunk_rotation_deg``, so
a positive excursion is labelled ``right``; ``pelvic_rotation_deg`` likewise (pelvis turning
right positive). Without a magnetometer the headings drift with gyroscope bias, so the
measure carries a flag.

Calibration and mounting
------------------------
* *Up*: the mean accelerometer/orientation direction during the calibration window (neutral
  standing or sitting, the first ``duration_s`` seconds by default) defines each sensor's up
  axis — so a sensor stuck upside down or turned on the skin is handled, and the calibration
  posture reads zero.
* *Forward*: the sensor axis that points out of the front of the body, by default ``-z``
  (the sensor's z axis points away from the skin, out of the back: a phone strapped on with
  its screen facing out, an x-io/Axivity board label-side out). It is projected onto the
  plane perpendicular to *up*. ``"auto"`` infers it from the motion instead: the principal
  direction in which the up vector moves, signed so that the first large excursion is
  forward flexion — valid only for exercises that begin by bending forward.
* The calibration posture must be upright: if the declared forward axis is more than
  ``max_calibration_tilt_deg`` from horizontal there (a sensor lying flat on a table, a
  thigh sensor in lying), forward is inferred from the motion instead and the mounting flag
  says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from spinecoach.domain.i18n import N_, _, gettext
from spinecoach.errors import InvalidInput, InvalidRecording
from spinecoach.motion.imu_orientation import Orientation, dot_rows, rotate_to_earth_xy
from spinecoach.motion.imu_types import (
    SENSORS_BY_PLACEMENT,
    Placement,
    PlacementSet,
    placement_set_of,
)
from spinecoach.motion.types import BoolArray, FloatArray, MeasureSeries

logger = logging.getLogger(__name__)

AXES = {"x": 0, "y": 1, "z": 2}
ROTATION_NO_MAG_FLAG = N_(
    "unreliable without magnetometer: the two sensors' headings drift independently with "
    "gyroscope bias"
)

#: Measures each placement set provides (the others are reported as unmeasurable).
MEASURES_BY_PLACEMENT: dict[PlacementSet, tuple[str, ...]] = {
    PlacementSet.DUAL: (
        "lumbar_flexion_deg",
        "lumbar_lateral_flexion_deg",
        "lumbar_rotation_deg",
        "pelvic_tilt_deg",
        "pelvic_obliquity_deg",
        "trunk_inclination_deg",
        "trunk_lateral_inclination_deg",
    ),
    PlacementSet.SACRUM: ("pelvic_tilt_deg", "pelvic_obliquity_deg", "pelvic_rotation_deg"),
    PlacementSet.UPPER: ("trunk_inclination_deg", "trunk_lateral_inclination_deg"),
    PlacementSet.SINGLE: ("sensor_sagittal_deg", "sensor_frontal_deg"),
}
ALL_MEASURES = tuple(dict.fromkeys(m for ms in MEASURES_BY_PLACEMENT.values() for m in ms))


@dataclass(frozen=True)
class CalibrationOptions:
    """How the neutral posture and the mounting of each sensor are found.

    Attributes
    ----------
    start_s : float or None
        Start of the neutral window in stream time; ``None`` means the first sample.
    duration_s : float
        Length of the neutral window in seconds.
    forward_axis : str
        Sensor axis pointing to the subject's front: ``"+x"``, ``"-x"``, ... ``"-z"``
        (default), or ``"auto"``.
    forward_axes : mapping of str to str
        Per-placement overrides (``{"lower": "+z"}``).
    max_calibration_tilt_deg : float
        Largest angle between the declared forward axis and the horizontal plane in the
        neutral window; beyond it the forward axis is inferred from the motion instead (and
        the measure flags say so).
    max_still_deg, min_still_s, search_s : float
        The neutral window must be still: the sensor turns less than ``max_still_deg``
        within it. When the default window (``start_s`` None) is not, the first still window
        of ``min_still_s`` within the first ``search_s`` (or 3 windows) is used instead.
    when_moving : str
        ``"flag"`` (say so in :attr:`Mounting.calibration_note`) or ``"refuse"``
        (:class:`~spinecoach.errors.InvalidRecording` "stand still for 2 s") when no still
        window is found.
    """

    start_s: float | None = None
    duration_s: float = 3.0
    forward_axis: str = "-z"
    forward_axes: Mapping[str, str] = field(default_factory=dict)
    max_calibration_tilt_deg: float = 60.0
    max_still_deg: float = 4.0
    min_still_s: float = 2.0
    search_s: float = 10.0
    when_moving: str = "flag"

    def axis_for(self, placement: Placement) -> str:
        """Forward-axis spec for ``placement``."""
        return self.forward_axes.get(str(placement), self.forward_axis)


@dataclass(frozen=True, eq=False)
class Mounting:
    """Body axes of one sensor: rows forward, left, up, in sensor coordinates.

    Attributes
    ----------
    axes : ndarray, shape (3, 3)
        Maps a sensor-frame vector to body axes: ``v_body = axes @ v_sensor``.
    forward_source : str
        ``"declared -z"`` or ``"inferred from motion"``.
    heading0_deg : float or None
        Heading of the left axis during calibration (needs quaternions).
    calibration_note : str or None
        Set when the sensor moved in the calibration window (and where the neutral was
        taken from instead).
    """

    axes: FloatArray
    forward_source: str
    heading0_deg: float | None = None
    calibration_note: str | None = None


def parse_axis(spec: str) -> FloatArray:
    """Unit vector of an axis spec such as ``"-z"`` or ``"+x"``.

    Raises
    ------
    InvalidInput
        If the spec is not a sign followed by x, y or z.
    """
    text = spec.strip().lower()
    sign = -1.0 if text.startswith("-") else 1.0
    letter = text.lstrip("+-")
    if letter not in AXES or len(text) > 2:
        raise InvalidInput(
            gettext(
                "Invalid value for 'forward_axis': allowed +x, -x, +y, -y, "
                "+z, -z or auto, got {spec}"
            ).format(spec=repr(spec))
        )
    vec = np.zeros(3)
    vec[AXES[letter]] = sign
    return vec


def calibration_mask(time_s: FloatArray, options: CalibrationOptions) -> BoolArray:
    """Boolean mask ``(n_samples,)`` of the neutral window (at least one sample)."""
    start = float(time_s[0]) if options.start_s is None else options.start_s
    mask = (time_s >= start) & (time_s <= start + options.duration_s)
    if not mask.any():
        raise InvalidRecording(
            gettext("calibration window {start:.2f}-{start2:.2f} s holds no samples").format(
                start=start, start2=start + options.duration_s
            )
        )
    return mask


def window_motion_deg(orientation: Orientation, mask: BoolArray) -> float:
    """Largest turn of the sensor within the samples of ``mask`` (degrees).

    With quaternions: the largest rotation from the window's mean orientation (any axis,
    twisting included); without: the largest angle of the up vector from its mean.
    """
    if orientation.quaternion is not None:
        q = orientation.quaternion[mask]
        q = q * np.where(q @ q[0] < 0, -1.0, 1.0)[:, None]
        mean = q.mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
        dots = np.clip(np.abs(q @ mean), 0.0, 1.0)
        return float(np.degrees(2.0 * np.arccos(dots.min())))
    up = orientation.up_sensor[mask]
    mean = up.mean(axis=0)
    mean /= max(float(np.linalg.norm(mean)), 1e-12)
    return float(np.degrees(np.arccos(np.clip((up @ mean).min(), -1.0, 1.0))))


def still_calibration_mask(
    orientation: Orientation, placement: Placement, options: CalibrationOptions
) -> tuple[BoolArray, str | None]:
    """The neutral window, moved to a still stretch when the person moved in the first one.

    Returns
    -------
    (mask, note)
        ``note`` is None when the window was still; else says how much the sensor turned
        and where the neutral came from.

    Raises
    ------
    InvalidRecording
        With ``when_moving="refuse"`` and no still window near the start.
    """
    time_s = orientation.time_s
    mask = calibration_mask(time_s, options)
    moved = window_motion_deg(orientation, mask)
    if moved <= options.max_still_deg:
        return mask, None
    start = float(time_s[mask][0])
    end = float(time_s[mask][-1])
    where = gettext(
        "{placement} sensor turned {moved}° in the neutral window {start}-{end} s"
    ).format(placement=placement, moved=f"{moved:.0f}", start=f"{start:.1f}", end=f"{end:.1f}")
    if options.start_s is None:
        width = min(options.duration_s, options.min_still_s)
        limit = float(time_s[0]) + max(options.search_s, 3.0 * options.duration_s)
        t0 = float(time_s[0])
        while t0 + width <= min(limit, float(time_s[-1])):
            window = (time_s >= t0) & (time_s <= t0 + width)
            if int(window.sum()) >= 3 and window_motion_deg(orientation, window) <= (
                options.max_still_deg
            ):
                return window, (
                    gettext("{where}: neutral taken from the still window {start}-{end} s").format(
                        where=where, start=f"{t0:.1f}", end=f"{t0 + width:.1f}"
                    )
                )
            t0 += 0.1
    if options.when_moving == "refuse":
        raise InvalidRecording(
            gettext(
                "{where} and no still {min_still_s:g} s window follows: "
                "stand still for {min_still_s:g} s at the start of the "
                "recording (or choose the neutral window with "
                "--calibration-s)"
            ).format(where=where, min_still_s=options.min_still_s)
        )
    return mask, gettext("{where}: angles may be offset (stand still for 2 s at the start)").format(
        where=where
    )


def infer_mounting(
    orientation: Orientation, placement: Placement, options: CalibrationOptions
) -> Mounting:
    """Body axes of a sensor from its calibration window (and motion, for ``auto``).

    Parameters
    ----------
    orientation : Orientation
    placement : Placement
        Used to pick a per-placement forward-axis override.
    options : CalibrationOptions

    Returns
    -------
    Mounting
    """
    mask, note = still_calibration_mask(orientation, placement, options)
    up = orientation.up_sensor[mask].mean(axis=0)
    up /= max(float(np.linalg.norm(up)), 1e-9)
    spec = options.axis_for(placement)
    if spec.strip().lower() == "auto":
        forward = _forward_from_motion(orientation.up_sensor, up)
        source = gettext("inferred from motion")
    else:
        declared = parse_axis(spec)
        tilt_deg = float(np.degrees(np.arcsin(min(1.0, abs(float(declared @ up))))))
        if tilt_deg > options.max_calibration_tilt_deg:
            # The declared axis is (nearly) vertical: the sensor is not worn as assumed or
            # the neutral window is not upright. Fall back to the motion, and say so.
            logger.warning(
                "%s sensor: forward axis %s is %.0f° from horizontal in the neutral window; "
                "inferring forward from the motion instead",
                placement,
                spec,
                tilt_deg,
            )
            forward = _forward_from_motion(orientation.up_sensor, up)
            source = gettext(
                "inferred from motion (declared {spec} was {tilt}° from horizontal)"
            ).format(spec=spec, tilt=f"{tilt_deg:.0f}")
        else:
            forward = declared - up * float(declared @ up)
            forward /= np.linalg.norm(forward)
            source = gettext("declared {spec}").format(spec=spec)
    left = np.cross(up, forward)
    axes = np.vstack([forward, left, up])
    heading0 = None
    if orientation.quaternion is not None:
        heading0 = float(
            np.degrees(_circular_mean(_heading_rad(orientation.quaternion[mask], left)))
        )
    return Mounting(axes=axes, forward_source=source, heading0_deg=heading0, calibration_note=note)


def _forward_from_motion(up_sensor: FloatArray, up: FloatArray) -> FloatArray:
    """Forward axis: principal tilt direction, signed so the first big excursion is flexion."""
    dev = up_sensor - np.outer(dot_rows(up_sensor, up), up)
    centred = dev - dev.mean(axis=0)
    # principal direction: the first right singular vector of ``centred``, taken from its
    # 3 x 3 scatter matrix (summed without BLAS, see :func:`dot_rows`; same axis to rounding)
    _, _, vt = np.linalg.svd(np.einsum("ni,nj->ij", centred, centred))
    axis = vt[0] - up * float(vt[0] @ up)
    axis /= max(float(np.linalg.norm(axis)), 1e-9)
    proj = dot_rows(dev, axis)
    peak = float(np.max(np.abs(proj)))
    first = int(np.argmax(np.abs(proj) > 0.5 * peak)) if peak > 0 else 0
    # Bending forward moves Earth's up toward the body's back: v_f < 0.
    return axis if proj[first] < 0 else -axis


def _heading_rad(quaternion: FloatArray, left_sensor: FloatArray) -> FloatArray:
    """Heading of the left axis about Earth's up, ``(n,)`` radians (0 = left axis west)."""
    north, west = rotate_to_earth_xy(quaternion, left_sensor)
    return np.arctan2(-north, west)


def _circular_mean(angles_rad: FloatArray) -> float:
    return float(np.arctan2(np.sin(angles_rad).mean(), np.cos(angles_rad).mean()))


def segment_angles(up_sensor: FloatArray, mounting: Mounting) -> tuple[FloatArray, FloatArray]:
    """Sagittal and frontal angles of a segment (degrees, zero in the calibration posture).

    Parameters
    ----------
    up_sensor : ndarray, shape (n_samples, 3)
        Earth's up in sensor axes.
    mounting : Mounting

    Returns
    -------
    sagittal_deg, frontal_deg : ndarray, shape (n_samples,)
        Forward flexion positive; inclination to the subject's right positive.
    """
    forward, left, up = (dot_rows(up_sensor, axis) for axis in mounting.axes)
    sagittal = np.degrees(np.arctan2(-forward, up))
    frontal = np.degrees(np.arcsin(np.clip(left, -1.0, 1.0)))
    return sagittal, frontal


def segment_heading_deg(orientation: Orientation, mounting: Mounting) -> FloatArray | None:
    """Heading change of the segment since calibration, ``(n_samples,)`` degrees, or None."""
    if orientation.quaternion is None or mounting.heading0_deg is None:
        return None
    heading = np.degrees(_heading_rad(orientation.quaternion, mounting.axes[1]))
    return _wrap_deg(heading - mounting.heading0_deg)


def _wrap_deg(angle_deg: FloatArray) -> FloatArray:
    return (angle_deg + 180.0) % 360.0 - 180.0


def _on_time_base(orientation: Orientation, time_s: FloatArray) -> Orientation:
    """Resample an orientation to ``time_s`` (linear on the up vector; quaternions dropped)."""
    if orientation.time_s.shape == time_s.shape and np.array_equal(orientation.time_s, time_s):
        return orientation
    up = np.column_stack(
        [np.interp(time_s, orientation.time_s, orientation.up_sensor[:, k]) for k in range(3)]
    )
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    quat = None
    if orientation.quaternion is not None:
        idx = np.clip(np.searchsorted(orientation.time_s, time_s), 0, orientation.time_s.size - 1)
        quat = orientation.quaternion[idx]
    return Orientation(time_s, up, quat, orientation.method, orientation.startup_s)


def imu_measures(
    orientations: Mapping[Placement, Orientation],
    *,
    calibration: CalibrationOptions | None = None,
    has_magnetometer: bool = False,
    placement_set: PlacementSet | None = None,
) -> MeasureSeries:
    """Angles for the placements present, as a :class:`MeasureSeries`.

    Parameters
    ----------
    orientations : mapping of Placement to Orientation
        ``upper`` and/or ``lower`` (or one other sensor).
    calibration : CalibrationOptions, optional
    has_magnetometer : bool
        Whether the headings come from a magnetometer-aided fusion (else rotation is flagged).
    placement_set : PlacementSet, optional
        Force a measure family (``sacrum`` on a dual recording uses the lower sensor only).

    Returns
    -------
    MeasureSeries
        On the lower (else upper) sensor's time base; measures not supported by the
        placement are listed in ``unmeasurable`` with the reason.
    """
    opts = calibration or CalibrationOptions()
    chosen = placement_set or _placement_set(orientations)
    needed = _needed_placements(chosen, orientations)
    base = orientations[needed[0]].time_s
    oriented = {p: _on_time_base(orientations[p], base) for p in needed}
    mountings = {p: infer_mounting(o, p, opts) for p, o in oriented.items()}
    angles = {p: segment_angles(oriented[p].up_sensor, mountings[p]) for p in needed}
    values: dict[str, FloatArray] = {}
    flags: dict[str, str] = {}
    if chosen is PlacementSet.DUAL:
        (up_sag, up_front), (lo_sag, lo_front) = angles[Placement.UPPER], angles[Placement.LOWER]
        values["lumbar_flexion_deg"] = up_sag - lo_sag
        values["lumbar_lateral_flexion_deg"] = up_front - lo_front
        values["pelvic_tilt_deg"] = lo_sag
        values["pelvic_obliquity_deg"] = lo_front
        values["trunk_inclination_deg"] = up_sag
        values["trunk_lateral_inclination_deg"] = up_front
        h_up = segment_heading_deg(oriented[Placement.UPPER], mountings[Placement.UPPER])
        h_lo = segment_heading_deg(oriented[Placement.LOWER], mountings[Placement.LOWER])
        if h_up is not None and h_lo is not None:
            # headings grow counter-clockwise seen from above (a turn to the left); the
            # measure is positive for a turn to the RIGHT, as the camera's trunk_rotation_deg
            values["lumbar_rotation_deg"] = _wrap_deg(h_lo - h_up)
            if not has_magnetometer:
                flags["lumbar_rotation_deg"] = _(ROTATION_NO_MAG_FLAG)
        else:
            values["lumbar_rotation_deg"] = np.full(base.shape, np.nan)
            flags["lumbar_rotation_deg"] = gettext("not measurable without a gyroscope")
    elif chosen is PlacementSet.SACRUM:
        sag, front = angles[Placement.LOWER]
        values["pelvic_tilt_deg"] = sag
        values["pelvic_obliquity_deg"] = front
        heading = segment_heading_deg(oriented[Placement.LOWER], mountings[Placement.LOWER])
        values["pelvic_rotation_deg"] = (
            -heading if heading is not None else np.full(base.shape, np.nan)
        )
        if heading is None:
            flags["pelvic_rotation_deg"] = gettext("not measurable without a gyroscope")
        elif not has_magnetometer:
            flags["pelvic_rotation_deg"] = _("unreliable without magnetometer: heading drifts")
    elif chosen is PlacementSet.UPPER:
        sag, front = angles[Placement.UPPER]
        values["trunk_inclination_deg"] = sag
        values["trunk_lateral_inclination_deg"] = front
    else:
        sag, front = angles[needed[0]]
        values["sensor_sagittal_deg"] = sag
        values["sensor_frontal_deg"] = front
    unmeasurable = {
        name: gettext("needs {what}; this recording is '{placement}'").format(
            what=_needs(name), placement=chosen
        )
        for name in ALL_MEASURES
        if name not in values
    }
    for p, m in mountings.items():
        flags.setdefault(
            f"mounting_{p}", gettext("forward axis {source}").format(source=m.forward_source)
        )
        if m.calibration_note:
            flags[f"calibration_{p}"] = m.calibration_note
    return MeasureSeries(time_s=base, values=values, unmeasurable=unmeasurable, flags=flags)


def _needs(measure: str) -> str:
    for pset, names in MEASURES_BY_PLACEMENT.items():
        if measure in names:
            return gettext("placement '{placement}'").format(placement=pset)
    return gettext("another placement")


def _placement_set(orientations: Mapping[Placement, Orientation]) -> PlacementSet:
    return placement_set_of(orientations)


def _needed_placements(
    chosen: PlacementSet, orientations: Mapping[Placement, Orientation]
) -> list[Placement]:
    needed = SENSORS_BY_PLACEMENT.get(chosen)
    if needed is None:
        if not orientations:
            raise InvalidRecording(gettext("no sensors in the recording"))
        return [next(iter(orientations))]
    required = sorted(needed, key=lambda p: p is not Placement.LOWER)  # lower (sacrum) first
    missing = [str(p) for p in required if p not in orientations]
    if missing:
        raise InvalidInput(
            gettext(
                "placement '{chosen}' needs sensor(s) {missing}; the recording has {value}"
            ).format(
                chosen=chosen,
                missing=", ".join(missing),
                value=", ".join(str(p) for p in orientations) or "none",
            )
        )
    return required
