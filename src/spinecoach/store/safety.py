"""The stored safety state: derive it from screenings, check-ins and clearances, keep history.

Callers (CLI, web, the session sink, the clinician portal) use:

* :func:`current_safety_state` — the person's state now (recorded in ``safety_states`` when
  it changed, so the history shows every change with its reason and time);
* :func:`exercise_gate_for` / :func:`require_exercise_allowed` — the one guard every entry
  point that starts exercise calls (urgent, emergency, or a paused plan);
* :func:`clear_by_clinician` — a clinician's clearance with a note (logged);
* :func:`safety_history` and :func:`acknowledge`.

The clinical logic is the pure state machine in :mod:`spinecoach.domain.safety_state`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, and_, cast, func, or_, select, union
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import aliased

from spinecoach.content.i18n import format_when
from spinecoach.domain.i18n import _
from spinecoach.domain.rules import Rules, StopAction, Tier
from spinecoach.domain.safety_state import (
    EventKind,
    ExerciseGate,
    SafetyEvent,
    SafetyLevel,
    SafetyState,
    derive_state,
    exercise_gate,
    screening_level,
)
from spinecoach.errors import InvalidInput, UnsafeToExercise
from spinecoach.store import models
from spinecoach.store.models import as_utc, utcnow

MAX_CLEARANCE_NOTE = 4000
#: Stored pain-report kinds that are check-ins outside a session.
CHECKIN_KINDS = ("next_morning",)
#: Stop-rule actions that pause the plan (``adapt_plan``).
PAUSING_ACTIONS = (StopAction.END_SESSION.value, StopAction.URGENT_CARE.value)


def _screening_reason(row: models.Screening, questions: Mapping[str, str]) -> str:
    tier = Tier(row.tier)
    stored = row.answers if isinstance(row.answers, dict) else {}
    answers = stored.get("answers", stored)
    answers = answers if isinstance(answers, dict) else {}
    yes = [questions.get(q, q.replace("_", " ")) for q, a in answers.items() if a in ("yes", True)]
    day = format_when(as_utc(row.created_at), "day_time")
    if tier is Tier.CLEAR:
        return _("Safety answers on {day}: no warning signs.").format(day=day)
    if yes:
        return _("Safety answers on {day}: yes to {questions}").format(
            day=day, questions="; ".join(f"“{q}”" for q in yes)
        )
    if tier in (Tier.EMERGENCY, Tier.URGENT):
        return _(
            "Safety answers on {day}: some of the most important questions were not "
            "answered, so they cannot be taken as no."
        ).format(day=day)
    return _("Safety answers on {day}: a clinician should review them soon.").format(day=day)


TIER_VALUES = frozenset(t.value for t in Tier)
#: How a stored "continue" decision reads (JSON as written by the store, SQLite or PostgreSQL).
CONTINUE_TEXT = '"action": "continue"'


def _report_event(
    at: datetime,
    kind: str,
    session_id: int | None,
    exercise_id: str | None,
    pain: int | None,
    decision_text: str | None,
) -> SafetyEvent | None:
    source = "check-in" if kind in CHECKIN_KINDS or session_id is None else "session"
    if decision_text is None or CONTINUE_TEXT in decision_text:
        return SafetyEvent(as_utc(at), EventKind.REPORT, "", action=StopAction.CONTINUE,
                           source=source, exercise_id=exercise_id, pain=pain)  # fmt: skip
    decision = json.loads(decision_text) or {}
    try:
        action = StopAction(decision.get("action", "continue"))
    except ValueError:
        return None
    seek_raw = decision.get("seek_care")
    seek = Tier(seek_raw) if seek_raw in TIER_VALUES else None
    reasons = decision.get("reasons") or []
    reason = " ".join(str(r) for r in reasons) or "Check-in recorded."
    return SafetyEvent(as_utc(at), EventKind.REPORT, reason, action=action, seek_care=seek,
                       source=source, exercise_id=exercise_id, pain=pain)  # fmt: skip


def _relevant_reports(events: list[SafetyEvent]) -> list[SafetyEvent]:
    """Drop "continue" reports that cannot change the state: only the first one after a
    report that asked for more (it may lower a caution) is kept; ``events`` are in time order.
    """
    kept: list[SafetyEvent] = []
    waiting = False
    for event in events:
        if event.action is StopAction.CONTINUE:
            if waiting:
                kept.append(event)
                waiting = False
        else:
            kept.append(event)
            waiting = True
    return kept


def _reset_time(
    cleared: datetime | None, screenings: list[tuple[datetime, str]]
) -> datetime | None:
    """The latest reset: the last clearance ``cleared`` or the newest screening that allows
    exercise (``screenings``: ``(created_at, tier)``, newest first)."""
    screened = None
    for created_at, tier in screenings:
        if not screening_level(Tier(tier)).blocks_exercise:
            screened = as_utc(created_at)
            break
    times = [as_utc(t) for t in (cleared, screened) if t is not None]
    return max(times) if times else None


def _last_reset(db: DbSession, person_id: int) -> datetime | None:
    """The latest event that resets the state machine (a clearance, or a screening that allows
    exercise): nothing before it can change the state (:func:`safety_state.step`)."""
    cleared = db.scalar(
        select(func.max(models.SafetyStateRow.at)).where(
            models.SafetyStateRow.person_id == person_id,
            models.SafetyStateRow.source == "clinician",
        )
    )
    screenings = db.execute(
        select(models.Screening.created_at, models.Screening.tier)
        .where(models.Screening.person_id == person_id)
        .order_by(models.Screening.created_at.desc(), models.Screening.id.desc())
    ).all()
    return _reset_time(cleared, [(t, tier) for t, tier in screenings])


ReportRow = tuple[datetime, str, int | None, str | None, int | None, str | None]


def _assemble_events(
    since: datetime | None,
    screenings: list[models.Screening],
    reports: list[ReportRow],
    clearances: list[models.SafetyStateRow],
    questions: Mapping[str, str],
) -> list[SafetyEvent]:
    """The events since ``since`` from stored rows (screenings and clearances in id order,
    reports as ``(at, kind, session_id, exercise_id, pain, decision_text)`` in time order)."""

    def kept(at: datetime) -> bool:
        return since is None or as_utc(at) >= since

    events: list[SafetyEvent] = []
    for s in screenings:
        if kept(s.created_at):
            events.append(SafetyEvent(as_utc(s.created_at), EventKind.SCREENING,
                                      _screening_reason(s, questions),
                                      tier=Tier(s.tier)))  # fmt: skip
    parsed: list[SafetyEvent] = []
    asked = False  # a report since the last kept "continue" asked for more
    for row in reports:
        text = row[5]
        if not asked and (text is None or CONTINUE_TEXT in text):
            continue  # a "continue" that _relevant_reports would drop: not even parsed
        if not kept(row[0]):
            continue
        found = _report_event(*row)
        if found is not None:
            parsed.append(found)
            asked = found.action is not StopAction.CONTINUE
    events.extend(_relevant_reports(parsed))
    for c in clearances:
        if kept(c.at):
            events.append(
                SafetyEvent(as_utc(c.at), EventKind.CLEARANCE, c.reason, source="clinician")
            )
    return sorted(events, key=lambda e: e.at)


def _report_columns() -> tuple[Any, ...]:
    return (
        models.PainReport.at, models.PainReport.kind, models.PainReport.session_id,
        models.PainReport.exercise_id, models.PainReport.pain,
        cast(models.PainReport.decision, Text),
    )  # fmt: skip


def safety_events(db: DbSession, person_id: int, rules: Rules | None = None) -> list[SafetyEvent]:
    """The inputs to a person's safety state since the last reset, oldest first."""
    questions = {q.id: q.text for q in rules.red_flags} if rules is not None else {}
    since = _last_reset(db, person_id)
    screenings = (
        select(models.Screening)
        .where(models.Screening.person_id == person_id)
        .order_by(models.Screening.id)
    )
    reports = (
        select(*_report_columns())
        .where(models.PainReport.person_id == person_id)
        .order_by(models.PainReport.at, models.PainReport.id)
    )
    clearances = (
        select(models.SafetyStateRow)
        .where(
            models.SafetyStateRow.person_id == person_id,
            models.SafetyStateRow.source == "clinician",
        )
        .order_by(models.SafetyStateRow.id)
    )
    if since is not None:
        screenings = screenings.where(models.Screening.created_at >= since)
        reports = reports.where(models.PainReport.at >= since)
        clearances = clearances.where(models.SafetyStateRow.at >= since)
    return _assemble_events(
        since,
        list(db.scalars(screenings)),
        [tuple(row) for row in db.execute(reports)],  # type: ignore[misc]
        list(db.scalars(clearances)),
        questions,
    )


