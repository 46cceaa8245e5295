"""Metrics that do not depend on the loss, so that runs with different losses can be compared.

Classification: accuracy, balanced accuracy, recall and precision per class, log loss. Regression: MAE, RMSE and
R², always in the target's original units. Every function takes plain arrays and returns a float (NaN when the
metric is undefined, e.g. recall of a class that does not occur).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "accuracy",
    "balanced_accuracy",
    "log_loss",
    "mae",
    "precision",
    "r2",
    "recall",
    "rmse",
]


def accuracy(y: np.ndarray, labels: np.ndarray) -> float:
    """Share of examples whose predicted class is the true class."""
    return float(np.mean(np.asarray(y) == np.asarray(labels))) if len(y) else math.nan


def recall(y: np.ndarray, labels: np.ndarray, cls: int) -> float:
    """Of the examples of class ``cls``, the share predicted as ``cls`` (NaN if the class does not occur)."""
    members = np.asarray(y) == cls
    return float(np.mean(np.asarray(labels)[members] == cls)) if members.any() else math.nan


def precision(y: np.ndarray, labels: np.ndarray, cls: int) -> float:
    """Of the examples predicted as ``cls``, the share that are ``cls`` (NaN if none is predicted as ``cls``)."""
    chosen = np.asarray(labels) == cls
    return float(np.mean(np.asarray(y)[chosen] == cls)) if chosen.any() else math.nan


def balanced_accuracy(y: np.ndarray, labels: np.ndarray, n_classes: int) -> float:
    """The mean recall over the classes that occur: 1/C for always predicting one class, whatever the imbalance."""
    values = [recall(y, labels, c) for c in range(n_classes)]
    present = [v for v in values if not math.isnan(v)]
    return float(np.mean(present)) if present else math.nan


def log_loss(y: np.ndarray, proba: np.ndarray, eps: float = 1e-15) -> float:
    """Mean of ``-log p(true class)``, with probabilities clipped to [eps, 1 - eps]."""
    y = np.asarray(y, dtype=np.int64)
    if len(y) == 0:
        return math.nan
    p = np.clip(np.asarray(proba, dtype=np.float64)[np.arange(len(y)), y], eps, 1.0 - eps)
    return float(-np.mean(np.log(p)))


def mae(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(pred, float) - np.asarray(y, float)))) if len(y) else math.nan


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(pred, float) - np.asarray(y, float)) ** 2))) if len(y) else math.nan


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """Coefficient of determination: 1 - SSE / SST (1 is perfect, 0 is predicting the mean)."""
    y = np.asarray(y, float)
    if len(y) < 2:
        return math.nan
    sst = float(np.sum((y - y.mean()) ** 2))
    sse = float(np.sum((np.asarray(pred, float) - y) ** 2))
    return 1.0 - sse / sst if sst > 0 else math.nan
