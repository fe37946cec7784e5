"""A terminal session with a sensor plug-in beside it, on a fresh data folder (band, EMG)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from spinecoach.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def sensor_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sensor: str, exercise: str, seed: int
) -> tuple[str, dict[str, Any], list[str]]:
    """Screen, intake and plan a desk worker, simulate ``sensor``'s recording and run
    ``spinecoach session --exercise EXERCISE --sensor SENSOR=FILE``.

    Returns
    -------
    (output, the sensor's stored result, the ``--data-dir`` arguments)
    """
    base = ["--data-dir", str(tmp_path / "data")]
    assert main(["screen", "--answers", str(EXAMPLES / "screening_clear.json"), *base]) == 0
    assert main(["intake", "--answers", str(EXAMPLES / "profile_desk_worker.json"), *base]) == 0
    assert main(["plan", *base]) == 0
    recording = tmp_path / f"{sensor}.csv"
    assert main(["sensor", "simulate", sensor, "--out", str(recording), "--seed", str(seed)]) == 0
    capsys.readouterr()
    code = main(["session", "--headless", "--speed", "0", "--pain", "2", "--no-audio",
                 "--exercise", exercise, "--sensor", f"{sensor}={recording}", *base])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    with sqlite3.connect(tmp_path / "data" / "spinecoach.db") as db:
        ((tracking,),) = db.execute("select tracking from exercise_results").fetchall()
    return out, json.loads(tracking)["sensors"][sensor], base
