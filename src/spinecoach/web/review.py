"""The session review page, shared by the clinician (numbers) and the patient (plain words)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.i18n import N_, _
from spinecoach.reports import charts
from spinecoach.reports.review import review_session
from spinecoach.store import models
from spinecoach.web.context import AppContext
from spinecoach.web.pages import render

SOURCE_WORDS = {
    "timer": N_("timers only"),
    "camera": N_("camera"),
    "keypoints": N_("camera (keypoints)"),
    "video": N_("video"),
    "imu": N_("motion sensor"),
    "imu_stream": N_("motion sensor"),
}


def render_review(
    request: Request,
    db: DbSession,
    ctx: AppContext,
    session: models.Session,
    *,
    audience: str,
    patient: models.Person,
    back: str,
) -> Response:
    """Render ``session_detail.html`` for ``audience`` (``clinician`` or ``patient``)."""
    labels = {r.symptom: r.label for r in ctx.rules.stop_rules}
    review = review_session(db, session, ctx.library, labels)
    return render(
        request,
        "session_detail.html",
        review=review,
        audience=audience,
        patient=patient,
        back=back,
        source_words=_(SOURCE_WORDS.get(review.source, review.source)),
        trace_charts=[
            charts.trace_chart(ex.traces, _("Measured angle during {name}").format(name=ex.name))
            for ex in review.exercises
        ],
    )
