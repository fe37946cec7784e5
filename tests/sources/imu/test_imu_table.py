"""The fast table parser (Arrow) and the careful one (NumPy) read every IMU file alike.

Each file is read twice through :func:`read_imu` — fast path on, then off — and every
sensor's arrays, sample rate and quality notes must be identical (bit for bit), or both
reads must fail with the same one-line error. The files are the real recording in
../shared/data and perturbed copies of it and of a simulated two-sensor file: a partial last
row, reordered columns, comment lines, blank lines, CRLF line ends, a quoted header, a byte
order mark, no final newline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecoach.errors import InvalidRecording
from spinecoach.motion.imu_types import ImuRecording
from spinecoach.sources.imu import read_imu, write_generic_csv
from spinecoach.sources.imu import table as table_module
from spinecoach.sources.imu.simulate import simulate
from spinecoach.sources.imu.table import fast_table, parse_table


def _read(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> ImuRecording | str:
    monkeypatch.setattr(table_module, "FAST_PARSE", fast)
    try:
        return read_imu(path)
    except InvalidRecording as exc:
        return f"InvalidRecording: {exc}"


def assert_same_reading(path: Path, monkeypatch: pytest.MonkeyPatch) -> ImuRecording | str:
    """``read_imu`` with the fast path equals ``read_imu`` with the careful parser."""
    fast = _read(path, True, monkeypatch)
    careful = _read(path, False, monkeypatch)
    if isinstance(careful, str) or isinstance(fast, str):
        assert fast == careful
        return fast
    assert list(fast.sensors) == list(careful.sensors)
    for placement, a in fast.sensors.items():
        b = careful.sensors[placement]
        for name in ("time_s", "accel_g", "gyro_dps", "mag_ut"):
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), name
            if x is not None:
                assert x.dtype == y.dtype and np.array_equal(x, y), f"{placement} {name}"
        assert a.sample_rate_hz == b.sample_rate_hz
        assert a.quality == b.quality
        assert a.metadata == b.metadata
    assert fast.metadata == careful.metadata
    return fast


@pytest.fixture
def fusion(shared_data: Path) -> Path:
    return shared_data / "imu" / "fusion_sensor_data.csv"


@pytest.fixture
def dual(tmp_path: Path) -> Path:
    sim = simulate("cat_cow", n_reps=3, seed=4, sample_rate_hz=50.0, with_magnetometer=True)
    path = tmp_path / "dual.csv"
    write_generic_csv(sim.recording, path, comments={"sample_rate_hz": "50"})
    return path


def test_real_fusion_recording_fast_equals_careful(
    fusion: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = fusion.read_bytes()
    fast = fast_table(raw)
    assert fast is not None  # the real file takes the fast path
    careful = parse_table(raw, str(fusion), fast=False)
    assert fast.shape == careful.shape == (13514, 10)
    assert np.array_equal(fast, careful)
    rec = assert_same_reading(fusion, monkeypatch)
    assert not isinstance(rec, str) and rec.primary().n_samples == 13514


def _lines_edit(edit: Callable[[list[str]], list[str]]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        return "\n".join(edit(text.rstrip("\n").split("\n"))) + "\n"

    return apply


def _reorder(lines: list[str]) -> list[str]:
    """Channel columns reversed (time stays first), header and rows alike."""
    out = []
    for line in lines:
        if line.startswith("#"):
            out.append(line)
        else:
            first, *rest = line.split(",")
            out.append(",".join([first, *reversed(rest)]))
    return out


def _quote_header(lines: list[str]) -> list[str]:
    k = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    lines[k] = ",".join(f'"{c}"' for c in lines[k].split(","))
    return lines


def _comment_rows(lines: list[str]) -> list[str]:
    return [*lines[:40], "# sensor strap adjusted", *lines[40:90], "# second note", *lines[90:]]


def _trailing_comment(lines: list[str]) -> list[str]:
    lines[50] += " # bump"
    return lines


def _blank_lines(lines: list[str]) -> list[str]:
    return [*lines[:30], "", *lines[30:60], "", "", *lines[60:], ""]


def _partial_last_row(lines: list[str]) -> list[str]:
    lines[-1] = ",".join(lines[-1].split(",")[:4])
    return lines


# name: (edit of the text, whether the fast path applies)
PERTURBATIONS: dict[str, tuple[Callable[[str], str], bool]] = {
    "unchanged": (lambda t: t, True),
    "crlf": (lambda t: t.replace("\n", "\r\n"), True),
    "no_final_newline": (lambda t: t.rstrip("\n"), True),
    "bom": (lambda t: "\ufeff" + t, True),
    "reordered_columns": (_lines_edit(_reorder), True),
    "quoted_header": (_lines_edit(_quote_header), True),
    "comment_lines": (_lines_edit(_comment_rows), False),
    "trailing_comment": (_lines_edit(_trailing_comment), False),
    "blank_lines": (_lines_edit(_blank_lines), False),
    "partial_last_row": (_lines_edit(_partial_last_row), False),
}


@pytest.mark.parametrize("kind", ["fusion", "dual"])
@pytest.mark.parametrize("name", sorted(PERTURBATIONS))
def test_perturbed_copies_fast_equals_careful(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    name: str,
) -> None:
    source: Path = request.getfixturevalue(kind)
    edit, fast_applies = PERTURBATIONS[name]
    text = edit(source.read_text(encoding="utf-8"))
    path = tmp_path / f"{kind}_{name}.csv"
    path.write_bytes(text.encode("utf-8"))
    n_header = 1 + sum(ln.startswith("#") for ln in text.lstrip("\ufeff").split("\n")[:5])
    raw = path.read_bytes()
    fast = fast_table(raw, skip_rows=n_header)
    assert (fast is not None) is fast_applies
    if fast is not None:
        assert np.array_equal(fast, parse_table(raw, str(path), skip_rows=n_header, fast=False))
    rec = assert_same_reading(path, monkeypatch)
    assert not isinstance(rec, str), rec
    if name == "partial_last_row":
        notes = " ".join(w for s in rec.sensors.values() for w in s.quality.warnings)
        assert "incomplete and was dropped" in notes
    if name in ("reordered_columns", "quoted_header", "crlf", "bom"):
        # read by header: the same values as the unperturbed file
        plain = read_imu(source)
        for placement, series in plain.sensors.items():
            assert np.array_equal(rec.sensors[placement].accel_g, series.accel_g)
            assert np.array_equal(rec.sensors[placement].time_s, series.time_s)


@pytest.mark.parametrize(
    "edit",
    [
        lambda ln: ln[:20] + ",," + ln[22:],  # an empty field mid-file
        lambda ln: ln.replace(",", ";", 1),  # a wrong delimiter in one row
        lambda ln: ln + ",1.0",  # an extra column
        lambda ln: '"' + ln + '"',  # a quoted row
        lambda ln: ln.replace("0", "O", 1),  # a letter for a digit
    ],
)
def test_bad_rows_fail_alike(
    dual: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[str], str]
) -> None:
    lines = dual.read_text().split("\n")
    lines[20] = edit(lines[20])
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines))
    result = assert_same_reading(path, monkeypatch)
    assert isinstance(result, str) and str(path) in result and "\n" not in result


def test_non_finite_values_go_to_the_careful_parser(dual: Path) -> None:
    lines = dual.read_text().split("\n")
    lines[30] = lines[30].rsplit(",", 1)[0] + ",nan"
    raw = "\n".join(lines).encode()
    assert fast_table(raw, skip_rows=2) is None
    careful = parse_table(raw, "x", skip_rows=2)
    assert np.isnan(careful[28, -1]) and np.isfinite(np.delete(careful, 28, axis=0)).all()


FORMATS = [repr, "{:.7g}".format, "{:e}".format, "{:+.3f}".format, "{:.17g}".format]


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=4, max_size=4),
        min_size=1,
        max_size=25,
    ),
    fmt=st.sampled_from(FORMATS),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_fast_parse_is_bit_identical_on_any_number_spelling(
    rows: list[list[float]], fmt: Callable[[float], str], newline: str
) -> None:
    text = "a,b,c,d" + newline + newline.join(",".join(fmt(v) for v in row) for row in rows)
    raw = text.encode()
    fast = fast_table(raw)
    assert fast is not None
    careful = parse_table(raw, "x", fast=False)
    assert fast.shape == careful.shape and np.array_equal(fast, careful)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_fast_parse_never_differs_on_junk(junk: bytes) -> None:
    raw = b"t,x\n0.0,1.5\n" + junk
    fast = fast_table(raw)
    if fast is None:
        return  # the careful parser decides (and names the file if it refuses)
    careful = parse_table(raw, "x", fast=False)
    assert np.array_equal(fast, careful)
