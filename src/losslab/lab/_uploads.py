"""Tables for the lab: the user's own CSV files (uploaded, checked, kept in memory for a while) and the built-in
example tables of the "Choose a loss" panel.

A table is a mapping of column name to a NumPy column: float64 (NaN where a value is missing) when every present
value is a number, else an object array of strings (None where missing). That is the plain form
:func:`losslab.advice.recommend` reads, and the classification lab turns two numeric columns and a label column
of it into a :class:`~losslab.training.data.Dataset`. Nothing here is evaluated: a cell is a number or a string.
The file is read by the package's one table reader (:func:`losslab._tables.iter_csv_rows`, cells as
:func:`~losslab._tables.csv_columns` reads them); this module adds the lab's bounds, keeps the columns compactly
(:class:`Columns`: small integer codes into each column's distinct values) and says in words what is wrong.
"""

from __future__ import annotations

import functools
import math
import secrets
import sys
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._jsonable import jsonable
from .._tables import TableError, is_missing, iter_csv_rows
from ._errors import LabError
from ._limits import Limits

__all__ = ["EXAMPLES", "CodedColumn", "Columns", "Table", "UploadStore", "classification_arrays", "example",
           "parse_csv", "summary"]

TARGET_NAMES = ("target", "label", "labels", "y", "class", "species", "outcome", "diagnosis", "category")
EXAMPLES = ("line", "outliers", "counts", "imbalanced", "iris", "diabetes")
_HEAD_ROWS = 6
_MAX_CLASSES = 6  # the classification lab draws at most six classes (six colours and six marker shapes)


@dataclass
class Table:
    """A table of named columns (float64 with NaN, or object with None), with where it came from."""

    name: str
    columns: Mapping[str, np.ndarray]
    target: str | None = None  # the suggested target column
    class_column: str | None = None  # the suggested class column of the classification lab
    id_like: dict[str, str] = field(default_factory=dict)  # column → why it looks like a row id (left out)
    encoding: str | None = None
    delimiter: str | None = None
    size: int = 0  # bytes of the file
    memory: int = 0  # bytes it holds in memory (uploads: the coded columns)
    id: str | None = None
    client: str = ""
    used: float = field(default_factory=time.monotonic)

    @property
    def rows(self) -> int:
        if isinstance(self.columns, Columns):
            return int(next(iter(self.columns.coded.values())).codes.shape[0]) if self.columns else 0
        return int(next(iter(self.columns.values())).shape[0]) if self.columns else 0


# ---------------------------------------------------------------------------------------------------- parsing
def _decode(raw: bytes) -> tuple[str, str]:
    if b"\x00" in raw[:8192]:
        raise LabError(415, "file", "a CSV text file", "a binary file",
                       "a spreadsheet (.xlsx, .ods) must be saved as CSV first (File → Save as → CSV)")
    for encoding in ("utf-8-sig", "cp932"):  # cp932: Shift-JIS as Japanese Excel writes it
        try:
            return raw.decode(encoding), "utf-8" if encoding == "utf-8-sig" else "shift_jis"
        except UnicodeDecodeError:
            continue
    raise LabError(422, "file", "text in UTF-8 (or Shift-JIS)", "bytes in another encoding",
                   "save the file as 'CSV UTF-8'")


def _delimiter(text: str) -> str:
    sample = text[:8192]
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def parse_csv(raw: bytes, name: str, limits: Limits) -> Table:
    """An uploaded CSV file as a :class:`Table`, or a 4xx :class:`LabError` saying what is wrong with it.

    The memory the reading needed for a moment (cells, numbers, sorts: several times the file) is handed back to
    the system afterwards (:func:`_give_back_memory`): what an upload costs the server is what it keeps.
    """
    try:
        return _parse_csv(raw, name, limits)
    finally:
        _give_back_memory()


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # pragma: no cover - musl, or no glibc
        return None


