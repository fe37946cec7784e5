"""Transports of the live IMU protocol (:mod:`spinecoach.sources.imu.live`): UDP and
WebSocket listeners feeding a :class:`LiveSession`, and a replayer that sends any supported
recording at real-time pace (the stand-in for a phone or a BLE bridge).

Listeners bind where they are told (the CLI defaults to 127.0.0.1) and stop at the stream's
end line or after ``max_seconds``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidInput
from spinecoach.motion.imu_types import ImuRecording, Placement
from spinecoach.sources.imu.live import LiveSession

logger = logging.getLogger(__name__)


# --- transports -----------------------------------------------------------------------------


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, session: LiveSession, done: asyncio.Event) -> None:
        self.session = session
        self.done = done

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.session.feed(data.decode("utf-8", errors="replace"))
        if self.session.ended:
            self.done.set()


async def serve_udp(
    session: LiveSession,
    host: str,
    port: int,
    *,
    max_seconds: float | None,
    ready: Callable[[int], None] | None = None,
) -> None:
    """Receive protocol datagrams on ``host:port`` until an end line or ``max_seconds``."""
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _UdpProtocol(session, done), local_addr=(host, port)
    )
    try:
        if ready is not None:
            ready(transport.get_extra_info("sockname")[1])
        await asyncio.wait_for(done.wait(), timeout=max_seconds)
    except TimeoutError:
        logger.info("listener stopped after %s s", max_seconds)
    finally:
        transport.close()


async def serve_websocket(
    session: LiveSession,
    host: str,
    port: int,
    *,
    max_seconds: float | None,
    ready: Callable[[int], None] | None = None,
) -> None:
    """Receive protocol messages over WebSocket until an end line or ``max_seconds``."""
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    done = asyncio.Event()

    async def handler(connection: ServerConnection) -> None:
        try:
            async for message in connection:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                session.feed(text)
                if session.ended:
                    done.set()
                    return
        except ConnectionClosed:
            return

    async with serve(handler, host, port, max_size=1 << 20) as server:
        if ready is not None:
            ready(next(iter(server.sockets)).getsockname()[1])
        try:
            await asyncio.wait_for(done.wait(), timeout=max_seconds)
        except TimeoutError:
            logger.info("listener stopped after %s s", max_seconds)


# --- replay ----------------------------------------------------------------------------------


def recording_lines(recording: ImuRecording) -> Iterator[tuple[float, str]]:
    """Protocol lines of a recording in time order: ``(t_s, line)``.

    Sensors on one time base are sent as frames; otherwise as per-sensor samples.
    """
    sensors = list(recording.sensors.items())
    base = sensors[0][1].time_s
    shared = all(s.time_s.shape == base.shape and (s.time_s == base).all() for _, s in sensors)

    def body(s: Any, i: int) -> dict[str, Any]:
        out: dict[str, Any] = {"accel": s.accel_g[i].tolist()}
        if s.gyro_dps is not None:
            out["gyro"] = s.gyro_dps[i].tolist()
        if s.mag_ut is not None:
            out["mag"] = s.mag_ut[i].tolist()
        return out

    if shared:
        for i, t in enumerate(base.tolist()):
            frame = {str(p): body(s, i) for p, s in sensors}
            yield t, json.dumps({"t": t, "sensors": frame}, separators=(",", ":"))
        return
    merged = sorted(
        ((t, str(p), i) for p, s in sensors for i, t in enumerate(s.time_s.tolist())),
        key=lambda x: x[0],
    )
    lookup = dict(sensors)
    for t, name, i in merged:
        msg = {"t": t, "sensor": name, **body(lookup[Placement(name)], i)}
        yield t, json.dumps(msg, separators=(",", ":"))


async def replay(
    recording: ImuRecording, url: str, *, speed: float = 1.0, tick_s: float = 0.01
) -> int:
    """Send a recording to ``url`` (``udp://host:port`` or ``ws://host:port``) at ``speed``×.

    Lines due within one ``tick_s`` are sent together; an end line closes the stream.
    Returns the number of data lines sent.
    """
    if speed <= 0:
        raise InvalidInput(
            gettext("Invalid value for '--speed': must be > 0, got {speed}").format(speed=speed)
        )
    target = urlparse(url)
    if target.scheme not in ("udp", "ws") or not target.hostname or not target.port:
        raise InvalidInput(
            gettext(
                "Invalid value for '--to': use udp://HOST:PORT or ws://HOST:PORT, got {url}"
            ).format(url=repr(url))
        )
    send, close = await _sender(target.scheme, target.hostname, target.port, url)
    start = time.perf_counter()
    first_t: float | None = None
    batch: list[str] = []
    batch_bytes = 0
    n = 0
    try:
        for t, line in recording_lines(recording):
            if first_t is None:
                first_t = t
            due = (t - first_t) / speed
            wait = due - (time.perf_counter() - start)
            if batch and (wait > tick_s or batch_bytes + len(line) > 8000):
                await send("\n".join(batch))
                batch, batch_bytes = [], 0
                wait = due - (time.perf_counter() - start)
            if wait > tick_s:
                await asyncio.sleep(wait)
            batch.append(line)
            batch_bytes += len(line) + 1
            n += 1
        if batch:
            await send("\n".join(batch))
        await send(json.dumps({"type": "end"}))
    finally:
        await close()
    return n


async def _sender(scheme: str, host: str, port: int, url: str) -> tuple[Any, Any]:
    if scheme == "udp":
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=(host, port)
        )

        async def send_udp(text: str) -> None:
            transport.sendto(text.encode("utf-8"))
            await asyncio.sleep(0)

        async def close_udp() -> None:
            transport.close()

        return send_udp, close_udp
    from websockets.asyncio.client import connect

    connection = await connect(url)

    async def send_ws(text: str) -> None:
        await connection.send(text)

    async def close_ws() -> None:
        await connection.close()

    return send_ws, close_ws


def replay_file(path: Path, url: str, *, speed: float = 1.0, format: str | None = None) -> int:
    """Read any supported IMU file and :func:`replay` it (blocking)."""
    from spinecoach.sources.imu import read_imu

    return asyncio.run(replay(read_imu(path, format=format), url, speed=speed))
