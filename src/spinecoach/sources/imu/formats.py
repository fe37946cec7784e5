"""Readers for sensor-maker files: x-io Fusion CSV, MEx/Axivity CSV, and our generic CSV.

Generic CSV (also our export format; docs/imu.md)
-------------------------------------------------
Optional ``# key: value`` lines first (``placement``, ``forward_axis``, ``accel_range_g``,
``gyro_range_dps``, ``mag_range_ut``, ``sample_rate_hz``: checked against the time stamps,
a note when more than 5 % off), then a header and one row per time stamp::

    time_s,upper_gyro_x_dps,upper_gyro_y_dps,upper_gyro_z_dps,upper_accel_x_g,...,lower_mag_z_ut

Channel columns are ``[<placement>_]<gyro|accel|mag>_<x|y|z>_<dps|g|ut>``; the placement
prefix (``upper``, ``lower``, ``thigh``, ``wrist``) is optional for a single sensor, whose
placement then comes from the ``# placement:`` line or the ``--placement`` option. Gyroscope
and magnetometer columns are optional; accelerometer columns are required. A *folder* of
generic CSVs named after placements (``upper.csv``, ``lower.csv``) is read as one recording
of several sensors, each on its own clock.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidRecording
from spinecoach.motion.imu_types import ImuRecording, ImuSeries, Placement
from spinecoach.motion.types import FloatArray
from spinecoach.sources.imu.quality import clean_samples, median_rate_hz
from spinecoach.sources.imu.registry import (
    Container,
    ImuReader,
    Probe,
    ReadOptions,
    register_reader,
)
from spinecoach.sources.imu.table import load_table
from spinecoach.sources.imu.units import check_units
from spinecoach.sources.stated_rate import HEADER_KEY, parse_stated_rate, rate_note

FUSION_HEADER = "Time (s),Gyroscope X (deg/s)"
MEX_ROW = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?,[-+0-9.eE]+,[-+0-9.eE]+,[-+0-9.eE]+\s*$"
)
MEX_RANGE_G = 8.0  # Axivity AX3 as configured in MEx (±8 g)
CHANNEL_COLUMN = re.compile(
    r"^(?:(?P<placement>[a-z]+)_)?(?P<kind>gyro|accel|mag)_(?P<axis>[xyz])_(?P<unit>dps|g|ut)$"
)
#: A column that names a channel in some other unit or with a prefix that is not a
#: placement (``gyro_x_rads``, ``t12_accel_x_g``): refused or set aside, never ignored.
CHANNEL_LIKE = re.compile(
    r"^(?:(?P<placement>[a-z0-9]+)_)?(?P<kind>gyro|accel|mag)_(?P<axis>[xyz])_(?P<unit>[a-z0-9_/]+)$"
)
UNITS = {"gyro": "dps", "accel": "g", "mag": "ut"}


def header_cells(line: str) -> list[str]:
    """Column names of a CSV header line, spaces and enclosing double quotes removed
    (spreadsheets and pandas quote header cells: ``"time_s","accel_x_g"``)."""
    return [c.strip().removeprefix('"').removesuffix('"').strip() for c in line.split(",")]


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
    notes: list[str] | None = None,
) -> ImuSeries:
    """Check units and clock (:mod:`.units`), clean samples (quality report) and wrap them as
    an :class:`ImuSeries`; conversions are notes in the quality warnings."""
    accel_g, gyro_dps, unit_notes = check_units(label, time_s, accel_g, gyro_dps, mag_ut)
    notes = [*(notes or []), *unit_notes]
    t, ch, report = clean_samples(
        label, time_s, {"accel": accel_g, "gyro": gyro_dps, "mag": mag_ut}, ranges=ranges
    )
    if notes:
        report = replace(report, warnings=(*notes, *report.warnings))
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
    if p.head.startswith(FUSION_HEADER):
        return True
    header = header_cells((p.head.splitlines() or [""])[0])
    return "Time (s)" in header and all(FUSION_COLUMN.match(c) for c in header)


FUSION_COLUMN = re.compile(
    r"^(?P<kind>Time|Gyroscope|Accelerometer|Magnetometer)"
    r"(?: (?P<axis>[XYZ]))? \((?P<unit>[^)]*)\)$"
)
FUSION_KINDS = {"Gyroscope": "gyro", "Accelerometer": "accel", "Magnetometer": "mag"}


def fusion_columns(header: list[str], label: str) -> dict[str, list[int]]:
    """Column indices by channel from a Fusion CSV header (``time``: [i], ``gyro``: [x, y, z])."""
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name in seen:
            raise InvalidRecording(
                gettext("{label}: column '{name}' appears twice (columns {seen} and {j})").format(
                    label=label, name=name, seen=seen[name] + 1, j=j + 1
                )
            )
        seen[name] = j
    found: dict[str, dict[str, int]] = {}
    for j, name in enumerate(header):
        m = FUSION_COLUMN.match(name)
        if m is None:
            continue
        if m["kind"] == "Time":
            found.setdefault("time", {})["t"] = j
        else:
            found.setdefault(FUSION_KINDS[m["kind"]], {})[(m["axis"] or "").lower()] = j
    if "time" not in found:
        raise InvalidRecording(gettext("{label}: no 'Time (s)' column").format(label=label))
    out = {"time": [found["time"]["t"]]}
    for kind, cols in found.items():
        if kind == "time":
            continue
        if set(cols) != {"x", "y", "z"}:
            raise InvalidRecording(
                gettext("{label}: {kind} needs X, Y and Z columns").format(label=label, kind=kind)
            )
        out[kind] = [cols["x"], cols["y"], cols["z"]]
    if "accel" not in out:
        raise InvalidRecording(gettext("{label}: no accelerometer columns").format(label=label))
    return out


def read_fusion_csv(path: Path, options: ReadOptions) -> ImuRecording:
    """Read an x-io Fusion CSV (time s, gyro °/s, accel g, optional mag µT), columns by header."""
    container = Container(path)
    header = header_cells(container.head_text(path.name).splitlines()[0])
    columns = fusion_columns(header, str(path))
    notes: list[str] = []
    data = container.load_table(path.name, str(path), notes=notes)
    if data.shape[1] != len(header):
        raise InvalidRecording(
            gettext("{path}: {n_header} header columns but {shape} values").format(
                path=path, n_header=len(header), shape=data.shape[1]
            )
        )
    placement = options.placement or Placement.LOWER
    series = make_series(
        str(path),
        data[:, columns["time"][0]],
        data[:, columns["accel"]],
        data[:, columns["gyro"]] if "gyro" in columns else None,
        data[:, columns["mag"]] if "mag" in columns else None,
        placement=placement,
        source="fusion_csv",
        ranges=options.ranges(),
        notes=notes,
    )
    return ImuRecording({placement: series})


# --- MEx (Axivity AX3) CSV -------------------------------------------------------------


def _sniff_mex(p: Probe) -> bool:
    first = p.head.splitlines()[0] if p.head else ""
    return bool(MEX_ROW.match(first))


def _spread_whole_seconds(time_s: FloatArray) -> tuple[FloatArray, float] | None:
    """Times for a file whose stamps all fall on whole seconds, several rows per second.

    Such a file (an exporter that drops the fraction everywhere) read as it is gives
    ~100 samples per stamp, refused as "1 sample/s"; the rows are spread evenly at the
    median number of rows per whole second instead. None when the stamps have fractions.
    """
    if time_s.size < 3 or np.any(np.mod(time_s, 1.0) != 0.0):
        return None
    _, counts = np.unique(time_s, return_counts=True)
    inner = counts[1:-1] if counts.size > 2 else counts
    rate = float(np.median(inner))
    if rate < 2:
        return None
    # the first stamp's second holds counts[0] rows: they are its last ones
    start = 1.0 - counts[0] / rate if counts.size > 2 else 0.0
    return start + np.arange(time_s.size) / rate, rate


def read_mex_csv(path: Path, options: ReadOptions) -> ImuRecording:
    """Read a MEx accelerometer file: ``timestamp, ax, ay, az`` (g), no header.

    Time stamps print without a fraction when it is zero (Python's ``str(datetime)``), so
    both forms are parsed. The sensor is on the thigh (``act``) or wrist (``acw``) folder.
    """
    text = Container(path).read_text(path.name)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    notes: list[str] = []
    if len(lines) > 1 and not MEX_ROW.match(lines[-1]):
        notes.append(
            gettext("the last row (line {line}) was incomplete and was dropped").format(
                line=len(lines)
            )
        )
        lines = lines[:-1]
    try:
        stamps = np.array([ln.split(",", 1)[0] for ln in lines], dtype="datetime64[us]")
        values = np.array([ln.split(",", 1)[1].split(",") for ln in lines], dtype=float)
    except (ValueError, IndexError) as exc:
        raise InvalidRecording(
            gettext("{path}: not a MEx accelerometer file: {exc}").format(path=path, exc=exc)
        ) from None
    if values.ndim != 2 or values.shape[1] != 3:
        raise InvalidRecording(
            gettext("{path}: expected 4 columns, found {shape}").format(
                path=path, shape=values.shape[1] + 1
            )
        )
    time_s = (stamps - stamps[0]).astype(np.int64) / 1e6
    whole = _spread_whole_seconds(time_s)
    if whole is not None:
        time_s, rate = whole
        notes.append(
            gettext(
                "time stamps carry whole seconds only: the samples are spread evenly at {rate} "
                "per second (the rows per second)"
            ).format(rate=f"{rate:g}")
        )
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
        notes=notes,
    )
    return ImuRecording({placement: series})


# --- generic CSV -----------------------------------------------------------------------


def _sniff_generic(p: Probe) -> bool:
    header = next((ln for ln in p.head.splitlines() if ln and not ln.startswith("#")), "")
    cols = header_cells(header)
    return (
        bool(cols)
        and cols[0].lower() == "time_s"
        and any(CHANNEL_LIKE.match(c.lower()) for c in cols[1:])
    )


def _parse_comments(text: str) -> dict[str, str]:
    meta = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip()
    return meta


def _number(meta: dict[str, str], key: str, label: str) -> float | None:
    """A positive number from a ``# key: value`` line, or None when absent."""
    if key not in meta:
        return None
    try:
        value = float(meta[key])
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InvalidRecording(
            gettext("{label}: '# {key}: {meta}' is not a positive number").format(
                label=label, key=key, meta=meta[key]
            )
        )
    return value


def _placement(value: str, label: str) -> Placement:
    try:
        return Placement(value.strip().lower())
    except ValueError:
        allowed = ", ".join(p.value for p in Placement)
        raise InvalidRecording(
            gettext("{label}: unknown placement {value} (allowed: {allowed})").format(
                label=label, value=repr(value), allowed=allowed
            )
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
        raise InvalidRecording(gettext("{label}: no header line").format(label=label))
    header = header_cells(lines[n_comments])
    for j, name in enumerate(header):
        if name in header[:j]:
            raise InvalidRecording(
                gettext("{label}: column '{name}' appears twice (columns {index} and {j})").format(
                    label=label, name=name, index=header.index(name) + 1, j=j + 1
                )
            )
    notes: list[str] = []
    stated_rate = parse_stated_rate(label, meta.get(HEADER_KEY))
    if text is None:
        data = container.load_table(path.name, label, skip_rows=n_comments + 1, notes=notes)
    else:
        data = load_table(text, label, skip_rows=n_comments + 1, notes=notes)
    note = rate_note(label, data[:, 0], stated_rate) if data.size else None
    if note is not None:
        notes.append(note)
    if data.shape[1] != len(header):
        raise InvalidRecording(
            gettext("{label}: {n_header} header columns but {shape} values").format(
                label=label, n_header=len(header), shape=data.shape[1]
            )
        )
    columns: dict[tuple[str, str], dict[str, int]] = {}
    for j, name in enumerate(header[1:], start=1):
        m = CHANNEL_LIKE.match(name.lower())  # Upper_Gyro_X_dps is upper_gyro_x_dps
        if m is None:
            continue
        if UNITS[m["kind"]] != m["unit"]:
            raise InvalidRecording(
                gettext(
                    "{label}: column {name}: {m} must be in {units} (name it {proper}; see "
                    "docs/imu.md)"
                ).format(
                    label=label,
                    name=name,
                    m=m["kind"],
                    units=UNITS[m["kind"]],
                    proper=f"{(m['placement'] + '_') if m['placement'] else ''}"
                    f"{m['kind']}_{m['axis']}_{UNITS[m['kind']]}",
                )
            )
        columns.setdefault((m["placement"] or "", m["kind"]), {})[m["axis"]] = j
    prefixes = sorted({p for p, _ in columns})
    known = {p.value for p in Placement if p is not Placement.UNKNOWN}
    others = [p for p in prefixes if p and p not in known]
    if others and len(others) < len(prefixes):  # e.g. a third back sensor: set aside, said
        notes.append(
            gettext(
                "{label}: sensor columns {others} not used: the placements read are {known} "
                "(lumbar angles come from upper, T12/L1, and lower, the sacrum)"
            ).format(
                label=label,
                others=", ".join(repr(p) for p in others),
                known=", ".join(sorted(known)),
            )
        )
        prefixes = [p for p in prefixes if p not in others]
    elif len(others) > 1:
        raise InvalidRecording(
            gettext(
                "{label}: sensor prefixes {others} are not placements (allowed: {known}): rename "
                "the columns, e.g. upper_accel_x_g for the sensor over T12/L1 and "
                "lower_accel_x_g for the one on the sacrum"
            ).format(
                label=label,
                others=", ".join(repr(p) for p in others),
                known=", ".join(sorted(known)),
            )
        )
    ranges = options.ranges(
        accel=_number(meta, "accel_range_g", label),
        gyro=_number(meta, "gyro_range_dps", label),
        mag=_number(meta, "mag_range_ut", label),
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
                raise InvalidRecording(
                    gettext("{label}: {value} {kind} needs x, y and z").format(
                        label=label, value=prefix or "sensor", kind=kind
                    )
                )
            x, y, z = cols["x"], cols["y"], cols["z"]
            if y == x + 1 and z == x + 2:  # the usual order: a view, copied once (C order)
                return np.ascontiguousarray(data[:, x : x + 3])
            return np.ascontiguousarray(data[:, [x, y, z]])

        accel = block("accel")
        if accel is None:
            raise InvalidRecording(
                gettext("{label}: no accelerometer columns for {value}").format(
                    label=label, value=prefix or "the sensor"
                )
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
            notes=notes,
        )
    if not sensors:
        raise InvalidRecording(
            gettext("{label}: no channel columns such as accel_x_g").format(label=label)
        )
    return ImuRecording(sensors, metadata=dict(meta))


def _sniff_generic_folder(p: Probe) -> bool:
    if not p.path.is_dir():
        return False
    stems = {Path(n).stem.lower() for n in p.names if n.lower().endswith(".csv")}
    return bool(stems & {"upper", "lower"})


def read_generic_folder(path: Path, options: ReadOptions) -> ImuRecording:
    """A folder of generic CSVs named after placements (``upper.csv``, ``lower.csv``)."""
    sensors: dict[Placement, ImuSeries] = {}
    forward_axes: dict[str, str] = {}
    for file in sorted(path.glob("*.csv")):
        placement = _placement(file.stem, str(file))
        rec = read_generic_csv(file, ReadOptions(placement=placement, **_ranges_only(options)))
        if len(rec.sensors) != 1:
            raise InvalidRecording(
                gettext("{file}: one sensor per file expected in a sensor folder").format(file=file)
            )
        sensors[placement] = next(iter(rec.sensors.values()))
        if "forward_axis" in rec.metadata:  # each file's own '# forward_axis:' line
            forward_axes[str(placement)] = str(rec.metadata["forward_axis"])
    metadata: dict[str, object] = {"forward_axes": forward_axes} if forward_axes else {}
    return ImuRecording(sensors, metadata=metadata)


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
            raise InvalidRecording(gettext("generic CSV needs every sensor on one time base"))
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
