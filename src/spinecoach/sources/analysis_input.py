"""Input handlers of ``spinecoach analyze``: one per source kind, imported lazily.

A handler turns one input file into measures and (with an exercise) an analysis::

    handler(path: Path, options: AnalyzeOptions) -> AnalysisOutput

Handlers are registered by dotted path in :data:`INPUT_HANDLERS` and imported only when
used, so a heavy dependency (OpenCV, MediaPipe, imufusion) is loaded only for its kind:

=========  ==================================================  ==============================
kind       handler                                             inputs
=========  ==================================================  ==============================
keypoints  ``spinecoach.sources.keypoints.handler:analyze_keypoints``  any ``KEYPOINT_READERS`` file
video      ``spinecoach.sources.video.handler:analyze_video``  .mp4 .avi .mov .mkv .webm
imu        ``spinecoach.sources.imu.handler:analyze_imu``      IMU recordings
=========  ==================================================  ==============================

``--source auto`` picks ``video`` by file suffix, ``keypoints`` when a keypoint reader
recognises the file, and ``imu`` when the IMU handler module defines
``can_read(path: Path) -> bool`` and it returns True. A handler whose module is missing gives
a clear :class:`~spinecoach.errors.InvalidInput`. A handler rejects options that do not apply
to it (e.g. ``--out-video`` for a keypoint file) with :class:`InvalidInput`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidInput, InvalidRecording, UnknownFormat
from spinecoach.motion.analysis import AnalysisResult
from spinecoach.motion.filters import FILTERS as FILTERS  # re-exported for the CLI
from spinecoach.motion.filters import filter_measures, sample_rate_of
from spinecoach.motion.neutral import count_note_text as count_note_text  # for the CLI
from spinecoach.motion.types import KeypointSeries, MeasureSeries


@dataclass(frozen=True)
class AnalyzeOptions:
    """Options of one ``spinecoach analyze`` run (CLI flags, or set from Python).

    Attributes
    ----------
    format : str or None
        Reader name (``--format``); auto-detected when None.
    exercise : Exercise or None
        Exercise to analyse for; None computes measures and tracking only (no events).
    fps : float or None
        Frame/sample rate for files without time stamps (``--fps``); reader default if None.
    placement : str or None
        IMU placement (``dual``, ``sacrum``, ``upper``); IMU only.
    out_video : Path or None
        Annotated video output; video only.
    keypoints_out : Path or None
        Write the keypoints in our CSV export format (keypoint and video sources).
    min_confidence : float
        Keypoint confidence gate.
    filter : str
        Filter applied to the reported measures (a ``spinecoach.motion.filters.FILTERS`` name).
    forward_axis : str or None
        IMU sensor axis pointing to the subject's front (``+x`` ... ``-z``, or ``auto``);
        None: the file's ``# forward_axis:`` line, else ``-z``. IMU only.
    calibration_s : float or None
        IMU neutral window at the start, seconds; None: 3 s. IMU only.
    reader_options : dict
        Keypoint reader options (``mirrored``, ``labels_swapped``, ``dropped_frames``);
        a reader that has no such option refuses it in one line.
    """

    format: str | None = None
    exercise: Exercise | None = None
    fps: float | None = None
    placement: str | None = None
    out_video: Path | None = None
    keypoints_out: Path | None = None
    min_confidence: float = 0.5
    filter: str = "butterworth"
    forward_axis: str | None = None
    calibration_s: float | None = None
    reader_options: dict[str, object] = field(default_factory=dict)


#: AnalyzeOptions fields that apply to IMU inputs only (their CLI flags, for messages).
IMU_ONLY_OPTIONS = {
    "placement": "--placement",
    "forward_axis": "--forward-axis",
    "calibration_s": "--calibration-s",
}


@dataclass(frozen=True)
class AnalysisOutput:
    """What a handler returns.

    Attributes
    ----------
    measures : MeasureSeries
        Per-frame measures (filtered as asked) for ``--angles-csv`` and the summary.
    result : AnalysisResult or None
        The exercise analysis; None without an exercise.
    source : str
        Source kind and reader (``keypoints/blazepose_json``).
    keypoints : KeypointSeries or None
        The keypoints, for sources that have them.
    notes : tuple of str
        Caveats to show the user (assumed frame rate, proxies, ...).
    plausibility : dict or None
        Keypoint files: frames and keypoints set aside as implausible
        (:meth:`spinecoach.motion.plausibility.PlausibilityReport.to_json`).
    """

    measures: MeasureSeries
    result: AnalysisResult | None
    source: str
    keypoints: KeypointSeries | None = None
    notes: tuple[str, ...] = field(default=())
    plausibility: dict[str, object] | None = None


def reported_measures(
    raw: MeasureSeries, series: KeypointSeries, filter_name: str
) -> MeasureSeries:
    """Filter ``raw`` (measured from ``series``) for reporting with filter ``filter_name``.

    A single frame is returned unfiltered. The Butterworth cut-off is 6 Hz, lowered to
    0.4 x the sample rate for slow recordings so that it stays below Nyquist.
    """
    if series.n_frames > 1 and filter_name == "butterworth":
        cutoff_hz = min(6.0, 0.4 * sample_rate_of(series.time_s))
        return filter_measures(raw, "butterworth", cutoff_hz=cutoff_hz)
    if series.n_frames > 1:
        return filter_measures(raw, filter_name)
    return raw


InputHandler = Callable[[Path, AnalyzeOptions], AnalysisOutput]

#: Source kind -> ``module:function`` of its handler.
INPUT_HANDLERS: dict[str, str] = {
    "keypoints": "spinecoach.sources.keypoints.handler:analyze_keypoints",
    "video": "spinecoach.sources.video.handler:analyze_video",
    "imu": "spinecoach.sources.imu.handler:analyze_imu",
}

VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm"})


def _import(kind: str) -> tuple[object, str]:
    target = INPUT_HANDLERS[kind]
    module_name, function_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise InvalidInput(
                gettext(
                    "the '{kind}' input handler ({module_name}) is not available "
                    "in this installation"
                ).format(kind=kind, module_name=module_name)
            ) from None
        raise
    return module, function_name


def load_handler(kind: str) -> InputHandler:
    """Import and return the handler for source ``kind``."""
    if kind not in INPUT_HANDLERS:
        raise InvalidInput(
            gettext(
                "Invalid value for the 'source' parameter. Allowed values "
                "are auto, {input_handlers}, but got '{kind}'"
            ).format(input_handlers=", ".join(INPUT_HANDLERS), kind=kind)
        )
    module, function_name = _import(kind)
    handler = getattr(module, function_name, None)
    if handler is None:
        raise InvalidInput(
            gettext("{input_handlers} does not exist").format(input_handlers=INPUT_HANDLERS[kind])
        )
    return handler  # type: ignore[no-any-return]


def detect_source(path: Path) -> str:
    """Guess the source kind of ``path`` (see module docstring)."""
    from spinecoach.sources.keypoints import detect_format

    if not path.exists():
        raise InvalidRecording(gettext("{path}: file not found").format(path=path))
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return "video"
    try:
        detect_format(path)
        return "keypoints"
    except UnknownFormat:
        pass
    try:
        module, _ = _import("imu")
    except InvalidInput:
        module = None
    can_read = getattr(module, "can_read", None)
    if can_read is not None and can_read(path):
        return "imu"
    raise UnknownFormat(
        gettext(
            "{path}: not a recognised video, keypoint or IMU file (give "
            "--source and --format to say what it is)"
        ).format(path=path)
    )


def source_of_format(name: str) -> str:
    """The source kind whose readers include format ``name``.

    Raises
    ------
    UnknownFormat
        Naming every known format.
    """
    from spinecoach.sources.keypoints import KEYPOINT_READERS

    if name in KEYPOINT_READERS:
        return "keypoints"
    try:
        from spinecoach.sources.imu import READERS as IMU_READERS
    except ImportError:  # pragma: no cover - the imu extra is part of the install
        IMU_READERS = {}
    if name in IMU_READERS:
        return "imu"
    known = ", ".join([*KEYPOINT_READERS, *IMU_READERS])
    raise UnknownFormat(
        gettext("--format '{name}' is not a known format (known: {known})").format(
            name=name, known=known
        )
    )


def run_analysis(path: Path, source: str, options: AnalyzeOptions) -> AnalysisOutput:
    """Pick the handler (``source`` = ``auto`` or a kind) and run it on ``path``.

    A ``--format`` decides the source when ``source`` is ``auto`` (the file is then read
    with that reader, not sniffed); an unknown format name is refused with the known ones.
    """
    if options.format is not None:
        kind_of_format = source_of_format(options.format)
        if source == "auto":
            if not path.exists():
                raise InvalidRecording(gettext("{path}: file not found").format(path=path))
            source = "video" if path.suffix.lower() in VIDEO_SUFFIXES else kind_of_format
    kind = detect_source(path) if source == "auto" else source
    return load_handler(kind)(path, options)
