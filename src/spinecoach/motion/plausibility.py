"""Plausibility gating of keypoint recordings: frames no human body could produce.

Keypoint files (Kinect, OpenPose, BlazePose, motion capture) carry glitches a live camera
path would have caught: a single frame of another skeleton, a hip line that flips ~50° and
back between two frames, a joint that jumps half a body length and returns. Such frames make
false repetitions (a 171° "trunk flexion"), so before measuring, :func:`gate_keypoints`
marks them invalid (confidence 0; positions are kept, the recording is never altered on
disk) and says how many and why:

1. **Left/right flips**: the shoulder or hip line turns faster than
   :attr:`PlausibilityCheck.max_line_turn_deg_per_s` since the last plausible frame. If
   swapping every left/right pair makes the frame agree with the last one, the labels were
   swapped and are swapped back; otherwise the frame is invalid. After
   ``reanchor_s`` of consecutive flipped frames the new orientation is accepted.
2. **Impossible jumps**: a keypoint further than ``max_jump_torso`` torso lengths from the
   running median of its neighbours (a spike out and back within ``median_window_s``).
3. **Bone lengths**: a bone (upper arm, forearm, thigh, shank, trunk side) longer than
   ``max_bone_ratio_2d`` times its median length in an image (a projection can only shorten
   it), or off by more than ``max_bone_change_3d`` in 3D.

A frame with more than ``max_bad_fraction`` of its visible keypoints implausible is
invalid as a whole.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from spinecoach.domain.i18n import N_, _
from spinecoach.motion.types import FloatArray, FrameKind, KeypointSeries

#: The checks' names as shown in the note (``counts`` keys -> words).
_CHECK_WORDS = {"flip": N_("flip"), "jump": N_("jump"), "bone_length": N_("bone length")}

BONES: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
)


@dataclass(frozen=True)
class PlausibilityCheck:
    """Thresholds of :func:`gate_keypoints` (see the module docstring)."""

    max_line_turn_deg_per_s: float = 600.0
    min_line_turn_deg: float = 30.0
    min_line_torso: float = 0.35
    reanchor_s: float = 0.5
    max_jump_torso: float = 0.6
    median_window_s: float = 0.25
    max_bone_ratio_2d: float = 1.8
    max_bone_change_3d: float = 0.35
    max_bad_fraction: float = 0.3
    min_confidence: float = 0.5


@dataclass(frozen=True)
class PlausibilityReport:
    """What :func:`gate_keypoints` set aside.

    Attributes
    ----------
    invalid_frames : tuple of int
        Frames set aside as a whole.
    swapped_frames : tuple of int
        Frames whose left/right labels were swapped back.
    counts : dict
        Implausible keypoint observations by reason: ``flip``, ``jump``, ``bone_length``.
    """

    invalid_frames: tuple[int, ...] = ()
    swapped_frames: tuple[int, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    n_frames: int = 0

    @property
    def changed(self) -> bool:
        """Whether anything was set aside or repaired."""
        return bool(self.invalid_frames or self.swapped_frames or any(self.counts.values()))

    def note(self) -> str | None:
        """One line for the user, or None when every frame was plausible."""
        if not self.changed:
            return None
        parts = []
        if self.invalid_frames:
            share = 100.0 * len(self.invalid_frames) / max(self.n_frames, 1)
            parts.append(
                _("{n} frames ({share}%) set aside").format(
                    n=len(self.invalid_frames), share=f"{share:.1f}"
                )
            )
        reasons = ", ".join(
            f"{n} {_(_CHECK_WORDS.get(k, k.replace('_', ' ')))}"
            for k, n in self.counts.items()
            if n
        )
        if reasons:
            parts.append(_("implausible keypoints: {reasons}").format(reasons=reasons))
        if self.swapped_frames:
            parts.append(
                _("left/right labels swapped back in {n} frames").format(n=len(self.swapped_frames))
            )
        return _("plausibility: {parts}").format(parts="; ".join(parts))

    def to_json(self) -> dict[str, object]:
        """JSON-ready summary (first 50 frame numbers)."""
        return {
            "n_invalid_frames": len(self.invalid_frames),
            "invalid_frames": list(self.invalid_frames[:50]),
            "n_swapped_frames": len(self.swapped_frames),
            "implausible_keypoints": dict(self.counts),
        }


def _pairs(names: tuple[str, ...]) -> list[tuple[int, int]]:
    out = []
    for i, name in enumerate(names):
        if name.startswith("left_"):
            other = "right_" + name[5:]
            if other in names:
                out.append((i, names.index(other)))
    return out


def _line_angle(a: FloatArray, b: FloatArray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0:
        return 0.0
    return float(np.degrees(np.arccos(np.clip(float(a @ b) / (na * nb), -1.0, 1.0))))


def _flip_pass(
    positions: FloatArray,
    planar: FloatArray,
    ok: np.ndarray,
    time_s: FloatArray,
    names: tuple[str, ...],
    check: PlausibilityCheck,
    torso: float,
) -> tuple[list[int], list[int]]:
    """Frames with a left/right flip: (swapped back in place, invalid).

    The tested frames are cut into *runs* wherever the shoulder or hip line turns more than
    allowed between two consecutive tested frames. A run lasting ``reanchor_s`` or more is a
    real pose (the first such run, else the longest, is the reference); every other run is
    judged as a whole from its first frame against the nearest plausible frame: within the
    allowed turn it is plausible, with every left/right pair exchanged it is swapped back,
    else it is set aside. So a flip held for several frames is set aside whole, and the pose
    after it is not (judging frame by frame, the allowance grew with the time since the last
    plausible frame and accepted a flip from its third frame on). Lines shorter than
    ``min_line_torso`` torso lengths (a side view) have no reliable direction: they are not
    tested and the frames on either side are judged separately.
    """
    if not np.isfinite(torso) or torso <= 0:
        return [], []
    shortest = check.min_line_torso * torso
    lines = [
        (names.index(f"left_{p}"), names.index(f"right_{p}"))
        for p in ("shoulder", "hip")
        if f"left_{p}" in names and f"right_{p}" in names
    ]
    if not lines:
        return [], []
    chains: list[list[tuple[int, list[FloatArray]]]] = [[]]
    for i in range(positions.shape[0]):
        if not all(ok[i, a] and ok[i, b] for a, b in lines):
            continue
        current = [planar[i, b] - planar[i, a] for a, b in lines]
        if min(float(np.linalg.norm(c)) for c in current) < shortest:
            chains.append([])  # sideways on: direction unknown, start again after it
            continue
        chains[-1].append((i, current))
    swapped: list[int] = []
    invalid: list[int] = []
    for chain in chains:
        if chain:
            _judge_chain(chain, time_s, check, swapped, invalid)
    pairs = _pairs(names)
    for i in swapped:
        for a, b in pairs:
            positions[i, [a, b]] = positions[i, [b, a]]
            ok[i, [a, b]] = ok[i, [b, a]]
    return sorted(swapped), sorted(invalid)


def _turn(current: list[FloatArray], other: list[FloatArray]) -> float:
    return max(_line_angle(c, p) for c, p in zip(current, other, strict=True))


def _judge_chain(
    chain: list[tuple[int, list[FloatArray]]],
    time_s: FloatArray,
    check: PlausibilityCheck,
    swapped: list[int],
    invalid: list[int],
) -> None:
    """Cut one chain of tested frames into runs and judge them (see :func:`_flip_pass`).

    Within a run, consecutive frames agree either as they are or with their left/right
    labels exchanged (a label swap does not end a run); ``parity`` records which frames
    are exchanged relative to the run's first frame, ``lines`` their lines so aligned.
    """

    def limit(i: int, j: int) -> float:
        dt = max(abs(float(time_s[i]) - float(time_s[j])), 1e-6)
        return max(check.min_line_turn_deg, check.max_line_turn_deg_per_s * dt)

    parity = [False] * len(chain)
    lines = [chain[0][1]]
    runs: list[list[int]] = [[0]]
    for k in range(1, len(chain)):
        (i, cur), (j, _) = chain[k], chain[k - 1]
        allowed = limit(i, j)
        if _turn(cur, lines[k - 1]) <= allowed:
            parity[k], aligned = False, cur
        elif _turn([-c for c in cur], lines[k - 1]) <= allowed:
            parity[k], aligned = True, [-c for c in cur]
        else:
            runs.append([])
            parity[k], aligned = False, cur
        lines.append(aligned)
        runs[-1].append(k)

    def span(run: list[int]) -> float:
        return float(time_s[chain[run[-1]][0]]) - float(time_s[chain[run[0]][0]])

    def majority_flipped(run: list[int]) -> bool:
        return 2 * sum(parity[k] for k in run) > len(run)

    def accept(run: list[int], flip_run: bool) -> None:
        """Keep ``run``: frames exchanged relative to its labelling are swapped back.

        ``flip_run``: the run's first frame's labelling (its ``lines``) is itself exchanged.
        """
        swapped.extend(chain[k][0] for k in run if parity[k] != flip_run)

    long_runs = [r for r, run in enumerate(runs) if span(run) >= check.reanchor_s]
    anchor = long_runs[0] if long_runs else max(range(len(runs)), key=lambda r: len(runs[r]))
    anchor_flip = majority_flipped(runs[anchor])
    accept(runs[anchor], anchor_flip)

    def settle(order: list[int], forward: bool) -> None:
        # the reference: the nearest kept frame's lines, as repaired
        edge = runs[anchor][-1] if forward else runs[anchor][0]
        ref = lines[edge] if not anchor_flip else [-c for c in lines[edge]]
        for r in order:
            run = runs[r]
            entry, before = (run[0], run[0] - 1) if forward else (run[-1], run[-1] + 1)
            # the turn allowed grows with the time since the frame tested just before, not
            # since the reference: frames set aside in between were seen
            allowed = limit(chain[entry][0], chain[before][0])
            if _turn(lines[entry], ref) <= allowed:
                flip_run = False
            elif _turn([-c for c in lines[entry]], ref) <= allowed:
                flip_run = True
            elif span(run) >= check.reanchor_s:  # a real new pose, held
                flip_run = majority_flipped(run)
            else:
                invalid.extend(chain[k][0] for k in run)
                continue
            accept(run, flip_run)
            # lines[k] are aligned with the run's first frame; flip_run says whether that
            # first frame's labels were exchanged
            exit_ = run[-1] if forward else run[0]
            ref = [-c for c in lines[exit_]] if flip_run else lines[exit_]

    settle(list(range(anchor + 1, len(runs))), forward=True)
    settle(list(range(anchor - 1, -1, -1)), forward=False)


def _torso_length(positions: FloatArray, ok: np.ndarray, names: tuple[str, ...]) -> float:
    need = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    if not all(n in names for n in need):
        return float("nan")
    idx = [names.index(n) for n in need]
    rows = np.all(ok[:, idx], axis=1)
    if not rows.any():
        return float("nan")
    p = positions[rows][:, idx]
    mid_sh = 0.5 * (p[:, 0] + p[:, 1])
    mid_hip = 0.5 * (p[:, 2] + p[:, 3])
    return float(np.median(np.linalg.norm(mid_sh - mid_hip, axis=1)))


def _spread(positions: FloatArray, ok: np.ndarray) -> float:
    """Median over frames of the RMS distance of visible keypoints from their centroid."""
    data = np.where(ok[..., None], positions, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmean(data, axis=1, keepdims=True)
        rms = np.sqrt(np.nanmean(np.sum((data - centre) ** 2, axis=-1), axis=1))
    rms = rms[np.isfinite(rms)]
    return float(np.median(rms)) if rms.size else float("nan")


def _jump_mask(
    positions: FloatArray,
    ok: np.ndarray,
    time_s: FloatArray,
    torso: float,
    check: PlausibilityCheck,
) -> np.ndarray:
    n = positions.shape[0]
    dt = float(np.median(np.diff(time_s))) if n > 1 else 1.0
    width = max(5, int(round(check.median_window_s / max(dt, 1e-6))) | 1)
    if n < width or not np.isfinite(torso) or torso <= 0:
        return np.zeros(ok.shape, dtype=bool)
    data = np.where(ok[..., None], positions, np.nan)
    half = width // 2
    padded = np.concatenate(
        [np.full((half, *data.shape[1:]), np.nan), data, np.full((half, *data.shape[1:]), np.nan)]
    )
    windows = sliding_window_view(padded, width, axis=0)  # (n, k, d, width)
    counts = np.sum(np.isfinite(windows[:, :, 0, :]), axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmedian(windows, axis=-1)
    deviation = np.linalg.norm(data - centre, axis=-1) / torso
    return ok & (counts >= 3) & (deviation > check.max_jump_torso)


def _bone_mask(
    positions: FloatArray,
    ok: np.ndarray,
    names: tuple[str, ...],
    is_3d: bool,
    check: PlausibilityCheck,
) -> np.ndarray:
    bad = np.zeros(ok.shape, dtype=bool)
    for a_name, b_name in BONES:
        if a_name not in names or b_name not in names:
            continue
        a, b = names.index(a_name), names.index(b_name)
        both = ok[:, a] & ok[:, b]
        if int(both.sum()) < 10:
            continue
        length = np.linalg.norm(positions[:, a] - positions[:, b], axis=-1)
        typical = float(np.median(length[both]))
        if typical <= 0:
            continue
        ratio = length / typical
        if is_3d:
            wrong = np.abs(ratio - 1.0) > check.max_bone_change_3d
        else:
            wrong = ratio > check.max_bone_ratio_2d
        wrong &= both
        bad[wrong, a] = True
        bad[wrong, b] = True
    return bad


def gate_keypoints(
    series: KeypointSeries, check: PlausibilityCheck | None = None
) -> tuple[KeypointSeries, PlausibilityReport]:
    """Set implausible keypoints and frames of ``series`` aside (confidence 0).

    Parameters
    ----------
    series : KeypointSeries
    check : PlausibilityCheck, optional

    Returns
    -------
    (KeypointSeries, PlausibilityReport)
        The gated copy (left/right swaps repaired) and what was done.
    """
    check = check or PlausibilityCheck()
    n = series.n_frames
    if n < 3:
        return series, PlausibilityReport(n_frames=n)
    positions = np.array(series.positions, dtype=float, copy=True)
    confidence = np.array(series.confidence, dtype=float, copy=True)
    is_3d = series.frame.kind is FrameKind.WORLD and series.n_dims == 3
    # image frames: any third coordinate is an estimated relative depth, too noisy to judge
    planar = positions if is_3d else positions[..., :2]
    ok = np.all(np.isfinite(positions), axis=2) & (confidence >= check.min_confidence)
    names = series.names
    # in 3D a line keeps its length; in an image it shortens when seen sideways on
    line_torso = _torso_length(planar, ok, names) * (0.3 if is_3d else 1.0)
    swapped, flipped = _flip_pass(positions, planar, ok, series.time_s, names, check, line_torso)
    if swapped:
        pairs = _pairs(names)
        for i in swapped:
            for a, b in pairs:
                confidence[i, [a, b]] = confidence[i, [b, a]]
    ok_for_stats = ok.copy()
    ok_for_stats[flipped] = False
    torso = _torso_length(planar, ok_for_stats, names)
    if not np.isfinite(torso):  # no shoulders and hips (motion-capture targets): body spread
        torso = _spread(planar, ok_for_stats)
    jump = _jump_mask(planar, ok_for_stats, series.time_s, torso, check)
    bone = _bone_mask(planar, ok_for_stats & ~jump, names, is_3d, check)
    bad = jump | bone
    visible = np.maximum(ok.sum(axis=1), 1)
    whole = bad.sum(axis=1) > check.max_bad_fraction * visible
    whole[flipped] = True
    confidence[bad] = 0.0
    confidence[whole] = 0.0
    invalid = tuple(int(i) for i in np.flatnonzero(whole & ok.any(axis=1)))
    report = PlausibilityReport(
        invalid_frames=invalid,
        swapped_frames=tuple(swapped),
        counts={"flip": len(flipped), "jump": int(jump.sum()), "bone_length": int(bone.sum())},
        n_frames=n,
    )
    if not report.changed:
        return series, report
    metadata = dict(series.metadata)
    metadata["implausible_frames"] = list(invalid)
    return replace(series, positions=positions, confidence=confidence, metadata=metadata), report
