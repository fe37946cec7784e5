"""Exercise definitions as frozen dataclasses (loaded and validated by ``spinecoach.content``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from spinecoach.domain.i18n import _


class Category(StrEnum):
    """What kind of work an exercise is."""

    MOBILITY = "mobility"
    STATIC_STRETCH = "static_stretch"
    PNF = "pnf"
    ISOMETRIC = "isometric"
    FUNCTIONAL = "functional"


class Position(StrEnum):
    """Starting position."""

    SUPINE = "supine"
    PRONE = "prone"
    QUADRUPED = "quadruped"
    SEATED = "seated"
    STANDING = "standing"
    KNEELING = "kneeling"
    SIDE_LYING = "side_lying"


class Direction(StrEnum):
    """Main spinal movement direction (for directional preference)."""

    FLEXION = "flexion"
    EXTENSION = "extension"
    LATERAL = "lateral"
    ROTATION = "rotation"
    NEUTRAL = "neutral"


class Breath(StrEnum):
    """Breath instruction for one phase."""

    INHALE = "inhale"
    EXHALE = "exhale"
    HOLD = "hold"
    NATURAL = "natural"


class SignatureMode(StrEnum):
    """Whether the primary angle is held or moved repeatedly."""

    HOLD = "hold"
    REPETITIVE = "repetitive"


class View(StrEnum):
    """Camera view an exercise needs."""

    FRONT = "front"
    SIDE = "side"
    ANY = "any"


class ExcursionDirection(StrEnum):
    """Which sign of the primary angle counts as the movement."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    BOTH = "both"


class Section(StrEnum):
    """Where an exercise sits in a daily routine (in this order)."""

    WARM_UP = "warm_up"
    STRETCH = "stretch"
    STABILITY = "stability"
    INTEGRATION = "integration"


@dataclass(frozen=True)
class TempoPhase:
    """One phase of a repetition: its name, length in seconds and breath."""

    name: str
    seconds: float
    breath: Breath = Breath.NATURAL
    cue: str = ""


@dataclass(frozen=True)
class PnfDose:
    """Contract-relax timings: stretch, gentle contraction, relax, deeper stretch (seconds)."""

    stretch_s: float
    contract_s: float
    contract_effort_pct: int
    relax_s: float
    deeper_stretch_s: float

    @property
    def cycle_s(self) -> float:
        """Length of one contract-relax cycle in seconds."""
        return self.stretch_s + self.contract_s + self.relax_s + self.deeper_stretch_s