def safety_states(
    db: DbSession,
    people: Select[Any],
    rules: Rules | None = None,
    *,
    record: bool = False,
    ids: list[int] | None = None,
) -> dict[int, SafetyState]:
    """:func:`current_safety_state` of many people at once, in four queries (the ids, then
    screenings, check-ins and clearances of all of them; one more and one commit to
    ``record``): the clinician's patient list.

    Parameters
    ----------
    db : sqlalchemy.orm.Session
    people : Select
        A ``SELECT`` of the people's ids.
    rules : Rules, optional
    record : bool
        Append a history row for each state that changed (one commit).
    ids : list of int, optional
        The ids ``people`` selects, where the caller has them already (one query fewer).

    Returns
    -------
    dict
        Person id -> state, for every id ``people`` selects.
    """
    questions = {q.id: q.text for q in rules.red_flags} if rules is not None else {}
    if ids is None:
        ids = [int(i) for i in db.scalars(people)]
    wanted = people.scalar_subquery()
    # the columns the state reads, as plain rows (no ORM object per screening)
    screenings: dict[int, list[Any]] = defaultdict(list)
    for s in db.connection().execute(
        select(
            models.Screening.id, models.Screening.person_id, models.Screening.created_at,
            models.Screening.tier, models.Screening.answers,
        )
        .where(models.Screening.person_id.in_(wanted))
        .order_by(models.Screening.person_id, models.Screening.id)
    ).all():  # fmt: skip
        screenings[s.person_id].append(s)
    clearances: dict[int, list[models.SafetyStateRow]] = defaultdict(list)
    for c in db.scalars(
        select(models.SafetyStateRow)
        .where(
            models.SafetyStateRow.person_id.in_(wanted),
            models.SafetyStateRow.source == "clinician",
        )
        .order_by(models.SafetyStateRow.person_id, models.SafetyStateRow.id)
    ):
        clearances[c.person_id].append(c)
    reports: dict[int, list[ReportRow]] = defaultdict(list)
    for person_id, *row in db.connection().execute(_reports_that_can_count(db, wanted)).all():
        reports[person_id].append(tuple(row))  # type: ignore[arg-type]
    states: dict[int, SafetyState] = {}
    for person_id in ids:
        mine = screenings.get(person_id, [])
        cleared = [as_utc(c.at) for c in clearances.get(person_id, [])]
        newest_first = sorted(mine, key=lambda s: (as_utc(s.created_at), s.id), reverse=True)
        since = _reset_time(
            max(cleared) if cleared else None, [(s.created_at, s.tier) for s in newest_first]
        )
        events = _assemble_events(
            since, mine, reports.get(person_id, []), clearances.get(person_id, []), questions
        )
        states[person_id] = derive_state(events)
    if record:
        _record_changes(db, states)
    return states


