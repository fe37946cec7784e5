"""Pose in the browser (issue 13 §1): camera frames never leave the device.

Debian's Chromium with a fake webcam fed a real clip (the side-view walk of
``../shared/data/video/sports2d_walk_side.mp4``, 1.5-10.5 s, 640x360 at 15 fps) runs a
guided session in the default mode. The test watches the WebSocket and every request the
page (and its worker) makes, and shows:

* zero binary frames on the WebSocket: only JSON keypoints messages, with the page's
  measured detection rate and mean confidence;
* keypoints arriving at >= 10 per second;
* no request to any host but the app's;
* the same walking steps (knee-flexion swing peaks, the clip's repeated movement) as
  server-side pose finds: per pass of the looping clip, within 20 % (at least 1) of
  server-side pose on the same frames, knee angles within 10° on average, and within 3 of
  server-side pose on every frame in the passes the browser's results cover without a gap
  (figures printed; docs/web.md states them);
* the server-side fallback still works when the person chooses it, and then sends frames.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pytest
from scipy.signal import find_peaks
from tests.web.browser_steps import onboard
from tests.web.conftest import camera_clip, launch_chromium, serve

from spinecoach.settings import Settings
from spinecoach.web.app import create_app
from spinecoach.web.context import STATIC_DIR

# Keypoint rate is measured: run alone, not beside another test worker (`make test` does)
pytestmark = [pytest.mark.slow, pytest.mark.solo]

CLIP_START_S, CLIP_S, FPS = 1.5, 9.0, 15
HIP, KNEE, ANKLE = (23, 24), (25, 26), (27, 28)
MAX_GAP_S = 0.5  # a gap this long can hide one swing peak (~0.3 s wide), not more: within 3


@pytest.fixture(scope="module")
def walk_y4m(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("camera") / "walk9s.y4m"
    return camera_clip(shared_data, out, CLIP_START_S, CLIP_S, FPS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (STATIC_DIR / "vendor" / "models" / "pose_landmarker_full.task").is_file():
        pytest.fail("browser pose assets missing: run `make web-assets` (make test does)")
    app = create_app(
        Settings(data_dir=tmp_path_factory.mktemp("data"), secret_key="pose-" + "s" * 40)
    )
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(walk_y4m: Path) -> Iterator[Any]:
    with launch_chromium(walk_y4m) as browser:
        yield browser


def _onboard(page: Any, server: str, email: str) -> None:
    onboard(page, server, "Sam Patel", email, pain_now="5", pain_average="4",
            duration_weeks="14", age="47", desk_hours="7")  # fmt: skip


def _knee_flexion(points: np.ndarray) -> np.ndarray:
    """Per frame, the larger of the two knee flexion angles (degrees) from image keypoints
    ``(n, 33, 2)`` (in a side view MediaPipe can swap near and far leg)."""
    out = []
    for hip, knee, ankle in zip(HIP, KNEE, ANKLE, strict=True):
        thigh = points[:, hip] - points[:, knee]
        shank = points[:, ankle] - points[:, knee]
        cos = np.sum(thigh * shank, axis=1) / (
            np.linalg.norm(thigh, axis=1) * np.linalg.norm(shank, axis=1)
        )
        out.append(180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    return np.fmax(out[0], out[1])


def _peaks(clip_t: np.ndarray, knees: np.ndarray) -> np.ndarray:
    """Clip times of knee swing peaks (prominence 20°, >= 0.35 s apart)."""
    ok = np.isfinite(knees)
    t, k = clip_t[ok], knees[ok]
    uniform = np.arange(t[0], t[-1], 1.0 / FPS)
    peaks, _ = find_peaks(np.interp(uniform, t, k), prominence=20.0, distance=int(0.35 * FPS))
    return np.asarray(uniform[peaks])


def _features(points: np.ndarray) -> np.ndarray:
    """Where the walker is (mid-hip x) and which way they are going (the sign of the hip's
    motion between neighbouring results): within one pass of the clip this names the frame,
    whatever the playback speed or the detection rate."""
    with warnings.catch_warnings():  # frames without a person: nan
        warnings.simplefilter("ignore", RuntimeWarning)
        hip_x = np.nanmean(points[:, list(HIP), 0], axis=1)
    going = np.sign(np.gradient(hip_x)) if len(hip_x) > 1 else np.zeros_like(hip_x)
    return np.stack([hip_x, 1000.0 * going], axis=1)


def _server_side_pose(walk_y4m: Path) -> np.ndarray:
    """The server's pose backend (what `/ws/session?source=camera` runs) on every frame."""
    import cv2

    from spinecoach.sources.pose import create_backend

    backend = create_backend("mediapipe", model_complexity=1)
    capture = cv2.VideoCapture(str(walk_y4m))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(backend.estimate(frame)[0][:, :2])
    capture.release()
    return np.array(frames, dtype=float)


