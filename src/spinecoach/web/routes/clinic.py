"""The clinician portal: own patients only, flags, patient page, plan editor, notes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput, NotFound
from spinecoach.reports import charts
from spinecoach.reports.progress import compute_progress
from spinecoach.store import models
from spinecoach.store.outcomes import MIC_POINTS, clinic_outcomes, outcomes_csv_rows
from spinecoach.store.repositories import plan_from_row
from spinecoach.store.safety import current_safety_state
from spinecoach.store.services import CoachService
from spinecoach.web.care import plan_items_for_page
from spinecoach.web.clinic import ItemEdit, PlanEdit
from spinecoach.web.deps import ClinicDep, ClinicianUser, ContextDep, CsrfChecked, DbDep
from spinecoach.web.pages import export_download, redirect, render, report_download
from spinecoach.web.posture import clinic_posture_context
from spinecoach.web.review import render_review
from spinecoach.web.safety import block_context

router = APIRouter(prefix="/clinic")


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("")
def patients(request: Request, user: ClinicianUser, clinic: ClinicDep, ctx: ContextDep) -> Response:
    """The clinician's patients with flags, flagged first, and the clinic code to share."""
    return render(
        request,
        "clinic.html",
        rows=clinic.patient_rows(user, _now()),
        unread=clinic.unread_from_patients(user),
        clinic_code=ctx.signer.clinic_code(user.id),
    )


def _period(start: str | None, end: str | None) -> tuple[date, date]:
    """The outcomes period from ``?start=YYYY-MM-DD&end=YYYY-MM-DD`` (default: 28 days)."""
    try:
        last = date.fromisoformat(end) if end else _now().date()
        first = date.fromisoformat(start) if start else last - timedelta(days=27)
    except ValueError:
        raise InvalidInput(_("start/end: expected dates as YYYY-MM-DD")) from None
    return first, last


@router.get("/outcomes")
def outcomes_page(
    request: Request,
    user: ClinicianUser,
    db: DbDep,
    start: str | None = None,
    end: str | None = None,
) -> Response:
    """The clinic's outcomes over a chosen period (computed in the database)."""
    first, last = _period(start, end)
    return render(
        request,
        "clinic_outcomes.html",
        outcomes=clinic_outcomes(db, user.id, first, last),
        mic_points=MIC_POINTS,
    )


@router.get("/outcomes.csv")
def outcomes_csv(
    user: ClinicianUser, db: DbDep, start: str | None = None, end: str | None = None
) -> Response:
    """The same outcomes as CSV: one row per patient and one for the clinic."""
    first, last = _period(start, end)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(outcomes_csv_rows(clinic_outcomes(db, user.id, first, last)))
    name = f"spinecoach-outcomes-{first}-{last}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/patients/{patient_id}")
def patient_page(
    request: Request,
    patient_id: int,
    user: ClinicianUser,
    clinic: ClinicDep,
    db: DbDep,
    ctx: ContextDep,
) -> Response:
    """Sessions, measurements, trends, the plan editor and notes for one own patient."""
    patient = clinic.patient(user, patient_id)
    figures = compute_progress(db, patient.id, _now().date())
    plan_row = clinic.plans.latest_row(patient.id)
    items = plan_items_for_page(plan_from_row(plan_row), ctx.library) if plan_row else []
    in_plan = {i["exercise_id"] for i in items}
    profile = CoachService(db, ctx.library, ctx.rules, ctx.settings).latest_profile(patient.id)
    messages = clinic.messages(patient)
    clinic.mark_read(user, patient, _now())
    state = current_safety_state(db, patient.id, ctx.rules)  # derived once for the page
    return render(
        request,
        "clinic_patient.html",
        patient=patient,
        flags=clinic.flags(patient, _now(), state),
        **charts.progress_charts(figures),
        plan=plan_row,
        items=items,
        addable=[e for e in ctx.library if e.id not in in_plan],
        notes=clinic.notes(patient),
        profile=profile,
        templates=clinic.templates(user),
        messages=messages,
        patient_safety=block_context(db, ctx, patient, state),
        **clinic_posture_context(ctx, db, patient.id, _now().date()),
    )


def _plan_edit(form: FormData) -> PlanEdit:
    """Read the plan editor form: one block of fields per row (``row<N>__``).

    Rows are told apart by their position, so a plan that lists an exercise twice is edited
    row by row; the older form (fields named after the exercise id) is still read.
    """
    edits = []
    for raw_item in form.getlist("item"):
        position_text, sep, exercise_id = str(raw_item).partition(":")
        if sep and position_text.isdigit():
            position: int | None = int(position_text)
            prefix = f"row{position}__"
        else:
            position, exercise_id, prefix = None, str(raw_item), f"{raw_item}__"

        def number(
            name: str, low: float, high: float, prefix: str = prefix, exercise_id: str = exercise_id
        ) -> float | None:
            raw = str(form.get(prefix + name, "")).strip()
            if raw == "":
                return None
            try:
                value = float(raw)
            except ValueError:
                raise InvalidInput(
                    _("{field}: expected a number").format(field=f"{exercise_id}.{name}")
                ) from None
            if not low <= value <= high:
                raise InvalidInput(
                    _("{field}: expected {low} to {high}, got {value}").format(
                        field=f"{exercise_id}.{name}",
                        low=f"{low:g}",
                        high=f"{high:g}",
                        value=f"{value:g}",
                    )
                )
            return value

        reps = number("reps", 1, 50)
        sets = number("sets", 1, 10)
        edits.append(
            ItemEdit(
                exercise_id=exercise_id,
                keep=form.get(prefix + "keep") == "on",
                locked=form.get(prefix + "locked") == "on",
                reps=None if reps is None else int(reps),
                sets=None if sets is None else int(sets),
                hold_s=number("hold_s", 1, 300),
                position=position,
            )
        )
    level_raw = str(form.get("level", "")).strip()
    return PlanEdit(
        items=tuple(edits),
        add_exercise_id=str(form.get("add_exercise_id", "")).strip(),
        level=int(level_raw) if level_raw.isdigit() else None,
        note=str(form.get("note", "")),
    )


