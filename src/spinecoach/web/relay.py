"""Messages between server processes about live sessions.

A live session runs in the worker process that holds its WebSocket. When a phone joining as
a back sensor, or a reconnecting page, reaches another worker, that worker asks the holder
(found in ``live_presence``, :mod:`spinecoach.store.presence`) through a relay:

* :class:`LocalRelay`: one process (SQLite, ``make run``): every session is in this process,
  a request is a direct call.
* :class:`PostgresRelay`: several processes on one PostgreSQL database: a request and its
  reply are ``NOTIFY`` payloads on one channel (``LISTEN`` on a psycopg 3 async connection);
  each carries the addressee's worker id, so a worker ignores the others' messages.

Requests are small JSON objects (``op`` plus fields); the handler (the live hub) answers
with a JSON object. A request that gets no answer in time raises :class:`WorkerUnreachable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput, WorkerUnreachable

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
CHANNEL = "spinecoach_live"
#: PostgreSQL's NOTIFY payload limit is 8000 bytes; requests are split below this.
MAX_PAYLOAD_BYTES = 7000


class Relay(Protocol):
    """Sends a request to the worker holding a live session and awaits its answer."""

    worker: str
    #: Whether other processes may hold live sessions (False: one process only).
    shared: bool

    def set_handler(self, handler: Handler) -> None:
        """Who answers requests addressed to this worker."""

    async def start(self) -> None:
        """Be ready to answer (listen) in the running event loop."""

    async def request(
        self, worker: str, message: dict[str, Any], timeout_s: float
    ) -> dict[str, Any]:
        """Send ``message`` to ``worker``; its handler's answer."""

    async def alive(self, worker: str) -> bool:
        """Whether the process ``worker`` is still running (a killed one is seen at once)."""


class LocalRelay:
    """The relay of a single server process: requests are direct calls."""

    shared = False

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self._handler: Handler | None = None

    def set_handler(self, handler: Handler) -> None:
        """Who answers requests (the live hub)."""
        self._handler = handler

    async def start(self) -> None:
        """Nothing to connect: requests are direct calls."""

    async def request(
        self, worker: str, message: dict[str, Any], timeout_s: float
    ) -> dict[str, Any]:
        """Answer a request for this process; another worker cannot exist here."""
        if worker != self.worker or self._handler is None:
            raise WorkerUnreachable(_("the server process holding this session has stopped"))
        return await asyncio.wait_for(self._handler(message), timeout_s)

    async def alive(self, worker: str) -> bool:
        """Only this process exists."""
        return worker == self.worker


