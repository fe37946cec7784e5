"""Small server-drawn SVG charts (no chart library, works offline and without JavaScript)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

from markupsafe import Markup

from spinecoach.content.locale_format import format_day, format_number
from spinecoach.domain.i18n import N_, _
from spinecoach.reports.progress import PainPoint, Progress

_W_NO_PAIN = N_("No pain reports yet.")
_W_NO_MEASUREMENTS = N_("No measurements yet.")
_W_NO_TRACE = N_("No measured trace for this exercise.")

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


def _hline(cls: str, y: float) -> str:
    return (
        f'<line class="{cls}" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
    )


def _text(cls: str, x: float, y: float, text: str, anchor: str = "start") -> str:
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def _grid(low: float, high: float, ticks: Sequence[float], unit: str) -> str:
    parts = []
    for t in ticks:
        y = _y(t, low, high)
        parts.append(_hline("grid", y) + _text("tick", PAD_LEFT - 6, y + 4, f"{t:g}{unit}", "end"))
    return "".join(parts)


def pain_by_day(points: Sequence[PainPoint]) -> list[tuple[date, float, list[PainPoint]]]:
    """One point per day: ``(date, mean pain rounded to 0.1, that day's readings)``."""
    by_day: dict[date, list[PainPoint]] = defaultdict(list)
    for p in points:
        by_day[p.at.date()].append(p)
    return [
        (day, round(sum(p.pain for p in ps) / len(ps), 1), ps) for day, ps in sorted(by_day.items())
    ]


def pain_chart(points: Sequence[PainPoint], mic_threshold: float | None) -> Markup:
    """Pain (0-10) over days, one point per day (several readings: their mean), with the
    minimal-important-change threshold marked [OST]; days are placed by date.

    Parameters
    ----------
    points : sequence of PainPoint, oldest first
    mic_threshold : float or None
        Pain at or below which the change from baseline is important.
    """
    if not points:
        return Markup('<p class="empty">{}</p>').format(_(_W_NO_PAIN))
    days = pain_by_day(points)
    body = [_grid(0, 10, (0, 2, 4, 6, 8, 10), "")]
    if mic_threshold is not None and mic_threshold > 0:
        y = _y(mic_threshold, 0, 10)
        width = WIDTH - PAD_LEFT - PAD_RIGHT
        label = _("important improvement (≤ {threshold})").format(
            threshold=format_number(mic_threshold)
        )
        body.append(
            f'<rect class="mic-zone" x="{PAD_LEFT}" y="{y:.1f}" width="{width}" '
            f'height="{HEIGHT - PAD_BOTTOM - y:.1f}"/>'
            + _hline("mic", y)
            + _text("mic-label", WIDTH - PAD_RIGHT - 4, y - 5, label, "end")
        )
    first_day, last_day = days[0][0], days[-1][0]
    span_days = max((last_day - first_day).days, 1)

    def x_of(day: date) -> float:
        if first_day == last_day:
            return _x(0, 1)
        return _x((day - first_day).days, span_days + 1)

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x_of(day):.1f},{_y(pain, 0, 10):.1f}"
        for i, (day, pain, _) in enumerate(days)
    )
    body.append(f'<path class="line" d="{path}"/>')
    for i, (day, pain, readings) in enumerate(days):
        good = mic_threshold is not None and i > 0 and pain <= mic_threshold
        cls = "dot good" if good else "dot"
        listed = ", ".join(f"{p.at:%H:%M} {_(p.kind.replace('_', ' '))} {p.pain}" for p in readings)
        title = escape(
            _("{day}: pain {pain}/10 (day's mean of {readings})").format(
                day=format_day(day, year=False), pain=f"{pain:g}", readings=listed
            )
        )
        body.append(
            f'<circle class="{cls}" cx="{x_of(day):.1f}" cy="{_y(pain, 0, 10):.1f}" r="4.5">'
            f"<title>{title}</title></circle>"
        )
    first, last = points[0].at, points[-1].at
    body.append(
        _text("tick", PAD_LEFT, HEIGHT - 8, format_day(first, year=False))
        + _text("tick", WIDTH - PAD_RIGHT, HEIGHT - 8, format_day(last, year=False), "end")
    )
    return _frame("".join(body), _("Pain over time, 0 to 10"))


def _short_label(name: str) -> str:
    """An ISO date becomes "2 Mar" (a week is labelled by its first day); else the name."""
    try:
        day = date.fromisoformat(name)
    except ValueError:
        return name[-6:]
    return format_day(day, year=False)


def _week_title(name: str) -> str:
    try:
        return _("week of {date}").format(date=format_day(date.fromisoformat(name)))
    except ValueError:
        return name


def series_chart(series: Sequence[tuple[str, float]], unit: str = "°", label: str = "") -> Markup:
    """A small line chart of labelled values (e.g. weekly range of motion in degrees)."""
    if not series:
        return Markup('<p class="empty">{}</p>').format(_(_W_NO_MEASUREMENTS))
    values = [v for _, v in series]
    high = max(10.0, max(values) * 1.2)
    n = len(series)
    ticks = [round(high * f) for f in (0.0, 0.5, 1.0)]
    body = [_grid(0, high, ticks, unit)]
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{_x(i, n):.1f},{_y(v, 0, high):.1f}"
        for i, (_, v) in enumerate(series)
    )
    body.append(f'<path class="line rom" d="{path}"/>')
    for i, (name, v) in enumerate(series):
        body.append(
            f'<circle class="dot rom" cx="{_x(i, n):.1f}" cy="{_y(v, 0, high):.1f}" r="4">'
            f"<title>{escape(_week_title(name))}: {format_number(v)}{unit}</title></circle>"
            f'<text class="tick" x="{_x(i, n):.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
            f"{escape(_short_label(name))}</text>"
        )
    return _frame("".join(body), label or _("Values over time"))


