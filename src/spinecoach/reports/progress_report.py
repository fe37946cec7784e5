"""The progress report a clinic can file or send with a referral, as a PDF (Typst).

:func:`report_data` gathers what the report says from the database (person, dates, safety
state and history, pain over time with the minimal important change, questionnaire
scores, range of motion per week per measure with its confidence, adherence, the current
plan with doses and reasons, the clinician's shared notes); :func:`render_pdf` typesets it
with the Typst template ``templates/progress.typ``. All text goes to Typst as JSON data
(never spliced into markup), and the charts are the web's own SVG charts
(:mod:`spinecoach.reports.charts`). A patient version says the same in plain words and
leaves out the clinical tables' jargon.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from spinecoach import DISCLAIMER
from spinecoach.content.locale_format import format_day, format_number
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import N_, _, current_locale, gettext
from spinecoach.domain.rules import Rules
from spinecoach.domain.safety_state import SafetyLevel
from spinecoach.domain.wording import (
    action_words,
    exercise_name,
    screening_words,
    stored_dose_words,
    symptom_words,
)
from spinecoach.errors import InvalidInput, StorageError
from spinecoach.reports import charts
from spinecoach.reports.progress import compute_progress
from spinecoach.reports.review import HIGH_CONFIDENCE, LOW_CONFIDENCE
from spinecoach.store import models
from spinecoach.store.repositories import PersonRepository, PlanRepository, SessionRepository
from spinecoach.store.safety import current_safety_state, safety_history

ADHERENCE_WEEKS = 6

#: Stored words the report shows (translated when shown): how a session was measured, a
#: plan's origin, the STarT Back risk group, screening tiers, posture positions and views.
_SHOWN_WORDS = (
    N_("camera"), N_("video"), N_("keypoints"), N_("imu"), N_("imu_stream"), N_("timer"),
    N_("sensor"), N_("mediapipe"), N_("generated"), N_("adapted"), N_("clinician"),
    N_("low"), N_("medium"), N_("high"), N_("moderate"), N_("clear"), N_("caution"),
    N_("urgent"), N_("emergency"), N_("standing"), N_("seated"), N_("side"), N_("front"),
)  # fmt: skip


def _labels(pv: bool) -> dict[str, str]:
    """The template's headings, labels and column names in the bound language (``pv``: the
    patient version's plainer words)."""
    return {
        "name": _("Name") if pv else _("Patient"),
        "period": _("Covering") if pv else _("Period"),
        "report_date": _("Report date"),
        "clinician": _("Clinician"),
        "page": _("page"),
        "safety": _("Safety") if pv else _("Safety state and history"),
        "now": _("Now") if pv else _("Current state"),
        "date": _("Date"),
        "event": _("Event"),
        "pain": _("How your pain changed")
        if pv
        else _("Pain (0–10) with the minimal important change"),
        "questionnaires": _("Your questionnaire scores")
        if pv
        else _("Questionnaires (RMDQ, STarT Back)"),
        "rmdq": _("Back-related disability (RMDQ)") if pv else "RMDQ",
        "start_back": "STarT Back",
        "risk": _("Risk"),
        "lower_scores": _("Lower scores mean less disability; your clinician can explain them."),
        "rom": _("How far you moved") if pv else _("Range of motion per week, per measure"),
        "no_rom": _("No measured movement yet."),
        "measure": _("Exercise") if pv else _("Measure"),
        "week": _("Week"),
        "range": _("Range (°)") if pv else _("Mean best range (°)"),
        "sessions": _("Sessions"),
        "method": _("Method"),
        "confidence": _("Confidence"),
        "adherence": _("How often you did your sessions")
        if pv
        else _("Adherence (last six weeks)"),
        "days": _("Days with a session"),
        "posture": _("Your posture and working day")
        if pv
        else _("Posture checks and the working day"),
        "no_posture": _("No posture check yet."),
        "figure": _("Figure (check)"),
        "value": _("Value"),
        "cited_range": _("Cited range"),
        "breaks": _("Desk breaks"),
        "sitting": _("Sitting (monitored)"),
        "slumped": _("Slumped"),
        "nudges": _("Nudges"),
        "plan": _("Your plan now") if pv else _("Current plan: doses and reasons"),
        "no_plan": _("No plan yet."),
        "from": _("From"),
        "origin": _("origin"),
        "level": _("level"),
        "exercise": _("Exercise"),
        "dose": _("Dose"),
        "reason": _("Why") if pv else _("Reason"),
        "note": _("Note"),
        "notes": _("Notes from your clinician") if pv else _("Clinician's shared notes"),
        "none": _("None."),
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _day(value: datetime | date) -> str:
    return format_day(value)


def _confidence(frac: float | None) -> str:
    if frac is None:
        return _("not measured")
    level = (
        _("high") if frac >= HIGH_CONFIDENCE else _("fair") if frac >= LOW_CONFIDENCE else _("low")
    )
    return _("{level} ({percent}% tracked)").format(level=level, percent=f"{100 * frac:.0f}")


@dataclass(frozen=True)
class Report:
    """A report's data (JSON-ready) and its charts (standalone SVG files by name)."""

    data: dict[str, Any]
    charts: dict[str, str]


def _safety(
    db: DbSession,
    person_id: int,
    now: datetime,
    rules: Rules | None,
    library: ExerciseLibrary | None,
    patient: bool,
) -> tuple[str, list[dict[str, str]]]:
    labels = {r.symptom: r.label for r in rules.stop_rules} if rules else {}
    questions = {q.id: q.text for q in rules.red_flags} if rules else {}
    history: list[tuple[datetime, dict[str, str]]] = []
    serious: list[datetime] = []  # a stop rule ended a session, or an urgent answer
    screenings = list(
        db.scalars(
            select(models.Screening)
            .where(models.Screening.person_id == person_id)
            .order_by(models.Screening.created_at, models.Screening.id)
        )
    )
    for s in screenings:
        at = _aware(s.created_at)
        tier = _(s.tier.replace("_", " "))
        text = (
            _("Safety questions: no warning sign.")
            if s.tier == "clear"
            else _("Safety questions: {tier}: {why}").format(
                tier=tier, why=screening_words(s.answers or {}, questions)
            )
            if not patient
            else _("Safety questions: {tier} — follow the advice you were given.").format(tier=tier)
        )
        if s.tier == "urgent":
            serious.append(at)
        history.append((at, {"date": _day(at), "event": text}))
    events = db.scalars(
        select(models.PainReport)
        .where(models.PainReport.person_id == person_id)
        .order_by(models.PainReport.at, models.PainReport.id)
    )
    for r in events:
        action = (r.decision or {}).get("action")
        if action in (None, "continue") and not r.symptoms:
            continue
        what = symptom_words(r.symptoms or [], labels) or (
            _("pain {pain}/10").format(pain=r.pain) if r.pain is not None else _("a check-in")
        )
        where = exercise_name(r.exercise_id, library)
        at = _aware(r.at)
        if action in ("end_session", "urgent_care"):
            serious.append(at)
        words = {
            "what": f"{what[:1].lower()}{what[1:]}",
            "exercise": where,
            "action": action_words(action, patient=patient),
        }
        if where:
            event = (
                _("You reported {what} during {exercise}; {action}.")
                if patient
                else _("Reported {what} during {exercise}; {action}.")
            ).format(**words)
        else:
            event = (
                _("You reported {what}; {action}.") if patient else _("Reported {what}; {action}.")
            ).format(**words)
        history.append((at, {"date": _day(at), "event": event}))  # fmt: skip
    for row in safety_history(db, person_id, limit=200):  # the stored safety state's changes
        at = _aware(row.at)
        level = SafetyLevel(row.level).label
        by = (
            _("Cleared by the clinician")
            if row.source == "clinician"
            else _("Safety state: {level}").format(level=level)
        )
        if row.level in ("urgent", "emergency"):
            serious.append(at)
        history.append((at, {"date": _day(at), "event": f"{by}: {_(row.reason)}"}))
    history.sort(key=lambda h: h[0])
    latest = screenings[-1] if screenings else None
    if latest is None:
        state = _("Not screened yet.")
    else:
        current = current_safety_state(db, person_id, rules, record=False)
        verdict = _("Exercise blocked") if current.blocks_exercise else _("Cleared to exercise")
        if current.since is not None:
            head = _("{verdict}: {level} since {date}.").format(
                verdict=verdict, level=current.level.label, date=_day(_aware(current.since))
            )
        else:
            head = _("{verdict}: {level}.").format(verdict=verdict, level=current.level.label)
        state = f"{head} {_(current.reason)}".strip()
    if any(at >= now - timedelta(days=14) for at in serious):
        state += " " + _("A stop rule ended a session in the last two weeks.")
    return state, [h for _, h in history]


def _rom_weeks(
    db: DbSession, person_id: int, library: ExerciseLibrary | None, patient: bool
) -> list[dict[str, Any]]:
    rows = SessionRepository(db).measured_results(person_id)
    cells: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"best": [], "frac": [], "sources": set()}
    )
    for exercise_id, ranges, tracking, started, source in rows:
        if not ranges:
            continue
        iso = _aware(started).isocalendar()
        cell = cells[(exercise_id, f"{iso.year}-W{iso.week:02d}")]
        cell["best"].append(max(float(x) for x in ranges))
        frac = (tracking or {}).get("ok_fraction")
        if isinstance(frac, int | float):
            cell["frac"].append(float(frac))
        cell["sources"].add(source)
    out = []
    for (exercise_id, week_label), cell in sorted(cells.items()):
        frac = sum(cell["frac"]) / len(cell["frac"]) if cell["frac"] else None
        iso_year, iso_week = (int(x) for x in week_label.split("-W"))
        monday = date.fromisocalendar(iso_year, iso_week, 1)
        out.append(
            {
                "exercise_id": exercise_id,
                "measure": exercise_name(exercise_id, library),
                "week": _("week of {date}").format(date=format_day(monday, year=False))
                if patient
                else f"{week_label} ({format_day(monday, year=False)})",
                "range_deg": format_number(sum(cell["best"]) / len(cell["best"])),
                "sessions": len(cell["best"]),
                "method": ", ".join(sorted(_(s) for s in cell["sources"])),
                "confidence": _confidence(frac),
            }
        )
    return out


