"""What every keypoint reader shares: the registry entry type, file access and validation."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidRecording
from spinecoach.motion.types import CoordinateFrame, FloatArray, KeypointSeries

#: Reads one file into a :class:`KeypointSeries`; keyword options are reader-specific.
ReadFunction = Callable[..., KeypointSeries]
#: Decides from the file's path and its first few kilobytes whether the reader applies.
SniffFunction = Callable[[Path, str], bool]


@dataclass(frozen=True)
class KeypointReader:
    """One registered keypoint file format.

    Attributes
    ----------
    name : str
        Registry key, used by ``--format`` and ``read_keypoints(format=...)``.
    description : str
        One line shown in error messages and docs.
    extensions : tuple of str
        Lower-case file suffixes this format normally uses (``.json``).
    read : callable
        ``read(path, **options) -> KeypointSeries``.
    sniff : callable
        ``sniff(path, head_text) -> bool``: whether the file looks like this format.
    options : dict of str to str
        Option name to a one-line description with its default.
    """

    name: str
    description: str
    extensions: tuple[str, ...]
    read: ReadFunction
    sniff: SniffFunction
    options: dict[str, str]


def read_text(path: Path) -> str:
    """Return the file's text, or raise a one-line :class:`InvalidRecording`."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidRecording(_("{path}: file not found").format(path=path)) from None
    except IsADirectoryError:
        raise InvalidRecording(
            _("{path}: is a folder, not a keypoint file").format(path=path)
        ) from None
    except UnicodeDecodeError:
        raise InvalidRecording(
            _("{path}: not a text file (cannot decode as UTF-8)").format(path=path)
        ) from None
    except OSError as exc:
        raise InvalidRecording(
            _("{path}: cannot read ({strerror})").format(path=path, strerror=exc.strerror)
        ) from None


