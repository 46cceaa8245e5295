"""Figures straight from the trainer's objects (``losslab.training``): a Run, a Comparison, a data set.

The figure functions take plain data; these adapters read what they need from the trainer's results, so that
``losslab train --plot``, ``losslab compare --plot``, the lab and a notebook draw the same figures in one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import LossInputError
from ._boundary import boundary
from ._curves import training_curves
from ._fits import fits
from ._landscape import landscape

__all__ = ["boundary_from_run", "curves_from_run", "fits_from_comparison", "landscape_from_dataset", "line_data"]


def curves_from_run(run: Any, *, lang: str | None = "en", log_scale: bool | None = None) -> Any:
    """:func:`training_curves` of a ``Run``, with its diagnosis in ``lang``."""
    return training_curves(run.history, diagnosis=run.diagnose(lang), log_scale=log_scale, lang=lang)


def line_data(dataset: Any, split: str = "train") -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(x, y, outliers)`` of a one-feature regression data set, in its original units."""
    if dataset.task != "regression" or dataset.n_features != 1:
        raise LossInputError("figures", "data", "a regression data set with one feature (e.g. outliers)",
                             f"{dataset.name}: {dataset.task}, {dataset.n_features} feature(s)")
    X = dataset.X_train if split == "train" else dataset.X_val
    y = dataset.y_train if split == "train" else dataset.y_val
    outliers = dataset.outliers_train if split == "train" else dataset.outliers_val
    raw = dataset.inverse_transform(X)
    return np.asarray(raw, dtype=float)[:, 0], np.asarray(y, dtype=float), outliers


def _truth(dataset: Any) -> tuple[float, float] | None:
    truth = getattr(dataset, "truth", {}) or {}
    if "slope" in truth and "intercept" in truth:
        return float(truth["slope"]), float(truth["intercept"])
    return None


def fits_from_comparison(comparison: Any, *, lang: str | None = "en", measure: str = "both") -> Any:
    """:func:`fits` of a ``Comparison`` of linear models on a one-feature regression set (e.g. ``outliers``)."""
    x, y, outliers = line_data(comparison.dataset)
    lines = []
    for row in comparison.rows:
        coef, intercept = row.run.coefficients()
        lines.append((row.run.loss, float(coef[0, 0]), float(intercept[0])))
    return fits(x, y, lines, outliers=outliers, truth=_truth(comparison.dataset), measure=measure, lang=lang)


def landscape_from_dataset(dataset: Any, losses: Sequence[Any] = ("mse", "mae"), *, lang: str | None = "en",
                           **options: Any) -> Any:
    """:func:`landscape` of a one-feature regression data set's training part, in its original units."""
    x, y, _ = line_data(dataset)
    return landscape(x, y, losses, lang=lang, **options)


def boundary_from_run(run: Any, *, lang: str | None = "en", grid: int = 70) -> Any:
    """:func:`boundary` of a ``Run`` on a two-feature binary data set, in the features' original units."""
    ds = run.dataset
    if ds.task != "binary" or ds.n_features != 2:
        raise LossInputError("boundary", "data", "a binary data set with two features (e.g. moons)",
                             f"{ds.name}: {ds.task}, {ds.n_features} feature(s)")
    if run.predict_proba(ds.X_train[:1]) is None:
        raise LossInputError("boundary", "loss", "a loss whose outputs are probabilities (not hinge)",
                             run.loss.name)

    def predict_proba(points: np.ndarray) -> Any:
        return run.predict_proba(ds.transform(points))

    raw = ds.inverse_transform
    return boundary(predict_proba, raw(ds.X_train), ds.y_train, raw(ds.X_val) if ds.n_val else None,
                    ds.y_val if ds.n_val else None, feature_names=ds.feature_names, class_names=ds.class_names,
                    grid=grid, lang=lang)
