"""Live guided sessions: the per-connection pipeline behind the session WebSockets."""

from __future__ import annotations

from typing import Any


class LiveHub:
    """Registry of running live sessions (bounded)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.active: dict[int, Any] = {}