def _own_patient(patient_id: int, user: ClinicianUser, clinic: ClinicDep) -> models.Person:
    """The clinician's own patient ``patient_id`` (NotFound for anyone else's)."""
    return clinic.patient(user, patient_id)


#: A changing request about one own patient (after the CSRF check, before the form is used).
OwnPatient = Annotated[models.Person, Depends(_own_patient)]


@router.post("/patients/{patient_id}/plan")
async def edit_plan(
    request: Request,
    _csrf: CsrfChecked,
    patient: OwnPatient,
    user: ClinicianUser,
    clinic: ClinicDep,
) -> Response:
    """Save the plan editor: the patient's next plan shows the changes and the note."""
    clinic.edit_plan(user, patient, _plan_edit(await request.form()), _now())
    return redirect(f"/clinic/patients/{patient.id}?saved=1")


@router.post("/patients/{patient_id}/notes")
def add_note(
    _csrf: CsrfChecked,
    patient: OwnPatient,
    user: ClinicianUser,
    clinic: ClinicDep,
    text: Annotated[str, Form(max_length=4000)],
    visibility: Annotated[str, Form(max_length=10)] = "private",
) -> Response:
    """Add a clinical note about an own patient: private (clinicians only) or shared."""
    clinic.add_note(user, patient, text, visibility)
    return redirect(f"/clinic/patients/{patient.id}#notes")


@router.post("/patients/{patient_id}/templates")
def save_template(
    _csrf: CsrfChecked,
    patient: OwnPatient,
    user: ClinicianUser,
    clinic: ClinicDep,
    name: Annotated[str, Form(max_length=200)],
) -> Response:
    """Save an own patient's current plan as one of the clinician's templates."""
    clinic.save_template(user, patient, name)
    return redirect(f"/clinic/patients/{patient.id}?template_saved=1#templates")


@router.post("/patients/{patient_id}/plan/template")
def assign_template(
    _csrf: CsrfChecked,
    patient: OwnPatient,
    user: ClinicianUser,
    clinic: ClinicDep,
    template_id: Annotated[int, Form()],
) -> Response:
    """Make one of the clinician's templates an own patient's plan."""
    clinic.assign_template(user, patient, template_id, _now())
    return redirect(f"/clinic/patients/{patient.id}?saved=1#plan")


@router.post("/patients/{patient_id}/messages")
def send_message(
    _csrf: CsrfChecked,
    patient: OwnPatient,
    user: ClinicianUser,
    clinic: ClinicDep,
    text: Annotated[str, Form(max_length=4000)],
) -> Response:
    """Send an own patient a message (they read it on their Messages page)."""
    clinic.send_message(user, patient, text, _now())
    return redirect(f"/clinic/patients/{patient.id}#messages")


@router.get("/patients/{patient_id}/sessions/{session_id}")
def session_review(
    request: Request,
    patient_id: int,
    session_id: int,
    user: ClinicianUser,
    clinic: ClinicDep,
    db: DbDep,
    ctx: ContextDep,
) -> Response:
    """Review any session of an own patient: doses, every rep and hold, traces, decisions."""
    patient = clinic.patient(user, patient_id)
    row = db.get(models.Session, session_id)
    if row is None or row.person_id != patient.id:
        raise NotFound(
            _("session {session_id} not found for this patient").format(session_id=session_id)
        )
    return render_review(
        request, db, ctx, row, audience="clinician", patient=patient,
        back=f"/clinic/patients/{patient.id}",
    )  # fmt: skip


@router.get("/patients/{patient_id}/report.pdf")
def patient_report(
    patient_id: int,
    user: ClinicianUser,
    clinic: ClinicDep,
    db: DbDep,
    ctx: ContextDep,
    version: str = "clinician",
) -> Response:
    """The progress report PDF of an own patient (``?version=patient``: in plain words)."""
    if version not in ("clinician", "patient"):
        raise InvalidInput(
            _("version: expected clinician or patient, got {version}").format(
                version=repr(version[:20])
            )
        )
    patient = clinic.patient(user, patient_id)
    return report_download(
        db, ctx, patient, f"spinecoach-report-{patient.id}-{version}",
        patient_version=version == "patient",
    )  # fmt: skip


@router.get("/patients/{patient_id}/export.json")
def export_patient(patient_id: int, user: ClinicianUser, clinic: ClinicDep, db: DbDep) -> Response:
    """Download one own patient's stored data for the clinic's records."""
    patient = clinic.patient(user, patient_id)
    return export_download(db, patient, f"spinecoach-patient-{patient.id}")
