"""Trunk rotation in the web live session (issue 11): keypoints carry the estimator's depth.

The page's pose worker (MediaPipe tasks-vision) sends ``[x, y, z, visibility]`` per point,
``z`` the model's relative depth in pixels. A known seated twist (the KERAAL Vicon skeleton
turned about the vertical and projected through a pinhole camera with pixel noise and an
estimator's under-scaled, noisy depth, as in ``tests/motion/test_rotation_monocular.py``) is
sent as keypoints WebSocket messages, parsed at the edge and fed to the web
:class:`LiveSession`, exactly as the page's messages are. With depth the twists are counted,
both sides, at about their true size; without it (the old 3-value message, still accepted)
rotation is not measurable. While the rotation calibrates on the first still half second the
person is not told they are out of view (they were, before: "the part of your body being
measured is out of view" at the start of every twist).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from tests.web.conftest import Browser

from spinecoach.cli.session import select_exercises
from spinecoach.coach.clock import FakeClock
from spinecoach.domain.planning import relabel
from spinecoach.motion.projection import (
    Camera,
    project,
    sinusoidal_twist,
    still_pose,
    twist_upper_body,
)
from spinecoach.motion.types import EventKind, KeypointSeries
from spinecoach.sources.keypoints import read_keypoints
from spinecoach.sources.pose.landmarks import BLAZEPOSE_33_NAMES
from spinecoach.store import models
from spinecoach.store.repositories import PlanRepository, plan_from_row
from spinecoach.web.live import LiveSession, parse_keypoints
from spinecoach.web.messages import parse_message

EXERCISE = "seated_spinal_twist"
RATE_HZ = 30.0
AMPLITUDE_DEG = 35.0
MAX_S = 400.0


@pytest.fixture(scope="module")
def views(shared_data: Path) -> tuple[KeypointSeries, KeypointSeries]:
    """The seated person seen from the front (2 px depth noise on the estimator's depth,
    gain 0.4): still, and twisting right and left from its first frame on (8 s a cycle)."""
    vicon = read_keypoints(shared_data / "keraal" / "G3-Vicon-CTK-P1T1-Unknown-C-0.txt")
    vicon = KeypointSeries(
        vicon.time_s[::2].copy(),
        vicon.names,
        vicon.positions[::2].copy(),
        vicon.confidence[::2].copy(),
        vicon.frame,
    )
    base = still_pose(vicon, int(MAX_S * RATE_HZ), RATE_HZ)
    turn = sinusoidal_twist(base.time_s, AMPLITUDE_DEG, 8.0, 0.0, MAX_S / 8.0)
    camera = Camera(depth_noise_px=2.0)
    return project(base, camera, seed=0), project(twist_upper_body(base, turn), camera, seed=1)


def _message(image: KeypointSeries, i: int, t_s: float, depth: bool) -> str:
    """The page's keypoints message for frame ``i`` of ``image``: 33 BlazePose points,
    ``[x, y, z, v]`` (or the old ``[x, y, v]``), null where the model has no such point."""
    dims = 3 if depth else 2
    points: list[list[float | None]] = []
    for name in BLAZEPOSE_33_NAMES:
        if name not in image.names:
            points.append([None] * dims + [0.0])
            continue
        j = image.names.index(name)
        values = [float(v) for v in image.positions[i, j, :dims]]
        points.append([v if math.isfinite(v) else None for v in values])
        points[-1].append(float(image.confidence[i, j]))
    return json.dumps({"type": "keypoints", "t": t_s * 1000.0, "keypoints": points})


def _session(
    browser: Browser, views: tuple[KeypointSeries, KeypointSeries], depth: bool
) -> tuple[LiveSession, Any]:
    """A web session of the twist, fed the page's messages: the person sits still until
    the exercise has begun and 3 s more (getting into position, as the page asks), then
    twists right and left until the session ends."""
    still, twisting = views
    ctx = browser.app.state.ctx
    with ctx.session_factory() as db:
        person = db.scalars(select(models.Person)).one()
        row = PlanRepository(db).latest_row(person.id)
        assert row is not None
        plan = select_exercises(relabel(plan_from_row(row), ctx.library), [EXERCISE], ctx.library)
        person_id, plan_id = person.id, row.id
    clock = FakeClock()
    live = LiveSession(ctx, person_id, plan, plan_id, "keypoints", clock=clock)
    live.start()
    events: list[Any] = []
    push = live.feed.push

    def watched(exercise: Any, frame: Any, run: object = None) -> Any:
        out = push(exercise, frame, run)
        events.extend(out)
        return out

    live.feed.push = watched  # type: ignore[method-assign]  # record the motion events
    twist_from: int | None = None
    for i in range(still.n_frames):
        if live.engine.finished:
            break
        t_s = float(still.time_s[i])
        current = live.feed.current
        if twist_from is None and current is not None and current.exercise is not None:
            twist_from = i + int(3.0 * RATE_HZ)
        if twist_from is None or i < twist_from:
            text = _message(still, i, t_s, depth)
        else:
            text = _message(twisting, i - twist_from, t_s, depth)
        clock.set(t_s)
        message = parse_message(text)
        points, confidence, names = parse_keypoints(message.model_dump(), BLAZEPOSE_33_NAMES)
        live.push_keypoints(points, confidence, names)
        if live.engine.state()["awaiting"] == "pain":
            live.control({"type": "pain", "pain": 2})
    live.close()
    return live, events


def test_twists_are_measured_from_the_pages_keypoints_with_depth(
    browser: Browser, views: tuple[KeypointSeries, KeypointSeries]
) -> None:
    browser.onboard("Ann", "ann@example.org")
    live, events = _session(browser, views, depth=True)
    assert live.engine.finished
    (result,) = [r for r in live.engine.results if r.exercise_id == EXERCISE]
    assert result.tracking["measured"]
    reps = [e.payload for e in events if e.kind is EventKind.REPETITION]
    sides = [r.side.value for r in reps]
    print("twists:", [(r.side.value, round(r.peak_deg)) for r in reps], result.ranges_deg)
    assert result.reps_done == result.reps_target == 10
    assert {"left", "right"} <= set(sides)
    assert all(s != t for s, t in zip(sides, sides[1:], strict=False))  # right, left, ...
    # the stored ranges: the twists' true size (35 deg), seen as 28-38 deg
    assert all(abs(r - AMPLITUDE_DEG) < 8.0 for r in result.ranges_deg)
    assert abs(float(np.median(result.ranges_deg)) - AMPLITUDE_DEG) < 4.0
    # calibrating the rotation on the still start is not "out of view"
    assert not [e for e in events if e.kind is EventKind.TRACKING_LOST]


def test_without_depth_rotation_is_not_measured(
    browser: Browser, views: tuple[KeypointSeries, KeypointSeries]
) -> None:
    browser.onboard("Ann", "ann@example.org")
    live, events = _session(browser, views, depth=False)
    assert not [e for e in events if e.kind is EventKind.REPETITION]
    (result,) = [r for r in live.engine.results if r.exercise_id == EXERCISE]
    assert not result.ranges_deg
    # one clear message that rotation needs depth, not "out of view" cues (before: a
    # tracking-lost event and "I can't see you clearly" once the start position was reached)
    told = [e for e in events if e.kind is EventKind.NOT_MEASURABLE]
    assert len(told) == 1 and "needs depth" in (told[0].detail or "")
    assert not [e for e in events if e.kind is EventKind.TRACKING_LOST]
    said = [c.text for c in live.engine.cues]
    assert sum("needs depth" in text for text in said) == 1
    assert not [text for text in said if "can't see you" in text]
