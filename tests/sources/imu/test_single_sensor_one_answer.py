"""One answer per output: the single-sensor note and the repetitions table agree (issue 11)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spinecoach.sources.imu.handler import ImuAnalyzeOptions, run_imu_analysis


@pytest.mark.parametrize("subject", ["01", "02"])
@pytest.mark.parametrize("sensor", ["act", "acw"])
def test_note_count_is_the_table_count(shared_data: Path, subject: str, sensor: str) -> None:
    path = shared_data / "mex" / sensor / subject / f"03_{sensor}_1.csv"
    if not path.exists():
        pytest.skip(f"{path} not in the shared data")
    analysis = run_imu_analysis(path, ImuAnalyzeOptions())
    counts = [
        int(m) for n in analysis.notes() for m in re.findall(r"(\d+) (?:repetitions|cycles)", n)
    ]
    assert counts == [len(analysis.result.repetitions)]
