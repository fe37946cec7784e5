"""FHIR export and re-import of one person: a Bundle built and validated with ``fhir.resources``.

The Bundle (type ``collection``) holds a Patient; an Observation per pain report (LOINC
72514-3, the 0-10 numeric pain rating) and per measured range of motion (with the method:
camera or IMU, the Device, and the confidence as a component); Observations of the RMDQ and
STarT Back scores; a QuestionnaireResponse per red-flag screening and per intake (the stored
answers); a CarePlan per plan (exercise activities with doses and reasons); an Encounter per
session and a Procedure per exercise done in it; a Flag for the current safety state; a
Device per kind of sensor used. Models are ``fhir.resources.R4B`` (FHIR 4.3, the R4 line:
these resources have the same shape as in R4 4.0.1).

Standard codes are used where they exist (LOINC 72514-3, SNOMED CT 229065009 exercise
therapy, HL7 observation categories, UCUM units, v3 ActCode HH); everything spinecoach-
specific uses the local code system :data:`LOCAL_SYSTEM` (documented in docs/clinician.md).

Re-import (to move a person between installs) restores spinecoach's own records from the
``stored-record`` extension each mapped resource carries (the exact stored row, as JSON);
the resources derived from them (score and range-of-motion Observations, the Flag, Devices)
are rebuilt on the next export. Resource ids are name-based UUIDs of each record's natural
key (its time stamp and position), so export -> import -> export gives the same resources.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.wording import exercise_name, stored_dose_words
from spinecoach.errors import InvalidDataFile, InvalidInput
from spinecoach.reports.export import result_fields
from spinecoach.store import models
from spinecoach.store.repositories import PersonRepository

LOCAL_SYSTEM = "https://spinecoach.org/fhir/CodeSystem/spinecoach"
RECORD_URL = "https://spinecoach.org/fhir/StructureDefinition/stored-record"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
NAMESPACE = uuid.UUID("6f1c3c5e-2b7a-4c1e-9d0e-5f3a1b2c4d5e")

PAIN_LOINC = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
EXERCISE_THERAPY = ("229065009", "Exercise therapy")
DEVICES = {
    "camera": ("camera", N_("Camera with on-device pose estimation (MediaPipe BlazePose)")),
    "video": ("camera", N_("Camera with on-device pose estimation (MediaPipe BlazePose)")),
    "keypoints": ("camera", N_("Camera with on-device pose estimation (MediaPipe BlazePose)")),
    "imu": ("imu", N_("Inertial measurement unit (accelerometer and gyroscope) on the back")),
    "imu_stream": (
        "imu",
        N_("Inertial measurement unit (accelerometer and gyroscope) on the back"),
    ),
}
#: Screening tiers as shown in the Flag's texts (the codes stay ``screening-<tier>``).
TIER_WORDS = {"clear": N_("clear"), "caution": N_("caution"), "urgent": N_("urgent"),
              "emergency": N_("emergency")}  # fmt: skip


# --------------------------------------------------------------------------- helpers
def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else _aware(value).astimezone(UTC).isoformat()


def _dt(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _local(code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": LOCAL_SYSTEM, "code": code}
    if display:
        coding["display"] = display
    return coding


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBS_CATEGORY, "code": code}]}]


def _record(row: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"url": RECORD_URL, "valueString": json.dumps(row, sort_keys=True)}]


def _stored(resource: dict[str, Any]) -> dict[str, Any] | None:
    for ext in resource.get("extension") or []:
        if ext.get("url") == RECORD_URL:
            value = json.loads(ext["valueString"])
            return value if isinstance(value, dict) else None
    return None


class _Ids:
    """Name-based UUIDs: the same record gets the same id on every install."""

    def __init__(self, person_key: str) -> None:
        self.person_key = person_key
        self.seen: dict[str, int] = defaultdict(int)

    def __call__(self, kind: str, key: str) -> str:
        n = self.seen[f"{kind}/{key}"]
        self.seen[f"{kind}/{key}"] += 1
        return str(uuid.uuid5(NAMESPACE, f"{self.person_key}/{kind}/{key}/{n}"))


def _keys(rows: Iterable[Any], attr: str) -> dict[int, str]:
    """A natural key per row: its time stamp, ``#n`` for the n-th row with the same one."""
    seen: dict[str, int] = defaultdict(int)
    keys = {}
    for row in rows:
        stamp = _iso(getattr(row, attr)) or ""
        keys[row.id] = f"{stamp}#{seen[stamp]}"
        seen[stamp] += 1
    return keys