def _reports_that_can_count(db: DbSession, wanted: Any) -> Select[Any]:
    """The check-ins of the people ``wanted`` selects, by person and time, that
    :func:`_assemble_events` may read: every one that is not a "continue", and the one right
    after each of those. (A "continue" after a "continue" is always skipped there, and
    skipping changes nothing, so the database leaves those out: on a clinic's list they are
    nearly all of the rows.)"""
    postgres = db.get_bind().dialect.name == "postgresql"

    def asks_more(report: Any) -> Any:  # not a "continue", as _report_event tells them
        decision = cast(report.decision, Text)
        # case-sensitive, as Python's ``in``
        found = func.strpos if postgres else func.instr
        return and_(decision.is_not(None), found(decision, CONTINUE_TEXT) == 0)

    stop, nxt, r = aliased(models.PainReport), aliased(models.PainReport), models.PainReport
    stops = (
        select(stop.id, stop.person_id, stop.at)
        .where(stop.person_id.in_(wanted), asks_more(stop))
        .cte("stops")
    )
    next_one = (
        select(nxt.id)
        .where(
            nxt.person_id == stops.c.person_id,
            or_(nxt.at > stops.c.at, and_(nxt.at == stops.c.at, nxt.id > stops.c.id)),
        )
        .order_by(nxt.at, nxt.id)
        .limit(1)
        .correlate(stops)
        .scalar_subquery()
    )
    wanted_ids = union(select(stops.c.id), select(next_one).select_from(stops))
    return (  # the stored rows are read by id: the check of every decision runs once
        select(r.person_id, *_report_columns())
        .where(r.id.in_(wanted_ids))
        .order_by(r.person_id, r.at, r.id)
    )


