"""Draw the coaching overlay on a frame: skeleton, primary angle vs target zone, reps, hold, cues.

Legend (also in docs/camera.md):

* skeleton: subject's **left** side orange, **right** side blue, midline white; joints below
  the confidence threshold are drawn as small grey rings;
* top-left panel: exercise, primary angle (large number) and a gauge whose green band is the
  target zone; the marker is green inside the zone, amber outside;
* ``REPS n`` and ``HOLD s`` (green while the hold runs);
* bottom banner: the latest form cue (amber) for a few seconds after it fires;
* red banner: feedback paused (tracking lost, person switch) or a set-up instruction, with why.

Drawing is in place on the BGR frame; the state to draw comes in an :class:`OverlayState`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from spinecoach.motion.types import FloatArray
from spinecoach.sources.pose.landmarks import SKELETON_EDGES

LEFT_BGR = (0, 140, 255)  # orange
RIGHT_BGR = (255, 160, 40)  # blue
MID_BGR = (240, 240, 240)
LOW_CONF_BGR = (150, 150, 150)
ZONE_BGR = (80, 200, 80)
OUT_BGR = (0, 190, 255)
PANEL_BGR = (30, 30, 30)
CUE_BGR = (0, 215, 255)
ALERT_BGR = (40, 40, 220)
FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass
class OverlayState:
    """What the overlay shows for one frame (all optional).

    Attributes
    ----------
    exercise : str
        Exercise name for the panel title.
    angle_label : str
        Primary measure name, e.g. ``trunk_lateral_flexion_deg``.
    angle_deg : float or None
        Current primary-angle value to show (degrees), NaN/None when not measurable.
    zone_deg : (float, float) or None
        Target zone on the same scale as ``angle_deg``.
    gauge_range_deg : (float, float)
        Range of the gauge.
    reps : int or None
        Repetitions counted so far.
    hold_s : float or None
        Seconds of the current hold (None when not holding).
    hold_target_s : float or None
        Prescribed hold, for the timer's "/ 30 s".
    cue : str
        Form cue to show (empty for none).
    alert : str
        Feedback-paused or set-up message (empty for none).
    t_s : float
        Stream time.
    """

    exercise: str = ""
    angle_label: str = ""
    angle_deg: float | None = None
    zone_deg: tuple[float, float] | None = None
    gauge_range_deg: tuple[float, float] = (-10.0, 90.0)
    reps: int | None = None
    hold_s: float | None = None
    hold_target_s: float | None = None
    cue: str = ""
    alert: str = ""
    t_s: float = 0.0
    extra_lines: list[str] = field(default_factory=list)


def _scale(frame: NDArray[Any]) -> float:
    return max(0.5, min(frame.shape[0], frame.shape[1]) / 720.0)


def _side_colour(name: str) -> tuple[int, int, int]:
    if name.startswith("left"):
        return LEFT_BGR
    if name.startswith("right"):
        return RIGHT_BGR
    return MID_BGR


def draw_skeleton(
    frame: NDArray[Any],
    positions: FloatArray,
    confidence: FloatArray,
    names: Sequence[str],
    min_confidence: float = 0.5,
    edges: Sequence[tuple[str, str]] = SKELETON_EDGES,
) -> None:
    """Draw bones and joints of one frame's keypoints ``(n_keypoints, >=2)`` in pixels."""
    s = _scale(frame)
    index = {n: i for i, n in enumerate(names)}
    thick = max(2, round(3 * s))
    for a, b in edges:
        if a not in index or b not in index:
            continue
        ia, ib = index[a], index[b]
        pa, pb = positions[ia, :2], positions[ib, :2]
        if not (np.all(np.isfinite(pa)) and np.all(np.isfinite(pb))):
            continue
        good = confidence[ia] >= min_confidence and confidence[ib] >= min_confidence
        colour = _side_colour(a) if a.split("_")[0] == b.split("_")[0] else MID_BGR
        pt_a = (int(round(pa[0])), int(round(pa[1])))
        pt_b = (int(round(pb[0])), int(round(pb[1])))
        if good:
            cv2.line(frame, pt_a, pt_b, (0, 0, 0), thick + 2, cv2.LINE_AA)
            cv2.line(frame, pt_a, pt_b, colour, thick, cv2.LINE_AA)
        else:
            cv2.line(frame, pt_a, pt_b, LOW_CONF_BGR, 1, cv2.LINE_AA)
    radius = max(3, round(4 * s))
    for i, name in enumerate(names):
        p = positions[i, :2]
        if not np.all(np.isfinite(p)):
            continue
        centre = (int(round(p[0])), int(round(p[1])))
        if confidence[i] >= min_confidence:
            cv2.circle(frame, centre, radius + 1, (0, 0, 0), -1, cv2.LINE_AA)
            cv2.circle(frame, centre, radius, _side_colour(name), -1, cv2.LINE_AA)
        else:
            cv2.circle(frame, centre, radius, LOW_CONF_BGR, 1, cv2.LINE_AA)


