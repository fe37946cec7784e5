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
from spinecoach.domain.posture import compare_all
from spinecoach.errors import InvalidInput, SpinecoachError
from spinecoach.store import models
from spinecoach.web.context import AppContext
from spinecoach.web.deps import CareDep, ContextDep, CsrfChecked, PatientUser
from spinecoach.web.pages import redirect, render
from spinecoach.web.posture import CheckRun, MonitorRun
from spinecoach.web.security import COOKIE_NAME

router = APIRouter()
POLICY_VIOLATION = 1008
MAX_BAD_MESSAGES = 20


def _now() -> datetime:
    return datetime.now(UTC)


def _measure_label(measure: str, norms: Mapping[str, Any]) -> str:
    norm = norms.get(measure)
    return norm.label if norm is not None else measure.replace("_", " ")


@router.get("/posture")
def posture_page(
    request: Request, user: PatientUser, care: CareDep, ctx: ContextDep, error: str = ""
) -> Response:
    """Latest checks with their norms and confidence, trend, desk advice, desk breaks."""
    service = care.service.posture
    guide = load_desk_guide(ctx.settings.content_dir)
    assessments = service.assessments(user.id)
    latest: dict[tuple[str, str], Any] = {}
    for assessment in assessments:
        latest[(assessment.position, assessment.view)] = assessment
    checks = [
        {
            "assessment": a,
            "comparisons": compare_all(a, service.norms),
            "labels": {f.measure: _measure_label(f.measure, service.norms) for f in a.figures},
        }
        for a in sorted(latest.values(), key=lambda a: a.taken_at, reverse=True)
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
                raise InvalidInput(f"{question.id}: expected a number, got {value!r}") from None
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


@router.get("/posture/check")
def check_page(
    request: Request, user: PatientUser, view: str = "side", position: str = "seated"
) -> Response:
    """The guided webcam check for one view and position."""
    if view not in ("side", "front") or position not in ("standing", "seated"):
        raise InvalidInput("view must be side or front, position standing or seated")
    return render(request, "posture_check.html", view=view, position=position)


@router.get("/posture/monitor")
def monitor_page(request: Request, user: PatientUser, ctx: ContextDep) -> Response:
    """The opt-in sitting monitor (off until you switch it on)."""
    return render(request, "posture_monitor.html", fps=ctx.settings.monitor_fps)


def _person_of(websocket: WebSocket, ctx: AppContext) -> int:
    """Same-site, signed-in patient (the guided session's rules)."""
    origin = websocket.headers.get("origin")
    if origin and urlparse(origin).netloc != websocket.headers.get("host"):
        raise InvalidInput("cross-site WebSocket refused")
    session = ctx.signer.loads(websocket.cookies.get(COOKIE_NAME))
    if session is None or session.user_id is None:
        raise InvalidInput("please sign in")
    with ctx.session_factory() as db:
        person = db.get(models.Person, session.user_id)
        if person is None or person.role != "patient":
            raise InvalidInput("the posture pages are for patients")
        return person.id


async def _refuse(websocket: WebSocket, exc: SpinecoachError) -> None:
    await websocket.accept()
    await websocket.send_text(json.dumps({"type": "error", "error": str(exc), "fatal": True}))
    await websocket.close(code=POLICY_VIOLATION)


@router.websocket("/ws/posture/check")
async def check_socket(websocket: WebSocket, view: str = "side", position: str = "seated") -> None:
    """The webcam check: frames in, figures out."""
    ctx: AppContext = websocket.app.state.ctx
    try:
        person_id = await run_in_threadpool(_person_of, websocket, ctx)
        run = CheckRun(ctx, person_id, view, position)
    except SpinecoachError as exc:
        await _refuse(websocket, exc)
        return
    await websocket.accept()
    limit = ctx.settings.ws_max_message_bytes
    bad = 0
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            data, text = message.get("bytes"), message.get("text")
            try:
                if data is not None:
                    if len(data) > limit:
                        raise InvalidInput(f"message larger than {limit} bytes")
                    n = await run_in_threadpool(run.add_frame, data)
                    await websocket.send_text(json.dumps({"type": "progress", "frames": n}))
                    continue
                if json.loads(text or "{}").get("type") == "done":
                    result = await run_in_threadpool(run.finish, _now())
                    await websocket.send_text(json.dumps(result))
                    await websocket.close()
                    break
                raise InvalidInput('expected frames, then {"type": "done"}')
            except (InvalidInput, json.JSONDecodeError) as exc:
                bad += 1
                await websocket.send_text(json.dumps({"type": "error", "error": str(exc)}))
                if bad > MAX_BAD_MESSAGES:
                    await websocket.close(code=POLICY_VIOLATION)
                    break
    except WebSocketDisconnect:
        pass
    finally:
        run.pose.close()


@router.websocket("/ws/posture/monitor")
async def monitor_socket(websocket: WebSocket) -> None:
    """The sitting monitor: about one frame a second; stores only minutes and nudges."""
    ctx: AppContext = websocket.app.state.ctx
    try:
        person_id = await run_in_threadpool(_person_of, websocket, ctx)
    except SpinecoachError as exc:
        await _refuse(websocket, exc)
        return
    await websocket.accept()
    run = MonitorRun(ctx, person_id)
    limit = ctx.settings.ws_max_message_bytes
    stopped = False
    bad = 0
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            data, text = message.get("bytes"), message.get("text")
            try:
                if data is not None:
                    if len(data) > limit:
                        raise InvalidInput(f"message larger than {limit} bytes")
                    state = await run_in_threadpool(run.add_frame, data)
                    await websocket.send_text(json.dumps(state))
                    continue
                payload = json.loads(text or "{}")
                kind = payload.get("type") if isinstance(payload, dict) else None
                if kind == "away":
                    t = payload.get("t")
                    if not isinstance(t, int | float):
                        raise InvalidInput("away: expected a time stamp 't' in ms")
                    await websocket.send_text(json.dumps(run.add_absent(float(t) / 1000.0)))
                elif kind == "keypoints":  # pose estimated in the browser
                    await websocket.send_text(json.dumps(run.add_keypoints(payload)))
                elif kind == "stop":
                    summary = await run_in_threadpool(run.stop)
                    stopped = True
                    await websocket.send_text(json.dumps(summary))
                    await websocket.close()
                    break
                else:
                    raise InvalidInput('expected frames, {"type": "away"} or {"type": "stop"}')
            except (InvalidInput, json.JSONDecodeError) as exc:
                bad += 1
                await websocket.send_text(json.dumps({"type": "error", "error": str(exc)}))
                if bad > MAX_BAD_MESSAGES:
                    await websocket.close(code=POLICY_VIOLATION)
                    break
    except WebSocketDisconnect:
        pass
    finally:
        if not stopped:
            with contextlib.suppress(SpinecoachError):
                await run_in_threadpool(run.stop)
