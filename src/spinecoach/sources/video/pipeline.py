"""The per-frame camera pipeline shared by ``analyze VIDEO`` and ``live``.

frame -> pose -> tracking gate / person-switch -> streaming analysis -> cues -> overlay.

Everything held is bounded (the current frame, one second of keypoints for the set-up
check, the analyser's own state), except the optional :class:`KeypointSeriesBuilder`, which
keeps ~400 bytes per frame for the whole-recording analysis and export.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from spinecoach.domain.cues import Cue, CueKind, make_cue
from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import _
from spinecoach.motion.live_feed import ExerciseFeed
from spinecoach.motion.setup_check import SetupResult, check_setup
from spinecoach.motion.tracking_quality import TrackingMonitor
from spinecoach.motion.types import EventKind, FloatArray, FormFlag, MotionEvent
from spinecoach.sources.pose.base import KeypointSeriesBuilder, PoseBackend
from spinecoach.sources.video.brightness import check_brightness
from spinecoach.sources.video.decode import Frame, VideoInfo
from spinecoach.sources.video.overlay import OverlayState, draw_hud, draw_skeleton

logger = logging.getLogger(__name__)

CUE_SHOW_S = 3.0
SETUP_EVERY_S = 1.0


@dataclass
class FrameResult:
    """Everything the pipeline produced for one frame."""

    frame: Frame
    positions: FloatArray
    confidence: FloatArray
    events: list[MotionEvent]
    cues: list[Cue]
    tracking_ok: bool
    overlay: OverlayState
    setup: SetupResult | None = None


@dataclass
class PipelineConfig:
    """Options of :class:`CameraPipeline`.

    Attributes
    ----------
    min_confidence : float
        Landmark visibility below which a keypoint counts as missing.
    required_keypoints : tuple of str
        Keypoints the exercise needs (tracking gate); empty means the torso.
    setup_view : str
        ``side``, ``front`` or ``any`` (from the exercise's signature).
    draw : bool
        Draw the overlay on the frame (needed for ``--out-video`` and the live window).
    keep_keypoints : bool
        Keep every frame's keypoints for a whole-recording analysis / export.
    check_setup : bool
        Run the set-up check (about once per second).
    """

    min_confidence: float = 0.5
    required_keypoints: tuple[str, ...] = ()
    setup_view: str = "any"
    draw: bool = True
    keep_keypoints: bool = True
    check_setup: bool = True
    setup_required: tuple[str, ...] | None = None
    extra_lines: list[str] = field(default_factory=list)


class CameraPipeline:
    """Run pose estimation and streaming analysis on frames, one at a time.

    Parameters
    ----------
    backend : PoseBackend
    info : VideoInfo
        Size and rate of the incoming frames.
    exercise : Exercise or None
        The exercise being coached (for the overlay's zone and the cue texts).
    analyse : bool
        Analyse ``exercise`` (through the one live adapter,
        :class:`~spinecoach.motion.live_feed.ExerciseFeed`); False shows the skeleton and
        tracking only.
    config : PipelineConfig
    """

    def __init__(
        self,
        backend: PoseBackend,
        info: VideoInfo,
        exercise: Exercise | None = None,
        analyse: bool = False,
        config: PipelineConfig | None = None,
    ) -> None:
        self.backend = backend
        self.info = info
        self.exercise = exercise
        self.config = config or PipelineConfig()
        names = backend.keypoint_names
        self.feed = ExerciseFeed(
            exercise if analyse else None,
            min_confidence=self.config.min_confidence,
            required=self.config.required_keypoints or None,
            image_size_px=(info.width_px, info.height_px),
            sample_rate_hz=info.fps,
            keypoint_names=names,
        )
        self.builder = (
            KeypointSeriesBuilder(names, info.width_px, info.height_px, backend.name)
            if self.config.keep_keypoints
            else None
        )
        window = max(1, int(round(info.fps * SETUP_EVERY_S)))
        self._recent_positions: deque[FloatArray] = deque(maxlen=window)
        self._recent_confidence: deque[FloatArray] = deque(maxlen=window)
        self._next_setup_s = 0.0
        self.setup: SetupResult | None = None
        self._setup_text = ""
        self._brightness_text = ""
        self._last_cue: Cue | None = None
        self._cue_texts = {e.code: e.cue for e in exercise.common_errors} if exercise else {}
        self.switch_frames: list[int] = []
        self.n_repetitions = 0
        self.events: list[MotionEvent] = []
        self._tracking_text = ""

    @property
    def monitor(self) -> TrackingMonitor:
        """The tracking gate of the feed."""
        assert self.feed.monitor is not None  # built from the backend's names
        return self.feed.monitor

    @property
    def analyzer(self) -> object:
        """The feed's current analyser (a new one after every person switch)."""
        return self.feed.analyzer

    def process(self, frame: Frame) -> FrameResult:
        """Estimate, gate, analyse and (optionally) draw one frame."""
        positions, confidence = self.backend.estimate(frame.image_bgr)
        t_s = frame.t_s
        cues: list[Cue] = []
        all_events = self.feed.push_keypoints(
            t_s, positions, confidence, self.backend.keypoint_names
        )
        events = [e for e in all_events if e.kind in TRACKING_KINDS]
        analysis_events = [e for e in all_events if e.kind not in TRACKING_KINDS]
        for event in events:
            if event.kind is EventKind.PERSON_SWITCH:
                self.switch_frames.append(frame.index)
                cues.append(_cue(t_s, "tracking", event.detail))
                self._tracking_text = event.detail
            elif event.kind is EventKind.TRACKING_LOST:
                if any(e.kind is EventKind.PERSON_SWITCH for e in events):
                    continue
                self._tracking_text = event.detail
                cues.append(_cue(t_s, "tracking", event.detail))
            elif event.kind is EventKind.TRACKING_RESTORED:
                self._tracking_text = ""
                cues.append(_cue(t_s, "tracking", "Tracking is good again; feedback resumes."))
        tracking_ok = self.monitor.ok
        if (
            not tracking_ok
            and self.monitor.last_report.reason
            and not self._tracking_text.startswith("Tracking switched")
        ):
            self._tracking_text = self.monitor.last_report.reason
        if self.builder is not None:
            self.builder.append(t_s, positions, confidence)

        # While tracking is poor the feed's analyser saw a gap, so no angle, repetition or
        # hold came from unreliable keypoints.
        for event in analysis_events:
            cue = self._cue_for(event)
            if cue is not None and tracking_ok:
                cues.append(cue)
        events = events + analysis_events
        self.events.extend(events)

        if self.config.check_setup:
            self._update_setup(frame, positions, confidence, cues)

        for cue in cues:
            if cue.topic in ("form", "count", "hold"):
                self._last_cue = cue
        state = self._overlay_state(t_s, tracking_ok)
        if self.config.draw:
            draw_skeleton(
                frame.image_bgr,
                positions,
                confidence,
                self.backend.keypoint_names,
                self.config.min_confidence,
            )
            draw_hud(frame.image_bgr, state)
        return FrameResult(
            frame, positions, confidence, events, cues, tracking_ok, state, self.setup
        )

    def _cue_for(self, event: MotionEvent) -> Cue | None:
        if event.kind is EventKind.FORM and isinstance(event.payload, FormFlag):
            text = self._cue_texts.get(event.payload.code) or event.payload.message
            return _cue(event.t_s, "form", text)
        if event.kind is EventKind.REPETITION:
            self.n_repetitions += 1
            return _cue(event.t_s, "count", _("Repetition {n}.").format(n=self.n_repetitions))
        if event.kind is EventKind.HOLD_ENDED and event.payload is not None:
            seconds = f"{event.payload.duration_s:.0f}"  # type: ignore[union-attr]
            return _cue(event.t_s, "hold", _("Hold done: {seconds} s.").format(seconds=seconds))
        return None

    def _update_setup(
        self, frame: Frame, positions: FloatArray, confidence: FloatArray, cues: list[Cue]
    ) -> None:
        self._recent_positions.append(positions)
        self._recent_confidence.append(confidence)
        if frame.t_s + 1e-9 < self._next_setup_s:
            return
        self._next_setup_s = frame.t_s + SETUP_EVERY_S
        kwargs = {}
        if self.config.setup_required is not None:
            kwargs["required"] = self.config.setup_required
        result = check_setup(
            np.stack(self._recent_positions),
            np.stack(self._recent_confidence),
            self.backend.keypoint_names,
            self.info.width_px,
            self.info.height_px,
            view=self.config.setup_view,
            **kwargs,  # type: ignore[arg-type]
        )
        brightness = check_brightness(frame.image_bgr)
        issues = list(result.issues)
        if brightness.code is not None:
            from spinecoach.motion.setup_check import SetupIssue

            issues.append(SetupIssue(brightness.code, brightness.instruction))
        self.setup = SetupResult(tuple(issues), result.shoulder_ratio, result.body_height_frac)
        text = issues[0].instruction if issues else ""
        if text and text != self._setup_text:
            cues.append(_cue(frame.t_s, "setup", text))
        self._setup_text = text

    def _overlay_state(self, t_s: float, tracking_ok: bool) -> OverlayState:
        readout = self.feed.readout()
        signature = self.exercise.signature if self.exercise is not None else None
        alert = ""
        if not tracking_ok:
            alert = self._tracking_text or "Feedback paused: tracking is poor."
        elif self._setup_text:
            alert = self._setup_text
        cue = ""
        if self._last_cue is not None and t_s - self._last_cue.t_s <= CUE_SHOW_S:
            cue = self._last_cue.text
        zone = None
        gauge = (-10.0, 90.0)
        if signature is not None:
            low, high = signature.target_range_deg
            zone = (low, high)
            gauge = (min(-10.0, -high * 0.25), max(high * 1.4, low + 20.0))
            if signature.direction.value == "both":
                gauge = (-max(high * 1.3, 20.0), max(high * 1.3, 20.0))
        return OverlayState(
            exercise=self.exercise.name if self.exercise is not None else "",
            angle_label=signature.primary_angle if signature is not None else "",
            angle_deg=readout.angle_deg if tracking_ok else None,
            zone_deg=zone,
            gauge_range_deg=gauge,
            reps=readout.reps,
            hold_s=readout.hold_s,
            hold_target_s=self.exercise.dose.hold_s if self.exercise is not None else None,
            cue=cue,
            alert=alert,
            t_s=t_s,
            extra_lines=list(self.config.extra_lines),
        )


def required_view(exercise: Exercise | None) -> str:
    """The camera view an exercise needs (``side``, ``front`` or ``any``)."""
    return exercise.signature.view.value if exercise is not None else "any"


#: Events of the tracking gate (the rest come from the analysis).
TRACKING_KINDS = frozenset(
    {EventKind.PERSON_SWITCH, EventKind.TRACKING_LOST, EventKind.TRACKING_RESTORED}
)
#: The pipeline's cue topics and the coach's kind each is given as.
_TOPIC_KINDS = {
    "form": CueKind.FORM,
    "tracking": CueKind.INSTRUCTION,
    "setup": CueKind.INSTRUCTION,
    "count": CueKind.COUNT,
    "hold": CueKind.COUNT,
}


def _cue(t_s: float, topic: str, text: str) -> Cue:
    """A cue of the camera pipeline (``topic``: form, tracking, setup, count or hold)."""
    kind = _TOPIC_KINDS[topic]
    return make_cue(t_s, kind, text, topic=topic)
