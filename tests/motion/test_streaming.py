"""Streaming and batch analysis give the same repetitions, holds and flags on the same data."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_motion import holds_signal, lateral_bend_series, reps_signal, with_gaps

from spinecoach.domain.exercise import ExcursionDirection, SensorSignature, SignatureMode, View
from spinecoach.motion.analysis import analyze, analyze_measures, error_codes_for
from spinecoach.motion.events import EventParameters
from spinecoach.motion.measures import compute_measures
from spinecoach.motion.streaming import StreamingAnalyzer
from spinecoach.motion.types import EventKind, KeypointSeries

#: Batch with the live first-second start position: the same tracker gives the same events.
LIVE_BASELINE = EventParameters(whole_recording_neutral=False)

LATERAL = SensorSignature(
    "trunk_lateral_flexion_deg",
    SignatureMode.HOLD,
    View.FRONT,
    (10.0, 40.0),
    ExcursionDirection.BOTH,
    8.0,
    imu_angle="lumbar_lateral_flexion_deg",
)


def stream(series: KeypointSeries, analyzer: StreamingAnalyzer):  # type: ignore[no-untyped-def]
    emitted = []
    for i in range(series.n_frames):
        emitted += analyzer.push_keypoints(
            float(series.time_s[i]), series.positions[i], series.confidence[i], series.names
        )
    return emitted, analyzer.finish()


def assert_same(batch, live):  # type: ignore[no-untyped-def]
    assert live.repetitions == batch.repetitions
    assert live.holds == batch.holds
    assert live.form_flags == batch.form_flags
    assert live.zone == batch.zone
    assert live.tracking == batch.tracking


@pytest.mark.parametrize("system", ["blazepose", "openpose", "kinect", "vicon"])
def test_keraal_batch_equals_streaming(keraal, side_bend, system):  # type: ignore[no-untyped-def]
    series = keraal[(system, "ELK")]
    batch = analyze(series, side_bend, params=LIVE_BASELINE)
    analyzer = StreamingAnalyzer(
        side_bend.signature,
        dose=side_bend.dose,
        frame=series.frame,
        exercise_id=side_bend.id,
        error_codes=error_codes_for(side_bend),
    )
    emitted, live = stream(series, analyzer)
    assert_same(batch, live)
    assert len(live.repetitions) == 2
    reps = [e.payload for e in emitted if e.kind is EventKind.REPETITION]
    assert reps == list(batch.repetitions)


@pytest.mark.parametrize("gap_fraction", [0.0, 0.15])
@pytest.mark.parametrize("view", ["3d", "front"])
def test_synthetic_keypoints_batch_equals_streaming(gap_fraction, view):  # type: ignore[no-untyped-def]
    t, angle, _ = holds_signal(2, -20.0, 4.0, noise_deg=0.8, seed=5)
    t2, angle2, _ = holds_signal(2, 25.0, 4.0, noise_deg=0.8, seed=6)
    angle = with_gaps(np.concatenate([angle, angle2]), gap_fraction, seed=7, run=3)
    time_s = np.concatenate([t, t2 + t[-1] + 1 / 30])
    series = lateral_bend_series(angle, time_s, view)
    measures = compute_measures(series, names=["trunk_lateral_flexion_deg"])
    batch = analyze_measures(measures, LATERAL, params=LIVE_BASELINE)
    analyzer = StreamingAnalyzer(LATERAL, frame=series.frame)
    _, live = stream(series, analyzer)
    assert_same(batch, live)
    assert [r.side.value for r in live.repetitions] == ["left", "left", "right", "right"]
    assert len(live.holds) == 4


def test_imu_path_push_measures_equals_batch():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(4, 20.0, 5.0, noise_deg=1.0, two_sided=True, rate_hz=100.0)
    angle = with_gaps(angle, 0.05)
    from spinecoach.motion.types import MeasureSeries

    measures = MeasureSeries(t, {"lumbar_lateral_flexion_deg": angle})
    batch = analyze_measures(measures, LATERAL, angle=LATERAL.imu_angle, params=LIVE_BASELINE)
    analyzer = StreamingAnalyzer(LATERAL, angle=LATERAL.imu_angle, sample_rate_hz=100.0)
    for t_s, value in zip(t.tolist(), angle.tolist(), strict=True):
        analyzer.push_measures(t_s, {"lumbar_lateral_flexion_deg": value})
    live = analyzer.finish()
    assert_same(batch, live)
    assert len(live.repetitions) == 8


def test_events_are_emitted_as_they_happen():  # type: ignore[no-untyped-def]
    t, angle, truth = holds_signal(1, 25.0, 5.0)
    series = lateral_bend_series(angle, t)
    analyzer = StreamingAnalyzer(LATERAL, frame=series.frame)
    seen: list[tuple[float, EventKind]] = []
    for i in range(series.n_frames):
        for event in analyzer.push_keypoints(
            float(t[i]), series.positions[i], series.confidence[i], series.names
        ):
            seen.append((float(t[i]), event.kind))
    kinds = [k for _, k in seen]
    assert kinds.index(EventKind.HOLD_STARTED) < kinds.index(EventKind.HOLD_ENDED)
    assert kinds.index(EventKind.HOLD_ENDED) < kinds.index(EventKind.REPETITION)
    hold_started_at = next(at for at, k in seen if k is EventKind.HOLD_STARTED)
    tracker = analyzer.tracker
    assert tracker.hold_start_s is None and not tracker.in_repetition
    assert tracker.last_excursion_deg is not None and tracker.last_excursion_deg < 1.0
    assert hold_started_at == pytest.approx(truth[0][0] + 1.0, abs=0.5)  # after 1 s steady


def test_tracking_lost_in_stream_when_keypoints_vanish():  # type: ignore[no-untyped-def]
    t, angle = reps_signal(1, 20.0, 4.0)
    angle = angle.copy()
    angle[(t > 2.0) & (t < 3.0)] = np.nan
    series = lateral_bend_series(angle, t)
    emitted, _ = stream(series, StreamingAnalyzer(LATERAL, frame=series.frame))
    kinds = [e.kind for e in emitted]
    assert EventKind.TRACKING_LOST in kinds and EventKind.TRACKING_RESTORED in kinds


def test_unmeasurable_primary_in_stream(keraal):  # type: ignore[no-untyped-def]
    series = keraal[("openpose", "ELK")]
    sig = SensorSignature("trunk_rotation_deg", SignatureMode.REPETITIVE, View.ANY, (10.0, 40.0))
    _, live = stream(series, StreamingAnalyzer(sig, frame=series.frame))
    assert "3D" in live.tracking["unmeasurable"]
    assert live.repetitions == ()
