"""The guided session page and its WebSocket.

Protocol (``/ws/session?source=camera|timer``, ``/ws/session/keypoints``, ``/ws/session/imu``;
``&sensor=imu`` / ``?sensor=imu`` on camera and keypoints sessions adds a motion sensor
*beside* them, shown as an extra trace while the camera drives the session):

client -> server
    * binary: 8-byte little-endian float64 client time stamp (ms) + one JPEG frame (camera);
    * text JSON ``{"type": "keypoints", "t": ms, "keypoints": [[x, y, z, conf], ...] or
      [[x, y, conf], ...], "names": [...]?}`` (keypoints source; pixels, image axes; ``z``
      the pose model's relative depth on the x scale, which trunk rotation needs);
    * text JSON ``{"type": "imu", "t": ms, "lines": "<IMU JSON lines>"}`` (imu source: the
      protocol of :mod:`spinecoach.sources.imu.live`, gyro °/s and accel g per sensor) on
      imu sessions and on camera/keypoints sessions opened with ``sensor=imu``;
    * text JSON controls: ``pain`` {pain}, ``symptoms`` {symptoms, pain?}, ``skip``, ``stop``,
      ``pause``, ``resume``, ``acknowledge_stop`` (after "stop this exercise" the session
      waits, ``state.awaiting == "acknowledge_stop"``, until the person has read it).

server -> client
    * ``hello`` {session_id, source, state, cues, names};
    * ``state`` {state, cues} about four times a second;
    * ``frame`` {client_ts, landmarks, angle, cues, server_ms} per camera frame;
    * ``ack`` {client_ts, angle, cues} per keypoints or imu message; with a sensor beside
      the camera also ``sensor_angle`` {name, label, value_deg, calibrated, t_s} (degrees
      from the posture held in the sensor's calibration window), which ``state`` and
      ``frame`` messages carry too;
    * ``error`` {error} for a bad message (the session continues);
    * ``finished`` {summary, changes} once, then the server closes the socket;
    * ``moved`` {error, fatal} when a reconnect (``resume=ID``, on any server process) took
      the session over; the socket is closed and the page does not reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from spinecoach.coach.cues import Cue
from spinecoach.domain.i18n import _, gettext
from spinecoach.domain.planning import relabel
from spinecoach.errors import InvalidInput, SpinecoachError, WorkerUnreachable
from spinecoach.sources.live_sources import sensor_plugins
from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES, SKELETON_EDGES
from spinecoach.store import models
from spinecoach.store.repositories import PlanRepository, plan_from_row
from spinecoach.web.care import Care, plan_items_for_page
from spinecoach.web.context import AppContext
from spinecoach.web.deps import CareDep, ContextDep, CsrfChecked, DbDep, PatientUser
from spinecoach.web.live import (
    FRAME_HEADER,
    LiveSession,
    SensorTarget,
    landmarks_json,
    parse_keypoints,
)
from spinecoach.web.messages import (
    ClientMessage,
    ImuMessage,
    KeypointsArrays,
    KeypointsMessage,
    SensorMessage,
    encode,
    fast_keypoints,
    parse_message,
)
from spinecoach.web.pages import redirect, render
from spinecoach.web.posture import desk_break_session_plan, mark_desk_break
from spinecoach.web.resume import latest_interrupted, resumed_plan
from spinecoach.web.security import COOKIE_NAME
from spinecoach.web.sockets import BadMessages

log = logging.getLogger(__name__)
router = APIRouter()

TICK_S = 0.25
MAX_BAD_MESSAGES = 50
POLICY_VIOLATION = 1008
TOO_BIG = 1009
MAX_BATCH = 32  # messages waiting on one connection (then the socket is not read)
#: Messages one connection handles per turn of the event loop before it lets the others run:
#: every page request and every other session waits one turn at each of its steps, so a
#: turn stays short even when a connection has a backlog (clinician pages under load).
TURN = 4
MOVED = 4001  # the session continues over another connection


@router.get("/session")
def session_page(
    request: Request,
    user: PatientUser,
    care: CareDep,
    ctx: ContextDep,
    db: DbDep,
    resume: int | None = None,
) -> Response:
    """The guided session page (webcam, keypoints or timers only); after a crash or a dropped
    connection it offers to resume the unfinished session (``?resume=ID`` continues it)."""
    care.require_clear_to_exercise(user)
    view = care.today(user)
    if view is None:
        return redirect("/intake")
    plan = view.plan
    desk_break = request.query_params.get("desk_break")
    if desk_break:  # a 1-3 minute desk break runs through the same session (docs/posture.md)
        view = replace(view, plan=desk_break_session_plan(ctx, care.db, user.id, desk_break))
        plan = view.plan
    if resume is not None:
        plan = resumed_plan(db, user.id, resume, plan)
    config = {
        "names": list(BLAZEPOSE_33_NAMES),
        "edges": [list(e) for e in SKELETON_EDGES],
        "symptoms": [{"id": r.symptom, "label": r.label} for r in ctx.rules.stop_rules],
        "resume": resume,
    }
    return render(
        request,
        "session.html",
        view=view,
        interrupted=latest_interrupted(db, user.id) if resume is None else None,
        resuming=resume,
        items=plan_items_for_page(plan, ctx.library),
        config_json=json.dumps(config).replace("<", "\\u003c"),  # safe inside <script>
        minutes=round(view.plan.total_duration_s / 60),
    )


def _cues(cues: list[Cue]) -> list[dict[str, object]]:
    return [c.to_message() for c in cues]


def _authorise(websocket: WebSocket, ctx: AppContext) -> tuple[models.Person, Any, int | None]:
    """Check origin, cookie, role and screening; return (person, plan, plan_id)."""
    origin = websocket.headers.get("origin")
    if origin and urlparse(origin).netloc != websocket.headers.get("host"):
        raise UnsafeOrigin(gettext("cross-site WebSocket refused"))
    session = ctx.signer.loads(websocket.cookies.get(COOKIE_NAME))
    if session is None or session.user_id is None:
        raise UnsafeOrigin(gettext("please sign in"))
    with ctx.session_factory() as db:
        if not ctx.signins.valid(db, session):
            raise UnsafeOrigin(gettext("please sign in"))
        person = db.get(models.Person, session.user_id)
        if person is None or person.role != "patient":
            raise UnsafeOrigin(gettext("guided sessions are for patients"))
        Care(db, ctx.settings, ctx.library, ctx.rules).require_clear_to_exercise(person)
        row = PlanRepository(db).latest_row(person.id)
        if row is None:
            raise InvalidInput(gettext("no plan yet: complete the intake first"))
        desk_break = websocket.query_params.get("desk_break")
        if desk_break:
            return person, desk_break_session_plan(ctx, db, person.id, desk_break), None
        return person, relabel(plan_from_row(row), ctx.library), row.id


class UnsafeOrigin(SpinecoachError):
    """A WebSocket without a valid same-site, signed-in patient session."""

    http_status = 403


class _Connection:
    """Serialises sends on one socket, and engine access between the ticker and the receive
    loop. Engine calls that can take long (ticks, camera frames, IMU lines, controls) run in a
    worker thread: results are written to the database inside them, and a large IMU message
    is decoded there, so no user's session ever blocks the event loop for the others.
    Keypoints frames (tens of microseconds each, at most ``TURN`` at once) run on the
    loop, and the writes they cause run in a worker thread before their acks are sent."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.lock = asyncio.Lock()
        self.engine_lock = asyncio.Lock()
        self.finish_lock = asyncio.Lock()
        self.finished_sent = False
        self.moved = False  # a reconnect elsewhere took the session over
        self.ticker: asyncio.Task[None] | None = None
        self.pushed_at = -math.inf  # when frames last advanced the engine (monotonic s)

    async def send(self, payload: dict[str, Any]) -> None:
        async with self.lock:
            await self.websocket.send_text(encode(payload))


