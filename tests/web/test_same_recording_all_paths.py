"""One recording through every live path gives the same events, cues and stored results.

The paths (issue 12): the terminal session's driver (``spinecoach session`` with a live
input), the web session's keypoints WebSocket protocol (the message is parsed at the edge
and fed to the web :class:`LiveSession`), the camera pipeline (``analyze VIDEO`` / ``live``)
and the IMU stream (``session --imu-stream`` over UDP, the web ``imu`` message, ``imu
listen``). They used to be four adapters that drifted apart; now they share one.
"""

from __future__ import annotations

import json
import math
import socket
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import select
from tests.web.conftest import Browser, serve

from spinecoach.cli.session import select_exercises
from spinecoach.coach.clock import FakeClock
from spinecoach.coach.driver import SessionDriver
from spinecoach.coach.engine import EngineOptions, SessionEngine
from spinecoach.coach.feed import Frame, MotionFeed
from spinecoach.domain.planning import relabel
from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.store.repositories import PlanRepository, plan_from_row
from spinecoach.store.session_sink import session_sink
from spinecoach.web.app import create_app
from spinecoach.web.live import LiveSession, parse_keypoints
from spinecoach.web.messages import parse_message

ELK = "keraal/G3-BP-ELK-P1T1-Unknown-C-0.json"
EXERCISE = "seated_side_bend"
PAIN = 2
MAX_SESSION_S = 1800.0


def _looped_frames(path: Path) -> Iterator[tuple[float, Any, Any, tuple[str, ...]]]:
    """The recording's frames, replayed back to back (time continues) for a whole session."""
    from spinecoach.sources.keypoints import read_keypoints

    series = read_keypoints(path)
    times = series.time_s - series.time_s[0]
    period = float(times[-1]) + float(np.median(np.diff(times)))
    names = tuple(series.names)
    loop = 0
    while loop * period < MAX_SESSION_S:
        for i in range(series.n_frames):
            yield loop * period + float(times[i]), series.positions[i], series.confidence[i], names
        loop += 1


def _person_and_plan(browser: Browser) -> tuple[int, Any, int]:
    ctx = browser.app.state.ctx
    with ctx.session_factory() as db:
        person = db.scalars(select(models.Person)).one()
        row = PlanRepository(db).latest_row(person.id)
        assert row is not None
        plan = select_exercises(relabel(plan_from_row(row), ctx.library), [EXERCISE], ctx.library)
        return person.id, plan, row.id


def _stored(browser: Browser, session_id: int) -> list[dict[str, Any]]:
    """The stored results of a session, without ids and wall-clock times."""
    with browser.app.state.ctx.session_factory() as db:
        rows = db.scalars(
            select(models.ExerciseResult).where(models.ExerciseResult.session_id == session_id)
        ).all()
        skip = {"id", "session_id", "created_at", "started_at", "ended_at"}
        return [
            {c.name: getattr(r, c.name) for c in r.__table__.columns if c.name not in skip}
            for r in rows
        ]


def _cue_list(cues: list[Any]) -> list[tuple[float, str, str]]:
    return [(round(c.t_s, 6), c.kind.value, c.text) for c in cues]


def _keypoint_message(t_ms: float, positions: Any, confidence: Any, names: Any) -> str:
    points = [
        [None if not math.isfinite(v) else float(v) for v in p[:2]] + [float(c)]
        for p, c in zip(positions.tolist(), confidence.tolist(), strict=True)
    ]
    return json.dumps({"type": "keypoints", "t": t_ms, "keypoints": points, "names": list(names)})


