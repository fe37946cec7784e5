"""Intake: the person's profile and the scoring of the questionnaires they supply.

Only scoring formulas are implemented; no questionnaire item text is shipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidInput

#: Aggravating activities and the movement intolerance they suggest [LONG][MAY18].
FLEXION_AGGRAVATORS = frozenset({"sitting", "bending", "lifting", "getting_up", "driving"})
EXTENSION_AGGRAVATORS = frozenset({"standing", "arching", "walking", "lying_prone", "reaching_up"})
KNOWN_AGGRAVATORS = FLEXION_AGGRAVATORS | EXTENSION_AGGRAVATORS | {"twisting", "none"}
KNOWN_CONDITIONS = frozenset(
    {
        "osteoporosis",
        "pregnancy",
        "recent_surgery",
        "disc_degeneration",
        "hypermobility",
        "knee_problems",
        "wrist_problems",
        "balance_problems",
        "spinal_stenosis",
        "spondylolisthesis",
    }
)
#: Keys the intake derives from the answers (matched by exercise contraindications too).
DERIVED_CONDITIONS = frozenset(
    {
        "flexion_intolerant",
        "extension_intolerant",
        "acute",
        "leg_symptoms_below_knee",
        "pregnancy_after_first_trimester",
        "early_after_surgery",
        "spondylolisthesis_young_athlete",
        "high_pain",
        "older_adult",
        # equipment the person said they have not got (``without_equipment``)
        "without_mat",
        "without_chair",
        "without_towel",
        "without_foam_roller",
        "without_band",
    }
)
#: First trimester ends at 13 weeks; after it long spells lying on the back are avoided
#: [ACOG804].
FIRST_TRIMESTER_WEEKS = 13
#: Spinal surgery within this many weeks counts as recent (programmes start 4-6 weeks after
#: disc surgery [OOST14]); within ``EARLY_SURGERY_WEEKS`` walking is the whole base.
RECENT_SURGERY_WEEKS = 12
EARLY_SURGERY_WEEKS = 6
#: Age from which a person is treated as an older adult (longer holds [ACSMB]).
OLDER_ADULT_AGE = 65
KNOWN_GOALS = frozenset(
    {
        "pain_relief",
        "flexibility",
        "core_strength",
        "desk_relief",
        "return_to_activity",
        "posture",
        "relaxation",
    }
)


class DurationClass(StrEnum):
    """Episode duration: acute < 6 weeks, subacute 6-12, chronic > 12 [NG59]."""

    ACUTE = "acute"
    SUBACUTE = "subacute"
    CHRONIC = "chronic"


class Risk(StrEnum):
    """STarT Back style risk group [KEELE]."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class LegSymptoms(StrEnum):
    """How far leg symptoms reach."""

    NONE = "none"
    ABOVE_KNEE = "above_knee"
    BELOW_KNEE = "below_knee"


@dataclass(frozen=True)
class RmdqScore:
    """Roland-Morris Disability Questionnaire score (ticks 0-24) [SS]."""

    score: int
    n_items: int = 24


@dataclass(frozen=True)
class StartBackScore:
    """STarT Back total (0-9), psychosocial subscale (items 5-9, 0-5) and risk [KEELE][PP]."""

    total: int
    psychosocial: int
    risk: Risk


def score_rmdq(answers: list[bool]) -> RmdqScore:
    """Score RMDQ answers: one tick (``True``) per statement that is true today.

    Parameters
    ----------
    answers : list of bool, length 24 (or 18 / 11 for the short versions [MAC])
    """
    if len(answers) not in (24, 18, 11):
        raise InvalidInput(
            _("rmdq: expected 24 (or 18/11) answers, got {n_answers}").format(
                n_answers=len(answers)
            )
        )
    if not all(isinstance(a, bool) for a in answers):
        raise InvalidInput(_("rmdq: every answer must be true or false"))
    return RmdqScore(score=sum(answers), n_items=len(answers))


def score_start_back(agree: list[bool], bothersomeness: int) -> StartBackScore:
    """Score supplied STarT Back answers (item text is not shipped).

    Parameters
    ----------
    agree : list of bool, length 8
        Items 1-8 (agree = ``True``), in the tool's order.
    bothersomeness : int
        Item 9 on its 5-point scale, 1 (not at all) .. 5 (extremely); positive at 4-5.

    Returns
    -------
    StartBackScore
        Total <= 3 low; total >= 4 and subscale <= 3 medium; subscale >= 4 high [KEELE][PP].
    """
    if len(agree) != 8 or not all(isinstance(a, bool) for a in agree):
        raise InvalidInput(
            _("start_back.agree: expected 8 true/false answers, got {agree}").format(
                agree=repr(agree)
            )
        )
    if not isinstance(bothersomeness, int) or not 1 <= bothersomeness <= 5:
        raise InvalidInput(
            _("start_back.bothersomeness: expected an integer 1-5, got {bothersomeness}").format(
                bothersomeness=repr(bothersomeness)
            )
        )
    item9 = bothersomeness >= 4
    total = sum(agree) + int(item9)
    psychosocial = sum(agree[4:8]) + int(item9)
    if total <= 3:
        risk = Risk.LOW
    elif psychosocial <= 3:
        risk = Risk.MEDIUM
    else:
        risk = Risk.HIGH
    return StartBackScore(total=total, psychosocial=psychosocial, risk=risk)


