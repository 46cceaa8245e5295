"""Data sets whose right loss is known, shared by the advice tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def line(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = 3x + 1 with normal noise: a clean line (MSE)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    return x[:, None], 3 * x + 1 + rng.normal(0, 0.5, n)


def outlier_line(n: int = 300, fraction: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The clean line with ``fraction`` of the rows pushed up by 8 to 15 (Huber or MAE); also the outlier mask."""
    X, y = line(n, seed)
    rng = np.random.default_rng(seed + 1)
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, int(fraction * n), replace=False)] = True
    y = y.copy()
    y[mask] += rng.uniform(8, 15, mask.sum())
    return X, y, mask


def counts(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts with a log-linear rate (Poisson)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    return x[:, None], rng.poisson(np.exp(0.5 + 0.8 * x))


def imbalanced(n: int = 1050, ratio: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two classes at ``ratio`` : 1, the rare one shifted in the first two features (weighted BCE or focal)."""
    rng = np.random.default_rng(seed)
    n_pos = n // (ratio + 1)
    y = np.zeros(n, dtype=int)
    y[:n_pos] = 1
    X = rng.normal(size=(n, 3))
    X[:n_pos, :2] += 1.5
    order = rng.permutation(n)
    return X[order], y[order]


def margin(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """-1/+1 labels of a linear margin classifier, no row inside the margin (hinge is offered)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    s = X @ np.array([1.0, -2.0]) + 0.3
    keep = np.abs(s) > 0.5
    return X[keep], np.where(s[keep] > 0, 1, -1)


def sklearn_frame(name: str) -> pd.DataFrame:
    """One of scikit-learn's bundled data sets as a DataFrame with a ``target`` column (no download)."""
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")(as_frame=True).frame
