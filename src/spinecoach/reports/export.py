"""Export everything stored about one person as JSON, or as CSV tables for spreadsheets.

The export is the person's own data: screenings, intakes with their scores, plans with
items and reasons, sessions with every exercise result, and every pain/symptom report.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from spinecoach import DISCLAIMER, __version__
from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.store import models
from spinecoach.store.repositories import PersonRepository, SessionRepository

EXPORT_FORMAT = "spinecoach-export/1"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def result_fields(r: models.ExerciseResult) -> dict[str, Any]:
    """The stored fields of one exercise result, as JSON-ready values.

    Parameters
    ----------
    r : models.ExerciseResult
        One exercise done in a session.

    Returns
    -------
    dict
        Exercise id, start and end (ISO 8601), completion, repetitions, ranges, holds,
        tempo, form flags, tracking, pain during and stop action. The JSON export and the
        FHIR export's stored records both use it, so they cannot drift apart.
    """
    return {
        "exercise_id": r.exercise_id,
        "started_at": _iso(r.started_at),
        "ended_at": _iso(r.ended_at),
        "completed": r.completed,
        "reps_done": r.reps_done,
        "reps_target": r.reps_target,
        "ranges_deg": r.ranges_deg,
        "hold_times_s": r.hold_times_s,
        "tempo": r.tempo,
        "form_flags": r.form_flags,
        "tracking": r.tracking,
        "pain_during": r.pain_during,
        "stop_action": r.stop_action,
    }


def export_person(db: DbSession, person_id: int, now: datetime) -> dict[str, Any]:
    """Everything stored about ``person_id`` as one JSON-ready dict.

    Parameters
    ----------
    db : Session
        Open database session.
    person_id : int
        The person to export (raises :class:`~spinecoach.errors.NotFound` if absent).
    now : datetime
        Export time stamp.

    Returns
    -------
    dict
        Keys ``format``, ``exported_at``, ``spinecoach_version``, ``disclaimer``, ``person``,
        ``screenings``, ``intakes``, ``plans``, ``sessions`` (with ``kind`` and ``break_at``
        for desk breaks), ``pain_reports``, ``posture_assessments``, ``desk_questionnaires``,
        ``desk_break_plans``, ``posture_monitor`` (minutes and nudges only), ``reminders``
        (the saved reminder times, weekdays and time zone, or ``None``).
    """
    person = PersonRepository(db).get(person_id)
    sessions = SessionRepository(db)

    def rows(model: Any, column: Any) -> list[Any]:
        query = select(model).where(column == person_id).order_by(model.id)
        return list(db.scalars(query))

    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "spinecoach_version": __version__,
        "disclaimer": DISCLAIMER,
        "person": {
            "id": person.id,
            "name": person.name,
            "role": person.role,
            "created_at": _iso(person.created_at),
        },  # fmt: skip
        "screenings": [
            {"at": _iso(s.created_at), "tier": s.tier, "reasons": s.reasons, "answers": s.answers}
            for s in rows(models.Screening, models.Screening.person_id)
        ],
        "intakes": [
            {"at": _iso(i.created_at), "answers": i.answers, "scores": i.scores}
            for i in rows(models.Intake, models.Intake.person_id)
        ],
        "plans": [
            {
                "id": p.id,
                "at": _iso(p.created_at),
                "origin": p.origin,
                "level": p.level,
                "total_duration_s": p.total_duration_s,
                "reasons": p.reasons,
                "changes": p.changes,
                "note": p.note,
                "paused": p.paused,
                "items": [
                    {
                        "exercise_id": i.exercise_id,
                        "section": i.section,
                        "dose": i.dose,
                        "reason": i.reason,
                        "sources": i.sources,
                        "locked": i.locked,
                    }
                    for i in p.items
                ],
            }  # fmt: skip
            for p in rows(models.Plan, models.Plan.person_id)
        ],
        "sessions": [
            {
                "id": s.id,
                "plan_id": s.plan_id,
                "started_at": _iso(s.started_at),
                "ended_at": _iso(s.ended_at),
                "status": s.status,
                "source": s.source,
                "kind": s.kind,
                "break_at": s.break_at,
                "pain_before": s.pain_before,
                "pain_after": s.pain_after,
                "results": [result_fields(r) for r in sessions.results(s.id)],
            }  # fmt: skip
            for s in rows(models.Session, models.Session.person_id)
        ],
        "pain_reports": [
            {
                "at": _iso(r.at),
                "kind": r.kind,
                "pain": r.pain,
                "symptoms": r.symptoms,
                "session_id": r.session_id,
                "exercise_id": r.exercise_id,
                "decision": (r.decision or {}).get("action"),
            }
            for r in rows(models.PainReport, models.PainReport.person_id)
        ],  # fmt: skip
        "safety_states": [
            {
                "at": _iso(r.at),
                "level": r.level,
                "reason": r.reason,
                "source": r.source,
                "exercise_id": r.exercise_id,
                "pain": r.pain,
                "note": r.note,
                "acknowledged_at": _iso(r.acknowledged_at),
            }
            for r in rows(models.SafetyStateRow, models.SafetyStateRow.person_id)
        ],  # fmt: skip
        "posture_assessments": [
            {
                "taken_at": _iso(a.taken_at),
                "position": a.position,
                "view": a.view,
                "input": a.input_name,
                "figures": a.figures,
                "unmeasurable": a.unmeasurable,
                "notes": a.notes,
            }
            for a in rows(models.PostureAssessment, models.PostureAssessment.person_id)
        ],  # fmt: skip
        "desk_questionnaires": [
            {"created_at": _iso(q.created_at), "answers": q.answers, "advice": q.advice}
            for q in rows(models.DeskQuestionnaire, models.DeskQuestionnaire.person_id)
        ],  # fmt: skip
        "desk_break_plans": [
            {
                "created_at": _iso(b.created_at),
                "origin": b.origin,
                "breaks": b.breaks,
                "changes": b.changes,
            }
            for b in rows(models.DeskBreakPlan, models.DeskBreakPlan.person_id)
        ],  # fmt: skip
        "posture_monitor": [
            {
                "started_at": _iso(m.started_at),
                "ended_at": _iso(m.ended_at),
                "source": m.source,
                "minutes": m.minutes,
                "nudges": m.nudges,
            }
            for m in rows(models.PostureMonitorLog, models.PostureMonitorLog.person_id)
        ],  # fmt: skip
        "reminders": _reminders(db.get(models.ReminderSetting, person_id)),
    }


def _reminders(row: models.ReminderSetting | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "daily_time": row.daily_time,
        "breaks_on": row.breaks_on,
        "break_days": list(row.break_days),
        "time_zone": row.time_zone,
        "updated_at": _iso(row.updated_at),
    }


def write_json(export: dict[str, Any], path: Path) -> Path:
    """Write the export as indented UTF-8 JSON."""
    _writable_parent(path)
    path.write_text(json.dumps(export, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_csv_tables(export: dict[str, Any], folder: Path) -> list[Path]:
    """Write ``sessions.csv``, ``exercise_results.csv`` and ``pain_reports.csv`` to ``folder``.

    Lists (ranges, holds, flags) are joined with ``;`` so each row stays one line.
    """
    folder.mkdir(parents=True, exist_ok=True)
    sessions = [{k: v for k, v in s.items() if k != "results"} for s in export["sessions"]]
    results = [
        {"session_id": s["id"], **_flat(r)} for s in export["sessions"] for r in s["results"]
    ]
    pain = [_flat(r) for r in export["pain_reports"]]
    written = []
    for name, table in (("sessions", sessions), ("exercise_results", results),
                        ("pain_reports", pain)):  # fmt: skip
        path = folder / f"{name}.csv"
        columns = list(table[0]) if table else []
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(table)
        written.append(path)
    return written


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, list):
            out[key] = ";".join(
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v) for v in value
            )
        elif isinstance(value, dict):
            out[key] = json.dumps(value, ensure_ascii=False)
        else:
            out[key] = value
    return out


def _writable_parent(path: Path) -> None:
    if not path.parent.is_dir():
        raise InvalidInput(
            _("{path}: folder {parent} does not exist").format(path=path, parent=path.parent)
        )
