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
from collections.abc import Iterator
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
STILL_S = 4.0
MAX_S = 400.0


@pytest.fixture(scope="module")
def twist_stream(shared_data: Path) -> tuple[KeypointSeries, np.ndarray]:
    """4 s sitting still, then slow twists right and left (8 s each cycle), seen from the
    front: 2 px depth noise on the estimator's depth (gain 0.4)."""
    vicon = read_keypoints(shared_data / "keraal" / "G3-Vicon-CTK-P1T1-Unknown-C-0.txt")
    vicon = KeypointSeries(
        vicon.time_s[::2].copy(),
        vicon.names,
        vicon.positions[::2].copy(),
        vicon.confidence[::2].copy(),
        vicon.frame,
    )
    base = still_pose(vicon, int(MAX_S * RATE_HZ), RATE_HZ)
    cycles = (MAX_S - STILL_S) / 8.0
    turn = sinusoidal_twist(base.time_s, AMPLITUDE_DEG, 8.0, STILL_S, cycles)
    return project(twist_upper_body(base, turn), Camera(depth_noise_px=2.0)), turn


def _messages(image: KeypointSeries, depth: bool) -> Iterator[tuple[float, str]]:
    """Per frame, the page's keypoints message: 33 BlazePose points, ``[x, y, z, v]`` (or
    the old ``[x, y, v]``), null where the model has no such point."""
    columns = [image.names.index(n) if n in image.names else -1 for n in BLAZEPOSE_33_NAMES]
    dims = 3 if depth else 2
    for i in range(image.n_frames):
        points: list[list[float | None]] = []
        for j in columns:
            if j < 0:
                points.append([None] * dims + [0.0])
                continue
            values = [float(v) for v in image.positions[i, j, :dims]]
            points.append([v if math.isfinite(v) else None for v in values])
            points[-1].append(float(image.confidence[i, j]))
        t_s = float(image.time_s[i])
        yield t_s, json.dumps({"type": "keypoints", "t": t_s * 1000.0, "keypoints": points})


def _session(browser: Browser, image: KeypointSeries, depth: bool) -> tuple[LiveSession, Any]:
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
    for t_s, text in _messages(image, depth):
        if live.engine.finished:
            break
        clock.set(t_s)
        message = parse_message(text)
        points, confidence, names = parse_keypoints(message.model_dump(), BLAZEPOSE_33_NAMES)
        live.push_keypoints(points, confidence, names)
        if live.engine.state()["awaiting"] == "pain":
            live.control({"type": "pain", "pain": 2})
    live.close()
    return live, events


def test_twists_are_measured_from_the_pages_keypoints_with_depth(
    browser: Browser, twist_stream: tuple[KeypointSeries, np.ndarray]
) -> None:
    browser.onboard("Ann", "ann@example.org")
    image, _turn = twist_stream
    live, events = _session(browser, image, depth=True)
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
    browser: Browser, twist_stream: tuple[KeypointSeries, np.ndarray]
) -> None:
    browser.onboard("Ann", "ann@example.org")
    image, _turn = twist_stream
    cut = KeypointSeries(
        image.time_s[:1200], image.names, image.positions[:1200], image.confidence[:1200],
        image.frame,
    )  # fmt: skip
    live, events = _session(browser, cut, depth=False)
    assert not [e for e in events if e.kind is EventKind.REPETITION]
    current = live.feed.current
    assert current is None or current.analyzer is None or current.analyzer.tracker.n_valid == 0
