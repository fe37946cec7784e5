"""The base of sensor plug-ins: a JSON-lines stream of named numbers, decoded one way.

A plug-in is a folder ``spinecoach/sources/<name>/`` with a ``plugin.py`` that registers a
:class:`~spinecoach.sources.live_sources.LiveSource` whose ``channel`` builds a
:class:`LineChannel` subclass (docs/sensor-plugins.md walks through one). Plug-ins are found
by looking for ``plugin.py`` files: adding one touches no existing file.

Line protocol (UDP datagrams, WebSocket text messages, files): one JSON object per line,
``{"t": seconds, "<field>": number, ...}`` with the plug-in's fields, or ``{"type": "end"}``.
Malformed lines are counted in ``n_bad_lines`` (``last_error`` says why) and skipped, never
fatal.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence

from spinecoach.domain.cues import CueKind
from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import _

MAX_LINE_BYTES = 4096
SensorCue = tuple[CueKind, str, str]


class LineChannel:
    """Decodes the line protocol into rows ``(t_s, {field: value})`` and keeps a plug-in's
    live state. Subclasses set ``name``, ``fields`` (required first, then optional) and
    ``required`` and implement :meth:`push`, :meth:`coach`, :meth:`readout`, :meth:`summary`.
    """

    name = "sensor"
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    #: Accepted range of each field (inclusive); values outside make the line bad.
    limits: Mapping[str, tuple[float, float]] = {}

    def __init__(self) -> None:
        self.n_bad_lines = 0
        self.n_rows = 0
        self.last_error = ""
        self.ended = False
        self._last_t: float | None = None
        self.exercise: Exercise | None = None

    # -- decoding ----------------------------------------------------------------------

    def feed(self, text: str) -> list[tuple[float, dict[str, float]]]:
        """Decode and :meth:`push` every good line of ``text``; return the rows."""
        rows = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                row = self.parse_line(line)
            except (ValueError, TypeError, KeyError, RecursionError) as exc:
                self.n_bad_lines += 1
                self.last_error = _("malformed line ({why})").format(why=str(exc)[:120])
                continue
            if row is None:
                self.ended = True
                continue
            if self._last_t is not None and row[0] <= self._last_t:
                self.n_bad_lines += 1
                self.last_error = _("t={t} is not after the previous sample").format(
                    t=f"{row[0]:g}"
                )
                continue
            self._last_t = row[0]
            self.n_rows += 1
            self.push(*row)
            rows.append(row)
        return rows

    def parse_line(self, line: str) -> tuple[float, dict[str, float]] | None:
        """One line -> ``(t_s, values)``; None for the end line. Raises ValueError."""
        if len(line) > MAX_LINE_BYTES:
            raise ValueError("line too long")
        obj = json.loads(line)
        if not isinstance(obj, dict):
            raise ValueError("a line must be a JSON object")
        if obj.get("type") == "end":
            return None
        t = _number(obj, "t")
        values: dict[str, float] = {}
        for field in self.fields:
            if field not in obj or obj[field] is None:
                if field in self.required:
                    raise ValueError(f"'{field}' is required")
                continue
            value = _number(obj, field)
            low, high = self.limits.get(field, (-math.inf, math.inf))
            if not low <= value <= high:
                raise ValueError(f"'{field}' = {value:g} is outside {low:g}..{high:g}")
            values[field] = value
        return t, values

    # -- the plug-in's part ---------------------------------------------------------------

    def start_exercise(self, exercise: Exercise | None) -> None:
        """A new exercise run begins; per-exercise tallies reset (override and call super)."""
        self.exercise = exercise

    def push(self, t_s: float, values: Mapping[str, float]) -> None:
        """One decoded row."""
        raise NotImplementedError

    def coach(self, exercise: Exercise | None, phase: str | None) -> Sequence[SensorCue]:
        """Cues due now."""
        return ()

    def readout(self) -> Mapping[str, object]:
        """What the page shows."""
        return {}

    def summary(self) -> Mapping[str, object]:
        """The current exercise's result."""
        return {}


def _number(obj: Mapping[str, object], key: str) -> float:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"'{key}' must be a number")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"'{key}' must be finite")
    return out
