"""Web app load benchmark on loopback (``python -m bench.web_load``).

Starts ``spinecoach serve`` in a child process on 127.0.0.1 with a fresh SQLite database,
creates accounts through the real pages, then:

1. 50 patients stream keypoints (not video) at 30 Hz over ``/ws/session/keypoints`` for
   ``--seconds`` while 3 clinicians browse their patient lists and patient pages; reports the
   cue round-trip (keypoints message -> acknowledgement carrying the cues) p50/p95/p99, the
   page latencies and every error;
2. one webcam session sends 640x480 JPEG frames of a real clip at 15 fps over
   ``/ws/session?source=camera``; reports the frame -> landmarks round-trip.

Goals (issue 7): p95 cue round-trip <= 50 ms with zero errors; p95 frame-to-landmarks
<= 100 ms. Issue 13: 200 patients x 30 Hz with p95 cue round-trip <= 50 ms and zero errors
while clinician pages stay at p95 <= 300 ms, on ``--workers N`` processes on PostgreSQL
(``--postgres URL``: a fresh schema is made for the run and dropped after it). The load
client runs in ``--clients K`` processes so that it is not the bottleneck; server CPU is
counted over every server process. Everything is bounded in count and time and stays on
loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson

HOST = "127.0.0.1"
PASSWORD = "bench password 123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REPO = Path(__file__).resolve().parents[1]
CLIP = REPO.parent / "shared" / "data" / "video" / "sports2d_walk_side.mp4"
NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values`` in their unit (nan when empty)."""
    return float(np.percentile(values, q)) if values else math.nan


def keypoints_at(t_s: float, phase: float) -> list[list[float]]:
    """A front-view standing figure bending side to side (period 4 s), image pixels."""
    lean = 0.35 * math.sin(2 * math.pi * t_s / 4.0 + phase)  # radians of trunk tilt
    hip_x, hip_y, trunk = 320.0, 300.0, 130.0
    sx, sy = hip_x + trunk * math.sin(lean), hip_y - trunk * math.cos(lean)
    pts: dict[str, tuple[float, float]] = {
        "left_hip": (hip_x + 30, hip_y), "right_hip": (hip_x - 30, hip_y),
        "left_knee": (hip_x + 32, hip_y + 90), "right_knee": (hip_x - 32, hip_y + 90),
        "left_ankle": (hip_x + 34, hip_y + 175), "right_ankle": (hip_x - 34, hip_y + 175),
        "left_shoulder": (sx + 45, sy), "right_shoulder": (sx - 45, sy),
        "left_elbow": (sx + 60, sy + 60), "right_elbow": (sx - 60, sy + 60),
        "left_wrist": (sx + 62, sy + 115), "right_wrist": (sx - 62, sy + 115),
        "nose": (sx, sy - 45),
    }  # fmt: skip
    out = []
    for name in NAMES:
        if name in pts:
            x, y = pts[name]
        elif "heel" in name or "foot" in name:
            x, y = pts["left_ankle" if name.startswith("left") else "right_ankle"]
            y += 10
        elif any(k in name for k in ("pinky", "index", "thumb")):
            x, y = pts["left_wrist" if name.startswith("left") else "right_wrist"]
            y += 8
        else:  # face points
            x, y = pts["nose"]
            x += 8 if "left" in name else -8 if "right" in name else 0
            y -= 6
        out.append([round(x, 1), round(y, 1), 0.95])
    return out


