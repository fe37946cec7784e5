"""The safety page (the person's state, what to do now, acknowledgement) and the clinician's
"clear with a note" action (issue 10 §1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from spinecoach.store.safety import acknowledge, clear_by_clinician
from spinecoach.web.deps import (
    ClinicDep,
    ClinicianUser,
    ContextDep,
    CsrfChecked,
    DbDep,
    PatientUser,
)
from spinecoach.web.pages import redirect, render
from spinecoach.web.safety import block_context

router = APIRouter()


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/safety")
def safety_page(request: Request, user: PatientUser, db: DbDep, ctx: ContextDep) -> Response:
    """Your safety state: why, what to do now, how it is lifted, and its history."""
    return render(request, "safety.html", message="", safety=None, **block_context(db, ctx, user))


@router.post("/safety/acknowledge")
def safety_acknowledge(_csrf: CsrfChecked, user: PatientUser, db: DbDep) -> Response:
    """Record that the person has read what to do now (shown in the history)."""
    acknowledge(db, user.id, _now())
    return redirect("/safety")


@router.post("/clinic/patients/{patient_id}/clear")
def clinician_clear(
    patient_id: int,
    _csrf: CsrfChecked,
    user: ClinicianUser,
    clinic: ClinicDep,
    db: DbDep,
    note: Annotated[str, Form(max_length=4000)],
) -> Response:
    """Clear an own patient to exercise again, with a note (logged in their safety history)."""
    patient = clinic.patient(user, patient_id)
    clear_by_clinician(db, patient.id, user, note, _now())
    return redirect(f"/clinic/patients/{patient.id}?cleared=1#safety")
