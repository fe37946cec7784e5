"""Posture assessment: figures against cited norms, findings, and what they change in a plan.

Pure: the figures come in already measured (``spinecoach.motion.posture`` measures them from
keypoints and back-worn sensors); the norms come from ``data/posture/norms.toml``. A figure
is only compared with a norm when its source can produce a comparable number (a camera
cannot see the pelvis tilt; a sensor zeroed in standing gives a *change*, not the ASIS-PSIS
angle); otherwise it is compared with the person's own earlier figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from spinecoach.domain.exercise import ExerciseLibrary, Section
from spinecoach.domain.i18n import N_, _
from spinecoach.domain.plan import ChangeAction, Plan, PlanChange, PlanItem

#: Positions and views a guided check covers.
POSITIONS = ("standing", "seated")
VIEWS = ("side", "front")
#: Where a figure came from.
FIGURE_SOURCES = ("camera", "imu", "manual")


class Status(StrEnum):
    """How a figure compares with its norm."""

    WITHIN = "within"
    BELOW = "below"
    ABOVE = "above"
    NO_NORM = "no_norm"  # no cited norm, or the source's figure is not comparable with it


@dataclass(frozen=True)
class PostureNorm:
    """A normal range for one measure (``low``/``high`` absent where none is cited).

    Attributes
    ----------
    measure : str
        Figure name with unit suffix (``craniovertebral_angle_deg``).
    comparable_sources : tuple of str
        Figure sources whose numbers mean the same as the norm's (``camera``, ``imu``,
        ``manual``).
    """

    measure: str
    label: str
    sources: tuple[str, ...]
    note: str
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    comparable_sources: tuple[str, ...] = ()
    positions: tuple[str, ...] = POSITIONS

    @property
    def has_range(self) -> bool:
        """Whether a cited numeric range exists."""
        return self.low is not None or self.high is not None

    def range_text(self) -> str:
        """The range in words, e.g. ``0-23 deg`` or ``>= 50 deg``."""
        if self.low is not None and self.high is not None:
            return _("{low}-{high} deg").format(low=f"{self.low:g}", high=f"{self.high:g}")
        if self.low is not None:
            return _(">= {low} deg").format(low=f"{self.low:g}")
        if self.high is not None:
            return _("<= {high} deg").format(high=f"{self.high:g}")
        return _("no cited range")


@dataclass(frozen=True)
class PostureFigure:
    """One measured posture figure with its confidence and what it was compared with.

    Attributes
    ----------
    measure : str
        ``craniovertebral_angle_deg``, ``trunk_inclination_deg``,
        ``shoulder_height_difference_deg``, ``sitting_trunk_flexion_deg``, ``slump_deg``,
        ``pelvic_tilt_deg`` or ``lumbar_angle_deg``.
    value_deg : float
        Median over the still part of the recording, degrees.
    confidence : float
        0-1: share of usable frames x mean landmark visibility x steadiness (camera), or
        share of still samples (IMU); 1 for a manual reading.
    spread_deg : float
        Interquartile range over the frames used (how steady the figure was).
    source : str
        ``camera``, ``imu`` or ``manual``.
    note : str
        What the figure is and is not (proxies, references).
    """

    measure: str
    value_deg: float
    confidence: float
    source: str
    spread_deg: float = 0.0
    n_samples: int = 1
    note: str = ""

    @property
    def confidence_label(self) -> str:
        """``high`` (>= 0.75), ``moderate`` (>= 0.5) or ``low``."""
        if self.confidence >= 0.75:
            return "high"
        if self.confidence >= 0.5:
            return "moderate"
        return "low"


@dataclass(frozen=True)
class Comparison:
    """A figure beside its norm."""

    figure: PostureFigure
    norm: PostureNorm | None
    status: Status
    text: str


@dataclass(frozen=True)
class PostureAssessment:
    """One guided check: a position and a view, its figures and what could not be measured."""

    taken_at: datetime
    position: str
    view: str
    figures: tuple[PostureFigure, ...]
    unmeasurable: Mapping[str, str] = field(default_factory=dict)
    input_name: str = ""

    def figure(self, measure: str) -> PostureFigure | None:
        """The figure for ``measure`` if measured."""
        for figure in self.figures:
            if figure.measure == measure:
                return figure
        return None


def latest_checks(assessments: Iterable[PostureAssessment]) -> list[PostureAssessment]:
    """The latest check of each kind (position, view and the sources of its figures: a
    back-sensor check and an inclinometer reading are different checks), newest first."""
    latest: dict[tuple[str, str, tuple[str, ...]], PostureAssessment] = {}
    for a in assessments:
        sources = tuple(sorted({f.source for f in a.figures}))
        key = (a.position, a.view, sources)
        if key not in latest or a.taken_at >= latest[key].taken_at:
            latest[key] = a
    return sorted(latest.values(), key=lambda a: a.taken_at, reverse=True)


def compare(figure: PostureFigure, norm: PostureNorm | None, position: str) -> Comparison:
    """Compare ``figure`` with ``norm`` when the figure's source makes them comparable."""
    if norm is None or not norm.has_range:
        return Comparison(
            figure,
            norm,
            Status.NO_NORM,
            _("no cited normal range: compared with your own baseline"),
        )
    if figure.source not in norm.comparable_sources:
        return Comparison(
            figure,
            norm,
            Status.NO_NORM,
            _(
                "this {source} figure is not comparable with the cited range {range}: "
                "compared with your own baseline"
            ).format(source=_(figure.source), range=norm.range_text()),
        )
    if position not in norm.positions:
        return Comparison(
            figure,
            norm,
            Status.NO_NORM,
            _("the cited range is for {positions}").format(
                positions=", ".join(_(p) for p in norm.positions)
            ),
        )
    value = figure.value_deg
    tags = "".join(f"[{t}]" for t in norm.sources)
    if norm.low is not None and value < norm.low:
        status = Status.BELOW
    elif norm.high is not None and value > norm.high:
        status = Status.ABOVE
    else:
        status = Status.WITHIN
    sentence = {
        Status.BELOW: N_("{value} deg is below the range {range} {tags}"),
        Status.ABOVE: N_("{value} deg is above the range {range} {tags}"),
        Status.WITHIN: N_("{value} deg is within the range {range} {tags}"),
    }[status]
    text = _(sentence).format(value=f"{value:.0f}", range=norm.range_text(), tags=tags)
    return Comparison(figure, norm, status, text)


