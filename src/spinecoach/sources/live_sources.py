"""Live sources, registered by name: what each one sends and which measure it analyses.

A live source is anything that can steer a guided session or run beside the camera: the
camera (keypoints from pose estimation), client-side keypoints, an IMU, and sensor plug-ins
(``spinecoach.sources.<name>``) that register themselves here. Front ends look sources up by
name (``?source=`` on the web session, ``--sensor`` on ``spinecoach session``) instead of an
if-chain; the coach's :class:`~spinecoach.coach.feed.MotionFeed` takes ``measure_for``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.sources.sensor_plugin import LineChannel

MeasureFor = Callable[[Exercise], str | None]


@dataclass(frozen=True)
class LiveSource:
    """One kind of live input.

    Attributes
    ----------
    name : str
        Registry key (``camera``, ``imu``, ``band``...).
    description : str
        One line for help texts.
    measure_for : callable or None
        Measure-frame sources: the measure analysed per exercise (None where it cannot
        measure it). ``None`` for keypoint sources (the exercise's primary angle).
    steers : bool
        Whether it can steer a session on its own (repetitions and holds from it).
    beside : bool
        Whether it can run beside the camera as an extra measured trace.
    channel : callable, optional
        Sensor plug-ins: builds the live channel (a
        :class:`~spinecoach.sources.sensor_plugin.LineChannel`) that decodes the plug-in's
        lines and coaches from them beside the main source.
    simulate : callable, optional
        Sensor plug-ins: ``simulate(exercise_id, seed) -> (csv text)``, a recording in the
        plug-in's file format (``spinecoach sensor simulate``).
    read_file : callable, optional
        Sensor plug-ins: ``read_file(path) -> list of (t_s, values)`` for recordings.
    """

    name: str
    description: str
    measure_for: MeasureFor | None = None
    steers: bool = True
    beside: bool = False
    channel: Callable[[], LineChannel] | None = None
    simulate: Callable[..., str] | None = None
    read_file: Callable[[Path], list[tuple[float, dict[str, float]]]] | None = None


LIVE_SOURCES: dict[str, LiveSource] = {}


def register_live_source(source: LiveSource) -> LiveSource:
    """Add ``source`` to the registry (a plug-in calls this when imported)."""
    LIVE_SOURCES[source.name] = source
    return source


def live_source(name: str) -> LiveSource:
    """The registered source ``name``.

    Raises
    ------
    InvalidInput
        ``source: expected one of ...`` for an unknown name.
    """
    _load_plugins()
    source = LIVE_SOURCES.get(name)
    if source is None:
        known = ", ".join(LIVE_SOURCES)
        raise InvalidInput(
            _("source: expected one of {known}, got {name}").format(
                known=known, name=repr(str(name)[:40])
            )
        )
    return source


def source_names(*, beside: bool = False) -> tuple[str, ...]:
    """Names of the registered sources (``beside``: those that can run beside the camera)."""
    _load_plugins()
    return tuple(n for n, s in LIVE_SOURCES.items() if s.beside or not beside)


def imu_measure(exercise: Exercise) -> str | None:
    """The measure an IMU analyses for ``exercise`` (its ``imu_angle``)."""
    return exercise.signature.imu_angle


_loaded = False


def plugin_modules() -> list[str]:
    """Modules ``spinecoach.sources.<name>.plugin`` present (sensor plug-ins)."""
    import pkgutil

    import spinecoach.sources as package

    out = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.ispkg and (Path(package.__path__[0]) / info.name / "plugin.py").is_file():
            out.append(f"spinecoach.sources.{info.name}.plugin")
    return sorted(out)


def _load_plugins() -> None:
    """Import every sensor plug-in once (each registers itself)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for module in plugin_modules():
        importlib.import_module(module)


def sensor_plugins() -> dict[str, LiveSource]:
    """The registered sensor plug-ins (sources with a channel), by name."""
    _load_plugins()
    return {n: s for n, s in LIVE_SOURCES.items() if s.channel is not None}


register_live_source(LiveSource("camera", "webcam frames, pose estimated on the server"))
register_live_source(LiveSource("keypoints", "keypoints estimated on the client"))
register_live_source(
    LiveSource("imu", "a motion sensor on the back (gyro/accel lines)", imu_measure, beside=True)
)
register_live_source(LiveSource("timer", "no sensor: timers only", steers=False))
