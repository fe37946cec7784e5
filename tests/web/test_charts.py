"""Progress charts read as people expect: one pain point per day, weeks named by a date."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from spinecoach.reports.charts import pain_by_day, pain_chart, series_chart
from spinecoach.reports.progress import PainPoint


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
    assert "2 Mar: pain 4.3/10" in svg and "3 readings" not in svg
    # days are placed by date: 2 Mar at the left edge, 5 Mar at the right
    xs = [float(x) for x in re.findall(r'<circle[^>]*cx="([\d.]+)"', svg)]
    assert xs[0] < xs[1]


def test_range_of_motion_weeks_are_labelled_with_dates() -> None:
    svg = str(series_chart([("2026-03-02", 24.0), ("2026-03-09", 32.5)], label="ROM"))
    assert ">2 Mar<" in svg and ">9 Mar<" in svg
    assert "week of 2 Mar 2026" in svg
    assert "W10" not in svg


def test_weekly_goal_and_streak_do_not_punish_prescribed_rest() -> None:
    from datetime import date, timedelta

    from spinecoach.reports.progress import WEEKLY_GOAL_DAYS, rest_days, streak, weekly_goal

    today = date(2026, 3, 12)  # a Thursday
    # the plan was paused on Tuesday (stop rule) and resumed on Wednesday
    plans = [(date(2026, 3, 1), False), (date(2026, 3, 10), True), (date(2026, 3, 11), False)]
    rest = rest_days(plans, date(2026, 3, 9), today)
    assert rest == {date(2026, 3, 10)}
    active = {date(2026, 3, 9), date(2026, 3, 11), today}
    assert streak(active, rest, today) == 3, "Tuesday's prescribed rest does not break it"
    assert streak(active, set(), today) == 2, "an unprescribed gap does"
    assert streak(active - {today}, rest, today) == 2, "today may still be to come"
    done, goal = weekly_goal(active, rest, today)
    assert (done, goal) == (3, WEEKLY_GOAL_DAYS - 1)
    assert weekly_goal(set(), {today - timedelta(days=n) for n in range(4)}, today)[1] == (
        WEEKLY_GOAL_DAYS - 4
    )
