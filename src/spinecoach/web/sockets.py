"""What the app's WebSockets share: the count of refused messages on one socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import WebSocket

#: WebSocket close code for a client that keeps breaking the protocol (RFC 6455).
POLICY_VIOLATION = 1008


class BadMessages:
    """Refused messages on one socket: each gets an error reply; more than ``limit`` close
    the socket.

    Parameters
    ----------
    websocket : WebSocket
        The socket (closed with :data:`POLICY_VIOLATION` after too many refusals).
    limit : int
        How many refused messages are answered before the socket is closed.
    send : callable, optional
        Sends one payload on the socket (default: its JSON as text); a socket whose sends
        are serialised passes its own.
    """

    def __init__(
        self,
        websocket: WebSocket,
        limit: int,
        send: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self.websocket = websocket
        self.limit = limit
        self.send = send or (lambda payload: websocket.send_text(json.dumps(payload)))
        self.count = 0

    async def refuse(self, exc: Exception) -> bool:
        """Reply with ``exc``; True when the socket was closed for too many refusals."""
        self.count += 1
        await self.send({"type": "error", "error": str(exc)})
        if self.count > self.limit:
            await self.websocket.close(code=POLICY_VIOLATION)
            return True
        return False


async def received(websocket: WebSocket) -> AsyncIterator[tuple[bytes | None, str | None]]:
    """Each message on ``websocket`` as ``(bytes, text)`` (one of them None), until the client
    disconnects."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        yield message.get("bytes"), message.get("text")
