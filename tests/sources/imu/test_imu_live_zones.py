"""The live IMU path judges repetitions in the same zone as the file analysis (issue 11).

An exercise's signature is written for the camera's angle; the IMU angle has its own zone:
the exercise's ``imu_range_deg`` (a squat to a chair: 15-60° of trunk lean, not 70-100° of
knee flexion) and the placement's (lumbar rotation between T12/L1 and the sacrum: 3-12°, not
the camera's 10-40°). The file path (``analyze_imu_measures``), the IMU stream
(``LiveSession``) and the live feeds (``ExerciseFeed``) all take it from
``placement_signature``. Each test replays a recording sample by sample, as a phone would
stream it, and compares with the file analysis of the same recording.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from spinecoach.domain.exercise import Exercise
from spinecoach.motion.analysis import AnalysisResult, error_codes_for
from spinecoach.motion.events import EventParameters
from spinecoach.motion.imu_angles import CalibrationOptions
from spinecoach.motion.imu_pipeline import analyze_imu_measures, recording_measures
from spinecoach.motion.imu_types import ImuRecording, Placement
from spinecoach.motion.live_feed import ExerciseFeed
from spinecoach.motion.types import EventKind
from spinecoach.sources.imu import ReadOptions, read_imu
from spinecoach.sources.imu import simulate as simulate_module
from spinecoach.sources.imu.live import LiveSession
from spinecoach.sources.imu.simulate import simulate
from spinecoach.sources.imu.transport import recording_lines

#: The live path has no whole recording to find the rest level in: it starts from the first
#: second, and so does the file analysis it is compared with.
LIVE_PARAMS = EventParameters(whole_recording_neutral=False)


def file_analysis(
    recording: ImuRecording, exercise: Exercise, calibration: CalibrationOptions
) -> AnalysisResult:
    return analyze_imu_measures(
        recording_measures(recording, calibration=calibration),
        exercise.signature,
        dose=exercise.dose,
        exercise_id=exercise.id,
        error_codes=error_codes_for(exercise),  # as `analyze --exercise` reports
        params=LIVE_PARAMS,
    )


def live_replay(
    recording: ImuRecording, exercise: Exercise, calibration: CalibrationOptions
) -> AnalysisResult:
    """Every sample as a JSON line through :class:`LiveSession`, then its result."""
    session = LiveSession.for_exercise(exercise, calibration=calibration)  # as `imu listen`
    for _, line in recording_lines(recording):
        session.feed(line)
    return session.finish()


def verdicts(result: AnalysisResult) -> dict[str, object]:
    """What the user sees: repetitions, form flags (``not_enough_range``, ``out_of_range``),
    every event (zone entries and exits included) and the zone summary."""
    return {
        "reps": [(round(r.end_s, 2), round(r.peak_deg, 2)) for r in result.repetitions],
        "flags": sorted((f.code, round(f.t_s, 2)) for f in result.form_flags),
        "events": [(str(e.kind), round(e.t_s, 2)) for e in result.events],
        "zone": tuple(result.zone["target_range_deg"]),
        "in_zone": round(float(result.zone["fraction_in_zone"]), 3),
    }


def test_real_recording_replayed_live_gets_the_file_verdicts_in_the_imu_zone(
    shared_data: Path, library
) -> None:  # type: ignore[no-untyped-def]
    """The real x-io recording, read as an upper-back sensor, analysed as a squat to a
    chair (trunk lean, IMU zone 15-60°): live and file agree rep by rep."""
    rec = read_imu(
        shared_data / "imu" / "fusion_sensor_data.csv", options=ReadOptions(Placement.UPPER)
    )
    squat = library.get("squat_to_chair")
    assert squat.signature.imu_range_deg == (15.0, 60.0)
    assert squat.signature.target_range_deg != squat.signature.imu_range_deg
    calibration = CalibrationOptions(forward_axis="+x")  # the board lies flat: x horizontal
    batch = file_analysis(rec, squat, calibration)
    live = live_replay(rec, squat, calibration)
    assert batch.repetitions, "the recording moves: some leans are counted"
    assert verdicts(live) == verdicts(batch)
    assert tuple(live.zone["target_range_deg"]) == (15.0, 60.0)  # not the knees' 70-100°


@pytest.fixture
def small_twists(monkeypatch: pytest.MonkeyPatch) -> ImuRecording:
    """Seated twists that turn the upper sensor 13° and the sacral one 5° each way: 8° of
    lumbar rotation, the range these sensors see (3-12°), with a magnetometer."""
    twist = dataclasses.replace(
        simulate_module.MOVEMENTS["rotation"], name="small_twist", upper_heading=13.0
    )
    monkeypatch.setitem(simulate_module.MOVEMENTS, "small_twist", twist)
    sim = simulate("small_twist", n_reps=4, seed=3, sample_rate_hz=50.0, with_magnetometer=True)
    return sim.recording


def test_live_twists_are_judged_in_the_placement_zone_not_the_camera_zone(
    small_twists: ImuRecording, library
) -> None:  # type: ignore[no-untyped-def]
    """Failed before: the live path judged lumbar rotation in the camera's 10-40° zone with
    an 8° minimum excursion, so 8° twists counted fewer and were "not enough range"."""
    twist = library.get("seated_spinal_twist")
    assert twist.signature.imu_angle == "lumbar_rotation_deg"
    assert twist.signature.target_range_deg == (10.0, 40.0)
    calibration = CalibrationOptions()
    batch = file_analysis(small_twists, twist, calibration)
    live = live_replay(small_twists, twist, calibration)
    assert len(batch.repetitions) == 8  # 4 twists to each side
    assert tuple(batch.zone["target_range_deg"]) == (3.0, 12.0)
    assert "not_enough_range" not in {f.code for f in batch.form_flags}
    assert verdicts(live) == verdicts(batch)
    peaks = np.abs([r.peak_deg for r in live.repetitions])
    assert np.all((peaks > 4.0) & (peaks < 12.0))


def test_exercise_feed_uses_the_same_zone(small_twists: ImuRecording, library) -> None:  # type: ignore[no-untyped-def]
    """The guided session and the web app feed IMU measures through ``ExerciseFeed``: its
    zone is the file analysis's, and so are its repetitions."""
    twist = library.get("seated_spinal_twist")
    feed = ExerciseFeed(twist, measure="lumbar_rotation_deg")
    assert feed.signature is not None
    assert feed.signature.target_range_deg == (3.0, 12.0)
    assert feed.signature.min_excursion_deg == 4.0
    squat = ExerciseFeed(library.get("squat_to_chair"), measure="trunk_inclination_deg")
    assert squat.signature is not None and squat.signature.target_range_deg == (15.0, 60.0)
    camera = ExerciseFeed(twist)  # keypoints: the camera's own zone
    assert camera.signature is not None and camera.signature.target_range_deg == (10.0, 40.0)

    measures = recording_measures(small_twists)
    stride = 2  # 50 Hz -> the 25 Hz event rate, as the file analysis decimates
    events = []
    values = measures.values["lumbar_rotation_deg"]
    for i in range(0, measures.time_s.size, stride):
        events += feed.push_measures(float(measures.time_s[i]), {"lumbar_rotation_deg": values[i]})
    assert feed.analyzer is not None
    result = feed.analyzer.finish()
    reps = [e for e in result.events if e.kind is EventKind.REPETITION]
    assert len(reps) == 8
    assert tuple(result.zone["target_range_deg"]) == (3.0, 12.0)
    assert "not_enough_range" not in {f.code for f in result.form_flags}
