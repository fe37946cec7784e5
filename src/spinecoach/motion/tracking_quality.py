"""Is the tracked body good enough to coach on? Visibility gating and person-switch detection.

Pure NumPy on keypoints (no image access). Two uses:

* :class:`TrackingMonitor`, fed one frame at a time, emits ``tracking_lost`` /
  ``tracking_restored`` / ``person_switch`` :class:`MotionEvent` s with a plain reason, so the
  coach can suppress feedback and tell the user why;
* :func:`assess_tracking` and :func:`detect_person_switches` summarise a whole series.

A *person switch* is a sudden jump of the torso centre (mid-shoulder/mid-hip midpoint) or
torso scale that no human movement explains. MediaPipe follows one person; in a scene with
several people it can re-detect someone else after a dropped frame.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from spinecoach.domain.i18n import N_, _, ngettext
from spinecoach.motion.types import (
    EventKind,
    FloatArray,
    KeypointSeries,
    MotionEvent,
)

logger = logging.getLogger(__name__)

TORSO_KEYPOINTS: tuple[str, ...] = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")

#: Plain words for keypoints in user messages.
_BODY_PART_WORDS: dict[str, str] = {
    "nose": N_("head"),
    "left_ear": N_("head"),
    "right_ear": N_("head"),
    "left_eye": N_("head"),
    "right_eye": N_("head"),
    "left_shoulder": N_("left shoulder"),
    "right_shoulder": N_("right shoulder"),
    "left_elbow": N_("left elbow"),
    "right_elbow": N_("right elbow"),
    "left_wrist": N_("left wrist"),
    "right_wrist": N_("right wrist"),
    "left_hip": N_("left hip"),
    "right_hip": N_("right hip"),
    "left_knee": N_("left knee"),
    "right_knee": N_("right knee"),
    "left_ankle": N_("left ankle"),
    "right_ankle": N_("right ankle"),
    "left_heel": N_("left heel"),
    "right_heel": N_("right heel"),
    "left_foot_index": N_("left foot"),
    "right_foot_index": N_("right foot"),
}


def body_part_words(names: Iterable[str]) -> list[str]:
    """Plain words for keypoint names, deduplicated in order (``left_knee`` -> ``left knee``)."""
    words: list[str] = []
    for name in names:
        word = _(_BODY_PART_WORDS.get(name, name.replace("_", " ")))
        if word not in words:
            words.append(word)
    return words


def visible_mask(
    positions: FloatArray,
    confidence: FloatArray,
    min_confidence: float,
    width_px: int | None = None,
    height_px: int | None = None,
    margin_frac: float = 0.0,
) -> np.ndarray:
    """Which keypoints are usable: finite, confident and (for image frames) inside the image.

    Parameters
    ----------
    positions : ndarray, shape (..., n_keypoints, n_dims)
    confidence : ndarray, shape (..., n_keypoints)
    min_confidence : float
        Visibility threshold in [0, 1].
    width_px, height_px : int or None
        Image size; when given, keypoints outside the image (less ``margin_frac`` of its size)
        count as not visible — pose estimators extrapolate limbs beyond the frame edge.

    Returns
    -------
    ndarray of bool, shape (..., n_keypoints)
    """
    finite = np.isfinite(positions[..., :2]).all(axis=-1)
    ok = finite & (confidence >= min_confidence)
    if width_px is not None and height_px is not None:
        x = positions[..., 0]
        y = positions[..., 1]
        mx = margin_frac * width_px
        my = margin_frac * height_px
        with np.errstate(invalid="ignore"):
            inside = (x >= -mx) & (x <= width_px + mx) & (y >= -my) & (y <= height_px + my)
        ok &= inside
    return np.asarray(ok)


@dataclass(frozen=True)
class TorsoState:
    """Torso centre (px or m) and length (mid-shoulder to mid-hip) of one frame, or None."""

    centre: FloatArray
    length: float


def torso_state(
    positions: FloatArray, confidence: FloatArray, index: Sequence[int], min_confidence: float
) -> TorsoState | None:
    """Torso centre and length from shoulders and hips ``index`` (l_sh, r_sh, l_hip, r_hip)."""
    # One frame at a time (30 per second per live session): plain floats, not small arrays.
    (lsx, lsy), (rsx, rsy), (lhx, lhy), (rhx, rhy) = positions[list(index), :2].tolist()
    if not all(map(math.isfinite, (lsx, lsy, rsx, rsy, lhx, lhy, rhx, rhy))) or any(
        c < min_confidence for c in confidence[list(index)].tolist()
    ):
        return None
    shoulder_x, shoulder_y = (lsx + rsx) / 2.0, (lsy + rsy) / 2.0
    hip_x, hip_y = (lhx + rhx) / 2.0, (lhy + rhy) / 2.0
    dx, dy = shoulder_x - hip_x, shoulder_y - hip_y
    length = math.sqrt(dx * dx + dy * dy)
    if length <= 0.0:
        return None
    return TorsoState(np.array([(shoulder_x + hip_x) / 2.0, (shoulder_y + hip_y) / 2.0]), length)


@dataclass(frozen=True)
class SwitchCheck:
    """Thresholds of the person-switch test.

    A frame is a switch when, since the last tracked frame ``dt_s`` earlier, the torso centre
    moved more than ``max_jump_torso + max_speed_torso_per_s * dt_s`` torso lengths (and more
    than ``recent_factor`` times the recent per-frame motion), or the torso length changed by
    more than ``max_scale_ratio`` (either way). Walking moves the torso centre ~0.1 torso
    lengths per frame at 30 fps; the switches seen in ``sports2d_demo.mp4`` jump 4-9.
    Tracks that were lost for longer than ``max_gap_s`` are treated as re-acquired: the jump
    test still applies, with the gap's allowance capped at ``max_gap_s``.
    """

    max_jump_torso: float = 1.0
    max_speed_torso_per_s: float = 6.0
    max_scale_ratio: float = 1.6
    recent_factor: float = 5.0
    max_gap_s: float = 1.0


class PersonSwitchDetector:
    """Streaming person-switch test on torso centre and scale (see :class:`SwitchCheck`).

    Parameters
    ----------
    keypoint_names : tuple of str
        Names of the keypoint set; must include both shoulders and hips.
    check : SwitchCheck
    min_confidence : float
        Torso keypoints below this visibility make the frame untracked.
    """

    def __init__(
        self,
        keypoint_names: Sequence[str],
        check: SwitchCheck | None = None,
        min_confidence: float = 0.5,
    ) -> None:
        self._index = [list(keypoint_names).index(n) for n in TORSO_KEYPOINTS]
        self.check = check or SwitchCheck()
        self.min_confidence = min_confidence
        self._last: TorsoState | None = None
        self._last_t_s = 0.0
        self._recent_steps: list[float] = []

    def update(self, t_s: float, positions: FloatArray, confidence: FloatArray) -> str | None:
        """Feed one frame; return a reason string if the tracked person jumped, else None."""
        state = torso_state(positions, confidence, self._index, self.min_confidence)
        if state is None:
            return None
        reason = None
        if self._last is not None:
            dt_s = min(max(t_s - self._last_t_s, 1e-3), self.check.max_gap_s)
            scale = max(self._last.length, state.length)
            dx, dy = (state.centre - self._last.centre).tolist()
            jump_torso = math.sqrt(dx * dx + dy * dy) / scale
            allowed = self.check.max_jump_torso + self.check.max_speed_torso_per_s * dt_s
            if self._recent_steps:
                allowed = max(
                    allowed, self.check.recent_factor * statistics.median(self._recent_steps)
                )
            ratio = state.length / self._last.length
            if jump_torso > allowed:
                elapsed_s = t_s - self._last_t_s
                reason = f"tracked body jumped {jump_torso:.1f} torso lengths in {elapsed_s:.2f} s"
            elif max(ratio, 1.0 / ratio) > self.check.max_scale_ratio:
                reason = f"tracked body changed size x{ratio:.2f} in {t_s - self._last_t_s:.2f} s"
            if reason is None:
                self._recent_steps.append(jump_torso)
                del self._recent_steps[:-15]
            else:
                self._recent_steps.clear()
        self._last = state
        self._last_t_s = t_s
        return reason


def detect_person_switches(
    series: KeypointSeries, check: SwitchCheck | None = None, min_confidence: float = 0.5
) -> list[tuple[int, str]]:
    """Frames of ``series`` where the tracked person switched, with the reason.

    Returns
    -------
    list of (frame_index, reason)
    """
    detector = PersonSwitchDetector(series.names, check, min_confidence)
    switches = []
    for i in range(series.n_frames):
        reason = detector.update(float(series.time_s[i]), series.positions[i], series.confidence[i])
        if reason is not None:
            switches.append((i, reason))
    return switches


def split_at_switches(
    series: KeypointSeries, switch_frames: Sequence[int], blank_s: float = 0.0
) -> KeypointSeries:
    """Return ``series`` with keypoints masked (NaN, confidence 0) at each switch frame.

    The masked frame breaks every gap-aware filter and event detector, so no angle,
    repetition or hold spans two people. ``blank_s`` seconds after each switch are masked too.
    Switch frames are recorded in ``metadata["person_switch_frames"]``.
    """
    positions = series.positions.copy()
    confidence = series.confidence.copy()
    for frame in switch_frames:
        end_s = series.time_s[frame] + blank_s
        stop = int(np.searchsorted(series.time_s, end_s, side="right"))
        stop = max(stop, frame + 1)
        positions[frame:stop] = np.nan
        confidence[frame:stop] = 0.0
    metadata = dict(series.metadata)
    metadata["person_switch_frames"] = [int(f) for f in switch_frames]
    return KeypointSeries(
        time_s=series.time_s,
        names=series.names,
        positions=positions,
        confidence=confidence,
        frame=series.frame,
        source=series.source,
        metadata=metadata,
    )


@dataclass(frozen=True)
class TrackingReport:
    """Tracking quality of one frame: usable or not, and why not in plain words."""

    ok: bool
    missing: tuple[str, ...] = ()
    reason: str = ""


def frame_tracking(
    positions: FloatArray,
    confidence: FloatArray,
    required_index: Sequence[int],
    required_names: Sequence[str],
    min_confidence: float,
    width_px: int | None = None,
    height_px: int | None = None,
) -> TrackingReport:
    """Whether every required keypoint is visible in one frame, else which are not.

    Parameters
    ----------
    positions : ndarray, shape (n_keypoints, n_dims)
    confidence : ndarray, shape (n_keypoints,)
    required_index, required_names : sequences of the same length
        Keypoints the exercise's measures need.
    """
    if not np.isfinite(positions).any():
        return TrackingReport(False, tuple(required_names), _("No person is visible."))
    visible = visible_mask(
        positions[list(required_index)],
        confidence[list(required_index)],
        min_confidence,
        width_px,
        height_px,
        margin_frac=0.02,
    )
    if bool(visible.all()):
        return TrackingReport(True)
    missing = tuple(n for n, v in zip(required_names, visible, strict=True) if not v)
    words = body_part_words(missing)
    return TrackingReport(
        False,
        missing,
        ngettext(
            "Can't see your {parts} clearly, so feedback is paused. "
            "Make sure it is in the picture and not hidden.",
            "Can't see your {parts} clearly, so feedback is paused. "
            "Make sure they are in the picture and not hidden.",
            len(words),
        ).format(parts=_join(words)),
    )


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return _("{first} and {last}").format(first=", ".join(words[:-1]), last=words[-1])


@dataclass
class TrackingMonitor:
    """Streaming tracking gate with hysteresis, emitting tracking and person-switch events.

    Tracking is declared lost after ``lost_after_s`` of frames that miss a required keypoint
    (or right away at a person switch) and restored after ``restore_after_s`` of good frames,
    so one bad frame does not toggle feedback. :attr:`ok` says whether to coach right now.

    Parameters
    ----------
    keypoint_names : tuple of str
        The keypoint set of the incoming frames.
    required : tuple of str
        Keypoints the exercise needs (see ``required_keypoints``); unknown names are ignored.
    """

    keypoint_names: Sequence[str]
    required: Sequence[str]
    min_confidence: float = 0.5
    lost_after_s: float = 0.3
    restore_after_s: float = 0.5
    width_px: int | None = None
    height_px: int | None = None
    switch_check: SwitchCheck | None = None
    ok: bool = field(default=False, init=False)
    last_report: TrackingReport = field(default=TrackingReport(False, (), "Starting."), init=False)
    n_frames: int = field(default=0, init=False)
    n_usable: int = field(default=0, init=False)
    n_detected: int = field(default=0, init=False)
    switch_times_s: list[float] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        names = list(self.keypoint_names)
        self._required_names = [n for n in self.required if n in names]
        self._required_index = [names.index(n) for n in self._required_names]
        self._switch = PersonSwitchDetector(names, self.switch_check, self.min_confidence)
        self._bad_since_s: float | None = None
        self._good_since_s: float | None = None
        self._started = False

    def update(
        self, t_s: float, positions: FloatArray, confidence: FloatArray
    ) -> list[MotionEvent]:
        """Feed one frame at ``t_s`` (s); return the events it causes (often none).

        After a ``person_switch`` event, callers should restart their analysis state: the
        keypoints now belong to someone else.
        """
        events: list[MotionEvent] = []
        self.n_frames += 1
        if np.isfinite(positions).any():
            self.n_detected += 1
        switch_reason = self._switch.update(t_s, positions, confidence)
        report = frame_tracking(
            positions,
            confidence,
            self._required_index,
            self._required_names,
            self.min_confidence,
            self.width_px,
            self.height_px,
        )
        self.last_report = report
        if switch_reason is not None:
            self.switch_times_s.append(t_s)
            events.append(
                MotionEvent(
                    t_s,
                    EventKind.PERSON_SWITCH,
                    detail=_(
                        "Tracking switched to another person ({reason}); "
                        "feedback paused. Make sure only you are in the picture."
                    ).format(reason=switch_reason),
                )
            )
            if self.ok or not self._started:
                events.append(
                    MotionEvent(t_s, EventKind.TRACKING_LOST, detail=_("Tracking switched person."))
                )
            self.ok = False
            self._started = True
            self._good_since_s = t_s
            self._bad_since_s = None
            return events
        if report.ok:
            self.n_usable += 1
            self._bad_since_s = None
            if self._good_since_s is None:
                self._good_since_s = t_s
            if not self.ok and t_s - self._good_since_s >= self.restore_after_s - 1e-9:
                self.ok = True
                self._started = True
                events.append(
                    MotionEvent(
                        t_s, EventKind.TRACKING_RESTORED, detail=_("Tracking is good again.")
                    )
                )
        else:
            self._good_since_s = None
            if self._bad_since_s is None:
                self._bad_since_s = t_s
            if self.ok and t_s - self._bad_since_s >= self.lost_after_s - 1e-9:
                self.ok = False
                events.append(MotionEvent(t_s, EventKind.TRACKING_LOST, detail=report.reason))
            elif not self._started:
                self._started = True
                events.append(MotionEvent(t_s, EventKind.TRACKING_LOST, detail=report.reason))
        return events


def assess_tracking(
    series: KeypointSeries,
    required: Sequence[str],
    min_confidence: float = 0.5,
    switch_check: SwitchCheck | None = None,
) -> dict[str, object]:
    """Summarise tracking over a whole series.

    Returns
    -------
    dict
        ``detection_rate`` (fraction of frames with a person), ``usable_rate`` (fraction with
        every required keypoint visible), ``required_keypoints``, ``person_switches`` (list of
        ``{"t_s", "frame", "reason"}``) and ``lost_intervals_s`` (``[start, end]`` lists of
        periods where feedback was paused).
    """
    monitor = TrackingMonitor(
        series.names,
        tuple(required),
        min_confidence=min_confidence,
        width_px=series.frame.width_px,
        height_px=series.frame.height_px,
        switch_check=switch_check,
    )
    switches: list[dict[str, object]] = []
    lost: list[list[float]] = []
    lost_start: float | None = None
    for i in range(series.n_frames):
        t_s = float(series.time_s[i])
        for event in monitor.update(t_s, series.positions[i], series.confidence[i]):
            if event.kind is EventKind.PERSON_SWITCH:
                switches.append({"t_s": t_s, "frame": i, "reason": event.detail})
            elif event.kind is EventKind.TRACKING_LOST and lost_start is None:
                lost_start = t_s
            elif event.kind is EventKind.TRACKING_RESTORED and lost_start is not None:
                lost.append([lost_start, t_s])
                lost_start = None
    if lost_start is not None and series.n_frames:
        lost.append([lost_start, float(series.time_s[-1])])
    n = max(series.n_frames, 1)
    return {
        "n_frames": series.n_frames,
        "detection_rate": monitor.n_detected / n,
        "usable_rate": monitor.n_usable / n,
        "required_keypoints": list(monitor._required_names),
        "person_switches": switches,
        "lost_intervals_s": lost,
    }