class Account:
    """A signed-in HTTP client for one person."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)

    def token(self) -> str:
        match = CSRF.search(self.client.get("/login", follow_redirects=True).text)
        assert match
        return match.group(1)

    def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        response = self.client.post(path, data={**data, "csrf_token": self.token()})
        if response.status_code not in (200, 303):
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:200]}")
        return response

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.client.cookies.items())


def make_accounts(
    base: str, n_patients: int, n_clinicians: int
) -> tuple[list[Account], list[tuple[Account, list[int]]]]:
    """Clinicians first (for their clinic codes), then onboarded patients."""
    clinicians = []
    for c in range(n_clinicians):
        acc = Account(base)
        acc.post(
            "/signup",
            {
                "name": f"Dr {c}",
                "email": f"dr{c}@bench.example",
                "password": PASSWORD,
                "role": "clinician",
            },
        )
        code = acc.client.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
        clinicians.append((acc, code))
    screening = Account(base).client.get("/login")  # warm-up
    del screening
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:  # onboarding is page work: several at once
        patients = list(
            pool.map(
                lambda p: _onboard(base, p, clinicians[p % n_clinicians][1]), range(n_patients)
            )
        )
    with_ids = []
    for acc, _ in clinicians:
        ids = [int(i) for i in re.findall(r'data-patient="(\d+)"', acc.client.get("/clinic").text)]
        with_ids.append((acc, ids))
    return patients, with_ids


def _onboard(base: str, p: int, clinic_code: str) -> Account:
    """Sign patient ``p`` up with the clinic code, screen and take the intake."""
    acc = Account(base)
    acc.post(
        "/signup",
        {
            "name": f"Patient {p}",
            "email": f"p{p}@bench.example",
            "password": PASSWORD,
            "role": "patient",
            "clinic_code": clinic_code,
        },
    )
    page = acc.client.get("/screening").text
    answers = {f"q_{q}": "no" for q in re.findall(r'name="q_([a-z_]+)" value="no"', page)}
    acc.post("/screening", {**answers, "age": "45"})
    acc.post(
        "/intake",
        {
            "pain_now": "4",
            "pain_average": "4",
            "duration_weeks": "10",
            "age": "45",
            "desk_hours": "6",
            "minutes_per_day": "10",
            "leg_symptoms": "none",
            "activity_level": "moderate",
            "goals": "pain_relief",
        },
    )
    return acc


class PatientStream(asyncio.Protocol):
    """One patient's WebSocket, driven by callbacks on the event loop (no task per stream, the
    ``websockets`` sans-I/O protocol, messages serialised before the run), so that the load
    client spends as little of the shared CPUs as it can. What it measures is unchanged:
    each keypoints message's send time to its ``ack``, an ``error`` reply or 5 s without a
    reply while messages wait is an error, and every message sent is counted as it goes.

    Answers the pain check after the ``hello``, then waits for ``start`` to stream at
    ``rate_hz`` for ``seconds``; once every message is acknowledged it sends ``stop``."""

    def __init__(
        self,
        url: str,
        cookie: str,
        index: int,
        rate_hz: float,
        seconds: float,
        out: dict[str, Any],
        ready: asyncio.Future[None],
        done: asyncio.Future[None],
    ) -> None:
        from websockets.client import ClientProtocol
        from websockets.uri import parse_uri

        self.ws = ClientProtocol(parse_uri(url), max_size=2**20)
        self.request = self.ws.connect()
        self.request.headers["Cookie"] = cookie
        self.index, self.seconds, self.out = index, seconds, out
        self.period = 1.0 / rate_hz
        self.ready, self.done = ready, done
        self.transport: asyncio.Transport | None = None
        self.sent: dict[int, float] = {}
        self.n_sent = 0
        self.t0 = self.start_delay_s = 0.0
        self.exercising = False  # past the set-up step (the server's state says)
        self.exercise_from_s = math.inf  # since the streams started
        self.last_reply = time.perf_counter()
        self.streaming = self.stopped = False
        self.parts: list[bytes] = []
        # One 4 s movement cycle, serialised once: the client spends its CPU on sending.
        self.cycle = [
            json.dumps(keypoints_at(k * self.period, index * 0.37)).encode()
            for k in range(int(4.0 * rate_hz))
        ]
        self.loop = asyncio.get_running_loop()

    # -- socket ------------------------------------------------------------------------
    def itself(self) -> PatientStream:
        """The protocol factory for ``create_connection``."""
        return self

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.ws.send_request(self.request)
        self._flush()

    def _flush(self) -> None:
        data = self.ws.data_to_send()
        if data and self.transport is not None:
            self.transport.write(b"".join(data))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.stopped:
            self._end(None)
            return
        close = self.ws.close_rcvd  # the server's reason, e.g. 1011 keepalive ping timeout
        why = f"closed by the server ({close})" if close is not None else f"connection lost ({exc})"
        self._end(f"patient {self.index}: {why}")

    def data_received(self, data: bytes) -> None:
        from websockets.frames import Frame, Opcode

        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if not isinstance(event, Frame):  # the handshake's response
                if self.ws.handshake_exc is not None:
                    self._end(f"patient {self.index}: {self.ws.handshake_exc}")
                continue
            if event.opcode is Opcode.TEXT or event.opcode is Opcode.CONT:
                self.parts.append(bytes(event.data))
                if event.fin:
                    raw, self.parts = b"".join(self.parts), []
                    self._message(raw)
        self._flush()  # pongs, the close handshake
        if self.ws.close_expected() and self.transport is not None:
            self.transport.close()

    def _send(self, text: bytes) -> None:
        self.ws.send_text(text)
        self._flush()

    # -- the session ---------------------------------------------------------------------
    def _message(self, raw: bytes) -> None:
        now = self.last_reply = time.perf_counter()
        message = orjson.loads(raw)
        kind = message.get("type")
        if kind == "ack":
            start = self.sent.pop(int(message["client_ts"]), None)
            if start is not None:
                self.out["rtts"].append((now - start) * 1000.0)
                self.out["sent_at"].append(start - self.t0 + self.start_delay_s)
                if self.exercising:
                    self.out["exercise_rtts"].append((now - start) * 1000.0)
            if not self.sent and not self.streaming and self.t0:
                self._stop()
        elif kind == "state":
            step = (message.get("state") or {}).get("step") or {}
            self.exercising = step.get("kind") not in (None, "checkin", "setup")
            if self.exercising and self.t0 and self.exercise_from_s == math.inf:
                self.exercise_from_s = now - self.t0 + self.start_delay_s
        elif kind == "hello":
            self._send(b'{"type":"pain","pain":3}')
            if not self.ready.done():
                self.ready.set_result(None)
        elif kind == "error":
            self.out["errors"].append(f"patient {self.index}: {message['error']}")
            if message.get("fatal"):
                self._end(None)
        elif kind == "finished":
            self._end(None)

    def start(self, delay_s: float = 0.0) -> None:
        """Stream from ``delay_s`` seconds from now."""
        self.t0 = self.last_reply = time.perf_counter() + delay_s
        self.start_delay_s = delay_s
        self.streaming = True
        self.loop.call_later(delay_s, self._tick)

    def _tick(self) -> None:
        if self.done.done():
            return
        now = time.perf_counter()
        if now - self.t0 >= self.seconds:
            self.streaming = False
            if not self.sent:
                self._stop()
            return
        seq = self.n_sent
        self.sent[seq] = now
        self._send(
            b'{"type":"keypoints","t":%d,"keypoints":%s}' % (seq, self.cycle[seq % len(self.cycle)])
        )
        self.n_sent += 1
        self.out["sent"] += 1
        self.loop.call_at(
            self.loop.time() + max(0.0, self.t0 + self.n_sent * self.period - time.perf_counter()),
            self._tick,
        )

    def check(self, now: float) -> None:
        """5 s without a reply while messages wait for theirs: an error, and this stream
        ends."""
        if self.sent and not self.done.done() and now - self.last_reply > 5.0:
            self._end(f"patient {self.index}: no reply for 5 s")

    def _stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self._send(b'{"type":"stop"}')
            self.ws.send_close()
            self._flush()
            self.loop.call_later(10.0, self._end, None)  # the server's close, or give up

    def _end(self, error: str | None) -> None:
        if error is not None and not self.done.done():
            self.out["errors"].append(error)
        if not self.done.done():
            self.done.set_result(None)
        if not self.ready.done():
            self.ready.set_result(None)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


async def clinician_browse(
    base: str,
    cookies: httpx.Cookies,
    patient_ids: list[int],
    seconds: float,
    latencies_ms: list[float],
    errors: list[str],
) -> None:
    """A clinician paging through the patient list and patient pages."""
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=30) as client:
        t0 = time.perf_counter()
        i = 0
        while time.perf_counter() - t0 < seconds:
            path = (
                "/clinic" if i % 3 == 0 else f"/clinic/patients/{patient_ids[i % len(patient_ids)]}"
            )
            start = time.perf_counter()
            response = await client.get(path)
            latencies_ms.append((time.perf_counter() - start) * 1000.0)
            if response.status_code != 200:
                errors.append(f"clinician GET {path}: {response.status_code}")
            i += 1
            await asyncio.sleep(0.5)


async def _stream_group(
    url: str,
    cookies: list[tuple[int, str]],
    seconds: float,
    rate_hz: float,
    start: Any,
    total: int,
) -> dict[str, Any]:
    """Some of the patients (of ``total``), in one client process (one thread, one event
    loop): connect, wait for every client process (``start``, a multiprocessing barrier),
    stream."""
    from urllib.parse import urlparse

    loop = asyncio.get_running_loop()
    out: dict[str, Any] = {
        "rtts": [], "sent_at": [], "exercise_rtts": [], "errors": [], "sent": 0,
        "exercise_from_s": [],
    }  # fmt: skip
    parsed = urlparse(url)
    streams: list[PatientStream] = []
    for n, cookie in cookies:
        ready, done = loop.create_future(), loop.create_future()
        stream = PatientStream(url, cookie, n, rate_hz, seconds, out, ready, done)
        try:
            await loop.create_connection(stream.itself, parsed.hostname or HOST, parsed.port or 80)
        except OSError as exc:
            out["errors"].append(f"patient {n}: {exc}")
            continue
        streams.append(stream)
    await asyncio.wait_for(asyncio.gather(*(s.ready for s in streams)), timeout=120)
    await loop.run_in_executor(None, start.wait)
    cpu0 = time.process_time()
    # Each patient's camera runs on its own clock: the streams start spread evenly over one
    # frame period (all in step, every frame of every patient would arrive in one burst).
    for stream in streams:
        if not stream.done.done():
            stream.start(delay_s=(stream.index % total) / total / rate_hz)
    pending = [s.done for s in streams]
    deadline = time.perf_counter() + seconds + 30
    while not all(f.done() for f in pending) and time.perf_counter() < deadline:
        await asyncio.sleep(0.5)
        now = time.perf_counter()
        for stream in streams:
            stream.check(now)
    for stream in streams:
        if not stream.done.done():
            stream._end(f"patient {stream.index}: still waiting at the end")
    out["exercise_from_s"] = [stream.exercise_from_s for stream in streams]
    return {**out, "cpu_s": time.process_time() - cpu0}


def _client_process(
    args: tuple[str, list[tuple[int, str]], float, float, Any, int],
) -> dict[str, Any]:
    import uvloop

    url, cookies, seconds, rate_hz, start, total = args
    return uvloop.run(_stream_group(url, cookies, seconds, rate_hz, start, total))


async def load_phase(
    base: str,
    ws_base: str,
    patients: list[Account],
    clinicians: list[tuple[Account, list[int]]],
    seconds: float,
    rate_hz: float,
    server_pid: int,
    n_clients: int = 1,
    browse: bool = True,
) -> dict[str, Any]:
    import multiprocessing

    pages: list[float] = []
    errors: list[str] = []
    n_clients = max(1, min(n_clients, len(patients)))
    mp = multiprocessing.get_context("spawn")
    manager = mp.Manager()
    start = manager.Barrier(n_clients + 1)
    cookies = [(n, acc.cookie) for n, acc in enumerate(patients)]
    groups = [cookies[k::n_clients] for k in range(n_clients)]
    url = ws_base + "/ws/session/keypoints"
    loop = asyncio.get_running_loop()
    with mp.Pool(n_clients) as pool:
        pending = pool.map_async(
            _client_process, [(url, g, seconds, rate_hz, start, len(patients)) for g in groups]
        )
        await loop.run_in_executor(None, start.wait, 180)  # every patient connected
        t0 = time.perf_counter()
        server_cpu0 = _cpu_split_s(server_pid)
        cpu_samples: list[tuple[float, float]] = []
        sampler = asyncio.create_task(_sample_cpu(server_pid, t0, cpu_samples))
        results = await asyncio.gather(
            *(
                clinician_browse(base, acc.client.cookies, ids, seconds, pages, errors)
                for acc, ids in (clinicians if browse else [])
            ),
            return_exceptions=True,
        )
        groups_out = await loop.run_in_executor(None, pending.get, seconds + 60)
        wall_s = time.perf_counter() - t0
        sampler.cancel()
        server_user_s, server_system_s = (
            b - a for a, b in zip(server_cpu0, _cpu_split_s(server_pid), strict=True)
        )
        server_cpu_s = server_user_s + server_system_s
    manager.shutdown()
    for r in results:
        if isinstance(r, BaseException):
            errors.append(f"{type(r).__name__}: {r}")
    rtts = [v for g in groups_out for v in g["rtts"]]
    sent_at = [v for g in groups_out for v in g["sent_at"]]
    exercise_rtts = [v for g in groups_out for v in g["exercise_rtts"]]
    errors.extend(e for g in groups_out for e in g["errors"])
    # a session's set-up step runs from its pain check-in, so the sessions that connected
    # first may be exercising when the streams start: the set-up phase ends when the first
    # stream exercises, the exercise phase starts when every stream does
    exercise_from_s = [t for g in groups_out for t in g["exercise_from_s"]] or [math.inf]
    return {
        "rtts": rtts,
        "sent_at": sent_at,
        "exercise_rtts": exercise_rtts,
        "cpu_by_phase": _cpu_by_phase(
            cpu_samples, sent_at, min(exercise_from_s), max(exercise_from_s), seconds
        ),
        "pages": pages,
        "errors": errors,
        "sent": sum(g["sent"] for g in groups_out),
        "wall_s": wall_s,
        "client_cpu": sum(g["cpu_s"] for g in groups_out) / wall_s,
        "server_cpu": server_cpu_s / wall_s,
        "server_system_share": server_system_s / server_cpu_s if server_cpu_s else math.nan,
    }


async def _sample_cpu(pid: int, t0: float, out: list[tuple[float, float]]) -> None:
    """Every 0.5 s: (seconds since ``t0``, CPU seconds of the server so far), until
    cancelled."""
    while True:
        out.append((time.perf_counter() - t0, sum(_cpu_split_s(pid))))
        await asyncio.sleep(0.5)


def _cpu_by_phase(
    samples: list[tuple[float, float]],
    sent_at: list[float],
    first_exercising_s: float,
    all_exercising_s: float,
    seconds: float,
) -> dict[str, tuple[float, int]]:
    """Server CPU per acknowledged message (us) and the messages counted, in the set-up step
    and in the exercise (motion analysed), each phase less a second at either end; a phase
    without two CPU samples inside it is left out."""
    at = np.asarray(sent_at)
    phases = {"set-up step": (1.0, min(first_exercising_s, seconds) - 1.0)}
    if math.isfinite(all_exercising_s):
        phases["exercise"] = (all_exercising_s + 1.0, seconds - 1.0)
    out: dict[str, tuple[float, int]] = {}
    for name, (lo, hi) in phases.items():
        inside = [(t, cpu) for t, cpu in samples if lo <= t <= hi]
        if len(inside) < 2:
            continue
        (t_a, cpu_a), (t_b, cpu_b) = inside[0], inside[-1]
        n = int(np.count_nonzero((at >= t_a) & (at < t_b)))
        if n:
            out[name] = ((cpu_b - cpu_a) * 1e6 / n, n)
    return out


def _cpu_split_s(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of ``pid`` and its child processes (Linux /proc)."""
    user = system = 0.0
    for child in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11]) / os.sysconf("SC_CLK_TCK")
        system += int(fields[12]) / os.sysconf("SC_CLK_TCK")
    return user, system


