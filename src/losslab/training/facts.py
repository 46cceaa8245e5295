"""What the curves cannot show, read once from the data and the model: :class:`RunFacts`.

The history records losses and metrics, epoch by epoch. Two questions need more than that, and
:meth:`Run.diagnose <losslab.training.trainer.Run.diagnose>` answers them here before it reads the curves:

- **What could a model reach on these data?** :func:`reachable` fits a k-nearest-neighbours predictor on the
  training part (k chosen by leave-one-out among 1, 3, 5, 9, 15, 25) and scores it on the validation part:
  accuracy for classes, R² for regression (``1 − mean squared error / variance of the validation targets``, the
  same formula the diagnosis applies to the run's ``val_rmse``). It is cheap (one distance matrix, at most
  ``max_rows`` training rows), needs no training and assumes nothing about the shape of the data, so it is an
  honest yardstick: a model far below it on the same validation rows underfits; a model at or above it does not.
- **Which ReLU units never activate?** :func:`dead_units` runs the model on the training rows and counts, per
  hidden layer, the units whose output is 0 on every row: they pass no gradient and can never recover.

Both are plain, JSON-ready dictionaries; the diagnosis quotes them and says where they come from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import Dataset
from .models import Model

__all__ = ["KS", "RunFacts", "dead_units", "reachable"]

KS: tuple[int, ...] = (1, 3, 5, 9, 15, 25)
"""The neighbour counts :func:`reachable` chooses from (by leave-one-out on the training part)."""


@dataclass(frozen=True)
class RunFacts:
    """Facts about a run that its history does not record.

    Attributes
    ----------
    reference : mapping or None
        From :func:`reachable`: ``method`` ("knn"), ``k``, ``metric`` ("accuracy" or "r2"), ``score`` (on the
        validation part), ``val_var`` (regression: the variance the R² divides by), ``n_train``, ``n_val``.
    dead : mapping or None
        From :func:`dead_units`: ``rows`` and ``layers`` (``layer``, ``units``, ``dead`` for each hidden layer).
    """

    reference: Mapping[str, Any] | None = None
    dead: Mapping[str, Any] | None = None


def _sq_dist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    d = (A * A).sum(axis=1)[:, None] + (B * B).sum(axis=1)[None, :] - 2.0 * (A @ B.T)
    return np.maximum(d, 0.0)


def _vote(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """The most frequent class of each row of ``labels`` (ties: the nearer neighbours' class, by order)."""
    counts = np.zeros((labels.shape[0], n_classes))
    for j in range(labels.shape[1]):
        np.add.at(counts, (np.arange(labels.shape[0]), labels[:, j]), 1.0 + 1e-6 * (labels.shape[1] - j))
    return counts.argmax(axis=1)


def _score(task: str, y: np.ndarray, pred: np.ndarray, var: float) -> float:
    if task == "regression":
        return 1.0 - float(np.mean((y - pred) ** 2)) / var if var > 0 else 0.0
    return float(np.mean(y == pred))


def _predict(task: str, neighbours: np.ndarray, y: np.ndarray, k: int, n_classes: int) -> np.ndarray:
    near = y[neighbours[:, :k]]
    return near.mean(axis=1) if task == "regression" else _vote(near.astype(np.int64), n_classes)


def reachable(ds: Dataset, *, max_rows: int = 2000, seed: int = 0) -> dict[str, Any] | None:
    """How well a k-nearest-neighbours predictor does on ``ds``'s validation part (None without one).

    The features are the data set's (standardized) features; k is the best of :data:`KS` by leave-one-out on the
    training part; at most ``max_rows`` training rows (a seeded sample) are used.
    """
    if ds.n_val == 0 or ds.n_train < 2:
        return None
    X, y = np.asarray(ds.X_train, dtype=np.float64), np.asarray(ds.y_train)
    if len(y) > max_rows:
        keep = np.sort(np.random.default_rng(seed).choice(len(y), size=max_rows, replace=False))
        X, y = X[keep], y[keep]
    task = "regression" if ds.task == "regression" else "classes"
    y = y.astype(np.float64) if task == "regression" else y.astype(np.int64)
    y_val = np.asarray(ds.y_val, dtype=np.float64) if task == "regression" else np.asarray(ds.y_val, np.int64)
    if y.ndim != 1:
        return None
    n_classes = 0 if task == "regression" else int(max(y.max(), y_val.max())) + 1
    ks = [k for k in KS if k < len(y)]
    D = _sq_dist(X, X)
    np.fill_diagonal(D, np.inf)
    top = np.argsort(D, axis=1, kind="stable")[:, :ks[-1]]
    var_train = float(np.var(y)) if task == "regression" else 0.0
    loo = [_score(task, y, _predict(task, top, y, k, n_classes), var_train) for k in ks]
    k = ks[int(np.argmax(loo))]
    near = np.argsort(_sq_dist(np.asarray(ds.X_val, dtype=np.float64), X), axis=1, kind="stable")[:, :k]
    var_val = float(np.var(y_val)) if task == "regression" else None
    score = _score(task, y_val, _predict(task, near, y, k, n_classes), var_val or 0.0)
    return {"method": "knn", "k": k, "metric": "r2" if task == "regression" else "accuracy", "score": score,
            "val_var": var_val, "n_train": len(y), "n_val": len(y_val)}


def dead_units(model: Model, X: np.ndarray) -> dict[str, Any] | None:
    """Per hidden layer of a ReLU model: how many units output 0 on every row of ``X`` (None for other models)."""
    if not model.hidden or model.activation != "relu" or len(X) == 0:
        return None
    a = np.asarray(X, dtype=model.dtype)
    layers = []
    for i, (W, b) in enumerate(zip(model.weights[:-1], model.biases[:-1], strict=True)):
        a = np.maximum(a @ W + b, 0.0)
        layers.append({"layer": i + 1, "units": int(a.shape[1]), "dead": int(np.sum(~(a > 0).any(axis=0)))})
    return {"rows": len(X), "layers": layers}
