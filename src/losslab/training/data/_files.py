"""The user's CSV and Parquet files: read with the one table reader (``losslab._tables.read_table``), the rows
with a missing value in a used column dropped, text columns one-hot encoded, the target read as for arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..._tables import TableError, read_table
from .._common import TrainingError, suggest
from ._arrays import encode_target
from ._dataset import Dataset, build


def _read_columns(path: Path) -> dict[str, np.ndarray]:
    """Every column of a CSV or Parquet file (the one table reader, ``losslab._tables``)."""
    try:
        return read_table(path)
    except (TableError, OSError) as exc:
        raise TrainingError(f"{path}: {exc}") from None


def _missing(values: np.ndarray) -> np.ndarray:
    if values.dtype == object:
        return np.array([v is None for v in values], dtype=bool)
    return ~np.isfinite(values)


def load_file(path: Path, target: str | None, features: Sequence[str] | None, task: str | None, seed: int,
              val_split: float, standardize: bool) -> Dataset:
    if not path.exists():
        raise TrainingError(f"no such file: {path}")
    columns = _read_columns(path)
    names = list(columns)
    if target is None:
        raise TrainingError(f"{path.name}: name the target column (target=..., --target COL); "
                            f"the columns are {', '.join(names)}")
    if target not in columns:
        raise TrainingError(f"{path.name}: no column {target!r}; {suggest(target, names)}")
    used = list(features) if features is not None else [c for c in names if c != target]
    for c in used:
        if c not in columns:
            raise TrainingError(f"{path.name}: no column {c!r}; {suggest(c, names)}")
    if target in used:
        raise TrainingError(f"{path.name}: the target {target!r} cannot also be a feature")
    if not used:
        raise TrainingError(f"{path.name}: there are no feature columns besides the target {target!r}")
    missing = _missing(columns[target])
    for c in used:
        missing |= _missing(columns[c])
    notes = []
    if missing.any():
        notes.append(f"dropped {int(missing.sum())} row(s) with missing values")
    keep = ~missing
    if keep.sum() < 4:
        raise TrainingError(f"{path.name}: fewer than 4 complete rows")
    blocks, feature_names = [], []
    for c in used:
        values = columns[c][keep]
        if values.dtype != object:
            blocks.append(values.reshape(-1, 1))
            feature_names.append(c)
            continue
        categories = sorted({str(v) for v in values})
        if len(categories) > 50:
            raise TrainingError(f"{path.name}: the text column {c!r} has {len(categories)} distinct values; "
                                "leave it out (features=[...]) or encode it as numbers")
        as_text = np.array([str(v) for v in values])
        if set(categories) <= {"True", "False"}:
            blocks.append((as_text == "True").astype(np.float64).reshape(-1, 1))
            feature_names.append(c)
            continue
        blocks.append((as_text[:, None] == np.array(categories)[None, :]).astype(np.float64))
        feature_names.extend(f"{c}={cat}" for cat in categories)
        notes.append(f"one-hot encoded {c!r} ({len(categories)} values)")
    X = np.concatenate(blocks, axis=1)
    y_raw = columns[target][keep]
    if y_raw.dtype == object:
        y_raw = np.array([str(v) for v in y_raw])
    data_task, y, class_names = encode_target(y_raw, task, target)
    return build(path.name, data_task, X, y, feature_names=feature_names, target_name=target,
                 class_names=class_names, source="file", seed=seed, val_split=val_split, standardize=standardize,
                 params={"path": str(path)}, notes=notes)
