"""IMU file readers, registered by name, with format auto-detection.

A reader is a :class:`ImuReader`: a name, a ``sniff`` predicate that looks at a
:class:`Probe` (the first 4 KB of a file, or the member names of a folder or zip), and a
``read`` function returning an :class:`~spinecoach.motion.imu_types.ImuRecording`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput, InvalidRecording, UnknownFormat
from spinecoach.motion.imu_types import ImuRecording, Placement
from spinecoach.motion.types import FloatArray
from spinecoach.sources.imu.table import parse_table


@dataclass(frozen=True)
class ReadOptions:
    """Options every reader understands.

    Attributes
    ----------
    placement : Placement or None
        Placement of a single-sensor file (overrides what the file says).
    accel_range_g, gyro_range_dps, mag_range_ut : float or None
        Full-scale ranges for saturation checks, when the format does not state them.
    """

    placement: Placement | None = None
    accel_range_g: float | None = None
    gyro_range_dps: float | None = None
    mag_range_ut: float | None = None

    def ranges(self, **defaults: float | None) -> dict[str, float]:
        """Ranges by channel name (``gyro``, ``accel``, ``mag``), options over defaults."""
        chosen = {
            "gyro": self.gyro_range_dps or defaults.get("gyro"),
            "accel": self.accel_range_g or defaults.get("accel"),
            "mag": self.mag_range_ut or defaults.get("mag"),
        }
        return {k: float(v) for k, v in chosen.items() if v}


class Container:
    """A file, a folder of files or a zip, read uniformly by member name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._bytes: dict[str, bytes] = {}
        if path.is_dir():
            self.names = sorted(p.name for p in path.iterdir() if p.is_file())
        elif zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            self.names = sorted(n for n in self._zip.namelist() if not n.endswith("/"))
        else:
            self.names = [path.name]

    def read_bytes(self, name: str) -> bytes:
        """Bytes of member ``name``, read once (a reader's header and table share them)."""
        cached = self._bytes.get(name)
        if cached is not None:
            return cached
        try:
            if self._zip is not None:
                data = self._zip.read(name)
            elif self.path.is_dir():
                data = (self.path / name).read_bytes()
            else:
                data = self.path.read_bytes()
        except (OSError, KeyError) as exc:
            raise InvalidRecording(
                _("{path}: cannot read {name}: {exc}").format(path=self.path, name=name, exc=exc)
            ) from None
        self._bytes[name] = data
        return data

    def read_text(self, name: str) -> str:
        """Text of member ``name`` (UTF-8, BOM stripped)."""
        return self.read_bytes(name).decode("utf-8-sig", errors="replace")

    def head_text(self, name: str, n_bytes: int = 65536) -> str:
        """The first ``n_bytes`` of member ``name`` as text (the whole member is read once and
        kept for :meth:`load_table`)."""
        return self.read_bytes(name)[:n_bytes].decode("utf-8-sig", errors="replace")

    def load_table(
        self, name: str, label: str, *, skip_rows: int = 1, notes: list[str] | None = None
    ) -> FloatArray:
        """Numeric CSV table of member ``name`` (:func:`.table.parse_table`: Arrow's C reader
        when the block is a plain table, else NumPy's careful parser).

        A partial last row (a recording cut off mid-write) is dropped with a note appended
        to ``notes``.
        """
        return parse_table(self.read_bytes(name), label, skip_rows=skip_rows, notes=notes)

    def find(self, basename: str) -> str | None:
        """Member whose file name (any folder) equals ``basename`` (case-insensitive)."""
        for name in self.names:
            if Path(name).name.lower() == basename.lower():
                return name
        return None


@dataclass(frozen=True)
class Probe:
    """What sniffers look at: the file's start (files) or member names (folders, zips)."""

    path: Path
    head: str = ""
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImuReader:
    """A registered reader."""

    name: str
    description: str
    sniff: Callable[[Probe], bool]
    read: Callable[[Path, ReadOptions], ImuRecording]
    extensions: tuple[str, ...] = field(default=(".csv",))


READERS: dict[str, ImuReader] = {}


def register_reader(reader: ImuReader) -> ImuReader:
    """Add ``reader`` to the registry (its name must be new)."""
    if reader.name in READERS:
        raise ValueError(f"IMU reader {reader.name!r} registered twice")
    READERS[reader.name] = reader
    return reader


def probe(path: Path) -> Probe:
    """Build the :class:`Probe` for ``path`` (raises InvalidRecording if unreadable)."""
    if not path.exists():
        raise InvalidRecording(_("{path}: file not found").format(path=path))
    if path.is_dir() or zipfile.is_zipfile(path):
        return Probe(path=path, names=tuple(Container(path).names))
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise InvalidRecording(
            _("{path}: cannot read: {strerror}").format(path=path, strerror=exc.strerror)
        ) from None
    return Probe(path=path, head=head)


def detect_format(path: Path) -> str:
    """Name of the first registered reader that recognises ``path``.

    Raises
    ------
    UnknownFormat
        If none does.
    """
    p = probe(path)
    for reader in READERS.values():
        if reader.sniff(p):
            return reader.name
    raise UnknownFormat(
        _(
            "{path}: not a recognised IMU file (known formats: "
            "{readers}; see docs/imu.md for the generic CSV)"
        ).format(path=path, readers=", ".join(READERS))
    )


def read_imu(
    path: Path | str, *, format: str | None = None, options: ReadOptions | None = None
) -> ImuRecording:
    """Read an IMU recording with the named reader or the detected one.

    Parameters
    ----------
    path : Path or str
        File, folder or zip.
    format : str, optional
        Reader name (see :data:`READERS`); detected when omitted.
    options : ReadOptions, optional

    Returns
    -------
    ImuRecording
    """
    p = Path(path)
    name = format or detect_format(p)
    if name not in READERS:
        raise InvalidInput(
            _("Invalid value for 'format': allowed {readers}, got {name}").format(
                readers=", ".join(READERS), name=repr(name)
            )
        )
    recording = READERS[name].read(p, options or ReadOptions())
    recording.metadata.setdefault("format", name)
    recording.metadata.setdefault("path", str(p))
    return recording
