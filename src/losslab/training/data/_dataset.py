"""The :class:`Dataset` type, and how rows become one: the split (stratified for classification) and the
standardization computed on the training part only.

Every loader (bundled files, generators, the user's files and arrays) ends in :func:`build`, so that the same
seed gives the same split and the same numbers whatever the rows came from.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from .._common import DataTask, TrainingError, jsonable
from ._names import BUILTIN_DATASETS


# ---------------------------------------------------------------------------------------------------- the data set
@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set split into training and validation parts, ready for :func:`losslab.training.fit`.

    Attributes
    ----------
    name : str
        The built-in name (``"iris"``, ``"outliers"``) or the file name.
    task : {"regression", "binary", "multiclass"}
        What the target asks for.
    X_train, X_val : ndarray of shape (n_train, n_features), (n_val, n_features)
        Features; standardized with the training part's mean and standard deviation unless ``standardize=False``.
    y_train, y_val : ndarray of shape (n_train,), (n_val,)
        Targets: float values in the original units for regression, integer class indices 0..C-1 otherwise.
    feature_names : tuple of str
    target_name : str
    class_names : tuple of str or None
        The name of each class index (None for regression).
    source : {"sklearn", "synthetic", "file", "arrays"}
    params : mapping
        The generator parameters used (synthetic sets), with their defaults filled in.
    truth : mapping
        What is known about a synthetic set by construction: e.g. ``slope``, ``intercept``, ``noise``,
        ``fraction`` for ``"outliers"``; empty for real data.
    outliers_train, outliers_val : ndarray of bool or None
        Which rows are the planted outliers (the ``"outliers"`` set only).
    x_mean, x_scale : ndarray or None
        The standardization: ``X = (X_raw - x_mean) / x_scale``; None when the features were left as they are.
    y_mean, y_scale : float or None
        Mean and standard deviation of ``y_train`` (regression): the trainer fits standardized targets with them.
    seed, val_split : int, float
    notes : tuple of str
        What was done to the data on the way in (rows dropped for missing values, columns one-hot encoded).
    """

    name: str
    task: DataTask
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    class_names: tuple[str, ...] | None
    source: str
    params: Mapping[str, Any] = field(default_factory=dict)
    truth: Mapping[str, Any] = field(default_factory=dict)
    outliers_train: np.ndarray | None = None
    outliers_val: np.ndarray | None = None
    x_mean: np.ndarray | None = None
    x_scale: np.ndarray | None = None
    y_mean: float | None = None
    y_scale: float | None = None
    seed: int = 0
    val_split: float = 0.2
    notes: tuple[str, ...] = ()
    _raw: tuple[np.ndarray, np.ndarray, np.ndarray | None] = field(default=None, repr=False)  # type: ignore[assignment]

    # -- sizes ------------------------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_val(self) -> int:
        return int(self.X_val.shape[0])

    @property
    def n_classes(self) -> int:
        """The number of classes (0 for regression)."""
        return 0 if self.class_names is None else len(self.class_names)

    @property
    def class_counts(self) -> np.ndarray:
        """Examples per class in the training part (empty for regression)."""
        if self.class_names is None:
            return np.zeros(0, dtype=np.int64)
        return np.bincount(self.y_train.astype(np.int64), minlength=self.n_classes)

    @property
    def minority_class(self) -> int | None:
        """The class with the fewest training examples (None for regression)."""
        if self.class_names is None:
            return None
        return int(np.argmin(self.class_counts))

    # -- the standardization ----------------------------------------------------------------------------------
    def transform(self, X_raw: Any) -> np.ndarray:
        """Features in original units -> the model's (standardized) features."""
        X = np.asarray(X_raw, dtype=np.float64)
        if X.ndim == 1:
            X = X.reshape(-1, self.n_features)
        if self.x_mean is None or self.x_scale is None:
            return X
        return (X - self.x_mean) / self.x_scale

    def inverse_transform(self, X: Any) -> np.ndarray:
        """The model's features -> original units (the inverse of :meth:`transform`)."""
        X = np.asarray(X, dtype=np.float64)
        if self.x_mean is None or self.x_scale is None:
            return X
        return X * self.x_scale + self.x_mean

    # -- re-splitting -----------------------------------------------------------------------------------------
    def kfold(self, k: int = 5, *, seed: int | None = None) -> Iterator[Dataset]:
        """``k`` data sets, each holding out one fold of all rows (train + validation) as its validation part.

        Folds are stratified for classification and the standardization is recomputed on each fold's training
        part, so nothing leaks from the held-out fold. Used for k-fold evidence (for example by an advisor that
        compares losses across folds).

        Parameters
        ----------
        k : int
            Number of folds, at least 2.
        seed : int, optional
            Shuffles the rows before folding; defaults to the data set's own seed.

        Yields
        ------
        Dataset
            With ``val_split = 1/k`` and ``notes`` naming the fold.
        """
        if not isinstance(k, int) or k < 2:
            raise TrainingError(f"kfold: k must be an integer >= 2, not {k!r}")
        X, y, outliers = self._raw
        if k > len(y):
            raise TrainingError(f"kfold: k={k} is more than the {len(y)} rows")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        fold = np.empty(len(y), dtype=np.int64)
        if self.task == "regression":
            order = rng.permutation(len(y))
            fold[order] = np.arange(len(y)) % k
        else:
            offset = 0
            for c in range(self.n_classes):
                members = rng.permutation(np.flatnonzero(y == c))
                fold[members] = (np.arange(len(members)) + offset) % k
                offset += len(members)
        for i in range(k):
            val_idx = np.flatnonzero(fold == i)
            train_idx = np.flatnonzero(fold != i)
            yield _assemble(self, X, y, outliers, train_idx, val_idx, standardize=self.x_mean is not None,
                            val_split=1.0 / k, notes=(*self.notes, f"fold {i + 1} of {k}"))

    # -- words and data ---------------------------------------------------------------------------------------
    def description(self, lang: str | None = "en") -> str:
        """One or two sentences about the data set, in ``lang`` ("en" or "ja")."""
        from .. import texts

        if self.name in BUILTIN_DATASETS:
            return texts.get(f"datasets.{self.name}", lang)
        kind = texts.ui(self.task, lang)
        return texts.get("datasets.file", lang, name=self.name, rows=self.n_train + self.n_val,
                         features=self.n_features, target=self.target_name, task=kind)

    def info(self) -> dict[str, Any]:
        """The data set described as plain JSON data (no arrays of rows)."""
        return jsonable({
            "name": self.name,
            "task": self.task,
            "source": self.source,
            "n_train": self.n_train,
            "n_val": self.n_val,
            "n_features": self.n_features,
            "feature_names": list(self.feature_names),
            "target_name": self.target_name,
            "class_names": None if self.class_names is None else list(self.class_names),
            "class_counts": None if self.class_names is None else self.class_counts.tolist(),
            "params": dict(self.params),
            "truth": {k: v for k, v in self.truth.items() if not isinstance(v, np.ndarray)},
            "standardized": self.x_mean is not None,
            "seed": self.seed,
            "val_split": self.val_split,
            "notes": list(self.notes),
        })


