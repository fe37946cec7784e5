"""The guided session page, its JSON API and its WebSockets."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spinecoach.web.care import plan_items_for_page
from spinecoach.web.deps import CareDep, ContextDep, PatientUser
from spinecoach.web.pages import redirect, render

router = APIRouter()


@router.get("/session")
def session_page(request: Request, user: PatientUser, care: CareDep, ctx: ContextDep) -> Response:
    """The guided session page (webcam, or timers only)."""
    care.require_clear_to_exercise(user)
    view = care.today(user)
    if view is None:
        return redirect("/intake")
    return render(request, "session.html", view=view, items=plan_items_for_page(view.plan, ctx.library))
