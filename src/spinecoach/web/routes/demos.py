"""Exercise demonstrations as JSON for the page's drawing script (public library content),
and the service worker at the site root (so it may serve every page of the installed app)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse

from spinecoach.domain.i18n import _, current_locale
from spinecoach.errors import NotFound
from spinecoach.reports.demo_payload import demonstration_payload
from spinecoach.web.context import STATIC_DIR
from spinecoach.web.deps import ContextDep

router = APIRouter()


@router.get("/exercises/{exercise_id}/demonstration.json")
def demonstration(exercise_id: str, ctx: ContextDep) -> JSONResponse:
    """Sampled 3D keypoints, bones and timed steps of an exercise's demonstration."""
    if exercise_id not in ctx.library:
        raise NotFound(_("no exercise '{exercise_id}'").format(exercise_id=exercise_id))
    payload = demonstration_payload(ctx.library.get(exercise_id))
    if payload is None:
        raise NotFound(
            _("exercise '{exercise_id}' has no demonstration yet").format(exercise_id=exercise_id)
        )
    # the shared (cached) payload holds message ids; the reader's words are filled in here
    shown = dict(payload, name=_(str(payload.get("name"))))
    shown["steps"] = [_step_words(step) for step in payload["steps"]]
    return JSONResponse(
        shown,
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Language": current_locale(),
            "Vary": "Cookie, Accept-Language",
        },
    )


def _step_words(step: dict[str, Any]) -> dict[str, Any]:
    """A demonstration step with its cue and phase name in the reader's language."""
    cue, name = str(step.get("cue") or ""), str(step.get("name"))
    return {**step, "cue": _(cue) if cue else "", "label": _(name)}


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> FileResponse:
    """The service worker (static/sw.js), served from the root so its scope is the site."""
    return FileResponse(
        STATIC_DIR / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )
