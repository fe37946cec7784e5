"""Monocular trunk rotation against a known truth (``python -m bench.rotation``).

The KERAAL Vicon skeleton (seated, CTK's last second with the arms down, played back and
forth, 30 Hz) has its upper body turned about the vertical by a known angle (still 1.5 s,
2.5 sine twists of +-60 deg over 4 s each, still 1.5 s) and is projected through a pinhole
camera (:mod:`spinecoach.motion.projection`: 960x544, f 800 px, 2.5 m) with pixel noise
1.5 px and an estimator's relative depth (gain 0.4; noise 2 or 4 px) from camera yaws 0,
30, 60 and 90 deg, 5 noise seeds each. Per view: agreement of ``trunk_rotation_deg`` (minus
its rest level: median of its first valid second) with the turn — Pearson r, mean absolute
error, bias, share of frames measurable — and twists counted for ``seated_spinal_twist``
(truth 5). ``before`` is the formula used until issue 11 (``atan2`` of the shoulder line
against the hip line in image x and estimator depth). The arm-raise case (CTK played forward
and back twice: four raises to ~85 deg and back, trunk still) must count no twist. Twists
are listed per seed; a count withheld as "no clear repeated movement" shows the candidates
in brackets.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from spinecoach.content.loader import load_exercise_file, load_source_tags
from spinecoach.domain.exercise import Exercise
from spinecoach.motion.analysis import analyze_measures, error_codes_for
from spinecoach.motion.body import Body, dot
from spinecoach.motion.measures import compute_measures
from spinecoach.motion.projection import (
    Camera,
    project,
    sinusoidal_twist,
    still_pose,
    twist_upper_body,
)
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import FloatArray, KeypointSeries, MeasureSeries
from spinecoach.settings import default_content_dir
from spinecoach.sources.keypoints import read_keypoints

KERAAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "keraal"
RATE_HZ = 30.0
YAWS = (0.0, 30.0, 60.0, 90.0)
SEEDS = range(5)
NAME = "trunk_rotation_deg"


def every_other(series: KeypointSeries) -> KeypointSeries:
    """The 60 Hz Vicon series at 30 Hz."""
    return KeypointSeries(
        series.time_s[::2].copy(),
        series.names,
        series.positions[::2].copy(),
        series.confidence[::2].copy(),
        series.frame,
        series.source,
    )


def twist_case(vicon: KeypointSeries, amplitude: float = 60.0) -> tuple[KeypointSeries, FloatArray]:
    """The still seated pose, still 1.5 s, 2.5 twists of 4 s, still 1.5 s (and the turn)."""
    base = still_pose(every_other(vicon), int(14.0 * RATE_HZ), RATE_HZ)
    turn = sinusoidal_twist(base.time_s, amplitude, 4.0, 1.5, 2.5)
    return twist_upper_body(base, turn), turn


def before(image: KeypointSeries) -> FloatArray:
    """The image-with-depth formula used until issue 11 (shoulder vs hip line, x and z)."""
    body = Body(image.positions, image.confidence, image.names, image.frame.kind, image.frame.axes)
    up = np.broadcast_to(np.array([0.0, -1.0, 0.0]), (body.n_frames, 3))
    s = body.point("right_shoulder", 3) - body.point("left_shoulder", 3)
    h = body.point("right_hip", 3) - body.point("left_hip", 3)
    s = s - dot(s, up)[:, None] * up
    h = h - dot(h, up)[:, None] * up
    return np.asarray(-np.degrees(np.arctan2(dot(np.cross(h, s), up), dot(h, s))), dtype=float)


def after(image: KeypointSeries) -> FloatArray:
    """``trunk_rotation_deg`` as :func:`compute_measures` gives it now (NaN: not measurable)."""
    values = compute_measures(image, names=[NAME]).values.get(NAME)
    return np.full(image.n_frames, np.nan) if values is None else values


def agreement(measured: FloatArray, truth: FloatArray, time_s: FloatArray) -> dict[str, float]:
    """r, MAE, bias of ``measured`` (minus its rest level: median of its first valid
    second) against ``truth``; share of frames measurable."""
    ok = np.isfinite(measured)
    share = float(ok.mean())
    if ok.sum() < 10:
        return {"r": float("nan"), "mae": float("nan"), "bias": float("nan"), "share": share}
    first = ok & (time_s <= time_s[ok][0] + 1.0)
    rel = measured - float(np.median(measured[first]))
    err = rel[ok] - truth[ok]
    r = float(np.corrcoef(rel[ok], truth[ok])[0, 1]) if np.std(truth[ok]) > 0 else float("nan")
    return {"r": r, "mae": float(np.mean(np.abs(err))), "bias": float(np.mean(err)), "share": share}


def exercise() -> Exercise:
    """The seated spinal twist from the library."""
    path = default_content_dir() / "exercises" / "seated_spinal_twist.toml"
    return load_exercise_file(path, load_source_tags()).to_domain()


def twists(time_s: FloatArray, values: FloatArray, ex: Exercise) -> str:
    """Twists counted (0 when the count is withheld as "no clear repeated movement": then
    the candidates the detector saw in brackets)."""
    result = analyze_measures(
        MeasureSeries(time_s, {NAME: values}),
        ex.signature,
        dose=ex.dose,
        exercise_id=ex.id,
        error_codes=error_codes_for(ex),
    )
    withheld = result.count.get("candidate_repetitions")
    return f"{len(result.repetitions)}" + (f"({withheld})" if withheld else "")


def table(vicon: KeypointSeries, depth_noise_px: float) -> list[str]:
    """Rows ``view | method | r | MAE | bias | measurable | twists per seed``."""
    ex = exercise()
    twisted, truth = twist_case(vicon)
    rows = []
    for yaw in YAWS:
        for label, method in (("before", before), ("after", after)):
            figures, counts = [], []
            for seed in SEEDS:
                camera = Camera(yaw_deg=yaw, depth_noise_px=depth_noise_px)
                image = project(twisted, camera, seed=seed)
                values = method(image)
                figures.append(agreement(values, truth, image.time_s))
                counts.append(twists(image.time_s, values, ex))
            mean = {k: float(np.mean([f[k] for f in figures])) for k in figures[0]}
            rows.append(
                f"{yaw:3.0f} deg | {label} | {mean['r']:.3f} | {mean['mae']:.1f} | "
                f"{mean['bias']:+.1f} | {mean['share']:.0%} | {' '.join(counts)}"
            )
    return rows


def arm_raises(vicon: KeypointSeries) -> KeypointSeries:
    """Four arm raises with a still trunk: CTK (arms raised to ~85 deg and lowered) played
    forward, backward, forward, backward at 30 Hz."""
    once = every_other(vicon)
    order = np.r_[
        np.arange(once.n_frames), np.arange(once.n_frames)[::-1], np.arange(once.n_frames)
    ]
    order = np.r_[order, np.arange(once.n_frames)[::-1]]
    return KeypointSeries(
        np.arange(order.size) / RATE_HZ,
        once.names,
        once.positions[order].copy(),
        once.confidence[order].copy(),
        once.frame,
        once.source,
    )


def arm_rows(vicon: KeypointSeries, depth_noise_px: float) -> list[str]:
    """Twists counted on the arm-raise recording (truth 0), per view and seed."""
    ex = exercise()
    arms = arm_raises(vicon)
    rows = []
    for yaw in YAWS[:3]:
        for label, method in (("before", before), ("after", after)):
            counts, shares = [], []
            for seed in SEEDS:
                image = project(arms, Camera(yaw_deg=yaw, depth_noise_px=depth_noise_px), seed)
                values = method(image)
                counts.append(twists(image.time_s, values, ex))
                shares.append(float(np.isfinite(values).mean()))
            rows.append(f"{yaw:3.0f} deg | {label} | {np.mean(shares):.0%} | {' '.join(counts)}")
    return rows


def live_twists(image: KeypointSeries, ex: Exercise) -> int:
    """Twists the live analyser (frame by frame, as a camera session) counts."""
    live = StreamingAnalyzer(ex.signature, dose=ex.dose, frame=image.frame)
    for i in range(image.n_frames):
        live.push_keypoints(
            float(image.time_s[i]), image.positions[i], image.confidence[i], image.names
        )
    return len(live.finish().repetitions)


def rest_wander(image: KeypointSeries, ex: Exercise) -> tuple[float, float]:
    """Largest distance (deg) of the reading of a still person from its rest level: whole
    recording (from the median), live (from the analyser's rest level at that frame)."""
    values = after(image)
    batch = float(np.nanmax(np.abs(values - np.nanmedian(values))))
    live = StreamingAnalyzer(ex.signature, dose=ex.dose, frame=image.frame)
    worst = 0.0
    for i in range(image.n_frames):
        live.push_keypoints(
            float(image.time_s[i]), image.positions[i], image.confidence[i], image.names
        )
        value, base = live.tracker.last_angle_deg, live.tracker.baseline_deg
        if value == value and base is not None:
            worst = max(worst, abs(value - base))
    return batch, worst


def wander_rows(vicon: KeypointSeries, depth_noise_px: float) -> list[str]:
    """Per front/30 deg view: the rest wander of a still person (20 s) and the twists the
    live analyser counts on the twist case (truth 5), per seed."""
    ex = exercise()
    still = still_pose(every_other(vicon), int(20.0 * RATE_HZ), RATE_HZ)
    twisted, _ = twist_case(vicon)
    rows = []
    for yaw in YAWS[:2]:
        camera = Camera(yaw_deg=yaw, depth_noise_px=depth_noise_px)
        wander = [rest_wander(project(still, camera, seed), ex) for seed in SEEDS]
        live = [live_twists(project(twisted, camera, seed), ex) for seed in SEEDS]
        batch_w = " ".join(f"{w[0]:.1f}" for w in wander)
        live_w = " ".join(f"{w[1]:.1f}" for w in wander)
        rows.append(f"{yaw:3.0f} deg | {batch_w} | {live_w} | {' '.join(str(n) for n in live)}")
    return rows


def main() -> None:
    """Print the agreement tables per camera view and the arm-raise check."""
    if not KERAAL.is_dir():
        print(f"no shared data at {KERAAL}", file=sys.stderr)
        raise SystemExit(1)
    vicon = read_keypoints(KERAAL / "G3-Vicon-CTK-P1T1-Unknown-C-0.txt")
    print(f"load average: {os.getloadavg()[0]:.1f}")
    for noise in (2.0, 4.0):
        print(f"\n## depth noise {noise:g} px; twists per seed (truth 5)")
        print("view | method | r | MAE deg | bias deg | measurable | twists")
        print("\n".join(table(vicon, noise)))
        print(f"\n## arm raise, still trunk (CTK), depth noise {noise:g} px (truth 0)")
        print("view | method | measurable | twists")
        print("\n".join(arm_rows(vicon, noise)))
        print(f"\n## still 20 s: rest wander (max |reading - rest| deg), depth noise {noise:g} px")
        print("view | whole recording, per seed | live, per seed | live twists (truth 5)")
        print("\n".join(wander_rows(vicon, noise)))


if __name__ == "__main__":
    main()
