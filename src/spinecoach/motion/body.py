"""Per-frame body geometry shared by the measures: gated points, mid points and body axes.

A :class:`Body` wraps keypoint arrays of any length (a whole recording, or one frame in the
streaming analyser) and computes, lazily and vectorised:

- gated points: NaN where a keypoint is missing or its confidence is below the threshold;
- derived mid points (``mid_hip``, ``mid_shoulder``, ``mid_ear``) where the source lacks them;
- the trunk line ``trunk_bottom -> trunk_top``: a source's own pelvis/chest markers (Vicon
  ``pelvis`` and ``chest``) are preferred to hip/shoulder mid points because shoulders move
  with the arms;
- the subject's axes: ``up``, ``right`` and ``forward`` unit vectors per frame.

Axes. In a world frame, ``up`` comes from the stated axes (``"... z up"``); ``right`` is the
horizontal part of the hip line (else the shoulder line), or the stated axes when they name the
subject's directions (Vicon: ``x forward, y left, z up``); ``forward = up x right``. In an
image frame (x right, y down), ``up = (0, -1)``; the subject's ``right`` is the image direction
in which the right hip/shoulder lie relative to the left ones (a front view), and ``forward``
is the direction from the ears to the nose (a side view). Depth (a third image coordinate) is
used only by the monocular trunk rotation (:mod:`spinecoach.motion.rotation`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from spinecoach.motion.types import BoolArray, FloatArray, FrameKind

#: Shoulder width / trunk length at or above which a 2D frame is a front (or back) view.
FRONT_VIEW_MIN_RATIO = 0.45
#: Shoulder width / trunk length at or below which a 2D frame is a side view.
SIDE_VIEW_MAX_RATIO = 0.30

#: Candidates for the trunk ends, in order of preference (first one the source has wins).
TRUNK_BOTTOM = ("pelvis", "mid_hip")
TRUNK_TOP = ("chest", "mid_shoulder")
HEAD = ("mid_ear", "head")

#: Derived points: name -> (left, right) keypoints averaged; ``mid_ear`` accepts one side.
DERIVED = {
    "mid_hip": ("left_hip", "right_hip"),
    "mid_shoulder": ("left_shoulder", "right_shoulder"),
    "mid_ear": ("left_ear", "right_ear"),
}
ONE_SIDE_ENOUGH = frozenset({"mid_ear"})

#: "x forward", "Y up", "z-up", "-z forward" (case ignored; a leading minus turns the axis).
_AXIS_WORD = re.compile(
    r"(?<![\w-])([+-]?)([xyz])[\s-]+(forward|backward|left|right|up|down)\b", re.IGNORECASE
)


@lru_cache(maxsize=64)
def stated_axes(axes: str) -> dict[str, tuple[float, float, float]]:
    """Parse an axes statement (``"x forward, y left, z up"``) into direction unit vectors.

    Returns a dict with whichever of ``up``, ``right`` and ``forward`` the text determines.
    Case is ignored (``Y up``), a hyphen may join the pair (``z-up``) and a leading minus
    turns the axis (``-z forward``). Words attached to other qualifiers (``sensor-left``) are
    ignored on purpose.
    """
    found: dict[str, tuple[float, float, float]] = {}
    opposite = {"backward": "forward", "left": "right", "down": "up"}
    for minus, letter, word in _AXIS_WORD.findall(axes):
        word = word.lower()
        vector = [0.0, 0.0, 0.0]
        vector["xyz".index(letter.lower())] = -1.0 if minus == "-" else 1.0
        if word in opposite:
            word = opposite[word]
            vector = [-v for v in vector]
        found[word] = (vector[0], vector[1], vector[2])
    return found


@lru_cache(maxsize=64)
def _name_index(names: tuple[str, ...]) -> dict[str, int]:
    return {name: k for k, name in enumerate(names)}


@lru_cache(maxsize=64)
def available_points(names: tuple[str, ...]) -> frozenset[str]:
    """Names a source provides plus the derived points it allows."""
    have = set(names)
    for derived, (left, right) in DERIVED.items():
        if left in have and right in have or derived in ONE_SIDE_ENOUGH and {left, right} & have:
            have.add(derived)
    return frozenset(have)


@lru_cache(maxsize=256)
def choose(names: tuple[str, ...], candidates: tuple[str, ...]) -> str | None:
    """First of ``candidates`` this keypoint set provides (directly or derived), else None."""
    have = available_points(names)
    return next((c for c in candidates if c in have), None)


def unit(vectors: FloatArray) -> FloatArray:
    """Normalise ``(n, d)`` vectors (NaN where the length is zero or NaN)."""
    length = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
    with np.errstate(invalid="ignore", divide="ignore"):
        return vectors / np.where(length > 0, length, np.nan)[:, None]


def dot(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise dot product of ``(n, d)`` arrays."""
    return np.add.reduce(a * b, axis=1)  # (a live frame is one row: the cheapest call)