def _adherence(progress_adherence: list[tuple[date, bool]], db: DbSession, person_id: int,
               today: date) -> list[dict[str, Any]]:  # fmt: skip
    weeks = []
    for n in range(0, len(progress_adherence), 7):
        days = progress_adherence[n : n + 7]
        if not days:
            continue
        start, end = days[0][0], days[-1][0]
        count = db.scalars(
            select(models.Session.id).where(
                models.Session.person_id == person_id,
                models.Session.started_at >= datetime.combine(start, datetime.min.time(), UTC),
                models.Session.started_at
                < datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC),
            )
        ).all()
        active = sum(1 for d, done in days if done and d <= today)
        weeks.append({"week": f"{_day(start)} – {_day(end)}", "days": active,
                      "sessions": len(count)})  # fmt: skip
    return weeks


def _week_of(iso_label: str) -> str:
    """``2026-W49`` as the reader's words: "week of 30 Nov" (the Monday, for the locale)."""
    iso_year, iso_week = (int(x) for x in iso_label.split("-W"))
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    return _("week of {date}").format(date=format_day(monday, year=False))


def _posture(db: DbSession, person_id: int) -> dict[str, Any]:
    """The latest check per position and view, and the working day by week."""
    from spinecoach.content.posture import load_norms
    from spinecoach.domain.posture import latest_checks
    from spinecoach.store.posture import assessment_from_row, week_summaries

    norms = load_norms()
    rows = db.scalars(
        select(models.PostureAssessment)
        .where(models.PostureAssessment.person_id == person_id)
        .order_by(models.PostureAssessment.taken_at, models.PostureAssessment.id)
    ).all()
    figures = []
    for a in reversed(latest_checks(assessment_from_row(r) for r in rows)):
        position = _(a.position.replace("_", " "))
        where = (
            _("{position}, back sensor").format(position=position)
            if a.view == "none"
            else _("{position}, {view} view").format(position=position, view=_(a.view))
        )
        for f in a.figures:
            norm = norms.get(f.measure)
            cited = norm is not None and norm.has_range
            figures.append({
                "date": _day(_aware(a.taken_at)),
                "measure": f"{_(norm.label) if norm else f.measure} ({where})",
                "value": f"{format_number(f.value_deg)}°",
                "confidence": f"{_(f.confidence_label)} ({format_number(f.confidence, 2)}, "
                              f"{_(f.source)})",
                "range": _("none cited") if not cited or norm is None else
                f"{norm.range_text()} [{']['.join(norm.sources)}]"
                + ("" if f.source in norm.comparable_sources else " " + _("(context only)")),
            })  # fmt: skip
    weeks = [
        {"week": _week_of(w.week), "breaks": w.breaks_done,
         "sitting": _("{minutes} min").format(minutes=f"{w.sitting_min:.0f}"),
         "slumped": _("{minutes} min").format(minutes=f"{w.slumped_min:.0f}"), "nudges": w.nudges}
        for w in week_summaries(db, person_id)
    ]  # fmt: skip
    return {"posture": figures, "working_day": weeks}


