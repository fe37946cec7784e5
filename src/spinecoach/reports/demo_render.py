"""Render an exercise's demonstration to images, a GIF or an MP4 (Pillow; OpenCV for MP4).

The figure is drawn from the side (x forward to the right, z up) or the front (the subject's
left on the image's right), with the floor, the step's cue, the breath (a circle that grows
while breathing in and shrinks while breathing out) and a countdown during holds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.motion.demonstration import DemoFrames, demonstration_series
from spinecoach.motion.pose_builder import BONES

FIGURE = (37, 99, 235)
FAR = (147, 180, 245)
SPINE = (220, 38, 38)
TEXT = (17, 24, 39)
MUTED = (100, 116, 139)
FLOOR = (203, 213, 225)
BACKGROUND = (255, 255, 255)
BREATH = {
    "inhale": "Breathe in",
    "exhale": "Breathe out",
    "hold": "Hold the breath",
    "natural": "Breathe normally",
}


def project(points: np.ndarray, view: str) -> np.ndarray:
    """(..., 3) world points -> (..., 2) drawing coordinates (right, up) for ``view``."""
    if view == "front":
        return np.stack([points[..., 1], points[..., 2]], axis=-1)
    return np.stack([points[..., 0], points[..., 2]], axis=-1)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def render_frames(
    frames: DemoFrames, view: str = "side", size: tuple[int, int] = (480, 360), step: int = 1
) -> list[Image.Image]:
    """Draw every ``step``-th frame of a sampled demonstration as RGB images."""
    series = frames.series
    names = series.names
    flat = project(series.positions, view)
    width, height = size
    text_h = 58
    head = np.array([0.14, 0.14])  # room for the head circle around the keypoints
    lo = np.nanmin(flat.reshape(-1, 2), axis=0) - head * np.array([1.0, 0.0])
    hi = np.nanmax(flat.reshape(-1, 2), axis=0) + head
    span = np.maximum(hi - lo, 0.5)
    scale = float(min((width - 40) / span[0], (height - text_h - 40) / span[1]))
    centre_x = (lo[0] + hi[0]) / 2

    def xy(p: np.ndarray) -> tuple[float, float]:
        return (width / 2 + (p[0] - centre_x) * scale, height - 20 - (p[1] - 0.0) * scale)

    far_side = "left"  # seen from the subject's right side (x to the right, z up)
    big, small = _font(18), _font(14)
    index = {n: i for i, n in enumerate(names)}
    images = []
    for k in range(0, series.n_frames, step):
        image = Image.new("RGB", size, BACKGROUND)
        draw = ImageDraw.Draw(image)
        draw.line([(10, height - 20), (width - 10, height - 20)], fill=FLOOR, width=3)
        pts = flat[k]
        bones = sorted(BONES, key=lambda b: 0 if b[0].startswith(far_side) else 1)
        for a, b in bones:
            colour = FAR if view == "side" and a.startswith(far_side) else FIGURE
            draw.line([xy(pts[index[a]]), xy(pts[index[b]])], fill=colour, width=7)
        hips = (pts[index["left_hip"]] + pts[index["right_hip"]]) / 2
        neck = (pts[index["left_shoulder"]] + pts[index["right_shoulder"]]) / 2
        spine = [xy(hips), xy(pts[index["spine_mid"]]), xy(neck)]
        draw.line(spine, fill=SPINE, width=9, joint="curve")
        ears = (pts[index["left_ear"]] + pts[index["right_ear"]]) / 2
        cx, cy = xy(ears)
        r = 0.085 * scale
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=FIGURE, width=5, fill=BACKGROUND)
        nx, ny = xy(pts[index["nose"]])
        draw.ellipse([nx - 3, ny - 3, nx + 3, ny + 3], fill=FIGURE)
        demo_step = frames.steps[frames.step_index[k]]
        t = float(series.time_s[k])
        draw.text((12, 8), demo_step.cue or demo_step.name.replace("_", " "), fill=TEXT, font=big)
        breath = BREATH.get(str(demo_step.breath), "")
        fraction = (t - demo_step.start_s) / demo_step.duration_s if demo_step.duration_s else 1
        radius = 6 + 8 * (
            fraction
            if demo_step.breath == "inhale"
            else 1 - fraction
            if demo_step.breath == "exhale"
            else 0.5
        )
        draw.ellipse([12, 36, 12 + 2 * radius, 36 + 2 * radius], outline=SPINE, width=2)
        label = breath
        if demo_step.name == "hold":
            label += f" · hold {max(demo_step.end_s - t, 0):.0f} s"
        draw.text((44, 38), label, fill=MUTED, font=small)
        images.append(image)
    return images


def write_demonstration(
    exercise: Exercise, out: Path, view: str | None = None, fps: float = 10.0
) -> int:
    """Write the demonstration of ``exercise`` to ``out`` (``.gif``, ``.mp4`` or ``.png``).

    A ``.png`` is one still of the position the exercise moves to. Returns the number of
    frames written.

    Raises
    ------
    InvalidInput
        For another suffix, or an exercise without a demonstration.
    """
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".mp4", ".png"):
        raise InvalidInput(
            _("{out}: expected a .gif, .mp4 or .png file name, got '{suffix}'").format(
                out=out, suffix=out.suffix
            )
        )
    if exercise.demonstration is None:
        raise InvalidInput(_("exercise '{id}' has no demonstration yet").format(id=exercise.id))
    if not out.parent.is_dir():
        raise InvalidInput(
            _("{out}: folder '{parent}' does not exist").format(out=out, parent=out.parent)
        )
    try:
        return _write(exercise, out, suffix, view or exercise.demonstration.view, fps)
    except OSError as exc:
        raise InvalidInput(
            _("{out}: cannot write: {value}").format(out=out, value=exc.strerror or exc)
        ) from None


def _write(exercise: Exercise, out: Path, suffix: str, view: str, fps: float) -> int:
    frames = demonstration_series(exercise, fps=fps)
    if suffix == ".png":  # the position the exercise moves to: the end of its first move
        moved = next((s for s in frames.steps if s.name != "start"), frames.steps[0])
        k = int(np.searchsorted(frames.series.time_s, moved.end_s - 1e-6))
        k = min(k, frames.series.n_frames - 1)
        render_frames(frames, view, step=1)[k].save(out)
        return 1
    images = render_frames(frames, view)
    if suffix == ".gif":
        images[0].save(
            out, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0
        )
        return len(images)
    import cv2

    width, height = images[0].size
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise InvalidInput(_("{out}: cannot open an MP4 writer here").format(out=out))
    for image in images:
        writer.write(cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR))
    writer.release()
    return len(images)