def _record_changes(db: DbSession, states: Mapping[int, SafetyState]) -> None:
    """Append a history row for every state that differs from its person's newest row (the
    last one recorded: by id, so that a state whose start is older than a row recorded
    before it is written once, not again at every look)."""
    changed = {p: s for p, s in states.items() if s.since is not None}
    if not changed:
        return
    newest: dict[int, tuple[str, datetime]] = {}
    for person_id, at, level in db.execute(
        select(
            models.SafetyStateRow.person_id, models.SafetyStateRow.at, models.SafetyStateRow.level
        )
        .where(models.SafetyStateRow.person_id.in_(list(changed)))
        .order_by(models.SafetyStateRow.person_id, models.SafetyStateRow.id)
    ):
        newest[person_id] = (level, as_utc(at))
    added = False
    for person_id, state in changed.items():
        if newest.get(person_id) != (state.level.value, state.since):
            db.add(_state_row(person_id, state))
            added = True
    if added:
        db.commit()


def _state_row(person_id: int, state: SafetyState) -> models.SafetyStateRow:
    return models.SafetyStateRow(
        person_id=person_id,
        at=state.since,
        level=state.level.value,
        reason=state.reason,
        source=state.source,
        exercise_id=state.exercise_id,
        pain=state.pain,
    )


def latest_row(db: DbSession, person_id: int) -> models.SafetyStateRow | None:
    """The newest stored state row of a person."""
    return db.scalars(
        select(models.SafetyStateRow)
        .where(models.SafetyStateRow.person_id == person_id)
        .order_by(models.SafetyStateRow.at.desc(), models.SafetyStateRow.id.desc())
    ).first()


def current_safety_state(
    db: DbSession, person_id: int, rules: Rules | None = None, *, record: bool = True
) -> SafetyState:
    """The person's safety state now, derived from everything they reported.

    Parameters
    ----------
    db : sqlalchemy.orm.Session
    person_id : int
    rules : Rules, optional
        For plain-word screening reasons (question texts); without them a generic sentence.
    record : bool
        Append a history row (committed) when the state changed since the last one.

    Returns
    -------
    SafetyState
        ``level`` (clear, caution, see_clinician, urgent, emergency), ``reason``, ``since``,
        ``source``, ``exercise_id``, ``pain``.
    """
    state = derive_state(safety_events(db, person_id, rules))
    if record and state.since is not None:
        last = db.scalars(  # the last one recorded (see _record_changes)
            select(models.SafetyStateRow)
            .where(models.SafetyStateRow.person_id == person_id)
            .order_by(models.SafetyStateRow.id.desc())
        ).first()
        if last is None or (last.level, as_utc(last.at)) != (state.level.value, state.since):
            db.add(_state_row(person_id, state))
            db.commit()
    return state