def compare_all(
    assessment: PostureAssessment, norms: Mapping[str, PostureNorm]
) -> list[Comparison]:
    """Every figure of ``assessment`` compared with its norm."""
    return [compare(f, norms.get(f.measure), assessment.position) for f in assessment.figures]


@dataclass(frozen=True)
class Finding:
    """A posture finding that changes the plan, with why and the sources behind it."""

    code: str  # forward_head | anterior_pelvic_tilt
    reason: str
    sources: tuple[str, ...]


#: What each finding adds to a plan (exercise id, section) and leaves out.
FINDING_ADDS: dict[str, tuple[str, ...]] = {
    "forward_head": ("chin_tuck", "seated_thoracic_extension"),
    "anterior_pelvic_tilt": ("hip_flexor_stretch", "glute_bridge", "pelvic_tilt_supine"),
}
#: Positions that hold the lumbar spine at end-range extension (they reinforce an anterior
#: tilt); left out unless extension is the person's preferred direction.
FINDING_REMOVES: dict[str, tuple[str, ...]] = {
    "anterior_pelvic_tilt": ("prone_on_elbows", "prone_press_up", "standing_extension"),
}
FINDING_WHY: dict[str, str] = {
    "forward_head": N_("your head sits forward of your shoulders"),
    "anterior_pelvic_tilt": N_("your pelvis tilts forward more than the cited range"),
}
ADD_WHY: dict[str, str] = {
    "chin_tuck": N_("practises bringing the head back over the shoulders"),
    "seated_thoracic_extension": N_("opens a rounded upper back that pushes the head forward"),
    "hip_flexor_stretch": N_("stretches the hip flexors that pull the pelvis forward"),
    "glute_bridge": N_("strengthens the glutes that tilt the pelvis back"),
    "pelvic_tilt_supine": N_("practises tilting the pelvis back under control"),
}