def _panel(frame: NDArray[Any], x0: int, y0: int, x1: int, y1: int, alpha: float = 0.7) -> None:
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = frame[y0:y1, x0:x1]
    # Blend toward the panel grey in place: roi * (1 - alpha) + grey * alpha.
    cv2.convertScaleAbs(roi, dst=roi, alpha=1.0 - alpha, beta=PANEL_BGR[0] * alpha)


def _text(
    frame: NDArray[Any],
    text: str,
    org: tuple[int, int],
    scale: float,
    colour: tuple[int, int, int] = (255, 255, 255),
    thickness: int = 1,
    outline: bool = False,
) -> None:
    """Anti-aliased text; ``outline`` adds a black rim for text drawn over the video."""
    if outline:
        cv2.putText(frame, text, org, FONT, scale, (0, 0, 0), thickness + 2, cv2.LINE_AA)
    cv2.putText(frame, text, org, FONT, scale, colour, thickness, cv2.LINE_AA)


def _wrap(text: str, max_chars: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > max_chars:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines


def pretty_measure(name: str) -> str:
    """Human label for a measure name: ``trunk_flexion_deg`` -> ``Trunk flexion``."""
    base = name[:-4] if name.endswith("_deg") else name
    return base.replace("_", " ").capitalize()


def draw_hud(frame: NDArray[Any], state: OverlayState) -> None:
    """Draw the panel, gauge, counters, cue and alert banners of ``state`` on ``frame``."""
    h, w = frame.shape[:2]
    s = _scale(frame)
    pad = round(12 * s)
    panel_w = round(420 * s)
    line = round(34 * s)
    y = pad
    n_lines = 4 + len(state.extra_lines)
    _panel(frame, pad, pad, pad + panel_w, pad + n_lines * line + round(64 * s))
    x = pad * 2
    y += line
    if state.exercise:
        _text(frame, state.exercise[:34], (x, y), 0.7 * s, (255, 255, 255), max(1, round(2 * s)))
    y += line
    label = pretty_measure(state.angle_label) if state.angle_label else "angle"
    value = state.angle_deg
    in_zone = (
        value is not None
        and np.isfinite(value)
        and state.zone_deg is not None
        and state.zone_deg[0] <= value <= state.zone_deg[1]
    )
    value_text = f"{value:5.1f} deg" if value is not None and np.isfinite(value) else "  --"
    _text(frame, label, (x, y), 0.6 * s, (220, 220, 220), max(1, round(s)))
    _text(
        frame,
        value_text,
        (x + round(250 * s), y),
        0.8 * s,
        ZONE_BGR if in_zone else (255, 255, 255),
        max(1, round(2 * s)),
    )
    y += round(18 * s)
    _draw_gauge(frame, state, x, y, panel_w - 2 * pad, round(18 * s), in_zone)
    if state.zone_deg is not None:
        _text(
            frame,
            f"target {state.zone_deg[0]:.0f}-{state.zone_deg[1]:.0f} deg",
            (x, y + round(42 * s)),
            0.5 * s,
            ZONE_BGR,
            max(1, round(s)),
        )
    y += round(24 * s) + line + round(14 * s)
    reps = "--" if state.reps is None else str(state.reps)
    _text(frame, f"REPS {reps}", (x, y), 0.9 * s, (255, 255, 255), max(2, round(2 * s)))
    if state.hold_s is not None:
        target = f" / {state.hold_target_s:.0f}" if state.hold_target_s else ""
        _text(
            frame,
            f"HOLD {state.hold_s:4.1f}{target} s",
            (x + round(170 * s), y),
            0.9 * s,
            ZONE_BGR,
            max(2, round(2 * s)),
        )
    for extra in state.extra_lines:
        y += line
        _text(frame, extra, (x, y), 0.55 * s, (220, 220, 220), max(1, round(s)))
    _text(
        frame,
        f"{state.t_s:6.1f} s",
        (w - round(150 * s), pad + line),
        0.6 * s,
        (230, 230, 230),
        max(1, round(s)),
        outline=True,
    )
    if state.cue:
        _banner(frame, state.cue, CUE_BGR, bottom=True)
    if state.alert:
        _banner(frame, state.alert, ALERT_BGR, bottom=False)


def _draw_gauge(
    frame: NDArray[Any],
    state: OverlayState,
    x: int,
    y: int,
    width: int,
    height: int,
    in_zone: bool,
) -> None:
    lo, hi = state.gauge_range_deg
    span = max(hi - lo, 1e-6)

    def to_x(v: float) -> int:
        return x + int(round((min(max(v, lo), hi) - lo) / span * width))

    cv2.rectangle(frame, (x, y), (x + width, y + height), (90, 90, 90), -1)
    if state.zone_deg is not None:
        cv2.rectangle(
            frame, (to_x(state.zone_deg[0]), y), (to_x(state.zone_deg[1]), y + height), ZONE_BGR, -1
        )
    if lo < 0 < hi:
        cv2.line(frame, (to_x(0.0), y), (to_x(0.0), y + height), (255, 255, 255), 1)
    value = state.angle_deg
    if value is not None and np.isfinite(value):
        xv = to_x(value)
        colour = ZONE_BGR if in_zone else OUT_BGR
        cv2.rectangle(frame, (xv - 4, y - 4), (xv + 4, y + height + 4), (0, 0, 0), -1)
        cv2.rectangle(frame, (xv - 3, y - 3), (xv + 3, y + height + 3), colour, -1)


def _banner(frame: NDArray[Any], text: str, colour: tuple[int, int, int], bottom: bool) -> None:
    h, w = frame.shape[:2]
    s = _scale(frame)
    scale = 0.8 * s
    thickness = max(2, round(2 * s))
    (char_w, char_h), _ = cv2.getTextSize("M", FONT, scale, thickness)
    max_chars = max(10, int((w - 40 * s) / (char_w * 0.85)))
    lines = _wrap(text, max_chars)[:3]
    line_h = int(char_h * 1.9)
    box_h = line_h * len(lines) + round(16 * s)
    y0 = h - box_h - round(12 * s) if bottom else round(12 * s) + round(215 * s)
    y0 = max(0, min(y0, h - box_h))
    _panel(frame, 0, y0, w, y0 + box_h, alpha=0.7)
    cv2.rectangle(frame, (0, y0), (round(10 * s), y0 + box_h), colour, -1)
    for k, text_line in enumerate(lines):
        _text(
            frame,
            text_line,
            (round(24 * s), y0 + round(8 * s) + line_h * (k + 1) - line_h // 4),
            scale,
            colour if bottom else (255, 255, 255),
            thickness,
        )