def compare_steps(
    browser: np.ndarray, server: np.ndarray
) -> list[tuple[int, int, int, float, float]]:
    """Per complete pass of the looping clip in the browser's stream: (browser steps,
    server-side steps on the frames the browser analysed, server-side steps on every frame of
    the same clip span, mean |knee angle difference| to the matching frame, the longest gap in
    clip seconds between the browser's results in that pass).

    Each browser result is matched to the server frame showing the walker at the same place
    facing the same way; a jump back in clip time starts a new pass.
    """
    server_f, browser_f = _features(server), _features(browser)
    ok_server = np.all(np.isfinite(server_f), axis=1)
    server_idx = np.flatnonzero(ok_server)
    clip_t = np.full(len(browser), np.nan)
    for i, f in enumerate(browser_f):
        if np.all(np.isfinite(f)):
            j = server_idx[np.argmin(np.abs(server_f[ok_server] - f).sum(axis=1))]
            clip_t[i] = j / FPS
    server_knees, browser_knees = _knee_flexion(server), _knee_flexion(browser)
    server_t = np.arange(len(server)) / FPS
    seen = np.flatnonzero(np.isfinite(clip_t))
    starts = [0, *(k + 1 for k in np.flatnonzero(np.diff(clip_t[seen]) < -3.0)), len(seen)]
    out = []
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        rows = seen[a:b]
        t = clip_t[rows]
        if len(rows) < 10 or t[-1] - t[0] < 0.8 * CLIP_S:
            continue  # a pass cut by the start or end of the recording
        order = np.argsort(t, kind="stable")
        b_peaks = _peaks(t[order], browser_knees[rows][order])
        in_span = (server_t >= t.min()) & (server_t <= t.max())
        s_peaks = _peaks(server_t[in_span], server_knees[in_span])
        frames = np.rint(t * FPS).astype(int)
        same = _peaks(t[order], server_knees[frames][order])  # server pose, browser's frames
        diff = np.nanmean(np.abs(browser_knees[rows] - server_knees[frames]))
        gap = float(np.max(np.diff(t[order])))
        out.append((len(b_peaks), len(same), len(s_peaks), float(diff), gap))
    return out


