"""One stored session, reviewed: every exercise with its dose planned and done, every
repetition and hold, form flags, cues, pain and symptom reports with the decision, the
measured traces and how confident the measurement is.

The same review serves the clinician (numbers) and the patient (plain words): the page
chooses which text to show; nothing here decides anything clinical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.wording import action_words, exercise_name, stored_dose_words, symptom_words
from spinecoach.motion.neutral import count_confidence, count_note_text
from spinecoach.motion.types import Repetition as MotionRepetition
from spinecoach.motion.types import Side
from spinecoach.store import models
from spinecoach.store.models import as_utc

#: Below this share of frames (or sensor samples) tracked, the measurement is "low".
LOW_CONFIDENCE = 0.6
HIGH_CONFIDENCE = 0.85


STATUS_WORDS = {
    "completed": N_("Completed"),
    "stopped": N_("Ended early"),
    "urgent_care": N_("Ended: urgent care advised"),
    "closed": N_("Interrupted (closed later)"),
    "in_progress": N_("In progress"),
}
KIND_WORDS = {
    "before": N_("before"),
    "after": N_("after"),
    "during": N_("during"),
    "next_morning": N_("next morning"),
    "symptom": N_("symptom"),
}


def confidence_words(tracking: Mapping[str, Any]) -> tuple[str, str]:
    """``(level, sentence)`` for an exercise's tracking: level is high / fair / low / none."""
    if not tracking.get("measured", "ok_fraction" in tracking):
        return "none", _("Not measured (timed only).")
    frac = tracking.get("ok_fraction")
    if not isinstance(frac, int | float):
        return "none", _("Not measured (timed only).")
    lost = tracking.get("lost_s")
    share = f"{100 * float(frac):.0f}"
    if isinstance(lost, int | float) and lost > 0:
        pct = _("in view {share}%, lost for {lost} s").format(
            share=share, lost=f"{float(lost):.0f}"
        )
    else:
        pct = _("in view {share}%").format(share=share)
    if frac >= HIGH_CONFIDENCE:
        return "high", _("High confidence: {pct}.").format(pct=pct)
    if frac >= LOW_CONFIDENCE:
        return "fair", _("Fair confidence: {pct}.").format(pct=pct)
    return "low", _("Low confidence: {pct}; treat these numbers with care.").format(pct=pct)


def count_confidence_words(
    traces: Mapping[str, Any], durations_s: list[float], ranges_deg: list[float]
) -> tuple[str, str]:
    """``(level, sentence)`` for how sure the repetition count is, from the stored angle trace
    and the measured repetitions (:func:`spinecoach.motion.neutral.count_confidence`, the
    figure ``spinecoach analyze`` prints): level is high / medium / low / none."""
    if not durations_s:
        return "none", ""
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for trace in traces.values():  # the channel that moved most measured the repetitions
        if not isinstance(trace, Mapping):
            continue
        try:
            t = np.asarray(trace.get("t_s") or [], dtype=float)
            deg = np.asarray([np.nan if v is None else v for v in trace.get("deg") or []], float)
        except (TypeError, ValueError):
            continue
        if t.size >= 8 and t.shape == deg.shape and np.any(np.isfinite(deg)):
            spread = float(np.nanmax(deg) - np.nanmin(deg))
            if best is None or spread > best[0]:
                best = (spread, t, deg)
    if best is None:
        return "none", ""
    _spread, t, deg = best
    reps = tuple(
        MotionRepetition(0.0, 0.0, d, r, r, Side.NONE)
        for d, r in zip(durations_s, ranges_deg or [0.0] * len(durations_s), strict=False)
    )
    quality = count_confidence(t, deg, reps)
    level = str(quality["level"])
    if not quality["clear"]:
        why = count_note_text(quality.get("reason_words"))
        return "none", _("Count confidence: none ({why}).").format(why=why)
    return level, _("Count confidence: {level} (score {score}).").format(
        level=_(level), score=f"{float(quality['score']):.2f}"
    )


@dataclass(frozen=True)
class Repetition:
    """One measured repetition."""

    number: int
    range_deg: float | None
    duration_s: float | None


@dataclass(frozen=True)
class CheckIn:
    """A pain or symptom report during the session and what was decided."""

    at: datetime
    kind: str
    exercise: str
    pain: int | None
    symptoms: str
    action: str
    reasons: tuple[str, ...]
    text: str
    patient_text: str


@dataclass
class ExerciseReview:
    """One exercise of the session."""

    exercise_id: str
    name: str
    planned: str
    reps_done: int
    reps_target: int
    completed: bool
    repetitions: list[Repetition]
    holds: list[float]
    hold_target_s: float | None
    prescribed_rep_s: float | None
    mean_rep_s: float | None
    form_flags: list[dict[str, Any]]
    cues: list[dict[str, Any]]
    traces: dict[str, Any]
    confidence: str
    confidence_text: str
    pain_during: int | None
    stop_action: str | None
    replaced_by: str | None
    duration_s: float
    patient_text: str = ""
    count_confidence: str = "none"
    count_confidence_text: str = ""


@dataclass
class SessionReview:
    """The whole session."""

    id: int
    person_id: int
    started_at: datetime
    ended_at: datetime | None
    status: str
    source: str
    pain_before: int | None
    pain_after: int | None
    exercises: list[ExerciseReview] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    reasons: tuple[str, ...] = ()

    @property
    def duration_min(self) -> float | None:
        """Minutes from start to end."""
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds() / 60.0

    @property
    def status_words(self) -> str:
        """Plain words for the session status."""
        words = STATUS_WORDS.get(self.status)
        return _(words) if words else self.status.replace("_", " ").capitalize()


