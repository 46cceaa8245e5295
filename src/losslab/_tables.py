"""One table reader: CSV, TSV and Parquet files (or CSV text) as columns of NumPy arrays.

Numbers come back as float64 with NaN where a value is missing; every other column as an object array of Python
values (``str``, ``bool``) with ``None`` where missing. Each caller turns :class:`TableError` into its own error
(a training error, an advice error, an HTTP 400), so the words about the file are written once.

CSV text is read in two steps, :func:`csv_rows` (the parse) and :func:`csv_columns` (the cells: numbers, text or
missing), which :func:`read_csv_text` chains; a caller with its own checks of the header and the rows (the lab's
uploads: limits, row-level errors) runs them between the two.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

__all__ = ["MISSING", "TABLE_SUFFIXES", "TableError", "csv_columns", "csv_rows", "is_missing", "iter_csv_rows",
           "read_csv_text", "read_table"]

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a"})
"""The cells of CSV text read as missing (trimmed, in any case), as spreadsheets and pandas write them."""


class TableError(ValueError):
    """A file that cannot be read as a table; ``str(err)`` says why in one line."""


def read_table(path: Path) -> dict[str, np.ndarray]:
    """The columns of a .csv, .tsv or .parquet file (pyarrow when installed; CSV also without it)."""
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise TableError(f"{path.name}: not a .csv, .tsv or .parquet file")
    delimiter = "\t" if suffix == ".tsv" else ","
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq
    except ImportError:
        if suffix in (".parquet", ".pq"):
            raise TableError(f"{path.name}: reading Parquet needs pyarrow (pip install 'losslab[data]')") from None
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                return _from_rows(_with_content(csv.reader(handle, delimiter=delimiter)), path.name)
        except UnicodeDecodeError as exc:
            raise TableError(f"{path.name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position "
                             f"{exc.start}); save it as UTF-8") from None
    try:
        if suffix in (".parquet", ".pq"):
            table = pq.read_table(path)
        else:
            table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=delimiter))
    except (pa.ArrowInvalid, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TableError(f"{path.name} cannot be read as {suffix[1:].upper()} ({first})") from None
    columns: dict[str, np.ndarray] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            columns[name] = np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        elif pa.types.is_boolean(kind):
            columns[name] = np.array([None if v is None else bool(v) for v in column.to_pylist()], dtype=object)
        else:
            columns[name] = np.array([None if v is None else str(v) for v in column.to_pylist()], dtype=object)
    return columns


def read_csv_text(text: str, delimiter: str = ",", source: str = "the text") -> dict[str, np.ndarray]:
    """The columns of CSV text: :func:`csv_rows`, then :func:`csv_columns` of the first row and the others."""
    return _from_rows(csv_rows(text, delimiter, source), source)


def csv_rows(text: str, delimiter: str = ",", source: str = "the text") -> list[list[str]]:
    """The rows of CSV text, blank lines left out (a strict parse: a stray quote is an error, not a guess)."""
    return list(iter_csv_rows(text, delimiter, source))


def iter_csv_rows(text: str, delimiter: str = ",", source: str = "the text") -> Iterator[list[str]]:
    """The rows of :func:`csv_rows` one at a time, for a reader that must not hold them all (the lab's uploads)."""
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            if any(c.strip() for c in row):
                yield row
    except csv.Error as exc:
        raise TableError(f"{source} is not valid CSV ({exc})") from None


def is_missing(cell: str) -> bool:
    """Whether a trimmed CSV cell is missing (one of :data:`MISSING`, in any case)."""
    return cell.lower() in MISSING


def csv_columns(header: Sequence[str], body: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
    """The columns named by ``header`` of the rows ``body``, cell by cell (a short row's missing cells are missing;
    cells beyond the header are not read).

    A column is float64 when every present cell is a number (missing and non-finite ones become NaN), else an
    object array of the trimmed texts (``None`` where missing). A cell is missing when, trimmed, it is one of
    :data:`MISSING` in any case.
    """
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        cells = [r[j].strip() if j < len(r) else "" for r in body]
        missing = [is_missing(c) for c in cells]
        try:
            numbers = np.array([math.nan if m else float(c) for c, m in zip(cells, missing, strict=True)],
                               dtype=np.float64)
        except ValueError:
            columns[name] = np.array([None if m else c for c, m in zip(cells, missing, strict=True)], dtype=object)
        else:
            numbers[~np.isfinite(numbers)] = math.nan
            columns[name] = numbers
    return columns


def _with_content(rows: Iterable[list[str]]) -> list[list[str]]:
    return [r for r in rows if any(c.strip() for c in r)]


def _from_rows(rows: list[list[str]], source: str) -> dict[str, np.ndarray]:
    if not rows:
        raise TableError(f"{source} is empty (a header row is needed)")
    return csv_columns(rows[0], rows[1:])
