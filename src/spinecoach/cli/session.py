"""``spinecoach session``: today's plan, guided step by step (docs/sessions.md).

A thin loop over :class:`spinecoach.coach.engine.SessionEngine`: it opens the input, wires
the store's sink, shows the Rich view (or prints the cue timeline with ``--headless``),
speaks cues, reads keys, and at the end shows the summary and tomorrow's adapted plan.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.live import Live
from rich.prompt import Prompt
from rich.table import Table

from spinecoach.cli._common import DATA_DIR_HELP, AppContext, console
from spinecoach.cli._safety import show_safety
from spinecoach.cli._session_audio import Voice
from spinecoach.cli._session_inputs import SensorFeed, open_input, open_sensor
from spinecoach.cli._session_view import KeyReader, render
from spinecoach.coach.clock import FakeClock
from spinecoach.coach.cues import Cue
from spinecoach.coach.driver import SessionDriver
from spinecoach.coach.engine import EngineOptions, SessionEngine
from spinecoach.coach.feed import MotionFeed
from spinecoach.coach.timeline import TimelineOptions
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.plan import Plan, PlanItem
from spinecoach.domain.wording import decision_words
from spinecoach.errors import InvalidInput, NotFound
from spinecoach.reports.session_summary import record_pain_now, session_summary
from spinecoach.store import models
from spinecoach.store.repositories import SessionRepository, plan_from_row
from spinecoach.store.session_sink import (
    close_session,
    close_unfinished,
    done_exercise_ids,
    next_morning,
    remaining_plan,
    session_sink,
)

_W_WHAT_IS_HAPPENING = N_("What is happening?")
_W_NUMBERS_COMMA_SEPARATED_ENTER_FOR_NONE = N_("(numbers, comma-separated; Enter for none)")

log = logging.getLogger(__name__)

#: A session's end status and an exercise's stop action as the summary table shows them:
#: the ids themselves in English (scripts read them), words in other languages.
_SHOWN_IDS = (
    N_("completed"), N_("stopped"), N_("stopped_early"), N_("urgent_care"), N_("running"),
    N_("not_started"), N_("paused"), N_("regress"), N_("stop_exercise"), N_("end_session"),
    N_("skipped"), N_("awaiting_acknowledgement"), N_("waiting_for_pain"),
)  # fmt: skip


def select_exercises(plan: Plan, ids: list[str], library: ExerciseLibrary) -> Plan:
    """Keep only ``ids`` (in the given order); ids not in the plan use the library dose."""
    items = []
    for exercise_id in ids:
        try:
            items.append(plan.item(exercise_id))
        except KeyError:
            exercise = library.get(exercise_id)
            items.append(
                PlanItem(exercise.id, exercise.name, exercise.section, exercise.dose,
                         reason="Chosen with --exercise.")
            )  # fmt: skip
    return Plan(tuple(items), plan.level, plan.created_at, plan.reasons, plan.changes,
                plan.note, plan.paused, plan.budget_s, dict(plan.metadata),
                conditions=plan.conditions, set_aside=plan.set_aside)  # fmt: skip


def _piped_pain() -> int | None:
    """The pain answer piped on standard input when it is not a terminal.

    Raises
    ------
    InvalidInput
        Standard input is closed or empty (nothing could ever answer the check-ins).
    """
    line = sys.stdin.readline() if sys.stdin is not None and not sys.stdin.closed else ""
    if not line.strip():
        raise InvalidInput(
            _(
                "standard input is closed, so nobody can answer the pain check-ins: "
                "pass --pain N (0-10), e.g. `spinecoach session --pain 2`"
            )
        )
    try:
        value = int(line.strip())
    except ValueError:
        value = -1
    if not 0 <= value <= 10:
        raise InvalidInput(
            _("standard input: expected a pain answer 0-10, got {value!r}").format(
                value=line.strip()[:20]
            )
        )
    return value


class CueOutput:
    """Where cues go: the printed timeline, the JSON-lines log, the voice and the view."""

    def __init__(
        self,
        *,
        headless: bool,
        log_file: IO[str] | None,
        voice: Voice,
    ) -> None:
        self.headless = headless
        self.log_file = log_file
        self.voice = voice
        self.last = ""
        self.count = 0

    def __call__(self, cues: list[Cue]) -> None:
        for cue in cues:
            self.count += 1
            self.last = cue.text
            if self.headless:
                print(f"{cue.t_s:8.2f}s  {cue.kind.value:<13} {cue.text}", flush=True)
            if self.log_file is not None:
                self.log_file.write(json.dumps(cue.to_dict(), ensure_ascii=False) + "\n")
                self.log_file.flush()
            self.voice.say(cue)


def _ask_pain(question: str) -> int | None:
    hint = _("(0-10, Enter to skip)")
    answer = Prompt.ask(f"{question} [dim]{hint}[/]", default="", console=console)
    if not answer.strip():
        return None
    try:
        value = int(answer)
    except ValueError:
        return None
    return value if 0 <= value <= 10 else None


def _ask_symptoms(engine: SessionEngine) -> tuple[set[str], int | None]:
    rules = engine.rules.stop_rules
    console.print(
        f"[bold]{_(_W_WHAT_IS_HAPPENING)}[/] {_(_W_NUMBERS_COMMA_SEPARATED_ENTER_FOR_NONE)}"
    )
    for n, rule in enumerate(rules, 1):
        console.print(f"  {n}. {_(rule.label)}")
    text = Prompt.ask(_("Symptoms"), default="", console=console)
    chosen = set()
    for part in text.replace(" ", "").split(","):
        if part.isdigit() and 1 <= int(part) <= len(rules):
            chosen.add(rules[int(part) - 1].symptom)
    pain = _ask_pain("Pain right now")
    return chosen, pain


class InteractiveHook:
    """Keyboard, check-in prompts and the live view refresh of an interactive session."""

    def __init__(self, live: Live, keys: KeyReader, output: CueOutput, notice: str) -> None:
        self.live = live
        self.keys = keys
        self.output = output
        self.notice = notice

    def _prompt(self, engine: SessionEngine, ask) -> None:  # type: ignore[no-untyped-def]
        engine.pause()
        self.live.stop()
        self.keys.restore()
        try:
            ask()
        finally:
            self.keys.resume()
            self.live.start()
            engine.resume()

    def __call__(self, engine: SessionEngine) -> None:
        state = engine.state()
        if state["awaiting"] == "pain":
            step = state["step"]
            question = str(step["text"]) if isinstance(step, dict) else _("Pain now")

            def ask_checkin() -> None:
                pain = _ask_pain(question)
                self.output(engine.report_pain(pain) if pain is not None else engine.skip())

            self._prompt(engine, ask_checkin)
        if state["awaiting"] == "acknowledge_stop":  # the stop message stays until read

            def ask_ack() -> None:
                console.print(f"[bold red]{state['stop_notice']}[/]")
                Prompt.ask(_("Press Enter when you have stopped"), default="", console=console)
                engine.acknowledge_stop()

            self._prompt(engine, ask_ack)
        key = self.keys.read()
        if key == "w":

            def ask_wrong() -> None:
                symptoms, pain = _ask_symptoms(engine)
                self.output(engine.report_symptoms(symptoms, pain=pain))

            self._prompt(engine, ask_wrong)
        elif key == "p":

            def ask_pain() -> None:
                pain = _ask_pain("Pain right now")
                if pain is not None:
                    self.output(engine.report_pain(pain))

            self._prompt(engine, ask_pain)
        elif key == "s":
            self.output(engine.skip())
        elif key == " ":
            if engine.state()["status"] == "paused":
                engine.resume()
            else:
                engine.pause()
        elif key == "q":
            self.output(engine.stop())
        self.live.update(render(engine.state(), self.output.last, self.notice))


class SensorsBeside:
    """Sensor plug-ins beside the input: pumped every loop step, coached through the engine."""

    def __init__(
        self, feeds: list[SensorFeed], clock: FakeClock, motion: MotionFeed | None = None
    ) -> None:
        from spinecoach.coach.sensors import SensorHost

        self.feeds = feeds
        self.clock = clock
        self.motion = motion
        self.host = SensorHost({f.name: f.channel for f in feeds})

    def __call__(self, engine: SessionEngine) -> list[Cue]:
        if not self.feeds or engine.finished:
            return []
        for feed in self.feeds:
            feed.pump(self.clock.now(), engine.accepts_motion)
        angle = self.motion.readout().angle_deg if self.motion is not None else None
        return self.host.step(engine, angle)

    def around(self, hook, output):  # type: ignore[no-untyped-def]
        """``hook`` followed by this (for the interactive view)."""

        def both(engine: SessionEngine) -> None:
            hook(engine)
            output(self(engine))

        return both


def headless_hook(pain: int | None):  # type: ignore[no-untyped-def]
    """Answers every check-in with ``pain`` (``None``: let check-ins time out)."""

    def hook(engine: SessionEngine) -> list[Cue]:
        awaiting = engine.state()["awaiting"]
        if awaiting == "acknowledge_stop":  # no one to press a key: printed, then go on
            return engine.acknowledge_stop()
        if pain is not None and awaiting == "pain":
            return engine.report_pain(pain)
        return []

    return hook


def _unfinished_choice(
    ctx: AppContext, person_id: int, headless: bool, resume: bool
) -> models.Session | None:
    """Handle sessions left in progress (killed): resume one or close them."""
    repo = SessionRepository(ctx.db)
    unfinished = sorted(repo.unfinished(person_id), key=lambda r: r.id)
    if not unfinished:
        if resume:
            console.print(_("No unfinished session to resume; starting a new one."))
        return None
    latest = unfinished[-1]
    done = done_exercise_ids(latest)
    if not resume and not headless and console.is_terminal:
        choice = Prompt.ask(
            _(
                "Session {id} was interrupted after {n} exercise(s). "
                "[r]esume it or [c]lose it and start again?"
            ).format(id=latest.id, n=len(done)),
            choices=["r", "c"],
            default="r",
            console=console,
        )
        resume = choice == "r"
    if resume:
        for row in unfinished[:-1]:
            close_unfinished_one(ctx, row)
        console.print(
            _("Resuming session {id} ({n} exercise(s) already done).").format(
                id=latest.id, n=len(done)
            )
        )
        return latest
    closed = close_unfinished(ctx.db, person_id, now=datetime.now(UTC))
    console.print(_("Closed interrupted session(s) {ids}.").format(ids=", ".join(map(str, closed))))
    return None


def close_unfinished_one(ctx: AppContext, row: models.Session) -> None:
    """Close one interrupted session (the same way the web app closes them)."""
    close_session(ctx.db, row, now=datetime.now(UTC))


def _summary(engine: SessionEngine, session_id: int | None) -> None:
    status = _(engine.status)  # the ids in English (see _SHOWN_IDS), words in other languages
    table = Table(title=_("Session {id}: {status}").format(id=session_id or "", status=status))
    for column in (
        _("exercise"),
        _("done"),
        _("reps"),
        _("holds (s)"),
        _("range (°)"),
        _("form"),
        _("tracking"),
        _("note"),
    ):
        table.add_column(column)
    for r in engine.results:
        tracking = _("timer")
        if r.tracking.get("measured"):
            seen = float(r.tracking.get("ok_fraction", 0.0))  # type: ignore[arg-type]
            tracking = _("{percent} seen").format(percent=f"{100 * seen:.0f}%")
            if r.tracking.get("sensor_ended"):
                tracking += ", " + _("then timer")
        reps = f"{r.reps_done}/{r.reps_target}"
        if r.tracking.get("measured"):
            reps += " " + _("({n} measured)").format(n=r.tracking.get("measured_reps", 0))
        ranges = ", ".join(f"{x:.0f}" for x in r.ranges_deg) or "-"
        holds = ", ".join(f"{h:.0f}" for h in r.hold_times_s) or "-"
        note = _(r.stop_action) if r.stop_action else ""
        table.add_row(
            r.exercise_id, _("yes") if r.completed else _("no"),
            reps, holds, ranges, str(len(r.form_flags)), tracking, note,
        )  # fmt: skip
    console.print(table)
    if engine.pain_before is not None or engine.pain_after is not None:
        unknown = _("not reported")
        before = unknown if engine.pain_before is None else f"{engine.pain_before}/10"
        after = unknown if engine.pain_after is None else f"{engine.pain_after}/10"
        console.print(
            _("Pain before: {before}; after: {after}.").format(before=before, after=after)
        )


def session_command(
    camera: Annotated[int | None, typer.Option("--camera", help=N_("Webcam index (live)."))] = None,
    video: Annotated[Path | None, typer.Option("--video", help=N_("Video file, replayed."))] = None,
    keypoints: Annotated[
        Path | None, typer.Option("--keypoints", help=N_("Keypoint file, replayed."))
    ] = None,
    imu: Annotated[Path | None, typer.Option("--imu", help=N_("IMU recording, replayed."))] = None,
    imu_stream: Annotated[
        str | None,
        typer.Option(
            "--imu-stream", help=N_("Live IMU samples: udp://HOST:PORT or ws://HOST:PORT.")
        ),
    ] = None,
    speed: Annotated[
        float, typer.Option("--speed", help=N_("Real-time factor; 0 = as fast as possible."))
    ] = 1.0,
    no_audio: Annotated[bool, typer.Option("--no-audio", help=N_("No speech or tones."))] = False,
    log_path: Annotated[
        Path | None, typer.Option("--log", help=N_("Write the cue timeline as JSON lines."))
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
    exercise: Annotated[
        list[str] | None, typer.Option("--exercise", help=N_("Only this exercise (repeatable)."))
    ] = None,
    headless: Annotated[
        bool, typer.Option("--headless", help=N_("No view or keys: print the cue timeline."))
    ] = False,
    pain: Annotated[
        int | None,
        typer.Option(
            "--pain", min=0, max=10, help=N_("Headless: answer every check-in with this.")
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help=N_("Resume the last interrupted session."))
    ] = False,
    close: Annotated[
        bool, typer.Option("--close-unfinished", help=N_("Close interrupted sessions and exit."))
    ] = False,
    sensor: Annotated[
        list[str] | None,
        typer.Option(
            "--sensor",
            help=N_(
                "A sensor plug-in beside the input: NAME=FILE or NAME=udp://HOST:PORT "
                "(band, emg; repeatable; `spinecoach sensor list`)."
            ),
        ),
    ] = None,
) -> None:
    """Run today's plan with timers, breath pacing, measured reps and stop rules."""
    if speed < 0 or math.isnan(speed):
        raise InvalidInput(_("--speed: expected a number >= 0, got {value}").format(value=speed))
    with AppContext(data_dir) as ctx:
        person = ctx.person_id
        if close:
            closed = close_unfinished(ctx.db, person, now=datetime.now(UTC))
            console.print(
                _("Closed {n} interrupted session(s)").format(n=len(closed))
                + (f": {', '.join(map(str, closed))}." if closed else ".")
            )
            return
        show_safety(ctx)  # safety state (issue 10 §1): shown, and urgent/emergency refuse
        ctx.service.require_clearance(person)
        resumed = _unfinished_choice(ctx, person, headless, resume)
        current = ctx.service.current_plan(person)
        if current is None:
            raise NotFound(
                _("No plan yet: run `spinecoach plan` first (after `spinecoach intake`).")
            )
        plan, plan_id = current
        if exercise:
            plan = select_exercises(plan, exercise, ctx.library)
        if resumed is not None:
            if resumed.plan_id is not None:
                row = ctx.db.get(models.Plan, resumed.plan_id)
                if row is not None:
                    plan, plan_id = plan_from_row(row), row.id
                    if exercise:
                        plan = select_exercises(plan, exercise, ctx.library)
            plan = remaining_plan(plan, done_exercise_ids(resumed))
        sensors = [open_sensor(spec) for spec in sensor or []]
        source = open_input(
            camera=camera, video=video, keypoints=keypoints, imu=imu, imu_stream=imu_stream,
            min_confidence=ctx.settings.min_keypoint_confidence,
        )  # fmt: skip
        started = datetime.now(UTC)
        clock = FakeClock()
        sink = session_sink(
            ctx.db, person, plan_id, started_at=started, source=source.name,
            session_id=resumed.id if resumed is not None else None,
        )  # fmt: skip
        timeline = TimelineOptions(checkin_timeout_s=30.0 if headless else None)
        engine = SessionEngine(
            plan, ctx.library, ctx.rules, clock=clock, sink=sink, sensor=source.sensor,
            options=EngineOptions(timeline=timeline, pain_limit=ctx.settings.pain_limit,
                                  wait_for_stop_ack=True),
            sensor_for=source.feed.measurable if source.feed is not None else None,
        )  # fmt: skip
        voice = Voice(enabled=not no_audio)
        notice = voice.problem() or ""
        console.print(
            _("Input: {input}. Plan: {n} exercise(s).").format(
                input=source.description, n=len(plan.items)
            )
        )
        if notice:
            console.print(f"[yellow]{notice}[/]")
        log_file = log_path.open("w", encoding="utf-8") if log_path is not None else None
        frames = source.frames
        output = CueOutput(headless=headless, log_file=log_file, voice=voice)
        beside = SensorsBeside(sensors, clock, source.feed)
        if not headless and not console.is_terminal and pain is None:
            pain = _piped_pain()  # nothing else could answer the check-ins
        try:
            if headless or not console.is_terminal:
                answer = headless_hook(pain)
                driver = SessionDriver(
                    engine, clock, frames=frames, feed=source.feed, live=source.live,
                    speed=speed, on_cues=output,
                    hook=lambda e: output(answer(e) + beside(e)),
                )  # fmt: skip
                driver.run()
            else:
                with (
                    KeyReader() as keys,
                    Live(
                        render(engine.state(), "", notice), console=console, refresh_per_second=8
                    ) as live,
                ):
                    driver = SessionDriver(
                        engine, clock, frames=frames, feed=source.feed, live=source.live,
                        speed=speed, on_cues=output,
                        hook=beside.around(InteractiveHook(live, keys, output, notice), output),
                    )  # fmt: skip
                    driver.run()
        except KeyboardInterrupt:
            output(engine.stop(_("Stopped with Ctrl-C.")))
            interrupted = True
        else:
            interrupted = False
        finally:
            voice.close()
            if log_file is not None:
                log_file.close()
        _summary(engine, sink.session_id)
        urgent = engine.status == "urgent_care"  # go and get help: no more questions
        if sink.session_id is not None and engine.pain_after is None and not urgent:
            # "pain now?" also when the session ended early (Ctrl-C, End, a stop rule)
            now_pain = pain if headless or not console.is_terminal else _ask_pain(_("Pain now"))
            if now_pain is not None:
                record_pain_now(ctx.db, person, sink.session_id, now_pain)
                console.print(
                    _("Pain now: {pain}/10, saved with the session.").format(pain=now_pain)
                )
        if engine.status == "urgent_care":
            advice = _("Please follow the advice above before exercising again.")
            console.print(f"[bold red]{advice}[/]")
            raise typer.Exit(130 if interrupted else 0)
        changes: list[dict[str, str]] = []
        if sink.session_id is not None and engine.results:
            adapted = ctx.service.adapt_after_session(person, sink.session_id, datetime.now(UTC))
            names = {i.exercise_id: i.name for i in plan.items}
            changes = [
                {
                    "exercise": _(names[c.exercise_id])
                    if c.exercise_id in names
                    else _("Your plan"),
                    "action": decision_words(c.action.value),
                    "kind": c.action.value,
                    "reason": c.reason,
                }
                for c in adapted.changes
            ]
        if sink.session_id is not None:
            names = {e.id: e.name for e in ctx.library}
            view = session_summary(ctx.db, sink.session_id, changes, names)
            for title, lines in (
                (_("What you did"), view.did),
                (_("What improved"), view.improved),
                (_("What changes tomorrow"), view.tomorrow),
            ):
                console.print(f"[bold]{title}:[/]")
                for line in lines:
                    console.print(f"  {line}")
        if interrupted:
            raise typer.Exit(130)
        due = next_morning(started)
        console.print(
            _("Next check-in: tomorrow morning from {time} — run {command}.").format(
                time=f"{due:%H:%M}", command="[bold]spinecoach checkin[/]"
            )
        )


def register(app: typer.Typer) -> None:
    """Add ``session`` to the root command."""
    app.command("session")(session_command)
