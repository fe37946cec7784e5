"""MediaPipe's native start-up notices stay out of the command's output (kept at debug level)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_analyze_video_prints_no_native_notices(shared_data) -> None:  # type: ignore[no-untyped-def]
    clip = shared_data / "video" / "pose2sim_single_cam01.mp4"
    result = subprocess.run(
        [sys.executable, "-m", "spinecoach", "analyze", str(clip), "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"tracking"' in result.stdout
    for notice in ("XNNPACK", "W0000", "absl::InitializeLog", "inference_feedback_manager"):
        assert notice not in result.stderr, result.stderr
