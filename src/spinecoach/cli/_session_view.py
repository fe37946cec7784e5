"""The terminal view of a guided session (Rich) and the keyboard keys it listens to."""

from __future__ import annotations

import os
import select
import sys
from types import TracebackType

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from spinecoach.domain.i18n import N_, _

_W_CANNOT_SEE_YOU = N_("can't see you")
_W_SPACE = N_("space")

#: Keys and what they do (shown under the view).
KEYS = {
    "w": N_("something is wrong"),
    "p": N_("report pain"),
    "s": N_("skip"),
    " ": N_("pause/resume"),
    "q": N_("stop"),
}

_DIGITS = {
    "0": ["███", "█ █", "█ █", "█ █", "███"],
    "1": [" █ ", "██ ", " █ ", " █ ", "███"],
    "2": ["███", "  █", "███", "█  ", "███"],
    "3": ["███", "  █", "███", "  █", "███"],
    "4": ["█ █", "█ █", "███", "  █", "  █"],
    "5": ["███", "█  ", "███", "  █", "███"],
    "6": ["███", "█  ", "███", "█ █", "███"],
    "7": ["███", "  █", "  █", "  █", "  █"],
    "8": ["███", "█ █", "███", "█ █", "███"],
    "9": ["███", "█ █", "███", "  █", "███"],
    ":": ["   ", " █ ", "   ", " █ ", "   "],
}

BREATH_MARKS = {
    "inhale": ("▲ " + N_("breathe in"), "bold cyan"),
    "exhale": ("▼ " + N_("breathe out"), "bold magenta"),
    "hold": ("● " + N_("hold"), "bold yellow"),
    "natural": ("· " + N_("breathe easily"), "dim"),
}


def big_number(text: str) -> Text:
    """``text`` (digits and ``:``) in a 5-line block font."""
    rows = ["  ".join(_DIGITS.get(ch, ["   "] * 5)[r] for ch in text) for r in range(5)]
    return Text("\n".join(rows), style="bold green")


def render(state: dict[str, object], last_cue: str, notice: str = "") -> Panel:
    """The live view of :meth:`SessionEngine.state`."""
    step = state.get("step") or {}
    assert isinstance(step, dict)
    title = _("spinecoach session")
    if state.get("exercise_number"):
        name = step.get("exercise_name") or ""
        title = f"{name}  ({state['exercise_number']}/{state['exercise_count']})"
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="left")
    table.add_column(justify="left")
    countdown = state.get("countdown_s")
    if isinstance(countdown, int | float):
        seconds = int(countdown + 0.999)
        table.add_row(big_number(f"{seconds // 60}:{seconds % 60:02d}"), "")
    breath = state.get("breath")
    mark, style = BREATH_MARKS.get(str(breath), ("", ""))
    if mark:
        mark = mark[:2] + _(mark[2:])
    reps = _("reps {done}/{target}").format(
        done=state.get("reps_done", 0), target=state.get("reps_target", 0)
    )
    tracking = (
        _("tracking ok") if state.get("tracking_ok") else f"[bold red]{_(_W_CANNOT_SEE_YOU)}[/]"
    )
    if not state.get("sensor"):
        tracking = _("timer")
    info = Text.assemble((mark, style), "   ", reps, "   ")
    info.append_text(Text.from_markup(tracking))
    phase = _(str(step.get("phase") or "").replace("_", " "))
    side = step.get("side")
    if side and side != "none":
        phase += " " + (_("(left side)") if side == "left" else _("(right side)")
                        if side == "right" else f"({side})")  # fmt: skip
    parts: list[RenderableType] = [
        Text(str(step.get("text") or ""), style="bold"),
        Text(phase, style="italic"),
        table,
        info,
        Text(f"» {last_cue}", style="yellow"),
    ]
    if state.get("awaiting") == "pain":
        parts.append(Text(_("Type your pain 0-10 when asked."), style="bold"))
    if notice:
        parts.append(Text(notice, style="dim"))
    keys = "  ".join(f"[{_(_W_SPACE) if k == ' ' else k}] {_(v)}" for k, v in KEYS.items())
    parts.append(Text(keys, style="dim"))
    return Panel(Group(*parts), title=title, subtitle=_(str(state.get("status", ""))))


class KeyReader:
    """Non-blocking single-key reads from a terminal (POSIX cbreak mode)."""

    def __init__(self) -> None:
        self.enabled = sys.stdin.isatty() and os.name == "posix"
        self._saved: list[object] | None = None

    def __enter__(self) -> KeyReader:
        if self.enabled:
            import termios
            import tty

            self._saved = termios.tcgetattr(sys.stdin)
            tty.setcbreak(sys.stdin.fileno())
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.restore()

    def restore(self) -> None:
        """Put the terminal back in normal (line) mode."""
        if self.enabled and self._saved is not None:
            import termios

            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, self._saved)  # type: ignore[arg-type]
            self._saved = None

    def resume(self) -> None:
        """Back to cbreak mode after a prompt."""
        self.__enter__()

    def read(self) -> str | None:
        """The key pressed since the last call, if any."""
        if not self.enabled:
            return None
        ready, _, _ = select.select([sys.stdin], [], [], 0)
        return sys.stdin.read(1) if ready else None
