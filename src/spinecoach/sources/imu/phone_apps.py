"""Readers for the two phone apps people use to log sensors: Sensor Logger and phyphox.

Sensor Logger (Kelvin Choi; "Export" as zip or folder of CSVs)
--------------------------------------------------------------
One CSV per sensor, each with ``time`` (Unix epoch, ns), ``seconds_elapsed`` (s since the
recording started) and the axes *in the order* ``z, y, x``:

* ``TotalAcceleration.csv`` — acceleration *with* gravity, m/s²;
* ``Accelerometer.csv`` — acceleration *without* gravity (user acceleration), m/s², and
  ``Gravity.csv`` — the gravity component, m/s²: their sum equals total acceleration;
* ``Gyroscope.csv`` — rad/s; ``Magnetometer.csv`` — µT; ``Orientation.csv`` and others are
  ignored. ``Metadata.csv``'s ``platform``: on ``ios`` the accelerations are negated (iOS
  reports inertial force; the app's author confirms all three axes are inverted relative
  to Android), so both platforms read +1 g upward at rest.

phyphox (RWTH Aachen; "Export data" → CSV, a zip or a single file)
-------------------------------------------------------------------
One CSV per sensor (or ``Raw Data.csv`` for a single-sensor experiment) with quoted headers
``"Time (s)"`` and ``"Acceleration x (m/s^2)"`` (the "Acceleration with g" experiment),
``"Linear Acceleration x (m/s^2)"`` (without g), ``"Gyroscope x (rad/s)"``,
``"Magnetic field x (µT)"``. Separator comma, tab, or semicolon with decimal comma (the
three CSV export choices). A ``meta/`` folder may sit beside the data and is ignored.

Both are normalised to g, °/s and µT, and put on the accelerometer's time base (gyroscope and
magnetometer interpolated linearly within the common time span).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidRecording
from spinecoach.motion.imu_types import ImuRecording, ImuSeries, Placement, QualityReport
from spinecoach.motion.types import FloatArray
from spinecoach.sources.imu.quality import clean_samples, median_rate_hz
from spinecoach.sources.imu.registry import (
    Container,
    ImuReader,
    Probe,
    ReadOptions,
    register_reader,
)
from spinecoach.sources.imu.units import check_time, check_units

STANDARD_GRAVITY = 9.80665  # m/s² per g
SENSOR_LOGGER_HEADER = "time,seconds_elapsed"
SENSOR_LOGGER_FILES = {
    "totalacceleration.csv": "accel",
    "accelerometer.csv": "user_accel",
    "gravity.csv": "gravity",
    "gyroscope.csv": "gyro",
    "magnetometer.csv": "mag",
}
PHYPHOX_COLUMNS = {
    "Acceleration": ("accel", 1.0 / STANDARD_GRAVITY),
    "Linear Acceleration": ("user_accel", 1.0 / STANDARD_GRAVITY),
    "Gyroscope": ("gyro", float(np.degrees(1.0))),
    "Magnetic field": ("mag", 1.0),
}
PHYPHOX_AXIS = re.compile(r'^"?(?P<quantity>[A-Za-z ]+?) (?P<axis>[xyz]) \((?P<unit>[^)]+)\)"?$')


@dataclass(frozen=True)
class Stream:
    """One sensor's samples before merging: time (s) and xyz in normalised units."""

    kind: str
    label: str
    time_s: FloatArray
    xyz: FloatArray


# --- merging -----------------------------------------------------------------------------


def combine_streams(
    label: str,
    streams: dict[str, Stream],
    *,
    placement: Placement,
    source: str,
    ranges: dict[str, float],
) -> ImuSeries:
    """Check each stream, build total acceleration, resample gyro/mag onto its time base."""
    cleaned: dict[str, Stream] = {}
    reports: list[QualityReport] = []
    for kind, st in streams.items():
        check_time(st.label, st.time_s)
        t, ch, rep = clean_samples(
            st.label, st.time_s, {kind: st.xyz}, ranges=_ranges_for(kind, ranges)
        )
        arr = ch[kind]
        assert arr is not None
        cleaned[kind] = Stream(kind, st.label, t, arr)
        reports.append(rep)
    if "accel" not in cleaned:
        if "user_accel" in cleaned and "gravity" in cleaned:
            user, grav = cleaned["user_accel"], cleaned["gravity"]
            total = user.xyz + _interp(grav, user.time_s)
            cleaned["accel"] = Stream("accel", user.label, user.time_s, total)
        elif "user_accel" in cleaned:
            raise InvalidRecording(
                gettext(
                    "{label}: only acceleration without gravity was recorded; "
                    "export total acceleration (Sensor Logger: TotalAcceleration "
                    "or Gravity; phyphox: 'Acceleration with g')"
                ).format(label=label)
            )
        else:
            raise InvalidRecording(gettext("{label}: no accelerometer data").format(label=label))
    accel = cleaned["accel"]
    t = accel.time_s
    start = max(s.time_s[0] for k, s in cleaned.items() if k in ("accel", "gyro", "mag"))
    end = min(s.time_s[-1] for k, s in cleaned.items() if k in ("accel", "gyro", "mag"))
    keep = (t >= start) & (t <= end)
    if np.count_nonzero(keep) < 10:
        raise InvalidRecording(
            gettext("{label}: the sensors' recordings do not overlap in time").format(label=label)
        )
    t = t[keep]
    gyro = _interp(cleaned["gyro"], t) if "gyro" in cleaned else None
    mag = _interp(cleaned["mag"], t) if "mag" in cleaned else None
    accel_g, gyro, notes = check_units(label, t, accel.xyz[keep], gyro, mag)
    if notes:
        reports.append(QualityReport(warnings=tuple(notes)))
    return ImuSeries(
        time_s=t - t[0],
        accel_g=accel_g,
        gyro_dps=gyro,
        mag_ut=mag,
        placement=placement,
        sample_rate_hz=median_rate_hz(t),
        name=label,
        source=source,
        quality=_merge_reports(reports),
        metadata={"streams": sorted(cleaned), "time_offset_s": float(t[0]), "ranges": ranges},
    )