def _give_back_memory() -> None:
    """Return the free memory of the C heap to the system. Without it, glibc keeps the pages the parse of a large
    file freed (scattered among live objects) and the server's memory grows by ~8× each file it reads, though it
    keeps ~1×: measured 108 MB of RSS for 10 MB of kept uploads, 14 MB with it."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


_trim_timer: threading.Timer | None = None
_trim_lock = threading.Lock()


def _give_back_memory_soon(seconds: float = 1.0) -> None:
    """:func:`_give_back_memory` in ``seconds`` (once, however many uploads ask meanwhile): by then the request's
    body, received in pieces and joined, has been freed too."""
    global _trim_timer
    with _trim_lock:
        if _trim_timer is not None and _trim_timer.is_alive():
            return
        _trim_timer = threading.Timer(seconds, _give_back_memory)
        _trim_timer.daemon = True
        _trim_timer.start()


def _parse_csv(raw: bytes, name: str, limits: Limits) -> Table:
    """:func:`parse_csv` itself.

    The text is read twice, row by row, and never held as a list of rows: the first pass counts the rows, finds
    the header and which columns are numbers, and checks every bound (rows, columns, cells); the second stores each
    column as small integer codes into its distinct values (:class:`CodedColumn`), stopping as soon as the text
    columns hold more distinct strings than ``max_upload_distinct``. The cells are read as
    :func:`losslab._tables.csv_columns` reads them (trimmed; :func:`~losslab._tables.is_missing`; a column is
    numbers when every present cell is one).
    """
    if not raw.strip():
        raise LabError(422, "file", "a CSV file with a header row and data rows", "an empty file")
    text, encoding = _decode(raw)
    delimiter = _delimiter(text)
    try:
        header, numeric, ends = _first_pass(text, delimiter, name, limits)
    except TableError as exc:
        raise LabError(422, "file", "a well-formed CSV file", str(exc),
                       "check the quotes (\") around values that hold the separator") from None
    if header is None:
        raise LabError(422, "file", "a CSV file with a header row and data rows", "only empty lines")
    rows = len(ends)
    if len(header) > limits.max_upload_columns:
        raise LabError(422, "file", f"at most {limits.max_upload_columns} columns", f"{len(header)} columns",
                       "keep the columns you need")
    if rows < 2:
        raise LabError(422, "file", "a header row and at least 2 data rows", f"{rows} data row(s)")
    for j, h in enumerate(header):
        if not h:
            header[j] = f"column {j + 1}"
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise LabError(422, "file", "distinct column names in the header row", f"{h!r} twice",
                           "rename one of the columns")
        seen.add(h)
    if len(header) < 1:
        raise LabError(422, "file", "a header row with column names", "an empty header row")
    width = len(header)
    ends_array = np.frombuffer(ends, dtype=np.int32) if rows else np.zeros(0, np.int32)
    wide = np.flatnonzero(ends_array > width)
    if wide.size:
        i = int(wide[0])
        raise LabError(422, "file", f"{width} values per row (as in the header)",
                       f"{int(ends_array[i])} or more values on line {i + 2}",
                       "a value holding the separator must be quoted; or a column name is missing")
    if rows * width > limits.max_upload_cells:
        raise LabError(422, "file", f"at most {limits.max_upload_cells} cells (rows × columns)",
                       f"{rows} rows × {width} columns", "upload fewer rows or columns")
    columns = _second_pass(text, delimiter, header, numeric[:width], limits)
    del text
    ids = id_like_columns(columns)
    table = Table(name=name, columns=columns, target=_suggest_target(columns), encoding=encoding,
                  delimiter=delimiter, size=len(raw), class_column=suggest_class(columns, ids), id_like=ids)
    table.memory = columns.nbytes
    return table


def _first_pass(text: str, delimiter: str, name: str,
                limits: Limits) -> tuple[list[str] | None, list[bool], array[int]]:
    """``(header, numeric, ends)``: the header's names (a trailing empty one left out when no row fills it), whether
    each column is all numbers, and for each data row one past its last non-blank cell. Stops past the row bound."""
    header: list[str] | None = None
    numeric: list[bool] = []
    filled: list[bool] = []
    ends: array[int] = array("i")
    for row in iter_csv_rows(text, delimiter, name):
        if header is None:
            header = [h.strip() for h in row]
            numeric, filled = [True] * len(header), [False] * len(header)
            continue
        last = len(row)
        while last and not row[last - 1].strip():
            last -= 1
        ends.append(last)
        if len(ends) > limits.max_upload_rows:
            raise LabError(422, "file", f"at most {limits.max_upload_rows} data rows",
                           f"more than {limits.max_upload_rows} rows", "upload a sample of the rows")
        for j in range(min(last, len(header))):
            cell = row[j].strip()
            if not cell:
                continue
            filled[j] = True
            if numeric[j] and not is_missing(cell):
                try:
                    float(cell)
                except ValueError:
                    numeric[j] = False
    while header and header[-1] == "" and not filled[len(header) - 1]:
        header.pop()  # a trailing separator after the last column name
    return header, numeric, ends


def _second_pass(text: str, delimiter: str, header: list[str], numeric: list[bool], limits: Limits) -> Columns:
    """The columns of the text as codes: numbers collected as float64 then coded by their distinct values, text
    coded as it is read (one dictionary of distinct strings per column, bounded in total)."""
    width = len(header)
    values = {j: array("d") for j in range(width) if numeric[j]}
    codes = {j: array("i") for j in range(width) if not numeric[j]}
    seen: dict[int, dict[str, int]] = {j: {} for j in codes}
    distinct = 0
    rows = iter_csv_rows(text, delimiter)
    next(rows)  # the header
    for row in rows:
        n = len(row)
        for j in range(width):
            cell = row[j].strip() if j < n else ""
            if j in values:
                values[j].append(math.nan if is_missing(cell) else float(cell))
                continue
            if is_missing(cell):
                codes[j].append(-1)
                continue
            index = seen[j]
            code = index.get(cell)
            if code is None:
                distinct += 1
                if distinct > limits.max_upload_distinct:
                    raise LabError(422, "file", f"at most {limits.max_upload_distinct} distinct texts in the text "
                                   "columns", f"more than {limits.max_upload_distinct}",
                                   "leave out columns of free text or row ids, or upload a sample of the rows")
                code = index[cell] = len(index)
            codes[j].append(code)
    coded: dict[str, CodedColumn] = {}
    for j, col in enumerate(header):
        if j in values:
            coded[col] = CodedColumn.of_numbers(np.frombuffer(values.pop(j), dtype=np.float64))
        else:
            coded[col] = CodedColumn.of_texts(np.frombuffer(codes.pop(j), dtype=np.int32), list(seen.pop(j)))
    return Columns(coded)


# ---------------------------------------------------------------------------------------------------- storage
def _smallest_codes(codes: np.ndarray, size: int) -> np.ndarray:
    kind = np.uint8 if size <= 1 << 8 else np.uint16 if size <= 1 << 16 else np.int32
    return codes.astype(kind)


class CodedColumn:
    """A column kept as ``values[codes]``: small integer codes (one or two bytes a row) into the column's distinct
    values (float64, NaN where missing; or text, its last entry ``None`` for missing). A 2 MiB file of short cells
    is then a few MB in memory, not tens."""

    __slots__ = ("codes", "values")

    def __init__(self, codes: np.ndarray, values: np.ndarray) -> None:
        self.codes, self.values = codes, values

    @classmethod
    def of_numbers(cls, numbers: np.ndarray) -> CodedColumn:
        numbers = np.where(np.isfinite(numbers), numbers, math.nan)
        distinct, inverse = np.unique(numbers, return_inverse=True)  # NaNs: one entry, the last
        return cls(_smallest_codes(inverse.reshape(-1), distinct.size), distinct)

    @classmethod
    def of_texts(cls, codes: np.ndarray, texts: list[str]) -> CodedColumn:
        values = np.empty(len(texts) + 1, dtype=object)
        values[:-1] = texts
        values[-1] = None
        return cls(_smallest_codes(np.where(codes < 0, len(texts), codes), values.size), values)

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.values.dtype

    def decode(self) -> np.ndarray:
        return self.values[self.codes]

    @property
    def nbytes(self) -> int:
        texts = sum(sys.getsizeof(v) for v in self.values if v is not None) if self.values.dtype == object else 0
        return int(self.codes.nbytes + self.values.nbytes + texts)


class Columns(Mapping[str, np.ndarray]):
    """An uploaded table's columns, stored as :class:`CodedColumn`; reading one gives the plain form (float64 with
    NaN, or an object array of strings with None) that every reader of a table expects, made on each read."""

    def __init__(self, coded: dict[str, CodedColumn]) -> None:
        self.coded = coded

    def __getitem__(self, name: str) -> np.ndarray:
        return self.coded[name].decode()

    def __iter__(self) -> Iterator[str]:
        return iter(self.coded)

    def __len__(self) -> int:
        return len(self.coded)

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.coded.values())


def _suggest_target(columns: Mapping[str, np.ndarray]) -> str | None:
    names = list(columns)
    if not names:
        return None
    lowered = {n.strip().lower(): n for n in names}
    for guess in TARGET_NAMES:
        if guess in lowered:
            return lowered[guess]
    return names[-1]


ID_NAMES = ("id", "番号", "index", "idx", "行番号")
_CLASS_MIN, _CLASS_MAX = 2, 30  # a plausible class column holds 2 to 30 distinct values


def id_like_columns(columns: Mapping[str, np.ndarray]) -> dict[str, str]:
    """The columns that look like a row id, each with why: ``"name"`` (called id, ID, 番号, index...),
    ``"integers"`` (all distinct whole numbers) or ``"text"`` (all distinct strings). Such a column is no feature
    and no class; the classification lab leaves it out unless it is chosen explicitly."""
    out: dict[str, str] = {}
    for name, col in columns.items():
        if name.strip().lower() in ID_NAMES:
            out[name] = "name"
            continue
        if col.dtype == object:
            present = [v for v in col if v is not None]
            if len(present) > 2 and len(set(present)) == len(present):  # every class needs 2 rows: no class
                out[name] = "text"
            continue
        values = col[np.isfinite(col)]
        if (values.size >= 10 and values.size == col.size and np.all(values == np.round(values))
                and np.unique(values).size == values.size):
            out[name] = "integers"
    return out


def _class_like(col: np.ndarray) -> bool:
    """2 to 30 distinct values, as text or as whole numbers (a column of measurements is no class)."""
    if not _CLASS_MIN <= _distinct(col) <= _CLASS_MAX:
        return False
    if col.dtype == object:
        return True
    values = col[np.isfinite(col)]
    return bool(np.all(values == np.round(values)))


def suggest_class(columns: Mapping[str, np.ndarray], id_like: Mapping[str, str] | None = None) -> str | None:
    """The classification lab's suggested class column: one named like a target (label, class, ...) when it is
    class-like, else the last class-like column (text preferred over whole numbers), else None."""
    ids = id_like if id_like is not None else id_like_columns(columns)
    plausible = [n for n, c in columns.items() if n not in ids and _class_like(c)]
    if not plausible:
        return None
    lowered = {n.strip().lower(): n for n in plausible}
    for guess in TARGET_NAMES:
        if guess in lowered:
            return lowered[guess]
    text = [n for n in plausible if columns[n].dtype == object]
    return (text or plausible)[-1]


# ---------------------------------------------------------------------------------------------------- summaries
def _distinct(col: np.ndarray) -> int:
    if col.dtype == object:
        return len({v for v in col if v is not None})
    values = col[np.isfinite(col)]
    return int(np.unique(values).size)


def _plain(v: Any) -> Any:
    """A cell as the page shows it: a number (whole ones as ints), text, or None where missing or not finite."""
    if v is None:
        return None
    if isinstance(v, float | np.floating):
        f = jsonable(v)  # NaN and ±inf to None: the one JSON policy of losslab._jsonable
        return f if f is None or not f.is_integer() or abs(f) >= 2**53 else int(f)
    return str(v)


def column_info(name: str, col: np.ndarray) -> dict[str, Any]:
    if col.dtype == object:
        present = [v for v in col if v is not None]
        return {"name": name, "kind": "text", "missing": int(col.shape[0] - len(present)),
                "distinct": _distinct(col), "integer": False, "min": None, "max": None,
                "examples": list(dict.fromkeys(present))[:3]}
    ok = np.isfinite(col)
    values = col[ok]
    return {"name": name, "kind": "number", "missing": int((~ok).sum()), "distinct": _distinct(col),
            "integer": bool(values.size and np.all(values == np.round(values))),
            "min": _plain(values.min()) if values.size else None,
            "max": _plain(values.max()) if values.size else None,
            "examples": [_plain(v) for v in values[:3]]}


def summary(table: Table) -> dict[str, Any]:
    """The table as the page shows it: its columns (kind, missing values, distinct values) and its first rows."""
    names = list(table.columns)
    head = [[_plain(table.columns[c][i]) for c in names] for i in range(min(_HEAD_ROWS, table.rows))]
    return {"id": table.id, "name": table.name, "rows": table.rows, "bytes": table.size,
            "encoding": table.encoding, "delimiter": table.delimiter,
            "columns": [column_info(c, table.columns[c]) for c in names], "head": head,
            "suggested_target": table.target, "suggested_class": table.class_column,
            "id_like": [{"name": c, "why": why} for c, why in table.id_like.items()]}


# ---------------------------------------------------------------------------------------------------- the store
class UploadStore:
    """The uploaded tables, in memory, each under an unguessable id; bounded per client and in total (the one
    used least recently goes first) and forgotten after ``upload_seconds`` without use."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._tables: dict[str, Table] = {}
        self._lock = threading.Lock()

    def add(self, table: Table, client: str) -> Table:
        """Keep ``table`` for ``client``; the tables used least recently (the client's own first, then anyone's)
        are forgotten to stay within the bounds in files and in bytes held."""
        limits = self.limits
        held = table.memory or table.size
        if held > limits.max_upload_bytes_per_client:
            raise LabError(413, "file", f"a table that holds at most {limits.max_upload_bytes_per_client} bytes in "
                           "memory", f"{held} bytes", "upload fewer rows or columns")
        table.id = secrets.token_urlsafe(12)
        table.client = client
        table.used = time.monotonic()
        with self._lock:
            self._sweep_locked()
            mine = sorted((t for t in self._tables.values() if t.client == client), key=lambda t: t.used)
            while mine and (len(mine) >= limits.max_uploads_per_client
                            or _held(mine) + held > limits.max_upload_bytes_per_client):
                self._tables.pop(str(mine.pop(0).id), None)
            everyone = sorted(self._tables.values(), key=lambda t: t.used)
            while everyone and (len(everyone) >= limits.max_uploads_total
                                or _held(everyone) + held > limits.max_upload_bytes_total):
                self._tables.pop(str(everyone.pop(0).id), None)
            self._tables[table.id] = table
        _give_back_memory_soon()  # the request's buffers are freed once it is answered
        return table

    def held(self) -> int:
        """Bytes the kept tables hold in memory."""
        with self._lock:
            return _held(self._tables.values())

    def get(self, upload_id: Any, argument: str = "upload") -> Table:
        with self._lock:
            self._sweep_locked()
            table = self._tables.get(upload_id) if isinstance(upload_id, str) else None
            if table is None:
                raise LabError(404, argument, "the id of an uploaded file", repr(upload_id),
                               "upload the file again: uploads are kept in memory, for an hour after their last use, "
                               "and not across a restart of the lab")
            table.used = time.monotonic()
            return table

    def remove(self, upload_id: str) -> None:
        with self._lock:
            if self._tables.pop(upload_id, None) is None:
                raise LabError(404, "upload_id", "the id of an uploaded file", repr(upload_id))

    def _sweep_locked(self) -> None:
        now = time.monotonic()
        for key in [k for k, t in self._tables.items() if now - t.used > self.limits.upload_seconds]:
            del self._tables[key]