async def _finish_if_done(conn: _Connection, live: LiveSession) -> bool:
    """Send the ``finished`` message once the engine has finished; True once it is sent."""
    async with conn.finish_lock:
        if conn.finished_sent or not live.engine.finished:
            return conn.finished_sent
        async with conn.engine_lock:  # its database work, not beside a tick's
            changes = await run_in_threadpool(live.maybe_adapt)
            counts = await run_in_threadpool(live.count_confidences)
            summary = await run_in_threadpool(live.end_summary, changes)
        if len(counts) != len(live.engine.results):
            counts = [{} for _ in live.engine.results]
        await conn.send(
            {
                "type": "finished",
                "state": live.snapshot(),
                "session_id": live.session_id,
                "changes": changes,
                "summary": summary,
                "results": [
                    {**r.to_dict(), "name": live.exercise_name(r.exercise_id), **count}
                    for r, count in zip(live.engine.results, counts, strict=True)
                ],
            }
        )
        conn.finished_sent = True
        return True


async def _ticker(conn: _Connection, live: LiveSession, ctx: AppContext) -> None:
    while True:
        await asyncio.sleep(TICK_S)
        if ctx.live.beat_due():  # this process still holds its sessions (other workers see)
            async with conn.engine_lock:  # not beside this session's own database work
                await run_in_threadpool(ctx.live.beat)
            with contextlib.suppress(WorkerUnreachable):  # listening again after a lost
                await ctx.live.relay.start()  # connection (when the database is back)
        cues: list[Cue] = []
        if time.monotonic() - conn.pushed_at >= TICK_S:  # frames tick the engine themselves
            async with conn.engine_lock:  # a tick may end an exercise and write its result
                cues = await run_in_threadpool(live.tick)
        await conn.send({"type": "state", "state": live.snapshot(), "cues": _cues(cues)})
        if await _finish_if_done(conn, live):
            with contextlib.suppress(RuntimeError):
                await conn.websocket.close()
            return


