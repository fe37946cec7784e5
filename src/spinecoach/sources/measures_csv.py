"""Per-frame measures as CSV (``spinecoach analyze --angles-csv``).

One row per frame: ``time_s`` then one column per measure, named exactly as the measure
(``trunk_lateral_flexion_deg``, ``lumbar_flexion_deg``, ...). Measures in
``MeasureSeries.unmeasurable`` get a column too, always empty, so files from the same source
have the same columns (keypoint measures in ``MEASURES`` order, then others as given).
Empty cell = not measured in that frame. Values have 4 decimals.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput
from spinecoach.motion.measures import MEASURES
from spinecoach.motion.types import MeasureSeries


def write_measures_csv(measures: MeasureSeries, path: Path | str) -> Path:
    """Write ``measures`` to ``path`` (see module docstring); return the path."""
    out = Path(path)
    names = list(measures.values) + [n for n in measures.unmeasurable if n not in measures.values]
    order = {name: k for k, name in enumerate(MEASURES)}
    names.sort(key=lambda n: order.get(n, len(order)))  # stable: keypoint measures first
    columns = [measures.values.get(n) for n in names]
    lists = [c.tolist() if c is not None else None for c in columns]
    try:
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["time_s", *names])
            for i, t_s in enumerate(measures.time_s.tolist()):
                row = [f"{t_s:.4f}"]
                for values in lists:
                    v = values[i] if values is not None else math.nan
                    row.append("" if math.isnan(v) else f"{v:.4f}")
                writer.writerow(row)
    except OSError as exc:
        raise InvalidInput(
            _("{out}: cannot write angles CSV ({strerror})").format(out=out, strerror=exc.strerror)
        ) from None
    return out