# ---------------------------------------------------------------------------------------------------- assembling
def _split(y: np.ndarray, task: DataTask, n_classes: int, val_split: float,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation row indices; stratified by class for classification."""
    n = len(y)
    if val_split == 0.0:
        return rng.permutation(n), np.zeros(0, dtype=np.int64)
    if task == "regression":
        order = rng.permutation(n)
        n_val = min(max(1, round(val_split * n)), n - 1)
        return order[n_val:], order[:n_val]
    train, val = [], []
    for c in range(n_classes):
        members = rng.permutation(np.flatnonzero(y == c))
        if len(members) == 0:
            continue
        n_val = round(val_split * len(members))
        n_val = min(max(n_val, 1), len(members) - 1) if len(members) >= 2 else 0
        val.append(members[:n_val])
        train.append(members[n_val:])
    train_idx = rng.permutation(np.concatenate(train))
    val_idx = rng.permutation(np.concatenate(val))
    return train_idx, val_idx


def _assemble(base: Dataset, X: np.ndarray, y: np.ndarray, outliers: np.ndarray | None, train_idx: np.ndarray,
              val_idx: np.ndarray, *, standardize: bool, val_split: float, notes: tuple[str, ...]) -> Dataset:
    X_train, X_val = X[train_idx], X[val_idx]
    x_mean = x_scale = None
    if standardize:
        x_mean = X_train.mean(axis=0)
        x_scale = X_train.std(axis=0)
        x_scale = np.where(x_scale > 1e-12 * np.maximum(1.0, np.abs(x_mean)), x_scale, 1.0)
        X_train = (X_train - x_mean) / x_scale
        X_val = (X_val - x_mean) / x_scale
    y_train, y_val = y[train_idx], y[val_idx]
    y_mean = y_scale = None
    if base.task == "regression":
        y_mean = float(np.mean(y_train))
        y_scale = float(np.std(y_train))
        if not y_scale > 1e-12 * max(1.0, abs(y_mean)):
            y_scale = 1.0
    return replace(
        base,
        X_train=np.ascontiguousarray(X_train, dtype=np.float64),
        X_val=np.ascontiguousarray(X_val, dtype=np.float64).reshape(len(val_idx), X.shape[1]),
        y_train=y_train,
        y_val=y_val,
        outliers_train=None if outliers is None else outliers[train_idx],
        outliers_val=None if outliers is None else outliers[val_idx],
        x_mean=x_mean,
        x_scale=x_scale,
        y_mean=y_mean,
        y_scale=y_scale,
        val_split=val_split,
        notes=notes,
        _raw=(X, y, outliers),
    )


def build(name: str, task: DataTask, X: np.ndarray, y: np.ndarray, *, feature_names: Sequence[str],
          target_name: str, class_names: Sequence[str] | None, source: str, seed: int, val_split: float,
          standardize: bool, params: Mapping[str, Any] | None = None, truth: Mapping[str, Any] | None = None,
          outliers: np.ndarray | None = None, notes: Sequence[str] = ()) -> Dataset:
    check_split(val_split)
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise TrainingError(f"seed must be an integer, not {seed!r}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64) if task == "regression" else np.asarray(y, dtype=np.int64)
    n_classes = 0 if class_names is None else len(class_names)
    rng = np.random.default_rng(int(seed))
    train_idx, val_idx = _split(y, task, n_classes, val_split, rng)
    base = Dataset(
        name=name, task=task, X_train=X[:0], y_train=y[:0], X_val=X[:0], y_val=y[:0],
        feature_names=tuple(feature_names), target_name=target_name,
        class_names=None if class_names is None else tuple(str(c) for c in class_names), source=source,
        params=MappingProxyType(dict(params or {})), truth=MappingProxyType(dict(truth or {})), seed=int(seed),
        val_split=val_split,
    )
    return _assemble(base, X, y, outliers, train_idx, val_idx, standardize=standardize, val_split=val_split,
                     notes=tuple(notes))


def check_split(val_split: Any) -> None:
    if not isinstance(val_split, int | float) or isinstance(val_split, bool) or not 0.0 <= val_split < 1.0:
        raise TrainingError(f"val_split must be a number in [0, 1), not {val_split!r}")