def _validated(resource: dict[str, Any]) -> dict[str, Any]:
    """Validate with the ``fhir.resources`` R4B model of its type; return its JSON form."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(resource["resourceType"])
    return dict(model.model_validate(resource).model_dump(mode="json", exclude_none=True))


def _answers(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Stored answers as QuestionnaireResponse items (typed values; lists keep their order)."""
    items = []
    for key, value in sorted(values.items()):
        item: dict[str, Any] = {"linkId": str(key)}
        if isinstance(value, dict):
            item["item"] = _answers(value) or None
        else:
            values_ = value if isinstance(value, list) else [value]
            answers = [_answer(v) for v in values_ if v is not None]
            if answers:
                item["answer"] = answers
        items.append({k: v for k, v in item.items() if v is not None})
    return items


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    return {"valueString": str(value)}


# --------------------------------------------------------------------------- export
def _rows(db: DbSession, model: Any, column: Any, person_id: int, order: Any) -> list[Any]:
    return list(db.scalars(select(model).where(column == person_id).order_by(order, model.id)))


def export_bundle(
    db: DbSession,
    person_id: int,
    now: datetime,
    library: ExerciseLibrary | None = None,
) -> dict[str, Any]:
    """Everything stored about ``person_id`` as a FHIR Bundle (JSON), each resource validated.

    Parameters
    ----------
    db : Session
    person_id : int
        Raises :class:`~spinecoach.errors.NotFound` if absent.
    now : datetime
        The Bundle's time stamp.
    library : ExerciseLibrary, optional
        Exercise names for the CarePlan activities and Procedures.
    """
    person = PersonRepository(db).get(person_id)
    ids = _Ids(f"{_iso(person.created_at)}/{person.name}")
    patient_id = ids("Patient", "")
    subject = {"reference": f"urn:uuid:{patient_id}", "display": person.name}
    resources: list[dict[str, Any]] = []
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient_id,
        "active": True,
        "name": [{"text": person.name}],
        "extension": _record({"name": person.name, "created_at": _iso(person.created_at)}),
    }
    if person.email:
        patient["telecom"] = [{"system": "email", "value": person.email}]
    resources.append(patient)

    # devices used (derived from the sessions' sources)
    sessions = _rows(db, models.Session, models.Session.person_id, person_id,
                     models.Session.started_at)  # fmt: skip
    device_ids: dict[str, str] = {}
    for kind in sorted({DEVICES[s.source][0] for s in sessions if s.source in DEVICES}):
        device_ids[kind] = ids("Device", kind)
        text = _(next(v[1] for v in DEVICES.values() if v[0] == kind))
        resources.append(
            {
                "resourceType": "Device",
                "id": device_ids[kind],
                "type": {"coding": [_local(f"device-{kind}", text)], "text": text},
                "patient": {"reference": f"urn:uuid:{patient_id}"},
            }
        )

    # screenings: answers as QuestionnaireResponse; the latest tier as the safety Flag
    screenings = _rows(db, models.Screening, models.Screening.person_id, person_id,
                       models.Screening.created_at)  # fmt: skip
    for s in screenings:
        payload = dict(s.answers or {})
        resources.append(
            {
                "resourceType": "QuestionnaireResponse",
                "id": ids("Screening", _iso(s.created_at) or ""),
                "questionnaire": f"{LOCAL_SYSTEM}/Questionnaire/red-flags",
                "status": "completed",
                "subject": subject,
                "authored": _iso(s.created_at),
                "item": _answers(payload) or None,
                "extension": _record(
                    {
                        "type": "screening",
                        "created_at": _iso(s.created_at),
                        "tier": s.tier,
                        "answers": s.answers,
                        "reasons": s.reasons,
                    }
                ),
            }  # fmt: skip
        )
    if screenings:
        latest = screenings[-1]
        blocked = latest.tier in ("emergency", "urgent")
        tier = _(TIER_WORDS.get(latest.tier, latest.tier))
        resources.append(
            {
                "resourceType": "Flag",
                "id": ids("Flag", "safety"),
                "status": "active" if latest.tier != "clear" else "inactive",
                "category": [{"coding": [{"system": FLAG_CATEGORY, "code": "safety"}]}],
                "code": {
                    "coding": [
                        _local(
                            f"screening-{latest.tier}",
                            _("Red-flag screening: {tier}").format(tier=tier),
                        )
                    ],
                    "text": (
                        _("Red-flag screening {tier}: exercise blocked").format(tier=tier)
                        if blocked
                        else _("Red-flag screening {tier}").format(tier=tier)
                    ),
                },
                "subject": subject,
                "period": {"start": _iso(latest.created_at)},
            }
        )

    # intakes: the answers, and the questionnaire scores as Observations
    for i in _rows(db, models.Intake, models.Intake.person_id, person_id, models.Intake.created_at):
        at = _iso(i.created_at)
        resources.append(
            {
                "resourceType": "QuestionnaireResponse",
                "id": ids("Intake", at or ""),
                "questionnaire": f"{LOCAL_SYSTEM}/Questionnaire/intake",
                "status": "completed",
                "subject": subject,
                "authored": at,
                "item": _answers(dict(i.answers or {})) or None,
                "extension": _record(
                    {"type": "intake", "created_at": at, "answers": i.answers, "scores": i.scores}
                ),
            }  # fmt: skip
        )
        scores = i.scores or {}
        if isinstance(scores.get("rmdq"), int):
            resources.append(
                {
                    "resourceType": "Observation",
                    "id": ids("RMDQ", at or ""),
                    "status": "final",
                    "category": _category("survey"),
                    "code": {
                        "coding": [
                            _local(
                                "rmdq-total",
                                _("Roland-Morris Disability Questionnaire total score"),
                            )
                        ],
                        "text": _("RMDQ total score (0-24)"),
                    },
                    "subject": subject,
                    "effectiveDateTime": at,
                    "valueQuantity": {
                        "value": scores["rmdq"],
                        "unit": "score",
                        "system": UCUM,
                        "code": "{score}",
                    },
                }  # fmt: skip
            )
        sb = scores.get("start_back")
        if isinstance(sb, dict):
            resources.append(
                {
                    "resourceType": "Observation",
                    "id": ids("STarTBack", at or ""),
                    "status": "final",
                    "category": _category("survey"),
                    "code": {
                        "coding": [_local("start-back-total", _("STarT Back Tool total score"))],
                        "text": _("STarT Back total score (0-9)"),
                    },
                    "subject": subject,
                    "effectiveDateTime": at,
                    "valueQuantity": {
                        "value": sb["total"],
                        "unit": "score",
                        "system": UCUM,
                        "code": "{score}",
                    },
                    "component": [
                        {
                            "code": {
                                "coding": [
                                    _local("start-back-psychosocial", _("Psychosocial subscore"))
                                ]
                            },
                            "valueQuantity": {
                                "value": sb["psychosocial"],
                                "unit": "score",
                                "system": UCUM,
                                "code": "{score}",
                            },
                        },
                        {
                            "code": {"coding": [_local("start-back-risk", _("Risk group"))]},
                            "valueString": str(sb["risk"]),
                        },
                    ],
                }  # fmt: skip
            )

    # plans as CarePlans: the latest is active
    plans = _rows(db, models.Plan, models.Plan.person_id, person_id, models.Plan.created_at)
    plan_ids: dict[int, str] = {}
    plan_keys = _keys(plans, "created_at")
    for n, p in enumerate(plans):
        at = _iso(p.created_at)
        plan_ids[p.id] = ids("CarePlan", at or "")
        items = [
            {"position": i.position, "exercise_id": i.exercise_id, "section": i.section,
             "dose": i.dose, "reason": i.reason, "sources": i.sources, "locked": i.locked,
             "note": i.note, "good_sessions": i.good_sessions}
            for i in p.items
        ]  # fmt: skip
        resources.append(
            {
                "resourceType": "CarePlan",
                "id": plan_ids[p.id],
                "status": "active" if n == len(plans) - 1 else "completed",
                "intent": "plan",
                "title": _("Daily back exercise routine (level {level})").format(level=p.level),
                "subject": subject,
                "created": at,
                "description": " ".join(p.reasons or []) or None,
                "note": [{"text": p.note}] if p.note else None,
                "activity": [
                    {
                        "detail": {
                            "kind": "ServiceRequest",
                            "code": {
                                "coding": [
                                    _local(
                                        f"exercise-{i.exercise_id}",
                                        exercise_name(i.exercise_id, library),
                                    )
                                ],
                                "text": exercise_name(i.exercise_id, library),
                            },
                            "status": "in-progress" if n == len(plans) - 1 else "completed",
                            "description": stored_dose_words(i.dose),
                            "reasonCode": [{"text": i.reason}] if i.reason else None,
                        }
                    }  # fmt: skip
                    for i in p.items
                ]
                or None,
                "extension": _record(
                    {
                        "type": "plan",
                        "key": plan_keys[p.id],
                        "created_at": at,
                        "origin": p.origin,
                        "level": p.level,
                        "total_duration_s": p.total_duration_s,
                        "budget_s": p.budget_s,
                        "reasons": p.reasons,
                        "changes": p.changes,
                        "note": p.note,
                        "paused": p.paused,
                        "items": items,
                    }
                ),
            }  # fmt: skip
        )

    # sessions: Encounter, a Procedure and a range-of-motion Observation per exercise
    session_keys = _keys(sessions, "started_at")
    for s in sessions:
        at = _iso(s.started_at)
        encounter_id = ids("Encounter", at or "")
        status = "in-progress" if s.status == "in_progress" else "finished"
        resources.append(
            {
                "resourceType": "Encounter",
                "id": encounter_id,
                "status": status,
                "class": {"system": ACT_CODE, "code": "HH", "display": "home health"},
                "type": [{"coding": [_local("guided-session", _("Guided exercise session"))]}],
                "subject": subject,
                "period": {"start": at, "end": _iso(s.ended_at)},
                "extension": _record(
                    {
                        "type": "session",
                        "key": session_keys[s.id],
                        "started_at": at,
                        "ended_at": _iso(s.ended_at),
                        "status": s.status,
                        "source": s.source,
                        "pain_before": s.pain_before,
                        "pain_after": s.pain_after,
                        "summary": s.summary,
                        "plan": plan_keys.get(s.plan_id) if s.plan_id else None,
                    }
                ),
            }  # fmt: skip
        )
        device = DEVICES.get(s.source)
        for r in s.results:
            name = exercise_name(r.exercise_id, library)
            proc_id = ids("Procedure", f"{at}/{r.position}")
            resources.append(
                {
                    "resourceType": "Procedure",
                    "id": proc_id,
                    "status": "completed" if r.completed else "stopped",
                    "code": {
                        "coding": [
                            {
                                "system": SNOMED,
                                "code": EXERCISE_THERAPY[0],
                                "display": EXERCISE_THERAPY[1],
                            },
                            _local(f"exercise-{r.exercise_id}", name),
                        ],
                        "text": name,
                    },
                    "subject": subject,
                    "encounter": {"reference": f"urn:uuid:{encounter_id}"},
                    "performedPeriod": {"start": _iso(r.started_at), "end": _iso(r.ended_at)},
                    "outcome": {
                        "text": _("{done} of {target} repetitions").format(
                            done=r.reps_done, target=r.reps_target
                        )
                        + (f"; {_(r.stop_action.replace('_', ' '))}" if r.stop_action else "")
                    },
                    "extension": _record(
                        {
                            "type": "result",
                            "session": session_keys[s.id],
                            "position": r.position,
                            **result_fields(r),
                            "traces": r.traces,
                            "cues": r.cues,
                        }
                    ),
                }  # fmt: skip
            )
            if r.ranges_deg and device is not None:
                frac = (r.tracking or {}).get("ok_fraction")
                obs: dict[str, Any] = {
                    "resourceType": "Observation",
                    "id": ids("ROM", f"{at}/{r.position}"),
                    "status": "final",
                    "category": _category("exam"),
                    "code": {"coding": [_local(f"rom-{r.exercise_id}",
                                               _("Range of motion during {name}").format(
                                                   name=name))],
                             "text": _("Range of motion during {name} (best repetition)").format(
                                 name=name)},
                    "subject": subject,
                    "encounter": {"reference": f"urn:uuid:{encounter_id}"},
                    "effectiveDateTime": _iso(r.ended_at),
                    "valueQuantity": {"value": round(max(float(x) for x in r.ranges_deg), 1),
                                      "unit": "degree", "system": UCUM, "code": "deg"},
                    "method": {"coding": [_local(f"method-{device[0]}")], "text": _(device[1])},
                    "device": {"reference": f"urn:uuid:{device_ids[device[0]]}"},
                    "partOf": [{"reference": f"urn:uuid:{proc_id}"}],
                }  # fmt: skip
                if isinstance(frac, int | float):
                    obs["component"] = [
                        {"code": {"coding": [_local("measurement-confidence",
                                                    _("Share of the time the body was tracked"))]},
                         "valueQuantity": {"value": round(100 * float(frac), 1), "unit": "%",
                                           "system": UCUM, "code": "%"}}
                    ]  # fmt: skip
                resources.append(obs)

    # posture checks and sitting-monitor runs (reports/fhir_posture.py)
    from spinecoach.reports.fhir_posture import posture_resources

    resources += posture_resources(db, person_id, subject, ids, _local, _record, _iso)

    # pain and symptom reports
    reports = _rows(db, models.PainReport, models.PainReport.person_id, person_id,
                    models.PainReport.at)  # fmt: skip
    for r in reports:
        at = _iso(r.at)
        code = (
            {"coding": [{"system": LOINC, "code": PAIN_LOINC[0], "display": PAIN_LOINC[1]}],
             "text": _("Pain 0-10")}
            if r.pain is not None
            else {"coding": [_local("symptom-report", _("Symptom report"))],
                  "text": _("Symptom report")}
        )  # fmt: skip
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": ids("Pain", at or ""),
            "status": "final",
            "category": _category("survey"),
            "code": code,
            "subject": subject,
            "effectiveDateTime": at,
            "component": [
                {"code": {"coding": [_local(f"symptom-{sym}")]}, "valueBoolean": True}
                for sym in r.symptoms or []
            ]
            or None,
            "extension": _record({"type": "pain", "at": at, "kind": r.kind, "pain": r.pain,
                                  "symptoms": r.symptoms, "decision": r.decision,
                                  "exercise_id": r.exercise_id,
                                  "session": session_keys.get(r.session_id or 0)}),
        }  # fmt: skip
        if r.pain is not None:
            resource["valueInteger"] = r.pain
        resources.append(resource)

    entries = [
        {"fullUrl": f"urn:uuid:{res['id']}", "resource": _validated(_clean(res))}
        for res in resources
    ]
    return _validated(
        {"resourceType": "Bundle", "type": "collection", "timestamp": _iso(now), "entry": entries}
    )