def _ranges_for(kind: str, ranges: dict[str, float]) -> dict[str, float]:
    return {kind: ranges[kind]} if kind in ranges else {}


def _interp(stream: Stream, time_s: FloatArray) -> FloatArray:
    return np.column_stack([np.interp(time_s, stream.time_s, stream.xyz[:, k]) for k in range(3)])


def _merge_reports(reports: list[QualityReport]) -> QualityReport:
    saturated: dict[str, int] = {}
    for r in reports:
        saturated.update(r.saturated)
    return QualityReport(
        n_out_of_order=sum(r.n_out_of_order for r in reports),
        n_duplicated=sum(r.n_duplicated for r in reports),
        n_jumps=sum(r.n_jumps for r in reports),
        n_dropped=sum(r.n_dropped for r in reports),
        longest_gap_s=max((r.longest_gap_s for r in reports), default=0.0),
        saturated=saturated,
        warnings=tuple(w for r in reports for w in r.warnings),
    )


# --- Sensor Logger -------------------------------------------------------------------------


def _sensor_logger_members(container: Container) -> dict[str, str]:
    members = {}
    for basename, kind in SENSOR_LOGGER_FILES.items():
        name = container.find(basename)
        if name is not None:
            members[kind] = name
    return members


def _sniff_sensor_logger(p: Probe) -> bool:
    if p.head:
        return p.head.startswith(SENSOR_LOGGER_HEADER)
    if not p.names:
        return False
    container = Container(p.path)
    members = _sensor_logger_members(container)
    if not members:
        return False
    first = container.read_text(next(iter(members.values()))).split("\n", 1)[0]
    return first.strip().startswith(SENSOR_LOGGER_HEADER)


def _read_sensor_logger_csv(text: str, label: str, kind: str) -> Stream:
    lines = text.split("\n", 1)
    header = [c.strip().strip('"') for c in lines[0].split(",")]
    try:
        col = {name: header.index(name) for name in ("seconds_elapsed", "x", "y", "z")}
    except ValueError:
        raise InvalidRecording(
            gettext(
                "{label}: expected columns time, seconds_elapsed, z, y, x; found {header}"
            ).format(label=label, header=", ".join(header))
        ) from None
    try:
        data = np.loadtxt(io.StringIO(lines[1] if len(lines) > 1 else ""), delimiter=",", ndmin=2)
    except ValueError as exc:
        raise InvalidRecording(
            gettext("{label}: not a numeric table: {exc}").format(label=label, exc=exc)
        ) from None
    if data.shape[0] == 0:
        raise InvalidRecording(gettext("{label}: no data rows").format(label=label))
    xyz = data[:, [col["x"], col["y"], col["z"]]]
    scale = {"gyro": float(np.degrees(1.0)), "mag": 1.0}.get(kind, 1.0 / STANDARD_GRAVITY)
    return Stream(kind, label, data[:, col["seconds_elapsed"]], xyz * scale)


def read_sensor_logger(path: Path, options: ReadOptions) -> ImuRecording:
    """Read a Sensor Logger export (zip, folder, or a single ``TotalAcceleration.csv``)."""
    container = Container(path)
    if path.is_file() and container.names == [path.name]:
        kind = SENSOR_LOGGER_FILES.get(path.name.lower(), "accel")
        members = {kind: path.name}
    else:
        members = _sensor_logger_members(container)
    streams = {
        kind: _read_sensor_logger_csv(container.read_text(name), f"{path}:{name}", kind)
        for kind, name in members.items()
    }
    platform = _sensor_logger_platform(container)
    if platform == "ios":
        # iOS reports acceleration as inertial force: all three axes are negated relative to
        # Android (Sensor Logger's author, tszheichoi/awesome-sensor-logger issue #20).
        streams = {
            k: Stream(st.kind, st.label, st.time_s, -st.xyz)
            if k in ("accel", "user_accel", "gravity")
            else st
            for k, st in streams.items()
        }
    placement = options.placement or Placement.LOWER
    series = combine_streams(
        str(path), streams, placement=placement, source="sensor_logger", ranges=options.ranges()
    )
    meta: dict[str, object] = {
        "app": "Sensor Logger",
        "platform": platform or "unknown (Android convention assumed)",
    }
    return ImuRecording({placement: series}, metadata=meta)


