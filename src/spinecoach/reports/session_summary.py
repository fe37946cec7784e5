"""The short summary at the end of every session, and the "pain now?" asked at its end.

:func:`session_summary` says, in a few plain lines, what the person did, what improved
against the last session with the same exercises, and what changes tomorrow (the adaptation's
changes). :func:`record_pain_now` stores the pain answered after a session that ended early
(stop button, Ctrl-C, a stop rule), with the session. The web page and ``spinecoach session``
show the same lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.i18n import _, ngettext
from spinecoach.errors import InvalidInput
from spinecoach.store import models
from spinecoach.store.repositories import SessionRepository

__all__ = ["SessionSummaryView", "record_pain_now", "session_summary"]

#: Smallest change reported as an improvement (degrees of range, seconds of hold).
MIN_RANGE_GAIN_DEG = 2.0
MIN_HOLD_GAIN_S = 1.0


@dataclass(frozen=True)
class SessionSummaryView:
    """The end-of-session summary.

    Attributes
    ----------
    did : list of str
        What the person did ("3 of 4 exercises done, 11 minutes.").
    improved : list of str
        What improved against the last session with the same exercise (may be empty).
    tomorrow : list of str
        What changes tomorrow, from the adaptation ("No changes: the same plan tomorrow.").
    ask_pain : bool
        The pain after the session is not known yet: ask "pain now?".
    pain_after : int or None
    """

    did: list[str]
    improved: list[str]
    tomorrow: list[str]
    ask_pain: bool
    pain_after: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (keys ``did``, ``improved``, ``tomorrow``, ``ask_pain``,
        ``pain_after``)."""
        return {
            "did": self.did,
            "improved": self.improved,
            "tomorrow": self.tomorrow,
            "ask_pain": self.ask_pain,
            "pain_after": self.pain_after,
        }


def _name(names: Mapping[str, str], exercise_id: str) -> str:
    return names.get(exercise_id) or exercise_id.replace("_", " ").capitalize()


def _previous_results(db: DbSession, row: models.Session) -> dict[str, models.ExerciseResult]:
    """The latest earlier result of each exercise, from the person's earlier sessions."""
    earlier = db.scalars(
        select(models.ExerciseResult)
        .join(models.Session, models.Session.id == models.ExerciseResult.session_id)
        .where(
            models.Session.person_id == row.person_id,
            models.Session.id != row.id,
            models.Session.started_at <= row.started_at,
        )
        .order_by(models.Session.started_at, models.ExerciseResult.position)
    )
    out: dict[str, models.ExerciseResult] = {}
    for result in earlier:
        out[result.exercise_id] = result  # the latest wins
    return out


def _improvements(
    results: Sequence[models.ExerciseResult],
    previous: Mapping[str, models.ExerciseResult],
    names: Mapping[str, str],
) -> list[str]:
    lines: list[str] = []
    for r in results:
        before = previous.get(r.exercise_id)
        if before is None or r.reps_done == 0:
            continue
        name = _name(names, r.exercise_id)
        now_range = max((float(x) for x in r.ranges_deg or []), default=None)
        old_range = max((float(x) for x in before.ranges_deg or []), default=None)
        now_hold = max((float(x) for x in r.hold_times_s or []), default=None)
        old_hold = max((float(x) for x in before.hold_times_s or []), default=None)
        if now_range is not None and old_range is not None:
            if now_range - old_range >= MIN_RANGE_GAIN_DEG:
                lines.append(
                    _("{name}: moved further, {now}° (last time {before}°).").format(
                        name=name, now=f"{now_range:.0f}", before=f"{old_range:.0f}"
                    )
                )
                continue
        if now_hold is not None and old_hold is not None:
            if now_hold - old_hold >= MIN_HOLD_GAIN_S:
                lines.append(
                    _("{name}: held longer, {now} s (last time {before} s).").format(
                        name=name, now=f"{now_hold:.0f}", before=f"{old_hold:.0f}"
                    )
                )
                continue
        if r.reps_done > before.reps_done:
            lines.append(
                _("{name}: {now} repetitions (last time {before}).").format(
                    name=name, now=r.reps_done, before=before.reps_done
                )
            )
    return lines


