"""Small inputs that build every figure quickly (the render tests draw each one in both languages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from losslab import figures


def line_data(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A noisy line y = 2x + 1 with a few large outliers above it: (x, y, outlier flags)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    y = 2 * x + 1 + rng.normal(scale=0.3, size=n)
    outliers = np.zeros(n, dtype=bool)
    outliers[:4] = True
    y[outliers] += 8
    return x, y, outliers


def history(kind: str = "overfitting") -> dict[str, Any]:
    """A History.to_dict()-like record of a made-up run (no training needed)."""
    epochs = np.arange(1, 31)
    train = 1.2 * np.exp(-epochs / 6) + 0.1
    val = 1.2 * np.exp(-epochs / 6) + 0.2 + np.where(epochs > 12, 0.03 * (epochs - 12), 0.0)
    records = [
        {"epoch": int(e), "train_loss": float(t), "val_loss": float(v), "penalty": 0.01, "objective": float(t) + 0.01,
         "train_accuracy": float(0.6 + 0.3 * (1 - np.exp(-e / 5))),
         "val_accuracy": float(0.6 + 0.25 * (1 - np.exp(-e / 5))), "train_mae": None, "val_mae": None}
        for e, t, v in zip(epochs, train, val, strict=True)
    ]
    return {"task": "binary", "loss": "binary_cross_entropy", "records": records,
            "initial": {"epoch": 0, "train_loss": 1.4, "val_loss": 1.45, "train_accuracy": 0.5, "val_accuracy": 0.5,
                        "penalty": 0.01},
            "stopped": "early_stopping" if kind == "early" else "completed", "best_epoch": 13}


DIAGNOSIS = {"lang": "en", "primary": "overfitting", "healthy": False,
             "findings": [{"code": "overfitting", "epoch": 14, "message": "The validation loss turned upward."}]}


def blobs(n: int = 30, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 2)) + np.where(y[:, None] == 1, 1.5, -1.5)
    return X, y


def logistic(X: np.ndarray) -> np.ndarray:
    """A fixed classifier: p(class 1) = sigmoid(x1 + x2)."""
    return 1 / (1 + np.exp(-(X[:, 0] + X[:, 1])))


def _contributions(lang: str) -> Any:
    rng = np.random.default_rng(0)
    target = rng.normal(size=15)
    pred = target + rng.normal(scale=0.4, size=15)
    pred[4] += 4
    return figures.contributions(pred, target, ["mse", "mae"], lang=lang)


def _fits(lang: str) -> Any:
    x, y, outliers = line_data()
    return figures.fits(x, y, {"mse": (2.4, 1.8), "mae": (2.0, 1.05)}, outliers=outliers, truth=(2, 1), lang=lang)


def _boundary(lang: str) -> Any:
    X, y = blobs()
    return figures.boundary(logistic, X[:20], y[:20], X[20:], y[20:], grid=30, lang=lang)


def _accuracy(lang: str) -> Any:
    rng = np.random.default_rng(2)
    right = np.arange(40) < 34
    a = np.where(right, rng.uniform(0.85, 0.98, 40), rng.uniform(0.35, 0.49, 40))
    b = np.where(right, rng.uniform(0.51, 0.62, 40), rng.uniform(0.01, 0.05, 40))
    return figures.loss_vs_accuracy({"A": a, "B": b}, lang=lang)


FIGURES: dict[str, Callable[[str], Any]] = {
    "shapes": lambda lang: figures.shapes(params={"huber": {"delta": 1.5}, "quantile": {"q": 0.8}}, points=61,
                                          lang=lang),
    "classification": lambda lang: figures.classification(points=61, lang=lang),
    "darts": lambda lang: figures.darts(lang=lang, grid=41),
    "contributions": _contributions,
    "curves": lambda lang: figures.training_curves(history(), diagnosis=DIAGNOSIS, lang=lang),
    "landscape": lambda lang: figures.landscape(*line_data()[:2], ["mse", "mae"], grid=15, steps=20, lang=lang),
    "fits": _fits,
    "boundary": _boundary,
    "accuracy": _accuracy,
}
