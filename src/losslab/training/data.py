"""Data sets for the trainer: scikit-learn's bundled sets, synthetic sets with known truth, and the user's files.

Every set comes back as a :class:`Dataset` already split into training and validation parts (stratified for
classification) and, by default, with standardized features (mean 0, standard deviation 1, computed on the
training part only). The same ``seed`` gives the same rows, the same split and the same numbers.

>>> from losslab.training import load_dataset
>>> ds = load_dataset("outliers", seed=0, fraction=0.1)
>>> ds.task, ds.n_train, ds.n_val, ds.truth["slope"]
('regression', 160, 40, 2.0)

Nothing is ever downloaded: the real data sets are read from the files that ship inside scikit-learn.
"""

from __future__ import annotations

import csv
import gzip
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .._tables import TableError, read_table
from ._common import DATA_TASKS, DataTask, TrainingError, jsonable, suggest

__all__ = [
    "BUILTIN_DATASETS",
    "SKLEARN_DATASETS",
    "SYNTHETIC_DATASETS",
    "Dataset",
    "dataset_params",
    "from_arrays",
    "list_datasets",
    "load_dataset",
]

SKLEARN_DATASETS: tuple[str, ...] = ("iris", "wine", "breast_cancer", "digits", "diabetes")
"""The real data sets read from scikit-learn's bundled files (no download)."""

SYNTHETIC_DATASETS: tuple[str, ...] = (
    "outliers", "sine", "moons", "circles", "xor", "spirals", "blobs", "imbalanced",
)
"""The generated data sets; each has parameters (see :func:`dataset_params`) and a known truth."""

BUILTIN_DATASETS: tuple[str, ...] = SKLEARN_DATASETS + SYNTHETIC_DATASETS

_ALIASES = {"line": "outliers", "cancer": "breast_cancer", "two_moons": "moons", "spiral": "spirals",
            "imbalance": "imbalanced"}
_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
_MAX_CLASSES_GUESS = 10  # a numeric target with at most this many integer values is taken as class labels


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
        from . import texts

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


def _build(name: str, task: DataTask, X: np.ndarray, y: np.ndarray, *, feature_names: Sequence[str],
           target_name: str, class_names: Sequence[str] | None, source: str, seed: int, val_split: float,
           standardize: bool, params: Mapping[str, Any] | None = None, truth: Mapping[str, Any] | None = None,
           outliers: np.ndarray | None = None, notes: Sequence[str] = ()) -> Dataset:
    _check_split(val_split)
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


def _check_split(val_split: Any) -> None:
    if not isinstance(val_split, int | float) or isinstance(val_split, bool) or not 0.0 <= val_split < 1.0:
        raise TrainingError(f"val_split must be a number in [0, 1), not {val_split!r}")


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
    task, codes, names = _encode_target(ya, task, "y")
    if class_names is not None and names is not None:
        if len(class_names) != len(names):
            raise TrainingError(f"class_names has {len(class_names)} names for {len(names)} classes")
        names = [str(c) for c in class_names]
    fnames = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(Xa.shape[1])]
    if len(fnames) != Xa.shape[1]:
        raise TrainingError(f"feature_names has {len(fnames)} names for {Xa.shape[1]} columns")
    return _build(name, task, Xa, codes, feature_names=fnames, target_name="y", class_names=names,
                  source="arrays", seed=seed, val_split=val_split, standardize=standardize)


def _encode_target(y: np.ndarray, task: str | None, column: str) -> tuple[DataTask, np.ndarray, list[str] | None]:
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


# ------------------------------------------------------------------------------------------- scikit-learn's files
_CANCER = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave points",
           "symmetry", "fractal dimension")
_SKLEARN_FEATURES: dict[str, list[str]] = {
    "iris": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
    "wine": ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
             "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines",
             "proline"],
    "breast_cancer": [f"mean {p}" for p in _CANCER] + [f"{p} error" for p in _CANCER] + [f"worst {p}" for p in _CANCER],
    "digits": [f"pixel_{r}_{c}" for r in range(8) for c in range(8)],
    "diabetes": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"],
}
_SKLEARN_TARGETS = {"iris": "species", "wine": "cultivar", "breast_cancer": "diagnosis", "digits": "digit",
                    "diabetes": "progression"}