def findings(
    assessments: Sequence[PostureAssessment], norms: Mapping[str, PostureNorm]
) -> list[Finding]:
    """Findings from the latest figure of each measure (newest assessment wins).

    Only figures comparable with their norm count, the newest of each measure. A forward
    head: a craniovertebral angle below the cited cut-off. A marked anterior pelvic tilt: a
    comparable pelvic tilt figure above the top of the cited range (mild anterior tilt is
    normal [HER] and never flagged). Low-confidence figures bring no finding.
    """
    latest: dict[str, tuple[PostureAssessment, PostureFigure]] = {}
    for assessment in sorted(assessments, key=lambda a: a.taken_at):
        for figure in assessment.figures:
            # only a figure comparable with the norm can replace an earlier one (a newer
            # IMU change does not hide a clinician's ASIS-PSIS reading)
            result = compare(figure, norms.get(figure.measure), assessment.position)
            if result.status is not Status.NO_NORM:
                latest[figure.measure] = (assessment, figure)
    found: list[Finding] = []
    cva = latest.get("craniovertebral_angle_deg")
    if cva is not None:
        result = compare(cva[1], norms.get(cva[1].measure), cva[0].position)
        if result.status is Status.BELOW and cva[1].confidence >= 0.5:
            norm = result.norm
            assert norm is not None
            found.append(
                Finding(
                    "forward_head",
                    _(
                        "head-forward angle {value} deg ({position}, {source}) is below the "
                        "{cutoff} deg cut-off"
                    ).format(
                        value=f"{cva[1].value_deg:.0f}",
                        position=_(cva[0].position),
                        source=_(cva[1].source),
                        cutoff=f"{norm.low:g}",
                    ),
                    norm.sources,
                )
            )
    tilt = latest.get("pelvic_tilt_deg")
    if tilt is not None:
        result = compare(tilt[1], norms.get(tilt[1].measure), tilt[0].position)
        if result.status is Status.ABOVE and tilt[1].confidence >= 0.5:
            norm = result.norm
            assert norm is not None
            found.append(
                Finding(
                    "anterior_pelvic_tilt",
                    _(
                        "pelvic tilt {value} deg anterior is above the {range} range seen "
                        "from pelvic shape alone"
                    ).format(value=f"{tilt[1].value_deg:.0f}", range=norm.range_text()),
                    norm.sources,
                )
            )
    return found


