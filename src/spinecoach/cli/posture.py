"""``spinecoach posture ...``: the posture check, the desk questionnaire, desk breaks and the
opt-in sitting monitor (docs/posture.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from spinecoach.cli._common import AppContext, DataDir, console, print_json, read_json_file
from spinecoach.content.locale_format import format_number
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.wording import exercise_name
from spinecoach.errors import InvalidInput

_W_POSTURE_CHECK = N_("Posture check")
_W_FINDING = N_("Finding")
_W_YOUR_PLAN_IS_PAUSED_PLEASE_SEE_A_CLINICI = N_("Your plan is paused: please see a clinician.")
_W_ON = N_("ON")
_W_OFF = N_("OFF")

posture_app = typer.Typer(
    help=N_("Posture check, desk questionnaire, desk breaks and the sitting monitor."),
    no_args_is_help=True,
)

AsJson = Annotated[bool, typer.Option("--json", help=N_("Print JSON."))]
#: Plan-change actions as the desk-break summary shows them (the ids in English).
_SHOWN_ACTIONS = (N_("progress"), N_("hold"), N_("regress"), N_("stop"), N_("add"),
                  N_("remove"), N_("dose"), N_("pause"))  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


def comparison_json(comparison: Any) -> dict[str, Any]:
    """One figure beside its norm, as JSON."""
    from spinecoach.store.posture import figure_to_dict

    norm = comparison.norm
    return {
        **figure_to_dict(comparison.figure),
        "status": comparison.status.value,
        "comparison": comparison.text,
        "normal_range": None
        if norm is None or not norm.has_range
        else {"low": norm.low, "high": norm.high, "mean": norm.mean, "sd": norm.sd},
        "norm_sources": [] if norm is None else list(norm.sources),
        "norm_note": "" if norm is None else norm.note,
    }


@posture_app.command("assess")
def assess(
    video: Annotated[
        Path | None,
        typer.Option("--video", help=N_("Video or keypoint file of the still posture.")),
    ] = None,
    view: Annotated[str, typer.Option("--view", help=N_("side | front"))] = "side",
    position: Annotated[str, typer.Option("--position", help=N_("standing | seated"))] = "standing",
    imu: Annotated[
        Path | None,
        typer.Option(
            "--imu", help=N_("Back IMU recording: 3 s upright standing, then the posture.")
        ),
    ] = None,
    pelvic_tilt_deg: Annotated[
        float | None,
        typer.Option("--pelvic-tilt-deg", help=N_("A clinician's ASIS-PSIS inclinometer reading.")),
    ] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """Measure your posture from a recording, compare it with cited norms and store it."""
    from spinecoach.domain.posture import compare_all, findings
    from spinecoach.sources.posture import assess_recording

    with AppContext(data_dir) as ctx:
        check = assess_recording(
            view=view,
            position=position,
            now=_now(),
            video=video,
            imu=imu,
            pelvic_tilt_deg=pelvic_tilt_deg,
            min_confidence=ctx.settings.min_keypoint_confidence,
        )
        service = ctx.service.posture
        person = ctx.person_id
        assessment_id = service.record_assessment(person, check.assessment, check.notes)
        comparisons = compare_all(check.assessment, service.norms)
        found = findings(service.assessments(person), service.norms)
        payload = {
            "id": assessment_id,
            "taken_at": check.assessment.taken_at.isoformat(),
            "position": check.assessment.position,
            "view": check.assessment.view,
            "input": check.assessment.input_name,
            "figures": [comparison_json(c) for c in comparisons],
            "unmeasurable": dict(check.assessment.unmeasurable),
            "notes": list(check.notes),
            "findings": [
                {"code": f.code, "reason": f.reason, "sources": list(f.sources)} for f in found
            ],  # fmt: skip
        }
        if as_json:
            print_json(payload)
            return
        where = _("{position}, {view} view").format(
            position=_(position.replace("_", " ")), view=_(check.assessment.view)
        )
        console.print(f"[bold]{_(_W_POSTURE_CHECK)}[/] ({where})")
        for c in comparisons:
            f = c.figure
            confidence = _("confidence {value} ({label}, {source})").format(
                value=format_number(f.confidence, 2), label=_(f.confidence_label),
                source=_(f.source),
            )  # fmt: skip
            console.print(
                f"  {f.measure:<32} {format_number(f.value_deg):>6}°  {confidence}  {_(c.text)}"
            )
        for name, reason in check.assessment.unmeasurable.items():
            console.print(f"  [dim]{name}: {_(reason)}[/]")
        for note in check.notes:
            console.print("  " + _("note: {note}").format(note=_(note)))
        for finding in found:
            console.print(
                _("{finding}: {reason}; your next plan adapts to it.").format(
                    finding=f"[bold]{_(_W_FINDING)}[/]", reason=_(finding.reason)
                )
            )
        console.print(_("Repeat the check weekly; `spinecoach plan` uses the latest figures."))


@posture_app.command("desk")
def desk(
    answers: Annotated[Path, typer.Option("--answers", help=N_("JSON file of desk answers."))],
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """Answer the desk questionnaire from a file; get cited ergonomic advice."""
    from spinecoach.content.posture import load_desk_guide

    raw = read_json_file(answers)
    with AppContext(data_dir) as ctx:
        guide = load_desk_guide(ctx.settings.content_dir)
        stored, advice = ctx.service.posture.record_desk(
            ctx.person_id, raw, guide, _now(), name=str(answers)
        )
        if as_json:
            print_json(
                {
                    "answers": stored,
                    "advice": [
                        {
                            "id": a.id,
                            "text": a.text,
                            "sources": list(a.sources),
                            "derived": a.derived,
                        }
                        for a in advice
                    ],  # fmt: skip
                }
            )
            return
        if not advice:
            console.print(_("Your desk set-up matches the guidance we cite; keep taking breaks."))
        for a in advice:
            tags = "".join(f"[{t}]" for t in a.sources)
            console.print(
                f"- {_(a.text)} {tags}" + (" " + _("(derived)") if a.derived else ""),
                highlight=False,
            )


@posture_app.command("history")
def history(as_json: AsJson = False, data_dir: DataDir = None) -> None:
    """Your posture checks and the working-day summary by week."""
    with AppContext(data_dir) as ctx:
        service = ctx.service.posture
        person = ctx.person_id
        weeks = service.weekly(person)
        payload = [
            {
                "week": w.week,
                "sitting_min": round(w.sitting_min, 1),
                "slumped_min": round(w.slumped_min, 1),
                "nudges": w.nudges,
                "breaks_done": w.breaks_done,
                "sessions_done": w.sessions_done,
                "figures": w.figures,
            }
            for w in weeks
        ]
        if as_json:
            print_json(payload)
            return
        if not payload:
            console.print(_("Nothing yet: run `spinecoach posture assess`."))
        for w in payload:
            console.print(
                _(
                    "{week}: sitting {sitting} min (slumped {slumped}), {breaks} desk break(s), "
                    "{sessions} session(s), {nudges} nudge(s); figures {figures}"
                ).format(
                    week=w["week"],
                    sitting=format_number(w["sitting_min"]),
                    slumped=format_number(w["slumped_min"]),
                    breaks=w["breaks_done"],
                    sessions=w["sessions_done"],
                    nudges=w["nudges"],
                    figures=w["figures"],
                )  # fmt: skip
            )


@posture_app.command("breaks")
def breaks(
    times: Annotated[
        str | None, typer.Option("--times", help=N_("2-4 times, e.g. 10:30,12:30,15:00."))
    ] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """Set (with --times) or show your desk breaks: 1-3 minute routines at set times."""
    from spinecoach.domain.desk_breaks import parse_break_times
    from spinecoach.store.posture import break_to_dict

    with AppContext(data_dir) as ctx:
        service = ctx.service.posture
        person = ctx.person_id
        if times is not None:
            parsed = parse_break_times(t for t in times.split(",") if t.strip())
            current = service.set_break_times(
                person, parsed, ctx.service.latest_profile(person), _now()
            )
        else:
            current = service.breaks(person)
        done = service.breaks_done(person, datetime.now().astimezone().date())
        if as_json:
            print_json(
                {
                    "breaks": [
                        {**break_to_dict(b), "done_today": b.label in done} for b in current
                    ],  # fmt: skip
                    "changes": service.break_changes(person),
                }
            )
            return
        if not current:
            console.print(_("No desk breaks yet: `spinecoach posture breaks --times 10:30,15:00`."))
        for n, b in enumerate(current, 1):
            mark = " " + _("(done today)") if b.label in done else ""
            minutes = _("{minutes} min").format(minutes=format_number(b.duration_s / 60))
            console.print(f"[bold]{n}. {b.label}[/] — {minutes}{mark}")
            for item in b.items:
                reps = _("{n} reps").format(n=item.dose.reps)
                console.print(f"   {_(item.name)}: {reps} — {_(item.reason)}")


@posture_app.command("break")
def run_break(
    which: Annotated[str, typer.Argument(help=N_("Break number (1-4) or its time, e.g. 10:30."))],
    video: Annotated[Path | None, typer.Option("--video", help=N_("Video file, replayed."))] = None,
    keypoints: Annotated[
        Path | None, typer.Option("--keypoints", help=N_("Keypoint file, replayed."))
    ] = None,
    imu: Annotated[Path | None, typer.Option("--imu", help=N_("IMU recording, replayed."))] = None,
    camera: Annotated[int | None, typer.Option("--camera", help=N_("Webcam index."))] = None,
    speed: Annotated[float, typer.Option("--speed", help=N_("0 = as fast as possible."))] = 1.0,
    pain: Annotated[
        int | None, typer.Option("--pain", min=0, max=10, help=N_("Answer every check-in."))
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Do a desk break now: the same guided, measured session, 1-3 minutes long."""
    from spinecoach.cli._session_audio import Voice
    from spinecoach.cli._session_inputs import open_input
    from spinecoach.cli.session import CueOutput, headless_hook
    from spinecoach.coach.clock import FakeClock
    from spinecoach.coach.driver import SessionDriver
    from spinecoach.coach.engine import SessionEngine
    from spinecoach.coach.engine_options import EngineOptions
    from spinecoach.coach.timeline import TimelineOptions
    from spinecoach.store.session_sink import StoreSessionSink

    if speed < 0:
        raise InvalidInput(_("--speed: expected a number >= 0, got {value}").format(value=speed))
    with AppContext(data_dir) as ctx:
        person = ctx.person_id
        ctx.service.require_clearance(person)
        service = ctx.service.posture
        desk_break = service.desk_break(person, which)
        source = open_input(
            camera=camera, video=video, keypoints=keypoints, imu=imu, imu_stream=None,
            min_confidence=ctx.settings.min_keypoint_confidence,
        )  # fmt: skip
        started = _now()
        plan = service.break_plan(person, desk_break, started)
        session_id = service.start_break_session(person, desk_break, source.name, started)
        clock = FakeClock()
        sink = StoreSessionSink(
            ctx.db, person, None, started_at=started, source=source.name, session_id=session_id
        )
        engine = SessionEngine(
            plan, ctx.library, ctx.rules, clock=clock, sink=sink, sensor=source.sensor,
            options=EngineOptions(timeline=TimelineOptions(checkin_timeout_s=30.0),
                                  pain_limit=ctx.settings.pain_limit),
            sensor_for=source.feed.measurable if source.feed is not None else None,
        )  # fmt: skip
        voice = Voice(enabled=False)
        output = CueOutput(headless=True, log_file=None, voice=voice)
        console.print(
            _("Desk break {label}: {n} exercise(s), {minutes} min. Input: {input}.").format(
                label=desk_break.label,
                n=len(plan.items),
                minutes=format_number(desk_break.duration_s / 60),
                input=source.description,
            )  # fmt: skip
        )
        answer = headless_hook(pain)
        SessionDriver(
            engine, clock, frames=source.frames, feed=source.feed, live=source.live,
            speed=speed, on_cues=output, hook=lambda e: output(answer(e)),
        ).run()  # fmt: skip
        voice.close()
        for result in engine.results:
            console.print(
                "  "
                + _("{exercise}: {done}/{target} reps").format(
                    exercise=exercise_name(result.exercise_id, ctx.library),
                    done=result.reps_done,
                    target=result.reps_target,
                )
                + ("" if result.completed else " " + _("(not completed)"))  # fmt: skip
            )
        if engine.results:
            _plan, changes, paused = service.adapt_after_break(
                person, session_id, ctx.service.latest_profile(person), _now()
            )
            for change in changes:
                console.print(
                    f"  {_(change['action']):<8} "
                    f"{exercise_name(change['exercise_id'], ctx.library)}: {change['reason']}"
                )
            if paused:
                console.print(f"[bold red]{_(_W_YOUR_PLAN_IS_PAUSED_PLEASE_SEE_A_CLINICI)}[/]")


