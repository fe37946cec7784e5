"""The angles' row dot products and the inferred forward axis, computed without BLAS (issue 11
speed), equal the matrix-product and full-SVD forms they replace, and leave every result as it
was: on the real x-io Fusion recording, on perturbed copies of it, and on simulated dual
recordings.

Why they changed: a matrix product on a long ``(n, 3)`` array goes to multithreaded OpenBLAS,
whose worker thread then spins for about 0.1 s of CPU after the call when a core is idle.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spinecoach.motion import imu_angles
from spinecoach.motion.imu_angles import Mounting, segment_angles
from spinecoach.motion.imu_orientation import AhrsOptions, dot_rows, estimate_orientation
from spinecoach.motion.imu_types import ImuRecording, ImuSeries, Placement
from spinecoach.motion.types import FloatArray
from spinecoach.sources.imu import read_imu, write_generic_csv
from spinecoach.sources.imu.handler import ImuAnalyzeOptions, run_imu_analysis
from spinecoach.sources.imu.simulate import simulate


def _matmul_angles(up_sensor: FloatArray, mounting: Mounting) -> tuple[FloatArray, FloatArray]:
    """:func:`segment_angles` as it was: one matrix product."""
    body = up_sensor @ mounting.axes.T
    sagittal = np.degrees(np.arctan2(-body[:, 0], body[:, 2]))
    frontal = np.degrees(np.arcsin(np.clip(body[:, 1], -1.0, 1.0)))
    return sagittal, frontal


def _svd_forward(up_sensor: FloatArray, up: FloatArray) -> FloatArray:
    """The forward axis from the motion as it was: a full SVD of the centred deviations."""
    dev = up_sensor - np.outer(up_sensor @ up, up)
    centred = dev - dev.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axis = vt[0] - up * float(vt[0] @ up)
    axis /= max(float(np.linalg.norm(axis)), 1e-9)
    proj = dev @ axis
    peak = float(np.max(np.abs(proj)))
    first = int(np.argmax(np.abs(proj) > 0.5 * peak)) if peak > 0 else 0
    return axis if proj[first] < 0 else -axis


def _rotation(seed: int) -> FloatArray:
    """A random rotation matrix (a sensor stuck on at another angle)."""
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def _perturbed(series: ImuSeries, seed: int) -> ImuSeries:
    """Noisier, turned on the skin, a few samples dropped (gaps)."""
    rng = np.random.default_rng(seed)
    keep = rng.random(series.n_samples) > 0.02
    keep[:400] = True  # the still start stays whole
    rot = _rotation(seed)
    assert series.gyro_dps is not None
    gyro = (series.gyro_dps + rng.normal(0.0, 0.5, series.gyro_dps.shape)) @ rot.T
    accel = (series.accel_g + rng.normal(0.0, 0.01, series.accel_g.shape)) @ rot.T
    mag = None if series.mag_ut is None else series.mag_ut @ rot.T
    return ImuSeries(
        series.time_s[keep],
        np.ascontiguousarray(accel[keep]),
        np.ascontiguousarray(gyro[keep]),
        None if mag is None else np.ascontiguousarray(mag[keep]),
        placement=series.placement,
        sample_rate_hz=series.sample_rate_hz,
        name=f"{series.name} perturbed {seed}",
    )


@pytest.fixture(scope="module")
def fusion(shared_data: Path) -> ImuSeries:
    return read_imu(shared_data / "imu" / "fusion_sensor_data.csv").primary()


def _up_vectors(fusion: ImuSeries) -> list[FloatArray]:
    series = [fusion, *(_perturbed(fusion, seed) for seed in (1, 2, 3))]
    sim = simulate("side_bend", n_reps=4, seed=5, with_magnetometer=True).recording
    ups = [estimate_orientation(s, AhrsOptions()).up_sensor for s in series]
    return ups + [estimate_orientation(s).up_sensor for s in sim.sensors.values()]


def test_dot_rows_is_the_matrix_vector_product(fusion: ImuSeries) -> None:
    for up in _up_vectors(fusion):
        for w in (np.array([0.3, -0.5, 0.81]), np.array([0.0, 0.0, -1.0])):
            np.testing.assert_allclose(dot_rows(up, w), up @ w, rtol=0, atol=1e-14)


def test_angles_equal_the_matrix_product(fusion: ImuSeries) -> None:
    for k, up in enumerate(_up_vectors(fusion)):
        axes = _rotation(10 + k)
        mounting = Mounting(axes=axes, forward_source="test")
        for new, old in zip(
            segment_angles(up, mounting), _matmul_angles(up, mounting), strict=True
        ):
            np.testing.assert_allclose(new, old, rtol=0, atol=1e-9)


def test_forward_axis_equals_the_full_svd(fusion: ImuSeries) -> None:
    for up_sensor in _up_vectors(fusion):
        up = up_sensor[:200].mean(axis=0)
        up /= np.linalg.norm(up)
        new = imu_angles._forward_from_motion(up_sensor, up)
        np.testing.assert_allclose(new, _svd_forward(up_sensor, up), rtol=0, atol=1e-9)


def _dual(fusion: ImuSeries) -> ImuRecording:
    """Two sensors from the real recording: itself on the sacrum, a perturbed copy above."""
    upper = _perturbed(fusion, 4)
    keep = np.isin(fusion.time_s, upper.time_s)
    lower = ImuSeries(
        fusion.time_s[keep],
        fusion.accel_g[keep],
        None if fusion.gyro_dps is None else fusion.gyro_dps[keep],
        None if fusion.mag_ut is None else fusion.mag_ut[keep],
        placement=Placement.LOWER,
        sample_rate_hz=fusion.sample_rate_hz,
        name="lower",
    )
    upper = ImuSeries(
        upper.time_s,
        upper.accel_g,
        upper.gyro_dps,
        upper.mag_ut,
        placement=Placement.UPPER,
        sample_rate_hz=fusion.sample_rate_hz,
        name="upper",
    )
    return ImuRecording({Placement.UPPER: upper, Placement.LOWER: lower})


def _analyses(files: list[Path], exercise_ids: list[str]) -> list[tuple[dict, dict]]:
    from spinecoach.content.loader import load_library

    library = load_library()
    out = []
    for path in files:
        for exercise_id in exercise_ids:
            options = ImuAnalyzeOptions(exercise=library.get(exercise_id), forward_axis="auto")
            analysis = run_imu_analysis(path, options)
            assert analysis.result is not None
            out.append(
                (
                    json.loads(json.dumps(analysis.result.to_json(), default=str)),
                    {k: v.copy() for k, v in analysis.measures.values.items()},
                )
            )
    return out


def test_results_unchanged(
    fusion: ImuSeries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path
) -> None:
    files = [shared_data / "imu" / "fusion_sensor_data.csv"]
    write_generic_csv(_dual(fusion), tmp_path / "fusion_dual.csv")
    files.append(tmp_path / "fusion_dual.csv")
    for k, movement in enumerate(("cat_cow", "side_bend", "standing_flexion")):
        sim = simulate(movement, n_reps=4, seed=k, hold_s=2.0, with_magnetometer=k == 1)
        write_generic_csv(sim.recording, tmp_path / f"{movement}.csv")
        files.append(tmp_path / f"{movement}.csv")
    exercises = ["band_cat_cow", "standing_side_bend"]
    now = _analyses(files, exercises)
    monkeypatch.setattr(imu_angles, "segment_angles", _matmul_angles)
    monkeypatch.setattr(imu_angles, "_forward_from_motion", _svd_forward)
    before = _analyses(files, exercises)
    for (result_now, measures_now), (result_before, measures_before) in zip(
        now, before, strict=True
    ):
        assert result_now == result_before
        for name, values in measures_now.items():
            np.testing.assert_allclose(values, measures_before[name], rtol=0, atol=1e-9)
