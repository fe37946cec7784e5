"""FHIR download: ``GET /fhir/Patient/{id}/$everything`` for a clinician's own patients."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import Response

from spinecoach.reports.fhir import export_bundle
from spinecoach.web.deps import ClinicDep, ClinicianUser, ContextDep, DbDep

router = APIRouter(prefix="/fhir")


@router.get("/Patient/{patient_id}/$everything")
def everything(
    patient_id: int, user: ClinicianUser, clinic: ClinicDep, db: DbDep, ctx: ContextDep
) -> Response:
    """One own patient as a FHIR R4 Bundle (type collection), as a download."""
    patient = clinic.patient(user, patient_id)
    bundle = export_bundle(db, patient.id, datetime.now(UTC), ctx.library)
    name = f"spinecoach-patient-{patient.id}.fhir.json"
    return Response(
        json.dumps(bundle, ensure_ascii=False),
        media_type="application/fhir+json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
