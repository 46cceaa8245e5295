"""`losslab score`: several losses over a file of predictions in one streaming pass, with bounded memory.

The file is read in batches (pandas' chunked CSV parser, or Parquet row groups through pyarrow), each batch scored
with every loss (``reduction="none"``), and only running totals are kept: sum(w l) and sum(w) per loss and group.
Memory is therefore one batch, whatever the file size.
"""

from __future__ import annotations

import functools
import glob
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LossInputError
from ..losses import Loss, get
from ._inputs import UsageError, clip, first_line

DEFAULT_BATCH_ROWS = 1 << 18
MAX_HEADER_BYTES = 1 << 18
"""The longest CSV header line read: a file whose first line runs on further (no line break) is refused, so a
binary or one-line file costs at most this much memory and its error line stays short."""


def expand_paths(specs: list[str]) -> list[Path]:
    """Files, directories (their *.parquet / *.csv) and glob patterns, in a stable order."""
    paths: list[Path] = []
    for spec in specs:
        matches = sorted(glob.glob(spec)) if any(ch in spec for ch in "*?[") else [spec]
        if not matches:
            raise UsageError(f"no file matches {clip(spec)!r}")
        for m in matches:
            p = Path(m)
            if p.is_dir():
                inside = sorted([*p.glob("*.parquet"), *p.glob("*.pq"), *p.glob("*.csv")])
                if not inside:
                    raise UsageError(f"{clip(p)} holds no .parquet or .csv file")
                paths.extend(inside)
            elif p.exists():
                paths.append(p)
            else:
                raise UsageError(f"no such file: {clip(p)}")
    for p in paths:
        if p.suffix not in {".csv", ".parquet", ".pq"}:
            raise UsageError(f"{clip(p)}: score reads .csv or .parquet files")
    return paths


def _check_csv_header(path: Path) -> None:
    """Refuse, in one line, a CSV file whose first line is not a header pandas can read: empty, UTF-16, not UTF-8
    (e.g. Shift-JIS), or one endless line. Reads at most MAX_HEADER_BYTES."""
    with open(path, "rb") as handle:
        head = handle.readline(MAX_HEADER_BYTES + 1)
    name = clip(path.name)
    if not head:
        raise UsageError(f"{name} is empty: a CSV file needs a header row, then one row per example")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise UsageError(f"{name} is not UTF-8 text (UTF-16, or not text at all): save it as UTF-8 CSV")
    if len(head) > MAX_HEADER_BYTES:
        raise UsageError(f"{name}: the first line runs past {MAX_HEADER_BYTES // 1024} KiB without a line break; "
                         "is it a CSV file?")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name} is not UTF-8 text (byte 0x{head[exc.start]:02x} in the header, at position "
                         f"{exc.start}; Shift-JIS or Latin-1?): save it as UTF-8 CSV") from None


def _parquet(path: Path) -> Any:
    """``pq.ParquetFile(path)``, or one line saying why the file is not Parquet."""
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is in the data extra
        raise UsageError("score needs pyarrow for Parquet: pip install 'losslab[data]'") from exc

    try:
        return pq.ParquetFile(path)
    except ValueError as exc:  # pyarrow.ArrowInvalid
        raise UsageError(f"{clip(path.name)} cannot be read as Parquet ({first_line(exc)})") from None


def _batches(path: Path, columns: list[str], batch_rows: int) -> Iterator[dict[str, np.ndarray]]:
    """The file as batches of about ``batch_rows`` rows: ``{column: NumPy array}``, one batch in memory at a time.

    CSV goes through pandas' chunked C parser (on this kind of file it is both faster than pyarrow's streaming
    reader and lighter: its read-ahead does not grow with the block size); Parquet is read row group by row group.
    """
    if path.suffix == ".csv":
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is in the data extra
            raise UsageError("score needs pandas for CSV: pip install 'losslab[data]'") from exc
        _check_csv_header(path)
        try:
            header = list(pd.read_csv(path, nrows=0).columns)
        except (ValueError, pd.errors.EmptyDataError) as exc:  # ParserError and UnicodeDecodeError are ValueErrors
            raise UsageError(f"{clip(path.name)} cannot be read as CSV ({first_line(exc)})") from None
        missing = [c for c in columns if c not in header]
        if missing:
            raise UsageError(f"{clip(path.name)}: no column {clip(missing[0])!r} "
                             f"(columns: {clip(', '.join(map(str, header)))})")
        chunks = pd.read_csv(path, usecols=columns, chunksize=batch_rows, engine="c")
        rows = 0
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise UsageError(f"{clip(path.name)}: text at or after row {rows + 1} is not UTF-8 (Shift-JIS or "
                                 "Latin-1?): save the file as UTF-8 CSV") from None
            except (ValueError, pd.errors.EmptyDataError) as exc:  # pandas' ParserError: its line is the file's
                raise UsageError(f"{clip(path.name)} cannot be read as CSV ({first_line(exc)})") from None
            rows += len(chunk)
            yield {c: chunk[c].to_numpy() for c in columns}
    pf = _parquet(path)
    missing = [c for c in columns if c not in pf.schema_arrow.names]
    if missing:
        raise UsageError(f"{clip(path.name)}: no column {clip(missing[0])!r} "
                         f"(columns: {clip(', '.join(pf.schema_arrow.names))})")
    batches = pf.iter_batches(batch_size=batch_rows, columns=columns)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except ValueError as exc:  # ArrowInvalid: a damaged row group
            raise UsageError(f"{clip(path.name)} cannot be read as Parquet ({first_line(exc)})") from None
        yield {c: _to_numpy(batch.column(batch.schema.get_field_index(c))) for c in columns}