def psycopg_conninfo(sqlalchemy_url: str) -> str:
    """A psycopg connection string from a SQLAlchemy ``postgresql+psycopg://`` URL."""
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PostgresRelay:
    """Requests between worker processes over PostgreSQL ``LISTEN``/``NOTIFY``.

    Parameters
    ----------
    url : str
        The app's SQLAlchemy PostgreSQL URL.
    worker : str
        This process's worker id (unique per process).

    The two connections (one listening, one sending) are opened on first use in the running
    event loop, and again after a lost connection. They carry the application name
    ``spinecoach-live-<worker>``: a worker that was killed loses its connections at once, so
    the others see in ``pg_stat_activity`` that it is gone (:meth:`alive`) without waiting
    for its sessions' heartbeats to go stale.
    """

    shared = True

    def __init__(self, url: str, worker: str) -> None:
        self.worker = worker
        self._conninfo = psycopg_conninfo(url)
        self._handler: Handler | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: asyncio.Task[None] | None = None
        self._sender: Any = None
        self._send_lock: asyncio.Lock | None = None
        self._start_lock: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def set_handler(self, handler: Handler) -> None:
        """Who answers requests addressed to this worker (the live hub)."""
        self._handler = handler

    async def start(self) -> None:
        """Connect and ``LISTEN`` (once per event loop; again after a lost connection)."""
        loop = asyncio.get_running_loop()
        if (
            self._loop is loop
            and self._listener is not None
            and not self._listener.done()
            and self._send_lock is not None
        ):
            return
        if self._loop is not loop or self._start_lock is None:
            self._loop, self._start_lock = loop, asyncio.Lock()
            self._listener, self._sender = None, None
        async with self._start_lock:
            if self._listener is not None and not self._listener.done():
                return
            import psycopg

            try:
                name = application_name(self.worker)
                listen = await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True, application_name=name
                )
                await listen.execute(f"LISTEN {CHANNEL}")
                self._sender = await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True, application_name=name
                )
            except psycopg.Error as exc:
                raise WorkerUnreachable(
                    _("cannot reach the database for live sessions: {exc}").format(
                        exc=str(exc)[:120]
                    )
                ) from None
            self._send_lock = asyncio.Lock()
            ready = asyncio.Event()
            self._listener = loop.create_task(self._listen(listen, ready))
            await ready.wait()

    async def _listen(self, connection: Any, ready: asyncio.Event) -> None:
        try:
            async with connection:
                notifies = connection.notifies()
                ready.set()
                async for note in notifies:
                    self._dispatch(note.payload)
        except Exception as exc:  # a lost connection: requests fail, the next one reconnects
            log.warning("live relay: listening connection lost: %s", exc)
        finally:
            ready.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(WorkerUnreachable(_("the session relay was interrupted")))
            self._pending.clear()

    def _dispatch(self, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            return
        if not isinstance(message, dict) or message.get("to") != self.worker:
            return  # another worker's message
        if "reply" in message:
            future = self._pending.pop(int(message.get("rid", 0)), None)
            if future is not None and not future.done():
                future.set_result(message["reply"])
            return
        task = asyncio.get_running_loop().create_task(self._answer(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, message: dict[str, Any]) -> None:
        if self._handler is None:
            return
        try:
            reply = await self._handler(message["body"])
        except Exception as exc:  # answered, so the asking worker does not wait in vain
            log.exception("live relay: request failed")
            reply = {"error": f"the session's server process failed: {type(exc).__name__}"}
        with contextlib.suppress(Exception):
            await self._notify({"to": message["from"], "rid": message["rid"], "reply": reply})

    async def _notify(self, message: dict[str, Any]) -> None:
        payload = json.dumps(message, separators=(",", ":"))
        if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise InvalidInput(
                _("message: more than {max_payload_bytes} bytes to relay").format(
                    max_payload_bytes=MAX_PAYLOAD_BYTES
                )
            )
        await self.start()
        assert self._send_lock is not None
        import psycopg

        async with self._send_lock:
            try:
                await self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
            except psycopg.Error as exc:
                if self._listener is not None:  # reconnect on the next request
                    self._listener.cancel()
                self._listener = None
                raise WorkerUnreachable(
                    _("the session relay failed: {exc}").format(exc=str(exc)[:120])
                ) from None

    async def request(
        self, worker: str, message: dict[str, Any], timeout_s: float
    ) -> dict[str, Any]:
        """Send ``message`` to ``worker`` and await its answer.

        Raises
        ------
        WorkerUnreachable
            No answer within ``timeout_s`` (the worker stopped, or is overloaded).
        """
        await self.start()
        rid = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        try:
            await self._notify({"to": worker, "from": self.worker, "rid": rid, "body": message})
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            raise WorkerUnreachable(
                _("the server process holding this session did not answer")
            ) from None
        finally:
            self._pending.pop(rid, None)

    async def alive(self, worker: str) -> bool:
        """Whether ``worker`` still has a connection to the database (its relay connections
        close when its process dies). When the database cannot be asked, it counts as alive:
        its sessions' heartbeats then decide (``live_stale_s``)."""
        if worker == self.worker:
            return True
        import psycopg

        try:
            await self.start()
            assert self._send_lock is not None
            async with self._send_lock:
                cursor = await self._sender.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = %s)",
                    (application_name(worker),),
                )
                row = await cursor.fetchone()
        except (psycopg.Error, WorkerUnreachable) as exc:
            log.warning("live relay: cannot tell whether worker %s runs: %s", worker, exc)
            return True
        return bool(row and row[0])


def application_name(worker: str) -> str:
    """The PostgreSQL application name of ``worker``'s relay connections (under 64 bytes)."""
    return f"spinecoach-live-{worker}"[:63]


def split_lines(lines: str, max_bytes: int = MAX_PAYLOAD_BYTES - 600) -> list[str]:
    """Split newline-separated ``lines`` into chunks of whole lines under ``max_bytes``
    (JSON-escaped), so each fits in one relayed request."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines.split("\n"):
        n = len(json.dumps(line)) + 2
        if n > max_bytes:
            raise InvalidInput(
                _("imu: a line of {n} bytes; at most {max_bytes}").format(n=n, max_bytes=max_bytes)
            )
        if current and size + n > max_bytes:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += n
    if current:
        chunks.append("\n".join(current))
    return chunks