def safety_history(db: DbSession, person_id: int, limit: int = 20) -> list[models.SafetyStateRow]:
    """State changes and clearances, newest first."""
    return list(
        db.scalars(
            select(models.SafetyStateRow)
            .where(models.SafetyStateRow.person_id == person_id)
            .order_by(models.SafetyStateRow.at.desc(), models.SafetyStateRow.id.desc())
            .limit(limit)
        )
    )


def _pause_of(db: DbSession, person_id: int) -> tuple[datetime | None, str]:
    """When the person's current plan was paused, and why (``None`` when not paused)."""
    row = db.scalars(
        select(models.Plan)
        .where(models.Plan.person_id == person_id)
        .order_by(models.Plan.created_at.desc(), models.Plan.id.desc())
    ).first()
    if row is None or not row.paused:
        return None, ""
    reasons = [str(c.get("reason", "")) for c in row.changes or [] if c.get("action") == "pause"]
    created = as_utc(row.created_at)
    # The pause dates from the report that ended the session (re-adapting the same session
    # later, e.g. at the next-morning check-in, must not move it after a clearance).
    ending = [
        as_utc(at)
        for at, decision in db.execute(
            select(models.PainReport.at, models.PainReport.decision).where(
                models.PainReport.person_id == person_id
            )
        )
        if (decision or {}).get("action") in PAUSING_ACTIONS and as_utc(at) <= created
    ]
    return (max(ending) if ending else created), " ".join(r for r in reasons if r)


def exercise_gate_for(
    db: DbSession, person_id: int, rules: Rules, state: SafetyState | None = None
) -> ExerciseGate:
    """Whether the person may start exercise now (safety state and plan pause); pass
    ``state`` when it was just derived."""
    state = state if state is not None else current_safety_state(db, person_id, rules)
    paused_at, why = _pause_of(db, person_id)
    return exercise_gate(state, rules.tier_advice, plan_paused_at=paused_at, plan_pause_reason=why)


def require_exercise_allowed(db: DbSession, person_id: int, rules: Rules) -> None:
    """Raise :class:`UnsafeToExercise` (plain words, what to do now) unless exercise may start."""
    gate = exercise_gate_for(db, person_id, rules)
    if not gate.allowed:
        raise UnsafeToExercise(
            _("Exercise is blocked. {why} {todo}").format(why=gate.why, todo=gate.todo)
        )


def clear_by_clinician(
    db: DbSession,
    patient_id: int,
    clinician: models.Person,
    note: str,
    now: datetime,
) -> models.SafetyStateRow:
    """Record a clinician's clearance with a note: the patient's state becomes clear.

    The clearance is an input to the state machine (a later emergency report raises the state
    again) and a history row the patient and clinician both see.
    """
    text = note.strip()
    if not 1 <= len(text) <= MAX_CLEARANCE_NOTE:
        raise InvalidInput(_("note: write why you clear this patient (1 to {limit} "
                             "characters)").format(limit=MAX_CLEARANCE_NOTE))  # fmt: skip
    row = models.SafetyStateRow(
        person_id=patient_id, at=now, level=SafetyLevel.CLEAR.value,
        reason=f"Cleared by {clinician.name}: {text}", source="clinician",
        author_id=clinician.id, note=text,
    )  # fmt: skip
    db.add(row)
    db.commit()
    return row


def acknowledge(db: DbSession, person_id: int, now: datetime | None = None) -> None:
    """Record that the person read their current (blocking) state."""
    row = latest_row(db, person_id)
    if row is not None and row.acknowledged_at is None:
        row.acknowledged_at = now or utcnow()
        db.commit()


def state_json(state: SafetyState, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The state as JSON, with optional extra keys."""
    return {**state.to_json(), **(extra or {})}