def _held(tables: Iterable[Table]) -> int:
    return sum(t.memory or t.size for t in tables)


# ---------------------------------------------------------------------------------------------------- examples
def example(name: str) -> Table:
    """A built-in example table of the "Choose a loss" panel (raw units, as a user's file would hold them)."""
    if name not in EXAMPLES:
        raise LabError(404, "example", "one of " + ", ".join(EXAMPLES), repr(name))
    return _example(name)


@functools.lru_cache(maxsize=len(EXAMPLES))
def _example(name: str) -> Table:
    from ..training import load_dataset

    if name == "counts":
        rng = np.random.default_rng(7)
        n = 400
        hours = np.round(rng.uniform(0.0, 3.0, n), 2)
        rain = np.round(rng.uniform(0.0, 10.0, n), 1)
        visits = rng.poisson(np.exp(-0.4 + 0.8 * hours - 0.08 * rain)).astype(np.float64)
        return Table(name, {"hours_open": hours, "rain_mm": rain, "visits": visits}, target="visits")
    if name in ("line", "outliers"):
        ds = load_dataset("outliers", seed=0, val_split=0.0, fraction=0.0 if name == "line" else 0.1)
    elif name == "imbalanced":
        ds = load_dataset("imbalanced", seed=0, val_split=0.0, ratio=0.05, n_samples=1000)
    else:
        ds = load_dataset(name, seed=0, val_split=0.0)
    X = ds.inverse_transform(ds.X_train)
    columns: dict[str, np.ndarray] = {}
    for j, feature in enumerate(ds.feature_names):
        columns[feature] = np.round(X[:, j], 4)
    target = "label" if name == "imbalanced" else ds.target_name
    if ds.class_names is None:
        columns[target] = np.round(ds.y_train.astype(np.float64), 4)
    elif name == "imbalanced":
        columns[target] = ds.y_train.astype(np.float64)  # 0 = majority, 1 = minority
    else:
        columns[target] = np.array([ds.class_names[int(c)] for c in ds.y_train], dtype=object)
    return Table(name, columns, target=target)