async def _handle_frame(conn: _Connection, live: LiveSession, data: bytes) -> None:
    if len(data) <= FRAME_HEADER.size:
        raise InvalidInput(gettext("frame: empty"))
    (client_ts,) = FRAME_HEADER.unpack_from(data)
    started = time.perf_counter()
    positions, confidence, size = await run_in_threadpool(live.estimate, data[FRAME_HEADER.size :])
    async with conn.engine_lock:
        cues = await run_in_threadpool(
            live.push_keypoints, positions, confidence, BLAZEPOSE_33_NAMES
        )
    reply: dict[str, Any] = {
        "type": "frame",
        "client_ts": client_ts,
        "landmarks": landmarks_json(positions, confidence, size),
        "angle": live.snapshot_angle(),
        "cues": _cues(cues),
        "reps_done": live.engine.state()["reps_done"] if cues else None,
        "server_ms": round((time.perf_counter() - started) * 1000.0, 1),
    }
    if live.sensor_beside:
        reply["sensor_angle"] = live.snapshot_sensor()
    await conn.send(reply)


async def _handle_message(conn: _Connection, live: LiveSession, message: ClientMessage) -> None:
    if isinstance(message, ImuMessage):
        if live.source != "imu" and not live.sensor_beside:
            raise InvalidInput(gettext("imu: this session was not opened for a motion sensor"))
        imu_ack: dict[str, Any] = {"type": "ack", "client_ts": message.t}
        async with conn.engine_lock:  # decoding and the engine run off the event loop
            if live.sensor_beside:  # an extra measured trace; the camera drives the engine
                await run_in_threadpool(live.push_sensor_locked, message.lines)
                imu_ack["sensor_angle"] = live.snapshot_sensor()
                cues: list[Any] = []
            else:
                cues = await run_in_threadpool(live.push_imu, message.lines)
        imu_ack |= {"angle": live.snapshot_angle(), "cues": _cues(cues)}
        await conn.send(imu_ack)
        if live.imu_error:  # the good lines counted; say what was wrong with the others
            raise InvalidInput(gettext("imu: {imu_error}").format(imu_error=live.imu_error))
        return
    if isinstance(message, SensorMessage):
        async with conn.engine_lock:
            cues = await run_in_threadpool(live.push_plugin, message.sensor, message.lines)
        await conn.send(
            {"type": "ack", "client_ts": message.t, "sensors": live.sensor_host.readouts(),
             "cues": _cues(cues)}
        )  # fmt: skip
        if live.imu_error:
            raise InvalidInput(f"{message.sensor}: {live.imu_error}")
        return
    if isinstance(message, KeypointsMessage):  # (batched by the receive loop)
        raise InvalidInput(gettext("keypoints: this session was not opened for keypoints"))
    async with conn.engine_lock:  # check-ins and stops write to the database: off the loop
        cues = await run_in_threadpool(live.control, message.model_dump())
    await conn.send({"type": "state", "state": live.snapshot(), "cues": _cues(cues)})


@router.post("/session/{session_id}/pain")
async def session_pain_now(
    session_id: int, request: Request, _: CsrfChecked, user: PatientUser, db: DbDep
) -> Response:
    """ "Pain now?" answered on the end-of-session summary (also after a session ended early):
    stored with the session as its pain after. Body: ``{"pain": 0-10}`` (JSON)."""
    from spinecoach.reports.session_summary import record_pain_now

    try:
        body = await request.json()
    except ValueError:
        raise InvalidInput(gettext('pain: expected a JSON body {"pain": 0-10}')) from None
    pain = body.get("pain") if isinstance(body, dict) else None
    row = record_pain_now(db, user.id, session_id, pain)  # type: ignore[arg-type]
    return JSONResponse({"session_id": row.id, "pain_after": row.pain_after})


