"""The patient's pages: home, screening, intake, Today, Progress, session history, check-ins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from spinecoach.domain.i18n import N_, _
from spinecoach.domain.intake import (
    EQUIPMENT,
    EQUIPMENT_LABELS,
    KNOWN_AGGRAVATORS,
    KNOWN_CONDITIONS,
    KNOWN_GOALS,
)
from spinecoach.domain.safety_state import SafetyLevel, SafetyState
from spinecoach.domain.wording import condition_words, plain_message
from spinecoach.errors import InvalidInput, NotFound
from spinecoach.reports import charts
from spinecoach.reports.progress import compute_progress
from spinecoach.store import models
from spinecoach.store.safety import current_safety_state, exercise_gate_for
from spinecoach.web.care import ANSWER_CHOICES, Care, morning_check_in, plan_items_for_page
from spinecoach.web.context import AppContext
from spinecoach.web.deps import (
    AccountsDep,
    CareDep,
    ClinicDep,
    ContextDep,
    CsrfChecked,
    DbDep,
    OptionalUser,
    PatientUser,
)
from spinecoach.web.pages import (
    export_download,
    reader_choices,
    redirect,
    render,
    report_download,
)
from spinecoach.web.review import render_review
from spinecoach.web.safety import safety_line

router = APIRouter()

AGGRAVATOR_LABELS = {
    "sitting": N_("Sitting"),
    "bending": N_("Bending forward"),
    "lifting": N_("Lifting"),
    "getting_up": N_("Getting up from a chair"),
    "driving": N_("Driving"),
    "standing": N_("Standing for long"),
    "arching": N_("Arching backwards"),
    "walking": N_("Walking"),
    "lying_prone": N_("Lying on your front"),
    "reaching_up": N_("Reaching overhead"),
    "twisting": N_("Twisting"),
}

GOAL_LABELS = {
    "pain_relief": N_("Pain relief"),
    "flexibility": N_("Flexibility"),
    "core_strength": N_("Core strength"),
    "desk_relief": N_("Desk relief"),
    "return_to_activity": N_("Return to activity"),
}


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/")
def home(request: Request, user: OptionalUser, care: CareDep) -> Response:
    """Send each person to the next step of their journey."""
    if user is None:
        return render(request, "welcome.html")
    if user.role == "clinician":
        return redirect("/clinic")
    screening = care.latest_screening(user)
    if screening is None:
        return redirect("/screening")
    blocked = _blocked_page(care, user)
    if blocked:
        return redirect(blocked)
    if care.plans.latest_row(user.id) is None:
        return redirect("/intake")
    return redirect("/today")


def _blocked_page(care: Care, user: models.Person, state: SafetyState | None = None) -> str | None:
    """Where a person whose safety state blocks exercise is sent (``None`` when not blocked):
    the screening verdict when the screening set it, else the safety page."""
    state = state or current_safety_state(care.db, user.id, care.rules)
    if not state.blocks_exercise:
        return None
    return "/screening/result" if state.source == "screening" else "/safety"


@router.get("/sources")
def sources_page(request: Request, ctx: ContextDep) -> Response:
    """Every clinical source tag cited on the pages, with its reference."""
    from spinecoach.content import load_sources

    return render(request, "sources.html", sources=load_sources(ctx.settings.content_dir))


@router.get("/screening")
def screening_page(request: Request, user: PatientUser, ctx: ContextDep) -> Response:
    """The red-flag questions (our own plain wording)."""
    return render(request, "screening.html", questions=ctx.rules.asked_questions, error=None)


@router.post("/screening")
async def screening_submit(
    request: Request, _csrf: CsrfChecked, user: PatientUser, care: CareDep, ctx: ContextDep
) -> Response:
    """Screen the answers; emergency and urgent verdicts block exercise."""
    form = await request.form()
    answers = {}
    for question in ctx.rules.asked_questions:
        value = form.get(f"q_{question.id}")
        if isinstance(value, str) and value in ANSWER_CHOICES:
            answers[question.id] = value
    age = _optional_int(form, "age", 16, 110)
    care.submit_screening(user, answers, age)
    return redirect("/screening/result")


@router.get("/screening/result")
def screening_result(request: Request, user: PatientUser, care: CareDep) -> Response:
    """The verdict and exactly what to do."""
    result = care.latest_screening(user)
    if result is None:
        return redirect("/screening")
    has_plan = care.plans.latest_row(user.id) is not None
    return render(request, "screening_result.html", result=result, has_plan=has_plan)


def _optional_int(form: FormData, name: str, low: int, high: int) -> int | None:
    raw = form.get(name)
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    return _int(form, name, low, high)


def _int(form: FormData, name: str, low: int, high: int) -> int:
    raw = form.get(name)
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise InvalidInput(
            _("{name}: expected a whole number from {low} to {high}").format(
                name=name, low=low, high=high
            )
        ) from None
    if not low <= value <= high:
        raise InvalidInput(
            _("{name}: expected a whole number from {low} to {high}, got {value}").format(
                name=name, low=low, high=high, value=value
            )
        )
    return value


def _float(form: FormData, name: str, low: float, high: float) -> float:
    try:
        value = float(str(form.get(name, "")).strip())
    except ValueError:
        raise InvalidInput(
            _("{name}: expected a number from {low} to {high}").format(
                name=name, low=f"{low:g}", high=f"{high:g}"
            )
        ) from None
    if not low <= value <= high:
        raise InvalidInput(
            _("{name}: expected a number from {low} to {high}, got {value}").format(
                name=name, low=f"{low:g}", high=f"{high:g}", value=f"{value:g}"
            )
        )
    return value


def intake_answers(form: FormData, age: int | None = None) -> dict[str, Any]:
    """Turn the intake form into the documented profile answers format.

    ``age``: the age given at screening (the form then has no age field).
    """
    answers: dict[str, Any] = {
        "pain_now": _int(form, "pain_now", 0, 10),
        "pain_average": _int(form, "pain_average", 0, 10),
        "duration_weeks": _float(form, "duration_weeks", 0, 5200),
        "aggravators": [str(v) for v in form.getlist("aggravators")],
        "leg_symptoms": str(form.get("leg_symptoms", "none")),
        "age": age if age is not None else _int(form, "age", 16, 110),
        "activity_level": str(form.get("activity_level", "moderate")),
        "desk_hours": _float(form, "desk_hours", 0, 24),
        "goals": [str(v) for v in form.getlist("goals")] or ["pain_relief"],
        "minutes_per_day": _int(form, "minutes_per_day", 5, 15),
        "conditions": [str(v) for v in form.getlist("conditions")],
    }
    pregnancy_weeks = _optional_int(form, "pregnancy_weeks", 0, 42)
    if pregnancy_weeks is not None:
        answers["pregnancy_weeks"] = pregnancy_weeks
    surgery_weeks = _optional_int(form, "weeks_since_surgery", 0, 5200)
    if surgery_weeks is not None:
        answers["weeks_since_surgery"] = surgery_weeks
    # The equipment the person has: the plan uses only exercises they can do with it
    # (``equipment_asked`` tells "ticked nothing" from a form without the question).
    if form.get("equipment_asked"):
        answers["equipment"] = [str(v) for v in form.getlist("equipment")]
    # No disability score is asked here: the Roland-Morris questionnaire's wording is not
    # ours to ship, and a bare 0-24 number typed from memory is not the questionnaire.
    # Answers collected properly elsewhere come in through `spinecoach intake --answers`.
    return answers


def _intake_context(
    form: dict[str, Any] | None = None, error: str | None = None, age_known: int | None = None
) -> dict[str, Any]:
    return {
        "age_known": age_known,
        "equipment": [(e, _(EQUIPMENT_LABELS[e])) for e in EQUIPMENT],
        "aggravators": [
            (k, _(AGGRAVATOR_LABELS.get(k, k))) for k in sorted(KNOWN_AGGRAVATORS - {"none"})
        ],
        "goals": sorted(KNOWN_GOALS),
        "goal_labels": {
            g: _(GOAL_LABELS.get(g, g.replace("_", " ").capitalize())) for g in KNOWN_GOALS
        },
        "conditions": [(c, condition_words(c)) for c in sorted(KNOWN_CONDITIONS)],
        "form": form or {},
        "error": error,
    }


@router.get("/intake")
def intake_page(request: Request, user: PatientUser, care: CareDep, ctx: ContextDep) -> Response:
    """The intake form (blocked while screening forbids exercise)."""
    care.require_clear_to_exercise(user)
    profile = care.profile(user)
    form: dict[str, Any] = (
        {} if profile is None else {"age": profile.age, "minutes_per_day": profile.minutes_per_day}
    )
    if profile is not None and profile.equipment is not None:
        form["equipment"] = sorted(profile.equipment)
    age = care.screening_age(user)
    return render(
        request, "intake.html", **_intake_context(form, age_known=age),
        **reader_choices(request, ctx, user),
    )  # fmt: skip


def _intake_country(form: FormData, ctx: AppContext) -> str | None:
    """The country picked on the intake form (emergency number), checked; None if absent."""
    raw = form.get("country")
    if not isinstance(raw, str) or not raw.strip():
        return None
    code = raw.strip().upper()
    if code not in ctx.emergency.countries:
        raise InvalidInput(
            _("country: expected one of the listed countries, got {value!r}").format(value=raw)
        )
    return code


@router.post("/intake")
async def intake_submit(
    request: Request, _csrf: CsrfChecked, user: PatientUser, care: CareDep, ctx: ContextDep
) -> Response:
    """Store the intake (and the country it names) and create the first plan."""
    form = await request.form()
    age = care.screening_age(user)
    try:
        country = _intake_country(form, ctx)
        answers = intake_answers(form, age)
        care.submit_intake(user, answers, _now())
    except InvalidInput as exc:
        lists = ("aggravators", "goals", "conditions", "equipment")
        values = {k: form.getlist(k) if k in lists else form.get(k) for k in form}
        message = plain_message(str(exc))
        return render(
            request, "intake.html", status_code=422, **_intake_context(values, message, age),
            **reader_choices(request, ctx, user),
        )  # fmt: skip
    if country is not None and country != user.country:
        user.country = country
        care.db.commit()
        request.state.set_reader = (user.locale, country)
    return redirect("/today?new=1")


@router.get("/today")
def today(
    request: Request, user: PatientUser, care: CareDep, ctx: ContextDep, new: int = 0
) -> Response:
    """Today's routine, its duration, and what changed since yesterday and why."""
    screening = care.latest_screening(user)
    if screening is None:
        return redirect("/")
    state = current_safety_state(care.db, user.id, care.rules)
    blocked = _blocked_page(care, user, state)
    if blocked:
        return redirect(blocked)  # urgent or emergency: the page to acknowledge
    view = care.today(user)
    if view is None:
        return redirect("/intake")
    gate = exercise_gate_for(care.db, user.id, care.rules, state)  # a paused plan says why
    clinician = care.db.get(models.Person, user.clinician_id) if user.clinician_id else None
    return render(
        request,
        "today.html",
        clinician=clinician,
        view=view,
        items=plan_items_for_page(view.plan, ctx.library),
        minutes=round(view.plan.total_duration_s / 60),
        new=bool(new),
        screening=screening,
        gate=gate,
        safety_level=state.level,
        safety=None if state.level is SafetyLevel.CLEAR else safety_line(state, ctx.library),
        symptom_choices=[r for r in ctx.rules.stop_rules if r.symptom != "centralisation"],
    )


