"""Which basic position a person is in (lying on the back or front, on all fours, kneeling,
seated, standing), from keypoints of one frame; and a gate that holds back counting until the
person is in an exercise's starting position.

Features, all along the body's ``up`` axis (image up for 2D, the stated vertical for 3D) and
in units of the trunk length, so they hold for any camera distance:

- trunk inclination from vertical: upright (< 40 degrees) or horizontal (> 55 degrees);
- horizontal: on all fours when hips and shoulders are both well above knees and wrists;
  lying on the side when one shoulder is above the other; otherwise lying, face up or down
  from the nose against the ears;
- upright: kneeling when a knee is near the floor (level with the ankles) well below the
  hips; standing when the ankles and knees are far below the hips; seated when the knees
  are not far below the hips (the thighs are near horizontal, foreshortened from the front)
  and the ankles not as far as a standing person's. Checked on KERAAL's seated recordings.

A back-worn IMU gives only the trunk's inclination: :func:`postures_from_inclination`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from spinecoach.domain.i18n import N_, _
from spinecoach.motion.body import Body
from spinecoach.motion.types import FloatArray, FrameKind

UPRIGHT_MAX_DEG = 40.0
HORIZONTAL_MIN_DEG = 50.0
#: Hip-to-ankle drop (trunk lengths) above which an upright person is standing: the legs
#: are about 1.7 trunk lengths long, a seated person's ankles about 0.8-1.1 below the hips.
STANDING_MIN_HIP_ANKLE = 1.35
#: Hip-to-knee drop (trunk lengths) below which the thighs are (foreshortened) horizontal:
#: seated seen from the side about 0, from the front about 0.45; standing about 0.9.
SEATED_MAX_HIP_KNEE = 0.65
#: Seconds the person must stay in the starting position before counting starts.
SETTLE_S = 1.0


class Posture(StrEnum):
    """A basic body position."""

    STANDING = "standing"
    SEATED = "seated"
    KNEELING = "kneeling"
    QUADRUPED = "quadruped"
    SUPINE = "supine"
    PRONE = "prone"
    SIDE_LYING = "side_lying"
    UNKNOWN = "unknown"


LYING = frozenset({Posture.SUPINE, Posture.PRONE, Posture.SIDE_LYING})
UPRIGHT = frozenset({Posture.STANDING, Posture.SEATED, Posture.KNEELING})

#: Postures that count as an exercise's starting position (by ``Exercise.position``).
ACCEPTED: dict[str, frozenset[Posture]] = {
    "supine": frozenset({Posture.SUPINE}),
    "prone": frozenset({Posture.PRONE}),
    "quadruped": frozenset({Posture.QUADRUPED}),
    "kneeling": frozenset({Posture.KNEELING, Posture.QUADRUPED}),
    "seated": frozenset({Posture.SEATED}),
    "standing": frozenset({Posture.STANDING}),
    "side_lying": LYING,
}

#: What to say to get someone into each starting position.
GET_INTO: dict[str, str] = {
    "supine": N_("Lie down on your back on the floor or a mat."),
    "prone": N_("Lie face down on the floor or a mat."),
    "quadruped": N_("Come onto your hands and knees."),
    "kneeling": N_("Kneel on the mat."),
    "seated": N_("Sit on a chair, feet flat on the floor."),
    "standing": N_("Stand up, feet hip-width apart."),
    "side_lying": N_("Lie on your side on the mat."),
}


#: Keypoints whose heights the classifier reads, in left/right pairs (the nose twice: a
#: pair's mean is then the nose itself).
_PAIRED = (
    "left_hip", "right_hip", "left_shoulder", "right_shoulder", "left_knee", "right_knee",
    "left_ankle", "right_ankle", "left_wrist", "right_wrist", "nose", "nose",
    "left_ear", "right_ear",
)  # fmt: skip
_HIP, _SHOULDER, _KNEE, _ANKLE, _WRIST, _NOSE, _EAR = range(7)


def _heights(body: Body) -> FloatArray:
    """Heights along up of the :data:`_PAIRED` keypoints, shape ``(7, 2, n_frames)``."""
    points = body.points(_PAIRED)
    heights = np.einsum("kij,ij->ki", points, body.up())
    return np.asarray(heights.reshape(len(_PAIRED) // 2, 2, body.n_frames))


def _pair_means(heights: FloatArray) -> FloatArray:
    """Mean height of each pair where at least one side is seen (NaN where neither is)."""
    count = np.sum(np.isfinite(heights), axis=1)
    total = np.nansum(heights, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(count > 0, total / count, np.nan))


def classify(body: Body) -> list[Posture]:
    """The posture of every frame of ``body`` (``UNKNOWN`` where the keypoints do not say)."""
    trunk = body.trunk()
    up = body.up()
    paired = _heights(body)
    with np.errstate(invalid="ignore", divide="ignore"):
        length = np.sqrt(np.einsum("ij,ij->i", trunk, trunk))
        incline = np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", trunk, up) / length, -1, 1)))
        mean = _pair_means(paired) / length
        low_knee = np.fmin(paired[_KNEE, 0], paired[_KNEE, 1]) / length
        low_ankle = np.fmin(paired[_ANKLE, 0], paired[_ANKLE, 1]) / length
        stacked = np.abs(paired[_SHOULDER, 0] - paired[_SHOULDER, 1]) / length
    rows = mean.T.tolist()
    extra = zip(low_knee.tolist(), low_ankle.tolist(), stacked.tolist(), strict=True)
    result: list[Posture] = []
    for incline_k, row, (knee_k, ankle_k, stacked_k) in zip(
        incline.tolist(), rows, extra, strict=True
    ):
        hip, shoulder, knee, ankle, wrist, nose, ear = row
        heights = _Heights(hip, shoulder, knee, ankle, wrist, nose, ear, knee_k, ankle_k, stacked_k)
        result.append(_one(incline_k, heights))
    return result


def _classify_frame(body: Body) -> tuple[Posture, float]:
    """:func:`classify` and :func:`inclination_deg` of a one-frame ``body``, in plain floats
    (the same arithmetic, without the cost of many tiny arrays: live sessions call this for
    every frame while they wait for the starting position)."""
    if body.n_frames != 1:
        return classify(body)[0], float(inclination_deg(body)[0])
    trunk_x, trunk_y, *trunk_z = body.trunk()[0].tolist()
    up_x, up_y, *up_z = body.up()[0].tolist()
    heights = [
        x * up_x + y * up_y + (rest[0] * up_z[0] if rest and up_z else 0.0)
        for x, y, *rest in body.points(_PAIRED)[:, 0, :].tolist()
    ]
    length = math.sqrt(
        trunk_x * trunk_x + trunk_y * trunk_y + (trunk_z[0] * trunk_z[0] if trunk_z else 0.0)
    )
    if not 0.0 < length < math.inf:  # no trunk (NaN) or a zero-length one: the arrays give NaN
        return Posture.UNKNOWN, math.nan
    along = trunk_x * up_x + trunk_y * up_y + (trunk_z[0] * up_z[0] if trunk_z and up_z else 0.0)
    # numpy's arccos and degrees, as the arrays use: the same last bit at a threshold
    incline = float(np.degrees(np.arccos(min(1.0, max(-1.0, along / length)))))
    if not math.isfinite(incline):
        return Posture.UNKNOWN, incline
    means = []
    for k in range(0, len(heights), 2):
        a, b = heights[k], heights[k + 1]
        seen = [v for v in (a, b) if math.isfinite(v)]
        means.append(sum(seen) / len(seen) / length if seen else math.nan)
    hip, shoulder, knee, ankle, wrist, nose, ear = means
    knees, ankles, shoulders = heights[4:6], heights[6:8], heights[2:4]
    row = _Heights(
        hip, shoulder, knee, ankle, wrist, nose, ear,
        _fmin(*knees) / length, _fmin(*ankles) / length,
        abs(shoulders[0] - shoulders[1]) / length,
    )  # fmt: skip
    return _one(incline, row), incline


def _fmin(a: float, b: float) -> float:
    """``np.fmin``: the smaller, ignoring one NaN."""
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return min(a, b)


@dataclass(frozen=True)
class _Heights:
    """Heights along up in trunk lengths (``stacked``: shoulder-to-shoulder height)."""

    hip: float
    shoulder: float
    knee: float
    ankle: float
    wrist: float
    nose: float
    ear: float
    low_knee: float
    low_ankle: float
    stacked: float


def _one(incline: float, h: _Heights) -> Posture:
    hip, shoulder, knee, ankle, wrist, nose, ear = (
        h.hip, h.shoulder, h.knee, h.ankle, h.wrist, h.nose, h.ear,
    )  # fmt: skip
    if not math.isfinite(incline):
        return Posture.UNKNOWN
    if incline >= HORIZONTAL_MIN_DEG:
        on_knees = math.isfinite(knee) and hip - knee > 0.5
        on_hands = math.isfinite(wrist) and shoulder - wrist > 0.5
        if on_knees and on_hands:
            return Posture.QUADRUPED
        if math.isfinite(h.stacked) and h.stacked > 0.4:
            return Posture.SIDE_LYING
        if math.isfinite(nose) and math.isfinite(ear) and abs(nose - ear) > 0.05:
            return Posture.SUPINE if nose > ear else Posture.PRONE
        return Posture.UNKNOWN
    if incline > UPRIGHT_MAX_DEG or not math.isfinite(hip):
        return Posture.UNKNOWN
    low_knee, low_ankle = h.low_knee, h.low_ankle
    if math.isfinite(low_knee) and math.isfinite(low_ankle):
        if hip - low_knee > 0.5 and abs(low_knee - low_ankle) < 0.3:
            return Posture.KNEELING
    if math.isfinite(ankle) and math.isfinite(knee):
        if hip - ankle > STANDING_MIN_HIP_ANKLE and hip - knee > SEATED_MAX_HIP_KNEE:
            return Posture.STANDING
        if hip - knee < SEATED_MAX_HIP_KNEE and hip - ankle < STANDING_MIN_HIP_ANKLE:
            return Posture.SEATED
    return Posture.UNKNOWN


def postures_from_inclination(inclination_deg: float) -> frozenset[Posture]:
    """Postures a back-worn sensor's trunk inclination (degrees from vertical) allows."""
    if abs(inclination_deg) <= UPRIGHT_MAX_DEG:
        return UPRIGHT
    if abs(inclination_deg) >= HORIZONTAL_MIN_DEG:
        return LYING | {Posture.QUADRUPED}
    return frozenset()


