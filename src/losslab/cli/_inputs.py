"""Reading numbers from the command line: inline lists, .npy files, CSV or Parquet columns; and parameters."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LossInputError
from ..losses import Loss, LossDefinition, definition
from ..losses._spec import parse_spec

_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


class UsageError(Exception):
    """A mistake in how a command was called: shown as one line, exit code 2."""


QUOTE_LIMIT = 200
"""The most characters of the user's input (a value, a column name, a file's words) quoted in an error line."""


def clip(text: object, limit: int = QUOTE_LIMIT) -> str:
    """``text`` as a string of at most ``limit`` characters (cut with an ellipsis), for quoting user input."""
    s = str(text)
    return s if len(s) <= limit else s[:limit] + "…"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type's name), clipped: a library's words in one line."""
    lines = str(exc).strip().splitlines()
    return clip(lines[0] if lines else type(exc).__name__)


def detect_lang(lang: str | None) -> str:
    """--lang, else the environment (LC_ALL, LC_MESSAGES, LANG starting with 'ja'), else English."""
    if lang:
        return lang
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def read_table_columns(path: Path, columns: list[str]) -> np.ndarray:
    """Whole columns of a (small) CSV or Parquet file; `score` streams large files instead."""
    try:
        if path.suffix == ".csv":
            import pyarrow.csv as pacsv

            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(include_columns=columns))
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(path, columns=columns)
    except ImportError as exc:
        raise UsageError("reading CSV/Parquet needs pyarrow: pip install 'losslab[data]'") from exc
    except (KeyError, ValueError) as exc:  # pyarrow's ArrowInvalid and UnicodeDecodeError are ValueErrors
        raise UsageError(f"{clip(path)} cannot be read as {path.suffix[1:].upper()} ({first_line(exc)})") from None
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise UsageError(f"{clip(path)}: no column {clip(missing[0])!r}")
    arrays = [table.column(c).to_numpy() for c in columns]
    return arrays[0] if len(arrays) == 1 else np.stack(arrays, axis=1)


def _load_npy(path: Path, argument: str) -> np.ndarray:
    """A plain .npy array; never unpickles (a pickled object array could run code), never a traceback."""
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise UsageError(f"--{argument}: {clip(path)} is not a plain numeric .npy array (pickled Python objects "
                             "are never loaded; save numbers, e.g. np.save(path, x.astype(float)))") from None
        raise UsageError(f"--{argument}: {clip(path)} is not a readable .npy array ({first_line(exc)})") from None
    except EOFError:
        raise UsageError(f"--{argument}: {clip(path)} is not a readable .npy array (the file ends early)") from None
    if not isinstance(array, np.ndarray):  # an .npz archive saved under a .npy name
        raise UsageError(f"--{argument}: {clip(path)} is not a .npy array (an .npz archive?)")
    return array


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.IGNORECASE)


def parse_values(text: str, argument: str) -> np.ndarray:
    """``0.1,0.7`` (one example per value), ``0.7,0.2,0.1;0.1,0.8,0.1`` (rows), ``x.npy``, ``data.csv:col1,col2``."""
    text = text.strip()
    if not text:
        raise UsageError(f"--{argument} is empty: give numbers like 0.1,0.7")
    path_part, _, cols = text.partition(":") if not re.match(r"^[A-Za-z]:\\", text) else (text, "", "")
    path = Path(path_part)
    if path.suffix == ".npy":
        if not path.exists():
            raise UsageError(f"--{argument}: no such file {clip(path)}")
        return _load_npy(path, argument)
    if path.suffix in _TABLE_SUFFIXES:
        if not path.exists():
            raise UsageError(f"--{argument}: no such file {clip(path)}")
        if not cols:
            raise UsageError(f"--{argument}: name the column(s), e.g. {clip(path)}:prediction")
        return read_table_columns(path, [c.strip() for c in cols.split(",")])
    rows = [r for r in text.split(";") if r.strip()]
    parsed = []
    for row in rows:
        tokens = [tok for tok in re.split(r"[,\s]+", row.strip()) if tok]
        for tok in tokens:
            if not _NUMBER.match(tok):
                raise UsageError(f"--{argument}: {clip(tok)!r} is not a number (expected e.g. 0.1,0.7 or 1,0;0,1)")
        parsed.append(tokens)
    if len({len(r) for r in parsed}) != 1:
        raise UsageError(f"--{argument}: rows separated by ';' must have the same number of values")
    integers = all(re.match(r"^[+-]?\d+$", tok) for r in parsed for tok in r)
    array = np.array([[float(tok) for tok in r] for r in parsed])
    if integers:
        array = array.astype(np.int64)
    return array[0] if len(parsed) == 1 else array


def _convert(d: LossDefinition, name: str, raw: str) -> Any:
    """The value of ``--param name=raw``, read by the parameter's own constraint (as in a loss spec)."""
    try:
        p = d.param(name)
    except KeyError:
        return raw  # Loss(...) reports the unknown name with suggestions
    try:
        return p.parse(raw.strip().strip("[]"))
    except ValueError as exc:
        raise LossInputError(d.name, name, str(exc), repr(raw), f"{name}: {p.doc} (default {p.default!r})") from None


def name_values(items: list[str] | None, option: str, example: str) -> dict[str, int | float]:
    """``["fraction=0.2", "size=10"]`` -> {"fraction": 0.2, "size": 10}: NAME=VALUE options that take numbers."""
    out: dict[str, int | float] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {item!r}: write NAME=VALUE, e.g. {example}")
        value = raw.strip()
        try:
            out[key.strip()] = int(value)
        except ValueError:
            try:
                out[key.strip()] = float(value)
            except ValueError:
                raise UsageError(f"{option} {key.strip()}: {raw!r} is not a number") from None
    return out


def parse_params(name: str, assignments: list[str], *, qualified: bool = False) -> dict[str, Any]:
    """``delta=2`` (or ``huber.delta=2`` when several losses share one command line) -> {"delta": 2.0}."""
    d = definition(name)
    params: dict[str, Any] = {}
    for item in assignments:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r}: write NAME=VALUE, e.g. delta=2")
        key = key.strip()
        if qualified and "." in key:
            owner, _, key = key.partition(".")
            if definition(owner).name != d.name:
                continue
        elif qualified and "." not in key and not any(p.name == key for p in d.params):
            continue
        params[key] = _convert(d, key, raw)
    return params


def make_loss(spec: str, assignments: list[str], *, qualified: bool = False) -> Loss:
    """A loss from its spec (``huber`` or ``huber(delta=2)``) plus ``--param`` assignments, which win."""
    base = parse_spec(spec)
    extra = parse_params(base.name, assignments, qualified=qualified)
    return base.with_params(**extra) if extra else base
