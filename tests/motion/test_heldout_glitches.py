"""Glitches held for several frames, and skeletons that are mostly implausible (issue 11).

Held-out Kinect recordings showed hip-line flips of ~50 deg lasting a few frames: judged frame
by frame against the last plausible frame, the turn allowed grew with the time since it,
so a flip was accepted from its 3rd frame on and the true pose after it was set aside
(10 twists counted as 20). The recordings here are made by ``_kinect_person``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from _kinect_person import frames_for, skeleton, twists, write_kinect

from spinecoach.cli import main


def _analyze(path: Path, capsys) -> dict:  # type: ignore[no-untyped-def, type-arg]
    code = main(["analyze", str(path), "--exercise", "seated_spinal_twist", "--json"])
    assert code == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_hip_line_flips_held_for_several_frames_are_set_aside(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, angle = twists()
    frames = frames_for(angle, seed=3)
    rng = np.random.default_rng(3)
    glitched: set[int] = set()
    for start in rng.choice(len(frames) - 10, 12, replace=False):
        turn = float(rng.choice([-50.0, 50.0]))
        for i in range(int(start), int(start) + int(rng.integers(3, 9))):
            flipped = skeleton(float(angle[i]), pelvis_deg=turn)
            for joint in ("left_hip", "right_hip", "left_knee", "right_knee"):
                frames[i][joint] = flipped[joint]
            glitched.add(i)
    out = _analyze(write_kinect(tmp_path / "twists.txt", frames), capsys)
    reps = out["repetitions"]
    assert len(reps) == 10  # was 20, with peaks up to 87 deg
    assert [r["side"] for r in reps] == ["right", "left"] * 5
    assert all(35 <= abs(r["peak_deg"]) <= 46 for r in reps)
    invalid = set(out["plausibility"]["invalid_frames"])
    assert out["plausibility"]["n_invalid_frames"] <= len(glitched)  # the true pose is kept
    assert invalid <= glitched


def test_single_frame_flips_and_clean_twists_are_unchanged(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, angle = twists()
    clean = _analyze(write_kinect(tmp_path / "clean.txt", frames_for(angle, seed=4)), capsys)
    assert len(clean["repetitions"]) == 10 and clean["plausibility"]["n_invalid_frames"] == 0


def test_skeleton_of_noise_is_no_clear_movement(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, angle = twists()
    frames = frames_for(np.zeros_like(angle), seed=5, noise_m=0.05)
    out = _analyze(write_kinect(tmp_path / "noise.txt", frames), capsys)
    assert out["repetitions"] == []  # was 47 "repetitions" at medium confidence
    assert out["count"]["confidence"] == "none"
    assert "could be measured" in out["count"]["note"]


def test_no_tempo_is_invented_across_a_tracking_gap(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    t, angle = twists()
    frames = frames_for(angle, seed=6)
    gap = (t >= 5.0) & (t < 7.0)  # the return from the 1st twist and the start of the 2nd
    for i in np.flatnonzero(gap):
        frames[i] = {k: np.zeros(3) for k in frames[i]}  # Kinect: (0, 0, 0) = not tracked
    out = _analyze(write_kinect(tmp_path / "gap.txt", frames), capsys)
    first, second = out["repetitions"][:2]
    assert (first["side"], second["side"]) == ("right", "left")
    # was: both ended/started at a crossing interpolated inside the 2 s gap (6.2 s)
    assert first["end_s"] <= 5.0 and second["start_s"] >= 7.0
    flagged = {f["t_s"] for f in out["form_flags"] if f["code"] == "too_fast"}
    assert not flagged & {first["end_s"], second["end_s"]}


def test_kinect_rows_of_positions_only_or_commas_are_read(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, angle = twists()
    full = write_kinect(tmp_path / "full.txt", frames_for(angle, seed=7))
    rows = [line.split() for line in full.read_text().splitlines()]
    positions = tmp_path / "positions.txt"  # 25 x (x, y, z): 75 values per row
    positions.write_text(
        "\n".join(" ".join(r[j * 7 + k] for j in range(25) for k in range(3)) for r in rows) + "\n"
    )
    commas = tmp_path / "commas.txt"
    commas.write_text("\n".join(",".join(r) for r in rows) + "\n")
    for path in (positions, commas):  # was: "not a recognised ... file"
        out = _analyze(path, capsys)
        assert out["source"] == "keypoints/kinect_txt"
        assert len(out["repetitions"]) == 10