def inclination_deg(body: Body) -> FloatArray:
    """Trunk inclination from vertical per frame, degrees (NaN where not tracked)."""
    trunk = body.trunk()
    with np.errstate(invalid="ignore", divide="ignore"):
        length = np.sqrt(np.einsum("ij,ij->i", trunk, trunk))
        cosine = np.einsum("ij,ij->i", trunk, body.up()) / length
    return np.asarray(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


@dataclass
class PositionGate:
    """Holds back counting until the person has been in ``position`` for :data:`SETTLE_S`.

    Feed every keypoint frame to :meth:`update`; it returns True once (and from then on) the
    starting position has been held, and :attr:`cue` says how to get there meanwhile. A frame
    whose posture is not recognised (legs out of view) is judged by the trunk alone, as a
    back-worn sensor would be: upright trunk for seated/standing/kneeling work, horizontal for
    lying and all-fours work. A keypoint set without a trunk cannot be checked: the gate opens.
    """

    position: str
    kind: FrameKind = FrameKind.IMAGE
    axes: str = "x right, y down"
    min_confidence: float = 0.5
    ready: bool = False
    _since: float | None = None
    last: Posture = Posture.UNKNOWN
    in_position: bool = False

    @property
    def cue(self) -> str:
        """How to get into the starting position."""
        return _(GET_INTO.get(self.position, N_("Get into the starting position.")))

    def update(
        self,
        t_s: float,
        positions: FloatArray,
        confidence: FloatArray,
        names: Sequence[str],
    ) -> bool:
        """Take one frame; True once the person has settled in the starting position."""
        if self.ready:
            return True
        body = Body(
            positions[None],
            confidence[None],
            tuple(names),
            self.kind,
            self.axes,
            self.min_confidence,
        )
        if not (body.has("mid_hip") or body.has("pelvis")) or not (
            body.has("mid_shoulder") or body.has("chest")
        ):
            self.ready = True  # nothing to judge the position by
            return True
        accepted = ACCEPTED.get(self.position, frozenset())
        self.last, incline = _classify_frame(body)
        if self.last is Posture.UNKNOWN:
            self.in_position = bool(accepted & postures_from_inclination(incline))
        else:
            self.in_position = self.last in accepted
        if self.in_position:
            if self._since is None:
                self._since = t_s
            self.ready = t_s - self._since >= SETTLE_S
        else:
            self._since = None
        return self.ready