def _clean(value: Any) -> Any:
    """Drop ``None`` values (FHIR has no nulls)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


# --------------------------------------------------------------------------- import
def import_bundle(
    db: DbSession, bundle: Any, *, clinician_id: int | None = None, source: str = "bundle"
) -> models.Person:
    """Store a person from a Bundle made by :func:`export_bundle` (one commit, or nothing).

    Parameters
    ----------
    db : Session
    bundle : dict
        The Bundle JSON; it is validated by the ``fhir.resources`` R4B model first.
    clinician_id : int, optional
        Link the person to this clinician.
    source : str
        Where the Bundle came from, for error messages (a file name).

    Raises
    ------
    InvalidDataFile
        Not a valid FHIR Bundle, or not one spinecoach can restore (no Patient record).
    InvalidInput
        The person's e-mail is already registered in this database.
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidDataFile(source, "resourceType", _("expected a FHIR Bundle"))
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise InvalidDataFile(
            source, where, _("not valid FHIR: {first}").format(first=first["msg"])
        ) from None
    resources = [e.get("resource") or {} for e in bundle.get("entry") or []]
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if len(patients) != 1 or _stored(patients[0]) is None:
        raise InvalidDataFile(source, "entry", _("expected one spinecoach Patient in the Bundle"))
    stored = _stored(patients[0]) or {}
    email = next(
        (t.get("value") for t in patients[0].get("telecom") or [] if t.get("system") == "email"),
        None,
    )
    if email and PersonRepository(db).by_email(email) is not None:
        raise InvalidInput(
            _("{source}: {email} is already registered in this database").format(
                source=source, email=email
            )
        )
    try:
        person = models.Person(
            name=str(stored["name"]), email=email, role="patient", clinician_id=clinician_id,
            created_at=_dt(stored.get("created_at")),
        )  # fmt: skip
        db.add(person)
        db.flush()
        _restore(db, person, [rec for r in resources if (rec := _stored(r)) is not None])
        db.commit()
    except (KeyError, TypeError, ValueError) as exc:
        db.rollback()
        raise InvalidDataFile(
            source, "extension", _("a stored record is incomplete ({exc})").format(exc=exc)
        ) from None
    return person


