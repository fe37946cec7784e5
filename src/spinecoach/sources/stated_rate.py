"""A file's stated sample rate checked against its time stamps.

Files may state their rate in a header (``# sample_rate_hz: 100``) and time-stamp every row.
When the two disagree by more than :data:`RATE_TOLERANCE` (a logger set to 100 Hz that
delivered 50, a header copied from another device), the time stamps are used and the note
says so, naming the file.
"""

from __future__ import annotations

import math

import numpy as np

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidRecording
from spinecoach.motion.types import FloatArray

#: Relative difference between the stated and the time-stamped rate that gets a note.
RATE_TOLERANCE = 0.05
HEADER_KEY = "sample_rate_hz"


def parse_stated_rate(label: str, text: str | None) -> float | None:
    """The positive number of a ``# sample_rate_hz: X`` header value (None when absent)."""
    if text is None:
        return None
    try:
        value = float(text.strip().removesuffix("Hz").strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InvalidRecording(
            _("{label}: '# {header_key}: {text}' is not a positive number").format(
                label=label, header_key=HEADER_KEY, text=text
            )
        )
    return value


def rate_note(label: str, time_s: FloatArray, stated_hz: float | None) -> str | None:
    """A note when the time stamps' median rate differs from ``stated_hz`` by more than
    :data:`RATE_TOLERANCE` (None when they agree or cannot be compared)."""
    if stated_hz is None:
        return None
    steps = np.diff(time_s[np.isfinite(time_s)])
    steps = steps[steps > 0]
    if steps.size == 0:
        return None
    actual = 1.0 / float(np.median(steps))
    off = abs(actual - stated_hz) / stated_hz
    if off <= RATE_TOLERANCE:
        return None
    return _(
        "{label}: the header states {stated} samples/s but the time stamps give "
        "{actual} ({off} off); the time stamps are used"
    ).format(label=label, stated=f"{stated_hz:g}", actual=f"{actual:.3g}", off=f"{off:.0%}")