def _known_rows(paths: list[Path]) -> int | None:
    if any(p.suffix == ".csv" for p in paths):
        return None
    return sum(_parquet(p).metadata.num_rows for p in paths)


def _column(batch: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    arrays = [batch[n] for n in names]
    return arrays[0] if len(arrays) == 1 else np.stack(arrays, axis=1)


def _numbers(values: np.ndarray, path: Path, column: str, first_row: int) -> np.ndarray:
    """A column as numbers (numeric columns untouched); a cell that is not a number is an error naming its row
    (counted from the file's first data row) and column."""
    if values.dtype.kind in "fiub":
        return values
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError):
        pass
    for i, cell in enumerate(values.tolist()):
        try:
            float(cell)
        except (TypeError, ValueError):
            shown = "an empty cell" if cell is None else f"{clip(cell)!r}"
            raise UsageError(f"{clip(path.name)}, row {first_row + i}, column {clip(column)!r}: {shown} is not a "
                             "number") from None
    return values.astype(np.float64)  # pragma: no cover - every cell converted one by one


def _group_keys(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for any column: missing cells (NaN, None) form the group "nan",
    and text mixed with other values is compared as text."""
    if values.dtype.kind == "O":
        missing = np.not_equal(values, values) | np.equal(values, np.array(None, dtype=object))  # NaN, None
        if missing.any():
            values = values.copy()
            values[missing] = "nan"
        try:
            return np.unique(values, return_inverse=True)
        except TypeError:  # e.g. numbers and text in one column
            return np.unique(np.array([str(v) for v in values.tolist()], dtype=object), return_inverse=True)
    keys, inverse = np.unique(values, return_inverse=True)
    return keys, inverse


def _where(exc: LossInputError, path: Path, row: int, batch: dict[str, np.ndarray], index: int,
           columns: dict[str, list[str]]) -> UsageError:
    """A loss's refusal of one batch, told at its place in the user's file: row and column, and the cell."""
    names = columns.get(exc.argument)
    if not names:
        return UsageError(f"{clip(path.name)}, row {row}: {exc}")
    cells = ", ".join(clip(batch[n][index], 40) for n in names)
    label = "column" if len(names) == 1 else "columns"
    message = (f"{clip(path.name)}, row {row}, {label} {clip(', '.join(map(repr, names)))} = {clip(cells)}: "
               f"{exc.loss}: argument '{exc.argument}' expected {exc.expected}.")
    return UsageError(message + (f" Hint: {exc.hint}" if exc.hint else ""))


def _score_rows(scorer: Loss, p: np.ndarray, t: np.ndarray, w: np.ndarray | None,
                k: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-example losses and weights (None: all 1) of the first ``k`` rows of a batch."""
    pk, tk, wk = p[:k], t[:k], None if w is None else w[:k]
    per = np.asarray(scorer(pk, tk, reduction="none", sample_weight=wk), dtype=np.float64)
    ws = np.asarray(scorer.example_weights(pk, tk, sample_weight=wk), dtype=np.float64) \
        if (wk is not None or scorer.weighs_examples()) else None
    return per, ws


def _first_failing_row(call: Callable[[int], object], n_rows: int) -> int | None:
    """The index of the row that makes ``call(k)`` (the loss on the first k rows) raise: bisection over prefixes,
    since each loss checks its inputs element by element. None when even the whole batch passes."""
    def fails(k: int) -> bool:
        try:
            call(k)
        except LossInputError:
            return True
        return False

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not fails(n_rows):
            return None
        lo, hi = 1, n_rows
        while lo < hi:
            mid = (lo + hi) // 2
            if fails(mid):
                hi = mid
            else:
                lo = mid + 1
    return lo - 1


def _to_numpy(column: Any) -> np.ndarray:
    """A pyarrow array as NumPy without pandas (whose import alone costs most of a second)."""
    import pyarrow as pa

    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        encoded = column.dictionary_encode()
        labels = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
        return labels[np.asarray(encoded.indices)]
    if column.null_count:
        return np.asarray(column.fill_null(float("nan")) if pa.types.is_floating(column.type) else column)
    return np.asarray(column)


@dataclass
class _Total:
    weighted: float = 0.0
    weight: float = 0.0


@dataclass
class ScoreResult:
    files: list[str]
    rows: int
    seconds: float
    losses: dict[str, float]
    groups: dict[str, dict[str, float]] = field(default_factory=dict)
    group_rows: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows": self.rows,
            "seconds": round(self.seconds, 6),
            "rows_per_second": round(self.rows / self.seconds) if self.seconds > 0 else None,
            "losses": self.losses,
            "groups": self.groups,
            "group_rows": self.group_rows,
        }