@lru_cache(maxsize=64)
def _image_up(n_frames: int) -> FloatArray:
    """Image "up" (y grows downwards) for ``n_frames`` frames, read-only."""
    return np.broadcast_to(np.array([0.0, -1.0]), (n_frames, 2))


def _horizontal(sign: FloatArray) -> FloatArray:
    """``(n, 2)`` vectors ``(sign, 0)``, NaN where the sign is 0 (undetermined)."""
    result = np.zeros((sign.shape[0], 2))
    result[:, 0] = np.where(sign == 0, np.nan, sign)
    return result


def angle_between_deg(a: FloatArray, b: FloatArray) -> FloatArray:
    """Unsigned angle in degrees between rows of ``a`` and ``b`` (shape ``(n, d)``)."""
    cosine = dot(unit(a), unit(b))
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


class Body:
    """Gated keypoints and subject axes for ``n_frames`` frames (see the module docstring).

    Parameters
    ----------
    positions : ndarray, shape (n_frames, n_keypoints, n_dims)
    confidence : ndarray, shape (n_frames, n_keypoints)
    names : tuple of str
        Canonical keypoint names.
    kind : FrameKind
        Image or world frame.
    axes : str
        Axes statement of the coordinate frame.
    min_confidence : float
        Points below this confidence count as missing.
    """

    def __init__(
        self,
        positions: FloatArray,
        confidence: FloatArray,
        names: tuple[str, ...],
        kind: FrameKind,
        axes: str,
        min_confidence: float = 0.5,
    ) -> None:
        self.positions = positions
        self.confidence = confidence
        self.names = names
        self.kind = kind
        self.axes = axes
        self.min_confidence = min_confidence
        self.n_frames = positions.shape[0]
        self.is_3d = kind is FrameKind.WORLD
        self.has_depth = positions.shape[2] == 3
        self._index = _name_index(names)
        self._cache: dict[str, FloatArray] = {}
        self._points: dict[tuple[str, int], FloatArray] = {}
        self._gated: FloatArray | None = None

    # -- points -------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        """Whether ``name`` is provided or derivable for this keypoint set."""
        return name in available_points(self.names)

    def point(self, name: str, dims: int | None = None) -> FloatArray:
        """Gated positions of ``name``, shape ``(n_frames, dims)`` (NaN where not valid)."""
        n_dims = dims or (3 if self.is_3d else 2)
        key = (name, n_dims)
        cached = self._points.get(key)
        if cached is not None:
            return cached
        if name in self._index:
            result = self._gated_positions()[:, self._index[name], :n_dims]
        elif name in DERIVED:
            left, right = DERIVED[name]
            a = self.point(left, dims) if left in self._index else None
            b = self.point(right, dims) if right in self._index else None
            if a is not None and b is not None:
                result = (a + b) / 2.0
                if name in ONE_SIDE_ENOUGH:
                    result = np.where(np.isnan(a), b, np.where(np.isnan(b), a, result))
            elif name in ONE_SIDE_ENOUGH and (a is not None or b is not None):
                result = a if a is not None else b  # type: ignore[assignment]
            else:
                result = np.full((self.n_frames, n_dims), np.nan)
        else:
            result = np.full((self.n_frames, n_dims), np.nan)
        self._points[key] = result
        return result

    def _gated_positions(self) -> FloatArray:
        """Every keypoint's positions, NaN where its confidence is below the threshold."""
        gated = self._gated
        if gated is None:
            ok = self.confidence >= self.min_confidence
            gated = self._gated = np.where(ok[:, :, None], self.positions, np.nan)
        return gated

    def points(self, names: Sequence[str], dims: int | None = None) -> FloatArray:
        """:meth:`point` of several names at once, shape ``(len(names), n_frames, dims)``
        (one indexing when the keypoint set has them all: live sessions call this per
        frame)."""
        if all(name in self._index for name in names):
            index = [self._index[name] for name in names]
            n_dims = dims or (3 if self.is_3d else 2)
            return np.ascontiguousarray(
                self._gated_positions()[:, index, :n_dims].transpose(1, 0, 2)
            )
        return np.stack([self.point(name, dims) for name in names])

    def first_point(self, candidates: tuple[str, ...], dims: int | None = None) -> FloatArray:
        """Positions of the first candidate this keypoint set has (all NaN if none)."""
        name = choose(self.names, candidates)
        if name is None:
            return np.full((self.n_frames, dims or (3 if self.is_3d else 2)), np.nan)
        return self.point(name, dims)

    def trunk(self) -> FloatArray:
        """Trunk vector bottom -> top, shape ``(n_frames, 2 or 3)``."""
        return self.first_point(TRUNK_TOP) - self.first_point(TRUNK_BOTTOM)

    # -- axes ---------------------------------------------------------------------------
    def up(self) -> FloatArray:
        """Unit up vector per frame."""
        cached = self._cache.get("up")
        if cached is not None:
            return cached
        if not self.is_3d:
            result = _image_up(self.n_frames)
        else:
            stated = stated_axes(self.axes)
            vector = np.array(stated.get("up", (0.0, 0.0, 1.0)))
            result = np.broadcast_to(vector, (self.n_frames, 3))
        self._cache["up"] = result
        return result

    def right(self) -> FloatArray:
        """Unit vector to the subject's right per frame (horizontal)."""
        cached = self._cache.get("right")
        if cached is not None:
            return cached
        if not self.is_3d:
            result = _horizontal(np.sign(self._across(2)[:, 0]))
        else:
            stated = stated_axes(self.axes)
            across = self._across(3)
            if "right" in stated and np.isnan(across).all():
                result = np.broadcast_to(np.array(stated["right"]), (self.n_frames, 3))
            else:
                up = self.up()
                horizontal = across - dot(across, up)[:, None] * up
                result = unit(horizontal)
        self._cache["right"] = result
        return result

    def _across(self, dims: int) -> FloatArray:
        """Left -> right vector from hips, else shoulders (NaN where neither is valid)."""
        hips = self.point("right_hip", dims) - self.point("left_hip", dims)
        shoulders = self.point("right_shoulder", dims) - self.point("left_shoulder", dims)
        if not self.is_3d:
            both = hips + shoulders
            return np.where(np.isnan(both), np.where(np.isnan(hips), shoulders, hips), both)
        return np.where(np.isnan(hips), shoulders, hips)

    def forward(self) -> FloatArray:
        """Unit vector to the subject's front per frame."""
        cached = self._cache.get("forward")
        if cached is not None:
            return cached
        if not self.is_3d:
            facing = self.point("nose", 2)[:, 0] - self.first_point(HEAD, 2)[:, 0]
            result = _horizontal(np.sign(facing))
        else:
            stated = stated_axes(self.axes)
            right = self.right()
            if "forward" in stated and np.isnan(self._across(3)).all():
                result = np.broadcast_to(np.array(stated["forward"]), (self.n_frames, 3))
            else:
                result = np.cross(self.up(), right)
        self._cache["forward"] = result
        return result

    # -- view ---------------------------------------------------------------------------
    def width_ratio(self) -> FloatArray:
        """2D shoulder width / trunk length per frame (large: front view, small: side)."""
        cached = self._cache.get("width_ratio")
        if cached is not None:
            return cached
        shoulders = self.point("right_shoulder", 2) - self.point("left_shoulder", 2)
        trunk = self.first_point(TRUNK_TOP, 2) - self.first_point(TRUNK_BOTTOM, 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            result = np.sqrt(dot(shoulders, shoulders)) / np.sqrt(dot(trunk, trunk))
        self._cache["width_ratio"] = result
        return result

    def view_mask(self, view: str) -> BoolArray:
        """Frames whose 2D view supports a measure needing ``view`` (all True in 3D)."""
        if self.is_3d or view in ("any", "3d"):
            return np.ones(self.n_frames, dtype=bool)
        ratio = self.width_ratio()
        if view == "front":
            return ratio >= FRONT_VIEW_MIN_RATIO
        return ratio <= SIDE_VIEW_MAX_RATIO