def read_json(path: Path) -> Any:
    """Parse a JSON file, turning syntax errors into one-line :class:`InvalidRecording`."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRecording(
            _("{path}: not valid JSON (line {lineno}, column {colno}): {msg}").format(
                path=path, lineno=exc.lineno, colno=exc.colno, msg=exc.msg
            )
        ) from None
    except RecursionError:
        raise InvalidRecording(
            _("{path}: JSON nested too deeply to be keypoints").format(path=path)
        ) from None


#: Separators between the numbers of a row: whitespace, commas, semicolons, tabs.
_ROW_SEPARATOR = re.compile(r"[\s,;]+")


def _row_values(line: str) -> list[str]:
    stripped = line.strip().strip(",;")
    return _ROW_SEPARATOR.split(stripped) if stripped else []


def read_number_rows(path: Path, n_columns: int | tuple[int, ...], what: str) -> FloatArray:
    """Read a table of numbers (separated by whitespace, commas or semicolons) with exactly
    ``n_columns`` per row (or one of several allowed widths, fixed by the first row).

    Returns
    -------
    ndarray, shape (n_rows, n_columns)
    """
    allowed = (n_columns,) if isinstance(n_columns, int) else tuple(n_columns)
    text = read_text(path)
    rows: list[list[float]] = []
    width: int | None = None
    for line_number, line in enumerate(text.splitlines(), start=1):
        parts = _row_values(line)
        if not parts:
            continue
        if width is None and len(parts) in allowed:
            width = len(parts)
        if len(parts) != (width if width is not None else allowed[0]):
            expected = " or ".join(str(n) for n in ((width,) if width else allowed))
            raise InvalidRecording(
                _(
                    "{path}: line {line_number} has {n_parts} values; a {what} row has {expected}"
                ).format(
                    path=path,
                    line_number=line_number,
                    n_parts=len(parts),
                    what=what,
                    expected=expected,
                )
            )
        try:
            rows.append([float(p) for p in parts])
        except ValueError:
            raise InvalidRecording(
                _("{path}: line {line_number} holds a value that is not a number").format(
                    path=path, line_number=line_number
                )
            ) from None
    if not rows:
        raise InvalidRecording(_("{path}: no data rows").format(path=path))
    table = np.asarray(rows, dtype=np.float64)
    bad = ~np.isfinite(table) | (np.abs(table) > 1e9)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise InvalidRecording(
            _("{path}: data row {row} holds a value that is infinite, NaN or beyond 1e9").format(
                path=path, row=row + 1
            )
        )
    return table


#: Numbers per point in a pose row: position (x, y, z) then orientation quaternion (qx, qy, qz, qw).
VALUES_PER_POSE_POINT = 7


def read_point_rows(
    path: Path, n_points: int, what: str, *, units_per_metre: float = 1.0
) -> tuple[FloatArray, FloatArray]:
    """Read rows of ``n_points`` x (x, y, z, qx, qy, qz, qw) as positions and confidence.

    Rows of positions alone (``n_points`` x (x, y, z), as many exports write) are read too.

    The layout of the KERAAL Kinect and Vicon text files. Orientations are not used; a point at
    exactly (0, 0, 0) is missing (not tracked or occluded).

    Parameters
    ----------
    path : Path
        The text file, one row of ``7 * n_points`` numbers per frame.
    n_points : int
        Joints or targets per row.
    what : str
        The layout's name for error messages (``"Kinect v2 (25 joints x 7)"``).
    units_per_metre : float
        File position units in one metre (1 for metres, 1000 for millimetres).

    Returns
    -------
    positions : ndarray, shape (n_frames, n_points, 3)
        Metres; NaN where the point is missing.
    confidence : ndarray, shape (n_frames, n_points)
        1 where the point is present, 0 where it is missing.
    """
    table = read_number_rows(path, (n_points * VALUES_PER_POSE_POINT, n_points * 3), what)
    per_point = table.shape[1] // n_points  # 7 with orientations, 3 positions only
    points = table.reshape(len(table), n_points, per_point)
    positions = points[:, :, :3] / units_per_metre
    missing = np.all(points[:, :, :3] == 0.0, axis=2)
    positions[missing] = np.nan
    return positions, np.where(missing, 0.0, 1.0)


def sniff_point_rows(head: str, n_points: int) -> bool:
    """Whether the first line of ``head`` holds exactly the values of ``n_points`` pose points."""
    first = head.strip().splitlines()[:1]
    return bool(first) and len(_row_values(first[0])) in (
        n_points * VALUES_PER_POSE_POINT,
        n_points * 3,
    )


def frame_times(n_frames: int, sample_rate_hz: float) -> FloatArray:
    """Time stamps ``k / sample_rate_hz`` in seconds, shape ``(n_frames,)``."""
    if not np.isfinite(sample_rate_hz) or sample_rate_hz <= 0:
        raise InvalidRecording(
            _("sample rate must be a positive number of Hz, got {sample_rate_hz}").format(
                sample_rate_hz=sample_rate_hz
            )
        )
    return np.arange(n_frames, dtype=np.float64) / float(sample_rate_hz)


def build_series(
    path: Path,
    time_s: FloatArray,
    names: tuple[str, ...],
    positions: FloatArray,
    confidence: FloatArray,
    frame: CoordinateFrame,
    source: str,
    metadata: dict[str, object],
) -> KeypointSeries:
    """Check shapes and time stamps, mark missing points (NaN, confidence 0), build the series."""
    n_frames = time_s.shape[0]
    if n_frames == 0:
        raise InvalidRecording(_("{path}: no frames").format(path=path))
    if positions.shape[:2] != (n_frames, len(names)) or positions.shape[2] not in (2, 3):
        raise InvalidRecording(
            _("{path}: inconsistent keypoint array shape {shape}").format(
                path=path, shape=positions.shape
            )
        )
    if not np.all(np.diff(time_s) > 0):
        raise InvalidRecording(
            _("{path}: time stamps are not strictly increasing").format(path=path)
        )
    missing = ~np.all(np.isfinite(positions), axis=2)
    positions = positions.copy()
    positions[missing] = np.nan
    confidence = np.where(missing, 0.0, np.clip(np.nan_to_num(confidence, nan=0.0), 0.0, 1.0))
    meta = {"file": str(path), **metadata}
    return KeypointSeries(
        time_s=np.ascontiguousarray(time_s, dtype=np.float64),
        names=names,
        positions=np.ascontiguousarray(positions, dtype=np.float64),
        confidence=np.ascontiguousarray(confidence, dtype=np.float64),
        frame=frame,
        source=source,
        metadata=meta,
    )


def build_fixed_rate_series(
    path: Path,
    sample_rate_hz: float,
    names: tuple[str, ...],
    positions: FloatArray,
    confidence: FloatArray,
    frame: CoordinateFrame,
    source: str,
    metadata: dict[str, object] | None = None,
) -> KeypointSeries:
    """:func:`build_series` for a file without time stamps: frame *k* at ``k / sample_rate_hz``.

    ``sample_rate_hz`` is recorded first in the metadata (``analyze`` reports it as assumed).
    ``positions`` has shape ``(n_frames, n_points, 2 or 3)``; see :func:`build_series`.
    """
    return build_series(
        path,
        frame_times(positions.shape[0], sample_rate_hz),
        names,
        positions,
        confidence,
        frame,
        source,
        {"sample_rate_hz": sample_rate_hz, **(metadata or {})},
    )


#: Frame keys may leave gaps (dropped frames), but not spread a few frames over millions.
MAX_FRAME_SPAN_FACTOR = 20
MAX_FRAME_GAP = 100_000


def frame_keys(path: Path, raw: Any) -> list[tuple[float, dict[str, Any]]]:
    """Return ``(frame_number, joints)`` pairs of a KERAAL ``{"positions": {...}}`` file, sorted."""
    if not isinstance(raw, dict) or not isinstance(raw.get("positions"), dict):
        raise InvalidRecording(
            _("{path}: expected a JSON object with a 'positions' object").format(path=path)
        )
    frames: list[tuple[float, dict[str, Any]]] = []
    for key, joints in raw["positions"].items():
        try:
            number = float(key)
        except ValueError:
            raise InvalidRecording(
                _("{path}: frame key '{key}' is not a frame number").format(path=path, key=key)
            ) from None
        if not (math.isfinite(number) and number >= 0 and number == round(number)):
            raise InvalidRecording(
                _("{path}: frame key '{key}' is not a whole, non-negative frame number").format(
                    path=path, key=key
                )
            )
        if not isinstance(joints, dict):
            raise InvalidRecording(
                _("{path}: frame '{key}' is not an object of joints").format(path=path, key=key)
            )
        frames.append((number, joints))
    if not frames:
        raise InvalidRecording(_("{path}: 'positions' holds no frames").format(path=path))
    frames.sort(key=lambda item: item[0])
    span = frames[-1][0] - frames[0][0] + 1
    if span > MAX_FRAME_SPAN_FACTOR * len(frames) + MAX_FRAME_GAP:
        raise InvalidRecording(
            _(
                "{path}: frame keys {frames:g}-{frames2:g} span {span:g} "
                "frames for {n_frames} frames in the file: not frame numbers "
                "of one recording"
            ).format(
                path=path,
                frames=frames[0][0],
                frames2=frames[-1][0],
                span=span,
                n_frames=len(frames),
            )
        )
    return frames


def joint_xyz(path: Path, frame_key: float, joint: str, value: Any, n_dims: int) -> list[float]:
    """Validate one joint's coordinate list and return its first ``n_dims`` values."""
    if not isinstance(value, list) or len(value) < n_dims:
        raise InvalidRecording(
            _(
                "{path}: frame {frame_key:g}, joint '{joint}': expected a list of {n_dims} numbers"
            ).format(path=path, frame_key=frame_key, joint=joint, n_dims=n_dims)
        )
    coords = value[:n_dims]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in coords):
        raise InvalidRecording(
            _("{path}: frame {frame_key:g}, joint '{joint}': coordinates are not numbers").format(
                path=path, frame_key=frame_key, joint=joint
            )
        )
    out = [float(v) for v in coords]
    if not all(math.isfinite(v) and abs(v) < 1e7 for v in out):
        raise InvalidRecording(
            _(
                "{path}: frame {frame_key:g}, joint '{joint}': coordinates "
                "{out} are not finite image or world positions"
            ).format(path=path, frame_key=frame_key, joint=joint, out=out)
        )
    return out