@dataclass(frozen=True)
class Dose:
    """How much of an exercise: repetitions, sets, holds, rests, tempo and breath.

    ``hold_s`` is the hold per repetition for hold-type exercises (``None`` otherwise).
    ``tempo`` lists the phases of one repetition; an empty tempo means the hold alone.
    ``unit`` says how the dose is shown: ``reps``, or ``minutes`` for activities such as
    walking, where the repetitions are only breath cycles that pace the time.
    """

    reps: int
    sets: int = 1
    hold_s: float | None = None
    rest_s: float = 0.0
    tempo: tuple[TempoPhase, ...] = ()
    pnf: PnfDose | None = None
    per_side: bool = False
    sources: tuple[str, ...] = ()
    unit: str = "reps"  # "reps" | "minutes" (walking: a time, not a count)

    @property
    def rep_s(self) -> float:
        """Seconds one repetition takes (tempo phases plus hold, or one PNF cycle)."""
        if self.pnf is not None:
            return self.pnf.cycle_s
        return sum(p.seconds for p in self.tempo) + (self.hold_s or 0.0)

    @property
    def duration_s(self) -> float:
        """Estimated seconds for the whole dose including rests and both sides."""
        sides = 2 if self.per_side else 1
        per_set = self.reps * self.rep_s + max(self.reps - 1, 0) * self.rest_s
        between_sets = max(self.sets - 1, 0) * max(self.rest_s, 10.0)
        return sides * (self.sets * per_set + between_sets)

    def with_changes(self, **changes: object) -> Dose:
        """Return a copy with the given fields replaced."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SensorSignature:
    """What motion analysis measures for this exercise.

    Attributes
    ----------
    primary_angle : str
        Camera measure name (e.g. ``trunk_lateral_flexion_deg``) from ``spinecoach.motion``.
    imu_angle : str or None
        IMU measure name (e.g. ``lumbar_flexion_deg``), when a back-worn sensor sees it.
    mode : SignatureMode
        ``hold`` or ``repetitive``.
    view : View
        Camera view the primary angle needs.
    target_range_deg : tuple of float
        (low, high) excursion of the primary angle from the start position, in degrees,
        that counts as in the target zone.
    direction : ExcursionDirection
        Which sign of excursion is the movement (``both`` for side-to-side work).
    min_excursion_deg : float
        Smallest excursion that counts as a repetition or a held position.
    imu_range_deg : tuple of float, optional
        The target zone on the ``imu_angle`` (an IMU measures the lumbar spine, whose
        excursions are smaller than the camera's trunk angles); ``target_range_deg`` when
        not given. Each source analyses its own measure in its own zone.
    cycle : bool
        With direction ``both``: one repetition is a cycle through both directions (cat
        *and* cow, a posterior *and* an anterior pelvic tilt). The excursions on the side the
        person moves to first are counted; the return excursions complete the cycle.
        Without it, every excursion counts (a side bend to each side).
    """

    primary_angle: str
    mode: SignatureMode
    view: View
    target_range_deg: tuple[float, float]
    direction: ExcursionDirection = ExcursionDirection.POSITIVE
    min_excursion_deg: float = 10.0
    imu_angle: str | None = None
    cycle: bool = False
    secondary_angles: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    imu_range_deg: tuple[float, float] | None = None

    def zone_for(self, measure: str | None) -> tuple[float, float]:
        """The target zone of ``measure`` (the IMU's own zone on ``imu_angle``)."""
        if measure is not None and measure == self.imu_angle and self.imu_range_deg is not None:
            return self.imu_range_deg
        return self.target_range_deg


@dataclass(frozen=True)
class Contraindication:
    """A condition under which the exercise is avoided (``avoid``) or done carefully."""

    condition: str
    level: str  # "avoid" | "caution"
    note: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommonError:
    """A typical mistake: its code (matched to motion form flags), description and cue."""

    code: str
    description: str
    cue: str


Angles = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Demonstration:
    """Keyframe poses that show an exercise, timed by its dose (``[demonstration]`` table).

    Poses are joint angles in degrees for the pose builder
    (:mod:`spinecoach.motion.pose_builder`): ``base`` names a starting posture, ``start``
    adjusts it, and ``phases`` gives the pose reached at the end of each of the dose's tempo
    phases (by phase name) as changes to the start pose, or the name of another phase whose
    pose it repeats. A phase not listed keeps the previous pose, except the last phase, which
    returns to the start. A dose's ``hold_s`` is held after the first half of the phases.

    Attributes
    ----------
    base : str
        Base posture (``standing``, ``seated``, ``supine``, ``crook_lying``, ``prone``,
        ``quadruped``, ``kneeling``, ``half_kneeling``, ``side_lying``).
    start : tuple of (str, float)
        Joint angles changed from the base for the start position.
    phases : tuple of (str, Angles or str)
        Phase name -> joint angles changed from the start, or another phase's name.
    anchor : str
        Keypoint that stays put on the floor plan (``mid_hip``, ``left_knee``, ...).
    view : str
        View it is drawn from by default (``side`` or ``front``).
    side : str
        Side the poses show (``right``/``left``); per-side doses are mirrored for the other.
    """

    base: str
    start: Angles = ()
    phases: tuple[tuple[str, Angles | str], ...] = ()
    anchor: str = "mid_hip"
    view: str = "side"
    side: str = "right"


@dataclass(frozen=True)
class Exercise:
    """One exercise of the library, as reviewed in its data file."""

    id: str
    name: str
    summary: str
    steps: tuple[str, ...]
    target_tissues: tuple[str, ...]
    category: Category
    position: Position
    direction: Direction
    level: int
    dose: Dose
    signature: SensorSignature
    section: Section
    progressions: tuple[str, ...] = ()
    regressions: tuple[str, ...] = ()
    contraindications: tuple[Contraindication, ...] = ()
    cues: tuple[str, ...] = ()
    common_errors: tuple[CommonError, ...] = ()
    goals: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str = ""
    demonstration: Demonstration | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    #: Where the exercise may appear when not in every routine: ``desk_break`` (the desk
    #: breaks' pool) and/or ``posture_finding`` (added when a posture check finds a reason).
    #: Empty: the planner may choose it for any routine.
    only_in: tuple[str, ...] = ()
    #: What the person needs to do it (``mat``, ``chair``, ``towel``, ``foam_roller``,
    #: ``band``); the plan leaves it out when they said they have not got one of these.
    equipment: tuple[str, ...] = ()

    def avoid_for(self, conditions: frozenset[str]) -> list[Contraindication]:
        """Return the ``avoid`` contraindications that match any of ``conditions``."""
        return [
            c for c in self.contraindications if c.level == "avoid" and c.condition in conditions
        ]

    def cautions_for(self, conditions: frozenset[str]) -> list[Contraindication]:
        """Return the ``caution`` entries that match any of ``conditions``."""
        return [
            c for c in self.contraindications if c.level == "caution" and c.condition in conditions
        ]


@dataclass(frozen=True)
class ExerciseLibrary:
    """All exercises by id, plus the known clinical source tags."""

    exercises: dict[str, Exercise]
    source_tags: frozenset[str] = frozenset()

    def get(self, exercise_id: str) -> Exercise:
        """Return the exercise ``exercise_id`` or raise :class:`UnknownExercise`."""
        from spinecoach.errors import UnknownExercise

        try:
            return self.exercises[exercise_id]
        except KeyError:
            known = ", ".join(sorted(self.exercises)[:8])
            raise UnknownExercise(
                _(
                    "Unknown exercise '{exercise_id}'. Known ids include: "
                    "{known}, ... (see `spinecoach exercises list`)"
                ).format(exercise_id=exercise_id, known=known)
            ) from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.exercises.values(), key=lambda e: e.id))

    def __len__(self) -> int:
        return len(self.exercises)

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises
