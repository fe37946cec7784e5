"""Single-sensor cycles: the exercise's own swing is not a posture change (issue 11).

Synthetic sensor tilts: the 2 s window splitter took a 60° knee roll and a 12° pelvic tilt
for posture changes, cut the set into pieces and refused "recording too short".
"""

from __future__ import annotations

import numpy as np
import pytest

from spinecoach.motion.imu_periodic import periodic_cycles


def tilt_up(theta_deg: np.ndarray, axis: int = 1) -> np.ndarray:
    th = np.radians(theta_deg)
    up = np.zeros((th.size, 3))
    up[:, axis] = np.sin(th)
    up[:, 2] = np.cos(th)
    return up


def swing(n: int, amplitude: float, period: float, rate: float = 100.0, lead_s: float = 2.0):  # type: ignore[no-untyped-def]
    t = np.arange(int((lead_s + n * period + 2.0) * rate)) / rate
    phase = np.clip((t - lead_s) / period, 0, n)
    return t, amplitude * (1 - np.cos(2 * np.pi * phase)) / 2


@pytest.mark.parametrize(("n", "period"), [(10, 6.0), (4, 5.0)])
def test_knee_rolling_sets_are_counted(n: int, period: float) -> None:
    t, angle = swing(n, 60.0, period)
    noise = np.random.default_rng(1).normal(0, 0.5, t.size)
    cycles = periodic_cycles(t, tilt_up(angle + noise))
    assert cycles.n_cycles == n
    assert cycles.segment_s == (pytest.approx(t[0]), pytest.approx(t[-1]))


def test_pelvic_tilt_set_is_not_cut() -> None:
    t, angle = swing(10, 12.0, 5.0)
    cycles = periodic_cycles(t, tilt_up(angle))
    assert cycles.segment_s == (pytest.approx(t[0]), pytest.approx(t[-1]))
    assert cycles.n_cycles == 10


def test_a_real_posture_change_still_splits() -> None:
    t, angle = swing(8, 12.0, 5.0, lead_s=20.0)
    angle = (
        angle
        + np.where(t < 10.0, 70.0, 0.0)
        + np.where((t >= 10) & (t < 12), 70 - 35 * (t - 10), 0)
    )
    cycles = periodic_cycles(t, tilt_up(angle))
    assert cycles.segment_s[0] >= 11.5  # the lying-to-sitting change is left out
    assert cycles.n_cycles == 8
