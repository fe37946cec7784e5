"""Numeric CSV tables of IMU files: a C-speed fast path and the careful parser behind it.

An IMU file is mostly one block of numbers: 10⁵–10⁶ rows of a dozen columns. NumPy's
``loadtxt`` (the *careful* parser, :func:`load_table`) reads about 160 MB/s, which is 40 % of
the time a 50 Hz two-sensor file spends in the whole pipeline; ``np.fromstring`` is slower
still. The *fast* path (:func:`fast_table`) hands the bytes to Apache Arrow's CSV reader
(one thread, every column typed float64 up front: no type inference), about twice as fast,
under conditions that make it give exactly the careful parser's array or nothing:

* no quoting, no escapes, no null tokens (an empty field, ``NA``, a quoted number fail);
* every line a row: the number of rows must equal the number of lines, so a blank line, a
  comment line or a header in the middle sends the file to the careful parser;
* the same column count in every row (a partial last row fails here);
* every value finite (``nan``/``inf`` spellings are left to the careful parser).

When any of these fails the careful parser reads the file as before — it drops a partial
last row with a note, skips comments and blank lines as ``loadtxt`` does, and names the
file in its error — so every reader check is unchanged. Both parsers round decimal text
correctly (Arrow's ``fast_float``, CPython's ``dtoa``), so the arrays are bit-identical
(``tests/sources/imu/test_imu_table.py`` compares them on the real files and perturbed
copies).
"""

from __future__ import annotations

import io

import numpy as np

from spinecoach.domain.i18n import gettext
from spinecoach.errors import InvalidRecording
from spinecoach.motion.types import FloatArray

#: Use the fast path when its conditions hold (tests switch it off to compare).
FAST_PARSE = True


def _data_start(raw: bytes, skip_rows: int) -> int | None:
    """Byte offset after the first ``skip_rows`` lines (None when the file is shorter)."""
    start = 0
    for _ in range(skip_rows):
        newline = raw.find(b"\n", start)
        if newline < 0:
            return None
        start = newline + 1
    return start


def fast_table(raw: bytes, *, skip_rows: int = 1, delimiter: str = ",") -> FloatArray | None:
    """The numeric table after ``skip_rows`` header lines, parsed at C speed, or None.

    Parameters
    ----------
    raw : bytes
        The whole file.
    skip_rows : int
        Header lines before the numbers (``\\n``-terminated, as ``loadtxt`` counts them).
    delimiter : str
        One-character field separator.

    Returns
    -------
    ndarray of shape (n_rows, n_columns), or None
        None whenever the block is not a plain rectangular table of finite numbers, one row
        per line: the caller then uses the careful parser (:func:`load_table`).
    """
    start = _data_start(raw, skip_rows)
    if start is None or start >= len(raw):
        return None
    first_end = raw.find(b"\n", start)
    first = raw[start : first_end if first_end >= 0 else len(raw)]
    n_columns = first.count(delimiter.encode()) + 1
    body = np.frombuffer(raw, dtype=np.uint8, offset=start)
    n_lines = int(np.count_nonzero(body == ord("\n"))) + (0 if raw.endswith(b"\n") else 1)
    import pyarrow as pa  # noqa: PLC0415 - imported on first use (0.03 s), not by every CLI command
    import pyarrow.csv as pa_csv  # noqa: PLC0415

    names = [f"c{j}" for j in range(n_columns)]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(raw).slice(start),
            read_options=pa_csv.ReadOptions(
                use_threads=False,
                column_names=names,
                block_size=max(1 << 20, min(len(raw) - start + 1, 1 << 30)),
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                double_quote=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.float64() for name in names},
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows != n_lines or table.num_rows == 0:
        return None
    data = np.empty((table.num_rows, n_columns), order="F")  # columns written whole
    for j, column in enumerate(table.columns):
        if column.null_count:
            return None
        data[:, j] = column.to_numpy()
    if not np.isfinite(data).all():
        return None
    return data


def _numbers(text: str, label: str, delimiter: str, skip_rows: int) -> FloatArray:
    """``np.loadtxt`` of ``text``; a table whose lines after the header are all empty or
    comments has no data rows (said here: NumPy would warn and return an empty array)."""
    rows = text.split("\n")[skip_rows:]  # lines as loadtxt counts them (\r\n ends one too)
    if all(row.split("#", 1)[0] in ("", "\r") for row in rows):
        raise InvalidRecording(gettext("{label}: no data rows").format(label=label))
    return np.loadtxt(io.StringIO(text), delimiter=delimiter, skiprows=skip_rows, ndmin=2)


def load_table(
    text: str,
    label: str,
    *,
    delimiter: str = ",",
    skip_rows: int = 1,
    notes: list[str] | None = None,
) -> FloatArray:
    """Numeric table ``(n_rows, n_columns)`` from CSV text (header rows skipped): the
    careful parser.

    A last row that does not parse (cut off mid-write) is dropped, with a note appended to
    ``notes``; any other bad row is an error naming its line.
    """
    try:
        data = _numbers(text, label, delimiter, skip_rows)
    except ValueError as exc:
        lines = text.rstrip("\r\n").splitlines()
        if len(lines) <= skip_rows + 1:
            raise InvalidRecording(
                gettext("{label}: not a numeric table: {exc}").format(label=label, exc=exc)
            ) from None
        try:
            data = _numbers("\n".join(lines[:-1]), label, delimiter, skip_rows)
        except ValueError:
            raise InvalidRecording(
                gettext("{label}: not a numeric table: {exc}").format(label=label, exc=exc)
            ) from None
        if notes is not None:
            notes.append(
                gettext("the last row (line {line}) was incomplete and was dropped").format(
                    line=len(lines)
                )
            )
    if data.shape[0] == 0:
        raise InvalidRecording(gettext("{label}: no data rows").format(label=label))
    return data


def parse_table(
    raw: bytes,
    label: str,
    *,
    delimiter: str = ",",
    skip_rows: int = 1,
    notes: list[str] | None = None,
    fast: bool | None = None,
) -> FloatArray:
    """Numeric table of a whole file's bytes: :func:`fast_table` when it applies, else the
    careful :func:`load_table` (same array, notes and errors either way).

    Parameters
    ----------
    raw : bytes
    label : str
        File name used in messages.
    delimiter, skip_rows
        As for :func:`load_table`.
    notes : list of str, optional
        Receives the careful parser's notes (a dropped partial last row).
    fast : bool, optional
        Try the fast path (default :data:`FAST_PARSE`); False forces the careful parser.
    """
    if FAST_PARSE if fast is None else fast:
        data = fast_table(raw, skip_rows=skip_rows, delimiter=delimiter)
        if data is not None:
            return data
    return load_table(
        raw.decode("utf-8-sig", errors="replace"),
        label,
        delimiter=delimiter,
        skip_rows=skip_rows,
        notes=notes,
    )
