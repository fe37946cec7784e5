"""Red-flag screening and in-session stop rules (CLINICAL.md §1), as pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from spinecoach.domain.rules import Rules, StopAction, Tier
from spinecoach.errors import InvalidInput


@dataclass(frozen=True)
class ScreeningResult:
    """Verdict of a red-flag screening.

    Attributes
    ----------
    tier : Tier
        The most serious tier triggered (``clear`` only if every question was answered and
        none triggered).
    reasons : tuple of str
        Why, one line each, naming the answers that triggered it.
    advice : str
        What to do now.
    unanswered : tuple of str
        Question ids without an answer.
    """

    tier: Tier
    reasons: tuple[str, ...]
    advice: str
    unanswered: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def may_exercise(self) -> bool:
        """Whether the programme may start (routine or clear)."""
        return self.tier in (Tier.ROUTINE, Tier.CLEAR)

    def to_json(self) -> dict[str, object]:
        """The documented JSON verdict: ``{"tier", "reasons", "advice", "unanswered"}``."""
        return {
            "tier": self.tier.value,
            "reasons": list(self.reasons),
            "advice": self.advice,
            "unanswered": list(self.unanswered),
            "sources": list(self.sources),
        }


def _answer(value: object, question_id: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("yes", "y", "true"):
        return True
    if isinstance(value, str) and value.lower() in ("no", "n", "false"):
        return False
    if isinstance(value, str) and value.lower() in ("unsure", "not sure", "don't know"):
        return None
    raise InvalidInput(f"answers.{question_id}: expected yes/no (or true/false), got {value!r}")


def screen(
    answers: Mapping[str, object],
    rules: Rules,
    *,
    age: int | None = None,
    pain_months: float | None = None,
    inflammatory_features: Mapping[str, object] | None = None,
) -> ScreeningResult:
    """Screen red-flag answers into emergency / urgent / routine / clear.

    Parameters
    ----------
    answers : mapping of question id to yes/no
        ``True``/``"yes"`` means the warning sign is present; ``None``/``"unsure"`` or a
        missing key means unanswered.
    rules : Rules
        Loaded rules (questions, age rule, inflammatory rule, advice).
    age : int, optional
        Age in years, for the new-pain age rule.
    pain_months : float, optional
        How long the pain has lasted, for the inflammatory-pattern rule.
    inflammatory_features : mapping, optional
        Answers to the inflammatory-pattern features (ids in ``rules.inflammatory``).

    Returns
    -------
    ScreeningResult
        Any emergency answer wins. An *unanswered* emergency question is never taken as
        "no": the verdict is then at least ``urgent``, with a reason naming it.
    """
    known = {q.id for q in rules.red_flags}
    unknown = set(answers) - known
    if unknown:
        raise InvalidInput(f"answers: unknown question id(s) {sorted(unknown)}")
    tier = Tier.CLEAR
    reasons: list[str] = []
    sources: list[str] = []
    unanswered: list[str] = []

    def raise_to(new: Tier, reason: str, cited: tuple[str, ...]) -> None:
        nonlocal tier
        if new.severity > tier.severity:
            tier = new
        reasons.append(reason)
        sources.extend(t for t in cited if t not in sources)

    for question in rules.red_flags:
        value = _answer(answers.get(question.id), question.id)
        if value is None:
            unanswered.append(question.id)
            continue
        if value and question.tier != Tier.CLEAR:
            raise_to(
                question.tier, f"{question.tier.value}: yes to '{question.id}'", question.sources
            )

    age_rule = rules.age_rule
    first = _answer(answers.get(age_rule.question_id), age_rule.question_id)
    if age is not None and first and (age > age_rule.older_than or age < age_rule.younger_than):
        raise_to(
            age_rule.tier,
            f"{age_rule.tier.value}: first episode of back pain at age {age} "
            f"(over {age_rule.older_than} or under {age_rule.younger_than})",
            age_rule.sources,
        )

    infl = rules.inflammatory
    if pain_months is not None and inflammatory_features:
        present = [f for f in infl.features if _answer(inflammatory_features.get(f), f)]
        if pain_months > infl.min_months and len(present) >= infl.min_features:
            raise_to(
                infl.tier,
                f"{infl.tier.value}: inflammatory pattern ({len(present)} of "
                f"{len(infl.features)} features for over {infl.min_months} months)",
                infl.sources,
            )

    missing_emergency = [
        q for q in rules.red_flags if q.id in unanswered and q.tier == Tier.EMERGENCY
    ]
    if missing_emergency and tier.severity < Tier.URGENT.severity:
        ids = ", ".join(q.id for q in missing_emergency)
        raise_to(
            Tier.URGENT,
            f"urgent: emergency question(s) not answered ({ids}); they cannot be assumed to be no",
            tuple(t for q in missing_emergency for t in q.sources),
        )
    if tier == Tier.CLEAR and unanswered:
        tier_note = "routine"
        raise_to(
            Tier.ROUTINE,
            f"{tier_note}: some questions were not answered ({', '.join(unanswered)})",
            (),
        )
    return ScreeningResult(
        tier=tier,
        reasons=tuple(reasons),
        advice=rules.tier_advice[tier],
        unanswered=tuple(unanswered),
        sources=tuple(sources),
    )


@dataclass(frozen=True)
class StopDecision:
    """What to do after a check-in, with the reasons shown to the person."""

    action: StopAction
    reasons: tuple[str, ...]
    seek_care: Tier | None = None
    sources: tuple[str, ...] = ()
    back_to_tolerated: bool = False

    def to_json(self) -> dict[str, object]:
        """JSON form: action, reasons, seek_care, sources, back_to_tolerated."""
        return {
            "action": self.action.value,
            "reasons": list(self.reasons),
            "seek_care": self.seek_care.value if self.seek_care else None,
            "sources": list(self.sources),
            "back_to_tolerated": self.back_to_tolerated,
        }


def effective_pain_limit(limit: int, baseline_pain: int | None) -> int:
    """The pain ceiling during a session: the limit, or the starting pain when that is higher.

    A person who starts a session with pain above the limit (e.g. 8/10 with acute sciatica)
    does a routine of positions of relief, breathing and gentle movement; the
    pain-monitoring model then asks that pain does not rise above where it started, rather
    than refusing every session [EFE][SIL07][BIM].
    """
    if baseline_pain is None:
        return limit
    return max(limit, baseline_pain)


#: Stop-rule symptoms after which the person goes back to the last tolerated exercise, or
#: the movement part of the session ends -- never on to the next exercise [MCK][MAY12].
PERIPHERAL_SYMPTOMS = frozenset({"peripheralisation", "below_knee"})


def evaluate_checkin(
    pain_now: int | None,
    baseline_pain: int | None,
    symptoms: frozenset[str] | set[str],
    rules: Rules,
    *,
    pain_limit: int | None = None,
) -> StopDecision:
    """Apply the in-session stop rules to one check-in or symptom report.

    Parameters
    ----------
    pain_now : int or None
        Current pain 0-10 (``None`` if only symptoms were reported).
    baseline_pain : int or None
        Pain at the start of the session, 0-10.
    symptoms : set of str
        Symptom ids from ``rules.stop_rules`` (``peripheralisation``, ``numbness``, ...).
    rules : Rules
    pain_limit : int, optional
        Override of ``rules.pain.limit`` (the ``pain_limit`` setting).

    Returns
    -------
    StopDecision
        The most serious action any rule gives; ``continue`` when nothing triggers.
    """
    for name, value in (("pain_now", pain_now), ("baseline_pain", baseline_pain)):
        if value is not None and (isinstance(value, bool) or not 0 <= value <= 10):
            raise InvalidInput(f"{name}: expected 0-10, got {value!r}")
    known = {r.symptom for r in rules.stop_rules}
    unknown = set(symptoms) - known
    if unknown:
        raise InvalidInput(
            f"symptoms: unknown {sorted(unknown)}; allowed: {', '.join(sorted(known))}"
        )
    base_limit = rules.pain.limit if pain_limit is None else pain_limit
    limit = effective_pain_limit(base_limit, baseline_pain)
    action = StopAction.CONTINUE
    seek: Tier | None = None
    reasons: list[str] = []
    sources: list[str] = []

    def apply(new: StopAction, reason: str, cited: tuple[str, ...], care: Tier | None) -> None:
        nonlocal action, seek
        if new.severity > action.severity:
            action = new
        if care is not None and (seek is None or care.severity > seek.severity):
            seek = care
        reasons.append(reason)
        sources.extend(t for t in cited if t not in sources)

    for rule in rules.stop_rules:
        if rule.symptom in symptoms:
            apply(rule.action, rule.reason, rule.sources, rule.seek_care)

    centralising = "centralisation" in symptoms
    if pain_now is not None:
        if pain_now > limit:
            apply(
                StopAction.STOP_EXERCISE,
                f"Pain {pain_now}/10 is above the limit of {limit}/10: stop this exercise.",
                rules.pain.sources,
                None,
            )
        elif (
            baseline_pain is not None
            and pain_now - baseline_pain >= rules.pain.rise_to_regress
            and not centralising
        ):
            apply(
                StopAction.REGRESS,
                f"Pain rose from {baseline_pain} to {pain_now}/10: switch to an easier version.",
                rules.pain.sources,
                None,
            )
    if not reasons and limit > base_limit:
        reasons.append(
            f"Your pain started at {limit}/10, above the usual limit of {base_limit}/10: keep "
            f"every movement gentle, and stop if pain rises above {limit}/10."
        )
        sources.extend(t for t in rules.pain.sources if t not in sources)
    if not reasons:
        reasons.append("No warning signs: carry on, and tell us if anything changes.")
    back = action is StopAction.STOP_EXERCISE and bool(PERIPHERAL_SYMPTOMS & set(symptoms))
    return StopDecision(action, tuple(reasons), seek, tuple(sources), back_to_tolerated=back)