def _terminal_session(
    browser: Browser, shared_data: Path, person_id: int, plan: Any, plan_id: int
) -> tuple[list[tuple[float, str, str]], list[Any], int]:
    """The terminal session's loop (a live input, as with --camera) over the recording:
    its cues, results and stored session id."""
    ctx = browser.app.state.ctx
    options = EngineOptions(pain_limit=ctx.settings.pain_limit)
    clock = FakeClock()
    db = ctx.session_factory()
    sink = session_sink(db, person_id, plan_id, source="keypoints", started_at=datetime.now(UTC))
    engine = SessionEngine(plan, ctx.library, ctx.rules, clock=clock, sink=sink, sensor=True,
                           options=options)  # fmt: skip
    dose = {i.exercise_id: i.dose for i in plan.items}
    feed = MotionFeed(
        min_confidence=ctx.settings.min_keypoint_confidence,
        dose_for=lambda e: dose.get(e.id, e.dose),
    )
    frames = (Frame(t, p, c, n) for t, p, c, n in _looped_frames(shared_data / ELK))

    def answer(e: SessionEngine) -> None:
        if e.state()["awaiting"] == "pain":
            e.report_pain(PAIN)

    SessionDriver(engine, clock, frames=frames, feed=feed, live=True, speed=0, hook=answer).run()
    db.close()
    assert engine.finished and engine.results and sink.session_id is not None
    # really measured: the side bends' ranges and holds, and "Ease off" past the zone
    assert all(r.tracking.get("measured") and r.ranges_deg for r in engine.results)
    assert any(text.startswith("Ease off") for _, _, text in _cue_list(engine.cues))
    return _cue_list(engine.cues), engine.results, sink.session_id


def test_the_same_keypoint_recording_gives_the_same_session_in_the_terminal_and_on_the_web(
    browser: Browser, shared_data: Path
) -> None:
    browser.onboard("Ann", "ann@example.org")
    ctx = browser.app.state.ctx
    person_id, plan, plan_id = _person_and_plan(browser)

    # 1. The terminal session's loop (a live input, as with --camera).
    terminal_cues, terminal_results, terminal_id = _terminal_session(
        browser, shared_data, person_id, plan, plan_id
    )

    # 2. The web session: each frame as a keypoints WebSocket message, parsed at the edge.
    web_clock = FakeClock()
    live = LiveSession(ctx, person_id, plan, plan_id, "keypoints", clock=web_clock)
    live.start()
    for t, positions, confidence, names in _looped_frames(shared_data / ELK):
        if live.engine.finished:
            break
        web_clock.set(t)
        message = parse_message(_keypoint_message(t * 1000.0, positions, confidence, names))
        points, conf, kp_names = parse_keypoints(message.model_dump(), names)
        live.push_keypoints(points, conf, kp_names)
        if live.engine.state()["awaiting"] == "pain":
            live.control({"type": "pain", "pain": PAIN})
    live.close()
    assert live.engine.finished and live.session_id is not None

    assert _cue_list(live.engine.cues) == terminal_cues
    assert [r.to_dict() for r in live.engine.results] == [r.to_dict() for r in terminal_results]
    assert _stored(browser, live.session_id) == _stored(browser, terminal_id)


class SocketBrowser(Browser):
    """The form-filling :class:`Browser` over real HTTP (an httpx client on a live server)."""

    def __init__(self, app: Any, client: httpx.Client) -> None:
        self.client = client  # type: ignore[assignment]
        self.app = app


def _receive_until(ws: Any, kind: str, cues: list[dict[str, Any]]) -> dict[str, Any]:
    """Messages until one of ``kind`` or ``finished`` (the last message; the ticker's state
    messages come between); every cue a message carries is kept in ``cues``."""
    while True:
        message = json.loads(ws.recv(timeout=30))
        assert message["type"] != "error", message
        cues += message.get("cues") or []
        if message["type"] in (kind, "finished"):
            return message


