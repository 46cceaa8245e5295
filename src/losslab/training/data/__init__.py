"""Data sets for the trainer: scikit-learn's bundled sets, synthetic sets with known truth, and the user's files.

Every set comes back as a :class:`Dataset` already split into training and validation parts (stratified for
classification) and, by default, with standardized features (mean 0, standard deviation 1, computed on the
training part only). The same ``seed`` gives the same rows, the same split and the same numbers.

>>> from losslab.training import load_dataset
>>> ds = load_dataset("outliers", seed=0, fraction=0.1)
>>> ds.task, ds.n_train, ds.n_val, ds.truth["slope"]
('regression', 160, 40, 2.0)

Nothing is ever downloaded: the real data sets are read from copies of scikit-learn's files that ship with losslab.

This module is the front (the names, :func:`load_dataset`, :func:`list_datasets`); the work is done by role in
``_dataset`` (the :class:`Dataset` type, the split and the standardization), ``_arrays`` (:func:`from_arrays` and
the reading of a target column), ``_bundled`` (the real sets), ``_synthetic`` (the generators), ``_files`` (the
user's CSV and Parquet files) and ``_names`` (the built-in names and their aliases).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._common import DataTask, TrainingError, suggest
from ._arrays import from_arrays
from ._bundled import SKLEARN_FEATURES, SKLEARN_TARGETS, load_sklearn
from ._dataset import Dataset, build, check_split
from ._files import load_file
from ._names import BUILTIN_DATASETS, SKLEARN_DATASETS, SYNTHETIC_DATASETS, resolve
from ._synthetic import GENERATORS

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

_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def dataset_params(name: str) -> dict[str, Any]:
    """The parameters of a synthetic data set and their defaults (empty for the real ones).

    >>> dataset_params("outliers")["fraction"]
    0.1
    """
    key = resolve(name)
    return dict(GENERATORS[key].defaults) if key in GENERATORS else {}


def list_datasets(lang: str | None = "en") -> list[dict[str, Any]]:
    """Every built-in data set as plain data: name, task, source, parameters with defaults, description."""
    from .. import texts

    out = []
    for name in BUILTIN_DATASETS:
        gen = GENERATORS.get(name)
        task = gen.task(gen.defaults) if gen else {"diabetes": "regression", "breast_cancer": "binary"}.get(
            name, "multiclass")
        out.append({"name": name, "task": task, "source": "synthetic" if gen else "sklearn",
                    "params": dict(gen.defaults) if gen else {}, "description": texts.get(f"datasets.{name}", lang)})
    return out


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
    key = resolve(text)
    path = Path(text)
    if key not in BUILTIN_DATASETS and (path.suffix.lower() in _TABLE_SUFFIXES or path.exists()):
        if generator_params:
            raise TrainingError(f"{path.name}: a file takes no generator parameters "
                                f"({', '.join(sorted(generator_params))})")
        if path.suffix.lower() not in _TABLE_SUFFIXES:
            raise TrainingError(f"{path.name}: only .csv and .parquet files can be read")
        return load_file(path, target, features, task, seed, val_split, standardize)
    if key not in BUILTIN_DATASETS:
        raise TrainingError(f"unknown data set {text!r}: {suggest(key, BUILTIN_DATASETS)} "
                            "(or give the path of a .csv or .parquet file)")
    if task is not None or features is not None:
        raise TrainingError(f"{key}: task= and features= are for files, not built-in data sets")
    if key in SKLEARN_DATASETS:
        if generator_params:
            raise TrainingError(f"{key} is a real data set and takes no parameters "
                                f"({', '.join(sorted(generator_params))})")
        data_task, X, y, class_names = load_sklearn(key)
        return build(key, data_task, X, y, feature_names=SKLEARN_FEATURES[key], target_name=SKLEARN_TARGETS[key],
                     class_names=class_names, source="sklearn", seed=seed, val_split=val_split,
                     standardize=standardize)
    gen = GENERATORS[key]
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
    check_split(val_split)
    made = gen.make(np.random.default_rng([int(seed), 1]), params)
    class_names = made.class_names
    return build(key, gen.task(params), made.X, made.y,
                 feature_names=made.feature_names or [f"x{i}" for i in range(made.X.shape[1])], target_name="y",
                 class_names=class_names, source="synthetic", seed=seed, val_split=val_split,
                 standardize=standardize, params=params, truth=made.truth, outliers=made.outliers)
