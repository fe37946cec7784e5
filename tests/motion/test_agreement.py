"""compare_signals: zero offset, time alignment and resampling on signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.errors import InvalidInput
from spinecoach.motion.agreement import compare_signals


def test_offset_and_lag_are_removed() -> None:
    t_ref = np.arange(0, 8, 1 / 60)
    ref = 25 * np.sin(2 * np.pi * 0.3 * np.clip(t_ref - 1.5, 0, None))
    t = np.arange(0, 8, 1 / 30)
    shifted = 25 * np.sin(2 * np.pi * 0.3 * np.clip(t - 1.5 - 0.1, 0, None)) + 7.0
    result = compare_signals(t, shifted, t_ref, ref)
    assert result.lag_s == pytest.approx(0.1, abs=1 / 30)
    assert result.rmse_deg < 0.5 and result.pearson_r > 0.999
    unaligned = compare_signals(t, shifted, t_ref, ref, max_lag_s=0.0)
    assert unaligned.lag_s == 0.0 and unaligned.rmse_deg > result.rmse_deg


def test_gaps_are_skipped_and_errors_are_clear() -> None:
    t = np.arange(0, 5, 1 / 30)
    values = np.sin(t) * 10
    holey = values.copy()
    holey[40:70] = np.nan
    result = compare_signals(t, holey, t, values, max_lag_s=0.0)
    assert result.rmse_deg < 0.01  # only filter edge effects at the gap
    assert result.n_samples < t.size
    with pytest.raises(InvalidInput, match="overlap"):
        compare_signals(t, values, t + 10, values)