def _restore(db: DbSession, person: models.Person, records: Iterable[dict[str, Any]]) -> None:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        by_type[str(rec.get("type"))].append(rec)
    from spinecoach.reports.fhir_posture import restore_posture

    restore_posture(db, person, by_type, _dt)
    for rec in by_type["screening"]:
        db.add(models.Screening(person_id=person.id, created_at=_dt(rec["created_at"]),
                                tier=rec["tier"], answers=rec["answers"],
                                reasons=rec["reasons"]))  # fmt: skip
    for rec in by_type["intake"]:
        db.add(models.Intake(person_id=person.id, created_at=_dt(rec["created_at"]),
                             answers=rec["answers"], scores=rec["scores"]))  # fmt: skip
    plans: dict[str, models.Plan] = {}
    for rec in by_type["plan"]:
        plans[rec["key"]] = models.Plan(
            person_id=person.id, created_at=_dt(rec["created_at"]), origin=rec["origin"],
            level=rec["level"], total_duration_s=rec["total_duration_s"],
            budget_s=rec["budget_s"], reasons=rec["reasons"], changes=rec["changes"],
            note=rec["note"], paused=rec["paused"],
            items=[models.PlanItem(**item) for item in rec["items"]],
        )  # fmt: skip
        db.add(plans[rec["key"]])
    db.flush()
    sessions: dict[str, models.Session] = {}
    for rec in by_type["session"]:
        plan = plans.get(rec["plan"]) if rec.get("plan") else None
        sessions[rec["key"]] = models.Session(
            person_id=person.id, plan_id=plan.id if plan else None,
            started_at=_dt(rec["started_at"]), ended_at=_dt(rec["ended_at"]),
            status=rec["status"], source=rec["source"], pain_before=rec["pain_before"],
            pain_after=rec["pain_after"], summary=rec["summary"],
        )  # fmt: skip
        db.add(sessions[rec["key"]])
    db.flush()
    for rec in by_type["result"]:
        fields = {k: rec[k] for k in (
            "position", "exercise_id", "completed", "reps_done", "reps_target", "ranges_deg",
            "hold_times_s", "tempo", "form_flags", "tracking", "pain_during", "stop_action",
            "traces", "cues")}  # fmt: skip
        db.add(models.ExerciseResult(session_id=sessions[rec["session"]].id,
                                     started_at=_dt(rec["started_at"]),
                                     ended_at=_dt(rec["ended_at"]), **fields))  # fmt: skip
    for rec in by_type["pain"]:
        session = sessions[rec["session"]] if rec.get("session") else None
        db.add(models.PainReport(
            person_id=person.id, session_id=session.id if session else None,
            exercise_id=rec["exercise_id"], at=_dt(rec["at"]), kind=rec["kind"],
            pain=rec["pain"], symptoms=rec["symptoms"], decision=rec["decision"],
        ))  # fmt: skip
