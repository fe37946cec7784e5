"""The Posture page, the webcam posture check, the desk questionnaire, desk-break times and the
opt-in sitting monitor.

WebSockets (same frame format as ``/ws/session``: 8-byte little-endian float64 client time
stamp in ms + one JPEG):

* ``/ws/posture/check?view=side|front&position=standing|seated``: frames (about 4 a second
  for ten seconds) -> ``progress`` {frames}; text ``{"type": "done"}`` -> ``result``
  {id, figures, unmeasurable, notes, findings}, then the server closes.
* ``/ws/posture/monitor``: frames about once a second (or text ``{"type": "keypoints", "t":
  ms, "keypoints": [[x, y, confidence], ...]}`` from a pose estimator in the browser) ->
  ``state`` {category, calibrated, minutes, nudges}; text ``{"type": "away", "t": ms}`` when
  the page has no frame;
  ``{"type": "stop"}`` (or closing the socket) stores minutes and nudges -> ``stopped``.

With a phone on the back (or a sensor bridge), ``source=imu`` on either socket opens a *link*
that the phone's page ``/posture/sensor`` streams into over ``/ws/posture/sensor`` (text
``{"type": "imu", "lines": "<protocol lines>"}`` -> ``ack`` {kind, calibrated}):

* ``/ws/posture/check?source=imu&position=...``: ``{"type": "status"}`` -> ``sensor``
  {connected, receiving, calibrated, held_s, bad_lines}; ``{"type": "done"}`` -> ``result``
  (pelvic tilt, and lumbar angle with two sensors).
* ``/ws/posture/monitor?source=imu``: ``{"type": "tick", "t": ms}`` about once a second ->
  ``state`` (as above, plus ``sensor``); no fresh sensor data = paused (away).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from spinecoach.content.posture import load_desk_guide
from spinecoach.domain.desk_breaks import due_break, parse_break_times
from spinecoach.domain.i18n import _
from spinecoach.domain.posture import compare_all, latest_checks
from spinecoach.errors import InvalidInput, SpinecoachError
from spinecoach.store import models
from spinecoach.web.context import AppContext
from spinecoach.web.deps import CareDep, ContextDep, CsrfChecked, PatientUser
from spinecoach.web.pages import redirect, render
from spinecoach.web.posture import CheckRun, MonitorRun, finish_imu_check
from spinecoach.web.security import COOKIE_NAME
from spinecoach.web.sockets import POLICY_VIOLATION, BadMessages, received

router = APIRouter()
MAX_BAD_MESSAGES = 20


def _now() -> datetime:
    return datetime.now(UTC)


def _measure_label(measure: str, norms: Mapping[str, Any]) -> str:
    norm = norms.get(measure)
    return _(norm.label) if norm is not None else measure.replace("_", " ")


@router.get("/posture")
def posture_page(
    request: Request, user: PatientUser, care: CareDep, ctx: ContextDep, error: str = ""
) -> Response:
    """Latest checks with their norms and confidence, trend, desk advice, desk breaks."""
    service = care.service.posture
    guide = load_desk_guide(ctx.settings.content_dir)
    assessments = service.assessments(user.id)
    checks = [
        {
            "assessment": a,
            "comparisons": compare_all(a, service.norms),
            "labels": {f.measure: _measure_label(f.measure, service.norms) for f in a.figures},
        }
        for a in latest_checks(assessments)
    ]
    answers = service.latest_desk(user.id)
    advice = [] if answers is None else [a for a in guide.advice if a.applies(answers)]
    breaks = service.breaks(user.id)
    local = datetime.now().astimezone()  # break times are the person's wall-clock times
    done = service.breaks_done(user.id, local.date())
    due = due_break(breaks, done, local.time())
    return render(
        request,
        "posture.html",
        checks=checks,
        norms=service.norms,
        findings=service.findings(user.id),
        weeks=service.weekly(user.id),
        guide=guide,
        answers=answers or {},
        advice=advice,
        breaks=breaks,
        done=done,
        due=due,
        break_times=",".join(b.label for b in breaks),
        error=error,
        config_json=json.dumps({"breaks": [b.label for b in breaks], "done": done}).replace(
            "<", "\\u003c"
        ),
    )


@router.post("/posture/desk")
async def desk_submit(
    request: Request, _csrf: CsrfChecked, user: PatientUser, care: CareDep, ctx: ContextDep
) -> Response:
    """Store the desk questionnaire from the form."""
    guide = load_desk_guide(ctx.settings.content_dir)
    form = await request.form()
    raw: dict[str, Any] = {}
    for question in guide.questions:
        value = form.get(question.id)
        if value is None or value == "":
            continue
        if question.kind == "number":
            try:
                raw[question.id] = float(str(value))
            except ValueError:
                raise InvalidInput(
                    _("{id}: expected a number, got {value}").format(
                        id=question.id, value=repr(value)
                    )
                ) from None
        else:
            raw[question.id] = str(value)
    care.service.posture.record_desk(user.id, raw, guide, _now(), name="desk questionnaire")
    return redirect("/posture#desk")


@router.post("/posture/breaks")
async def breaks_submit(
    request: Request, _csrf: CsrfChecked, user: PatientUser, care: CareDep
) -> Response:
    """Set the desk-break times (2-4, HH:MM, comma-separated)."""
    form = await request.form()
    times = parse_break_times(t for t in str(form.get("times", "")).split(",") if t.strip())
    profile = care.service.latest_profile(user.id)
    care.service.posture.set_break_times(user.id, times, profile, _now())
    return redirect("/posture#breaks")


SOURCES = ("camera", "imu")


@router.get("/posture/check")
def check_page(
    request: Request,
    user: PatientUser,
    view: str = "side",
    position: str = "seated",
    source: str = "camera",
) -> Response:
    """The guided check for one view and position (webcam, or a phone on the back)."""
    if view not in ("side", "front") or position not in ("standing", "seated"):
        raise InvalidInput(_("view must be side or front, position standing or seated"))
    if source not in SOURCES:
        raise InvalidInput(_("source must be camera or imu"))
    return render(request, "posture_check.html", view=view, position=position, source=source)


@router.get("/posture/monitor")
def monitor_page(request: Request, user: PatientUser, ctx: ContextDep) -> Response:
    """The opt-in sitting monitor (off until you switch it on)."""
    return render(request, "posture_monitor.html", fps=ctx.settings.monitor_fps)


@router.get("/posture/sensor")
def sensor_page(request: Request, user: PatientUser) -> Response:
    """The phone-on-the-back page that streams into the posture check or the monitor."""
    return render(request, "posture_sensor.html")


def _person_of(websocket: WebSocket, ctx: AppContext) -> int:
    """Same-site, signed-in patient (the guided session's rules)."""
    origin = websocket.headers.get("origin")
    if origin and urlparse(origin).netloc != websocket.headers.get("host"):
        raise InvalidInput(_("cross-site WebSocket refused"))
    session = ctx.signer.loads(websocket.cookies.get(COOKIE_NAME))
    if session is None or session.user_id is None:
        raise InvalidInput(_("please sign in"))
    with ctx.session_factory() as db:
        person = db.get(models.Person, session.user_id)
        if person is None or person.role != "patient":
            raise InvalidInput(_("the posture pages are for patients"))
        return person.id


async def _refuse(websocket: WebSocket, exc: SpinecoachError) -> None:
    await websocket.accept()
    await websocket.send_text(json.dumps({"type": "error", "error": str(exc), "fatal": True}))
    await websocket.close(code=POLICY_VIOLATION)


@router.websocket("/ws/posture/check")
async def check_socket(
    websocket: WebSocket, view: str = "side", position: str = "seated", source: str = "camera"
) -> None:
    """The webcam check: frames in, figures out (``source=imu``: a phone on the back)."""
    ctx: AppContext = websocket.app.state.ctx
    try:
        person_id = await run_in_threadpool(_person_of, websocket, ctx)
        if source not in SOURCES:
            raise InvalidInput(_("source must be camera or imu"))
        if source == "imu":
            if position not in ("standing", "seated"):
                raise InvalidInput(_("position must be standing or seated"))
        else:
            run = CheckRun(ctx, person_id, view, position)
    except SpinecoachError as exc:
        await _refuse(websocket, exc)
        return
    if source == "imu":
        await _imu_check(websocket, ctx, person_id, position)
        return
    await websocket.accept()
    limit = ctx.settings.ws_max_message_bytes
    bad = BadMessages(websocket, MAX_BAD_MESSAGES)
    try:
        async for data, text in received(websocket):
            try:
                if data is not None:
                    _check_size(data, limit)
                    n = await run_in_threadpool(run.add_frame, data)
                    await websocket.send_text(json.dumps({"type": "progress", "frames": n}))
                    continue
                if json.loads(text or "{}").get("type") == "done":
                    result = await run_in_threadpool(run.finish, _now())
                    await websocket.send_text(json.dumps(result))
                    await websocket.close()
                    break
                raise InvalidInput(_('expected frames, then {"type": "done"}'))
            except (InvalidInput, json.JSONDecodeError) as exc:
                if await bad.refuse(exc):
                    break
    except WebSocketDisconnect:
        pass
    finally:
        run.pose.close()


async def _imu_check(websocket: WebSocket, ctx: AppContext, person_id: int, position: str) -> None:
    link = ctx.posture_sensors.open(person_id, "check")
    await websocket.accept()
    bad = BadMessages(websocket, MAX_BAD_MESSAGES)
    try:
        while True:
            text = await websocket.receive_text()
            try:
                payload = json.loads(text)
                kind = payload.get("type") if isinstance(payload, dict) else None
                if kind == "status":
                    await websocket.send_text(json.dumps({"type": "sensor", **link.status()}))
                elif kind == "done":
                    result = await run_in_threadpool(
                        finish_imu_check, ctx, person_id, position, link, _now()
                    )
                    await websocket.send_text(json.dumps(result))
                    await websocket.close()
                    break
                else:
                    raise InvalidInput(_('expected {"type": "status"} or {"type": "done"}'))
            except (InvalidInput, json.JSONDecodeError) as exc:
                if await bad.refuse(exc):
                    break
    except (WebSocketDisconnect, KeyError):
        pass
    finally:
        ctx.posture_sensors.close(person_id, link)


def _check_size(data: bytes | str, limit: int) -> None:
    if len(data) > limit:
        raise InvalidInput(_("message larger than {limit} bytes").format(limit=limit))


@router.websocket("/ws/posture/sensor")
async def sensor_socket(websocket: WebSocket) -> None:
    """A phone on the back streams protocol lines into the person's waiting posture page."""
    ctx: AppContext = websocket.app.state.ctx
    try:
        person_id = await run_in_threadpool(_person_of, websocket, ctx)
        link = ctx.posture_sensors.find(person_id)
        if link is None:
            raise InvalidInput(
                _(
                    "no posture page is waiting for a sensor: on your computer, open the "
                    "posture check or the sitting monitor and choose the phone on your back"
                )
            )
    except SpinecoachError as exc:
        await _refuse(websocket, exc)
        return
    await websocket.accept()
    link.connected = True
    await websocket.send_text(json.dumps({"type": "hello", "kind": link.kind}))
    limit = ctx.settings.ws_max_message_bytes
    bad = BadMessages(websocket, MAX_BAD_MESSAGES)
    try:
        while True:
            text = await websocket.receive_text()
            try:
                _check_size(text, limit)
                payload = json.loads(text)
                lines = payload.get("lines") if isinstance(payload, dict) else None
                if payload.get("type") != "imu" or not isinstance(lines, str):
                    raise InvalidInput(_('expected {"type": "imu", "lines": "..."}'))
                ack = await run_in_threadpool(link.feed, lines)
                await websocket.send_text(json.dumps(ack))
            except (InvalidInput, json.JSONDecodeError, AttributeError) as exc:
                if await bad.refuse(exc):
                    break
                if link.closed:
                    await websocket.close(code=POLICY_VIOLATION)
                    break
    except (WebSocketDisconnect, KeyError):
        pass
    finally:
        link.connected = False


@router.websocket("/ws/posture/monitor")
async def monitor_socket(websocket: WebSocket, source: str = "camera") -> None:
    """The sitting monitor: about one frame a second; stores only minutes and nudges."""
    ctx: AppContext = websocket.app.state.ctx
    try:
        person_id = await run_in_threadpool(_person_of, websocket, ctx)
        if source not in SOURCES:
            raise InvalidInput(_("source must be camera or imu"))
    except SpinecoachError as exc:
        await _refuse(websocket, exc)
        return
    await websocket.accept()
    run = MonitorRun(ctx, person_id)
    if source == "imu":
        run.link = ctx.posture_sensors.open(person_id, "monitor")
    limit = ctx.settings.ws_max_message_bytes
    stopped = False
    bad = BadMessages(websocket, MAX_BAD_MESSAGES)
    try:
        async for data, text in received(websocket):
            try:
                if data is not None:
                    _check_size(data, limit)
                    state = await run_in_threadpool(run.add_frame, data)
                    await websocket.send_text(json.dumps(state))
                    continue
                payload = json.loads(text or "{}")
                kind = payload.get("type") if isinstance(payload, dict) else None
                if kind == "away":
                    t = payload.get("t")
                    if not isinstance(t, int | float):
                        raise InvalidInput(_("away: expected a time stamp 't' in ms"))
                    await websocket.send_text(json.dumps(run.add_absent(float(t) / 1000.0)))
                elif kind == "tick":  # source=imu: the phone's latest angle, once a second
                    t = payload.get("t")
                    if not isinstance(t, int | float) or isinstance(t, bool):
                        raise InvalidInput(_("tick: expected a time stamp 't' in ms"))
                    await websocket.send_text(json.dumps(run.add_tick(float(t) / 1000.0)))
                elif kind == "keypoints":  # pose estimated in the browser
                    await websocket.send_text(json.dumps(run.add_keypoints(payload)))
                elif kind == "stop":
                    summary = await run_in_threadpool(run.stop)
                    stopped = True
                    await websocket.send_text(json.dumps(summary))
                    await websocket.close()
                    break
                else:
                    raise InvalidInput(_('expected frames, {"type": "away"} or {"type": "stop"}'))
            except (InvalidInput, json.JSONDecodeError) as exc:
                if await bad.refuse(exc):
                    break
    except WebSocketDisconnect:
        pass
    finally:
        if run.link is not None:
            ctx.posture_sensors.close(person_id, run.link)
        if not stopped:
            with contextlib.suppress(SpinecoachError):
                await run_in_threadpool(run.stop)