@router.websocket("/ws/session")
async def live_session(
    websocket: WebSocket, source: str = "timer", sensor: str = "", resume: str = ""
) -> None:
    """A guided session over a WebSocket (camera frames or timers only; ``sensor=imu`` adds a
    motion sensor beside the camera; ``resume=ID`` continues an interrupted session)."""
    await _serve(websocket, source, sensor, resume)


@router.websocket("/ws/session/imu")
async def live_session_imu(websocket: WebSocket, resume: str = "") -> None:
    """A guided session steered by a motion sensor (a phone or sensor bridge sends the IMU
    JSON lines of ``spinecoach.sources.imu.live`` inside ``{"type": "imu", "lines": ...}``)."""
    await _serve(websocket, "imu", "", resume)


@router.get("/session/sensor")
def sensor_page(request: Request, user: PatientUser, care: CareDep) -> Response:
    """The phone-as-back-sensor page that streams into the person's running camera session."""
    care.require_clear_to_exercise(user)
    return render(request, "session_sensor.html")


@router.websocket("/ws/session/sensor")
async def live_sensor(websocket: WebSocket) -> None:
    """A second device (a phone on the lower back) streaming IMU lines into the person's
    running camera session opened with ``sensor=imu``; answers ``ack`` {sensor_angle}."""
    ctx: AppContext = websocket.app.state.ctx
    try:
        person, _session, _token = await run_in_threadpool(_authorise, websocket, ctx)
        target = await ctx.live.find_sensor_target(person.id)  # in this process or another
    except SpinecoachError as exc:
        await websocket.accept()
        await websocket.send_text(json.dumps({"type": "error", "error": str(exc), "fatal": True}))
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    await websocket.send_text(json.dumps({"type": "hello", "session_id": target.session_id}))
    limit = ctx.settings.ws_max_message_bytes
    bad = BadMessages(websocket, MAX_BAD_MESSAGES)
    with contextlib.suppress(WebSocketDisconnect):
        while target.active:
            text = await websocket.receive_text()
            if len(text) > limit:
                await websocket.send_text(
                    json.dumps(
                        {
                            "type": "error",
                            "error": gettext("message larger than {limit} bytes").format(
                                limit=limit
                            ),
                        }
                    )
                )
                await websocket.close(code=TOO_BIG)
                return
            try:
                message = _sensor_message(text)
                plugin = message.sensor if isinstance(message, SensorMessage) else None
                ack = await target.push(plugin, message.lines)  # off the loop, or relayed
                if ack is None:  # ended here; a reconnect may have moved it to another process
                    moved = await _follow(ctx, person.id, target.session_id)
                    if moved is None:
                        break
                    target = moved
                    ack = await target.push(plugin, message.lines)
                    if ack is None:
                        break
            except WorkerUnreachable as exc:
                await websocket.send_text(json.dumps({"type": "error", "error": str(exc)}))
                continue
            except InvalidInput as exc:
                if await bad.refuse(exc):
                    return
                continue
            await websocket.send_text(json.dumps(ack))
        await websocket.send_text(json.dumps({"type": "finished"}))
        await websocket.close()


async def _follow(ctx: AppContext, person_id: int, session_id: int | None) -> SensorTarget | None:
    """The same stored session's new holder after a reconnect took it over (None: over)."""
    try:
        target = await ctx.live.find_sensor_target(person_id)
    except InvalidInput:
        return None
    return target if target.session_id == session_id and session_id is not None else None


def _sensor_message(text: str) -> ImuMessage | SensorMessage:
    """A sensor device's ``{"type": "imu" | "sensor", "lines": ...}`` message."""
    message = parse_message(text)
    if not isinstance(message, ImuMessage | SensorMessage):
        raise InvalidInput(gettext('message: expected {"type": "imu", "lines": ...}'))
    return message


@router.websocket("/ws/session/keypoints")
async def live_session_keypoints(websocket: WebSocket, sensor: str = "", resume: str = "") -> None:
    """A guided session fed keypoints by the client (phones with on-device pose, the bench);
    ``sensor=imu`` adds a motion sensor beside it."""
    await _serve(websocket, "keypoints", sensor, resume)


