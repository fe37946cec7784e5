"""sEMG recordings: CSV and EDF files, and a simulator.

CSV: UTF-8 with a header row; ``t_s`` (seconds, increasing), ``left_uv`` and ``right_uv``
(raw surface EMG of the left and right lumbar erector spinae, microvolts, at a steady rate of
at least 500 Hz), optional ``flexion_deg`` (trunk/lumbar flexion from an IMU or camera
recorded alongside). The first 5 s are the reference contraction.

EDF/EDF+ (read with pyEDFlib): two signals whose labels name the sides (``L``/``left`` and
``R``/``right``, e.g. ``ES L`` / ``ES R``), in µV (mV and V are converted); an optional
signal labelled ``flexion`` in degrees.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidInput

Rows = list[tuple[float, dict[str, float]]]


def read_emg(path: Path) -> Rows:
    """A CSV or EDF recording as rows ``(t_s, {left_uv, right_uv, flexion_deg?})``."""
    if Path(path).suffix.lower() in (".edf", ".bdf"):
        return read_emg_edf(path)
    return read_emg_csv(path)


def read_emg_csv(path: Path) -> Rows:
    """Rows of a CSV recording (errors name the file and row)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            gettext("{path}: cannot read ({kind})").format(path=path, kind=exc.__class__.__name__)
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("t_s", "left_uv", "right_uv") if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            gettext("{path}: missing column(s) {missing}").format(
                path=path, missing=", ".join(missing)
            )
        )
    rows: Rows = []
    last = -math.inf
    for n, raw in enumerate(reader, start=2):
        try:
            t = float(raw["t_s"])
            values = {"left_uv": float(raw["left_uv"]), "right_uv": float(raw["right_uv"])}
            if (raw.get("flexion_deg") or "").strip():
                values["flexion_deg"] = float(raw["flexion_deg"])
        except (TypeError, ValueError):
            raise InvalidInput(
                gettext("{path}: row {n}: t_s, left_uv, right_uv must be numbers").format(
                    path=path, n=n
                )
            ) from None
        if not all(math.isfinite(v) for v in (t, *values.values())):
            raise InvalidInput(
                gettext("{path}: row {n}: values must be finite").format(path=path, n=n)
            )
        if t <= last:
            raise InvalidInput(
                gettext("{path}: row {n}: t_s={t:g} is not after the previous row").format(
                    path=path, n=n, t=t
                )
            )
        last = t
        rows.append((t, values))
    _check_rate(path, rows)
    return rows


def _check_rate(path: Path, rows: Rows) -> None:
    if len(rows) < 100:
        raise InvalidInput(
            gettext("{path}: {n_rows} rows; an EMG recording needs at least 100").format(
                path=path, n_rows=len(rows)
            )
        )
    rate = 1.0 / float(np.median(np.diff([t for t, _ in rows[:2000]])))
    if rate < 500.0:
        raise InvalidInput(
            gettext("{path}: sampled at {rate:.0f} Hz; surface EMG needs >= 500 Hz").format(
                path=path, rate=rate
            )
        )


_UNITS = {"uv": 1.0, "µv": 1.0, "mv": 1e3, "v": 1e6}


def read_emg_edf(path: Path) -> Rows:
    """Rows of an EDF/EDF+ recording (pyEDFlib)."""
    import pyedflib

    try:
        reader = pyedflib.EdfReader(str(path))
    except OSError as exc:
        raise InvalidInput(
            gettext("{path}: not a readable EDF file ({exc})").format(path=path, exc=exc)
        ) from None
    try:
        labels = [label.strip().lower() for label in reader.getSignalLabels()]

        def find(*words: str) -> int | None:
            for i, label in enumerate(labels):
                parts = label.replace("_", " ").replace("-", " ").split()
                if any(w in parts for w in words) or any(label.endswith(w) for w in words):
                    return i
            return None

        left, right = find("l", "left"), find("r", "right")
        if left is None or right is None or left == right:
            raise InvalidInput(
                gettext("{path}: need signals labelled left/L and right/R, got {labels}").format(
                    path=path, labels=", ".join(labels)
                )
            )
        rates = reader.getSampleFrequencies()
        if rates[left] != rates[right]:
            raise InvalidInput(
                gettext("{path}: left and right are sampled at different rates").format(path=path)
            )
        rate = float(rates[left])
        signals = {}
        for key, i in (("left_uv", left), ("right_uv", right)):
            unit = reader.getPhysicalDimension(i).strip().lower()
            signals[key] = reader.readSignal(i) * _UNITS.get(unit, 1.0)
        flex = find("flexion")
        if flex is not None and float(rates[flex]) == rate:
            signals["flexion_deg"] = reader.readSignal(flex)
    finally:
        reader.close()
    n = min(len(v) for v in signals.values())
    times = np.arange(n) / rate
    columns = {k: v[:n].tolist() for k, v in signals.items()}
    rows: Rows = [(float(times[i]), {k: float(c[i]) for k, c in columns.items()}) for i in range(n)]
    _check_rate(path, rows)
    return rows


