"""Progress charts read as people expect: one pain point per day, weeks named by a date."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from spinecoach.web.charts import pain_by_day, pain_chart, series_chart
from spinecoach.web.progress import PainPoint


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_several_readings_on_one_day_are_one_point() -> None:
    points = [
        PainPoint(_at(2, 8), 6, "intake"),
        PainPoint(_at(2, 9), 4, "session_start"),
        PainPoint(_at(2, 9), 3, "session_end"),
        PainPoint(_at(5, 8), 3, "next_morning"),
    ]
    days = pain_by_day(points)
    assert [(d.day, pain) for d, pain, _ in days] == [(2, 4.3), (5, 3.0)]
    svg = str(pain_chart(points, mic_threshold=4.0))
    assert len(re.findall(r"<circle", svg)) == 2
    assert "02 Mar: pain 4.3/10" in svg and "3 readings" not in svg
    # days are placed by date: 2 Mar at the left edge, 5 Mar at the right
    xs = [float(x) for x in re.findall(r'<circle[^>]*cx="([\d.]+)"', svg)]
    assert xs[0] < xs[1]


def test_range_of_motion_weeks_are_labelled_with_dates() -> None:
    svg = str(series_chart([("2026-03-02", 24.0), ("2026-03-09", 32.5)], label="ROM"))
    assert ">2 Mar<" in svg and ">9 Mar<" in svg
    assert "week of 02 Mar 2026" in svg
    assert "W10" not in svg
