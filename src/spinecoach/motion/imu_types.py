"""Typed inertial streams: one sensor's samples, a set of placed sensors, and their quality.

Units are fixed on read by every reader: gyroscope in degrees per second, accelerometer in
g (including gravity, so a sensor lying still reads 1 g upward), magnetometer in microtesla.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidRecording
from spinecoach.motion.types import FloatArray


class Placement(StrEnum):
    """Where a sensor sits on the body (CLINICAL.md §7: T12/L1 and sacrum)."""

    UPPER = "upper"  # over T12/L1 (about 15 cm above S2)
    LOWER = "lower"  # over the sacrum (S2)
    THIGH = "thigh"
    WRIST = "wrist"
    UNKNOWN = "unknown"


class PlacementSet(StrEnum):
    """Which sensors a recording carries, which decides the measures that exist."""

    DUAL = "dual"  # upper + lower: lumbar angles and pelvic tilt
    SACRUM = "sacrum"  # lower only: pelvic tilt and pelvic motion
    UPPER = "upper"  # upper only: trunk inclination
    SINGLE = "single"  # one sensor elsewhere (thigh, wrist): its own inclination only


@dataclass(frozen=True)
class QualityReport:
    """Problems found in a stream's samples (each list holds sample indices).

    Attributes
    ----------
    n_out_of_order, n_duplicated, n_jumps : int
        Time stamps going backwards, repeated, or gaps longer than ``jump_factor`` times the
        median sample period.
    n_dropped : int
        Samples removed because of the above (out-of-order and duplicated ones).
    saturated : dict of str to int
        Samples at or beyond the stated range per channel (``gyro``, ``accel``, ``mag``).
    warnings : tuple of str
        One readable sentence per problem.
    """

    n_out_of_order: int = 0
    n_duplicated: int = 0
    n_jumps: int = 0
    n_dropped: int = 0
    longest_gap_s: float = 0.0
    saturated: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.warnings


@dataclass(frozen=True, eq=False)
class ImuSeries:
    """Samples of one inertial sensor.

    Attributes
    ----------
    time_s : ndarray, shape (n_samples,)
        Strictly increasing time stamps in seconds (readers sort and de-duplicate).
    accel_g : ndarray, shape (n_samples, 3)
        Accelerometer including gravity, in g, in the sensor's own axes.
    gyro_dps : ndarray, shape (n_samples, 3) or None
        Gyroscope in degrees per second; ``None`` for accelerometer-only devices.
    mag_ut : ndarray, shape (n_samples, 3) or None
        Magnetometer in microtesla; ``None`` when absent.
    placement : Placement
        Where the sensor sits.
    sample_rate_hz : float
        Nominal rate (median of the time-stamp differences when the file does not say).
    name : str
        Sensor label from the file (``"upper"``, ``"Accelerometer"``, device serial, ...).
    source : str
        Reader name (``fusion_csv``, ``mex_csv``, ``sensor_logger``, ``phyphox``, ``generic``).
    quality : QualityReport
        Time-stamp and saturation findings.
    metadata : dict
        Free-form provenance (file, ranges assumed, declared forward axis, ...).
    """

    time_s: FloatArray
    accel_g: FloatArray
    gyro_dps: FloatArray | None = None
    mag_ut: FloatArray | None = None
    placement: Placement = Placement.UNKNOWN
    sample_rate_hz: float = 100.0
    name: str = ""
    source: str = ""
    quality: QualityReport = field(default_factory=QualityReport)
    metadata: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.time_s.shape[0]
        for label, arr in (
            ("accel_g", self.accel_g),
            ("gyro_dps", self.gyro_dps),
            ("mag_ut", self.mag_ut),
        ):
            if arr is not None and arr.shape != (n, 3):
                raise InvalidRecording(
                    _("{value}: {label} has shape {shape}, expected ({n}, 3)").format(
                        value=self.name or "IMU series", label=label, shape=arr.shape, n=n
                    )
                )

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.time_s.shape[0])

    @property
    def duration_s(self) -> float:
        """Seconds from first to last sample."""
        return float(self.time_s[-1] - self.time_s[0]) if self.n_samples else 0.0

    @property
    def has_gyro(self) -> bool:
        """Whether a gyroscope was recorded."""
        return self.gyro_dps is not None

    @property
    def has_mag(self) -> bool:
        """Whether a magnetometer was recorded."""
        return self.mag_ut is not None


#: The sensors each placement set needs (the one table; SINGLE takes any one sensor).
SENSORS_BY_PLACEMENT: dict[PlacementSet, tuple[Placement, ...]] = {
    PlacementSet.DUAL: (Placement.UPPER, Placement.LOWER),
    PlacementSet.SACRUM: (Placement.LOWER,),
    PlacementSet.UPPER: (Placement.UPPER,),
}


def placement_set_of(placements: Iterable[Placement]) -> PlacementSet:
    """The measure family a set of sensor placements supports (dual, sacrum, upper, single)."""
    keys = set(placements)
    if {Placement.UPPER, Placement.LOWER} <= keys:
        return PlacementSet.DUAL
    if Placement.LOWER in keys:
        return PlacementSet.SACRUM
    if Placement.UPPER in keys:
        return PlacementSet.UPPER
    return PlacementSet.SINGLE


@dataclass(frozen=True, eq=False)
class ImuRecording:
    """One or more sensors recorded together, keyed by placement.

    Attributes
    ----------
    sensors : dict of Placement to ImuSeries
        At most one series per placement.
    metadata : dict
        File-level provenance.
    """

    sensors: dict[Placement, ImuSeries]
    metadata: dict[str, object] = field(default_factory=dict)

    @property
    def placement_set(self) -> PlacementSet:
        """Which measure family this recording supports."""
        return placement_set_of(self.sensors)

    def primary(self) -> ImuSeries:
        """The sensor that sets the time base (lower, else upper, else the first)."""
        for key in (Placement.LOWER, Placement.UPPER):
            if key in self.sensors:
                return self.sensors[key]
        return next(iter(self.sensors.values()))

    def warnings(self) -> list[str]:
        """Every sensor's quality warnings, prefixed with its placement."""
        return [f"{p}: {w}" for p, s in self.sensors.items() for w in s.quality.warnings]
