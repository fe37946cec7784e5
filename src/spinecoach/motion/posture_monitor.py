"""The opt-in sitting-posture monitor: sitting time and slump against the person's own upright
baseline, with nudges after a set time. Pure state machine: samples in, state and nudges out.

A sample is one frame's features (about one a second):

* from a **front-facing webcam** (a laptop's): ``neck_ratio`` = height of the ears above the
  shoulders / shoulder width (it falls as the head drops forward or the back rounds) and
  ``shoulder_width`` (it grows as the person leans in towards the screen);
* from a **side view**: the neck and trunk inclinations (degrees from vertical);
* from a **back IMU** zeroed in upright sitting: the lumbar angle (or trunk inclination).

``None`` means no one is in view: the monitor pauses (the time counts as ``away``) and an
absence of at least ``away_break_s`` counts as a break from sitting. Only minutes per
category and the nudges given are kept — no frames, no keypoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.motion.body import HEAD, TRUNK_TOP, Body, dot
from spinecoach.motion.types import FloatArray, FrameKind

CATEGORIES = ("upright", "slumped", "away")


@dataclass(frozen=True)
class MonitorSettings:
    """Thresholds of the monitor (defaults in :class:`spinecoach.settings.Settings`).

    These are behaviour settings, not clinical norms: the slump thresholds compare the person
    with their own upright baseline; the nudge times follow the advice to change posture and
    take short breaks often [OSHAWS].
    """

    baseline_s: float = 10.0
    neck_drop_fraction: float = 0.15
    lean_in_fraction: float = 0.15
    slump_deg: float = 10.0
    sitting_nudge_min: float = 30.0
    posture_nudge_min: float = 5.0
    away_break_s: float = 120.0
    max_gap_s: float = 5.0


@dataclass(frozen=True)
class MonitorSample:
    """One frame's posture features; see the module docstring."""

    kind: str  # front | side | imu
    values: tuple[float, ...]


@dataclass(frozen=True)
class Nudge:
    """A nudge given: when (seconds since the start) and which."""

    t_s: float
    kind: str  # break | posture
    text: str


@dataclass
class MonitorState:
    """What the page shows: on/off is the page's; this is the monitor's view of the person."""

    category: str = "away"
    calibrated: bool = False
    sitting_run_s: float = 0.0
    slumped_run_s: float = 0.0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0.0))
    nudges: list[Nudge] = field(default_factory=list)

    def minutes(self) -> dict[str, float]:
        """Minutes per category, rounded to 0.1."""
        return {k: round(v / 60.0, 1) for k, v in self.seconds.items()}