def _sensor_logger_platform(container: Container) -> str | None:
    """``platform`` from ``Metadata.csv`` (``ios`` / ``android``), if the export has it."""
    name = container.find("metadata.csv")
    if name is None:
        return None
    lines = container.read_text(name).splitlines()
    if len(lines) < 2:
        return None
    header = [c.strip().strip('"').lower() for c in lines[0].split(",")]
    values = [c.strip().strip('"') for c in lines[1].split(",")]
    if "platform" not in header or header.index("platform") >= len(values):
        return None
    return values[header.index("platform")].lower() or None


# --- phyphox -------------------------------------------------------------------------------


def _phyphox_dialect(header_line: str) -> tuple[str, bool]:
    """Separator and whether decimals use a comma."""
    if "\t" in header_line:
        return "\t", False
    if ";" in header_line:
        return ";", True
    return ",", False


def _is_phyphox_header(line: str) -> bool:
    return "Time (s)" in line and any(f"{q} x (" in line for q in PHYPHOX_COLUMNS)


def _sniff_phyphox(p: Probe) -> bool:
    if p.head:
        return _is_phyphox_header(p.head.split("\n", 1)[0])
    if not p.names:
        return False
    container = Container(p.path)
    for name in container.names:
        if name.lower().endswith(".csv") and "meta/" not in name.lower():
            if _is_phyphox_header(container.read_text(name).split("\n", 1)[0]):
                return True
    return False


def _read_phyphox_csv(text: str, label: str) -> dict[str, Stream]:
    header_line, _, body = text.partition("\n")
    sep, decimal_comma = _phyphox_dialect(header_line)
    header = [c.strip().strip('"') for c in header_line.strip().split(sep)]
    if decimal_comma:
        body = body.replace(",", ".")
    try:
        data = np.loadtxt(io.StringIO(body), delimiter=sep, ndmin=2)
    except ValueError as exc:
        raise InvalidRecording(
            gettext("{label}: not a numeric table: {exc}").format(label=label, exc=exc)
        ) from None
    if data.shape[0] == 0 or "Time (s)" not in header:
        raise InvalidRecording(
            gettext("{label}: no 'Time (s)' column or no data").format(label=label)
        )
    t = data[:, header.index("Time (s)")]
    axes: dict[str, dict[str, int]] = {}
    for j, name in enumerate(header):
        m = PHYPHOX_AXIS.match(name)
        if m and m["quantity"] in PHYPHOX_COLUMNS:
            axes.setdefault(m["quantity"], {})[m["axis"]] = j
    streams = {}
    for quantity, cols in axes.items():
        if set(cols) != {"x", "y", "z"}:
            continue
        kind, scale = PHYPHOX_COLUMNS[quantity]
        xyz = data[:, [cols["x"], cols["y"], cols["z"]]] * scale
        streams[kind] = Stream(kind, label, t, xyz)
    return streams


def read_phyphox(path: Path, options: ReadOptions) -> ImuRecording:
    """Read a phyphox CSV export (single file, folder or zip)."""
    container = Container(path)
    streams: dict[str, Stream] = {}
    for name in container.names:
        if not name.lower().endswith(".csv") or "meta/" in name.lower():
            continue
        text = container.read_text(name)
        if _is_phyphox_header(text.split("\n", 1)[0]):
            streams.update(
                _read_phyphox_csv(
                    text, f"{path}:{name}" if path.is_dir() or name != path.name else str(path)
                )
            )
    if not streams:
        raise InvalidRecording(gettext("{path}: no phyphox sensor table found").format(path=path))
    placement = options.placement or Placement.LOWER
    series = combine_streams(
        str(path), streams, placement=placement, source="phyphox", ranges=options.ranges()
    )
    return ImuRecording({placement: series}, metadata={"app": "phyphox"})


register_reader(
    ImuReader(
        "sensor_logger",
        "Sensor Logger export (zip/folder of per-sensor CSVs)",
        _sniff_sensor_logger,
        read_sensor_logger,
        extensions=(".zip", ".csv"),
    )
)
register_reader(
    ImuReader(
        "phyphox",
        "phyphox CSV export (file, folder or zip)",
        _sniff_phyphox,
        read_phyphox,
        extensions=(".zip", ".csv"),
    )
)
