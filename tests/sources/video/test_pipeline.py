"""The per-frame pipeline on real keypoints replayed through a stand-in backend: feedback is
paused (and the user told why) when a needed body part is hidden, and resumes after."""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.motion.types import EventKind, KeypointSeries
from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES
from spinecoach.sources.video.decode import Frame, VideoInfo
from spinecoach.sources.video.session import build_pipeline

pytestmark = pytest.mark.slow


class ReplayBackend:
    """A pose backend that returns recorded keypoints, frame by frame."""

    name = "replay"
    keypoint_names = BLAZEPOSE_33_NAMES

    def __init__(self, series: KeypointSeries) -> None:
        self.series = series
        self.index = 0

    def estimate(self, frame_bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = self.index
        self.index += 1
        return self.series.positions[i].copy(), self.series.confidence[i].copy()

    def close(self) -> None:
        pass


def _run(series: KeypointSeries, library) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    info = VideoInfo("replay", 1280, 720, 30.0, series.n_frames)
    pipeline = build_pipeline(
        info,
        library.get("slow_walking"),
        draw=False,
        keep_keypoints=False,
        backend=ReplayBackend(series),
        check_setup=False,
    )
    image = np.zeros((720, 1280, 3), np.uint8)
    results = [
        pipeline.process(Frame(i, float(series.time_s[i]), image)) for i in range(series.n_frames)
    ]
    return results, pipeline.events


def test_hidden_knee_pauses_feedback_and_says_why(clip_pose, library) -> None:  # type: ignore[no-untyped-def]
    walk, _ = clip_pose("sports2d_walk_side.mp4")
    window = slice(60, 330)  # walker in view
    confidence = walk.confidence[window].copy()
    hidden = slice(120, 180)  # 2 s with the left knee hidden (e.g. behind furniture)
    confidence[hidden, BLAZEPOSE_33_NAMES.index("left_knee")] = 0.1
    series = KeypointSeries(
        walk.time_s[window] - walk.time_s[60],
        walk.names,
        walk.positions[window],
        confidence,
        walk.frame,
    )
    results, events = _run(series, library)
    ok = np.array([r.tracking_ok for r in results])
    assert ok[100:120].all()
    assert not ok[135:180].any()  # paused within 0.3 s of the knee disappearing
    assert ok[200:].all()  # resumed after 0.5 s of good tracking
    paused = [c for r in results[120:140] for c in r.cues if c.topic == "tracking"]
    assert paused and "left knee" in paused[0].text and "paused" in paused[0].text
    assert "left knee" in results[150].overlay.alert
    assert results[150].overlay.angle_deg is None
    # No repetition is counted from the hidden period.
    reps = [e for e in events if e.kind is EventKind.REPETITION]
    assert reps, "walking steps should be counted outside the hidden period"
    hidden_start, hidden_end = series.time_s[125], series.time_s[180]
    assert not [e for e in reps if hidden_start <= e.t_s <= hidden_end]


def test_side_bend_hold_readout_on_keraal_keypoints(shared_data, library) -> None:  # type: ignore[no-untyped-def]
    """KERAAL flank stretch (BlazePose, seated, front view): the overlay shows the bend
    against the target zone, and the hold timer runs while a side is held."""
    from spinecoach.sources.keypoints import read_keypoints

    series = read_keypoints(shared_data / "keraal" / "G3-BP-ELK-P1T1-Unknown-C-0.json")
    info = VideoInfo("keraal", 960, 544, 30.0, series.n_frames)
    exercise = library.get("seated_side_bend")
    pipeline = build_pipeline(
        info,
        exercise,
        draw=True,
        keep_keypoints=False,
        backend=ReplayBackend(series),
        check_setup=False,
    )
    results = [
        pipeline.process(Frame(i, float(series.time_s[i]), np.zeros((544, 960, 3), np.uint8)))
        for i in range(series.n_frames)
    ]
    angles = np.array([r.overlay.angle_deg or np.nan for r in results], dtype=float)
    assert np.nanmax(angles) > exercise.signature.target_range_deg[0]  # reaches the zone
    holds = [r.overlay.hold_s for r in results if r.overlay.hold_s is not None]
    assert holds and max(holds) > 0.5
    assert results[-1].overlay.zone_deg == exercise.signature.target_range_deg
    assert any(e.kind is EventKind.HOLD_STARTED for e in pipeline.events)


def test_switch_restarts_the_analysis_and_tells_the_user(clip_pose, library) -> None:  # type: ignore[no-untyped-def]
    """Real walker keypoints, then (frame 90) the balance-trial person from another clip."""
    walk, _ = clip_pose("sports2d_walk_side.mp4")
    balance, _ = clip_pose("pose2sim_single_cam01.mp4")
    other = balance.positions[:90].copy()
    other[..., :2] = other[..., :2] * (720 / 1920) + np.array([900.0, 0.0])
    series = KeypointSeries(
        np.arange(180) / 30.0,
        walk.names,
        np.concatenate([walk.positions[100:190], other]),
        np.concatenate([walk.confidence[100:190], balance.confidence[:90]]),
        walk.frame,
    )
    info = VideoInfo("spliced", 1280, 720, 30.0, 180)
    pipeline = build_pipeline(
        info,
        library.get("slow_walking"),
        draw=False,
        keep_keypoints=True,
        backend=ReplayBackend(series),
        check_setup=False,
    )
    image = np.zeros((720, 1280, 3), np.uint8)
    first_analyzer = None
    results = []
    for i in range(180):
        results.append(pipeline.process(Frame(i, i / 30.0, image)))
        if i == 89:
            first_analyzer = pipeline.analyzer
    assert pipeline.switch_frames == [90]
    assert pipeline.analyzer is not first_analyzer  # a fresh start position for the new person
    cues = [c.text for c in results[90].cues]
    assert any("switched to another person" in c and "only you" in c for c in cues)
    assert not results[90].tracking_ok and "switched" in results[90].overlay.alert


def test_dark_room_gives_a_setup_instruction(shared_data, library) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.sources.keypoints import read_keypoints

    series = read_keypoints(shared_data / "keraal" / "G3-BP-ELK-P1T1-Unknown-C-0.json")
    info = VideoInfo("keraal", 960, 544, 30.0, 40)
    pipeline = build_pipeline(
        info,
        library.get("seated_side_bend"),
        draw=False,
        keep_keypoints=False,
        backend=ReplayBackend(series),
    )
    dark = np.full((544, 960, 3), 12, np.uint8)
    cues = [c for i in range(40) for c in pipeline.process(Frame(i, i / 30.0, dark)).cues]
    setup = [c.text for c in cues if c.topic == "setup"]
    assert any("too dark" in text for text in setup)
    assert pipeline.setup is not None
    assert "too_dark" in [issue.code for issue in pipeline.setup.issues]
