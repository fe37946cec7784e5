"""Red-flag screening and in-session stop rules (CLINICAL.md §1), as pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from spinecoach.domain.emergency import emergency_words
from spinecoach.domain.i18n import _
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
    raise InvalidInput(
        _("answers.{question_id}: expected yes/no (or true/false), got {value}").format(
            question_id=question_id, value=repr(value)
        )
    )


def _quote(text: str) -> str:
    return f"\u201c{text}\u201d"


#: Screening questions that feed the inflammatory-pattern features [ASAS].
_INFLAMMATORY_FROM_QUESTIONS = {
    "gradual_onset": ("insidious_onset",),
    "better_with_exercise_not_rest": ("better_with_exercise", "not_better_with_rest"),
    "wakes_second_half_night": ("night_pain_eases_on_rising",),
}


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
        Loaded rules (questions, age, fragility and inflammatory rules, advice).
    age : int, optional
        Age in years. Unknown age is handled conservatively: a first episode or a minor fall
        with an unknown age counts as urgent, and the verdict is never clear.
    pain_months : float, optional
        How long the pain has lasted, for the inflammatory-pattern rule (else the
        ``pain_over_3_months`` answer).
    inflammatory_features : mapping, optional
        Answers to the inflammatory-pattern features (ids in ``rules.inflammatory``); the
        screening questions about morning stiffness, night waking and exercise add to them.

    Returns
    -------
    ScreeningResult
        Any emergency answer wins. An *unanswered* ("not sure") emergency or urgent
        question is never taken as "no": the verdict is then at least ``urgent`` (a
        clinician checks before exercise), with a reason quoting the question. Reasons are
        plain sentences that quote the questions, never internal ids.
    """
    known = {q.id for q in rules.red_flags}
    unknown = set(answers) - known
    if unknown:
        raise InvalidInput(
            _("answers: unknown question id(s) {unknown}").format(unknown=sorted(unknown))
        )
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

    values = {q.id: _answer(answers.get(q.id), q.id) for q in rules.red_flags}
    for question in rules.red_flags:
        value = values[question.id]
        if value is None:
            if question.asked or question.id in answers:
                unanswered.append(question.id)
            continue
        if value and question.tier != Tier.CLEAR:
            said_yes = _("Yes to {question}").format(question=_quote(_(question.text)))
            raise_to(question.tier, said_yes, question.sources)

    age_rule = rules.age_rule
    first = values.get(age_rule.question_id)
    if first and (age is None or age > age_rule.older_than or age < age_rule.younger_than):
        said = _("age not given") if age is None else _("age {age}").format(age=age)
        raise_to(
            age_rule.tier,
            _(
                "A first episode of back pain ({said}): new back pain over {older} or under "
                "{younger} needs a clinician's check."
            ).format(said=said, older=age_rule.older_than, younger=age_rule.younger_than),
            age_rule.sources,
        )

    fragility = rules.fragility_rule
    if fragility is not None and values.get(fragility.question_id):
        thin = values.get(fragility.thin_bones_id)
        if age is None or age > fragility.older_than or thin is not False:
            why = (
                _("your age was not given")
                if age is None
                else _("you are over {age}").format(age=fragility.older_than)
                if age > fragility.older_than
                else _("you have, or may have, thin bones")
            )
            raise_to(
                fragility.tier,
                _(
                    "The pain started after a minor fall or lift and {why}: a clinician should "
                    "check for a bone injury before you exercise."
                ).format(why=why),
                fragility.sources,
            )

    infl = rules.inflammatory
    features = {f: _answer((inflammatory_features or {}).get(f), f) for f in infl.features}
    for question_id, feature_ids in _INFLAMMATORY_FROM_QUESTIONS.items():
        if values.get(question_id):
            for feature in feature_ids:
                features[feature] = True
    long_pain = (
        pain_months > infl.min_months
        if pain_months is not None
        else bool(values.get("pain_over_3_months"))
    )
    if long_pain and age is not None and age < 40 and "onset_before_40" in features:
        features["onset_before_40"] = True
    present = [f for f, v in features.items() if v]
    if long_pain and len(present) >= infl.min_features:
        raise_to(
            infl.tier,
            _(
                "Your answers fit an inflammatory pattern of back pain ({present} of {total} "
                "features for over {months} months). This is not an emergency: ask your GP for "
                "a routine review (possibly with a rheumatologist); exercise is encouraged "
                "meanwhile."
            ).format(present=len(present), total=len(infl.features), months=infl.min_months),
            infl.sources,
        )

    missing = [
        q for q in rules.red_flags if q.id in unanswered and q.tier in (Tier.EMERGENCY, Tier.URGENT)
    ]
    if missing and tier.severity < Tier.URGENT.severity:
        raise_to(
            Tier.URGENT,
            _(
                "Not answered or not sure: {questions}. These cannot be assumed to be no: "
                "please have a clinician check before you exercise."
            ).format(questions="; ".join(_quote(_(q.text)) for q in missing)),
            tuple(t for q in missing for t in q.sources),
        )
    if tier == Tier.CLEAR and (unanswered or age is None):
        gaps = [_quote(_(rules.question(q).text)) for q in unanswered]
        if age is None:
            gaps.append(_("your age"))
        raise_to(Tier.ROUTINE, _("Not answered: {gaps}.").format(gaps="; ".join(gaps)), ())
    return ScreeningResult(
        tier=tier,
        reasons=tuple(reasons),
        advice=emergency_words(rules.tier_advice[tier]),
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
            raise InvalidInput(
                _("{name}: expected 0-10, got {value}").format(name=name, value=repr(value))
            )
    known = {r.symptom for r in rules.stop_rules}
    unknown = set(symptoms) - known
    if unknown:
        raise InvalidInput(
            _("symptoms: unknown {unknown}; allowed: {known}").format(
                unknown=sorted(unknown), known=", ".join(sorted(known))
            )
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
            apply(rule.action, emergency_words(rule.reason), rule.sources, rule.seek_care)

    centralising = "centralisation" in symptoms
    if pain_now is not None:
        if pain_now > limit:
            apply(
                StopAction.STOP_EXERCISE,
                _("Pain {pain}/10 is above the limit of {limit}/10: stop this exercise.").format(
                    pain=pain_now, limit=limit
                ),
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
                _("Pain rose from {before} to {pain}/10: switch to an easier version.").format(
                    before=baseline_pain, pain=pain_now
                ),
                rules.pain.sources,
                None,
            )
    if not reasons and limit > base_limit:
        reasons.append(
            _(
                "Your pain started at {limit}/10, above the usual limit of {base}/10: keep every "
                "movement gentle, and stop if pain rises above {limit}/10."
            ).format(limit=limit, base=base_limit)
        )
        sources.extend(t for t in rules.pain.sources if t not in sources)
    if not reasons:
        reasons.append(_("No warning signs: carry on, and tell us if anything changes."))
    back = action is StopAction.STOP_EXERCISE and bool(PERIPHERAL_SYMPTOMS & set(symptoms))
    return StopDecision(action, tuple(reasons), seek, tuple(sources), back_to_tolerated=back)
