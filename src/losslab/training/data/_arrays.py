"""Data the user already holds: :func:`from_arrays`, and the reading of a target column (the task guessed,
class labels mapped to 0..C-1) that the user's files share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._common import DATA_TASKS, DataTask, TrainingError
from ._dataset import Dataset, build

_MAX_CLASSES_GUESS = 10  # a numeric target with at most this many integer values is taken as class labels


def from_arrays(
    X: Any,
    y: Any,
    *,
    task: DataTask | None = None,
    seed: int = 0,
    val_split: float = 0.2,
    standardize: bool = True,
    name: str = "arrays",
    feature_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
) -> Dataset:
    """A :class:`Dataset` from arrays you already have.

    Parameters
    ----------
    X : array_like of shape (n, n_features)
        Features (a 1-D array is one feature).
    y : array_like of shape (n,)
        Targets: numbers for regression, class labels (any values; they are mapped to 0..C-1 in sorted order)
        for classification.
    task : {"regression", "binary", "multiclass"}, optional
        Guessed when omitted: text or bool labels, or at most 10 distinct integer values, mean classification.
    seed, val_split, standardize
        As for :func:`load_dataset`.
    name, feature_names, class_names
        Labels for displays; ``class_names`` defaults to the sorted distinct labels.

    Returns
    -------
    Dataset
    """
    Xa = np.asarray(X)
    if Xa.ndim == 1:
        Xa = Xa.reshape(-1, 1)
    if Xa.ndim != 2 or Xa.shape[0] == 0 or Xa.shape[1] == 0:
        raise TrainingError(f"X must be a non-empty 2-D array (rows x features), not shape {Xa.shape}")
    if not np.issubdtype(Xa.dtype, np.number) and Xa.dtype != np.bool_:
        raise TrainingError(f"X must hold numbers, not {Xa.dtype}")
    Xa = Xa.astype(np.float64)
    if not np.all(np.isfinite(Xa)):
        raise TrainingError("X has NaN or infinite values; drop or fill them first")
    ya = np.asarray(y).reshape(-1)
    if len(ya) != Xa.shape[0]:
        raise TrainingError(f"X has {Xa.shape[0]} rows but y has {len(ya)} values")
    task, codes, names = encode_target(ya, task, "y")
    if class_names is not None and names is not None:
        if len(class_names) != len(names):
            raise TrainingError(f"class_names has {len(class_names)} names for {len(names)} classes")
        names = [str(c) for c in class_names]
    fnames = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(Xa.shape[1])]
    if len(fnames) != Xa.shape[1]:
        raise TrainingError(f"feature_names has {len(fnames)} names for {Xa.shape[1]} columns")
    return build(name, task, Xa, codes, feature_names=fnames, target_name="y", class_names=names,
                 source="arrays", seed=seed, val_split=val_split, standardize=standardize)


def encode_target(y: np.ndarray, task: str | None, column: str) -> tuple[DataTask, np.ndarray, list[str] | None]:
    """(task, targets as float values or int codes, class names or None), guessing the task when not given."""
    if task is not None and task not in DATA_TASKS:
        raise TrainingError(f"task must be one of {', '.join(DATA_TASKS)}, not {task!r}")
    numeric = np.issubdtype(y.dtype, np.number) and not np.issubdtype(y.dtype, np.bool_)
    if numeric:
        values = y.astype(np.float64)
        if not np.all(np.isfinite(values)):
            raise TrainingError(f"the target {column!r} has NaN or infinite values")
    if task is None:
        if not numeric:
            task = "classification"
        else:
            distinct = np.unique(values)
            integral = bool(np.all(distinct == np.round(distinct)))
            task = "classification" if integral and len(distinct) <= _MAX_CLASSES_GUESS else "regression"
    if task == "regression":
        if not numeric:
            raise TrainingError(f"the target {column!r} holds text or bool values; regression needs numbers")
        return "regression", values, None
    labels = y.astype(str) if not numeric else values
    distinct = np.unique(labels)
    if len(distinct) < 2:
        raise TrainingError(f"the target {column!r} has a single class; classification needs at least two")
    if task == "binary" and len(distinct) != 2:
        raise TrainingError(f"task='binary' but the target {column!r} has {len(distinct)} classes")
    codes = np.searchsorted(distinct, labels).astype(np.int64)
    names = [_label_name(v) for v in distinct]
    return ("binary" if len(distinct) == 2 else "multiclass"), codes, names


def _label_name(v: Any) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)
