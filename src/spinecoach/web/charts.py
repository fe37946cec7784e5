"""Small server-drawn SVG charts (no chart library, works offline and without JavaScript)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from spinecoach.web.progress import PainPoint

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 36
PAD_RIGHT = 12
PAD_TOP = 14
PAD_BOTTOM = 28


def _x(i: int, n: int) -> float:
    span = WIDTH - PAD_LEFT - PAD_RIGHT
    return PAD_LEFT + (span * i / (n - 1) if n > 1 else span / 2)


def _y(value: float, low: float, high: float) -> float:
    span = HEIGHT - PAD_TOP - PAD_BOTTOM
    frac = 0.0 if high == low else (value - low) / (high - low)
    return PAD_TOP + span * (1.0 - frac)


def _frame(body: str, label: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMidYMid meet">{body}</svg>'
    )


def _grid(low: float, high: float, ticks: Sequence[float], unit: str) -> str:
    parts = []
    for t in ticks:
        y = _y(t, low, high)
        parts.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{t:g}{unit}</text>'
        )
    return "".join(parts)


def pain_chart(points: Sequence[PainPoint], mic_threshold: float | None) -> Markup:
    """Pain (0-10) over time, with the minimal-important-change threshold marked [OST].

    Parameters
    ----------
    points : sequence of PainPoint, oldest first
    mic_threshold : float or None
        Pain at or below which the change from baseline is important.
    """
    if not points:
        return Markup('<p class="empty">No pain reports yet.</p>')
    n = len(points)
    body = [_grid(0, 10, (0, 2, 4, 6, 8, 10), "")]
    if mic_threshold is not None and mic_threshold > 0:
        y = _y(mic_threshold, 0, 10)
        body.append(
            f'<rect class="mic-zone" x="{PAD_LEFT}" y="{y:.1f}" width="{WIDTH - PAD_LEFT - PAD_RIGHT}" '
            f'height="{HEIGHT - PAD_BOTTOM - y:.1f}"/>'
            f'<line class="mic" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="mic-label" x="{WIDTH - PAD_RIGHT - 4}" y="{y - 5:.1f}" text-anchor="end">'
            f"important improvement (≤ {mic_threshold:.1f})</text>"
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{_x(i, n):.1f},{_y(p.pain, 0, 10):.1f}" for i, p in enumerate(points)
    )
    body.append(f'<path class="line" d="{path}"/>')
    for i, p in enumerate(points):
        good = mic_threshold is not None and i > 0 and p.pain <= mic_threshold
        cls = "dot good" if good else "dot"
        title = escape(f"{p.at:%d %b %H:%M} · {p.kind.replace('_', ' ')} · pain {p.pain}/10")
        body.append(
            f'<circle class="{cls}" cx="{_x(i, n):.1f}" cy="{_y(p.pain, 0, 10):.1f}" r="4.5">'
            f"<title>{title}</title></circle>"
        )
    first, last = points[0].at, points[-1].at
    body.append(
        f'<text class="tick" x="{PAD_LEFT}" y="{HEIGHT - 8}">{first:%d %b}</text>'
        f'<text class="tick" x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{last:%d %b}</text>'
    )
    return _frame("".join(body), "Pain over time, 0 to 10")


def series_chart(series: Sequence[tuple[str, float]], unit: str = "°", label: str = "") -> Markup:
    """A small line chart of labelled values (e.g. weekly range of motion in degrees)."""
    if not series:
        return Markup('<p class="empty">No measurements yet.</p>')
    values = [v for _, v in series]
    high = max(10.0, max(values) * 1.2)
    n = len(series)
    ticks = [round(high * f) for f in (0.0, 0.5, 1.0)]
    body = [_grid(0, high, ticks, unit)]
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{_x(i, n):.1f},{_y(v, 0, high):.1f}" for i, (_, v) in enumerate(series)
    )
    body.append(f'<path class="line rom" d="{path}"/>')
    for i, (name, v) in enumerate(series):
        body.append(
            f'<circle class="dot rom" cx="{_x(i, n):.1f}" cy="{_y(v, 0, high):.1f}" r="4">'
            f"<title>{escape(name)}: {v:.1f}{unit}</title></circle>"
            f'<text class="tick" x="{_x(i, n):.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
            f"{escape(name[-3:])}</text>"
        )
    return _frame("".join(body), label or "Values over time")