def test_frames_never_leave_the_browser(chromium: Any, server: str, walk_y4m: Path) -> None:
    context = chromium.new_context(permissions=["camera"])
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.on("worker", lambda w: requests.append(w.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sent: list[tuple[float, Any]] = []  # (monotonic s, payload) of every client->server frame

    def on_socket(ws: Any) -> None:
        ws.on("framesent", lambda payload: sent.append((time.monotonic(), payload)))

    page.on("websocket", on_socket)
    _onboard(page, server, "sam@example.org")
    page.goto(server + "/session")
    assert "Your video stays on this device" in page.inner_text("#intro")
    page.click("#start-camera")
    page.wait_for_function("() => window.spinecoachStats.keypointsSent >= 5", timeout=90_000)
    first = time.monotonic()
    page.wait_for_timeout(2 * CLIP_S * 1000)  # two passes of the looping clip
    stats = page.evaluate("({...window.spinecoachStats, rtts: window.spinecoachStats.rtts.length})")
    page.click("#stop")
    context.close()

    binary = [p for _, p in sent if isinstance(p, bytes | bytearray)]
    assert binary == [], f"{len(binary)} binary frames left the page"
    keypoints = [(at, json.loads(p)) for at, p in sent if isinstance(p, str) and '"keypoints"' in p]
    window = [(at, m) for at, m in keypoints if at >= first]
    rate = len(window) / (window[-1][0] - window[0][0])
    print(
        f"keypoints messages: {rate:.1f}/s; page: {stats['detectFps']:.1f} detections/s, "
        f"{stats['detectMs']:.0f} ms each, mean confidence {stats['confidence']:.2f}"
    )
    last = window[-1][1]
    assert len(last["keypoints"]) == 33 and 0.0 < last["confidence"] <= 1.0
    # [x, y, z, visibility]: the model's relative depth (pixels) goes with every point, so
    # trunk rotation is measurable in the web session (issue 11)
    assert all(len(p) == 4 for _, m in window for p in m["keypoints"])
    seen = [p for _, m in window for p in m["keypoints"] if p[0] is not None]
    assert seen and all(isinstance(p[2], float | int) for p in seen)
    assert last["detect_fps"] > 0
    hosts = {urlparse(u).netloc for u in requests if not u.startswith(("data:", "blob:"))}
    assert hosts == {urlparse(server).netloc}, hosts
    assert not errors, errors

    # The same steps as server-side pose on the same frames.
    points = np.array(
        [[(np.nan, np.nan) if p[0] is None else (p[0], p[1]) for p in m["keypoints"]]
         for _, m in window],
        dtype=float,
    )  # fmt: skip
    passes = compare_steps(points, _server_side_pose(walk_y4m))
    print(
        "steps per pass (browser; server-side pose on the same frames; on every frame; "
        "mean |knee difference| deg; longest gap s):",
        passes,
    )
    assert passes, "no complete pass of the clip"
    for browser_steps, same_frames, every_frame, knee_diff, _gap in passes:
        assert every_frame >= 10
        # the same model in two runtimes on approximately matched frames: steps agree within
        # 20 % (seen: 7/7, 10/10, 5/5, 4/3, 14/16, 11/13, 16/16, 2/3)
        assert abs(browser_steps - same_frames) <= max(1, round(0.2 * same_frames))
        assert knee_diff < 10.0
    # Against server-side pose on every frame only where the browser's results cover the pass:
    # a stall of the page (seen once in CI: a pass with 2 steps found at 18 keypoints/s
    # overall) leaves out swing peaks that no model could find in frames it never saw.
    covered = [p for p in passes if p[4] <= MAX_GAP_S]
    assert covered, f"no pass of the clip without a gap over {MAX_GAP_S} s"
    for browser_steps, _same, every_frame, _diff, _gap in covered:
        assert abs(browser_steps - every_frame) <= 3
    assert rate >= 10.0, f"keypoints at {rate:.1f}/s"


def test_server_side_pose_is_a_choice_that_says_frames_are_sent(chromium: Any, server: str) -> None:
    context = chromium.new_context(permissions=["camera"])
    page = context.new_page()
    binary: list[int] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framesent",
            lambda p: binary.append(len(p)) if isinstance(p, bytes | bytearray) else None,
        ),
    )
    _onboard(page, server, "lee@example.org")
    page.goto(server + "/session")
    label = page.inner_text("label[for=send-frames]")
    assert "frames of your video are then sent to the server" in label
    page.check("#send-frames")
    page.click("#start-camera")
    page.wait_for_function("() => window.spinecoachStats.landmarkFrames >= 3", timeout=90_000)
    page.click("#stop")
    context.close()
    assert len(binary) >= 3