def write_emg_edf(path: Path, rows: Rows) -> None:
    """Write rows as EDF+ (``ES L``, ``ES R`` in µV, ``flexion`` in degrees when present)."""
    import pyedflib

    times = np.array([t for t, _ in rows])
    rate = int(round(1.0 / float(np.median(np.diff(times)))))
    keys = [("left_uv", "ES L", "uV"), ("right_uv", "ES R", "uV")]
    if all("flexion_deg" in v for _, v in rows):
        keys.append(("flexion_deg", "flexion", "deg"))
    data = [np.array([v[k] for _, v in rows]) for k, _, _ in keys]
    writer = pyedflib.EdfWriter(str(path), len(keys), file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        headers: list[dict[str, str | int | float | None]] = []
        for (_, label, unit), column in zip(keys, data, strict=True):
            bound = float(round(max(abs(column).max(), 1.0) * 1.1, 1))
            headers.append({"label": label, "dimension": unit, "sample_frequency": rate,
                            "physical_max": bound, "physical_min": -bound,
                            "digital_max": 32767, "digital_min": -32768})  # fmt: skip
        writer.setSignalHeaders(headers)
        n = (len(times) // rate) * rate  # whole records of one second
        writer.writeSamples([c[:n] for c in data])
    finally:
        writer.close()


def simulate_emg(
    exercise_id: str = "standing_flexion",
    *,
    seed: int = 0,
    rate_hz: float = 1000.0,
    n_cycles: int = 4,
    reference_uv: float = 200.0,
    relaxes: bool = True,
    asymmetry: float = 0.0,
    hold_s: float = 0.0,
    hold_activation: float = 0.1,
) -> str:
    """A CSV recording: a 5 s reference contraction, then trunk flexion-extension cycles.

    Each 8 s cycle: 2 s flexing down (erector activity ~30 % of reference), 2 s at full
    flexion (about 3 % when the muscles relax - the flexion-relaxation phenomenon - or 30 %
    when they do not, ``relaxes=False``), 2 s re-extending (~50 %), 2 s upright (~5 %).
    ``asymmetry`` scales the right side's activity down after the reference contraction
    (0.4: right 40 % less active relative to its reference). ``hold_s`` adds a
    stretch hold at ``hold_activation`` of the reference at the end.
    """
    rng = np.random.default_rng(seed)
    dt = 1.0 / rate_hz
    parts: list[tuple[float, float, float, float]] = [(5.0, 1.0, 0.0, 0.0)]  # (s, act, a0, a1)
    full = 0.03 if relaxes else 0.30
    for _ in range(n_cycles):
        parts += [(2.0, 0.30, 0.0, 70.0), (2.0, full, 70.0, 70.0), (2.0, 0.50, 70.0, 0.0),
                  (2.0, 0.05, 0.0, 0.0)]  # fmt: skip
    if hold_s:
        parts.append((hold_s, hold_activation, 0.0, 0.0))
    activation, angle = [], []
    for seconds, act, a0, a1 in parts:
        n = int(round(seconds * rate_hz))
        activation.append(np.full(n, act))
        angle.append(np.linspace(a0, a1, n, endpoint=False))
    act_all = np.concatenate(activation)
    angle_all = np.concatenate(angle)
    times = np.arange(act_all.size) * dt
    noise_floor = 3.0
    left = rng.normal(0.0, 1.0, act_all.size) * (act_all * reference_uv + noise_floor)
    scale = np.where(times < 5.0, 1.0, 1.0 - asymmetry)
    right = rng.normal(0.0, 1.0, act_all.size) * (act_all * reference_uv * scale + noise_floor)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["t_s", "left_uv", "right_uv", "flexion_deg"])
    for t, lv, rv, a in zip(times.tolist(), left.tolist(), right.tolist(), angle_all.tolist(),
                            strict=True):  # fmt: skip
        writer.writerow([f"{t:.4f}", f"{lv:.2f}", f"{rv:.2f}", f"{a:.2f}"])
    return out.getvalue()
