"""Plausibility gating of keypoint files: glitches are set aside, not counted (issue 11).

The recordings are perturbed copies of the KERAAL files, made here: a single frame of
another skeleton, left/right label flips, a joint spike. Each made today's analysis count a
false repetition; gated, the count is that of the clean recording.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from spinecoach.motion.analysis import analyze
from spinecoach.motion.plausibility import gate_keypoints
from spinecoach.motion.types import KeypointSeries


def _with(series: KeypointSeries, positions: np.ndarray) -> KeypointSeries:
    return replace(series, positions=positions)


def _pairs(series: KeypointSeries) -> list[tuple[int, int]]:
    n = series.names
    return [
        (n.index(a), n.index("right_" + a[5:]))
        for a in n
        if a.startswith("left_") and "right_" + a[5:] in n
    ]


def count(series: KeypointSeries, exercise) -> int:  # type: ignore[no-untyped-def]
    gated, _ = gate_keypoints(series)
    return len(analyze(gated, exercise).repetitions)


def _tilted(points: np.ndarray, centre: np.ndarray, deg: float) -> np.ndarray:
    """Rotate about ``centre`` in the x-y plane (frontal for images and Kinect)."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    out = points.copy()
    d = points[:, :2] - centre[:2]
    out[:, 0] = centre[0] + c * d[:, 0] - s * d[:, 1]
    out[:, 1] = centre[1] + s * d[:, 0] + c * d[:, 1]
    return out


@pytest.mark.parametrize("system", ["kinect", "blazepose", "openpose"])
def test_swapped_in_skeleton_frames_are_set_aside(keraal, side_bend, system) -> None:  # type: ignore[no-untyped-def]
    clean = keraal[(system, "ELK")]
    expected = count(clean, side_bend)
    positions = clean.positions.copy()
    hips = [clean.index("left_hip"), clean.index("right_hip")]
    shoulders = [clean.index("left_shoulder"), clean.index("right_shoulder")]
    for k in (40, 41, 120):  # another person, bent 40 deg and a torso length aside
        centre = np.nanmean(positions[k, hips], axis=0)
        torso = np.linalg.norm(np.nanmean(positions[k, shoulders], axis=0) - centre)
        positions[k] = _tilted(positions[k], centre, 40.0)
        positions[k, :, 0] += torso
    glitched = _with(clean, positions)
    gated, report = gate_keypoints(glitched)
    assert {40, 41, 120} <= set(report.invalid_frames)
    assert len(analyze(gated, side_bend).repetitions) == expected
    assert len(analyze(glitched, side_bend).repetitions) > expected  # what it did before


def test_left_right_flips_are_swapped_back(keraal, side_bend) -> None:  # type: ignore[no-untyped-def]
    clean = keraal[("kinect", "ELK")]
    positions = clean.positions.copy()
    confidence = clean.confidence.copy()
    flipped = list(range(20, clean.n_frames - 20, 15))
    for i in flipped:
        for a, b in _pairs(clean):
            positions[i, [a, b]] = positions[i, [b, a]]
    glitched = replace(clean, positions=positions, confidence=confidence)
    before = analyze(glitched, side_bend)
    gated, report = gate_keypoints(glitched)
    assert set(flipped) <= set(report.swapped_frames)
    np.testing.assert_allclose(gated.positions[flipped], clean.positions[flipped])
    assert len(analyze(gated, side_bend).repetitions) == count(clean, side_bend)
    assert len(before.repetitions) != len(analyze(gated, side_bend).repetitions)


def test_hip_line_turning_50_degrees_in_a_frame_is_invalid(keraal) -> None:  # type: ignore[no-untyped-def]
    clean = keraal[("kinect", "ELK")]
    positions = clean.positions.copy()
    k = 60
    lh, rh = clean.index("left_hip"), clean.index("right_hip")
    mid = 0.5 * (positions[k, lh] + positions[k, rh])
    c, s = np.cos(np.radians(50)), np.sin(np.radians(50))
    for j in (lh, rh):  # the hip line turned 50 deg about the vertical (Kinect: y up)
        d = positions[k, j] - mid
        positions[k, j] = mid + np.array([c * d[0] + s * d[2], d[1], -s * d[0] + c * d[2]])
    _, report = gate_keypoints(_with(clean, positions))
    assert k in report.invalid_frames and report.counts["flip"] >= 1


def test_clean_recordings_lose_almost_nothing(keraal) -> None:  # type: ignore[no-untyped-def]
    for (system, _), series in keraal.items():
        _, report = gate_keypoints(series)
        assert len(report.invalid_frames) <= 0.05 * series.n_frames, system
        assert report.swapped_frames == () or system == "kinect", system


def test_cli_reports_frames_set_aside(keraal, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.cli import main
    from spinecoach.sources.keypoints.csv_format import write_keypoints_csv

    clean = keraal[("vicon", "ELK")]
    positions = clean.positions.copy()
    positions[100] += np.array([0.8, 0.0, 0.0])  # a whole frame 0.8 m off, for one frame
    path = write_keypoints_csv(_with(clean, positions), tmp_path / "glitch.csv")
    code = main(["analyze", str(path), "--exercise", "seated_side_bend", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["plausibility"]["invalid_frames"] == [100]
    assert any(n.startswith("plausibility: 1 frames") for n in out["notes"])