async def _let_go(conn: _Connection, ctx: AppContext, key: int) -> None:
    """A reconnect (``resume=ID``, in any process) takes this session over: stop ticking,
    leave the stored session resumable, tell this page, close its socket."""
    conn.moved = True
    if conn.ticker is not None:
        conn.ticker.cancel()
    async with conn.engine_lock:  # no engine call is running or will run here
        await run_in_threadpool(ctx.live.close, key, _("Continued in another window."), True)
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await conn.send(
            {
                "type": "moved",
                "error": _("This session continues in another window."),
                "fatal": True,
            }
        )
        await conn.websocket.close(code=MOVED)


class _Keypoints:
    """Keypoints messages received together, fed to the engine in one go."""

    def __init__(self) -> None:
        self.frames: list[tuple[Any, Any, tuple[str, ...], float]] = []
        self.client_ts: list[float | None] = []

    def add(self, message: KeypointsMessage, at_s: float) -> None:
        positions, confidence, names = parse_keypoints(
            {"keypoints": message.keypoints, "names": message.names}, BLAZEPOSE_33_NAMES
        )
        self.frames.append((positions, confidence, names, at_s))
        self.client_ts.append(message.t)

    def add_arrays(self, message: KeypointsArrays, at_s: float) -> None:
        """A plain keypoints message already read into arrays (33 BlazePose points)."""
        self.frames.append((message.positions, message.confidence, BLAZEPOSE_33_NAMES, at_s))
        self.client_ts.append(message.t)

    async def flush(self, conn: _Connection, live: LiveSession) -> None:
        """Run the waiting frames through the engine; one ``ack`` per frame, in order."""
        if not self.frames:
            return
        frames, stamps = self.frames, self.client_ts
        self.frames, self.client_ts = [], []
        async with conn.engine_lock:
            # The engine runs here, on the event loop (tens of microseconds a frame): a hop
            # to a worker thread per message cost more than the work. What it writes (an
            # exercise or the session ending) is written off the loop before the acks go.
            results, writes = live.push_keypoints_here(frames)
            conn.pushed_at = time.monotonic()
            if writes:
                await run_in_threadpool(_run_all, live, writes)
        for client_ts, (cues, angle, sensor) in zip(stamps, results, strict=True):
            ack: dict[str, Any] = {
                "type": "ack",
                "client_ts": client_ts,
                "angle": angle,
                "cues": _cues(cues),
            }
            if live.sensor_beside:
                ack["sensor_angle"] = sensor
            await conn.send(ack)


def _run_all(live: LiveSession, writes: list[Any]) -> None:
    for write in writes:
        write()
    live.release_connection()


async def _read(
    websocket: WebSocket, inbox: asyncio.Queue[tuple[Any, float]], live: LiveSession
) -> None:
    """Receive into ``inbox``, each message stamped with its arrival on the engine's clock
    (bounded: when the engine falls behind, the socket stops being read)."""
    try:
        while True:
            message = await websocket.receive()
            await inbox.put((message, live.clock.now()))
            if message["type"] == "websocket.disconnect":
                return
    except (WebSocketDisconnect, RuntimeError):
        await inbox.put(({"type": "websocket.disconnect"}, 0.0))


def _resume_id(resume: str) -> int | None:
    if not resume:
        return None
    if not resume.isdigit() or len(resume) > 18:
        raise InvalidInput(
            gettext("resume: expected a session number, got {resume}").format(
                resume=repr(resume[:40])
            )
        )
    return int(resume)


def _resumed(ctx: AppContext, person_id: int, resume_id: int, plan: Any) -> Any:
    with ctx.session_factory() as db:
        return resumed_plan(db, person_id, resume_id, plan)


def _sensors_beside(sensor: str) -> tuple[bool, tuple[str, ...]]:
    """``sensor=imu`` and/or sensor plug-ins (``sensor=band``, ``sensor=imu,emg``)."""
    names = tuple(n for n in sensor.split(",") if n) if sensor else ()
    known = ("imu", *sensor_plugins())
    bad = [n for n in names if n not in known]
    if bad or len(names) > len(set(names)):
        expected = " or ".join(f"'{k}'" for k in known)
        raise InvalidInput(
            gettext("sensor: expected {expected} or nothing, got {sensor}").format(
                expected=expected, sensor=repr(sensor[:40])
            )
        )
    return "imu" in names, tuple(n for n in names if n != "imu")