def joint_confidence(path: Path, frame_key: float, joint: str, value: Any) -> float:
    """A joint's visibility/confidence: a number in [0, 1] (null: 0, not seen)."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRecording(
            _(
                "{path}: frame {frame_key:g}, joint '{joint}': visibility {value} is not a number"
            ).format(path=path, frame_key=frame_key, joint=joint, value=repr(value))
        )
    number = float(value)
    if not (math.isfinite(number) and -1e-6 <= number <= 1.0 + 1e-6):
        raise InvalidRecording(
            _(
                "{path}: frame {frame_key:g}, joint '{joint}': visibility {value} is not in 0..1"
            ).format(path=path, frame_key=frame_key, joint=joint, value=repr(value))
        )
    return min(max(number, 0.0), 1.0)


def keyed_joint_arrays(
    path: Path,
    frames: list[tuple[float, dict[str, Any]]],
    rows: Iterable[int],
    n_frames: int,
    columns: dict[str, int],
    n_dims: int,
    what: str,
) -> tuple[FloatArray, FloatArray]:
    """Place the joints of KERAAL frames (from :func:`frame_keys`) into position arrays.

    Parameters
    ----------
    path : Path
        The file, for error messages.
    frames : list of (float, dict)
        ``(frame_number, joints)`` pairs; ``frames[i]`` fills row ``rows[i]``.
    rows : iterable of int
        Output row of each frame, one per frame.
    n_frames : int
        Rows in the output; rows no frame fills stay missing.
    columns : dict of str to int
        The file's joint name to its output column (one column per entry).
    n_dims : int
        Coordinates per joint (2 or 3); a further value, when present, is the confidence.
    what : str
        What the file calls a joint (``"joint"``, ``"landmark"``), for error messages.

    Returns
    -------
    positions : ndarray, shape (n_frames, len(columns), n_dims)
        NaN where a joint is absent.
    confidence : ndarray, shape (n_frames, len(columns))
        The file's confidence, 1 where it gives none, 0 where the joint is absent.
    """
    positions = np.full((n_frames, len(columns), n_dims), np.nan)
    confidence = np.zeros((n_frames, len(columns)))
    for row, (key, joints) in zip(rows, frames, strict=True):
        for file_name, value in joints.items():
            col = columns.get(file_name)
            if col is None:
                raise InvalidRecording(
                    _("{path}: frame {key:g}: unknown {what} '{file_name}'").format(
                        path=path, key=key, what=what, file_name=file_name
                    )
                )
            positions[row, col] = joint_xyz(path, key, file_name, value, n_dims)
            confidence[row, col] = (
                joint_confidence(path, key, file_name, value[n_dims])
                if len(value) > n_dims
                else 1.0
            )
    return positions, confidence
