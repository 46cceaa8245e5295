"""The real data sets (iris, wine, breast_cancer, digits, diabetes), read from the copies of scikit-learn's
files that ship with losslab in ``training/datasets/`` (see its CREDITS.md): nothing is downloaded, and no other
package's private folder is read.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np

from .._common import DataTask

_CANCER = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave points",
           "symmetry", "fractal dimension")
SKLEARN_FEATURES: dict[str, list[str]] = {
    "iris": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
    "wine": ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
             "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines",
             "proline"],
    "breast_cancer": [f"mean {p}" for p in _CANCER] + [f"{p} error" for p in _CANCER] + [f"worst {p}" for p in _CANCER],
    "digits": [f"pixel_{r}_{c}" for r in range(8) for c in range(8)],
    "diabetes": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"],
}
SKLEARN_TARGETS = {"iris": "species", "wine": "cultivar", "breast_cancer": "diagnosis", "digits": "digit",
                   "diabetes": "progression"}

_DATA_DIR = Path(__file__).parent.parent / "datasets"  # shipped with losslab (see datasets/CREDITS.md)


def load_sklearn(name: str) -> tuple[DataTask, np.ndarray, np.ndarray, list[str] | None]:
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
    if data.shape != (n_samples, n_features + 1) or n_features != len(SKLEARN_FEATURES[name]):
        raise ValueError(f"unexpected {filename}")
    task: DataTask = "binary" if len(names) == 2 else "multiclass"
    return task, data[:, :-1], data[:, -1].astype(np.int64), names
