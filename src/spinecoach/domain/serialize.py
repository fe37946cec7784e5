"""Plain-dict (JSON) forms of doses and plans; pure and round-tripping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from spinecoach.domain.exercise import Breath, Dose, PnfDose, Section, TempoPhase
from spinecoach.domain.plan import ChangeAction, Plan, PlanChange, PlanItem


def dose_to_dict(dose: Dose) -> dict[str, Any]:
    """Serialise a :class:`Dose`."""
    return {
        "reps": dose.reps,
        "sets": dose.sets,
        "hold_s": dose.hold_s,
        "rest_s": dose.rest_s,
        "per_side": dose.per_side,
        "tempo": [
            {"name": p.name, "seconds": p.seconds, "breath": p.breath.value, "cue": p.cue}
            for p in dose.tempo
        ],
        "pnf": None
        if dose.pnf is None
        else {
            "stretch_s": dose.pnf.stretch_s,
            "contract_s": dose.pnf.contract_s,
            "contract_effort_pct": dose.pnf.contract_effort_pct,
            "relax_s": dose.pnf.relax_s,
            "deeper_stretch_s": dose.pnf.deeper_stretch_s,
        },
        "sources": list(dose.sources),
        "duration_s": round(dose.duration_s, 1),
        "unit": dose.unit,
    }


def dose_from_dict(data: dict[str, Any]) -> Dose:
    """Inverse of :func:`dose_to_dict`."""
    pnf = data.get("pnf")
    return Dose(
        reps=int(data["reps"]),
        sets=int(data.get("sets", 1)),
        hold_s=data.get("hold_s"),
        rest_s=float(data.get("rest_s", 0.0)),
        per_side=bool(data.get("per_side", False)),
        tempo=tuple(
            TempoPhase(
                p["name"], float(p["seconds"]), Breath(p.get("breath", "natural")), p.get("cue", "")
            )
            for p in data.get("tempo", [])
        ),
        pnf=PnfDose(**pnf) if pnf else None,
        sources=tuple(data.get("sources", ())),
        unit=str(data.get("unit", "reps")),
    )


def change_to_dict(change: PlanChange) -> dict[str, Any]:
    """Serialise a :class:`PlanChange`."""
    return {
        "exercise_id": change.exercise_id,
        "action": change.action.value,
        "reason": change.reason,
        "sources": list(change.sources),
        "replaced_by": change.replaced_by,
    }


def change_from_dict(data: dict[str, Any]) -> PlanChange:
    """Inverse of :func:`change_to_dict`."""
    return PlanChange(
        exercise_id=data["exercise_id"],
        action=ChangeAction(data["action"]),
        reason=data["reason"],
        sources=tuple(data.get("sources", ())),
        replaced_by=data.get("replaced_by"),
    )


def item_to_dict(item: PlanItem) -> dict[str, Any]:
    """Serialise a :class:`PlanItem` (with its estimated duration)."""
    return {
        "exercise_id": item.exercise_id,
        "name": item.name,
        "section": item.section.value,
        "dose": dose_to_dict(item.dose),
        "duration_s": round(item.duration_s, 1),
        "reason": item.reason,
        "sources": list(item.sources),
        "locked": item.locked,
        "note": item.note,
        "good_sessions": item.good_sessions,
    }


def item_from_dict(data: dict[str, Any]) -> PlanItem:
    """Inverse of :func:`item_to_dict`."""
    return PlanItem(
        exercise_id=data["exercise_id"],
        name=data.get("name", data["exercise_id"]),
        section=Section(data["section"]),
        dose=dose_from_dict(data["dose"]),
        reason=data.get("reason", ""),
        sources=tuple(data.get("sources", ())),
        locked=bool(data.get("locked", False)),
        note=data.get("note", ""),
        good_sessions=int(data.get("good_sessions", 0)),
    )


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The documented JSON plan: items, doses, ``total_duration_s`` and reasons."""
    return {
        "created_at": plan.created_at.isoformat(),
        "level": plan.level,
        "total_duration_s": round(plan.total_duration_s, 1),
        "budget_s": plan.budget_s,
        "paused": plan.paused,
        "note": plan.note,
        "reasons": list(plan.reasons),
        "changes": [change_to_dict(c) for c in plan.changes],
        "items": [item_to_dict(i) for i in plan.items],
        "conditions": sorted(plan.conditions),
        "set_aside": list(plan.set_aside),
    }


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """Inverse of :func:`plan_to_dict`."""
    return Plan(
        items=tuple(item_from_dict(i) for i in data["items"]),
        level=int(data["level"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        reasons=tuple(data.get("reasons", ())),
        changes=tuple(change_from_dict(c) for c in data.get("changes", ())),
        note=data.get("note", ""),
        paused=bool(data.get("paused", False)),
        budget_s=float(data.get("budget_s", 0.0)),
        conditions=frozenset(data.get("conditions", ())),
        set_aside=tuple(data.get("set_aside", ())),
    )