def test_the_same_recording_over_a_real_socket_gives_the_same_session(
    shared_data: Path, tmp_path: Path
) -> None:
    """The web path end to end: the app under uvicorn on 127.0.0.1, a websockets client that
    signs in over HTTP and streams the recording as keypoints messages on the socket. The
    session's engine runs on a clock the test sets to each frame's time before sending it (the
    server's monotonic clock otherwise), so it is the same session as the terminal's."""
    from websockets.sync.client import connect

    app = create_app(Settings(data_dir=tmp_path, secret_key="socket-" + "s" * 40))
    ctx = app.state.ctx
    clock = FakeClock()
    ctx.live.new_clock = lambda: clock
    with serve(app) as url, httpx.Client(base_url=url, follow_redirects=True) as http:
        person = SocketBrowser(app, http)
        person.onboard("Ann", "ann@example.org")
        person_id, plan, _ = _person_and_plan(person)
        with ctx.session_factory() as db:  # the plan narrowed to the recording's exercise
            row = PlanRepository(db).add(person_id, plan, origin="clinician")
            plan_id = row.id
            plan = relabel(plan_from_row(row), ctx.library)
        terminal_cues, terminal_results, terminal_id = _terminal_session(
            person, shared_data, person_id, plan, plan_id
        )

        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies.jar)
        sent: list[dict[str, Any]] = []
        # one small message each way per frame: no Nagle delay (as a browser's socket)
        tcp = socket.create_connection(("127.0.0.1", httpx.URL(url).port or 80))
        tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with connect(
            url.replace("http://", "ws://") + "/ws/session/keypoints",
            sock=tcp,
            additional_headers={"Cookie": cookie},
        ) as ws:
            hello = _receive_until(ws, "hello", sent)
            live = next(s for s in ctx.live.active.values() if s.session_id == hello["session_id"])
            finished = None
            for t, positions, confidence, names in _looped_frames(shared_data / ELK):
                clock.set(t)
                ws.send(_keypoint_message(t * 1000.0, positions, confidence, names))
                if (reply := _receive_until(ws, "ack", sent))["type"] == "finished":
                    finished = reply  # the last pain answer ended it
                    break
                if not live.engine.finished and live.engine.state()["awaiting"] == "pain":
                    answered = len(live.engine.checks)
                    ws.send(json.dumps({"type": "pain", "pain": PAIN}))
                    # the answer is taken at this frame's time: the clock waits for it (the
                    # next check-in may ask again at once, as at the end of the session)
                    deadline = time.monotonic() + 30
                    while len(live.engine.checks) == answered:
                        assert time.monotonic() < deadline, f"pain answer not taken at {t}"
                        time.sleep(0.005)
                if live.engine.finished:
                    finished = _receive_until(ws, "finished", sent)
                    break
        assert finished is not None and finished["session_id"] == live.session_id

    # the engine behind the socket gave the terminal's cues, and the client got every one
    assert _cue_list(live.engine.cues) == terminal_cues
    assert Counter((c["t_s"], c["kind"], c["text"]) for c in sent) == Counter(
        (round(t, 3), kind, text) for t, kind, text in terminal_cues
    )
    expected = json.loads(json.dumps([r.to_dict() for r in terminal_results]))
    # the page's additions to each result: the exercise's name and the count confidence
    added = {"name", "count_confidence", "count_confidence_text"}
    assert all(added <= r.keys() for r in finished["results"])
    assert [{k: v for k, v in r.items() if k not in added} for r in finished["results"]] == expected
    assert _stored(person, live.session_id) == _stored(person, terminal_id)


def test_the_camera_pipeline_analyses_like_the_session_feed(
    shared_data: Path, library: Any
) -> None:
    """``analyze VIDEO`` / ``live`` (CameraPipeline) and the session's feed: same events."""
    from tests.sources.video.test_pipeline import ReplayBackend

    from spinecoach.sources.keypoints import read_keypoints
    from spinecoach.sources.video.decode import Frame as VideoFrame
    from spinecoach.sources.video.decode import VideoInfo
    from spinecoach.sources.video.session import build_pipeline

    series = read_keypoints(shared_data / ELK)
    exercise = library.get(EXERCISE)
    info = VideoInfo("replay", 1280, 720, 30.0, series.n_frames)
    pipeline = build_pipeline(info, exercise, draw=False, keep_keypoints=False,
                              backend=ReplayBackend(series), check_setup=False)  # fmt: skip
    feed = MotionFeed()
    image = np.zeros((8, 8, 3), np.uint8)
    from_pipeline, from_feed = [], []
    for i in range(series.n_frames):
        t = float(series.time_s[i])
        from_pipeline += pipeline.process(VideoFrame(i, t, image)).events
        frame = Frame(t, series.positions[i], series.confidence[i], tuple(series.names))
        from_feed += feed.push(exercise, frame)
    assert [(e.t_s, e.kind, e.payload) for e in from_pipeline] == [
        (e.t_s, e.kind, e.payload) for e in from_feed
    ]
    assert any(e.kind.value == "repetition" for e in from_feed)


