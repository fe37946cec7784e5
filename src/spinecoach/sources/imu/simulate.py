"""Two-sensor IMU simulator with ground truth: the oracle for accuracy tests.

A movement is a time course of the pelvis (sacral sensor) and thorax (T12/L1 sensor)
orientations. Each segment's orientation is ``R = Rz(heading) · Rx(frontal) · Ry(sagittal)``
in body axes (forward, left, up), which is exactly the decomposition that
:mod:`spinecoach.motion.imu_angles` measures, so the true lumbar angles are the upper minus
lower segment angles. From it the simulator derives what real sensors would read:

* gyroscope: the body angular rate in the sensor's axes (°/s) + white noise + constant bias;
* accelerometer: gravity + the linear acceleration of the sensor (it sits ``lever_m`` from
  the pivot, so bending swings it) + white noise + artefacts (strap jolts), in g;
* magnetometer (optional): Earth's field (20 µT north, 45 µT down) in sensor axes + noise.

Mounting: the sensor's z axis points out of the back (the default ``forward_axis="-z"``);
it is turned about that axis by ``mount_roll_deg`` (180° = fixed upside down), and then
misaligned by a random small rotation of ``misalignment_deg``. The sacral sensor sits on a
surface inclined ``sacral_surface_deg`` from vertical. Every recording starts with
``calibration_s`` of neutral standing (or sitting) — the calibration window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidInput
from spinecoach.motion.imu_types import ImuRecording, ImuSeries, Placement
from spinecoach.motion.types import FloatArray, MeasureSeries

EARTH_FIELD_UT = np.array([20.0, 0.0, -45.0])  # NWU: north, west, up


@dataclass(frozen=True)
class SensorErrors:
    """Imperfections applied to each simulated sensor.

    Attributes
    ----------
    gyro_noise_dps, gyro_bias_dps : float
        White-noise standard deviation and constant bias magnitude (random direction), °/s.
    accel_noise_g : float
        White-noise standard deviation of the accelerometer, g.
    mag_noise_ut : float
        White-noise standard deviation of the magnetometer, µT.
    misalignment_deg : float
        Magnitude of a random rotation between the intended and the actual mounting.
    mount_roll_deg : float
        Rotation of the sensor about its z axis on the skin (180 = upside down).
    n_artefacts : int
        Strap jolts: short (60 ms) acceleration and rate spikes at random times.
    artefact_g : float
        Peak acceleration of a jolt, g.
    """

    gyro_noise_dps: float = 0.3
    gyro_bias_dps: float = 0.5
    accel_noise_g: float = 0.01
    mag_noise_ut: float = 0.5
    misalignment_deg: float = 3.0
    mount_roll_deg: float = 0.0
    n_artefacts: int = 0
    artefact_g: float = 0.3


@dataclass(frozen=True)
class Movement:
    """A movement pattern: peak segment angles of one repetition (degrees).

    ``two_way`` repetitions go to the positive peak and then the negative one (a full sine
    cycle); one-way repetitions go out to the peak and back.
    """

    name: str
    primary: str
    lower_sagittal: float = 0.0
    upper_sagittal: float = 0.0
    lower_frontal: float = 0.0
    upper_frontal: float = 0.0
    lower_heading: float = 0.0
    upper_heading: float = 0.0
    base_sagittal: float = 0.0  # start position (e.g. 80° for hands and knees)
    two_way: bool = False
    lever_m: float = 0.35
    exercise_id: str = ""  # library exercise this movement stands for


MOVEMENTS: dict[str, Movement] = {
    m.name: m
    for m in (
        # Standing pelvic tilt: the pelvis rocks, the thorax barely moves, the lumbar spine
        # flexes as the pelvis tilts posteriorly.
        Movement(
            "pelvic_tilt",
            "pelvic_tilt_deg",
            exercise_id="pelvic_tilt_supine",
            lower_sagittal=12.0,
            upper_sagittal=2.0,
            two_way=True,
            lever_m=0.1,
        ),
        # Cat-cow on hands and knees: flexion (cat) and extension (cow) of the lumbar spine.
        Movement(
            "cat_cow",
            "lumbar_flexion_deg",
            exercise_id="cat_cow",
            lower_sagittal=-8.0,
            upper_sagittal=12.0,
            base_sagittal=80.0,
            two_way=True,
        ),
        # Seated hip hinge: the pelvis tilts forward, the lumbar spine stays long.
        Movement(
            "seated_hip_hinge",
            "trunk_inclination_deg",
            exercise_id="seated_hip_hinge",
            lower_sagittal=30.0,
            upper_sagittal=34.0,
            lever_m=0.4,
        ),
        Movement(
            "standing_flexion",
            "lumbar_flexion_deg",
            exercise_id="standing_hip_hinge",
            lower_sagittal=35.0,
            upper_sagittal=85.0,
            lever_m=0.45,
        ),
        Movement(
            "standing_extension",
            "lumbar_flexion_deg",
            exercise_id="standing_extension",
            lower_sagittal=-8.0,
            upper_sagittal=-30.0,
        ),
        Movement(
            "side_bend",
            "lumbar_lateral_flexion_deg",
            exercise_id="standing_side_bend",
            lower_frontal=5.0,
            upper_frontal=28.0,
            two_way=True,
        ),
        Movement(
            "rotation",
            "lumbar_rotation_deg",
            exercise_id="seated_spinal_twist",
            lower_heading=5.0,
            upper_heading=30.0,
            two_way=True,
            lever_m=0.1,
        ),
    )
}


@dataclass(frozen=True, eq=False)
class SimulatedRecording:
    """A simulated recording and its ground truth.

    Attributes
    ----------
    recording : ImuRecording
        ``upper`` and ``lower`` sensors on one time base.
    truth : MeasureSeries
        True angles (degrees) named as the measured ones.
    n_reps : int
        Repetitions performed (a two-way repetition is two excursions).
    rep_peaks_s : tuple of float
        Time of each excursion's peak.
    """

    recording: ImuRecording
    truth: MeasureSeries
    n_reps: int
    rep_peaks_s: tuple[float, ...]
    movement: Movement = field(default_factory=lambda: MOVEMENTS["standing_flexion"])

    @property
    def n_excursions(self) -> int:
        """Excursions of the primary angle (what the motion core counts as repetitions)."""
        return len(self.rep_peaks_s)


def rep_profile(
    time_s: FloatArray,
    *,
    start_s: float,
    n_reps: int,
    rep_s: float,
    rest_s: float,
    two_way: bool,
    hold_s: float = 0.0,
) -> tuple[FloatArray, list[float]]:
    """Normalised excursion in [-1, 1] (one-way: [0, 1]) and each excursion's peak time.

    A one-way repetition is a raised-cosine rise of ``rep_s / 2``, ``hold_s`` at the peak,
    the mirror-image return, then ``rest_s`` at neutral. A two-way repetition does that to
    the positive side and then to the negative side (two excursions, each followed by rest).
    """
    s = np.zeros_like(time_s)
    peaks: list[float] = []
    half = 0.5 * rep_s
    sides = (1.0, -1.0) if two_way else (1.0,)
    t0 = start_s
    for _ in range(n_reps):
        for sign in sides:
            rise = (time_s >= t0) & (time_s < t0 + half)
            s[rise] = sign * 0.5 * (1.0 - np.cos(np.pi * (time_s[rise] - t0) / half))
            held = (time_s >= t0 + half) & (time_s < t0 + half + hold_s)
            s[held] = sign
            t1 = t0 + half + hold_s
            fall = (time_s >= t1) & (time_s < t1 + half)
            s[fall] = sign * 0.5 * (1.0 + np.cos(np.pi * (time_s[fall] - t1) / half))
            peaks.append(t0 + half + 0.5 * hold_s)
            t0 = t1 + half + rest_s
    return s, peaks


def simulate(
    movement: str = "standing_flexion",
    *,
    n_reps: int = 5,
    rep_s: float = 4.0,
    rest_s: float = 2.0,
    hold_s: float = 0.0,
    calibration_s: float = 3.0,
    sample_rate_hz: float = 100.0,
    errors: SensorErrors | None = None,
    with_magnetometer: bool = False,
    sacral_surface_deg: float = 20.0,
    seed: int = 0,
) -> SimulatedRecording:
    """Simulate a dual-sensor recording of ``movement``.

    Parameters
    ----------
    movement : str
        One of :data:`MOVEMENTS`.
    n_reps, rep_s, rest_s : int, float, float
        Repetitions, seconds out and back, and seconds of rest after each.
    hold_s : float
        Seconds held at each peak.
    calibration_s : float
        Neutral standing at the start (the calibration window); positions with a base angle
        (hands and knees) add a 3 s transition after it.
    sample_rate_hz : float
    errors : SensorErrors, optional
    with_magnetometer : bool
    sacral_surface_deg : float
        Inclination of the sacral skin surface from vertical in standing.
    seed : int
        Seed of every random draw (noise, bias directions, misalignment, artefacts).

    Returns
    -------
    SimulatedRecording
    """
    if movement not in MOVEMENTS:
        raise InvalidInput(
            gettext("Unknown movement {movement}; allowed: {movements}").format(
                movement=repr(movement), movements=", ".join(sorted(MOVEMENTS))
            )
        )
    spec = MOVEMENTS[movement]
    err = errors or SensorErrors()
    rng = np.random.default_rng(seed)
    transition_s = 3.0 if spec.base_sagittal else 0.0
    start_s = calibration_s + transition_s + 1.0
    n_sides = 2 if spec.two_way else 1
    total_s = start_s + n_reps * n_sides * (rep_s + hold_s + rest_s) + 1.0
    n = int(round(total_s * sample_rate_hz))
    time_s = np.arange(n) / sample_rate_hz
    s, peaks = rep_profile(
        time_s,
        start_s=start_s,
        n_reps=n_reps,
        rep_s=rep_s,
        rest_s=rest_s,
        two_way=spec.two_way,
        hold_s=hold_s,
    )
    base = _ramp(time_s, calibration_s, calibration_s + transition_s) * spec.base_sagittal
    heading0 = rng.uniform(-180, 180)
    angles = {
        Placement.LOWER: (
            base + spec.lower_sagittal * s,
            spec.lower_frontal * s,
            heading0 + spec.lower_heading * s,
        ),
        Placement.UPPER: (
            base + spec.upper_sagittal * s,
            spec.upper_frontal * s,
            heading0 + spec.upper_heading * s,
        ),
    }
    sensors = {}
    for placement, (sag, front, head) in angles.items():
        segment = _segment_rotation(sag, front, head)
        surface = sacral_surface_deg if placement is Placement.LOWER else 0.0
        mount = _mounting(err, surface, rng)
        sensors[placement] = _sensor_readings(
            time_s, segment, mount, spec.lever_m, err, with_magnetometer, rng, placement
        )
    (lo_sag, lo_front, lo_head), (up_sag, up_front, up_head) = (
        angles[Placement.LOWER],
        angles[Placement.UPPER],
    )
    truth = MeasureSeries(
        time_s=time_s,
        values={
            "lumbar_flexion_deg": up_sag - lo_sag,
            "lumbar_lateral_flexion_deg": up_front - lo_front,
            # positive = upper trunk turned to the right (heading is counter-clockwise)
            "lumbar_rotation_deg": lo_head - up_head,
            "pelvic_tilt_deg": lo_sag,
            "pelvic_obliquity_deg": lo_front,
            "trunk_inclination_deg": up_sag,
            "trunk_lateral_inclination_deg": up_front,
        },
    )
    recording = ImuRecording(
        sensors=sensors,
        metadata={"simulated": movement, "seed": seed, "n_reps": n_reps},
    )
    return SimulatedRecording(recording, truth, n_reps, tuple(peaks), spec)


def _ramp(time_s: FloatArray, t0: float, t1: float) -> FloatArray:
    if t1 <= t0:
        return np.zeros_like(time_s)
    x = np.clip((time_s - t0) / (t1 - t0), 0.0, 1.0)
    return 0.5 * (1.0 - np.cos(np.pi * x))


def _segment_rotation(sag_deg: FloatArray, front_deg: FloatArray, head_deg: FloatArray) -> Rotation:
    """Body-to-Earth rotations ``Rz(heading) Rx(frontal) Ry(sagittal)`` (n samples)."""
    n = sag_deg.shape[0]
    head = np.broadcast_to(head_deg, (n,))
    front = np.broadcast_to(front_deg, (n,))
    rz = Rotation.from_rotvec(np.outer(np.radians(head), [0.0, 0.0, 1.0]))
    rx = Rotation.from_rotvec(np.outer(np.radians(front), [1.0, 0.0, 0.0]))
    ry = Rotation.from_rotvec(np.outer(np.radians(sag_deg), [0.0, 1.0, 0.0]))
    return rz * rx * ry


def _mounting(err: SensorErrors, surface_deg: float, rng: np.random.Generator) -> Rotation:
    """Sensor-to-body rotation: z out of the back, rolled on the skin, misaligned."""
    x_body = np.array([0.0, 0.0, 1.0])  # sensor x along the body's up axis
    z_body = np.array([-1.0, 0.0, 0.0])  # sensor z out of the back
    y_body = np.cross(z_body, x_body)
    base = Rotation.from_matrix(np.column_stack([x_body, y_body, z_body]))
    roll = Rotation.from_rotvec(np.radians(err.mount_roll_deg) * z_body)
    surface = Rotation.from_rotvec(np.radians(surface_deg) * np.array([0.0, 1.0, 0.0]))
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    misalign = Rotation.from_rotvec(np.radians(err.misalignment_deg) * axis)
    return surface * misalign * roll * base


def _sensor_readings(
    time_s: FloatArray,
    segment: Rotation,
    mount: Rotation,
    lever_m: float,
    err: SensorErrors,
    with_mag: bool,
    rng: np.random.Generator,
    placement: Placement,
) -> ImuSeries:
    n = time_s.shape[0]
    fs = 1.0 / float(time_s[1] - time_s[0])
    sensor = segment * mount  # sensor-to-Earth
    # Gyroscope: rotation from the previous sample, in sensor axes (what Fusion integrates).
    rel = sensor[:-1].inv() * sensor[1:]
    gyro = np.vstack([np.zeros((1, 3)), np.degrees(rel.as_rotvec()) * fs])
    bias = rng.normal(size=3)
    bias *= err.gyro_bias_dps / np.linalg.norm(bias)
    gyro = gyro + bias + rng.normal(scale=err.gyro_noise_dps, size=(n, 3))
    # Accelerometer: specific force = linear acceleration + gravity (1 g up), sensor axes.
    position = segment.apply(np.array([0.0, 0.0, lever_m]))  # metres, Earth frame
    velocity = np.gradient(position, time_s, axis=0)
    linear_g = np.gradient(velocity, time_s, axis=0) / 9.80665
    specific = linear_g + np.array([0.0, 0.0, 1.0])
    for _ in range(err.n_artefacts):
        k = int(rng.integers(int(0.5 * n), n - 10))  # after calibration
        width = max(1, int(0.06 * fs))
        direction = rng.normal(size=3)
        specific[k : k + width] += err.artefact_g * direction / np.linalg.norm(direction)
        gyro[k : k + width] += rng.normal(scale=20.0, size=3)
    accel = sensor.inv().apply(specific) + rng.normal(scale=err.accel_noise_g, size=(n, 3))
    mag = None
    if with_mag:
        mag = sensor.inv().apply(EARTH_FIELD_UT) + rng.normal(scale=err.mag_noise_ut, size=(n, 3))
    return ImuSeries(
        time_s=time_s,
        accel_g=accel,
        gyro_dps=gyro,
        mag_ut=mag,
        placement=placement,
        sample_rate_hz=fs,
        name=str(placement),
        source="simulated",
        metadata={"mount_roll_deg": err.mount_roll_deg},
    )