def report_data(
    db: DbSession,
    person_id: int,
    now: datetime,
    *,
    library: ExerciseLibrary | None = None,
    rules: Rules | None = None,
    patient_version: bool = False,
) -> Report:
    """Everything the report says about ``person_id``, and its charts.

    Parameters
    ----------
    db : Session
    person_id : int
    now : datetime
        The report date (the adherence weeks end here).
    library, rules : optional
        Exercise names and symptom labels for the plain sentences.
    patient_version : bool
        Plain words addressed to the patient.
    """
    person = PersonRepository(db).get(person_id)
    clinician = db.get(models.Person, person.clinician_id) if person.clinician_id else None
    progress = compute_progress(db, person_id, now.date(), weeks=ADHERENCE_WEEKS)
    state, history = _safety(db, person_id, now, rules, library, patient_version)
    intakes = list(
        db.scalars(
            select(models.Intake)
            .where(models.Intake.person_id == person_id)
            .order_by(models.Intake.created_at, models.Intake.id)
        )
    )
    questionnaires = []
    for i in intakes:
        scores = i.scores or {}
        sb = scores.get("start_back")
        if scores.get("rmdq") is None and not sb:
            continue
        questionnaires.append(
            {
                "date": _day(_aware(i.created_at)),
                "rmdq": "–" if scores.get("rmdq") is None else f"{scores['rmdq']}/24",
                "start_back": "–"
                if not sb
                else _("{total}/9 (psychosocial {psychosocial}/5)").format(
                    total=sb["total"], psychosocial=sb["psychosocial"]
                ),
                "risk": "–" if not sb else _(str(sb["risk"])),
            }
        )
    first_dates = [_aware(i.created_at) for i in intakes[:1]]
    first_session = db.scalars(
        select(models.Session.started_at)
        .where(models.Session.person_id == person_id)
        .order_by(models.Session.started_at)
    ).first()
    if first_session is not None:
        first_dates.append(_aware(first_session))
    since = min(first_dates) if first_dates else _aware(person.created_at)

    plan_row = PlanRepository(db).latest_row(person_id)
    plan = None
    if plan_row is not None:
        plan = {
            "date": _day(_aware(plan_row.created_at)),
            "origin": _(plan_row.origin),
            "level": plan_row.level,
            "note": plan_row.note,
            "items": [
                {
                    "exercise": exercise_name(i.exercise_id, library),
                    "dose": stored_dose_words(i.dose),
                    "reason": _(i.reason) if i.reason else "",
                }
                for i in plan_row.items
            ],  # fmt: skip
        }
    notes = db.scalars(
        select(models.Note)
        .where(models.Note.patient_id == person_id, models.Note.visibility == "shared")
        .order_by(models.Note.created_at, models.Note.id)
    )
    pain = progress.pain
    baseline, latest = (pain[0].pain, pain[-1].pain) if pain else (None, None)
    if baseline is None:
        pain_text = _("No pain reports yet.")
    elif patient_version:
        pain_text = _(
            "Your pain started at {baseline}/10 and was {latest}/10 at your last report."
        ).format(baseline=baseline, latest=latest)
        if progress.mic_threshold is not None and progress.mic_threshold > 0:
            pain_text += " " + (
                _("A drop to {threshold} or below counts as a change that matters; "
                  "you have reached it.")
                if progress.reached_mic
                else _("A drop to {threshold} or below counts as a change that matters; "
                       "not reached yet.")
            ).format(threshold=format_number(progress.mic_threshold))  # fmt: skip
    else:
        pain_text = (
            _("Baseline {baseline}/10 ({first}), latest {latest}/10 ({last}), {count} reports. "
              "Minimal important change: 2 points or 30% [OST] -> threshold {threshold}/10;")
            .format(baseline=baseline, first=_day(pain[0].at), latest=latest,
                    last=_day(pain[-1].at), count=len(pain),
                    threshold=format_number(progress.mic_threshold or 0.0))
            + " " + (_("reached.") if progress.reached_mic else _("not reached."))
        )  # fmt: skip
    rom = _rom_weeks(db, person_id, library, patient_version)
    charts_out = {
        "pain.svg": charts.standalone_svg(charts.pain_chart(pain, progress.mic_threshold))
    }
    rom_charts = []
    for n, (exercise_id, series) in enumerate(progress.rom_weekly.items()):
        name = f"rom-{n}.svg"
        svg = charts.standalone_svg(charts.series_chart(series, "°", exercise_id))
        if svg:
            charts_out[name] = svg
            rom_charts.append({"file": name, "measure": exercise_name(exercise_id, library)})
    if not charts_out["pain.svg"]:
        del charts_out["pain.svg"]
    data = {
        "patient_version": patient_version,
        "lang": current_locale(),
        "t": _labels(patient_version),
        "title": _("Your progress") if patient_version else _("Progress report"),
        "person": person.name,
        "clinician": clinician.name if clinician else "",
        "generated": _day(now),
        "period": f"{_day(since)} – {_day(now)}",
        "disclaimer": _(DISCLAIMER),
        "safety_state": state,
        "safety_history": history,
        "pain_text": pain_text,
        "pain_chart": "pain.svg" if "pain.svg" in charts_out else "",
        "questionnaires": questionnaires,
        "rom": rom,
        "rom_charts": rom_charts,
        "adherence": _adherence(progress.adherence, db, person_id, now.date()),
        "plan": plan,
        **_posture(db, person_id),
        "notes": [{"date": _day(_aware(n.created_at)), "text": n.text} for n in notes],
    }
    return Report(data, charts_out)