# ------------------------------------------------------------------------------------- the classification lab
def classification_arrays(table: Table, target: str | None, features: Sequence[str] | None, max_rows: int,
                          seed: int) -> tuple[np.ndarray, np.ndarray, list[str], dict[str, Any]]:
    """Two numeric feature columns and a class column of ``table`` for the classification lab.

    Rows with a missing value in one of the three columns are left out; beyond ``max_rows`` rows a random sample
    (by ``seed``) is kept. Returns ``(X, labels, feature names, what was done)``.
    """
    names = list(table.columns)
    chosen = target is None
    if target is None:
        target = table.class_column if table.class_column is not None else table.target
    if target is None or target not in table.columns:
        raise LabError(422, "data.target", "a column of the file: " + _listing(names), repr(target))
    left_out: list[dict[str, str]] = []
    numeric = [c for c in names if c != target and table.columns[c].dtype != object]
    if features is None:
        left_out = [{"name": c, "why": table.id_like[c]} for c in numeric if c in table.id_like]
        numeric = [c for c in numeric if c not in table.id_like]
        if len(numeric) < 2:
            ids = "; left out as row ids: " + _listing([d["name"] for d in left_out]) if left_out else ""
            raise LabError(422, "data.features", "two columns of numbers besides the class column",
                           f"{len(numeric)}: " + (_listing(numeric) or "none") + ids,
                           "the classification lab draws the data in the plane: x₁ and x₂"
                           + ("; choose a row-id column explicitly if it is a feature" if left_out else ""))
        features = numeric[:2]
    features = list(features)
    if len(features) != 2 or features[0] == features[1]:
        raise LabError(422, "data.features", "two different columns (x₁ and x₂)", repr(features))
    for f in features:
        if f not in table.columns or f == target:
            raise LabError(422, "data.features", "columns of the file other than the class column: "
                           + _listing([c for c in names if c != target]), repr(f))
        if table.columns[f].dtype == object:
            raise LabError(422, "data.features", "columns of numbers", f"text in the column {f!r}")
    X = np.stack([table.columns[f] for f in features], axis=1)
    labels_raw = table.columns[target]
    if labels_raw.dtype == object:
        present = np.array([v is not None for v in labels_raw])
        labels = np.array(["" if v is None else str(v) for v in labels_raw], dtype=object)
    else:
        present = np.isfinite(labels_raw)
        labels = np.array([_label(v) for v in labels_raw], dtype=object)
    keep = present & np.all(np.isfinite(X), axis=1)
    dropped = int((~keep).sum())
    X, labels = X[keep], labels[keep]
    distinct, counts = np.unique(labels.astype(str), return_counts=True)
    if len(distinct) < 2:
        raise LabError(422, "data.target", "a class column with at least two classes",
                       f"{len(distinct)} class(es) in {target!r}")
    if len(distinct) > _MAX_CLASSES:
        raise LabError(422, "data.target", f"a class column with at most {_MAX_CLASSES} classes",
                       f"{len(distinct)} distinct values in {target!r}",
                       "the classification lab needs class labels; to choose a loss for a number to predict, "
                       "use the panel 'Choose a loss'")
    if int(counts.min()) < 2:
        raise LabError(422, "data.target", "at least 2 rows of every class",
                       f"1 row of class {distinct[int(np.argmin(counts))]!r}")
    if len(labels) < 10:
        raise LabError(422, "data", "at least 10 complete rows", f"{len(labels)}")
    total = len(labels)
    sampled = total > max_rows
    if sampled:
        idx = np.sort(np.random.default_rng(seed).choice(total, size=max_rows, replace=False))
        X, labels = X[idx], labels[idx]
        if len(np.unique(labels.astype(str))) < len(distinct):
            raise LabError(422, "data", f"every class among a sample of {max_rows} rows",
                           "a class too rare to be sampled", "upload fewer rows, with the rare class in them")
    info = {"file": table.name, "target": target, "features": features, "rows": table.rows, "complete": total,
            "dropped": dropped, "used": len(labels), "sampled": sampled, "target_chosen": chosen,
            "target_why": (("name" if target.strip().lower() in TARGET_NAMES else
                            "text" if table.columns[target].dtype == object else "integers") if chosen else None),
            "left_out": left_out}
    return X.astype(np.float64), labels.astype(str), features, info


def _label(v: float) -> str:
    if not math.isfinite(v):
        return ""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _listing(names: Sequence[str], most: int = 12) -> str:
    shown = ", ".join(names[:most])
    return shown + (" ..." if len(names) > most else "")
