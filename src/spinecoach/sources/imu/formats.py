"""Readers for sensor-maker files: x-io Fusion CSV, MEx/Axivity CSV, and our generic CSV.

Generic CSV (also our export format; docs/imu.md)
-------------------------------------------------
Optional ``# key: value`` lines first (``placement``, ``forward_axis``, ``accel_range_g``,
``gyro_range_dps``, ``mag_range_ut``), then a header and one row per time stamp::

    time_s,upper_gyro_x_dps,upper_gyro_y_dps,upper_gyro_z_dps,upper_accel_x_g,...,lower_mag_z_ut

Channel columns are ``[<placement>_]<gyro|accel|mag>_<x|y|z>_<dps|g|ut>``; the placement
prefix (``upper``, ``lower``, ``thigh``, ``wrist``) is optional for a single sensor, whose
placement then comes from the ``# placement:`` line or the ``--placement`` option. Gyroscope
and magnetometer columns are optional; accelerometer columns are required. A *folder* of
generic CSVs named after placements (``upper.csv``, ``lower.csv``) is read as one recording
of several sensors, each on its own clock.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from spinecoach.errors import InvalidRecording
from spinecoach.motion.imu_types import ImuRecording, ImuSeries, Placement
from spinecoach.motion.types import FloatArray
from spinecoach.sources.imu.quality import clean_samples, median_rate_hz
from spinecoach.sources.imu.registry import (
    Container,
    ImuReader,
    Probe,
    ReadOptions,
    load_table,
    register_reader,
)

FUSION_HEADER = "Time (s),Gyroscope X (deg/s)"
MEX_ROW = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?,[-+0-9.eE]+,[-+0-9.eE]+,[-+0-9.eE]+\s*$"
)
MEX_RANGE_G = 8.0  # Axivity AX3 as configured in MEx (±8 g)
CHANNEL_COLUMN = re.compile(
    r"^(?:(?P<placement>[a-z]+)_)?(?P<kind>gyro|accel|mag)_(?P<axis>[xyz])_(?P<unit>dps|g|ut)$"
)
UNITS = {"gyro": "dps", "accel": "g", "mag": "ut"}


def make_series(
    label: str,
    time_s: FloatArray,
    accel_g: FloatArray,
    gyro_dps: FloatArray | None,
    mag_ut: FloatArray | None,
    *,
    placement: Placement,
    source: str,
    ranges: dict[str, float],
    metadata: dict[str, object] | None = None,
) -> ImuSeries:
    """Check and clean samples (quality report) and wrap them as an :class:`ImuSeries`."""
    t, ch, report = clean_samples(
        label, time_s, {"accel": accel_g, "gyro": gyro_dps, "mag": mag_ut}, ranges=ranges
    )
    accel = ch["accel"]
    assert accel is not None
    return ImuSeries(
        time_s=t - t[0] if t[0] > 1e6 else t,  # epoch clocks start at zero
        accel_g=accel,
        gyro_dps=ch["gyro"],
        mag_ut=ch["mag"],
        placement=placement,
        sample_rate_hz=median_rate_hz(t),
        name=label,
        source=source,
        quality=report,
        metadata={"ranges": ranges, **(metadata or {})},
    )


# --- x-io Fusion CSV -------------------------------------------------------------------


def _sniff_fusion(p: Probe) -> bool:
    return p.head.startswith(FUSION_HEADER)


def read_fusion_csv(path: Path, options: ReadOptions) -> ImuRecording:
    """Read the x-io Fusion example CSV (time s, gyro °/s, accel g, optional mag µT)."""
    data = Container(path).load_table(path.name, str(path))
    if data.shape[1] not in (7, 10):
        raise InvalidRecording(f"{path}: expected 7 or 10 columns, found {data.shape[1]}")
    mag = data[:, 7:10] if data.shape[1] == 10 else None
    placement = options.placement or Placement.LOWER
    series = make_series(
        str(path),
        data[:, 0],
        data[:, 4:7],
        data[:, 1:4],
        mag,
        placement=placement,
        source="fusion_csv",
        ranges=options.ranges(),
    )
    return ImuRecording({placement: series})


# --- MEx (Axivity AX3) CSV -------------------------------------------------------------


def _sniff_mex(p: Probe) -> bool:
    first = p.head.splitlines()[0] if p.head else ""
    return bool(MEX_ROW.match(first))


def read_mex_csv(path: Path, options: ReadOptions) -> ImuRecording:
    """Read a MEx accelerometer file: ``timestamp, ax, ay, az`` (g), no header.

    Time stamps print without a fraction when it is zero (Python's ``str(datetime)``), so
    both forms are parsed. The sensor is on the thigh (``act``) or wrist (``acw``) folder.
    """
    text = Container(path).read_text(path.name)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    try:
        stamps = np.array([ln.split(",", 1)[0] for ln in lines], dtype="datetime64[us]")
        values = np.array([ln.split(",", 1)[1].split(",") for ln in lines], dtype=float)
    except ValueError as exc:
        raise InvalidRecording(f"{path}: not a MEx accelerometer file: {exc}") from None
    if values.shape[1] != 3:
        raise InvalidRecording(f"{path}: expected 4 columns, found {values.shape[1] + 1}")
    time_s = (stamps - stamps[0]).astype(np.int64) / 1e6
    parts = {q.lower() for q in path.parts}
    default = (
        Placement.THIGH
        if "act" in parts
        else Placement.WRIST
        if "acw" in parts
        else Placement.UNKNOWN
    )
    placement = options.placement or default
    series = make_series(
        str(path),
        time_s,
        values,
        None,
        None,
        placement=placement,
        source="mex_csv",
        ranges=options.ranges(accel=MEX_RANGE_G),
        metadata={"start": str(stamps[0])},
    )
    return ImuRecording({placement: series})


# --- generic CSV -----------------------------------------------------------------------


def _sniff_generic(p: Probe) -> bool:
    header = next((ln for ln in p.head.splitlines() if ln and not ln.startswith("#")), "")
    cols = [c.strip() for c in header.split(",")]
    return bool(cols) and cols[0] == "time_s" and any(CHANNEL_COLUMN.match(c) for c in cols[1:])


def _parse_comments(text: str) -> dict[str, str]:
    meta = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip()
    return meta


def _placement(value: str, label: str) -> Placement:
    try:
        return Placement(value.strip().lower())
    except ValueError:
        allowed = ", ".join(p.value for p in Placement)
        raise InvalidRecording(
            f"{label}: unknown placement {value!r} (allowed: {allowed})"
        ) from None


def read_generic_csv(path: Path, options: ReadOptions, text: str | None = None) -> ImuRecording:
    """Read our generic CSV (see the module docstring); several prefixed sensors allowed."""
    label = str(path)
    container = Container(path)
    head = container.head_text(path.name) if text is None else text
    lines = head[:65536].splitlines()  # comments and header only
    meta = _parse_comments("\n".join(lines))
    n_comments = 0
    while n_comments < len(lines) and lines[n_comments].startswith("#"):
        n_comments += 1
    if n_comments >= len(lines):
        raise InvalidRecording(f"{label}: no header line")
    header = [c.strip() for c in lines[n_comments].split(",")]
    if text is None:
        data = container.load_table(path.name, label, skip_rows=n_comments + 1)
    else:
        data = load_table(text, label, skip_rows=n_comments + 1)
    if data.shape[1] != len(header):
        raise InvalidRecording(f"{label}: {len(header)} header columns but {data.shape[1]} values")
    columns: dict[tuple[str, str], dict[str, int]] = {}
    for j, name in enumerate(header[1:], start=1):
        m = CHANNEL_COLUMN.match(name)
        if m is None:
            continue
        if UNITS[m["kind"]] != m["unit"]:
            raise InvalidRecording(
                f"{label}: column {name}: {m['kind']} must be in {UNITS[m['kind']]}"
            )
        columns.setdefault((m["placement"] or "", m["kind"]), {})[m["axis"]] = j
    prefixes = sorted({p for p, _ in columns})
    ranges = options.ranges(
        accel=float(meta["accel_range_g"]) if "accel_range_g" in meta else None,
        gyro=float(meta["gyro_range_dps"]) if "gyro_range_dps" in meta else None,
        mag=float(meta["mag_range_ut"]) if "mag_range_ut" in meta else None,
    )
    sensors: dict[Placement, ImuSeries] = {}
    for prefix in prefixes:
        if prefix:
            placement = _placement(prefix, label)
        else:
            placement = options.placement or _placement(meta.get("placement", "lower"), label)

        def block(kind: str, prefix: str = prefix) -> FloatArray | None:
            cols = columns.get((prefix, kind))
            if cols is None:
                return None
            if set(cols) != {"x", "y", "z"}:
                raise InvalidRecording(f"{label}: {prefix or 'sensor'} {kind} needs x, y and z")
            x, y, z = cols["x"], cols["y"], cols["z"]
            if y == x + 1 and z == x + 2:  # the usual order: a view, copied once (C order)
                return np.ascontiguousarray(data[:, x : x + 3])
            return np.ascontiguousarray(data[:, [x, y, z]])

        accel = block("accel")
        if accel is None:
            raise InvalidRecording(
                f"{label}: no accelerometer columns for {prefix or 'the sensor'}"
            )
        sensors[placement] = make_series(
            f"{label}[{placement}]",
            data[:, 0],
            accel,
            block("gyro"),
            block("mag"),
            placement=placement,
            source="generic",
            ranges=ranges,
            metadata={k: v for k, v in meta.items() if k not in ("placement",)},
        )
    if not sensors:
        raise InvalidRecording(f"{label}: no channel columns such as accel_x_g")
    return ImuRecording(sensors, metadata=dict(meta))


def _sniff_generic_folder(p: Probe) -> bool:
    if not p.path.is_dir():
        return False
    stems = {Path(n).stem.lower() for n in p.names if n.lower().endswith(".csv")}
    return bool(stems & {"upper", "lower"})


def read_generic_folder(path: Path, options: ReadOptions) -> ImuRecording:
    """A folder of generic CSVs named after placements (``upper.csv``, ``lower.csv``)."""
    sensors: dict[Placement, ImuSeries] = {}
    for file in sorted(path.glob("*.csv")):
        placement = _placement(file.stem, str(file))
        rec = read_generic_csv(file, ReadOptions(placement=placement, **_ranges_only(options)))
        if len(rec.sensors) != 1:
            raise InvalidRecording(f"{file}: one sensor per file expected in a sensor folder")
        sensors[placement] = next(iter(rec.sensors.values()))
    return ImuRecording(sensors)


def _ranges_only(options: ReadOptions) -> dict[str, float | None]:
    return {
        "accel_range_g": options.accel_range_g,
        "gyro_range_dps": options.gyro_range_dps,
        "mag_range_ut": options.mag_range_ut,
    }


def write_generic_csv(
    recording: ImuRecording, path: Path, *, comments: dict[str, str] | None = None
) -> None:
    """Write ``recording`` as a generic CSV (all sensors must share one time base)."""
    base = recording.primary().time_s
    cols: list[str] = ["time_s"]
    blocks: list[FloatArray] = [base[:, None]]
    for placement, s in recording.sensors.items():
        if s.time_s.shape != base.shape or not np.allclose(s.time_s, base):
            raise InvalidRecording("generic CSV needs every sensor on one time base")
        for kind, arr in (("gyro", s.gyro_dps), ("accel", s.accel_g), ("mag", s.mag_ut)):
            if arr is not None:
                cols += [f"{placement}_{kind}_{a}_{UNITS[kind]}" for a in "xyz"]
                blocks.append(arr)
    header = "".join(f"# {k}: {v}\n" for k, v in (comments or {}).items()) + ",".join(cols)
    np.savetxt(path, np.hstack(blocks), delimiter=",", header=header, comments="", fmt="%.7g")


register_reader(
    ImuReader(
        "fusion_csv",
        "x-io Fusion CSV (time, gyro °/s, accel g, mag µT)",
        _sniff_fusion,
        read_fusion_csv,
    )
)
register_reader(
    ImuReader(
        "mex_csv",
        "MEx / Axivity AX3 accelerometer CSV (timestamp, ax, ay, az g)",
        _sniff_mex,
        read_mex_csv,
    )
)
register_reader(
    ImuReader(
        "generic",
        "spinecoach generic CSV (time_s + <placement>_<kind>_<axis>_<unit>)",
        _sniff_generic,
        read_generic_csv,
    )
)
register_reader(
    ImuReader(
        "generic_folder",
        "folder of generic CSVs named upper.csv / lower.csv",
        _sniff_generic_folder,
        read_generic_folder,
        extensions=(),
    )
)