class PostureMonitor:
    """Feed it samples about once a second with :meth:`push`."""

    def __init__(
        self, settings: MonitorSettings | None = None, baseline: MonitorSample | None = None
    ) -> None:
        self.settings = settings or MonitorSettings()
        self.state = MonitorState()
        self._baseline = baseline
        self._baseline_samples: list[MonitorSample] = []
        self._baseline_started: float | None = None
        self._last_t: float | None = None
        self._away_s = 0.0
        if baseline is not None:
            self.state.calibrated = True

    @property
    def baseline(self) -> MonitorSample | None:
        """The upright baseline (the median of the first ``baseline_s`` of samples)."""
        return self._baseline

    def push(self, t_s: float, sample: MonitorSample | None) -> list[Nudge]:
        """Account for the time since the last sample and classify this one.

        Returns
        -------
        list of Nudge
            Nudges due now (empty most of the time).
        """
        s = self.settings
        dt = 0.0 if self._last_t is None else min(max(t_s - self._last_t, 0.0), s.max_gap_s)
        self._last_t = t_s
        state = self.state
        state.seconds[state.category] += dt
        if state.category != "away":
            state.sitting_run_s += dt
            if state.category == "slumped":
                state.slumped_run_s += dt
        if sample is None:
            state.category = "away"
            self._away_s += dt
            state.slumped_run_s = 0.0
            if self._away_s >= s.away_break_s:
                state.sitting_run_s = 0.0
            return []
        self._away_s = 0.0
        if self._baseline is None:
            if self._baseline_started is None:
                self._baseline_started = t_s
            self._baseline_samples.append(sample)
            state.category = "upright"
            if t_s - self._baseline_started >= s.baseline_s:
                self._baseline = _median_sample(self._baseline_samples)
                state.calibrated = True
            return []
        state.category = "slumped" if self._slumped(sample) else "upright"
        if state.category != "slumped":
            state.slumped_run_s = 0.0
        nudges: list[Nudge] = []
        if state.sitting_run_s >= s.sitting_nudge_min * 60.0:
            nudges.append(
                Nudge(
                    t_s,
                    "break",
                    _("You have been sitting for {minutes} minutes: time for a desk break.").format(
                        minutes=f"{s.sitting_nudge_min:g}"
                    ),
                )
            )
            state.sitting_run_s = 0.0
        if state.slumped_run_s >= s.posture_nudge_min * 60.0:
            nudges.append(
                Nudge(
                    t_s,
                    "posture",
                    _("Slumped for {minutes} minutes: sit tall, or stand and move.").format(
                        minutes=f"{s.posture_nudge_min:g}"
                    ),
                )
            )
            state.slumped_run_s = 0.0
        state.nudges.extend(nudges)
        return nudges

    def _slumped(self, sample: MonitorSample) -> bool:
        base = self._baseline
        s = self.settings
        if base is None or base.kind != sample.kind:
            return False
        if sample.kind == "front":
            neck, width = sample.values
            base_neck, base_width = base.values
            return bool(
                neck < base_neck * (1.0 - s.neck_drop_fraction)
                or width > base_width * (1.0 + s.lean_in_fraction)
            )
        return any(v - b > s.slump_deg for v, b in zip(sample.values, base.values, strict=True))


def _median_sample(samples: Sequence[MonitorSample]) -> MonitorSample:
    kinds = [x.kind for x in samples]
    kind = max(set(kinds), key=kinds.count)
    values = np.median(np.array([x.values for x in samples if x.kind == kind]), axis=0)
    return MonitorSample(kind, tuple(float(v) for v in values))


#: Landmarks that must be visible for someone to count as "in view".
PRESENCE_POINTS = ("left_shoulder", "right_shoulder")


def frame_sample(
    positions: FloatArray,
    confidence: FloatArray,
    names: tuple[str, ...],
    min_confidence: float = 0.5,
) -> MonitorSample | None:
    """Features of one 2D pose (``positions`` shape ``(n_keypoints, 2 or 3)``, pixels).

    Returns None when no one is in view (shoulders or ears not visible).
    """
    body = Body(
        positions[None, :, :2],
        confidence[None, :],
        names,
        FrameKind.IMAGE,
        "x right, y down",
        min_confidence,
    )
    shoulders = body.point("right_shoulder") - body.point("left_shoulder")
    head = body.first_point(HEAD)
    top = body.first_point(TRUNK_TOP)
    if not (np.all(np.isfinite(shoulders)) and np.all(np.isfinite(head - top))):
        return None
    if bool(body.view_mask("front")[0]):
        width = float(np.hypot(*shoulders[0]))
        neck_ratio = float((top[0, 1] - head[0, 1]) / width)
        return MonitorSample("front", (neck_ratio, width))
    if bool(body.view_mask("side")[0]):
        forward, up = body.forward(), body.up()
        neck = head - top
        trunk = body.trunk()
        if not np.all(np.isfinite(trunk)) or not np.all(np.isfinite(forward)):
            return None
        neck_deg = float(np.degrees(np.arctan2(dot(neck, forward), dot(neck, up)))[0])
        trunk_deg = float(np.degrees(np.arctan2(dot(trunk, forward), dot(trunk, up)))[0])
        return MonitorSample("side", (neck_deg, trunk_deg))
    return None  # turned three-quarters: neither view's features are valid


def imu_sample(angle_deg: float) -> MonitorSample | None:
    """Feature of one IMU sample (lumbar angle or trunk inclination from upright sitting)."""
    if not np.isfinite(angle_deg):
        return None
    return MonitorSample("imu", (float(angle_deg),))