def render_pdf(report: Report) -> bytes:
    """Typeset a report as PDF bytes (Typst, fonts embedded: works offline)."""
    import typst

    template = resources.files("spinecoach.reports").joinpath("templates/progress.typ").read_bytes()
    files: dict[str, bytes] = {"main": template, "data.json": json.dumps(report.data).encode()}
    files.update({name: svg.encode() for name, svg in report.charts.items()})
    try:
        # in-memory files (a dict) are accepted at run time; the stubs list paths only
        pdf = typst.compile(files, ignore_system_fonts=True)  # type: ignore[call-overload]
        return bytes(pdf)
    except RuntimeError as exc:  # typst reports compile errors as RuntimeError
        raise StorageError(
            gettext("report: the PDF could not be typeset: {exc}").format(exc=exc)
        ) from None


def write_pdf(pdf: bytes, out: Path) -> None:
    """Write PDF bytes to ``out``; a bad path is one clear error."""
    if out.suffix.lower() != ".pdf":
        raise InvalidInput(
            gettext("--out: {out}: expected a file name ending in .pdf").format(out=out)
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(pdf)
    except OSError as exc:
        raise InvalidInput(
            gettext("--out: {out}: cannot write ({strerror})").format(
                out=out, strerror=exc.strerror
            )
        ) from None