#: Equipment the intake asks about (exercise files name what they need from this list).
EQUIPMENT: tuple[str, ...] = ("mat", "chair", "towel", "foam_roller", "band")
#: Plain words for each piece of equipment, as the intake asks it.
EQUIPMENT_LABELS: dict[str, str] = {
    "mat": N_("an exercise mat"),
    "chair": N_("a firm chair"),
    "towel": N_("a towel or strap"),
    "foam_roller": N_("a foam roller"),
    "band": N_("a resistance band"),
}


def without_equipment(item: str) -> str:
    """The planning-condition key meaning the person has not got ``item``."""
    return f"without_{item}"


@dataclass(frozen=True)
class Profile:
    """Everything the planner needs to know about the person (validated by ``make_profile``)."""

    pain_now: int
    pain_average: int
    duration_weeks: float
    aggravators: frozenset[str] = frozenset()
    leg_symptoms: LegSymptoms = LegSymptoms.NONE
    age: int = 40
    activity_level: str = "moderate"  # low | moderate | high
    desk_hours: float = 0.0
    goals: frozenset[str] = frozenset({"pain_relief"})
    minutes_per_day: int = 8
    conditions: frozenset[str] = frozenset()
    rmdq: RmdqScore | None = None
    start_back: StartBackScore | None = None
    name: str = ""
    pregnancy_weeks: int | None = None
    weeks_since_surgery: float | None = None
    #: Equipment the person has (None: not asked, every exercise may be chosen).
    equipment: frozenset[str] | None = None

    @property
    def duration_class(self) -> DurationClass:
        """Acute (< 6 weeks), subacute (6-12) or chronic (> 12 weeks)."""
        if self.duration_weeks < 6:
            return DurationClass.ACUTE
        if self.duration_weeks <= 12:
            return DurationClass.SUBACUTE
        return DurationClass.CHRONIC

    @property
    def flexion_intolerant(self) -> bool:
        """Sitting/bending aggravate (and standing/arching do not dominate) [LONG][MAY18]."""
        flex = len(self.aggravators & FLEXION_AGGRAVATORS)
        ext = len(self.aggravators & EXTENSION_AGGRAVATORS)
        return flex > 0 and flex >= ext

    @property
    def extension_intolerant(self) -> bool:
        """Standing/arching aggravate more than sitting/bending [LONG][MAY18]."""
        flex = len(self.aggravators & FLEXION_AGGRAVATORS)
        ext = len(self.aggravators & EXTENSION_AGGRAVATORS)
        return ext > 0 and ext > flex

    @property
    def directional_preference(self) -> str:
        """``extension`` if flexion-intolerant, ``flexion`` for the reverse, else ``none``.

        Lumbar spinal stenosis leans towards flexion (symptoms usually ease bending forward)
        [NASSLSS], whatever the aggravators say, unless sitting/bending aggravate.
        """
        if self.flexion_intolerant:
            return "extension"
        if self.extension_intolerant or "spinal_stenosis" in self.conditions:
            return "flexion"
        return "none"

    @property
    def surgery_recent(self) -> bool:
        """Spinal surgery listed as recent, or within ``RECENT_SURGERY_WEEKS`` weeks."""
        if self.weeks_since_surgery is not None:
            return self.weeks_since_surgery <= RECENT_SURGERY_WEEKS
        return "recent_surgery" in self.conditions

    @property
    def walking_is_base(self) -> bool:
        """Whether walking is the cornerstone of the routine, included even at level 1.

        After spinal surgery (early walking [OOST14]), with lumbar spinal stenosis (walking
        tolerance [NASSLSS]), in an acute episode (stay active [NG59][APX]), with osteoporosis
        (part of a multicomponent programme [TFTF]) and in pregnancy [ACOG804].
        """
        return bool(
            self.surgery_recent
            or self.duration_class == DurationClass.ACUTE
            or {"spinal_stenosis", "osteoporosis", "pregnancy"} & self.conditions
        )

    @property
    def high_pain(self) -> bool:
        """Pain 7 or more now: the routine keeps to positions of relief and gentle movement."""
        return self.pain_now >= 7

    @property
    def risk(self) -> Risk:
        """STarT Back risk when answered; otherwise a cautious estimate from pain and duration."""
        if self.start_back is not None:
            return self.start_back.risk
        if self.pain_average >= 7 or (self.rmdq is not None and self.rmdq.score >= 14):
            return Risk.HIGH
        if self.pain_average >= 4 or self.leg_symptoms != LegSymptoms.NONE:
            return Risk.MEDIUM
        return Risk.LOW

    @property
    def planning_conditions(self) -> frozenset[str]:
        """Conditions plus derived keys the exercise contraindications use."""
        derived = set(self.conditions)
        if self.equipment is not None:  # what they have not got leaves exercises out
            derived |= {without_equipment(e) for e in EQUIPMENT if e not in self.equipment}
        if self.flexion_intolerant:
            derived.add("flexion_intolerant")
        if self.extension_intolerant:
            derived.add("extension_intolerant")
        if self.duration_class == DurationClass.ACUTE:
            derived.add("acute")
        if self.leg_symptoms == LegSymptoms.BELOW_KNEE:
            derived.add("leg_symptoms_below_knee")
        if "pregnancy" in derived and (
            self.pregnancy_weeks is None or self.pregnancy_weeks >= FIRST_TRIMESTER_WEEKS
        ):
            # unknown weeks are treated as after the first trimester (the cautious choice)
            derived.add("pregnancy_after_first_trimester")
        if self.surgery_recent:
            derived.add("recent_surgery")
        else:
            derived.discard("recent_surgery")
        if self.weeks_since_surgery is not None and self.weeks_since_surgery < EARLY_SURGERY_WEEKS:
            derived.add("early_after_surgery")
        if "spondylolisthesis" in derived and self.age < 20 and self.activity_level == "high":
            derived.add("spondylolisthesis_young_athlete")
        if "spinal_stenosis" in derived:
            derived.add("extension_intolerant")
        if self.high_pain:
            derived.add("high_pain")
        if self.age >= OLDER_ADULT_AGE:
            derived.add("older_adult")
        return frozenset(derived)

    @property
    def start_level(self) -> int:
        """Phase level to start at: 1 stability, 2 controlled mobility, 3 dynamic."""
        if (
            self.duration_class == DurationClass.ACUTE
            or self.pain_now >= 7
            or self.risk == Risk.HIGH
            or self.leg_symptoms == LegSymptoms.BELOW_KNEE
            or self.surgery_recent
            or {"osteoporosis", "pregnancy", "spinal_stenosis"} & self.conditions
        ):
            return 1
        if "spondylolisthesis" in self.conditions:
            return 2  # specific stabilising work first [OSUL97]
        if self.pain_average <= 3 and self.activity_level == "high" and self.risk == Risk.LOW:
            return 3
        return 2


