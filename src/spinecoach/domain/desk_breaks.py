"""Desk breaks: two to four 1-3 minute routines at times the person chooses, adapted like
sessions.

A desk break is a small :class:`~spinecoach.domain.plan.Plan` run by the same session engine
as the morning routine (so it is measured, timed and stop-ruled the same way); this module
chooses its exercises, fits them into 1-3 minutes and adapts them from the break's report with
the ordinary adaptation rules (:func:`spinecoach.domain.adaptation.adapt_plan`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time

from spinecoach.domain.adaptation import adapt_plan
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import _
from spinecoach.domain.plan import Plan, PlanChange, PlanItem, SessionReport
from spinecoach.domain.posture import Finding
from spinecoach.domain.rules import Rules
from spinecoach.errors import InvalidInput

MIN_BREAKS, MAX_BREAKS = 2, 4
MIN_BREAK_S, MAX_BREAK_S = 60.0, 180.0
TRANSITION_S = 10.0
#: Desk-break exercises in the order they are handed out (the seeds' routine: seated pelvic
#: tilts, seated hip hinge, seated cat-cow, standing extension).
BREAK_POOL = ("seated_pelvic_tilt", "seated_hip_hinge", "seated_cat_cow", "standing_extension")
#: Added to the pool for a forward head (it goes first so every other break has one).
FORWARD_HEAD_EXTRA = ("chin_tuck",)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class DeskBreak:
    """One desk break: when, what, and why."""

    at: time
    items: tuple[PlanItem, ...]
    reason: str = ""

    @property
    def duration_s(self) -> float:
        """Seconds the break takes (10 s between exercises)."""
        return sum(i.duration_s for i in self.items) + TRANSITION_S * max(len(self.items) - 1, 0)

    @property
    def label(self) -> str:
        """``HH:MM``."""
        return self.at.strftime("%H:%M")


def parse_break_times(values: Iterable[str]) -> tuple[time, ...]:
    """Parse 2-4 distinct ``HH:MM`` times, sorted.

    Raises
    ------
    InvalidInput
        On a malformed, repeated or out-of-range list.
    """
    parsed: list[time] = []
    for value in values:
        match = _TIME.match(str(value).strip())
        if match is None:
            raise InvalidInput(
                _("break time {value}: expected HH:MM (24-hour), e.g. 10:30").format(
                    value=repr(value)
                )
            )
        parsed.append(time(int(match.group(1)), int(match.group(2))))
    if len(set(parsed)) != len(parsed):
        raise InvalidInput(_("break times: each time may appear only once"))
    if not MIN_BREAKS <= len(parsed) <= MAX_BREAKS:
        raise InvalidInput(
            _("break times: expected {min_breaks} to {max_breaks} times, got {n_parsed}").format(
                min_breaks=MIN_BREAKS, max_breaks=MAX_BREAKS, n_parsed=len(parsed)
            )
        )
    return tuple(sorted(parsed))


def _fit(item: PlanItem, budget_s: float) -> PlanItem:
    """Fewer repetitions (never below 3) until the item fits ``budget_s``."""
    dose = item.dose
    while dose.duration_s > budget_s and dose.reps > 3:
        dose = dose.with_changes(reps=dose.reps - 1)
    return replace(item, dose=dose)


def build_desk_breaks(
    times: Sequence[time],
    library: ExerciseLibrary,
    conditions: frozenset[str],
    found: Sequence[Finding] = (),
    *,
    preferred_direction: str = "none",
) -> tuple[DeskBreak, ...]:
    """Choose and dose the desk breaks for ``times``.

    Each break holds two exercises from :data:`BREAK_POOL` (plus a chin tuck for a forward
    head), handed out in turn so the breaks differ, none contraindicated, fitted into
    :data:`MAX_BREAK_S` by trimming repetitions. Standing extension is left out for a marked
    anterior pelvic tilt unless extension is the person's preferred direction.
    """
    codes = {f.code for f in found}
    pool = list(BREAK_POOL)
    if "forward_head" in codes:
        pool = [*FORWARD_HEAD_EXTRA, *pool]
    if "anterior_pelvic_tilt" in codes and preferred_direction != "extension":
        pool.remove("standing_extension")
    exercises = [
        library.get(e) for e in pool if e in library and not library.get(e).avoid_for(conditions)
    ]
    if not exercises:
        raise InvalidInput(_("no desk-break exercise suits your conditions"))
    apt_removed = "anterior_pelvic_tilt" in codes and preferred_direction != "extension"
    apt_kept = "anterior_pelvic_tilt" in codes and not apt_removed

    def why(exercise_id: str) -> str:
        """The break's reason, with what the posture findings changed for this item."""
        notes = []
        if apt_removed:
            notes.append(_("no standing back-bend, which reinforces your forward pelvic tilt"))
        if "forward_head" in codes and exercise_id in FORWARD_HEAD_EXTRA:
            notes.append(_("a chin tuck for your forward head posture [SHEIK18]"))
        if apt_kept and exercise_id == "standing_extension":
            notes.append(
                _(
                    "kept although your pelvis tilts forward: extension is your preferred "
                    "direction [LONG][MAY18]"
                )
            )
        if notes:
            return _(
                "A short break from sitting: change posture and move often [OSHAWS]; {notes}."
            ).format(notes="; ".join(notes))
        return _("A short break from sitting: change posture and move often [OSHAWS].")

    breaks: list[DeskBreak] = []
    per_item_s = (MAX_BREAK_S - TRANSITION_S) / 2
    for index, at in enumerate(times):
        picks = [exercises[(2 * index + k) % len(exercises)] for k in range(2)]
        if picks[0].id == picks[1].id:
            picks = picks[:1]
        items = tuple(
            _fit(
                PlanItem(
                    exercise_id=e.id,
                    name=e.name,
                    section=e.section,
                    dose=e.dose,
                    reason=why(e.id),
                    sources=tuple(dict.fromkeys((*e.sources, "OSHAWS", "CCU"))),
                ),
                per_item_s if len(picks) == 2 else MAX_BREAK_S,
            )
            for e in picks
        )
        breaks.append(
            DeskBreak(
                at,
                items,
                reason=_("Desk break {n} of {total} at {time}").format(
                    n=index + 1, total=len(times), time=f"{at:%H:%M}"
                ),
            )
        )
    return tuple(breaks)