def _same_rows(a: list[Any], b: list[Any]) -> bool:
    """Rows equal, a NaN (not measured) equal to a NaN."""
    if len(a) != len(b):
        return False
    for (ta, va), (tb, vb) in zip(a, b, strict=True):
        if ta != tb or set(va) != set(vb):
            return False
        if any(va[k] != vb[k] and not (math.isnan(va[k]) and math.isnan(vb[k])) for k in va):
            return False
    return True


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_same_imu_stream_gives_the_same_rows_and_events_on_every_imu_path(
    browser: Browser, library: Any
) -> None:
    """``session --imu-stream`` (UDP), the web ``imu`` message and ``imu listen``."""
    from spinecoach.cli._session_inputs import imu_stream_input
    from spinecoach.sources.imu.live import LiveSession as ImuListen
    from spinecoach.sources.imu.simulate import simulate
    from spinecoach.sources.imu.transport import recording_lines

    sim = simulate("cat_cow", n_reps=3, rep_s=5.0, rest_s=1.0, sample_rate_hz=50.0, seed=3)
    lines = [line for _, line in recording_lines(sim.recording)]
    bad = ['{"t": 0.01, "sensors": [1, 2]}', "not json", '{"t": "soon"}']
    stream = lines[:40] + bad + lines[40:]  # bad lines are skipped on every path, never fatal

    # the terminal: a real UDP stream into `session --imu-stream`
    port = _free_udp_port()
    source = imu_stream_input(f"udp://127.0.0.1:{port}")
    time.sleep(0.3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for k in range(0, len(stream), 20):
            sock.sendto("\n".join(stream[k : k + 20]).encode(), ("127.0.0.1", port))
            time.sleep(0.01)  # a gentle sender: localhost UDP drops nothing at this pace
        sock.sendto(b'{"type": "end"}', ("127.0.0.1", port))
    assert source.frames is not None
    terminal_rows = [(f.t_s, dict(f.measures or {})) for f in source.frames]

    # the web: the same lines as `imu` messages, parsed at the edge
    browser.onboard("Ann", "ann@example.org")
    person_id, plan, plan_id = _person_and_plan(browser)
    live = LiveSession(browser.app.state.ctx, person_id, plan, plan_id, "imu")
    web_rows = []
    for k in range(0, len(stream), 20):
        message = parse_message(json.dumps({"type": "imu", "lines": "\n".join(stream[k : k + 20])}))
        web_rows += live._imu.feed(message.lines)  # noqa: SLF001 - the decoder push_imu uses
    web_rows += live._imu.end()  # noqa: SLF001
    live.close()
    assert live._imu.n_bad_lines == len(bad)  # noqa: SLF001
    assert len(terminal_rows) > 100 and _same_rows(terminal_rows, web_rows)

    # `imu listen` and the session feed: the same events from those rows
    exercise = library.get("cat_cow")
    listen = ImuListen(exercise.signature, dose=exercise.dose, exercise_id=exercise.id)
    listened = []
    for k in range(0, len(stream), 20):
        listened += listen.feed("\n".join(stream[k : k + 20]))
    listened += listen.end()
    feed = MotionFeed(imu=True)
    fed = [e for t, values in terminal_rows for e in feed.push(exercise, Frame(t, measures=values))]
    assert [(e.t_s, e.kind, e.payload) for e in listened] == [
        (e.t_s, e.kind, e.payload) for e in fed
    ]
    assert sum(e.kind.value == "repetition" for e in fed) >= 2


@pytest.fixture
def library():  # type: ignore[no-untyped-def]
    from spinecoach.content import load_library

    return load_library()
