"""``spinecoach live``: coach from a webcam (or a replayed video) in an annotated window."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from spinecoach.cli._common import console, get_settings
from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidInput

logger = logging.getLogger(__name__)

WINDOW = "spinecoach live (q to quit)"
_CUE_STYLE = {
    "form": "yellow",
    "tracking": "red",
    "setup": "magenta",
    "count": "green",
    "hold": "green",
}


def _load_exercise(exercise_id: str | None) -> Exercise | None:
    if exercise_id is None:
        return None
    from spinecoach.content import load_library

    return load_library(get_settings().content_dir).get(exercise_id)


def live(
    camera: int | None = typer.Option(
        None, "--camera", help=N_("Camera number (0 = first webcam).")
    ),
    video: Path | None = typer.Option(
        None, "--video", help=N_("Replay this video at real-time pace as a stand-in camera.")
    ),
    exercise: str | None = typer.Option(None, "--exercise", help=N_("Exercise id to coach.")),
    headless: bool = typer.Option(False, "--headless", help=N_("No window: print cues only.")),
    speed: float = typer.Option(
        1.0, "--speed", help=N_("Replay speed for --video (2 = twice as fast).")
    ),
    speak: bool = typer.Option(
        True, "--speak/--no-speak", help=N_("Speak cues with espeak-ng if installed.")
    ),
    max_seconds: float | None = typer.Option(
        None, "--max-seconds", help=N_("Stop after this many seconds of stream time.")
    ),
) -> None:
    """Coach live from a camera: skeleton, angle vs target zone, reps, holds and cues."""
    import cv2

    from spinecoach.sources.video.session import Speaker, build_pipeline, has_display, open_source

    if speed <= 0:
        raise InvalidInput(
            _("Invalid value for '--speed': {value} (must be > 0).").format(value=speed)
        )
    if not headless and not has_display():
        raise InvalidInput(
            _(
                "No display to show the live window ($DISPLAY/$WAYLAND_DISPLAY not set). "
                "Run with --headless to print cues only."
            )
        )
    chosen = _load_exercise(exercise)
    stream, frames = open_source(camera, video, speed)
    settings = get_settings()
    speaker = Speaker(enabled=speak)
    console.print(
        _("{live} from {source} ({size} @ {fps} fps)").format(
            live="[bold]spinecoach live[/]",
            source=stream.info.source,
            size=f"{stream.info.width_px}x{stream.info.height_px}",
            fps=f"{stream.info.fps:.0f}",
        )
        + (
            ", "
            + _("exercise: {name} (camera view: {view})").format(
                name=_(chosen.name), view=_(chosen.signature.view.value)
            )
            if chosen
            else ""
        )
        + (
            ""
            if speaker.available or not speak
            else " - " + _("espeak-ng not found, cues are printed only")
        ),  # fmt: skip
        soft_wrap=True,
    )
    n_frames = 0
    n_reps = 0
    try:
        pipeline = build_pipeline(
            stream.info,
            chosen,
            draw=not headless,
            keep_keypoints=False,
            min_confidence=settings.min_keypoint_confidence,
        )
        for frame in frames:
            if max_seconds is not None and frame.t_s > max_seconds:
                break
            result = pipeline.process(frame)
            n_frames += 1
            for cue in result.cues:
                style = _CUE_STYLE.get(cue.topic, "white")
                console.print(
                    f"[dim]{cue.t_s:7.1f} s[/] [{style}]{cue.topic:>8}[/] {cue.text}",
                    soft_wrap=True,
                )
                speaker.say(cue)
            n_reps = result.overlay.reps or n_reps
            if not headless:
                try:
                    cv2.imshow(WINDOW, frame.image_bgr)
                    key = cv2.waitKey(1) & 0xFF
                except cv2.error as exc:
                    raise InvalidInput(
                        _("Cannot open the live window ({why}); run with --headless.").format(
                            why=exc.msg.strip()
                        )
                    ) from None
                if key in (ord("q"), 27):
                    break
    except KeyboardInterrupt:
        console.print(_("Stopped."))
    finally:
        stream.close()
        speaker.close()
        if not headless:
            cv2.destroyAllWindows()
    monitor = pipeline.monitor if n_frames else None
    detected = monitor.n_detected / max(n_frames, 1) if monitor else 0.0
    console.print(
        _(
            "{frames} frames, person detected in {detected}, repetitions {reps}, "
            "person switches {switches}."
        ).format(
            frames=n_frames,
            detected=f"{detected:.0%}",
            reps=n_reps,
            switches=len(pipeline.switch_frames) if n_frames else 0,
        ),  # fmt: skip
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``live`` command."""
    app.command("live")(live)
