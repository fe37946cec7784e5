"""Exercise demonstrations as JSON for the page's drawing script (public library content)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from spinecoach.errors import NotFound
from spinecoach.web.demos import demonstration_payload
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
