"""Reading what the user hands to :func:`losslab.advice.recommend`: a table, a file, or arrays.

Everything becomes a :class:`Table`: the target (one column, or several for one-hot and multi-label targets) and
the numeric features, with the rows whose target is missing left out. Nothing here decides anything about the
loss; it only makes the data uniform and remembers what it changed, so the analysis can say so.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._tables import TABLE_SUFFIXES as _TABLE_SUFFIXES
from .._tables import TableError, read_table
from ..errors import LossInputError

__all__ = ["Table", "read_input"]

_WHERE = "recommend"
_MAX_LEVELS = 30  # a text feature with more distinct values than this is left out (not one-hot encoded)


def _error(argument: str, expected: str, got: str, hint: str | None = None) -> LossInputError:
    return LossInputError(_WHERE, argument, expected, got, hint)


@dataclass
class Table:
    """The user's data made uniform.

    ``y`` is the target as given: 1-D (numbers, or text/bool labels as an object array) or 2-D (several target
    columns). ``X`` holds the numeric features as float, with missing values filled by the column median.
    """

    y: np.ndarray
    X: np.ndarray
    target_names: list[str]
    feature_names: list[str]
    source: str
    dropped_rows: int = 0
    filled_values: int = 0
    encoded_columns: list[str] = field(default_factory=list)
    skipped_columns: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.y.shape[0])


# ------------------------------------------------------------------------------------------------------ columns
def _column(values: Any) -> np.ndarray:
    """A column as float (NaN for missing) when it holds numbers, bool when it holds only True/False, else object."""
    arr = np.asarray(values)
    if arr.dtype == np.bool_:
        return arr
    if np.issubdtype(arr.dtype, np.number) and not np.issubdtype(arr.dtype, np.complexfloating):
        return arr.astype(np.float64)
    items = list(arr.reshape(-1))
    present = [v for v in items if not _is_missing(v)]
    if present and all(isinstance(v, bool | np.bool_) for v in present):
        if len(present) == len(items):
            return np.array(items, dtype=bool)
        return np.array([None if _is_missing(v) else bool(v) for v in items], dtype=object)
    numbers = []
    for v in items:
        if _is_missing(v):
            numbers.append(math.nan)
            continue
        try:
            numbers.append(float(v))
        except (TypeError, ValueError):
            return np.array([None if _is_missing(v) else str(v) for v in items], dtype=object)
    return np.array(numbers, dtype=np.float64)


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float | np.floating):
        return math.isnan(float(v))
    if isinstance(v, str):
        return v.strip() == "" or v.strip().lower() in {"nan", "na", "null", "none"}
    try:  # pandas.NA, pandas.NaT
        return bool(v != v)
    except (TypeError, ValueError):
        return False


def _missing(col: np.ndarray) -> np.ndarray:
    if col.dtype == object:
        return np.array([_is_missing(v) for v in col], dtype=bool)
    if col.dtype == np.bool_:
        return np.zeros(col.shape[0], dtype=bool)
    return ~np.isfinite(col)


# --------------------------------------------------------------------------------------------------------- files
def _read_file(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        raise _error("data", "an existing CSV or Parquet file", f"no such file {str(path)!r}")
    if path.suffix.lower() not in _TABLE_SUFFIXES:
        raise _error("data", "a .csv, .tsv or .parquet file", repr(path.name))
    try:
        columns = read_table(path)  # the one table reader (losslab._tables)
    except (TableError, OSError) as exc:
        raise _error("data", f"a readable {path.suffix[1:].upper()} file", str(exc),
                     "pip install 'losslab[data]'" if "pyarrow" in str(exc)
                     else "save it as UTF-8 CSV with one header row, or as Parquet") from None
    return {name: col if col.dtype != object else _column(col) for name, col in columns.items()}


# -------------------------------------------------------------------------------------------------------- tables
def _columns_of(data: Any) -> tuple[dict[str, np.ndarray], str] | None:
    """The columns of a DataFrame, a mapping of columns or a file; None when ``data`` is arrays."""
    if isinstance(data, str | os.PathLike):
        path = Path(data)
        return _read_file(path), path.name
    if hasattr(data, "columns") and hasattr(data, "__getitem__") and hasattr(data, "to_numpy"):
        names = [str(c) for c in data.columns]
        if len(set(names)) != len(names):
            raise _error("data", "a table with distinct column names", "repeated column names")
        cols = {str(c): _column(_frame_column(data, c)) for c in data.columns}
        return cols, "DataFrame"
    if isinstance(data, Mapping):
        cols = {str(k): _column(v) for k, v in data.items()}
        lengths = {c.shape[0] for c in cols.values()}
        if len(lengths) > 1 or any(c.ndim != 1 for c in cols.values()):
            raise _error("data", "columns of equal length", "columns of different lengths or shapes")
        return cols, "columns"
    return None


def _frame_column(frame: Any, name: Any) -> np.ndarray:
    column = frame[name]
    dtype = str(getattr(column, "dtype", ""))
    if dtype in {"category", "string", "boolean"} or dtype.startswith(("Int", "Float", "UInt")):
        return np.asarray(column.astype(object).to_numpy(), dtype=object)
    return np.asarray(column.to_numpy())


def _from_columns(columns: dict[str, np.ndarray], source: str, target: Any,
                  features: Sequence[str] | None) -> Table:
    names = list(columns)
    if target is None:
        raise _error("target", "the name of the target column (target=..., --target COL)", "none",
                     "the columns are " + ", ".join(names[:20]) + (" ..." if len(names) > 20 else ""))
    targets = [target] if isinstance(target, str) else [str(t) for t in target]
    if not targets:
        raise _error("target", "at least one target column", "an empty list")
    for t in targets:
        if t not in columns:
            import difflib

            close = difflib.get_close_matches(t, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "the columns are " + ", ".join(names[:20])
            raise _error("target", "a column of the table", repr(t), hint)
    used = list(features) if features is not None else [c for c in names if c not in targets]
    for c in used:
        if c not in columns:
            raise _error("features", "columns of the table", repr(c))
        if c in targets:
            raise _error("features", "columns other than the target", repr(c))
    if len(targets) == 1:
        y = columns[targets[0]]
        missing = _missing(y)
    else:
        blocks = []
        for t in targets:
            col = columns[t]
            if col.dtype == object:
                raise _error("target", "numbers in every target column (one-hot or multi-label)",
                             f"text in the column {t!r}")
            blocks.append(col.astype(np.float64))
        y = np.stack(blocks, axis=1)
        missing = ~np.all(np.isfinite(y), axis=1)
    keep = ~missing
    y = y[keep]
    if y.dtype == object:
        present = [v for v in y]
        y = (np.array(present, dtype=bool) if all(isinstance(v, bool | np.bool_) for v in present)
             else np.array([str(v) for v in present], dtype=object))
    table = Table(y=y, X=np.zeros((int(keep.sum()), 0)), target_names=targets, feature_names=[], source=source,
                  dropped_rows=int(missing.sum()))
    blocks, fnames = [], []
    for c in used:
        col = columns[c][keep]
        if col.dtype == np.bool_:
            blocks.append(col.astype(np.float64)[:, None])
            fnames.append(c)
        elif col.dtype != object:
            blocks.append(col[:, None])
            fnames.append(c)
        else:
            levels = sorted({str(v) for v in col if not _is_missing(v)})
            if len(levels) > _MAX_LEVELS or len(levels) < 2:
                table.skipped_columns.append(c)
                continue
            text = np.array(["" if _is_missing(v) else str(v) for v in col])
            blocks.append((text[:, None] == np.array(levels)[None, :]).astype(np.float64))
            fnames.extend(f"{c}={lv}" for lv in levels)
            table.encoded_columns.append(c)
    if blocks:
        X = np.concatenate(blocks, axis=1)
        table.X, table.feature_names = _fill(X, table), fnames
    return table


def _fill(X: np.ndarray, table: Table) -> np.ndarray:
    bad = ~np.isfinite(X)
    if bad.any():
        table.filled_values = int(bad.sum())
        X = X.copy()
        for j in np.flatnonzero(bad.any(axis=0)):
            good = X[~bad[:, j], j]
            X[bad[:, j], j] = float(np.median(good)) if good.size else 0.0
    return X


def _from_arrays(X: Any, y: Any, features: Sequence[str] | None) -> Table:
    ya = _column(np.asarray(y)) if np.asarray(y).ndim == 1 else np.asarray(y, dtype=np.float64)
    if ya.ndim not in (1, 2) or ya.shape[0] == 0:
        raise _error("target", "a 1-D array of targets (or 2-D for one-hot / multi-label)",
                     f"shape {tuple(np.shape(y))}")
    if X is None:
        Xa = np.zeros((ya.shape[0], 0))
    else:
        Xa = np.asarray(X)
        if Xa.ndim == 1:
            Xa = Xa[:, None]
        if Xa.ndim != 2:
            raise _error("data", "features X of shape (rows, columns)", f"shape {Xa.shape}")
        if Xa.dtype == np.bool_:
            Xa = Xa.astype(np.float64)
        if not np.issubdtype(Xa.dtype, np.number):
            raise _error("data", "numeric features X", f"an array of dtype {Xa.dtype}",
                         "pass a DataFrame to have text columns one-hot encoded")
        Xa = Xa.astype(np.float64)
        if Xa.shape[0] != ya.shape[0]:
            raise _error("target", f"one target per row of X ({Xa.shape[0]})", f"{ya.shape[0]} targets")
    missing = _missing(ya) if ya.ndim == 1 else ~np.all(np.isfinite(ya), axis=1)
    keep = ~missing
    yk = ya[keep]
    if yk.dtype == object:
        yk = np.array([str(v) for v in yk], dtype=object)
    names = list(features) if features is not None else [f"x{j}" for j in range(Xa.shape[1])]
    if len(names) != Xa.shape[1]:
        raise _error("features", f"{Xa.shape[1]} names (one per column of X)", f"{len(names)} names")
    targets = ["y"] if ya.ndim == 1 else [f"y{j}" for j in range(ya.shape[1])]
    table = Table(y=yk, X=np.zeros((int(keep.sum()), 0)), target_names=targets, feature_names=names,
                  source="arrays", dropped_rows=int(missing.sum()))
    table.X = _fill(Xa[keep], table)
    return table


def _names(target: Any) -> bool:
    """Whether ``target`` is a list of column names (rather than target values)."""
    return isinstance(target, list | tuple) and bool(target) and all(isinstance(t, str) for t in target)


def read_input(data: Any, target: Any = None, features: Sequence[str] | None = None) -> Table:
    """The user's data as a :class:`Table`.

    ``data`` is a DataFrame, a mapping of column name to values, or a path to a CSV/TSV/Parquet file (then
    ``target`` names the target column, or a list of columns for one-hot / multi-label targets); or arrays: a
    tuple ``(X, y)``, ``X`` with the targets as ``target=y``, or the targets alone (no features).
    """
    columns = _columns_of(data)
    if columns is not None:
        cols, source = columns
        if not cols:
            raise _error("data", "a table with columns", "no columns")
        if target is not None and not isinstance(target, str) and not _names(target):
            # a table of features with the targets given as values
            values = np.asarray(target)
            n = next(iter(cols.values())).shape[0]
            if values.ndim != 1 or values.shape[0] != n:
                raise _error("target", f"a column name, or one target value per row ({n})",
                             f"values of shape {values.shape}")
            name = "y" if "y" not in cols else "target_values"
            return _from_columns({**cols, name: _column(values)}, source, name, features)
        return _from_columns(cols, source, target, features)
    if isinstance(data, tuple) and len(data) == 2 and target is None:
        return _from_arrays(data[0], data[1], features)
    if target is not None and not isinstance(target, str):
        target_arr = np.asarray(target)
        if target_arr.dtype != object or target_arr.ndim == 1:
            return _from_arrays(data, target_arr, features)
    if target is None and data is not None:
        arr = np.asarray(data)
        if arr.ndim in (1, 2) and arr.size:
            return _from_arrays(None, arr, None)
    raise _error("data", "a DataFrame, a CSV/Parquet path, (X, y) arrays, or X with target=y",
                 type(data).__name__)