#: Colours of the trace channels (the web page's CSS uses the same classes).
TRACE_CHANNELS = ("camera", "imu", "sensor")


def progress_charts(figures: Progress) -> dict[str, Any]:
    """The progress pages' figures and charts: ``progress``, ``pain_chart`` (with the
    minimal important change) and ``rom_charts``, one ``(exercise id, chart)`` a measured
    exercise, by week."""
    return {
        "progress": figures,
        "pain_chart": pain_chart(figures.pain, figures.mic_threshold),
        "rom_charts": [
            (
                exercise_id,
                series_chart(series, "°", _("Range of motion for {name}").format(name=exercise_id)),
            )
            for exercise_id, series in figures.rom_weekly.items()
        ],
    }


def trace_chart(traces: dict[str, Any], label: str = "") -> Markup:
    """Angle traces of one exercise over time (camera, sensor), degrees against seconds.

    Parameters
    ----------
    traces : dict
        ``{channel: {"label", "t_s": [...], "deg": [...]}}`` as stored per exercise result.
    """
    series = [
        (channel, trace)
        for channel, trace in sorted(traces.items(), key=lambda kv: _channel_order(kv[0]))
        if trace.get("t_s")
    ]
    if not series:
        return Markup('<p class="empty">{}</p>').format(_(_W_NO_TRACE))
    t_max = max(max(tr["t_s"]) for _, tr in series)
    t_min = min(min(tr["t_s"]) for _, tr in series)
    values = [v for _, tr in series for v in tr["deg"]]
    low = min(0.0, min(values))
    high = max(10.0, max(values))
    pad = 0.1 * (high - low)
    low, high = low - (pad if low < 0 else 0.0), high + pad
    span_x = WIDTH - PAD_LEFT - PAD_RIGHT
    t_span = max(t_max - t_min, 1e-6)

    def tx(t: float) -> float:
        return PAD_LEFT + span_x * (t - t_min) / t_span

    ticks = sorted({round(low), 0, round(high)})
    body = [_grid(low, high, ticks, "°")]
    for n, (channel, trace) in enumerate(series):
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{tx(t):.1f},{_y(v, low, high):.1f}"
            for i, (t, v) in enumerate(zip(trace["t_s"], trace["deg"], strict=True))
        )
        body.append(f'<path class="trace trace-{escape(channel)}" d="{path}"/>')
        body.append(  # legends side by side on the time axis, between its two labels
            _text(f"legend trace-{escape(channel)}", PAD_LEFT + span_x * (0.25 + 0.3 * n),
                  HEIGHT - 8, f"— {_(trace.get('label') or channel)}", "middle")
        )  # fmt: skip
    body.append(
        _text("tick", PAD_LEFT, HEIGHT - 8, f"{t_min:.0f} s")
        + _text("tick", WIDTH - PAD_RIGHT, HEIGHT - 8, f"{t_max:.0f} s", "end")
    )
    return _frame("".join(body), label or _("Measured movement"))


def _channel_order(channel: str) -> int:
    return TRACE_CHANNELS.index(channel) if channel in TRACE_CHANNELS else len(TRACE_CHANNELS)


#: The chart styles of ``web/static/app.css``, inlined for documents (PDF) without the page.
STANDALONE_STYLE = """
.grid { stroke: #e2e8f0; } .tick { fill: #64748b; font-size: 11px; font-family: sans-serif; }
.line { fill: none; stroke: #0f766e; stroke-width: 2.5; }
.dot { fill: #fff; stroke: #0f766e; stroke-width: 2.5; }
.dot.good { fill: #15803d; stroke: #15803d; }
.mic { stroke: #15803d; stroke-dasharray: 5 4; stroke-width: 1.5; }
.mic-zone { fill: #dcfce7; opacity: .6; }
.mic-label { fill: #15803d; font-size: 11px; font-weight: 600; font-family: sans-serif; }
.line.rom { stroke: #6366f1; } .dot.rom { stroke: #6366f1; }
.trace { fill: none; stroke-width: 2; } .legend { font-size: 12px; font-family: sans-serif; }
.trace.trace-camera { stroke: #0f766e; } .legend.trace-camera { fill: #0f766e; }
.trace.trace-imu, .trace.trace-sensor { stroke: #c2410c; }
.legend.trace-imu, .legend.trace-sensor { fill: #c2410c; }
"""


def standalone_svg(chart: Markup) -> str:
    """A chart as a self-contained SVG file (namespace and styles inlined), e.g. for a PDF."""
    text = str(chart)
    if not text.startswith("<svg"):
        return ""
    return text.replace(
        "<svg ", '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="220" ', 1
    ).replace(">", f"><style>{STANDALONE_STYLE}</style>", 1)
