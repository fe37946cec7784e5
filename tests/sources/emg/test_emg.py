"""The surface EMG plug-in on simulated and perturbed recordings, files (CSV, EDF) and LSL."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from tests.sources.sensor_session import sensor_session

from spinecoach.content import load_library
from spinecoach.errors import InvalidInput
from spinecoach.sources.emg.channel import RELAX, UNEVEN, EmgChannel
from spinecoach.sources.emg.recording import read_emg, simulate_emg, write_emg_edf
from spinecoach.sources.live_sources import sensor_plugins

LIBRARY = load_library()
HINGE = LIBRARY.get("standing_hip_hinge")
STRETCH = next(e for e in LIBRARY.exercises.values() if e.category.value == "static_stretch")


def _channel(rows, exercise=HINGE, phase="reps"):  # type: ignore[no-untyped-def]
    channel = EmgChannel()
    channel.start_exercise(exercise)
    channel.coach(exercise, phase)
    t = np.array([r[0] for r in rows])
    left = np.array([r[1]["left_uv"] for r in rows])
    right = np.array([r[1]["right_uv"] for r in rows])
    angle = np.array([r[1].get("flexion_deg", np.nan) for r in rows])
    channel.push_block(t, left, right, angle)
    return channel, [text for _, text, _ in channel.coach(exercise, phase)]


def _rows(tmp_path: Path, **kw: object) -> list[tuple[float, dict[str, float]]]:
    path = tmp_path / "emg.csv"
    path.write_text(simulate_emg(**kw))  # type: ignore[arg-type]
    return read_emg(path)


def test_emg_is_a_registered_plugin() -> None:
    assert "emg" in sensor_plugins()


def test_flexion_relaxation_ratio_separates_relaxing_from_persisting_activity(
    tmp_path: Path,
) -> None:
    relaxed, _ = _channel(_rows(tmp_path, relaxes=True, seed=1))
    persisting, _ = _channel(_rows(tmp_path, relaxes=False, seed=1))
    reference = relaxed.reference_uv
    assert reference is not None and all(150 < r < 230 for r in reference)  # 200 µV simulated
    frr_relaxed = relaxed.summary()["flexion_relaxation_ratio"]
    frr_persisting = persisting.summary()["flexion_relaxation_ratio"]
    assert frr_relaxed > 3.0 and frr_persisting < 2.0  # type: ignore[operator]
    assert relaxed.summary()["symmetry_pct"] > 95  # type: ignore[operator]


def test_uneven_sides_get_symmetry_feedback(tmp_path: Path) -> None:
    rows = _rows(tmp_path, asymmetry=0.6, hold_s=8.0, hold_activation=0.3, seed=2)
    channel, cues = _channel(rows)
    assert channel.summary()["symmetry_pct"] < 75  # type: ignore[operator]
    assert UNEVEN in cues and RELAX not in cues


def test_relax_cue_when_activity_stays_high_in_a_stretch_hold(tmp_path: Path) -> None:
    tense = _rows(tmp_path, n_cycles=0, hold_s=10.0, hold_activation=0.45, seed=3)
    _, cues = _channel(tense, STRETCH, "hold")
    assert RELAX in cues
    calm = _rows(tmp_path, n_cycles=0, hold_s=10.0, hold_activation=0.05, seed=3)
    assert RELAX not in _channel(calm, STRETCH, "hold")[1]
    assert RELAX not in _channel(tense, STRETCH, "reps")[1]  # only during holds


def test_edf_round_trip_and_bad_edf(tmp_path: Path) -> None:
    rows = _rows(tmp_path, n_cycles=1, seed=4)
    edf = tmp_path / "emg.edf"
    write_emg_edf(edf, rows)
    back = read_emg(edf)
    assert abs(len(back) - len(rows)) < 1000
    left = np.array([v["left_uv"] for _, v in rows[: len(back)]])
    assert np.allclose([v["left_uv"] for _, v in back], left, atol=0.1)
    assert "flexion_deg" in back[0][1]
    (tmp_path / "junk.edf").write_bytes(b"0" * 300)
    with pytest.raises(InvalidInput, match="junk.edf"):
        read_emg(tmp_path / "junk.edf")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("t_s,left\n0,1\n", "missing column(s) left_uv, right_uv"),
        ("t_s,left_uv,right_uv\n0,1,x\n", "row 2: t_s, left_uv, right_uv must be numbers"),
        ("t_s,left_uv,right_uv\n0,1,2\n0,1,2\n", "row 3: t_s=0 is not after"),
        ("t_s,left_uv,right_uv\n" + "".join(f"{k / 100},1,1\n" for k in range(200)), "100 Hz"),
    ],
)
def test_bad_emg_files_name_the_file_and_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InvalidInput, match="bad.csv") as err:
        read_emg(path)
    assert problem in str(err.value)


def test_perturbed_lines_are_skipped_and_the_stream_goes_on(tmp_path: Path) -> None:
    rows = _rows(tmp_path, n_cycles=1, seed=5)
    lines = [json.dumps({"t": t, **v}) for t, v in rows]
    junk = ['{"t": 1, "left_uv": 1e9, "right_uv": 0}', '{"t": 2, "left_uv": 1}', "{", "[]"]
    for k, bad in enumerate(junk):
        lines.insert(1000 * (k + 1), bad)
    channel = EmgChannel()
    channel.start_exercise(HINGE)
    channel.feed("\n".join(lines))
    assert channel.n_bad_lines == len(junk) and channel.readout()["activation_pct"] is not None


def test_lab_streaming_layer_works_offline(tmp_path: Path) -> None:
    """pylsl carries liblsl: an outlet in this process is resolved and read on loopback."""
    pylsl = pytest.importorskip("pylsl")
    from spinecoach.sources.emg.lsl import open_lsl

    info = pylsl.StreamInfo("spinecoach-emg-test", "EMG", 2, 1000, "float32", "sc-emg-test")
    outlet = pylsl.StreamOutlet(info)
    lines = open_lsl("lsl:name=spinecoach-emg-test", timeout_s=5.0)
    rows = _rows(tmp_path, n_cycles=1, seed=6)
    for k in range(0, 7000, 100):
        outlet.push_chunk([[v["left_uv"], v["right_uv"]] for _, v in rows[k : k + 100]])
        time.sleep(0.01)
    channel = EmgChannel()
    channel.start_exercise(HINGE)
    deadline = time.monotonic() + 10.0
    while channel.n_rows < 6500 and time.monotonic() < deadline:
        while not lines.empty():
            line = lines.get()
            if line is not None:
                channel.feed(line)
        time.sleep(0.05)
    assert channel.n_rows >= 6500 and channel.reference_uv is not None
    assert channel.readout()["activation_pct"] is not None


def test_session_with_emg_stores_activation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, result, _ = sensor_session(tmp_path, capsys, "emg", "standing_hip_hinge", seed=7)
    assert result["samples"] > 100 and result["mean_activation_pct"] > 0
    assert result["flexion_relaxation_ratio"] is not None  # the recording's flexion column
