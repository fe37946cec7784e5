"""Sensor inputs of ``spinecoach session``: each opens as a stream of coach frames.

| option | source | live |
|---|---|---|
| ``--keypoints FILE`` | any keypoint file ``spinecoach analyze`` reads | no (replayed) |
| ``--video FILE`` | pose estimation on a video file | no (replayed) |
| ``--camera N`` | pose estimation on webcam N | yes |
| ``--imu FILE`` | any IMU recording (orientation -> lumbar/pelvic angles) | no (replayed) |
| ``--imu-stream URL`` | JSON-lines samples, ``udp://HOST:PORT`` or ``ws://HOST:PORT`` | yes |
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from spinecoach.coach.feed import Frame, MotionFeed
from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidInput

log = logging.getLogger(__name__)


@dataclass
class SessionInput:
    """An opened input: frames, the feed that analyses them, and how to drive them."""

    name: str
    frames: Iterator[Frame] | None
    feed: MotionFeed | None
    live: bool
    description: str

    @property
    def sensor(self) -> bool:
        """Whether a sensor steers the session."""
        return self.frames is not None


def timer_input() -> SessionInput:
    """No sensor: the session runs on the clock alone."""
    return SessionInput("timer", None, None, False, "timers only")


def keypoints_input(path: Path, min_confidence: float) -> SessionInput:
    """Replay a keypoint file (BlazePose/OpenPose/Kinect/Vicon JSON or text, our CSV)."""
    from spinecoach.sources.keypoints import read_keypoints

    series = read_keypoints(path)
    names = series.names

    def frames() -> Iterator[Frame]:
        for i in range(series.n_frames):
            yield Frame(float(series.time_s[i]), series.positions[i], series.confidence[i], names)

    rate = float(series.metadata.get("sample_rate_hz", 30.0) or 30.0)  # type: ignore[arg-type]
    return SessionInput(
        "keypoints",
        frames(),
        MotionFeed(min_confidence=min_confidence, sample_rate_hz=rate),
        False,
        f"{path.name}: {series.n_frames} frames ({series.source})",
    )


def imu_input(path: Path) -> SessionInput:
    """Replay an IMU recording: orientation and angles computed once, then streamed."""
    from spinecoach.sources.imu.live import recording_rows

    rows, names = recording_rows(path)

    def frames() -> Iterator[Frame]:
        for t, values in rows:
            yield Frame(t, measures=values)

    return SessionInput(
        "imu",
        frames(),
        MotionFeed(imu=True),
        False,
        f"{path.name}: {len(rows)} samples at the event rate, measures {', '.join(names)}",
    )


def _video_frames(stream: object, backend_name: str) -> Iterator[Frame]:
    from spinecoach.sources.pose.base import create_backend

    pose = create_backend(backend_name)
    names = tuple(pose.keypoint_names)
    try:
        for frame in stream:  # type: ignore[attr-defined]
            positions, confidence = pose.estimate(frame.image_bgr)
            height, width = frame.image_bgr.shape[:2]
            yield Frame(
                float(frame.t_s), positions[:, :2], confidence, names, None, (width, height)
            )
    finally:
        pose.close()
        stream.close()  # type: ignore[attr-defined]


def _pose_input(
    name: str, stream: object, min_confidence: float, live: bool, what: str
) -> SessionInput:
    """Pose estimation (the default backend) on the frames of a video ``stream``."""
    from spinecoach.sources.pose.base import DEFAULT_BACKEND

    return SessionInput(
        name,
        _video_frames(stream, DEFAULT_BACKEND),
        MotionFeed(min_confidence=min_confidence),
        live,
        f"{what} (pose estimation: {DEFAULT_BACKEND})",
    )


def video_input(path: Path, min_confidence: float) -> SessionInput:
    """Pose estimation on a video file, replayed as if it were a camera."""
    from spinecoach.sources.video.decode import VideoFileStream

    return _pose_input("video", VideoFileStream(path), min_confidence, False, path.name)


def camera_input(index: int, min_confidence: float) -> SessionInput:
    """Pose estimation on a live webcam."""
    from spinecoach.sources.video.decode import CameraStream

    return _pose_input("camera", CameraStream(index), min_confidence, True, f"camera {index}")


def _udp_lines(host: str, port: int, lines: queue.Queue[str | None]) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, port))
    sock.settimeout(0.5)
    try:
        while True:
            try:
                data, _ = sock.recvfrom(65536)
            except TimeoutError:
                continue
            if _queue_text(data.decode("utf-8", errors="replace"), lines):
                return
    finally:
        sock.close()


def _queue_text(text: str, lines: queue.Queue[str | None]) -> bool:
    """Queue each line of ``text``; return True at the protocol's end line."""
    for line in text.splitlines():
        if '"end"' in line and '"type"' in line:
            lines.put(None)
            return True
        if line.strip():
            lines.put(line)
    return False


