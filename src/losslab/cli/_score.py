"""`losslab score`: several losses over a file of predictions in one streaming pass, with bounded memory.

The file is read in batches (pandas' chunked CSV parser, or Parquet row groups through pyarrow), each batch scored
with every loss (``reduction="none"``), and only running totals are kept: sum(w l) and sum(w) per loss and group.
Memory is therefore one batch, whatever the file size.
"""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..losses import Loss, get
from ._inputs import UsageError

DEFAULT_BATCH_ROWS = 1 << 18


def expand_paths(specs: list[str]) -> list[Path]:
    """Files, directories (their *.parquet / *.csv) and glob patterns, in a stable order."""
    paths: list[Path] = []
    for spec in specs:
        matches = sorted(glob.glob(spec)) if any(ch in spec for ch in "*?[") else [spec]
        if not matches:
            raise UsageError(f"no file matches {spec!r}")
        for m in matches:
            p = Path(m)
            if p.is_dir():
                inside = sorted([*p.glob("*.parquet"), *p.glob("*.pq"), *p.glob("*.csv")])
                if not inside:
                    raise UsageError(f"{p} holds no .parquet or .csv file")
                paths.extend(inside)
            elif p.exists():
                paths.append(p)
            else:
                raise UsageError(f"no such file: {p}")
    for p in paths:
        if p.suffix not in {".csv", ".parquet", ".pq"}:
            raise UsageError(f"{p}: score reads .csv or .parquet files")
    return paths


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
        header = list(pd.read_csv(path, nrows=0).columns)
        missing = [c for c in columns if c not in header]
        if missing:
            raise UsageError(f"{path}: no column {missing[0]!r} (columns: {', '.join(map(str, header))})")
        for chunk in pd.read_csv(path, usecols=columns, chunksize=batch_rows, engine="c"):
            yield {c: chunk[c].to_numpy() for c in columns}
        return
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is in the data extra
        raise UsageError("score needs pyarrow for Parquet: pip install 'losslab[data]'") from exc
    pf = pq.ParquetFile(path)
    missing = [c for c in columns if c not in pf.schema_arrow.names]
    if missing:
        raise UsageError(f"{path}: no column {missing[0]!r} (columns: {', '.join(pf.schema_arrow.names)})")
    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
        yield {c: _to_numpy(batch.column(batch.schema.get_field_index(c))) for c in columns}


def _known_rows(paths: list[Path]) -> int | None:
    if any(p.suffix == ".csv" for p in paths):
        return None
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in paths)


def _column(batch: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    arrays = [batch[n] for n in names]
    return arrays[0] if len(arrays) == 1 else np.stack(arrays, axis=1)


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
    (``total_rows`` is known for Parquet from its metadata, None for CSV)."""
    columns = list(dict.fromkeys([*pred, *target, *([by] if by else []), *([weight] if weight else [])]))
    start = time.perf_counter()
    # rmse is the square root of the overall mse: accumulate mse and take the root at the end
    scorers = [(loss, get("mse") if loss.definition.finalize == "sqrt" else loss) for loss in losses]
    totals: dict[str, dict[Any, _Total]] = {loss.name: {} for loss in losses}
    overall = {loss.name: _Total() for loss in losses}
    group_rows: dict[Any, int] = {}
    rows = 0
    total_rows = _known_rows(paths)
    for path in paths:
        for batch in _batches(path, columns, batch_rows):
            n_rows = len(next(iter(batch.values())))
            if n_rows == 0:
                continue
            p = _column(batch, pred)
            t = _column(batch, target)
            w = _column(batch, [weight]).astype(float) if weight else None
            keys = inverse = None
            if by:
                keys, inverse = np.unique(_column(batch, [by]), return_inverse=True)
                counts = np.bincount(inverse, minlength=len(keys))
                for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
                    group_rows[key] = group_rows.get(key, 0) + count
            for loss, scorer in scorers:
                per = np.asarray(scorer(p, t, reduction="none", sample_weight=w), dtype=np.float64)
                ws = np.asarray(scorer.example_weights(p, t, sample_weight=w), dtype=np.float64) \
                    if (w is not None or scorer.weighs_examples()) \
                    else None
                tot = overall[loss.name]
                tot.weighted += float(np.sum(per))
                tot.weight += float(np.sum(ws)) if ws is not None else float(per.shape[0])
                if by:
                    assert keys is not None and inverse is not None
                    sums = np.bincount(inverse, weights=per, minlength=len(keys))
                    wsum = np.bincount(inverse, weights=ws, minlength=len(keys)) if ws is not None else \
                        np.bincount(inverse, minlength=len(keys)).astype(float)
                    group = totals[loss.name]
                    for key, s, ww in zip(keys.tolist(), sums.tolist(), wsum.tolist(), strict=True):
                        g = group.setdefault(key, _Total())
                        g.weighted += s
                        g.weight += ww
            rows += n_rows
            if on_progress:
                on_progress(rows, total_rows)
    if rows == 0:
        raise UsageError("the file(s) hold no rows to score")

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
