"""``spinecoach analyze`` on an IMU file shows each sensor warning once: the per-sensor quality
warnings and the mounting note are the analysis's ``note:`` lines (``notes`` in the JSON), not
also a ``WARNING`` log line on stderr. Run as a real process: the CLI's own logging set-up
(under pytest the root logger already has pytest's handlers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FUSION = "imu/fusion_sensor_data.csv"


def _perturbed(shared_data: Path, out: Path) -> Path:
    """The real recording with a one-second gap (rows 5000-5099 gone) and one missing value."""
    lines = (shared_data / FUSION).read_text().splitlines()
    kept = lines[:5001] + lines[5101:]
    cells = kept[6000].split(",")
    cells[4] = "nan"
    kept[6000] = ",".join(cells)
    out.write_text("\n".join(kept) + "\n")
    return out


def _analyze(path: Path, data_dir: Path, *flags: str) -> tuple[str, str]:
    env = {**os.environ, "SPINECOACH_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    env.pop("SPINECOACH_LOCALE", None)
    done = subprocess.run(
        [sys.executable, "-m", "spinecoach", "analyze", str(path), *flags],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def test_each_sensor_warning_is_shown_once(shared_data: Path, tmp_path: Path) -> None:
    path = _perturbed(shared_data, tmp_path / "gappy.csv")
    out, err = _analyze(path, tmp_path / "data")
    both = out + err
    assert both.count("1 time jumps longer than 5× the sample period") == 1, both
    assert both.count("1 samples with missing values dropped") == 1, both
    # the declared forward axis is vertical in this recording: said once, as a note
    assert both.count("from horizontal") == 1, both
    assert "note: lower: 1 time jumps longer" in out
    assert "WARNING" not in err


def test_json_keeps_the_warnings_in_notes_only(shared_data: Path, tmp_path: Path) -> None:
    path = _perturbed(shared_data, tmp_path / "gappy.csv")
    out, err = _analyze(path, tmp_path / "data", "--json")
    notes = json.loads(out)["notes"]
    assert sum("time jumps longer" in n for n in notes) == 1
    assert sum("missing values dropped" in n for n in notes) == 1
    assert sum(n.startswith("mounting_lower:") for n in notes) == 1
    assert "WARNING" not in err