def score(
    paths: list[Path],
    pred: list[str],
    target: list[str],
    losses: list[Loss],
    *,
    by: str | None = None,
    weight: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> ScoreResult:
    """Score ``losses`` over ``paths`` in one pass. ``on_progress(rows_done, total_rows)`` drives a progress bar
    (``total_rows`` is known for Parquet from its metadata, None for CSV).

    Errors name the file, the row (counted from its first data row) and the column, whatever the batch size."""
    if batch_rows < 1:
        raise UsageError(f"--batch-rows must be at least 1, not {batch_rows}")
    columns = list(dict.fromkeys([*pred, *target, *([by] if by else []), *([weight] if weight else [])]))
    start = time.perf_counter()
    # rmse is the square root of the overall mse: accumulate mse and take the root at the end
    scorers = [(loss, get("mse") if loss.definition.finalize == "sqrt" else loss) for loss in losses]
    totals: dict[str, dict[str, _Total]] = {loss.name: {} for loss in losses}
    overall = {loss.name: _Total() for loss in losses}
    group_rows: dict[str, int] = {}
    rows = 0
    total_rows = _known_rows(paths)
    roles = {"pred": pred, "target": target, **({"sample_weight": [weight]} if weight else {})}
    for path in paths:
        file_rows = 0  # rows of this file before the batch: positions are the file's, not the batch's
        for batch in _batches(path, columns, batch_rows):
            n_rows = len(next(iter(batch.values())))
            if n_rows == 0:
                continue
            numbers = dict.fromkeys([*pred, *target, *roles.get("sample_weight", [])])
            numeric = {c: _numbers(batch[c], path, c, file_rows + 1) for c in numbers}
            p = _column(numeric, pred)
            t = _column(numeric, target)
            w = _column(numeric, [weight]).astype(float) if weight else None
            keys = inverse = None
            names: list[str] = []
            if by:
                keys, inverse = _group_keys(_column(batch, [by]))
                counts = np.bincount(inverse, minlength=len(keys))
                names = [str(k) for k in keys.tolist()]  # as shown: NaN keys of every batch are one group
                for key, count in zip(names, counts.tolist(), strict=True):
                    group_rows[key] = group_rows.get(key, 0) + count
            for loss, scorer in scorers:
                call = functools.partial(_score_rows, scorer, p, t, w)
                try:
                    per, ws = call(n_rows)
                except LossInputError as exc:
                    index = _first_failing_row(call, n_rows)
                    if index is None:
                        raise UsageError(f"{clip(path.name)}, rows {file_rows + 1} to {file_rows + n_rows}: "
                                         f"{exc}") from None
                    raise _where(exc, path, file_rows + index + 1, batch, index, roles) from None
                tot = overall[loss.name]
                tot.weighted += float(np.sum(per))
                tot.weight += float(np.sum(ws)) if ws is not None else float(per.shape[0])
                if by:
                    assert keys is not None and inverse is not None
                    sums = np.bincount(inverse, weights=per, minlength=len(keys))
                    wsum = np.bincount(inverse, weights=ws, minlength=len(keys)) if ws is not None else \
                        np.bincount(inverse, minlength=len(keys)).astype(float)
                    group = totals[loss.name]
                    for key, s, ww in zip(names, sums.tolist(), wsum.tolist(), strict=True):
                        g = group.setdefault(key, _Total())
                        g.weighted += s
                        g.weight += ww
            rows += n_rows
            file_rows += n_rows
            if on_progress:
                on_progress(rows, total_rows)
    if rows == 0:
        raise UsageError("the file(s) hold no rows to score")
    for loss in losses:
        if loss.definition.default_reduction != "sum" and overall[loss.name].weight == 0:
            where = f"the weights in column {clip(weight)!r}" if weight else "the example weights"
            raise UsageError(f"{where} add up to 0, so {loss.name} has no mean: give some rows a positive weight")

    def finish(loss: Loss, tot: _Total) -> float:
        reduction = loss.definition.default_reduction
        if reduction == "sum":
            return tot.weighted
        mean = tot.weighted / tot.weight if tot.weight else float("nan")
        return float(np.sqrt(mean)) if loss.definition.finalize == "sqrt" else mean

    result = ScoreResult(
        files=[str(p) for p in paths],
        rows=rows,
        seconds=time.perf_counter() - start,
        losses={loss.name: finish(loss, overall[loss.name]) for loss in losses},
    )
    if by:
        for key in sorted(group_rows, key=str):
            result.groups[str(key)] = {loss.name: finish(loss, totals[loss.name][key]) for loss in losses}
            result.group_rows[str(key)] = group_rows[key]
    return result