@router.get("/progress")
def progress(request: Request, user: PatientUser, db: DbDep, care: CareDep) -> Response:
    """Pain over time (with the minimal important change), range of motion, adherence, and
    the working day by week (sitting time, desk breaks, posture trend)."""
    figures = compute_progress(db, user.id, _now().date())
    return render(
        request,
        "progress.html",
        weeks=care.service.posture.weekly(user.id),
        **charts.progress_charts(figures),
    )


@router.get("/sessions/{session_id}")
def session_detail(
    request: Request, session_id: int, user: PatientUser, db: DbDep, ctx: ContextDep
) -> Response:
    """One of the patient's own sessions, reviewed in plain words."""
    row = db.get(models.Session, session_id)
    if row is None or row.person_id != user.id:
        raise NotFound(_("session {session_id} not found").format(session_id=session_id))
    return render_review(request, db, ctx, row, audience="patient", patient=user, back="/progress")


@router.post("/checkin")
def checkin(
    request: Request,
    _csrf: CsrfChecked,
    user: PatientUser,
    care: CareDep,
    ctx: ContextDep,
    pain: Annotated[int | None, Form(ge=0, le=10)] = None,
    kind: Annotated[str, Form(max_length=20)] = "next_morning",
    symptoms: Annotated[list[str] | None, Form(max_length=40)] = None,
) -> Response:
    """A one-tap pain check-in, or a symptom report, run through the stop rules.

    A next-morning check-in after a session also adapts tomorrow's plan (``adapt_plan``). A
    symptom that needs a clinician or emergency care sets the safety state at once and shows
    the safety page.
    """
    adapted = None
    reported = set(symptoms or [])
    if pain is None and not reported:
        raise InvalidInput(_("pain: choose your pain from 0 to 10, or tick a symptom"))
    if kind == "next_morning" and not reported and pain is not None:
        decision, adapted = morning_check_in(care, user, pain, _now())
    else:
        decision = care.check_in(
            user, kind="symptom" if reported else kind, pain=pain, symptoms=reported, now=_now()
        )
    if current_safety_state(care.db, user.id, care.rules).blocks_exercise:
        return redirect("/safety")
    names = {e.id: e.name for e in ctx.library}
    return render(
        request, "checkin_result.html", decision=decision, pain=pain, adapted=adapted, names=names
    )