async def _serve(websocket: WebSocket, source: str, sensor: str = "", resume: str = "") -> None:
    ctx: AppContext = websocket.app.state.ctx
    try:
        beside, plugins = _sensors_beside(sensor)
        if plugins and source not in ("camera", "keypoints", "imu", "timer"):
            raise InvalidInput(
                gettext("sensor: not available with source {source}").format(source=repr(source))
            )
        resume_id = _resume_id(resume)
        person, plan, plan_id = await run_in_threadpool(_authorise, websocket, ctx)
        if resume_id is not None:
            plan = await run_in_threadpool(_resumed, ctx, person.id, resume_id, plan)
        # plan_id is None for a desk break (no stored routine row; the sink accepts None)
        key, live = await ctx.live.open(
            person.id, plan, plan_id, source, beside, plugins, resume_id
        )
    except SpinecoachError as exc:
        await websocket.accept()
        await websocket.send_text(json.dumps({"type": "error", "error": str(exc), "fatal": True}))
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    conn = _Connection(websocket)
    live.let_go = lambda: _let_go(conn, ctx, key)
    inbox: asyncio.Queue[tuple[Any, float]] = asyncio.Queue(2 if source == "camera" else MAX_BATCH)
    reader: asyncio.Task[None] | None = None
    limit = ctx.settings.ws_max_message_bytes
    bad = BadMessages(websocket, MAX_BAD_MESSAGES, conn.send)
    try:
        cues = await run_in_threadpool(live.start)
        await run_in_threadpool(ctx.live.started, key)  # other processes see the session id
        await run_in_threadpool(mark_desk_break, ctx, live.session_id, plan)
        await conn.send(
            {
                "type": "hello",
                "session_id": live.session_id,
                "source": source,
                "sensor": "imu" if live.sensor_beside else None,
                "sensors": list(live.sensor_host.channels),
                "state": live.snapshot(),
                "cues": _cues(cues),
                "names": list(BLAZEPOSE_33_NAMES),
            }
        )
        conn.ticker = asyncio.create_task(_ticker(conn, live, ctx))
        reader = asyncio.create_task(_read(websocket, inbox, live))
        keypoints = _Keypoints()
        done = False
        while not done and not conn.finished_sent and not conn.moved:
            batch = [await inbox.get()]
            while len(batch) < TURN and not inbox.empty():
                batch.append(inbox.get_nowait())
            for message, at_s in batch:
                if message["type"] == "websocket.disconnect" or conn.moved:
                    done = True
                    break
                data, text = message.get("bytes"), message.get("text")
                size = len(data) if data is not None else len(text or "")
                if size > limit:
                    await keypoints.flush(conn, live)
                    await conn.send(
                        {
                            "type": "error",
                            "error": gettext("message larger than {limit} bytes").format(
                                limit=limit
                            ),
                        }
                    )
                    await websocket.close(code=TOO_BIG)
                    done = True
                    break
                try:
                    if data is not None:
                        await keypoints.flush(conn, live)
                        if source != "camera":
                            raise InvalidInput(
                                gettext("frame: this session was not opened for the camera")
                            )
                        await _handle_frame(conn, live, data)
                        continue
                    if source == "keypoints" and text:  # the common message, read at once
                        arrays = fast_keypoints(text, len(BLAZEPOSE_33_NAMES))
                        if arrays is not None:
                            keypoints.add_arrays(arrays, at_s)
                            continue
                    parsed = parse_message(text or "")  # a typed message or one clear line
                    if isinstance(parsed, KeypointsMessage) and source == "keypoints":
                        keypoints.add(parsed, at_s)
                        continue
                    await keypoints.flush(conn, live)
                    await _handle_message(conn, live, parsed)
                except InvalidInput as exc:
                    await keypoints.flush(conn, live)
                    if await bad.refuse(exc):
                        done = True
                        break
            if not done:
                await keypoints.flush(conn, live)
            await _finish_if_done(conn, live)
            if not inbox.empty():
                await asyncio.sleep(0)  # end of this connection's turn
        if conn.finished_sent:
            with contextlib.suppress(RuntimeError):
                await websocket.close()
    except WebSocketDisconnect:
        pass
    except RuntimeError as exc:  # the socket closed under a send
        log.info("live session socket closed: %s", exc)
    finally:
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await reader
        if conn.ticker is not None:
            conn.ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await conn.ticker
        # A dropped connection leaves the stored session resumable (the page reconnects with
        # resume=ID, whichever server process it reaches); a finished one is closed.
        await run_in_threadpool(
            ctx.live.close, key, _("Connection closed before the end."), not conn.finished_sent
        )
