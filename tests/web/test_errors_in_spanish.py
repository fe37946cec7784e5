"""Technical errors reach a Spanish-speaking person in Spanish: the live session socket's
one-line errors (bad JSON, unknown message type, wrong field, oversized message, a frame on a
keypoints session) and the error pages, for a profile whose language is Spanish. English
is unchanged (tests/web/test_live.py checks the English words)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from tests.web.conftest import Browser


def _receive_until(ws: Any, kind: str, limit: int = 200) -> dict[str, Any]:
    for _ in range(limit):
        message = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind!r} message")


@pytest.fixture()
def ana(app: FastAPI) -> Browser:
    """A patient who signed up from a Spanish browser (the profile stores Spanish)."""
    browser = Browser(app)
    browser.client.headers["accept-language"] = "es-ES,es;q=0.9"
    browser.onboard("Ana", "ana@example.org")
    return browser


@pytest.mark.parametrize(
    ("message", "spanish"),
    [
        ("{not json", "message: JSON no válido (o demasiado anidado)"),
        ("[1, 2]", "message: se esperaba un objeto JSON"),
        ('{"type": "dance"}', "type: tipo de mensaje desconocido 'dance'"),
        (
            '{"type": "pain", "pain": 11}',
            "pain: se esperaba un número entero de 0 a 10, se recibió '11'",
        ),
        (
            '{"type": "keypoints", "t": 1, "keypoints": []}',
            "keypoints: se esperaba una lista de 33 puntos",
        ),
        (
            '{"type": "imu", "lines": "x"}',
            "imu: esta sesión no se abrió para un sensor de movimiento",
        ),
    ],
)
def test_a_bad_socket_message_gets_a_spanish_error(
    ana: Browser, message: str, spanish: str
) -> None:
    with ana.client.websocket_connect("/ws/session/keypoints") as ws:
        ws.receive_json()
        ws.send_text(message)
        error = _receive_until(ws, "error")["error"]
        assert error.startswith(spanish), error
        ws.send_text(json.dumps({"type": "pain", "pain": 1}))  # the session goes on
        assert _receive_until(ws, "state")["state"]["status"] in ("running", "waiting_for_pain")


def test_frames_and_oversized_messages_in_spanish(ana: Browser, web_settings: Any) -> None:
    limit = web_settings.ws_max_message_bytes
    with ana.client.websocket_connect("/ws/session/keypoints") as ws:
        ws.receive_json()
        ws.send_bytes(b"\0" * 100)
        error = _receive_until(ws, "error")["error"]
        assert error == "frame: esta sesión no se abrió para la cámara"
        ws.send_text("x" * (limit + 1))
        assert _receive_until(ws, "error")["error"] == f"mensaje mayor de {limit} bytes"


def test_error_pages_in_spanish(ana: Browser) -> None:
    page = ana.get("/sessions/987654")
    assert page.status_code == 404
    assert "no se encuentra la sesión 987654" in page.text
    assert "not found" not in page.text


def test_a_malformed_sensor_line_is_explained_in_spanish(ana: Browser) -> None:
    with ana.client.websocket_connect("/ws/session/imu") as ws:
        ws.receive_json()
        ws.send_text(json.dumps({"type": "imu", "lines": "not json\n"}))
        error = _receive_until(ws, "error")["error"]
        assert error.startswith("imu: línea mal formada ("), error


def test_a_cross_site_socket_is_refused_in_spanish(ana: Browser) -> None:
    headers = {"origin": "https://evil.example"}
    with ana.client.websocket_connect("/ws/session/keypoints", headers=headers) as ws:
        message = ws.receive_json()
    assert message["fatal"] and message["error"] == "conexión WebSocket de otro sitio rechazada"