def session_summary(
    db: DbSession,
    session_id: int,
    changes: Sequence[Mapping[str, str]] = (),
    names: Mapping[str, str] | None = None,
) -> SessionSummaryView:
    """Build the end-of-session summary of stored session ``session_id``.

    Parameters
    ----------
    db : Session
    session_id : int
    changes : sequence of mapping
        Tomorrow's changes from the adaptation, each ``{"exercise", "action", "reason"}``
        in plain words and ``kind`` (the action; ``hold`` entries are summed up in one line).
    names : mapping of exercise id to name, optional

    Returns
    -------
    SessionSummaryView
    """
    names = names or {}
    repo = SessionRepository(db)
    row = repo.get(session_id)
    results = repo.results(session_id)
    done = [r for r in results if r.completed]
    did: list[str] = []
    minutes = None
    if row.ended_at is not None and row.started_at is not None:
        start = row.started_at if row.started_at.tzinfo else row.started_at.replace(tzinfo=UTC)
        end = row.ended_at if row.ended_at.tzinfo else row.ended_at.replace(tzinfo=UTC)
        minutes = max(round((end - start).total_seconds() / 60), 1)
    planned = len(results)
    text = (
        _("{done} of {planned} exercises done").format(done=len(done), planned=planned)
        if planned
        else _("No exercises done")
    )
    if minutes:
        text += ngettext(", about {n} minute", ", about {n} minutes", minutes).format(n=minutes)
    did.append(text + ".")
    if done:
        did.append(
            _("Done: {names}.").format(
                names=", ".join(_(_name(names, r.exercise_id)) for r in done)
            )
        )
    if row.status in ("stopped", "stopped_early", "urgent_care"):
        did.append(_("The session ended early; what you did is saved."))
    improved = _improvements(results, _previous_results(db, row), names)
    if not improved:
        improved = [
            _("Nothing measured better than last time yet; steady is good too.")
            if done
            else _("Nothing to compare this time: next session is compared with your last one.")
        ]
    changed = [c for c in changes if c.get("kind") not in ("hold", "keep")]
    tomorrow = [
        f"{c.get('exercise', _('Your plan'))}: {c.get('action', '')} — {c.get('reason', '')}"
        for c in changed
    ]
    if not tomorrow:
        kept = {c.get("reason", "") for c in changes} - {""}
        why = f" {kept.pop()}" if len(kept) == 1 else ""
        tomorrow = [_("No changes: the same plan tomorrow.") + why]
    # "pain now?" whenever it is not known, but not on top of "get medical help now"
    ask = row.pain_after is None and row.status != "urgent_care"
    return SessionSummaryView(did, improved, tomorrow, ask_pain=ask, pain_after=row.pain_after)


def record_pain_now(
    db: DbSession, person_id: int, session_id: int, pain: int, now: datetime | None = None
) -> models.Session:
    """Store the "pain now?" answer given after the session ended (early or not).

    It becomes the session's ``pain_after`` (when none was given at the end check-in) and a
    pain report of kind ``after``.

    Raises
    ------
    InvalidInput
        Pain not a whole number 0-10, or the session is not this person's.
    """
    if isinstance(pain, bool) or not isinstance(pain, int) or not 0 <= pain <= 10:
        raise InvalidInput(
            _("pain: expected a whole number 0-10, got {pain}").format(pain=repr(pain))
        )
    repo = SessionRepository(db)
    row = repo.get(session_id)
    if row.person_id != person_id:
        raise InvalidInput(
            _("session {session_id}: not one of your sessions").format(session_id=session_id)
        )
    if row.pain_after is None:
        row.pain_after = pain
        summary = dict(row.summary or {})
        summary["pain_after_asked_after_end"] = True
        row.summary = summary
        db.commit()
        repo.add_pain_report(
            person_id, session_id=session_id, at=now or datetime.now(UTC), kind="after", pain=pain
        )
    return row