def _planned(db: DbSession, plan_id: int | None) -> dict[str, dict[str, Any]]:
    if plan_id is None:
        return {}
    rows = db.scalars(select(models.PlanItem).where(models.PlanItem.plan_id == plan_id))
    return {r.exercise_id: dict(r.dose) for r in rows}


def _patient_sentence(ex: ExerciseReview) -> str:
    parts = []
    if ex.reps_target:
        parts.append(
            _("You did {done} of {target} repetitions").format(
                done=ex.reps_done, target=ex.reps_target
            )
        )
    ranges = [r.range_deg for r in ex.repetitions if r.range_deg is not None]
    if ranges:
        parts.append(
            _("moving between {low}° and {high}°").format(
                low=f"{min(ranges):.0f}", high=f"{max(ranges):.0f}"
            )
        )
    if ex.holds:
        holds = ", ".join(f"{h:.0f}" for h in ex.holds)
        if ex.hold_target_s:
            parts.append(
                _("holding {holds} seconds (aim {target} s)").format(
                    holds=holds, target=f"{ex.hold_target_s:g}"
                )
            )
        else:
            parts.append(_("holding {holds} seconds").format(holds=holds))
    text = ", ".join(parts) + "." if parts else _("Done on the timer.")
    if ex.form_flags:
        n = len(ex.form_flags)
        tips = _("1 form tip along the way.") if n == 1 else _("{n} form tips along the way.")
        text += " " + tips.format(n=n)
    if ex.stop_action:
        text += " " + _("Then {action}.").format(action=action_words(ex.stop_action, patient=True))
    return text


def review_session(
    db: DbSession,
    session: models.Session,
    library: ExerciseLibrary | None = None,
    symptom_labels: Mapping[str, str] | None = None,
) -> SessionReview:
    """Build the review of one stored session (the caller has checked who may see it).

    Parameters
    ----------
    db : Session
    session : models.Session
    library : ExerciseLibrary, optional
        For exercise names.
    symptom_labels : mapping, optional
        Symptom code -> label (``rules.stop_rules``), for plain words.
    """
    labels = symptom_labels or {}
    planned = _planned(db, session.plan_id)
    review = SessionReview(
        id=session.id,
        person_id=session.person_id,
        started_at=as_utc(session.started_at),
        ended_at=as_utc(session.ended_at) if session.ended_at else None,
        status=session.status,
        source=session.source,
        pain_before=session.pain_before,
        pain_after=session.pain_after,
        reasons=tuple((session.summary or {}).get("reasons") or ()),
    )
    for r in session.results:
        tempo = dict(r.tempo or {})
        durations = [float(x) for x in tempo.get("rep_durations_s") or []]
        ranges = [float(x) for x in r.ranges_deg or []]
        count = max(len(ranges), len(durations))
        reps = [
            Repetition(
                n + 1,
                round(ranges[n], 1) if n < len(ranges) else None,
                round(durations[n], 1) if n < len(durations) else None,
            )
            for n in range(count)
        ]
        level, sentence = confidence_words(r.tracking or {})
        dose = planned.get(r.exercise_id)
        mean = tempo.get("mean_rep_s")
        prescribed = tempo.get("prescribed_rep_s")
        ex = ExerciseReview(
            exercise_id=r.exercise_id,
            name=exercise_name(r.exercise_id, library),
            planned=stored_dose_words(dose) if dose else f"{r.reps_target} reps",
            reps_done=r.reps_done,
            reps_target=r.reps_target,
            completed=r.completed,
            repetitions=reps,
            holds=[round(float(h), 1) for h in r.hold_times_s or []],
            hold_target_s=tempo.get("hold_target_s"),
            prescribed_rep_s=float(prescribed) if isinstance(prescribed, int | float) else None,
            mean_rep_s=float(mean) if isinstance(mean, int | float) else None,
            form_flags=list(r.form_flags or []),
            cues=list(r.cues or []),
            traces=dict(r.traces or {}),
            confidence=level,
            confidence_text=sentence,
            pain_during=r.pain_during,
            stop_action=r.stop_action,
            replaced_by=(r.tracking or {}).get("replaced_by"),
            duration_s=(as_utc(r.ended_at) - as_utc(r.started_at)).total_seconds(),
        )
        ex.count_confidence, ex.count_confidence_text = count_confidence_words(
            ex.traces, durations, ranges
        )
        ex.patient_text = _patient_sentence(ex)
        review.exercises.append(ex)
    reports = db.scalars(
        select(models.PainReport)
        .where(models.PainReport.session_id == session.id)
        .order_by(models.PainReport.at, models.PainReport.id)
    )
    for p in reports:
        decision = dict(p.decision or {})
        action = str(decision.get("action") or "continue")
        name = exercise_name(p.exercise_id, library)
        what = symptom_words(p.symptoms or [], labels)
        pain = _("pain {pain}/10").format(pain=p.pain) if p.pain is not None else ""
        reported = _(" with ").join(x for x in (what, pain) if x) or _("a check-in")
        kind = _(KIND_WORDS[p.kind]) if p.kind in KIND_WORDS else p.kind.replace("_", " ")
        where = _(" during {name}").format(name=name) if name else f" ({kind})"
        review.checkins.append(
            CheckIn(
                at=as_utc(p.at),
                kind=p.kind,
                exercise=name,
                pain=p.pain,
                symptoms=what,
                action=action,
                reasons=tuple(decision.get("reasons") or ()),
                text=f"{reported[:1].upper()}{reported[1:]}{where}: {action_words(action)}.",
                patient_text=_("You reported {what}{where}; {action}.").format(
                    what=f"{reported[:1].lower()}{reported[1:]}",
                    where=where,
                    action=action_words(action, patient=True),
                ),
            )
        )
    return review
