"""The count confidence (the figure ``spinecoach analyze`` prints) on the session review, for
the clinician and the patient (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from tests.web.test_session_review import _linked_pair

from spinecoach.reports.review import count_confidence_words
from spinecoach.store import models
from spinecoach.store.repositories import SessionRepository


def _trace(peaks: list[float]) -> dict[str, Any]:
    """A 10-per-second trace (as stored) of one 4 s bend per peak with 1 s rests."""
    t, deg = [], []
    for k, peak in enumerate(peaks):
        for i in range(50):
            t.append(5.0 * k + 0.1 * i)
            deg.append(peak * np.sin(np.pi * min(i, 40) / 40.0) if i < 40 else 0.0)
    return {"label": "Movement (camera)", "t_s": t, "deg": deg}


def _store(app: Any, peaks: list[float]) -> int:
    with app.state.ctx.session_factory() as db:
        person = db.scalars(select(models.Person).where(models.Person.role == "patient")).one()
        plan = db.scalars(select(models.Plan).where(models.Plan.person_id == person.id)).first()
        repo = SessionRepository(db)
        now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
        row = repo.start(person.id, plan.id, source="camera", pain_before=2, started_at=now)
        repo.add_result(
            row.id, exercise_id=plan.items[0].exercise_id, started_at=now,
            ended_at=now + timedelta(seconds=5 * len(peaks)), completed=True,
            reps_done=len(peaks), reps_target=len(peaks), ranges_deg=peaks, hold_times_s=[],
            tempo={"rep_durations_s": [4.0] * len(peaks)},
            tracking={"measured": True, "ok_fraction": 0.98, "lost_s": 0.0},
            traces={"camera": _trace(peaks)},
        )  # fmt: skip
        repo.finish(row.id, status="completed", ended_at=now + timedelta(seconds=60), pain_after=2)
        return row.id


@pytest.mark.parametrize(
    ("peaks", "level"), [([20.0, 21.0, 19.5, 20.5], "high"), ([4.0, 30.0, 9.0, 22.0], "medium")]
)
def test_the_count_confidence_is_on_both_review_pages(
    make_browser: Any, peaks: list[float], level: str
) -> None:
    clinician, patient, patient_id = _linked_pair(make_browser)
    session_id = _store(patient.app, peaks)
    page = clinician.get(f"/clinic/patients/{patient_id}/sessions/{session_id}").text
    mine = patient.get(f"/sessions/{session_id}").text
    for text in (page, mine):
        assert f'class="conf-{level} count-confidence">Count confidence: {level} (score' in text


def test_no_count_confidence_without_repetitions_or_trace() -> None:
    assert count_confidence_words({}, [4.0], [20.0]) == ("none", "")
    assert count_confidence_words({"camera": _trace([20.0])}, [], []) == ("none", "")