def apply_findings(
    plan: Plan,
    found: Iterable[Finding],
    library: ExerciseLibrary,
    conditions: frozenset[str],
    *,
    preferred_direction: str = "none",
) -> Plan:
    """Return ``plan`` with the exercises a posture finding brings, every change explained.

    Added exercises keep their library dose; an exercise the person must avoid is never
    added; locked items are never removed. Extension positions are only left out for an
    anterior tilt when extension is not the person's preferred direction (a directional
    preference is cited evidence [LONG][MAY18] and wins over a posture finding). To keep
    the routine within its time budget, the non-posture item with the lowest section
    priority is dropped for each one added beyond it (said in the changes).
    """
    found = list(found)
    if not found:
        return plan
    items = list(plan.items)
    changes: list[PlanChange] = []
    present = {i.exercise_id for i in items}
    added: set[str] = set()
    for finding in found:
        why = _(FINDING_WHY[finding.code])
        for exercise_id in FINDING_REMOVES.get(finding.code, ()):
            if exercise_id not in present:
                continue
            if preferred_direction == "extension":
                changes.append(
                    PlanChange(
                        exercise_id,
                        ChangeAction.HOLD,
                        _("Kept although {why}: extension is your preferred direction.").format(
                            why=why
                        ),
                        ("LONG", "MAY18"),
                    )
                )
                continue
            item = next(i for i in items if i.exercise_id == exercise_id)
            if item.locked:
                continue
            items.remove(item)
            present.discard(exercise_id)
            changes.append(
                PlanChange(
                    exercise_id,
                    ChangeAction.REMOVE,
                    _(
                        "Left out because {why} ({finding}): holding the low back "
                        "arched at end range reinforces that tilt."
                    ).format(why=why, finding=finding.reason),
                    finding.sources,
                )
            )
        for exercise_id in FINDING_ADDS[finding.code]:
            if exercise_id in present and exercise_id not in added:
                index = next(n for n, i in enumerate(items) if i.exercise_id == exercise_id)
                note = _("also chosen because {why}: it {what}").format(
                    why=why, what=_(ADD_WHY[exercise_id])
                )
                if note not in items[index].reason:
                    items[index] = replace(
                        items[index],
                        reason=items[index].reason.rstrip(".") + f"; {note}.",
                        sources=tuple(dict.fromkeys((*items[index].sources, *finding.sources))),
                    )
                continue
            if exercise_id in present or exercise_id not in library:
                continue
            exercise = library.get(exercise_id)
            if exercise.avoid_for(conditions):
                continue
            reason = _("Added because {why} ({finding}): it {what}.").format(
                why=why, finding=finding.reason, what=_(ADD_WHY[exercise_id])
            )
            items.append(
                PlanItem(
                    exercise_id=exercise.id,
                    name=exercise.name,
                    section=exercise.section,
                    dose=exercise.dose,
                    reason=reason,
                    sources=tuple(dict.fromkeys((*exercise.sources, *finding.sources))),
                )
            )
            present.add(exercise_id)
            added.add(exercise_id)
            changes.append(
                PlanChange(exercise_id, ChangeAction.ADD, reason, tuple(finding.sources))
            )
    wanted = {e for f in found for e in FINDING_ADDS[f.code]}
    items, dropped = _fit_budget(items, plan.budget_s, added | wanted)
    changes += [
        PlanChange(
            i.exercise_id,
            ChangeAction.REMOVE,
            _("Made room within your minutes a day for the posture exercises."),
        )
        for i in dropped
    ]
    order = (Section.WARM_UP, Section.STRETCH, Section.STABILITY, Section.INTEGRATION)
    items.sort(key=lambda i: (order.index(i.section), i.exercise_id))
    summary = _("Posture check: {findings}.").format(findings="; ".join(f.reason for f in found))
    return replace(
        plan,
        items=tuple(items),
        changes=(*plan.changes, *changes),
        reasons=(*plan.reasons, summary),
    )


def _fit_budget(
    items: list[PlanItem], budget_s: float, protected: set[str]
) -> tuple[list[PlanItem], list[PlanItem]]:
    """Drop unprotected, unlocked items (last section first) until the routine fits."""
    if budget_s <= 0:
        return items, []

    def total(xs: list[PlanItem]) -> float:
        return sum(i.duration_s for i in xs) + 10.0 * max(len(xs) - 1, 0)

    kept = list(items)
    dropped: list[PlanItem] = []
    order = (Section.INTEGRATION, Section.STABILITY, Section.STRETCH, Section.WARM_UP)
    while total(kept) > budget_s:
        candidates = [i for i in kept if i.exercise_id not in protected and not i.locked]
        if not candidates:
            break
        victim = min(candidates, key=lambda i: (order.index(i.section), -i.duration_s))
        kept.remove(victim)
        dropped.append(victim)
    return kept, dropped