_DATA_DIR = Path(__file__).parent / "datasets"  # shipped with losslab (see datasets/CREDITS.md)


def _load_sklearn(name: str) -> tuple[DataTask, np.ndarray, np.ndarray, list[str] | None]:
    """(task, X, y, class names) of a classic data set, read from the files losslab ships (scikit-learn's layout)."""
    return _read_sklearn_files(name)


def _read_sklearn_files(name: str) -> tuple[DataTask, np.ndarray, np.ndarray, list[str] | None]:
    folder = _DATA_DIR
    if name == "diabetes":
        with gzip.open(folder / "diabetes_data_raw.csv.gz", "rt") as f:
            X = np.loadtxt(f)
        with gzip.open(folder / "diabetes_target.csv.gz", "rt") as f:
            y = np.loadtxt(f)
        if X.shape != (442, 10) or y.shape != (442,):
            raise ValueError("unexpected diabetes files")
        return "regression", X, y, None
    if name == "digits":
        with gzip.open(folder / "digits.csv.gz", "rt") as f:
            data = np.loadtxt(f, delimiter=",")
        if data.shape[1] != 65:
            raise ValueError("unexpected digits file")
        return "multiclass", data[:, :-1], data[:, -1].astype(np.int64), [str(i) for i in range(10)]
    filename = {"iris": "iris.csv", "wine": "wine_data.csv", "breast_cancer": "breast_cancer.csv"}[name]
    with open(folder / filename) as f:
        header = next(csv.reader(f))
        data = np.loadtxt(f, delimiter=",")
    n_samples, n_features = int(header[0]), int(header[1])
    names = [h.strip() for h in header[2:]]
    if data.shape != (n_samples, n_features + 1) or n_features != len(_SKLEARN_FEATURES[name]):
        raise ValueError(f"unexpected {filename}")
    task: DataTask = "binary" if len(names) == 2 else "multiclass"
    return task, data[:, :-1], data[:, -1].astype(np.int64), names


# -------------------------------------------------------------------------------------------- synthetic generators
@dataclass(frozen=True)
class _Generated:
    X: np.ndarray
    y: np.ndarray
    class_names: list[str] | None
    truth: dict[str, Any]
    outliers: np.ndarray | None = None
    feature_names: list[str] | None = None


def _count(low: int, high: int) -> Callable[[Any], str | None]:
    def check(x: Any) -> str | None:
        ok = isinstance(x, int | np.integer) and not isinstance(x, bool) and low <= x <= high
        return None if ok else f"an integer from {low} to {high}"

    return check