@posture_app.command("monitor")
def monitor(
    video: Annotated[Path | None, typer.Option("--video", help=N_("Video file, replayed."))] = None,
    camera: Annotated[int | None, typer.Option("--camera", help=N_("Webcam index (live)."))] = None,
    imu: Annotated[Path | None, typer.Option("--imu", help=N_("Back IMU recording."))] = None,
    imu_stream: Annotated[
        str | None,
        typer.Option(
            "--imu-stream",
            help=N_("Live back IMU (JSON lines, docs/imu.md): udp://HOST:PORT or ws://HOST:PORT."),
        ),
    ] = None,
    minutes: Annotated[
        float | None, typer.Option("--minutes", help=N_("Stop after this long (live inputs)."))
    ] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """Opt-in sitting monitor: sitting time and slump against your upright start; nudges.

    Sit upright for the first 10 seconds (your baseline). With a back IMU, stand upright
    for 3 s first (the sensor's calibration), then sit. Only minutes per posture and the
    nudges given are stored.
    """
    from spinecoach.sources.posture import (
        camera_monitor_samples,
        imu_monitor_samples,
        make_monitor,
        video_monitor_samples,
    )

    inputs = (
        ("--video", video),
        ("--camera", camera),
        ("--imu", imu),
        ("--imu-stream", imu_stream),
    )
    given = [n for n, v in inputs if v is not None]
    if len(given) != 1:
        raise InvalidInput(_("give exactly one of --video, --camera, --imu or --imu-stream"))
    with AppContext(data_dir) as ctx:
        s = ctx.settings
        fps = s.monitor_fps
        if video is not None:
            if not video.exists():
                raise InvalidInput(_("{path}: file not found").format(path=video))
            samples = video_monitor_samples(video, fps, s.min_keypoint_confidence)
        elif imu is not None:
            if not imu.exists():
                raise InvalidInput(_("{path}: file not found").format(path=imu))
            samples = imu_monitor_samples(imu, fps)
        elif imu_stream is not None:
            from spinecoach.cli._session_inputs import stream_lines
            from spinecoach.sources.posture_imu import live_monitor_samples

            samples = live_monitor_samples(stream_lines(imu_stream, "--imu-stream"), fps)
        else:
            assert camera is not None
            samples = camera_monitor_samples(camera, fps, s.min_keypoint_confidence)
        tracker = make_monitor(
            sitting_nudge_min=s.monitor_sitting_nudge_min,
            posture_nudge_min=s.monitor_posture_nudge_min,
            slump_deg=s.monitor_slump_deg,
            neck_drop_fraction=s.monitor_neck_drop_fraction,
        )
        started = _now()
        last_t = 0.0
        if not as_json:
            console.print(
                _("Posture monitor {on} (Ctrl-C to stop).").format(on=f"[bold green]{_(_W_ON)}[/]")
            )
            if imu_stream is not None:
                console.print(
                    _("Listening on {url}: stand upright 3 s, then sit.").format(url=imu_stream)
                )
        try:
            for t_s, sample in samples:
                last_t = t_s
                for nudge in tracker.push(t_s, sample):
                    if not as_json:
                        console.print(f"[bold yellow]{t_s / 60:5.1f} min  {nudge.text}[/]")
                if minutes is not None and t_s >= minutes * 60:
                    break
        except KeyboardInterrupt:
            pass
        tracker.push(last_t + 1.0 / fps, None)  # close the last interval
        ended = started + timedelta(seconds=last_t)
        nudges = [
            {"at": (started + timedelta(seconds=n.t_s)).isoformat(), "kind": n.kind}
            for n in tracker.state.nudges
        ]
        source = "camera" if imu is None and imu_stream is None else "imu"
        minutes_by = tracker.state.minutes()
        ctx.service.posture.record_monitor(
            ctx.person_id, started, ended, source, minutes_by, nudges
        )
        if as_json:
            print_json({"minutes": minutes_by, "nudges": nudges, "source": source,
                        "calibrated": tracker.state.calibrated})  # fmt: skip
            return
        console.print(
            _("Posture monitor {off}. Minutes: {minutes}; nudges: {n}.").format(
                off=f"[bold]{_(_W_OFF)}[/]", minutes=minutes_by, n=len(nudges)
            )
        )


def register(app: typer.Typer) -> None:
    """Add the ``posture`` command group."""
    app.add_typer(posture_app, name="posture")
