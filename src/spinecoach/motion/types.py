"""Typed streams shared by every source and the analysis: keypoints, measures and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class FrameKind(StrEnum):
    """Coordinate frame of keypoint positions."""

    IMAGE = "image"  # 2D (or 2D + relative depth) in pixels, x right, y down
    WORLD = "world"  # 3D in metres, axes stated in CoordinateFrame.axes


@dataclass(frozen=True)
class CoordinateFrame:
    """Where keypoint coordinates live.

    Attributes
    ----------
    kind : FrameKind
        ``image`` (pixels, x to the right, y down) or ``world`` (metres).
    axes : str
        For ``world`` frames, a statement of the axes, e.g. ``"x forward, y left, z up"``.
    width_px, height_px : int or None
        Image size for ``image`` frames.
    """

    kind: FrameKind
    axes: str = "x right, y down"
    width_px: int | None = None
    height_px: int | None = None


@dataclass(frozen=True, eq=False)
class KeypointSeries:
    """Body keypoints over time, from any pose estimator or motion-capture system.

    Attributes
    ----------
    time_s : ndarray, shape (n_frames,)
        Strictly increasing time stamps in seconds.
    names : tuple of str, length n_keypoints
        Keypoint names in our canonical vocabulary (``left_shoulder``, ``right_hip``, ...),
        always from the *subject's* point of view.
    positions : ndarray, shape (n_frames, n_keypoints, n_dims)
        ``n_dims`` is 2 or 3. Missing keypoints are NaN.
    confidence : ndarray, shape (n_frames, n_keypoints)
        Visibility/confidence in [0, 1]; 0 where missing.
    frame : CoordinateFrame
        Coordinate frame of ``positions``.
    source : str
        Reader or estimator name (``blazepose``, ``openpose``, ``kinect``, ``vicon``, ...).
    metadata : dict
        Free-form provenance (file name, frame rate assumed, person-switch frames, ...).
    """

    time_s: FloatArray
    names: tuple[str, ...]
    positions: FloatArray
    confidence: FloatArray
    frame: CoordinateFrame
    source: str = ""
    metadata: dict[str, object] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.time_s.shape[0])

    @property
    def n_dims(self) -> int:
        """2 for image-plane keypoints, 3 for 3D."""
        return int(self.positions.shape[2])

    def index(self, name: str) -> int:
        """Column index of keypoint ``name`` (raises ``KeyError`` if absent)."""
        return self.names.index(name)

    def has(self, name: str) -> bool:
        """Whether keypoint ``name`` is part of this series' keypoint set."""
        return name in self.names

    def valid_mask(self, min_confidence: float = 0.5) -> BoolArray:
        """Boolean ``(n_frames, n_keypoints)``: finite position and confidence >= threshold."""
        finite = np.all(np.isfinite(self.positions), axis=2)
        return finite & (self.confidence >= min_confidence)


@dataclass(frozen=True, eq=False)
class MeasureSeries:
    """Named angle/measure signals on a common time base.

    Attributes
    ----------
    time_s : ndarray, shape (n_frames,)
    values : dict of str to ndarray, each shape (n_frames,)
        Degrees (or a ratio for ``hip_hinge_ratio``); NaN where not measurable at that frame.
    unmeasurable : dict of str to str
        Measures that cannot be computed from this input at all, with the reason.
    flags : dict of str to str
        Caveats per measure (e.g. ``trunk_rotation_deg`` from one camera).
    """

    time_s: FloatArray
    values: dict[str, FloatArray]
    unmeasurable: dict[str, str] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)


class Side(StrEnum):
    """Side of a repetition or hold (``none`` for one-directional movements)."""

    LEFT = "left"
    RIGHT = "right"
    NONE = "none"


@dataclass(frozen=True)
class Repetition:
    """One measured repetition of the primary angle (degrees, seconds)."""

    start_s: float
    peak_s: float
    end_s: float
    peak_deg: float
    range_deg: float
    side: Side = Side.NONE

    @property
    def duration_s(self) -> float:
        """Seconds from start to end."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Hold:
    """A period in which the primary angle stayed in the held position."""

    start_s: float
    end_s: float
    mean_deg: float
    std_deg: float
    side: Side = Side.NONE

    @property
    def duration_s(self) -> float:
        """Seconds held."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class FormFlag:
    """A form problem at a moment: ``code`` matches an exercise's ``common_errors`` codes."""

    t_s: float
    code: str
    message: str
    severity: str = "warning"  # "info" | "warning"


@dataclass(frozen=True)
class ZoneChange:
    """Entering or leaving the target zone: where the excursion is, and on which side.

    ``beyond`` is True when the zone was left past its upper edge (too far), False when the
    excursion fell below its lower edge (not far enough).
    """

    excursion_deg: float
    beyond: bool


class EventKind(StrEnum):
    """Kinds of events a streaming analyser emits."""

    REPETITION = "repetition"
    HOLD_STARTED = "hold_started"
    HOLD_ENDED = "hold_ended"
    FORM = "form"
    TRACKING_LOST = "tracking_lost"
    TRACKING_RESTORED = "tracking_restored"
    PERSON_SWITCH = "person_switch"
    ZONE_ENTERED = "zone_entered"
    ZONE_LEFT = "zone_left"
    START_POSITION_NEEDED = "start_position_needed"
    START_POSITION_REACHED = "start_position_reached"
    NOT_MEASURABLE = "not_measurable"


@dataclass(frozen=True)
class MotionEvent:
    """An event emitted while analysing, in stream time ``t_s``.

    ``payload`` is the :class:`Repetition`, :class:`Hold`, :class:`FormFlag` or
    :class:`ZoneChange` where the kind has one, else ``None``; ``detail`` is a short
    human-readable reason (for people, never parsed).
    """

    t_s: float
    kind: EventKind
    payload: Repetition | Hold | FormFlag | ZoneChange | None = None
    detail: str = ""
