"""Exercise demonstrations as JSON for the page's drawing script (public library content),
and the service worker at the site root (so it may serve every page of the installed app)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse

from spinecoach.errors import NotFound
from spinecoach.reports.demo_payload import demonstration_payload
from spinecoach.web.context import STATIC_DIR
from spinecoach.web.deps import ContextDep

router = APIRouter()


@router.get("/exercises/{exercise_id}/demonstration.json")
def demonstration(exercise_id: str, ctx: ContextDep) -> JSONResponse:
    """Sampled 3D keypoints, bones and timed steps of an exercise's demonstration."""
    if exercise_id not in ctx.library:
        raise NotFound(f"no exercise '{exercise_id}'")
    payload = demonstration_payload(ctx.library.get(exercise_id))
    if payload is None:
        raise NotFound(f"exercise '{exercise_id}' has no demonstration yet")
    return JSONResponse(payload, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> FileResponse:
    """The service worker (static/sw.js), served from the root so its scope is the site."""
    return FileResponse(
        STATIC_DIR / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )
