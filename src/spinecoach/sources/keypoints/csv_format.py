"""spinecoach's keypoint CSV: our export format, read back by the same code.

Specification (version 1)::

    # spinecoach keypoints v1
    # frame: image                       <- "image" or "world"
    # axes: x right, y down (pixels)     <- free text stating the axes
    # width_px: 960                      <- image frames only (optional)
    # height_px: 544
    # source: blazepose                  <- optional provenance
    # sample_rate_hz: 30                 <- optional; checked against the time stamps
    time_s,nose_x,nose_y,nose_z,nose_visibility,left_eye_x,...

- Comment lines start with ``#`` and come first; all are optional (default: image frame).
- One row per frame; ``time_s`` (seconds, strictly increasing) is the first column.
- For each keypoint, in order: ``<name>_x``, ``<name>_y``, ``<name>_z`` (only for 3D
  series, all keypoints or none) and ``<name>_visibility`` (0..1; optional, default 1 where the
  position is present). Names are our canonical, subject-side keypoint names.
- A missing value is an empty cell (or ``nan``); missing points get visibility 0.
- Numbers are written with Python's shortest round-trip ``repr``, so
  ``read_keypoints(write_keypoints_csv(s))`` reproduces ``s`` exactly.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidRecording
from spinecoach.motion.body import stated_axes
from spinecoach.motion.types import CoordinateFrame, FloatArray, FrameKind, KeypointSeries
from spinecoach.sources.keypoints._base import KeypointReader, build_series, read_text
from spinecoach.sources.stated_rate import HEADER_KEY, parse_stated_rate, rate_note

MAGIC = "# spinecoach keypoints v1"
AXIS_SUFFIXES = ("_x", "_y", "_z")
VISIBILITY_SUFFIX = "_visibility"


def _header_fields(lines: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in lines:
        body = line.lstrip("#").strip()
        if ":" in body:
            key, value = body.split(":", 1)
            fields[key.strip().lower()] = value.strip()
    return fields


def _parse_columns(path: Path, header: list[str]) -> tuple[tuple[str, ...], int, bool]:
    """Return (keypoint names, n_dims, has_visibility) from the column header."""
    if not header or header[0].strip() != "time_s":
        raise InvalidRecording(_("{path}: the first column must be 'time_s'").format(path=path))
    names: list[str] = []
    suffixes: dict[str, set[str]] = {}
    for column in header[1:]:
        column = column.strip()
        for suffix in (*AXIS_SUFFIXES, VISIBILITY_SUFFIX):
            if column.endswith(suffix) and len(column) > len(suffix):
                name = column[: -len(suffix)]
                break
        else:
            raise InvalidRecording(
                _("{path}: column '{column}' is not <keypoint>_x|_y|_z|_visibility").format(
                    path=path, column=column
                )
            )
        if name not in suffixes:
            names.append(name)
            suffixes[name] = set()
        suffixes[name].add(suffix)
    if not names:
        raise InvalidRecording(_("{path}: no keypoint columns after 'time_s'").format(path=path))
    has_z = {"_z" in s for s in suffixes.values()}
    has_vis = {VISIBILITY_SUFFIX in s for s in suffixes.values()}
    if len(has_z) != 1 or len(has_vis) != 1:
        raise InvalidRecording(
            _("{path}: every keypoint must have the same set of columns").format(path=path)
        )
    for name, found in suffixes.items():
        if not {"_x", "_y"} <= found:
            raise InvalidRecording(
                _("{path}: keypoint '{name}' lacks an _x or _y column").format(path=path, name=name)
            )
    n_dims = 3 if has_z.pop() else 2
    expected = ["time_s"]
    with_vis = has_vis.pop()
    for name in names:
        expected += [name + s for s in AXIS_SUFFIXES[:n_dims]]
        if with_vis:
            expected.append(name + VISIBILITY_SUFFIX)
    if [c.strip() for c in header] != expected:
        raise InvalidRecording(
            _("{path}: columns must be grouped per keypoint as x, y[, z][, visibility]").format(
                path=path
            )
        )
    return tuple(names), n_dims, with_vis


def _size(path: Path, fields: dict[str, str], key: str) -> int | None:
    """A positive whole number of pixels from a ``# key: value`` header line."""
    text = fields.get(key)
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InvalidRecording(
            _("{path}: '# {key}: {text}' must be a whole number of pixels").format(
                path=path, key=key, text=text
            )
        ) from None
    if not 0 < value < 1_000_000:
        raise InvalidRecording(
            _("{path}: '# {key}: {text}' must be a positive number of pixels").format(
                path=path, key=key, text=text
            )
        )
    return value


def _to_float(path: Path, line_number: int, cell: str) -> float:
    cell = cell.strip()
    if not cell:
        return math.nan
    try:
        return float(cell)
    except ValueError:
        raise InvalidRecording(
            _("{path}: line {line_number}: '{cell}' is not a number").format(
                path=path, line_number=line_number, cell=cell[:20]
            )
        ) from None


#: Trunk points (bottom, top) tried in order to find the vertical of a world-frame file.
_TRUNK_PAIRS = (("pelvis", "chest"), ("mid_hip", "mid_shoulder"))


def _infer_up(
    path: Path, frame: CoordinateFrame, names: tuple[str, ...], positions: FloatArray
) -> tuple[CoordinateFrame, str]:
    """A world frame whose ``# axes`` line names no up axis: z up (the former default) with a
    note, unless the trunk points along x or y (median over frames, 0.8 of it): then the file
    is y-up (or x-up) motion capture, or a person lying in a z-up frame, and it is refused.

    Taking z as up unasked turned a y-up motion-capture file's side bends into a constant
    98 deg set aside as "tracking glitches".
    """
    ends: list[tuple[FloatArray, FloatArray]] = []
    index = {n: k for k, n in enumerate(names)}
    for low_name, top_name in _TRUNK_PAIRS:
        if low_name in index and top_name in index:
            ends.append((positions[:, index[low_name]], positions[:, index[top_name]]))
    if not ends and all(
        n in index for n in ("left_hip", "right_hip", "left_shoulder", "right_shoulder")
    ):
        hip = 0.5 * (positions[:, index["left_hip"]] + positions[:, index["right_hip"]])
        sh = 0.5 * (positions[:, index["left_shoulder"]] + positions[:, index["right_shoulder"]])
        ends.append((hip, sh))
    direction = None
    for bottom, top in ends:
        trunk = top - bottom
        length = np.linalg.norm(trunk, axis=1)
        good = np.isfinite(length) & (length > 0)
        if good.any():
            direction = np.median(trunk[good] / length[good, None], axis=0)
            break
    along = None
    if direction is not None and positions.shape[2] == 3:
        axis = int(np.argmax(np.abs(direction)))
        norm = float(np.linalg.norm(direction))
        if norm > 0 and abs(float(direction[axis])) >= 0.8 * norm:
            along = "xyz"[axis]
    if along in ("x", "y"):  # standing with that axis up, or lying with z up: cannot tell
        raise InvalidRecording(
            _(
                "{path}: field '# axes': a world frame must say which axis points up; the trunk "
                "points along {along}: if {along} is up, add '# axes: {along} up' "
                "(e.g. '# axes: x right, y up, z backward')"
            ).format(path=path, along=along)
        )
    note = _(
        "{path}: '# axes' does not say which axis points up: z up assumed; state it, "
        "e.g. '# axes: x forward, y left, z up'"
    ).format(path=path)
    return CoordinateFrame(frame.kind, axes=f"{frame.axes}; z up (assumed)"), note