@router.post("/join-clinic")
def join_clinic(
    request: Request,
    _csrf: CsrfChecked,
    user: PatientUser,
    accounts: AccountsDep,
    code: Annotated[str, Form(max_length=40)],
) -> Response:
    """Share this patient's data with the clinician whose clinic code they entered."""
    accounts.join_clinic(user, code)
    return redirect("/today")


@router.get("/messages")
def messages_page(request: Request, user: PatientUser, clinic: ClinicDep) -> Response:
    """The conversation with your clinician and the notes they shared with you."""
    messages = clinic.messages(user)
    clinic.mark_read(user, user, _now())
    return render(
        request,
        "messages.html",
        messages=messages,
        notes=clinic.notes(user, shared_only=True),
        has_clinician=user.clinician_id is not None,
    )


@router.post("/messages")
def send_message(
    user: PatientUser,
    _csrf: CsrfChecked,
    clinic: ClinicDep,
    text: Annotated[str, Form(max_length=4000)],
) -> Response:
    """Send your clinician a message (not for emergencies)."""
    if user.clinician_id is None:
        raise InvalidInput(
            _("message: you have no clinician linked; enter their clinic code first")
        )
    clinic.send_message(user, user, text, _now())
    return redirect("/messages#latest")


@router.get("/report.pdf")
def own_report(user: PatientUser, db: DbDep, ctx: ContextDep) -> Response:
    """Your progress report as a PDF, in plain words (to keep or to show a clinician)."""
    return report_download(db, ctx, user, "spinecoach-my-progress", patient_version=True)


@router.get("/export.json")
def export_own_data(user: PatientUser, db: DbDep) -> Response:
    """Download everything stored about you (screenings, plans, sessions, pain reports)."""
    return export_download(db, user, "spinecoach-my-data")
