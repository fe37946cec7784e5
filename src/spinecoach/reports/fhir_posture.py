"""Posture in the FHIR export: an Observation per posture figure and per sitting-monitor run.

Local codes (:data:`~spinecoach.reports.fhir.LOCAL_SYSTEM`, docs/clinician.md):
``posture-<measure>`` (e.g. ``posture-craniovertebral_angle_deg``) with the value in degrees,
the confidence as a component (``measurement-confidence``, %), the method
(``method-camera|imu|manual``) and, where a range is cited, ``referenceRange`` with the
source tags in its text; ``sitting-monitor`` with the minutes per category
(``sitting-upright``, ``sitting-slumped``, ``sitting-away``) and ``sitting-nudges``.
The first Observation of each check and each monitor run carries the stored record, so a
re-import restores them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from spinecoach.content.posture import load_norms
from spinecoach.domain.i18n import N_, _
from spinecoach.store import models

UCUM = "http://unitsofmeasure.org"
Local = Callable[[str, str | None], dict[str, Any]]
#: The sitting monitor's categories as shown in the component displays.
SITTING_WORDS = {"upright": N_("Minutes upright"), "slumped": N_("Minutes slumped"),
                 "away": N_("Minutes away")}  # fmt: skip


def _deg(value: float | None) -> dict[str, Any]:
    return {"value": value, "unit": "degree", "system": UCUM, "code": "deg"}


def posture_resources(
    db: DbSession,
    person_id: int,
    subject: dict[str, Any],
    new_id: Callable[[str, str], str],
    local: Local,
    record: Callable[[dict[str, Any]], list[dict[str, Any]]],
    iso: Callable[[Any], str | None],
) -> list[dict[str, Any]]:
    """Observations of ``person_id``'s posture checks and sitting-monitor runs."""
    norms = load_norms()
    category = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                             "observation-category", "code": "exam"}]}]  # fmt: skip
    out: list[dict[str, Any]] = []
    rows = db.scalars(
        select(models.PostureAssessment)
        .where(models.PostureAssessment.person_id == person_id)
        .order_by(models.PostureAssessment.taken_at, models.PostureAssessment.id)
    ).all()
    for row in rows:
        at = iso(row.taken_at)
        position = _(row.position.replace("_", " "))
        where = (
            _("{position}, back sensor").format(position=position)
            if row.view == "none"
            else _("{position}, {view} view").format(position=position, view=_(row.view))
        )
        for n, figure in enumerate(row.figures):
            measure = str(figure["measure"])
            norm = norms.get(measure)
            label = _(norm.label) if norm is not None else measure
            obs: dict[str, Any] = {
                "resourceType": "Observation",
                "id": new_id("Posture", f"{at}/{measure}/{n}"),
                "status": "final",
                "category": category,
                "code": {
                    "coding": [local(f"posture-{measure}", label)],
                    "text": _("{label} (posture check: {where})").format(label=label, where=where),
                },  # fmt: skip
                "subject": subject,
                "effectiveDateTime": at,
                "valueQuantity": _deg(float(figure["value_deg"])),
                "method": {
                    "coding": [local(f"method-{figure['source']}", None)],
                    "text": str(figure.get("note") or _(str(figure["source"])))[:500],
                },  # fmt: skip
                "component": [
                    {
                        "code": {
                            "coding": [
                                local(
                                    "measurement-confidence", _("Confidence of the posture figure")
                                )
                            ]
                        },
                        "valueQuantity": {
                            "value": round(100 * float(figure["confidence"]), 1),
                            "unit": "%",
                            "system": UCUM,
                            "code": "%",
                        },
                    }
                ],  # fmt: skip
            }
            if norm is not None and norm.has_range:
                comparable = figure["source"] in norm.comparable_sources
                tags = "".join(f"[{t}]" for t in norm.sources)
                text = f"{norm.range_text()} {tags}"
                if not comparable:
                    text += "; " + _("context only: a {source} figure is not comparable").format(
                        source=_(str(figure["source"]))
                    )
                reference: dict[str, Any] = {"text": text}
                if norm.low is not None:
                    reference["low"] = _deg(norm.low)
                if norm.high is not None:
                    reference["high"] = _deg(norm.high)
                obs["referenceRange"] = [reference]
            if n == 0:
                obs["extension"] = record(
                    {
                        "type": "posture_assessment",
                        "taken_at": at,
                        "position": row.position,
                        "view": row.view,
                        "input_name": row.input_name,
                        "figures": row.figures,
                        "unmeasurable": row.unmeasurable,
                        "notes": row.notes,
                    }  # fmt: skip
                )
            out.append(obs)
    logs = db.scalars(
        select(models.PostureMonitorLog)
        .where(models.PostureMonitorLog.person_id == person_id)
        .order_by(models.PostureMonitorLog.started_at, models.PostureMonitorLog.id)
    ).all()
    for n, log in enumerate(logs):
        start, end = iso(log.started_at), iso(log.ended_at)
        components = [
            {"code": {"coding": [local(f"sitting-{name}", _(SITTING_WORDS[name]))]},
             "valueQuantity": {"value": float(log.minutes.get(name, 0.0)), "unit": "min",
                               "system": UCUM, "code": "min"}}
            for name in ("upright", "slumped", "away")
        ]  # fmt: skip
        components.append(
            {
                "code": {"coding": [local("sitting-nudges", _("Nudges given"))]},
                "valueInteger": len(log.nudges or []),
            }  # fmt: skip
        )
        out.append(
            {
                "resourceType": "Observation",
                "id": new_id("SittingMonitor", f"{start}/{n}"),
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/"
                                "observation-category",
                                "code": "activity",
                            }
                        ]
                    }
                ],  # fmt: skip
                "code": {
                    "coding": [local("sitting-monitor", _("Sitting-posture monitor run"))],
                    "text": _("Sitting-posture monitor: minutes per posture"),
                },  # fmt: skip
                "subject": subject,
                "effectivePeriod": {"start": start, "end": end},
                "method": {"coding": [local(f"method-{log.source}", None)]},
                "component": components,
                "extension": record(
                    {
                        "type": "posture_monitor",
                        "started_at": start,
                        "ended_at": end,
                        "source": log.source,
                        "minutes": log.minutes,
                        "nudges": log.nudges,
                    }  # fmt: skip
                ),
            }
        )
    return out


def restore_posture(
    db: DbSession,
    person: models.Person,
    records: dict[str, list[dict[str, Any]]],
    parse_dt: Callable[[Any], Any],
) -> None:
    """Store the posture checks and monitor runs of a re-imported Bundle."""
    rows: Iterable[dict[str, Any]] = records.get("posture_assessment", [])
    for rec in rows:
        db.add(models.PostureAssessment(
            person_id=person.id, taken_at=parse_dt(rec["taken_at"]), position=rec["position"],
            view=rec["view"], input_name=rec["input_name"], figures=rec["figures"],
            unmeasurable=rec["unmeasurable"], notes=rec["notes"]))  # fmt: skip
    for rec in records.get("posture_monitor", []):
        db.add(models.PostureMonitorLog(
            person_id=person.id, started_at=parse_dt(rec["started_at"]),
            ended_at=parse_dt(rec["ended_at"]), source=rec["source"], minutes=rec["minutes"],
            nudges=rec["nudges"]))  # fmt: skip