def _ws_lines(host: str, port: int, lines: queue.Queue[str | None]) -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.server import ServerConnection, serve

    ended = threading.Event()

    def handler(connection: ServerConnection) -> None:
        try:
            for message in connection:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                if _queue_text(text, lines):
                    ended.set()
                    return
        except ConnectionClosed:
            return

    with serve(handler, host, port, max_size=1 << 20) as server:

        def stop_at_end() -> None:
            ended.wait()
            server.shutdown()

        threading.Thread(target=stop_at_end, daemon=True).start()
        server.serve_forever()


def stream_lines(url: str, flag: str) -> queue.Queue[str | None]:
    """Listen on ``udp://HOST:PORT`` or ``ws://HOST:PORT`` in a thread; lines arrive on the
    queue (``None`` at the protocol's end line)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("udp", "ws") or parsed.port is None:
        raise InvalidInput(
            gettext("{flag}: expected udp://HOST:PORT or ws://HOST:PORT, got {url}").format(
                flag=flag, url=repr(url)
            )
        )
    lines: queue.Queue[str | None] = queue.Queue()
    host = parsed.hostname or "127.0.0.1"
    kind = socket.SOCK_DGRAM if parsed.scheme == "udp" else socket.SOCK_STREAM
    try:  # one clear line now rather than a listener thread failing silently
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.bind((host, parsed.port))
    except OSError as exc:
        raise InvalidInput(
            gettext("{flag}: cannot listen on {url}: {value}").format(
                flag=flag, url=url, value=exc.strerror or exc
            )
        ) from None
    receive = _udp_lines if parsed.scheme == "udp" else _ws_lines
    threading.Thread(target=receive, args=(host, parsed.port, lines), daemon=True).start()
    return lines


def imu_stream_input(url: str) -> SessionInput:
    """Listen for live IMU samples (JSON lines, docs/imu.md) on ``udp://`` or ``ws://HOST:PORT``.

    Malformed lines are counted and skipped (the one decoder,
    :class:`~spinecoach.sources.imu.live.ImuLineDecoder`), never fatal.
    """
    from spinecoach.sources.imu.live import ImuLineDecoder

    lines = stream_lines(url, "--imu-stream")

    def frames() -> Iterator[Frame]:
        decoder = ImuLineDecoder()
        while not decoder.ended:
            line = lines.get()
            rows = decoder.end() if line is None else decoder.feed_line(line)
            for row_t, values in rows:
                yield Frame(row_t, measures=values)
        if decoder.n_bad_lines:
            log.warning("IMU stream: %d malformed line(s) skipped", decoder.n_bad_lines)

    return SessionInput("imu_stream", frames(), MotionFeed(imu=True), True, f"IMU stream {url}")


@dataclass
class SensorFeed:
    """A sensor plug-in beside the main input: its channel and how its lines arrive.

    Recordings (``NAME=FILE``) are replayed on the session clock while the person moves
    (like recorded main inputs); streams (``NAME=udp://HOST:PORT`` or ``ws://``) deliver
    lines as they come.
    """

    name: str
    channel: Any
    rows: list[tuple[float, dict[str, float]]] | None = None
    lines: queue.Queue[str | None] | None = None
    _t: float = 0.0
    _i: int = 0
    _last_clock: float | None = None

    def pump(self, clock_s: float, moving: bool) -> None:
        """Hand the channel everything due by ``clock_s`` (session seconds)."""
        if self.lines is not None:
            while True:
                try:
                    line = self.lines.get_nowait()
                except queue.Empty:
                    return
                if line is not None:
                    self.channel.feed(line)
        if self.rows is None:
            return
        if self._last_clock is not None and moving:
            self._t += max(clock_s - self._last_clock, 0.0)
        self._last_clock = clock_s
        start = self.rows[0][0]
        while self._i < len(self.rows) and self.rows[self._i][0] - start <= self._t:
            self.channel.push(*self.rows[self._i])
            self._i += 1


def open_sensor(spec: str) -> SensorFeed:
    """``NAME=FILE`` or ``NAME=udp://HOST:PORT`` / ``ws://HOST:PORT`` (a sensor plug-in)."""
    from spinecoach.sources.live_sources import sensor_plugins

    name, _, where = spec.partition("=")
    plugins = sensor_plugins()
    plugin = plugins.get(name)
    if plugin is None or plugin.channel is None or not where:
        raise InvalidInput(
            gettext(
                "--sensor: expected NAME=FILE or NAME=udp://HOST:PORT with "
                "NAME one of {plugins}, got {spec}"
            ).format(plugins=", ".join(plugins), spec=repr(spec))
        )
    channel = plugin.channel()
    parsed = urlparse(where)
    opener = getattr(channel, "open_stream", None)  # a plug-in's own live inputs (e.g. lsl:)
    if opener is not None and parsed.scheme not in ("", "udp", "ws") and len(parsed.scheme) > 1:
        return SensorFeed(name, channel, lines=opener(where))
    if parsed.scheme in ("udp", "ws"):
        if parsed.port is None:
            raise InvalidInput(
                gettext("--sensor: expected {scheme}://HOST:PORT, got {where}").format(
                    scheme=parsed.scheme, where=repr(where)
                )
            )
        lines: queue.Queue[str | None] = queue.Queue()
        receive = _udp_lines if parsed.scheme == "udp" else _ws_lines
        host = parsed.hostname or "127.0.0.1"
        threading.Thread(target=receive, args=(host, parsed.port, lines), daemon=True).start()
        return SensorFeed(name, channel, lines=lines)
    path = Path(where)
    if not path.is_file():
        raise InvalidInput(gettext("--sensor: {where}: no such file").format(where=where))
    assert plugin.read_file is not None
    return SensorFeed(name, channel, rows=plugin.read_file(path))


#: Each main-input flag of ``spinecoach session`` and how it opens, by name (one table, no
#: if-chain): ``opener(value, min_confidence)``.
INPUT_OPENERS: dict[str, Callable[[Any, float], SessionInput]] = {
    "--keypoints": keypoints_input,
    "--imu": lambda path, _: imu_input(path),
    "--video": video_input,
    "--camera": camera_input,
    "--imu-stream": lambda url, _: imu_stream_input(url),
}


def open_input(
    *,
    camera: int | None,
    video: Path | None,
    keypoints: Path | None,
    imu: Path | None,
    imu_stream: str | None,
    min_confidence: float,
) -> SessionInput:
    """Open the one input given (none: timers only)."""
    values = {
        "--camera": camera,
        "--video": video,
        "--keypoints": keypoints,
        "--imu": imu,
        "--imu-stream": imu_stream,
    }
    given = [(flag, value) for flag, value in values.items() if value is not None]
    if len(given) > 1:
        raise InvalidInput(
            gettext("Give one input at most, not {values}.").format(
                values=" and ".join((f for f, _ in given))
            )
        )
    if not given:
        return timer_input()
    flag, value = given[0]
    return INPUT_OPENERS[flag](value, min_confidence)
