"""Gap-aware Butterworth, One-Euro, resampling and the filter registry."""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.errors import InvalidInput
from spinecoach.motion.filters import (
    FILTERS,
    OneEuroFilter,
    butterworth,
    filter_measures,
    one_euro,
    resample,
    resample_measures,
    valid_runs,
)
from spinecoach.motion.types import MeasureSeries

RATE_HZ = 30.0


def _signal(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(600) / RATE_HZ
    clean = 20 * np.sin(2 * np.pi * 0.25 * t)
    noisy = clean + np.random.default_rng(seed).normal(0, 2.0, t.size)
    return t, clean, noisy


def test_butterworth_reduces_noise_without_lag():  # type: ignore[no-untyped-def]
    t, clean, noisy = _signal()
    out = butterworth(t, noisy, cutoff_hz=3.0)
    assert np.std(out - clean) < 0.5 * np.std(noisy - clean)
    lag = np.argmax(np.correlate(out - out.mean(), clean - clean.mean(), "full")) - (t.size - 1)
    assert lag == 0


def test_butterworth_keeps_gaps_and_filters_each_run():  # type: ignore[no-untyped-def]
    t, clean, noisy = _signal()
    noisy[100:130] = np.nan
    noisy[300] = np.nan
    noisy[402:406] = np.nan
    out = butterworth(t, noisy)
    assert np.array_equal(np.isnan(out), np.isnan(noisy))
    assert valid_runs(np.isfinite(noisy)) == [(0, 100), (130, 300), (301, 402), (406, 600)]
    # a run's values do not depend on the other side of a gap
    alone = butterworth(t[130:300], noisy[130:300])
    np.testing.assert_allclose(out[130:300], alone)


def test_butterworth_short_runs_left_raw_and_bad_cutoff():  # type: ignore[no-untyped-def]
    t = np.arange(8) / RATE_HZ
    values = np.arange(8.0)
    np.testing.assert_array_equal(butterworth(t, values), values)
    with pytest.raises(InvalidInput, match="Nyquist"):
        butterworth(np.arange(100) / RATE_HZ, np.zeros(100), cutoff_hz=20.0)


def test_one_euro_array_equals_sample_by_sample_and_smooths():  # type: ignore[no-untyped-def]
    t, clean, noisy = _signal(1)
    noisy[50:60] = np.nan
    batch = one_euro(t, noisy)
    state = OneEuroFilter()
    live = np.array([state(a, b) for a, b in zip(t, noisy, strict=True)])
    np.testing.assert_array_equal(batch, live)
    assert np.isnan(batch[55])
    ok = np.isfinite(batch)
    assert np.std((batch - clean)[ok]) < np.std((noisy - clean)[ok])


def test_resample_does_not_bridge_gaps():  # type: ignore[no-untyped-def]
    t = np.arange(0, 3, 1 / 60)
    values = t * 10
    values[60:90] = np.nan  # 0.5 s gap
    new_t = np.arange(0, 3, 1 / 30)
    out = resample(t, values, new_t)
    assert np.isnan(out[(new_t > 1.0) & (new_t < 1.5)]).all()
    ok = np.isfinite(out)
    np.testing.assert_allclose(out[ok], new_t[ok] * 10)


def test_registry_and_measure_helpers():  # type: ignore[no-untyped-def]
    assert set(FILTERS) == {"butterworth", "one_euro", "none"}
    t, _, noisy = _signal()
    series = MeasureSeries(t, {"a_deg": noisy}, {"b_deg": "no"}, {"a_deg": "proxy"})
    filtered = filter_measures(series, "one_euro")
    assert filtered.unmeasurable == {"b_deg": "no"} and filtered.flags == {"a_deg": "proxy"}
    with pytest.raises(InvalidInput, match="Allowed values"):
        filter_measures(series, "kalman")
    resampled = resample_measures(series, sample_rate_hz=10.0)
    assert resampled.time_s[1] == pytest.approx(0.1)
    assert resampled.values["a_deg"].shape == resampled.time_s.shape
