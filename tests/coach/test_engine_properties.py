"""Properties over random sessions: cues in time order, consistent, gated; one result each."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.coach.helpers import ISOMETRIC, LIBRARY, PNF, STATIC, TEMPO, make_plan

from spinecoach.coach.clock import FakeClock
from spinecoach.coach.cues import GateSettings
from spinecoach.coach.engine import SessionEngine
from spinecoach.coach.sink import MemorySink
from spinecoach.motion.types import EventKind, FormFlag, Hold, MotionEvent, Repetition

EXERCISES = [STATIC, PNF, TEMPO, ISOMETRIC]


def _event(kind: EventKind, t: float) -> MotionEvent:
    if kind is EventKind.REPETITION:
        return MotionEvent(t, kind, Repetition(t - 3, t - 1.5, t, 25.0, 25.0))
    if kind is EventKind.FORM:
        return MotionEvent(t, kind, FormFlag(t, "too_fast", "too fast"))
    if kind is EventKind.HOLD_ENDED:
        return MotionEvent(t, kind, Hold(t - 2, t, 20.0, 1.0))
    if kind is EventKind.ZONE_LEFT:
        return MotionEvent(t, kind, detail="above the range")
    return MotionEvent(t, kind)


actions = st.lists(
    st.tuples(
        st.floats(min_value=0.05, max_value=6.0),
        st.sampled_from([*EventKind, "tick", "pain", "symptom_ok"]),
    ),
    min_size=5,
    max_size=120,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan_exercises=st.lists(st.sampled_from(EXERCISES), min_size=1, max_size=3),
    sensor=st.booleans(),
    steps=actions,
)
def test_random_sessions_keep_their_promises(rules, plan_exercises, sensor, steps) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    sink = MemorySink()
    engine = SessionEngine(
        make_plan(*plan_exercises), LIBRARY, rules, clock=clock, sink=sink, sensor=sensor
    )
    given_cues = list(engine.start())
    tracking = []  # (cue, whether tracking was ok around the call that gave it)
    for dt, action in steps:
        clock.advance(dt)
        seen_before = engine.tracking_ok
        if action == "tick":
            out = engine.tick()
        elif action == "pain":
            out = engine.report_pain(2)
        elif action == "symptom_ok":
            out = engine.report_symptoms({"centralisation"})
        else:
            out = engine.on_motion_event(_event(EventKind(action), clock.now()))
        given_cues += out
        # a call's cues come before (pacing) or after (the event) its state change
        tracking += [(c, seen_before or engine.tracking_ok) for c in out]
    # finish the session on the clock alone
    engine.end_sensor()
    for _ in range(20_000):
        if engine.finished:
            break
        clock.advance(1.0)
        given_cues += engine.tick()
        if engine.state()["awaiting"] == "pain":
            given_cues += engine.report_pain(2)
    assert engine.finished
    times = [c.t_s for c in given_cues]
    assert times == sorted(times), "cues must come in time order"
    window = GateSettings().contradiction_window_s
    last: dict[str, tuple[float, str]] = {}
    for cue in given_cues:
        if cue.topic:
            previous = last.get(cue.topic)
            if previous is not None and previous[1] != cue.text:
                assert cue.t_s - previous[0] >= window, (previous, cue)
            last[cue.topic] = (cue.t_s, cue.text)
    for cue, ok in tracking:
        if cue.kind.value in ("form", "encouragement") and not ok:
            raise AssertionError(f"{cue} given while tracking was lost")
    # every exercise that started produced exactly one result; the session was summarised
    assert len(sink.summaries) == 1
    indices = [r.index for r in sink.results]
    assert len(indices) == len(set(indices))
    if sink.summaries[0].status == "completed":
        assert len(sink.results) >= len(plan_exercises)
    for result in sink.results:
        assert 0 <= result.reps_done
        assert result.tracking["measured_reps"] <= result.reps_done
