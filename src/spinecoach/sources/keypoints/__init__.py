"""Keypoint file readers, registered by name, with format auto-detection.

>>> series = read_keypoints("G3-BP-ELK-P1T1-Unknown-C-0.json")            # doctest: +SKIP
>>> series = read_keypoints("clip.json", format="blazepose_json", mirrored=False)  # doctest: +SKIP

Formats (see :data:`KEYPOINT_READERS`): ``blazepose_json``, ``openpose_json``,
``openpose_frames`` (OpenPose's own per-frame output), ``coco17_json`` (AlphaPose, MMPose,
RTMPose), ``kinect_txt``, ``vicon_txt`` and
``csv`` (our export format, written by :func:`write_keypoints_csv`).
Every reader returns a :class:`~spinecoach.motion.types.KeypointSeries` with subject-side
canonical names, NaN + confidence 0 for missing points, and time stamps in seconds (from the
``sample_rate_hz`` option where the file has none).
"""

from __future__ import annotations

import inspect
from pathlib import Path

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput, InvalidRecording, UnknownFormat
from spinecoach.motion.types import KeypointSeries
from spinecoach.sources.keypoints import (
    blazepose,
    coco17,
    csv_format,
    kinect,
    openpose,
    openpose_frames,
    vicon,
)
from spinecoach.sources.keypoints._base import KeypointReader
from spinecoach.sources.keypoints.csv_format import write_keypoints_csv
from spinecoach.sources.keypoints.names import BLAZEPOSE_NAMES

#: Every keypoint file format by name (the ``--format`` values).
KEYPOINT_READERS: dict[str, KeypointReader] = {
    reader.name: reader
    for reader in (
        blazepose.READER,
        openpose.READER,
        openpose_frames.READER,
        coco17.READER,
        kinect.READER,
        vicon.READER,
        csv_format.READER,
    )
}

SNIFF_BYTES = 8192


def detect_format(path: Path | str) -> str:
    """Return the name of the reader that recognises ``path``.

    Raises
    ------
    InvalidRecording
        If the file cannot be read.
    UnknownFormat
        If no registered reader recognises it.
    """
    path = Path(path)
    if path.is_dir():
        if KEYPOINT_READERS["openpose_frames"].sniff(path, ""):
            return "openpose_frames"
        raise InvalidRecording(
            _("{path}: is a folder without OpenPose *_keypoints.json files").format(path=path)
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES).decode("utf-8", errors="replace")
    except FileNotFoundError:
        raise InvalidRecording(_("{path}: file not found").format(path=path)) from None
    except OSError as exc:
        raise InvalidRecording(
            _("{path}: cannot read ({strerror})").format(path=path, strerror=exc.strerror)
        ) from None
    for name, reader in KEYPOINT_READERS.items():
        if reader.sniff(path, head):
            return name
    known = ", ".join(KEYPOINT_READERS)
    raise UnknownFormat(
        _("{path}: not a recognised keypoint file (known formats: {known})").format(
            path=path, known=known
        )
    )


def read_keypoints(
    path: Path | str, format: str | None = None, **options: object
) -> KeypointSeries:
    """Read a keypoint file into a :class:`KeypointSeries`.

    Parameters
    ----------
    path : Path or str
        The file.
    format : str, optional
        A :data:`KEYPOINT_READERS` name; detected from the file when omitted.
    **options
        Reader options (e.g. ``sample_rate_hz``, ``mirrored``); see each reader's ``options``.

    Returns
    -------
    KeypointSeries
    """
    path = Path(path)
    name = format or detect_format(path)
    reader = KEYPOINT_READERS.get(name)
    if reader is None:
        raise UnknownFormat(
            _("Unknown keypoint format '{name}'. Allowed values are: {keypoint_readers}").format(
                name=name, keypoint_readers=", ".join(KEYPOINT_READERS)
            )
        )
    accepted = set(inspect.signature(reader.read).parameters) - {"path"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        allowed = ", ".join(sorted(accepted)) or "none"
        raise InvalidInput(
            _("Invalid option(s) {unknown} for format '{name}'. Allowed: {allowed}").format(
                unknown=", ".join(unknown), name=name, allowed=allowed
            )
        )
    return reader.read(path, **options)


__all__ = [
    "BLAZEPOSE_NAMES",
    "KEYPOINT_READERS",
    "KeypointReader",
    "detect_format",
    "read_keypoints",
    "write_keypoints_csv",
]
