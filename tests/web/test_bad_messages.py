"""Each refused message on a socket gets an error reply, and one too many closes the socket
with 1008 (policy violation): the live session's and the sitting monitor's (one counter,
``spinecoach.web.sockets.BadMessages``)."""

from __future__ import annotations

import json

import pytest
from starlette.websockets import WebSocketDisconnect
from tests.web.conftest import Browser

from spinecoach.web.routes import posture, session
from spinecoach.web.sockets import POLICY_VIOLATION


@pytest.mark.parametrize(
    ("path", "bad", "limit"),
    [
        ("/ws/session?source=timer", "not json {", session.MAX_BAD_MESSAGES),
        ("/ws/posture/monitor", json.dumps({"type": "dance"}), posture.MAX_BAD_MESSAGES),
    ],
)
def test_one_refused_message_too_many_closes_the_socket(
    browser: Browser, path: str, bad: str, limit: int
) -> None:
    browser.onboard("Ann", "ann@example.org")
    errors = []
    with browser.client.websocket_connect(path) as ws:
        for _ in range(limit + 1):
            ws.send_text(bad)
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(10 * limit):  # the session's state messages come in between
                message = ws.receive_json()
                if message["type"] == "error":
                    errors.append(message["error"])
    assert closed.value.code == POLICY_VIOLATION
    assert len(errors) == limit + 1 and len(set(errors)) == 1, errors