def read_keypoints_csv(path: Path) -> KeypointSeries:
    """Read our keypoint CSV (see the module docstring for the format).

    Returns
    -------
    KeypointSeries
        Positions shape ``(n_frames, n_keypoints, 2 or 3)``.
    """
    text = read_text(path)
    lines = text.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if line.strip() and not line.startswith("#")]
    if not body:
        raise InvalidRecording(_("{path}: no header row").format(path=path))
    rows = list(csv.reader(body))
    names, n_dims, with_vis = _parse_columns(path, rows[0])
    width = 1 + len(names) * (n_dims + (1 if with_vis else 0))
    values = np.empty((len(rows) - 1, width))
    first_data_line = len(lines) - len(body) + 2
    for i, row in enumerate(rows[1:]):
        if len(row) != width:
            raise InvalidRecording(
                _("{path}: line {first_data_line} has {n_row} cells, expected {width}").format(
                    path=path, first_data_line=first_data_line + i, n_row=len(row), width=width
                )
            )
        values[i] = [_to_float(path, first_data_line + i, cell) for cell in row]
    if values.shape[0] == 0:
        raise InvalidRecording(_("{path}: no data rows").format(path=path))
    time_s = values[:, 0]
    if not np.all(np.isfinite(time_s)):
        raise InvalidRecording(_("{path}: a time_s cell is empty or not finite").format(path=path))
    per_point = values[:, 1:].reshape(len(values), len(names), n_dims + (1 if with_vis else 0))
    positions = per_point[:, :, :n_dims]
    present = np.all(np.isfinite(positions), axis=2)
    confidence = per_point[:, :, n_dims] if with_vis else np.where(present, 1.0, 0.0)
    fields = _header_fields(comments)
    kind_text = fields.get("frame", "image")
    try:
        kind = FrameKind(kind_text)
    except ValueError:
        raise InvalidRecording(
            _("{path}: '# frame: {kind_text}' must be image or world").format(
                path=path, kind_text=kind_text
            )
        ) from None
    default_axes = "x right, y down" if kind is FrameKind.IMAGE else "unstated"
    frame = CoordinateFrame(
        kind,
        axes=fields.get("axes", default_axes),
        width_px=_size(path, fields, "width_px"),
        height_px=_size(path, fields, "height_px"),
    )
    if with_vis:
        bad = np.isfinite(confidence) & ((confidence < 0) | (confidence > 1))
        if bad.any():
            frame_i, point = (int(v) for v in np.argwhere(bad)[0])
            raise InvalidRecording(
                _(
                    "{path}: line {first_data_line}: {names}_visibility "
                    "{confidence:g} is not in 0..1"
                ).format(
                    path=path,
                    first_data_line=first_data_line + frame_i,
                    names=names[point],
                    confidence=confidence[frame_i, point],
                )
            )
        confidence = np.where(np.isfinite(confidence), confidence, 0.0)
    if (
        not np.all(np.isfinite(positions) | np.isnan(positions))
        or np.nanmax(np.abs(np.where(np.isfinite(positions), positions, 0.0)), initial=0.0) > 1e7
    ):
        raise InvalidRecording(_("{path}: a position is infinite or beyond 1e7").format(path=path))
    metadata: dict[str, object] = {"format": "spinecoach_csv"}
    if kind is FrameKind.WORLD and "up" not in stated_axes(frame.axes):
        frame, metadata["axes_note"] = _infer_up(path, frame, names, positions)
    note = rate_note(str(path), time_s, parse_stated_rate(str(path), fields.get(HEADER_KEY)))
    if note is not None:
        metadata["rate_note"] = note
    return build_series(
        path,
        time_s,
        names,
        positions,
        confidence,
        frame,
        fields.get("source", "csv"),
        metadata,
    )


def _cell(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


def write_keypoints_csv(series: KeypointSeries, path: Path | str) -> Path:
    """Write ``series`` in our keypoint CSV format (exact round trip through the reader).

    Parameters
    ----------
    series : KeypointSeries
        Any keypoint series (2D or 3D).
    path : Path or str
        Output file; parent folders must exist.

    Returns
    -------
    Path
        The written file.
    """
    out = Path(path)
    n_dims = series.n_dims
    buffer = io.StringIO()
    buffer.write(MAGIC + "\n")
    buffer.write(f"# frame: {series.frame.kind.value}\n")
    buffer.write(f"# axes: {series.frame.axes}\n")
    if series.frame.width_px is not None:
        buffer.write(f"# width_px: {series.frame.width_px}\n")
    if series.frame.height_px is not None:
        buffer.write(f"# height_px: {series.frame.height_px}\n")
    if series.source:
        buffer.write(f"# source: {series.source}\n")
    header = ["time_s"]
    for name in series.names:
        header += [name + s for s in AXIS_SUFFIXES[:n_dims]] + [name + VISIBILITY_SUFFIX]
    buffer.write(",".join(header) + "\n")
    per_point = np.concatenate([series.positions, series.confidence[:, :, None]], axis=2)
    flat = per_point.reshape(series.n_frames, -1)
    for t, row in zip(series.time_s.tolist(), flat.tolist(), strict=True):
        buffer.write(repr(float(t)) + "," + ",".join(_cell(v) for v in row) + "\n")
    try:
        out.write_text(buffer.getvalue(), encoding="utf-8")
    except OSError as exc:
        raise InvalidRecording(
            _("{out}: cannot write ({strerror})").format(out=out, strerror=exc.strerror)
        ) from None
    return out


def _sniff(path: Path, head: str) -> bool:
    first = next((line for line in head.splitlines() if not line.startswith("#")), "")
    columns = first.replace(" ", "").split(",")
    return head.startswith(MAGIC) or (
        len(columns) > 2 and columns[0] == "time_s" and columns[1].endswith("_x")
    )


READER = KeypointReader(
    name="csv",
    description="spinecoach keypoint CSV: time_s + <keypoint>_x|_y|_z|_visibility columns",
    extensions=(".csv",),
    read=read_keypoints_csv,
    sniff=_sniff,
    options={},
)