def break_plan(desk_break: DeskBreak, level: int, now: datetime) -> Plan:
    """The break as a plan the session engine runs."""
    return Plan(
        items=desk_break.items,
        level=level,
        created_at=now,
        reasons=(desk_break.reason,),
        budget_s=MAX_BREAK_S,
        metadata={"kind": "desk_break", "at": desk_break.label},
    )


def adapt_desk_break(
    desk_break: DeskBreak,
    report: SessionReport,
    now: datetime,
    *,
    library: ExerciseLibrary,
    rules: Rules,
    conditions: frozenset[str] = frozenset(),
    pain_limit: int | None = None,
) -> tuple[DeskBreak, tuple[PlanChange, ...], bool]:
    """Adapt one break from its report with the ordinary adaptation rules.

    Returns
    -------
    desk_break : DeskBreak
        The adapted break (doses refitted into 1-3 minutes).
    changes : tuple of PlanChange
        One per item, with its reason.
    paused : bool
        True when the stop rules paused the plan (the morning routine pauses too).
    """
    plan = break_plan(desk_break, 1, now)
    adapted = adapt_plan(
        plan,
        [report],
        now,
        library=library,
        rules=rules,
        conditions=conditions,
        pain_limit=pain_limit,
    )
    per_item_s = (MAX_BREAK_S - TRANSITION_S) / max(len(adapted.items), 1)
    items = tuple(_fit(i, per_item_s) for i in adapted.items)
    return replace(desk_break, items=items), adapted.changes, adapted.paused


def due_break(
    breaks: Sequence[DeskBreak], done_labels: Iterable[str], now_time: time
) -> DeskBreak | None:
    """The earliest break whose time has come today and that was not done yet."""
    done = set(done_labels)
    for desk_break in sorted(breaks, key=lambda b: b.at):
        if desk_break.at <= now_time and desk_break.label not in done:
            return desk_break
    return None