def _children(pid: int) -> list[int]:
    """Every descendant process of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *_children(kid)]
    return found


def clip_frames(n_frames: int) -> list[bytes]:
    """640x480 JPEG frames from the walking clip (the walker in view)."""
    import cv2

    capture = cv2.VideoCapture(str(CLIP))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 45)
    frames: list[bytes] = []
    while len(frames) < n_frames:
        ok, frame = capture.read()
        if not ok:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 45)
            continue
        ok, jpeg = cv2.imencode(
            ".jpg", cv2.resize(frame, (640, 480)), [cv2.IMWRITE_JPEG_QUALITY, 75]
        )
        frames.append(jpeg.tobytes())
    capture.release()
    return frames


async def camera_phase(
    ws_base: str, patient: Account, seconds: float, fps: float
) -> dict[str, Any]:
    """One webcam session: frames at ``fps``, round-trip to landmarks."""
    from websockets.asyncio.client import connect

    frames = clip_frames(int(seconds * fps))
    rtts: list[float] = []
    errors: list[str] = []
    found = 0
    sent: dict[float, float] = {}
    async with connect(
        ws_base + "/ws/session?source=camera",
        additional_headers={"Cookie": patient.cookie},
        max_size=2**20,
        open_timeout=30,
    ) as ws:
        json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "pain", "pain": 3}))
        # Warm-up frame: the pose model loads on the first one (not timed).
        await ws.send(struct.pack("<d", -1.0) + frames[0])
        while json.loads(await ws.recv()).get("type") != "frame":
            pass
        done = asyncio.Event()

        async def receive() -> None:
            nonlocal found
            while not done.is_set() or sent:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                if message["type"] == "frame":
                    start = sent.pop(message["client_ts"], None)
                    if start is not None:
                        rtts.append((time.perf_counter() - start) * 1000.0)
                    found += bool(message["landmarks"])
                elif message["type"] == "error":
                    errors.append(message["error"])

        receiver = asyncio.create_task(receive())
        t0 = time.perf_counter()
        for n, jpeg in enumerate(frames):
            await asyncio.sleep(max(0.0, t0 + n / fps - time.perf_counter()))
            sent[float(n)] = time.perf_counter()
            await ws.send(struct.pack("<d", float(n)) + jpeg)
        done.set()
        await asyncio.wait_for(receiver, timeout=20)
    return {
        "rtts": rtts,
        "errors": errors,
        "frames": len(frames),
        "with_landmarks": found,
        "jpeg_kb": sum(map(len, frames)) / len(frames) / 1024,
    }


def _timeline(sent_at: list[float], rtts: list[float], seconds: float) -> str:
    """p95 cue round-trip of the messages sent in each fifth of the run (is it steady, or a
    queue that grows?)."""
    edges = np.linspace(0.0, seconds, 6)
    at, values = np.asarray(sent_at), np.asarray(rtts)
    parts = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        chosen = values[(at >= lo) & (at < hi)]
        p95 = float(np.percentile(chosen, 95)) if chosen.size else math.nan
        parts.append(f"{lo:.0f}-{hi:.0f} s {p95:.0f}")
    return "p95 by time sent (ms): " + ", ".join(parts)


def _summary(label: str, values: list[float]) -> str:
    return (
        f"{label}: n={len(values)} p50={percentile(values, 50):.1f} ms "
        f"p95={percentile(values, 95):.1f} ms p99={percentile(values, 99):.1f} ms "
        f"max={max(values) if values else math.nan:.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.web_load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--clinicians", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0, help="load phase length (max 120)")
    parser.add_argument("--rate-hz", type=float, default=30.0)
    parser.add_argument("--camera-seconds", type=float, default=10.0)
    parser.add_argument("--camera-fps", type=float, default=15.0)
    parser.add_argument(
        "--workers", type=int, default=1, help="server worker processes (more need --postgres)"
    )
    parser.add_argument(
        "--postgres",
        default=None,
        metavar="URL",
        help="PostgreSQL URL (postgresql+psycopg://...): run on a fresh schema in it",
    )
    parser.add_argument(
        "--clients", type=int, default=1, help="load-client processes sending the streams"
    )
    parser.add_argument("--no-camera", action="store_true", help="skip the webcam phase")
    parser.add_argument(
        "--no-pages",
        action="store_true",
        help="clinicians do not browse (the server's CPU per message is then the streams' own)",
    )
    args = parser.parse_args(argv if argv is not None else [])
    if args.workers > 1 and not args.postgres:
        parser.error("--workers above 1 needs --postgres URL (SQLite serves one process)")
    args.patients = max(1, min(args.patients, 200))
    args.seconds = max(1.0, min(args.seconds, 120.0))
    args.camera_seconds = max(1.0, min(args.camera_seconds, 60.0))

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        f", load average {os.getloadavg()[0]:.2f} (other processes share these CPUs)"
    )
    port = _free_port()
    base, ws_base = f"http://{HOST}:{port}", f"ws://{HOST}:{port}"
    database = _bench_schema(args.postgres) if args.postgres else None
    print(
        f"server: {args.workers} worker process(es) on "
        f"{'PostgreSQL' if database else 'SQLite'}, {args.clients} load-client process(es)"
    )
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            **({"SPINECOACH_DATABASE_URL": database} if database else {}),
            "SPINECOACH_SECRET_KEY": "bench-" + "k" * 40,
            # every simulated person signs up from this one address (the limit is per client)
            "SPINECOACH_SIGNUP_MAX_PER_CLIENT": str(args.patients + args.clinicians + 10),
            "PYTHONPATH": str(REPO / "src"),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from spinecoach.cli import main; sys.exit(main(sys.argv[1:]))",
                "serve",
                "--host",
                HOST,
                "--port",
                str(port),
                "--data-dir",
                data_dir,
                "--no-open",
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(base + "/login", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("server did not start") from None
                    time.sleep(0.2)
            t = time.perf_counter()
            patients, clinicians = make_accounts(base, args.patients, args.clinicians)
            print(
                f"set-up: {args.patients} patients onboarded and {args.clinicians} clinicians in "
                f"{time.perf_counter() - t:.1f} s"
            )

            load = asyncio.run(
                load_phase(
                    base,
                    ws_base,
                    patients,
                    clinicians,
                    args.seconds,
                    args.rate_hz,
                    server.pid,
                    args.clients,
                    browse=not args.no_pages,
                )
            )
            rate = len(load["rtts"]) / load["wall_s"]
            print(
                f"load: {args.patients} patients x {args.rate_hz:g} Hz keypoints for "
                f"{args.seconds:g} s + {args.clinicians} clinicians browsing"
            )
            print(
                f"  keypoint messages sent {load['sent']}, acknowledged {len(load['rtts'])} "
                f"({rate:.0f}/s)"
            )
            print(
                f"  CPU: server {load['server_cpu']:.2f} cores, "
                f"load client {load['client_cpu']:.2f} cores"
            )
            print("  " + _summary("cue round-trip", load["rtts"]))
            print("  " + _timeline(load["sent_at"], load["rtts"], args.seconds))
            print(
                "  "
                + _summary(
                    "  of which during the exercise (motion analysed)", load["exercise_rtts"]
                )
            )
            print("  " + _summary("clinician page", load["pages"]))
            print(
                f"  errors: {len(load['errors'])}"
                + (f" (first: {load['errors'][:3]})" if load["errors"] else "")
            )
            print(f"  load average after: {os.getloadavg()[0]:.2f}")
            met = percentile(load["rtts"], 95) <= 50 and not load["errors"]
            print(f"  goal p95 <= 50 ms and zero errors: {'MET' if met else 'NOT MET'}")
            pages_met = percentile(load["pages"], 95) <= 300  # (False with --no-pages)
            print(f"  goal clinician pages p95 <= 300 ms: {'MET' if pages_met else 'NOT MET'}")
            cpu_s = load["server_cpu"] * load["wall_s"]
            print(
                f"  load phase {load['wall_s']:.1f} s (streams, then the replies drain); server "
                f"CPU {cpu_s * 1e6 / max(1, load['sent']):.0f} us per message sent "
                f"({load['server_system_share']:.0%} of it in the kernel: sockets)"
            )
            for phase, (us, n) in load["cpu_by_phase"].items():
                print(f"  server CPU per message in the {phase}: {us:.0f} us ({n} messages)")
            if load["server_cpu"] > 0:
                print(
                    f"  rate: {rate / load['server_cpu']:.0f} messages/s per server core "
                    f"({rate / args.rate_hz / load['server_cpu']:.0f} patients at "
                    f"{args.rate_hz:g} Hz per core)"
                )
            if args.no_camera:
                return 0

            camera = asyncio.run(
                camera_phase(ws_base, patients[0], args.camera_seconds, args.camera_fps)
            )
            print(
                f"camera: 1 session, {camera['frames']} frames 640x480 at {args.camera_fps:g} fps "
                f"(JPEG {camera['jpeg_kb']:.0f} kB), landmarks in {camera['with_landmarks']}"
            )
            print("  " + _summary("frame-to-landmarks round-trip", camera["rtts"]))
            print(f"  errors: {len(camera['errors'])}")
            met = percentile(camera["rtts"], 95) <= 100 and not camera["errors"]
            print(f"  goal p95 <= 100 ms: {'MET' if met else 'NOT MET'}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            if database:
                _drop_schema(args.postgres)
    return 0


BENCH_SCHEMA = f"bench_web_load_{os.getpid()}"


def _bench_schema(url: str) -> str:
    """A fresh schema in the PostgreSQL database at ``url``; the URL that uses it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {BENCH_SCHEMA}"))
    engine.dispose()
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{BENCH_SCHEMA}"


def _drop_schema(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE"))
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
