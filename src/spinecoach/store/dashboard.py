"""The clinician's patient list sorted by need: what needs attention, in plain words.

One function, :func:`rank_patients`, orders a clinician's patients by their most urgent
attention item: **safety first**, then **pain rising over a week**, **falling adherence**,
and **measurement that stopped improving** (or that cannot be trusted). Each item is one
plain sentence with the exercise, the numbers and the date.

The safety input is :data:`SAFETY_SOURCE`: the persistent per-person safety state
(:func:`safety_state_items`). :func:`safety_items` reads the stored flags directly instead
(the latest screening's tier and the stop decisions of recent check-ins); any other source
is passed as ``safety=`` to :func:`attention_items` / :func:`rank_patients`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from math import fsum
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, select, text
from sqlalchemy.orm import Session as DbSession

from spinecoach.content.i18n import format_when
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import _, ngettext
from spinecoach.domain.rules import Rules
from spinecoach.domain.safety_state import SafetyLevel, SafetyState
from spinecoach.domain.wording import action_words, exercise_name, symptom_words
from spinecoach.store import models
from spinecoach.store.models import as_utc
from spinecoach.store.repositories import SessionRepository
from spinecoach.store.safety import current_safety_state, safety_states

WINDOW_DAYS = 7
#: Pain rising by at least this many points within the window is flagged [OST].
PAIN_RISE_POINTS = 2
#: No session on at least this many of the last seven days.
MISSED_DAYS = 3
#: Sessions this week at least this many fewer than the week before.
ADHERENCE_DROP = 2
#: A measure that gained less than this (degrees) over the last weeks has stopped improving.
PLATEAU_GAIN_DEG = 2.0
PLATEAU_WEEKS = 3
POOR_TRACKING = 0.6

#: Rank of each kind of item: lower comes first.
RANK = {
    "safety": 0,
    "red_flag": 0,
    "pain_rising": 1,
    "missed_sessions": 2,
    "adherence_falling": 2,
    "plateau": 3,
    "poor_tracking": 3,
}


@dataclass(frozen=True)
class AttentionItem:
    """One thing a clinician should look at.

    Attributes
    ----------
    kind : str
        ``red_flag``, ``pain_rising``, ``missed_sessions``, ``adherence_falling``,
        ``plateau`` or ``poor_tracking``.
    text : str
        One plain sentence with the exercise, the numbers and the date.
    at : datetime or None
        When it happened (the latest event it rests on).
    weight : float
        Within one kind, a larger weight comes first (e.g. more points of pain).
    """

    kind: str
    text: str
    at: datetime | None = None
    weight: float = 0.0

    @property
    def rank(self) -> int:
        """0 safety, 1 pain rising, 2 adherence, 3 measurement."""
        return RANK.get(self.kind, 9)


@dataclass(frozen=True)
class PatientAttention:
    """One row of the sorted patient list."""

    person: models.Person
    items: tuple[AttentionItem, ...] = field(default_factory=tuple)
    last_session: datetime | None = None
    #: The safety state derived for the list (``rank_patients`` with the default source).
    state: SafetyState | None = field(default=None, compare=False)

    @property
    def flags(self) -> tuple[AttentionItem, ...]:
        """The items (the patient list template calls them flags)."""
        return self.items

    def sort_key(self) -> tuple[int, float, str]:
        """Most urgent first; among equals the heavier item, then by name."""
        if not self.items:
            return (99, 0.0, self.person.name.lower())
        top = min(self.items, key=lambda i: (i.rank, -i.weight))
        return (top.rank, -top.weight, self.person.name.lower())


@dataclass(frozen=True)
class Wording:
    """What the sentences need: exercise names and symptom labels."""

    library: ExerciseLibrary | None = None
    symptom_labels: Mapping[str, str] = field(default_factory=dict)
    #: Red-flag question id -> its (plain) question text.
    questions: Mapping[str, str] = field(default_factory=dict)
    #: The rules, for the safety state's plain-word reasons.
    rules: Rules | None = None


def _day(value: datetime | date) -> str:
    return format_when(value, "day")


SafetySource = Callable[[DbSession, int, datetime, Wording], list[AttentionItem]]


def safety_items(
    db: DbSession, person_id: int, now: datetime, wording: Wording
) -> list[AttentionItem]:
    """Safety items from the flags stored today: the latest screening and stop decisions.

    A screening that was not ``clear`` is an item; so is every check-in of the last week
    that ended the session or the exercise because of a symptom, or advised urgent care.
    """
    items: list[AttentionItem] = []
    screening = db.scalars(
        select(models.Screening)
        .where(models.Screening.person_id == person_id)
        .order_by(models.Screening.created_at.desc(), models.Screening.id.desc())
    ).first()
    if screening is not None and screening.tier != "clear":
        stored = screening.answers if isinstance(screening.answers, dict) else {}
        answers = stored.get("answers", stored)
        yes = [
            wording.questions.get(q, q.replace("_", " ")) for q, a in answers.items() if a == "yes"
        ]
        unsure = [q for q, a in answers.items() if a not in ("yes", "no")]
        why = "; ".join(_('answered yes to "{question}"').format(question=q) for q in yes)
        if unsure:
            why += ("; " if why else "") + ngettext(
                "{n} question answered not sure", "{n} questions answered not sure", len(unsure)
            ).format(n=len(unsure))
        why = (why or _("no answer triggered it")) + "."
        weight = {"emergency": 3.0, "urgent": 2.0}.get(screening.tier, 1.0)
        items.append(
            AttentionItem(
                "red_flag",
                _("Screening on {day} was {tier}: {why}").format(
                    day=_day(as_utc(screening.created_at)), tier=_(screening.tier), why=why
                ),
                as_utc(screening.created_at),
                weight,
            )
        )
    since = now - timedelta(days=WINDOW_DAYS)
    reports = db.scalars(
        select(models.PainReport)
        .where(models.PainReport.person_id == person_id, models.PainReport.at >= since)
        .order_by(models.PainReport.at, models.PainReport.id)
    )
    for r in reports:
        action = (r.decision or {}).get("action")
        serious = action in ("end_session", "urgent_care")
        if not (serious or (r.symptoms and action not in (None, "continue"))):
            continue
        what = symptom_words(r.symptoms or [], wording.symptom_labels) or _("pain")
        if r.pain is not None:
            what += " " + _("(pain {pain}/10)").format(pain=r.pain)
        where = exercise_name(r.exercise_id, wording.library)
        during = _(", during {exercise}").format(exercise=where) if where else ""
        items.append(
            AttentionItem(
                "red_flag",
                _("{day}{during}: {what}; the coach {action}.").format(
                    day=_day(as_utc(r.at)),
                    during=during,
                    what=what[:1].lower() + what[1:],
                    action=action_words(action),
                ),
                as_utc(r.at),
                2.5 if action == "urgent_care" else 1.5 if serious else 1.0,
            )
        )
    return items


def safety_state_items(
    db: DbSession, person_id: int, now: datetime, wording: Wording
) -> list[AttentionItem]:
    """The persistent safety state (``store.safety.current_safety_state``) as one item.

    Nothing when the state is clear; otherwise its label and reason, with the exercise,
    the pain and the time it was set. Heavier for a more serious level.
    """
    return state_items(current_safety_state(db, person_id, wording.rules, record=False), wording)


def state_items(state: SafetyState, wording: Wording) -> list[AttentionItem]:
    """:func:`safety_state_items` of a safety state already derived (one derivation per
    patient on the clinician's list, not two)."""
    if state.level is SafetyLevel.CLEAR:
        return []
    detail = []
    if state.exercise_id:
        detail.append(
            _("during {exercise}").format(
                exercise=exercise_name(state.exercise_id, wording.library)
            )
        )
    if state.pain is not None:
        detail.append(_("pain {pain}/10").format(pain=state.pain))
    if state.since is not None:
        detail.append(format_when(as_utc(state.since), "day_time"))
    tail = f" ({', '.join(detail)})" if detail else ""
    return [
        AttentionItem(
            "safety",
            f"{state.level.label}: {_(state.reason)}{tail}",
            as_utc(state.since) if state.since else None,
            float(state.level.severity),
        )
    ]


#: The safety input of the dashboard: the persistent safety state. (``safety_items`` reads
#: the stored flags directly: the screening tier and recent stop decisions.)
SAFETY_SOURCE: SafetySource = safety_state_items


PainRow = tuple[datetime, int, str | None, str]


def pain_items(
    db: DbSession, person_id: int, now: datetime, wording: Wording
) -> list[AttentionItem]:
    """Pain rising by :data:`PAIN_RISE_POINTS` or more over the last week."""
    since = now - timedelta(days=WINDOW_DAYS)
    rows = db.execute(
        select(
            models.PainReport.at, models.PainReport.pain, models.PainReport.exercise_id,
            models.PainReport.kind,
        )
        .where(
            models.PainReport.person_id == person_id,
            models.PainReport.at >= since,
            models.PainReport.pain.is_not(None),
        )
        .order_by(models.PainReport.at, models.PainReport.id)
    ).all()  # fmt: skip
    return pain_items_from([tuple(r) for r in rows], wording)  # type: ignore[misc]


def pain_items_from(reports: list[PainRow], wording: Wording) -> list[AttentionItem]:
    """:func:`pain_items` of the week's reports with a pain score, as
    ``(at, pain, exercise_id, kind)`` in time order."""
    if len(reports) < 2:
        return []
    (first_at, first_pain, _e, _k), (last_at, last_pain, last_exercise, last_kind) = (
        reports[0],
        reports[-1],
    )
    rise = last_pain - first_pain
    if rise < PAIN_RISE_POINTS:
        return []
    where = exercise_name(last_exercise, wording.library)
    after = (
        " "
        + _("(latest {kind}, {exercise})").format(
            kind=_(last_kind.replace("_", " ")), exercise=where
        )
        if where
        else ""
    )
    return [
        AttentionItem(
            "pain_rising",
            _("Pain rose from {first} to {last}/10 between {start} and {end}{after}.").format(
                first=first_pain,
                last=last_pain,
                start=_day(as_utc(first_at)),
                end=_day(as_utc(last_at)),
                after=after,
            ),
            as_utc(last_at),
            float(rise),
        )
    ]


def adherence_items(
    db: DbSession, person_id: int, now: datetime, wording: Wording
) -> list[AttentionItem]:
    """Missed days in the last week, and fewer sessions than the week before."""
    first_plan = db.scalars(
        select(models.Plan.created_at)
        .where(models.Plan.person_id == person_id)
        .order_by(models.Plan.created_at)
    ).first()
    if first_plan is None:
        return []
    week = now - timedelta(days=WINDOW_DAYS)
    before = week - timedelta(days=WINDOW_DAYS)
    started = db.scalars(
        select(models.Session.started_at).where(
            models.Session.person_id == person_id, models.Session.started_at >= before
        )
    ).all()
    unfinished = db.scalars(
        select(models.ExerciseResult.exercise_id)
        .join(models.Session)
        .where(
            models.Session.person_id == person_id,
            models.Session.started_at >= week,
            models.ExerciseResult.completed.is_(False),
        )
    ).all()
    return adherence_items_from(first_plan, list(started), list(unfinished), now, wording)


def adherence_items_from(
    first_plan: datetime | None,
    started: list[datetime],
    unfinished: list[str],
    now: datetime,
    wording: Wording,
) -> list[AttentionItem]:
    """:func:`adherence_items` of stored rows: the first plan's creation, the start times of
    the sessions of the last two weeks, and the exercises left unfinished in the last week."""
    if first_plan is None:
        return []
    week = now - timedelta(days=WINDOW_DAYS)
    before = week - timedelta(days=WINDOW_DAYS)
    times = [as_utc(t) for t in started]
    this_week = {t.date() for t in times if t >= week}
    last_week = {t.date() for t in times if before <= t < week}
    items: list[AttentionItem] = []
    start = max(as_utc(first_plan), week)
    expected = (now.date() - start.date()).days
    missed = expected - len({d for d in this_week if d >= start.date()})
    stopped = _stopped_words(unfinished, wording)
    if missed >= MISSED_DAYS:
        items.append(
            AttentionItem(
                "missed_sessions",
                _(
                    "No session on {missed} of the last {expected} days "
                    "({start} to {end}){stopped}."
                ).format(
                    missed=missed,
                    expected=expected,
                    start=_day(start),
                    end=_day(now),
                    stopped=stopped,
                ),
                now,
                float(missed),
            )
        )
    planned_before = as_utc(first_plan) <= before
    if planned_before and len(last_week) - len(this_week) >= ADHERENCE_DROP:
        items.append(
            AttentionItem(
                "adherence_falling",
                _(
                    "Sessions fell from {before} days the week before to {now} in the week to "
                    "{day}{stopped}."
                ).format(before=len(last_week), now=len(this_week), day=_day(now), stopped=stopped),
                now,
                float(len(last_week) - len(this_week)),
            )
        )
    return items


def _stopped_words(unfinished: list[str], wording: Wording) -> str:
    counts: dict[str, int] = defaultdict(int)
    for exercise_id in unfinished:
        counts[exercise_id] += 1
    if not counts:
        return ""
    top, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return "; " + ngettext(
        "{exercise} left unfinished {n} time", "{exercise} left unfinished {n} times", n
    ).format(exercise=exercise_name(top, wording.library), n=n)


def measurement_items(
    db: DbSession, person_id: int, now: datetime, wording: Wording
) -> list[AttentionItem]:
    """Range of motion that stopped improving, and camera tracking too poor to trust."""
    rows = SessionRepository(db).measured_results(person_id)
    return measurement_items_from([(r[0], r[1], r[2], r[3]) for r in rows], now, wording)


MeasuredRow = tuple[str, Any, Any, datetime]


def measurement_items_from(
    rows: list[MeasuredRow], now: datetime, wording: Wording
) -> list[AttentionItem]:
    """:func:`measurement_items` of every exercise result as
    ``(exercise_id, ranges_deg, tracking, session start)``."""
    weekly = weekly_bests([(r[0], r[1], r[3]) for r in rows])
    return measurement_items_of(weekly, tracking_fractions(rows, now), now, wording)


def weekly_bests(
    rows: list[tuple[str, Any, datetime]],
) -> dict[str, dict[date, float]]:
    """The best range of each exercise in each week (keyed by the week's Monday) of results
    as ``(exercise_id, ranges_deg, session start)``."""
    weekly: dict[str, dict[date, float]] = defaultdict(dict)
    for exercise_id, ranges, started in rows:
        if ranges:
            started = as_utc(started)
            monday = started.date() - timedelta(days=started.weekday())
            best = max(float(x) for x in ranges)
            weekly[exercise_id][monday] = max(weekly[exercise_id].get(monday, best), best)
    return weekly


def tracking_fractions(rows: list[MeasuredRow], now: datetime) -> list[float]:
    """The camera tracking share (``ok_fraction``) of the results of the last week."""
    fractions: list[float] = []
    since = now - timedelta(days=WINDOW_DAYS)
    for _exercise_id, _ranges, tracking, started in rows:
        frac = (tracking or {}).get("ok_fraction")
        if as_utc(started) >= since and isinstance(frac, int | float):
            fractions.append(float(frac))
    return fractions


def measurement_items_of(
    weekly: Mapping[str, Mapping[date, float]],
    fractions: list[float],
    now: datetime,
    wording: Wording,
) -> list[AttentionItem]:
    """:func:`measurement_items` of the best range of each exercise in each week (keyed by
    the week's Monday) and the tracking shares of the last week."""
    since = now - timedelta(days=WINDOW_DAYS)
    items: list[AttentionItem] = []
    for exercise_id, by_week in sorted(weekly.items()):
        weeks = sorted(by_week)
        if len(weeks) < PLATEAU_WEEKS + 1:
            continue
        recent = weeks[-PLATEAU_WEEKS:]
        best_before = max(by_week[w] for w in weeks[:-PLATEAU_WEEKS])
        best_recent = max(by_week[w] for w in recent)
        if best_recent - best_before < PLATEAU_GAIN_DEG:
            values = ", ".join(f"{by_week[w]:.0f}°" for w in recent)
            items.append(
                AttentionItem(
                    "plateau",
                    _(
                        "{exercise}: best range {values} in the weeks from {day}, no gain over "
                        "the {before}° reached before."
                    ).format(
                        exercise=exercise_name(exercise_id, wording.library),
                        values=values,
                        day=_day(recent[0]),
                        before=f"{best_before:.0f}",
                    ),
                    datetime.combine(recent[-1], datetime.min.time(), UTC),
                    best_before - best_recent,
                )
            )
    mean = fsum(fractions) / len(fractions) if fractions else 1.0  # order-independent sum
    if fractions and mean < POOR_TRACKING:
        share = 100 * mean
        items.append(
            AttentionItem(
                "poor_tracking",
                _(
                    "Camera tracking only {share}%, over {n} exercise(s) since {day}: "
                    "measured ranges may be wrong."
                ).format(share=f"{share:.0f}", n=len(fractions), day=_day(since)),
                now,
                1.0 - share / 100,
            )
        )
    return items


def attention_items(
    db: DbSession,
    person_id: int,
    now: datetime,
    wording: Wording | None = None,
    *,
    safety: SafetySource | None = None,
) -> list[AttentionItem]:
    """Everything that needs attention for one patient, most urgent first.

    Parameters
    ----------
    db : Session
    person_id : int
    now : datetime
    wording : Wording, optional
        Exercise names and symptom labels for the sentences.
    safety : callable, optional
        The safety input (default :data:`SAFETY_SOURCE`).
    """
    wording = wording or Wording()
    source = safety or SAFETY_SOURCE
    items = [
        *source(db, person_id, now, wording),
        *pain_items(db, person_id, now, wording),
        *adherence_items(db, person_id, now, wording),
        *measurement_items(db, person_id, now, wording),
    ]
    return sorted(items, key=lambda i: (i.rank, -i.weight))


def rank_patients(
    db: DbSession,
    clinician_id: int,
    now: datetime,
    wording: Wording | None = None,
    *,
    safety: SafetySource | None = None,
    record_safety: bool = False,
) -> list[PatientAttention]:
    """A clinician's patients sorted by need (see the module docstring).

    The items of every patient come from a fixed number of set-based queries (eleven SQL
    statements with the default safety source, whatever the number of patients) and equal
    :func:`attention_items` of each patient. Another ``safety`` source is still asked once
    per patient.

    Parameters
    ----------
    db : Session
    clinician_id : int
    now : datetime
    wording : Wording, optional
    safety : callable, optional
        The safety input (default :data:`SAFETY_SOURCE`).
    record_safety : bool
        With the default source, record each safety state that changed in its history (as
        ``current_safety_state`` does); each row then carries its ``state``.
    """
    wording = wording or Wording()
    source = safety or SAFETY_SOURCE
    ids = select(models.Person.id).where(
        models.Person.clinician_id == clinician_id, models.Person.role == "patient"
    )
    people = ids.scalar_subquery()
    patients = list(
        db.scalars(
            select(models.Person)
            .where(models.Person.clinician_id == clinician_id, models.Person.role == "patient")
            .order_by(models.Person.name)
        )
    )
    if not patients:
        return []
    states: dict[int, SafetyState] = {}
    if source is safety_state_items:
        states = safety_states(
            db, ids, wording.rules, record=record_safety, ids=[p.id for p in patients]
        )
    inputs = _bulk_inputs(db, people, [p.id for p in patients], now)
    rows = []
    for person in patients:
        pid = person.id
        found = inputs.get(pid, _Inputs())
        if pid in states:
            safe = state_items(states[pid], wording)
        else:
            safe = source(db, pid, now, wording)
        items = [
            *safe,
            *pain_items_from(found.pain, wording),
            *adherence_items_from(found.first_plan, found.started, found.unfinished, now, wording),
            *measurement_items_of(
                found.weekly, tracking_fractions(found.measured, now), now, wording
            ),
        ]
        items.sort(key=lambda i: (i.rank, -i.weight))
        last = as_utc(found.last_session) if found.last_session else None
        rows.append(PatientAttention(person, tuple(items), last, states.get(pid)))
    return sorted(rows, key=PatientAttention.sort_key)


@dataclass
class _Inputs:
    """One patient's stored rows that the attention items rest on."""

    pain: list[PainRow] = field(default_factory=list)
    first_plan: datetime | None = None
    started: list[datetime] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    measured: list[MeasuredRow] = field(default_factory=list)
    #: Exercise id -> the week's Monday -> the best range that week.
    weekly: dict[str, dict[date, float]] = field(default_factory=dict)
    last_session: datetime | None = None


def _bulk_inputs(db: DbSession, people: Any, ids: list[int], now: datetime) -> dict[int, _Inputs]:
    """The inputs of :func:`pain_items`, :func:`adherence_items` and
    :func:`measurement_items` (and the last session) of every person ``people`` selects
    (``ids``), in seven queries."""
    inputs: dict[int, _Inputs] = defaultdict(_Inputs)
    core = db.connection()  # plain rows: no ORM result layer over these column reads
    week = now - timedelta(days=WINDOW_DAYS)
    before = week - timedelta(days=WINDOW_DAYS)
    pain = core.execute(
        select(
            models.PainReport.person_id, models.PainReport.at, models.PainReport.pain,
            models.PainReport.exercise_id, models.PainReport.kind,
        )
        .where(
            models.PainReport.person_id.in_(people),
            models.PainReport.at >= week,
            models.PainReport.pain.is_not(None),
        )
        .order_by(models.PainReport.person_id, models.PainReport.at, models.PainReport.id)
    ).all()  # fmt: skip
    for pid, at, score, exercise_id, kind in pain:
        assert score is not None  # the query keeps only reports with a score
        inputs[pid].pain.append((at, score, exercise_id, kind))
    for pid, created in core.execute(
        select(models.Plan.person_id, models.Plan.created_at).where(
            models.Plan.person_id.in_(people)
        )
    ).all():
        found = inputs[pid]
        if found.first_plan is None or as_utc(created) < as_utc(found.first_plan):
            found.first_plan = created
    for pid, started in core.execute(
        select(models.Session.person_id, models.Session.started_at).where(
            models.Session.person_id.in_(people), models.Session.started_at >= before
        )
    ).all():
        inputs[pid].started.append(started)
    for pid, exercise_id in core.execute(
        select(models.Session.person_id, models.ExerciseResult.exercise_id)
        .join(models.Session)
        .where(
            models.Session.person_id.in_(people),
            models.Session.started_at >= week,
            models.ExerciseResult.completed.is_(False),
        )
    ).all():
        inputs[pid].unfinished.append(exercise_id)
    weekly = _weekly_best(db, ids)
    recent = (
        select(
            models.Session.person_id, models.ExerciseResult.exercise_id,
            models.ExerciseResult.tracking, models.Session.started_at,
        )
        .join(models.Session)
        .where(models.Session.person_id.in_(people))
    )  # fmt: skip
    if weekly is not None:  # the weekly bests came from SQL: only the week's tracking is read
        recent = recent.where(models.Session.started_at >= week)
        for (pid, exercise_id), by_week in weekly.items():
            inputs[pid].weekly[exercise_id] = by_week
    for pid, exercise_id, tracking, started in core.execute(recent).all():
        inputs[pid].measured.append((exercise_id, None, tracking, started))
    if weekly is None:  # stored ranges SQL cannot read as numbers: read them all in Python
        everything: dict[int, list[tuple[str, Any, datetime]]] = defaultdict(list)
        for pid, exercise_id, ranges, started in core.execute(
            select(
                models.Session.person_id, models.ExerciseResult.exercise_id,
                models.ExerciseResult.ranges_deg, models.Session.started_at,
            )
            .join(models.Session)
            .where(models.Session.person_id.in_(people))
        ).all():  # fmt: skip
            everything[pid].append((exercise_id, ranges, started))
        for pid, rows in everything.items():
            inputs[pid].weekly = weekly_bests(rows)
    for pid, last in core.execute(
        select(models.Session.person_id, func.max(models.Session.started_at))
        .where(models.Session.person_id.in_(people))
        .group_by(models.Session.person_id)
    ).all():
        inputs[pid].last_session = last
    return inputs


#: Best range per patient, exercise and week, aggregated in the database (the Monday of the
#: session's day: SQLite stores times as UTC text, PostgreSQL takes the session's time zone,
#: as the Python reading does). ``odd`` is true where something stored is not a list of JSON
#: numbers (nor JSON null, nor SQL NULL): the caller then reads the ranges in Python instead.
_WEEKLY_SQL = {
    # one value per result first (its best, or 'x' when anything in it is not a number:
    # text sorts above numbers), then per week, keyed by the Monday's Julian day number
    "sqlite": """
SELECT person_id, exercise_id, day - day % 7 AS monday, max(best) AS best, 0 AS odd
FROM (
    SELECT s.person_id, r.exercise_id,
           CAST(julianday(substr(s.started_at, 1, 10)) + 0.5 AS INTEGER) AS day,
           CASE WHEN r.ranges_deg IS NULL THEN NULL
                WHEN json_valid(r.ranges_deg) AND json_type(r.ranges_deg) = 'array' THEN
                    (SELECT max(CASE WHEN j.type IN ('integer', 'real') THEN j.value
                                     ELSE 'x' END)
                     FROM json_each(r.ranges_deg) j)
                WHEN json_valid(r.ranges_deg) AND json_type(r.ranges_deg) = 'null' THEN NULL
                ELSE 'x' END AS best
    FROM exercise_results r
    JOIN sessions s ON s.id = r.session_id
    WHERE s.person_id IN {people}
)
GROUP BY person_id, exercise_id, monday
""",
    "postgresql": """
SELECT s.person_id, r.exercise_id,
       date_trunc('week', s.started_at)::date AS monday,
       max(CASE WHEN json_typeof(j.value) = 'number' THEN (j.value #>> '{{}}')::float8 END)
           AS best,
       sum(CASE WHEN j.value IS NOT NULL THEN
                    CASE WHEN json_typeof(j.value) = 'number' THEN 0 ELSE 1 END
                WHEN r.ranges_deg IS NULL
                     OR json_typeof(r.ranges_deg::json) IN ('array', 'null') THEN 0
                ELSE 1 END) AS odd
FROM exercise_results r
JOIN sessions s ON s.id = r.session_id
LEFT JOIN LATERAL json_array_elements(
    CASE WHEN json_typeof(r.ranges_deg::json) = 'array' THEN r.ranges_deg::json
         ELSE '[]'::json END) j ON true
WHERE s.person_id IN {people}
GROUP BY s.person_id, r.exercise_id, monday
""",
}


#: Julian day number of the proleptic Gregorian day 0 (``date.toordinal`` + this = JDN).
JULIAN_ORDINAL = 1721425


def _weekly_best(db: DbSession, ids: list[int]) -> dict[tuple[int, str], dict[date, float]] | None:
    """The best range of each of the people ``ids``, per exercise and week (the week's
    Monday), aggregated in the database; ``None`` where it cannot be (another database, or
    stored ranges that are not lists of numbers: the caller reads those in Python)."""
    dialect = db.get_bind().dialect.name
    if dialect not in _WEEKLY_SQL or not ids:
        return None
    wanted: BindParameter[list[int]] = bindparam("ids", ids, expanding=True)
    weekly: dict[tuple[int, str], dict[date, float]] = defaultdict(dict)
    query = text(_WEEKLY_SQL[dialect].format(people=":ids")).bindparams(wanted)
    for pid, exercise_id, monday, best, n_odd in db.connection().execute(query).all():
        if n_odd or isinstance(best, str):  # SQLite's best is 'x' where something is odd
            return None
        if best is None:
            continue
        # SQLite gives the Monday's Julian day number, PostgreSQL a date
        day = date.fromordinal(monday - JULIAN_ORDINAL) if isinstance(monday, int) else monday
        weekly[(pid, exercise_id)][day] = float(best)
    return weekly