def _real(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Callable[[Any], str | None]:
    words = f"a number {'>' if low_open else '>='} {low:g}" + (
        "" if math.isinf(high) else f" and {'<' if high_open else '<='} {high:g}")

    def check(x: Any) -> str | None:
        if not isinstance(x, int | float | np.integer | np.floating) or isinstance(x, bool):
            return words
        v = float(x)
        if math.isnan(v) or (v <= low if low_open else v < low) or (v >= high if high_open else v > high):
            return words
        return None

    return check


_N = _count(10, 2_000_000)
_NOISE = _real(0.0, math.inf)
_ANY = _real(-math.inf, math.inf)


def _gen_outliers(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    x = rng.uniform(-3.0, 3.0, n)
    y = p["slope"] * x + p["intercept"] + p["noise"] * rng.standard_normal(n)
    n_out = round(p["fraction"] * n)
    right = np.flatnonzero(x > 0.0)
    pool = right if len(right) >= n_out else np.arange(n)
    chosen = rng.choice(pool, size=n_out, replace=False)
    y[chosen] += p["size"] * rng.uniform(0.75, 1.25, n_out)
    mask = np.zeros(n, dtype=bool)
    mask[chosen] = True
    truth = {"slope": p["slope"], "intercept": p["intercept"], "noise": p["noise"], "fraction": p["fraction"],
             "size": p["size"], "n_outliers": int(n_out)}
    return _Generated(x.reshape(-1, 1), y, None, truth, mask, ["x"])


def _gen_sine(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    x = rng.uniform(-math.pi, math.pi, n)
    y = p["amplitude"] * np.sin(p["frequency"] * x) + p["noise"] * rng.standard_normal(n)
    truth = {"function": "amplitude * sin(frequency * x)", "amplitude": p["amplitude"],
             "frequency": p["frequency"], "noise": p["noise"]}
    return _Generated(x.reshape(-1, 1), y, None, truth, None, ["x"])


def _gen_moons(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    n_out = n // 2
    t_out = np.linspace(0.0, math.pi, n_out)
    t_in = np.linspace(0.0, math.pi, n - n_out)
    X = np.concatenate([np.c_[np.cos(t_out), np.sin(t_out)], np.c_[1.0 - np.cos(t_in), 0.5 - np.sin(t_in)]])
    X += p["noise"] * rng.standard_normal(X.shape)
    y = np.r_[np.zeros(n_out, np.int64), np.ones(n - n_out, np.int64)]
    return _Generated(X, y, ["upper", "lower"], {"noise": p["noise"]})


def _gen_circles(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    n_out = n // 2
    t_out = rng.uniform(0.0, 2 * math.pi, n_out)
    t_in = rng.uniform(0.0, 2 * math.pi, n - n_out)
    X = np.concatenate([np.c_[np.cos(t_out), np.sin(t_out)], p["factor"] * np.c_[np.cos(t_in), np.sin(t_in)]])
    X += p["noise"] * rng.standard_normal(X.shape)
    y = np.r_[np.zeros(n_out, np.int64), np.ones(n - n_out, np.int64)]
    return _Generated(X, y, ["outer", "inner"], {"noise": p["noise"], "factor": p["factor"]})


def _gen_xor(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    which = rng.integers(0, 4, n)
    X = corners[which] + p["noise"] * rng.standard_normal((n, 2))
    y = (which >= 2).astype(np.int64)  # class 1 where the signs of the corner differ
    return _Generated(X, y, ["same sign", "different sign"], {"noise": p["noise"]})


def _gen_spirals(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n, c = p["n_samples"], p["n_classes"]
    sizes = [n // c + (1 if k < n % c else 0) for k in range(c)]
    parts, labels = [], []
    for k, m in enumerate(sizes):
        r = np.linspace(0.05, 1.0, m)
        angle = 2 * math.pi * k / c + p["turns"] * 2 * math.pi * r + p["noise"] * rng.standard_normal(m)
        parts.append(np.c_[r * np.cos(angle), r * np.sin(angle)])
        labels.append(np.full(m, k, np.int64))
    names = [f"arm {k}" for k in range(c)]
    return _Generated(np.concatenate(parts), np.concatenate(labels), names,
                      {"noise": p["noise"], "turns": p["turns"], "n_classes": c})


def _gen_blobs(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n, c, d = p["n_samples"], p["n_classes"], p["n_features"]
    centers = np.zeros((c, d))
    angles = 2 * math.pi * np.arange(c) / c + math.pi / 2
    centers[:, 0] = p["distance"] * np.cos(angles)
    if d > 1:
        centers[:, 1] = p["distance"] * np.sin(angles)
    y = np.arange(n, dtype=np.int64) % c
    X = centers[y] + p["spread"] * rng.standard_normal((n, d))
    truth = {"centers": centers.tolist(), "spread": p["spread"], "distance": p["distance"]}
    return _Generated(X, y, [f"blob {k}" for k in range(c)], truth)


def _gen_imbalanced(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n, d = p["n_samples"], p["n_features"]
    n_pos = max(2, round(p["ratio"] * n))
    shift = np.full(d, p["separation"] / math.sqrt(d))
    X = rng.standard_normal((n, d))
    y = np.zeros(n, np.int64)
    y[:n_pos] = 1
    X[:n_pos] += shift
    truth = {"ratio": p["ratio"], "separation": p["separation"], "minority_class": 1, "n_minority": int(n_pos)}
    return _Generated(X, y, ["majority", "minority"], truth)


@dataclass(frozen=True)
class _Generator:
    make: Callable[[np.random.Generator, dict[str, Any]], _Generated]
    defaults: dict[str, Any]
    checks: dict[str, Callable[[Any], str | None]]
    task: Callable[[dict[str, Any]], DataTask]


def _fixed(task: DataTask) -> Callable[[dict[str, Any]], DataTask]:
    return lambda params: task


def _by_classes(params: dict[str, Any]) -> DataTask:
    return "binary" if params["n_classes"] == 2 else "multiclass"


_GENERATORS: dict[str, _Generator] = {
    "outliers": _Generator(
        _gen_outliers,
        {"n_samples": 200, "slope": 2.0, "intercept": 1.0, "noise": 0.5, "fraction": 0.1, "size": 10.0},
        {"n_samples": _N, "slope": _ANY, "intercept": _ANY, "noise": _NOISE, "fraction": _real(0.0, 0.5),
         "size": _ANY},
        _fixed("regression")),
    "sine": _Generator(
        _gen_sine, {"n_samples": 200, "noise": 0.2, "frequency": 1.0, "amplitude": 1.0},
        {"n_samples": _N, "noise": _NOISE, "frequency": _real(0.0, 100.0, low_open=True), "amplitude": _ANY},
        _fixed("regression")),
    "moons": _Generator(_gen_moons, {"n_samples": 200, "noise": 0.2}, {"n_samples": _N, "noise": _NOISE},
                        _fixed("binary")),
    "circles": _Generator(
        _gen_circles, {"n_samples": 200, "noise": 0.1, "factor": 0.5},
        {"n_samples": _N, "noise": _NOISE, "factor": _real(0.0, 1.0, low_open=True, high_open=True)},
        _fixed("binary")),
    "xor": _Generator(_gen_xor, {"n_samples": 200, "noise": 0.35}, {"n_samples": _N, "noise": _NOISE},
                      _fixed("binary")),
    "spirals": _Generator(
        _gen_spirals, {"n_samples": 300, "n_classes": 2, "noise": 0.2, "turns": 1.0},
        {"n_samples": _N, "n_classes": _count(2, 10), "noise": _NOISE, "turns": _real(0.0, 5.0, low_open=True)},
        _by_classes),
    "blobs": _Generator(
        _gen_blobs, {"n_samples": 300, "n_classes": 3, "n_features": 2, "spread": 1.0, "distance": 4.0},
        {"n_samples": _N, "n_classes": _count(2, 20), "n_features": _count(1, 1000), "spread": _NOISE,
         "distance": _real(0.0, math.inf)},
        _by_classes),
    "imbalanced": _Generator(
        _gen_imbalanced, {"n_samples": 1000, "ratio": 0.1, "n_features": 2, "separation": 2.0},
        {"n_samples": _N, "ratio": _real(0.0, 0.5, low_open=True), "n_features": _count(1, 1000),
         "separation": _real(0.0, math.inf)},
        _fixed("binary")),
}


def dataset_params(name: str) -> dict[str, Any]:
    """The parameters of a synthetic data set and their defaults (empty for the real ones).

    >>> dataset_params("outliers")["fraction"]
    0.1
    """
    key = _resolve(name)
    return dict(_GENERATORS[key].defaults) if key in _GENERATORS else {}


def list_datasets(lang: str | None = "en") -> list[dict[str, Any]]:
    """Every built-in data set as plain data: name, task, source, parameters with defaults, description."""
    from . import texts

    out = []
    for name in BUILTIN_DATASETS:
        gen = _GENERATORS.get(name)
        task = gen.task(gen.defaults) if gen else {"diabetes": "regression", "breast_cancer": "binary"}.get(
            name, "multiclass")
        out.append({"name": name, "task": task, "source": "synthetic" if gen else "sklearn",
                    "params": dict(gen.defaults) if gen else {}, "description": texts.get(f"datasets.{name}", lang)})
    return out


def _resolve(name: str) -> str:
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(key, key)


# ----------------------------------------------------------------------------------------------------- user files
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


def _load_file(path: Path, target: str | None, features: Sequence[str] | None, task: str | None, seed: int,
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
    data_task, y, class_names = _encode_target(y_raw, task, target)
    return _build(path.name, data_task, X, y, feature_names=feature_names, target_name=target,
                  class_names=class_names, source="file", seed=seed, val_split=val_split, standardize=standardize,
                  params={"path": str(path)}, notes=notes)


# ------------------------------------------------------------------------------------------------------- loading
def load_dataset(
    name_or_path: str | os.PathLike[str],
    target: str | None = None,
    *,
    seed: int = 0,
    val_split: float = 0.2,
    standardize: bool = True,
    task: DataTask | None = None,
    features: Sequence[str] | None = None,
    **generator_params: Any,
) -> Dataset:
    """A built-in data set by name, or the user's CSV / Parquet file, split and standardized.

    Parameters
    ----------
    name_or_path : str or path
        A built-in name — real: ``iris``, ``wine``, ``breast_cancer``, ``digits``, ``diabetes``; synthetic:
        ``outliers`` (a line with outliers), ``sine``, ``moons``, ``circles``, ``xor``, ``spirals``, ``blobs``,
        ``imbalanced`` — or the path of a ``.csv`` / ``.parquet`` file.
    target : str, optional
        The target column of a file (required for files, ignored for built-in sets).
    seed : int
        Seeds the generator and the split: the same seed gives the same data set.
    val_split : float
        Share of rows held out for validation, in [0, 1); stratified by class for classification.
    standardize : bool
        Rescale each feature to mean 0 and standard deviation 1 with the training part's statistics.
    task : {"regression", "binary", "multiclass"}, optional
        For files: overrides the guess (text or bool targets, or at most 10 distinct integers, are classes).
    features : sequence of str, optional
        For files: the feature columns (default: every column but the target). Text columns are one-hot encoded;
        rows with a missing value in a used column are dropped (``notes`` says how many).
    **generator_params
        Parameters of a synthetic set, e.g. ``fraction=0.1, size=10`` for ``outliers`` or ``ratio=0.05`` for
        ``imbalanced``; :func:`dataset_params` lists them with their defaults.

    Returns
    -------
    Dataset

    Raises
    ------
    TrainingError
        For an unknown name or parameter, an unreadable file, a missing target column, a bad ``val_split``.

    Examples
    --------
    >>> ds = load_dataset("imbalanced", ratio=0.05, seed=1)
    >>> ds.task, ds.class_names, ds.minority_class
    ('binary', ('majority', 'minority'), 1)
    """
    text = os.fspath(name_or_path)
    key = _resolve(text)
    path = Path(text)
    if key not in BUILTIN_DATASETS and (path.suffix.lower() in _TABLE_SUFFIXES or path.exists()):
        if generator_params:
            raise TrainingError(f"{path.name}: a file takes no generator parameters "
                                f"({', '.join(sorted(generator_params))})")
        if path.suffix.lower() not in _TABLE_SUFFIXES:
            raise TrainingError(f"{path.name}: only .csv and .parquet files can be read")
        return _load_file(path, target, features, task, seed, val_split, standardize)
    if key not in BUILTIN_DATASETS:
        raise TrainingError(f"unknown data set {text!r}: {suggest(key, BUILTIN_DATASETS)} "
                            "(or give the path of a .csv or .parquet file)")
    if task is not None or features is not None:
        raise TrainingError(f"{key}: task= and features= are for files, not built-in data sets")
    if key in SKLEARN_DATASETS:
        if generator_params:
            raise TrainingError(f"{key} is a real data set and takes no parameters "
                                f"({', '.join(sorted(generator_params))})")
        data_task, X, y, class_names = _load_sklearn(key)
        return _build(key, data_task, X, y, feature_names=_SKLEARN_FEATURES[key], target_name=_SKLEARN_TARGETS[key],
                      class_names=class_names, source="sklearn", seed=seed, val_split=val_split,
                      standardize=standardize)
    gen = _GENERATORS[key]
    params = dict(gen.defaults)
    for pname, value in generator_params.items():
        if pname not in gen.defaults:
            raise TrainingError(f"{key}: unknown parameter {pname!r}; {suggest(pname, list(gen.defaults))}")
        if isinstance(value, float) and value.is_integer() and isinstance(gen.defaults[pname], int):
            value = int(value)
        problem = gen.checks[pname](value)
        if problem is not None:
            raise TrainingError(f"{key}: {pname} must be {problem}, not {value!r}")
        params[pname] = value if isinstance(gen.defaults[pname], int) else float(value)
    _check_split(val_split)
    made = gen.make(np.random.default_rng([int(seed), 1]), params)
    class_names = made.class_names
    return _build(key, gen.task(params), made.X, made.y,
                  feature_names=made.feature_names or [f"x{i}" for i in range(made.X.shape[1])], target_name="y",
                  class_names=class_names, source="synthetic", seed=seed, val_split=val_split,
                  standardize=standardize, params=params, truth=made.truth, outliers=made.outliers)