def _int_in(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidInput(
            _("{name}: expected a number from {low} to {high}, got {value}").format(
                name=name, low=low, high=high, value=repr(value)
            )
        )
    if isinstance(value, float) and not value.is_integer():
        raise InvalidInput(
            _("{name}: expected a whole number, got {value}").format(name=name, value=repr(value))
        )
    return int(value)


def _subset(name: str, values: object, known: frozenset[str]) -> frozenset[str]:
    if values is None:
        return frozenset()
    if not isinstance(values, list | tuple | set | frozenset) or not all(
        isinstance(v, str) for v in values
    ):
        raise InvalidInput(
            _("{name}: expected a list of names, got {values}").format(
                name=name, values=repr(values)
            )
        )
    unknown = set(values) - known
    if unknown:
        raise InvalidInput(
            _("{name}: unknown value(s) {unknown}; allowed: {known}").format(
                name=name, unknown=sorted(unknown), known=", ".join(sorted(known))
            )
        )
    return frozenset(values) - {"none"}


def make_profile(answers: dict[str, object]) -> Profile:
    """Validate intake answers (the documented profile format) and build a :class:`Profile`.

    Raises
    ------
    InvalidInput
        Naming the field and what is wrong.
    """
    if not isinstance(answers, dict):
        raise InvalidInput(_("profile: expected a JSON object of intake answers"))
    known_keys = {
        "name", "pain_now", "pain_average", "duration_weeks", "aggravators", "leg_symptoms",
        "age", "activity_level", "desk_hours", "goals", "minutes_per_day", "conditions",
        "rmdq", "start_back", "pregnancy_weeks", "weeks_since_surgery", "equipment",
    }  # fmt: skip
    unknown = set(answers) - known_keys
    if unknown:
        raise InvalidInput(_("profile: unknown field(s) {unknown}").format(unknown=sorted(unknown)))
    for required in ("pain_now", "duration_weeks"):
        if required not in answers:
            raise InvalidInput(_("{required}: missing (required)").format(required=required))
    pain_now = _int_in("pain_now", answers["pain_now"], 0, 10)
    pain_average = _int_in("pain_average", answers.get("pain_average", pain_now), 0, 10)
    weeks = answers["duration_weeks"]
    if isinstance(weeks, bool) or not isinstance(weeks, int | float) or not 0 <= weeks <= 5200:
        raise InvalidInput(
            _("duration_weeks: expected a number of weeks >= 0, got {weeks}").format(
                weeks=repr(weeks)
            )
        )
    leg = answers.get("leg_symptoms", "none")
    try:
        leg_symptoms = LegSymptoms(str(leg))
    except ValueError:
        raise InvalidInput(
            _("leg_symptoms: expected one of none, above_knee, below_knee, got {leg}").format(
                leg=repr(leg)
            )
        ) from None
    activity = answers.get("activity_level", "moderate")
    if activity not in ("low", "moderate", "high"):
        raise InvalidInput(
            _("activity_level: expected low, moderate or high, got {activity}").format(
                activity=repr(activity)
            )
        )
    desk = answers.get("desk_hours", 0)
    if isinstance(desk, bool) or not isinstance(desk, int | float) or not 0 <= desk <= 24:
        raise InvalidInput(_("desk_hours: expected 0-24, got {desk}").format(desk=repr(desk)))
    rmdq = None
    if answers.get("rmdq") is not None:
        raw = answers["rmdq"]
        if not isinstance(raw, list):
            raise InvalidInput(_("rmdq: expected a list of 24 true/false answers"))
        rmdq = score_rmdq(list(raw))
    start_back = None
    if answers.get("start_back") is not None:
        sb = answers["start_back"]
        if not isinstance(sb, dict) or "agree" not in sb or "bothersomeness" not in sb:
            raise InvalidInput(
                _('start_back: expected {"agree": [8 true/false], "bothersomeness": 1-5}')
            )
        start_back = score_start_back(list(sb["agree"]), sb["bothersomeness"])  # type: ignore[arg-type]
    goals = _subset("goals", answers.get("goals", ["pain_relief"]), KNOWN_GOALS)
    conditions = _subset("conditions", answers.get("conditions"), KNOWN_CONDITIONS)
    pregnancy_weeks = None
    if answers.get("pregnancy_weeks") is not None:
        pregnancy_weeks = _int_in("pregnancy_weeks", answers["pregnancy_weeks"], 0, 42)
        conditions |= {"pregnancy"}
    surgery_weeks = answers.get("weeks_since_surgery")
    if surgery_weeks is not None and (
        isinstance(surgery_weeks, bool)
        or not isinstance(surgery_weeks, int | float)
        or not 0 <= surgery_weeks <= 5200
    ):
        raise InvalidInput(
            _("weeks_since_surgery: expected a number of weeks >= 0, got {surgery_weeks}").format(
                surgery_weeks=repr(surgery_weeks)
            )
        )
    equipment = None
    if answers.get("equipment") is not None:
        equipment = _subset("equipment", answers["equipment"], frozenset(EQUIPMENT))
    return Profile(
        name=str(answers.get("name", "")),
        pain_now=pain_now,
        pain_average=pain_average,
        duration_weeks=float(weeks),
        aggravators=_subset("aggravators", answers.get("aggravators"), KNOWN_AGGRAVATORS),
        leg_symptoms=leg_symptoms,
        age=_int_in("age", answers.get("age", 40), 16, 110),
        activity_level=str(activity),
        desk_hours=float(desk),
        goals=goals or frozenset({"pain_relief"}),
        minutes_per_day=_int_in("minutes_per_day", answers.get("minutes_per_day", 8), 5, 15),
        conditions=conditions,
        rmdq=rmdq,
        start_back=start_back,
        pregnancy_weeks=pregnancy_weeks,
        weeks_since_surgery=None if surgery_weeks is None else float(surgery_weeks),
        equipment=equipment,
    )


def profile_to_dict(profile: Profile) -> dict[str, object]:
    """Serialise a profile to the documented answers format (round-trips via make_profile)."""
    out: dict[str, object] = {
        "name": profile.name,
        "pain_now": profile.pain_now,
        "pain_average": profile.pain_average,
        "duration_weeks": profile.duration_weeks,
        "aggravators": sorted(profile.aggravators),
        "leg_symptoms": profile.leg_symptoms.value,
        "age": profile.age,
        "activity_level": profile.activity_level,
        "desk_hours": profile.desk_hours,
        "goals": sorted(profile.goals),
        "minutes_per_day": profile.minutes_per_day,
        "conditions": sorted(profile.conditions),
    }
    if profile.pregnancy_weeks is not None:
        out["pregnancy_weeks"] = profile.pregnancy_weeks
    if profile.weeks_since_surgery is not None:
        out["weeks_since_surgery"] = profile.weeks_since_surgery
    if profile.equipment is not None:
        out["equipment"] = sorted(profile.equipment)
    return out
