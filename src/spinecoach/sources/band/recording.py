"""The band's file format (CSV) and simulator.

File format: UTF-8 CSV with a header row; columns ``t_s`` (seconds, increasing),
``tension_n`` (newtons, >= 0) and optionally ``stretch_pct`` (elongation in % of the band's
resting length; empty where not reported). Other columns are ignored.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput

COLUMNS = ("t_s", "tension_n", "stretch_pct")
#: A light band: about this many newtons per % of elongation (a simulator setting).
N_PER_PCT = 0.55


def read_band_csv(path: Path) -> list[tuple[float, dict[str, float]]]:
    """Rows ``(t_s, {tension_n, stretch_pct?})`` of a band recording.

    Raises
    ------
    InvalidInput
        Naming the file, the row and what is wrong.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            _("{path}: cannot read ({kind})").format(path=path, kind=exc.__class__.__name__)
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("t_s", "tension_n") if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            _("{path}: missing column(s) {missing} (need t_s, tension_n)").format(
                path=path, missing=", ".join(missing)
            )
        )
    rows: list[tuple[float, dict[str, float]]] = []
    last = -math.inf
    for n, raw in enumerate(reader, start=2):
        try:
            t = float(raw["t_s"])
            values = {"tension_n": float(raw["tension_n"])}
            if (raw.get("stretch_pct") or "").strip():
                values["stretch_pct"] = float(raw["stretch_pct"])
        except (TypeError, ValueError):
            raise InvalidInput(
                _("{path}: row {n}: t_s, tension_n must be numbers").format(path=path, n=n)
            ) from None
        if not all(math.isfinite(v) for v in (t, *values.values())):
            raise InvalidInput(_("{path}: row {n}: values must be finite").format(path=path, n=n))
        if t <= last:
            raise InvalidInput(
                _("{path}: row {n}: t_s={t:g} is not after the previous row").format(
                    path=path, n=n, t=t
                )
            )
        if values["tension_n"] < 0:
            raise InvalidInput(_("{path}: row {n}: tension_n must be >= 0").format(path=path, n=n))
        last = t
        rows.append((t, values))
    if not rows:
        raise InvalidInput(_("{path}: no rows").format(path=path))
    return rows


def simulate_band(
    exercise_id: str = "band_cat_cow",
    *,
    seed: int = 0,
    n_cycles: int = 8,
    cycle_s: float = 4.0,
    rate_hz: float = 50.0,
    peak_pct: float = 45.0,
    too_far_cycles: tuple[int, ...] = (5,),
    with_stretch: bool = True,
) -> str:
    """A band recording as CSV text: cycles of stretching to ``peak_pct`` % and back.

    ``too_far_cycles`` stretch 60 % further (past a usual zone), to exercise the cues.
    """
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, n_cycles * cycle_s, 1.0 / rate_hz)
    cycle = (times // cycle_s).astype(int)
    phase = (times % cycle_s) / cycle_s
    peaks = np.where(np.isin(cycle, too_far_cycles), peak_pct * 1.6, peak_pct)
    stretch = peaks * 0.5 * (1.0 - np.cos(2.0 * np.pi * phase)) + rng.normal(0.0, 0.4, times.size)
    stretch = np.clip(stretch, 0.0, None)
    tension = N_PER_PCT * stretch * (1.0 + 0.002 * stretch) + rng.normal(0.0, 0.3, times.size)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS if with_stretch else COLUMNS[:2])
    for t, n, s in zip(times.tolist(), np.clip(tension, 0.0, None).tolist(), stretch.tolist(),
                       strict=True):  # fmt: skip
        writer.writerow(
            [f"{t:.3f}", f"{n:.2f}", f"{s:.1f}"] if with_stretch else [f"{t:.3f}", f"{n:.2f}"]
        )
    return out.getvalue()
