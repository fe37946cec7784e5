"""Prefetched decoding gives the same frames as inline decoding and never leaks its thread."""

from __future__ import annotations

import threading

import numpy as np

from spinecoach.sources.video.decode import VideoFileStream


def _decode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "video-decode"]


def test_prefetch_matches_inline_and_stops_cleanly(shared_data) -> None:  # type: ignore[no-untyped-def]
    clip = shared_data / "video" / "pose2sim_single_cam01.mp4"
    with VideoFileStream(clip, max_frames=40, prefetch=0) as stream:
        inline = [(f.index, f.t_s, f.image_bgr.copy()) for f in stream]
    with VideoFileStream(clip, max_frames=40, prefetch=3) as stream:
        ahead = [(f.index, f.t_s, f.image_bgr.copy()) for f in stream]
    assert len(inline) == len(ahead) == 40
    for (i1, t1, a), (i2, t2, b) in zip(inline, ahead, strict=True):
        assert (i1, t1) == (i2, t2)
        np.testing.assert_array_equal(a, b)
    with VideoFileStream(clip, prefetch=2) as stream:
        for frame in stream:
            if frame.index == 4:
                break
    assert _decode_threads() == []
