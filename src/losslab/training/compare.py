"""Training the same model on the same split with several losses, and reading the results side by side.

>>> from losslab.training import compare
>>> result = compare("outliers", ["mse", "mae", "huber"], epochs=60, seed=0)
>>> [row.label for row in result.rows]
['mse', 'mae', 'huber']
>>> result["huber"].metrics["slope_error"] < result["mse"].metrics["slope_error"]
True

Every loss sees the same data split, the same initial weights (same seed) and the same batches; only the loss
differs. The metrics come from :meth:`Run.evaluate` on the validation part and do not depend on the loss, so
they can be compared across losses — the losses' own values cannot.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..losses import Loss, get
from ..losses._spec import format_spec
from ._common import TrainingError, jsonable
from .data import Dataset, load_dataset
from .trainer import History, Run, fit

__all__ = ["Comparison", "ComparisonRow", "LossSpec", "compare", "epochs_to_converge", "loss_shares",
           "metric_columns"]

LossSpec = str | Loss | tuple[str, Mapping[str, Any]]
"""A loss for :func:`compare`: a name, a :class:`~losslab.Loss`, or ``(name, params)``."""

_LOWER_IS_BETTER = frozenset({"mae", "rmse", "inlier_mae", "slope_error", "intercept_error", "log_loss"})


def metric_columns(task: str, *, outliers: bool = False, line: bool = False) -> tuple[str, ...]:
    """The metric keys a comparison shows for a task, in display order."""
    if task == "regression":
        cols = ["mae", "rmse", "r2"]
        if outliers:
            cols.append("inlier_mae")
        if line:
            cols += ["slope_error", "intercept_error"]
        return tuple(cols)
    if task == "binary":
        return ("accuracy", "balanced_accuracy", "minority_recall", "minority_precision", "log_loss")
    return ("accuracy", "balanced_accuracy", "log_loss")


def epochs_to_converge(history: History, tol: float = 0.05) -> int | None:
    """The first epoch by which the training loss has made all but ``tol`` of its total fall.

    With ``L0`` the loss before training and ``Lmin`` its lowest value, the first epoch ``e`` with
    ``L_e - Lmin <= tol · (L0 - Lmin)``. None for a run that diverged or never improved.
    """
    t = history.column("train_loss")
    if len(t) == 0 or not all(math.isfinite(x) for x in t) or history.stopped == "diverged":
        return None
    start = history.initial.get("train_loss")
    start = float(start) if start is not None else float(t[0])
    low = float(t.min())
    if not start > low:
        return None
    for epoch, value in enumerate(t, start=1):
        if value - low <= tol * (start - low):
            return epoch
    return None  # pragma: no cover - the minimum itself always qualifies


@dataclass(frozen=True, eq=False)
class ComparisonRow:
    """One loss's result.

    Attributes
    ----------
    label : str
        How the loss was asked for, e.g. ``"huber"`` or ``"binary_cross_entropy(pos_weight=9)"``.
    run : Run
    metrics : dict
        Validation metrics (:meth:`Run.evaluate`) plus, for a line with known truth, ``slope``,
        ``intercept``, ``slope_error`` and ``intercept_error`` (:meth:`Run.recovery`).
    epochs_to_converge : int or None
        See :func:`epochs_to_converge`.
    seconds : float
        Wall-clock time of the whole fit.
    diagnosis : str
        The code of the primary diagnosis finding.
    """

    label: str
    run: Run
    metrics: dict[str, Any]
    epochs_to_converge: int | None
    seconds: float
    diagnosis: str

    def to_dict(self, *, history: bool = True) -> dict[str, Any]:
        loss = self.run.loss
        out = {"label": self.label, "loss": loss.name, "params": self.run.objective.describe()["params"],
               "metrics": self.metrics, "epochs_to_converge": self.epochs_to_converge, "seconds": self.seconds,
               "epochs": self.run.history.epochs, "stopped": self.run.history.stopped,
               "best_epoch": self.run.history.best_epoch, "diagnosis": self.diagnosis}
        if history:
            out["history"] = self.run.history.to_dict()
        return jsonable(out)


@dataclass(frozen=True, eq=False)
class Comparison:
    """The results of :func:`compare`, one row per loss in the order asked."""

    dataset: Dataset
    rows: tuple[ComparisonRow, ...]
    columns: tuple[str, ...]
    config: dict[str, Any]

    def __getitem__(self, label: str) -> ComparisonRow:
        for row in self.rows:
            if row.label == label:
                return row
        for row in self.rows:
            if row.run.loss.name == label:
                return row
        raise KeyError(f"no row {label!r}; the rows are {', '.join(r.label for r in self.rows)}")

    def best(self, metric: str) -> ComparisonRow:
        """The row with the best value of ``metric`` (lowest for errors and log loss, highest otherwise)."""
        scored = [r for r in self.rows if isinstance(r.metrics.get(metric), int | float)]
        if not scored:
            raise KeyError(f"no row has the metric {metric!r}")
        pick = min if metric in _LOWER_IS_BETTER else max
        return pick(scored, key=lambda r: float(r.metrics[metric]))

    def to_dict(self, *, history: bool = True) -> dict[str, Any]:
        """Plain JSON data, the layout of ``losslab compare --json`` (see ``docs/training.md``)."""
        return jsonable({"dataset": self.dataset.info(), "config": self.config, "columns": list(self.columns),
                         "results": [r.to_dict(history=history) for r in self.rows]})


def _label(spec: LossSpec) -> tuple[str, str | Loss, dict[str, Any]]:
    if isinstance(spec, Loss):
        changed = {p.name: spec.params[p.name] for p in spec.definition.params
                   if spec.params[p.name] != p.default}
        return _with_params(spec.name, changed), spec, {}
    if isinstance(spec, tuple):
        if len(spec) != 2 or not isinstance(spec[0], str) or not isinstance(spec[1], Mapping):
            raise TrainingError(f"a loss is a name, a Loss or a (name, params) pair, not {spec!r}")
        return _with_params(spec[0], dict(spec[1])), spec[0], dict(spec[1])
    if isinstance(spec, str):
        return spec, spec, {}
    raise TrainingError(f"a loss is a name, a Loss or a (name, params) pair, not {spec!r}")


def _with_params(name: str, params: Mapping[str, Any]) -> str:
    return format_spec(name, dict(params))  # the loss-spec syntax of every command: huber(delta=2)


def compare(data: Dataset | str, losses: Sequence[LossSpec], **fit_params: Any) -> Comparison:
    """Train one model per loss on the same split and collect comparable metrics.

    Parameters
    ----------
    data : Dataset or str
        The data set (a name is loaded once with ``seed``, so every loss sees the same split).
    losses : sequence
        Names (``"huber"``), :class:`~losslab.Loss` objects (``losslab.get("huber", delta=0.5)``) or
        ``(name, params)`` pairs (``("bce", {"pos_weight": 9})``). The same loss may appear with different
        parameters.
    **fit_params
        Passed to :func:`~losslab.training.fit` for every loss: ``model``, ``hidden``, ``optimizer``, ``lr``,
        ``epochs``, ``batch_size``, ``l1``, ``l2``, ``patience``, ``seed``, ... (not ``loss`` / ``loss_params``;
        callbacks get the label of the loss under ``"loss"``).

    Returns
    -------
    Comparison
    """
    if isinstance(losses, str) or not losses:
        raise TrainingError("losses must be a non-empty list, e.g. ['mse', 'mae', 'huber']")
    for key in ("loss", "loss_params"):
        if key in fit_params:
            raise TrainingError(f"compare() takes the losses as its second argument, not {key}=")
    seed = fit_params.get("seed", 0)
    ds = data if isinstance(data, Dataset) else load_dataset(data, seed=seed)
    specs = [_label(s) for s in losses]
    labels = [s[0] for s in specs]
    if len(set(labels)) != len(labels):
        raise TrainingError(f"each loss must differ (name or parameters): {', '.join(labels)}")
    for _, loss, params in specs:  # fail on a bad name before training anything
        if isinstance(loss, str):
            try:
                get(loss, **params)
            except ValueError as exc:
                raise TrainingError(str(exc)) from None
    rows = []
    outer_step, outer_epoch = fit_params.pop("on_step", None), fit_params.pop("on_epoch", None)
    for label, loss, params in specs:
        hooks: dict[str, Any] = {}
        if outer_step is not None:
            hooks["on_step"] = lambda e, _l=label: outer_step({**e, "loss_label": _l})
        if outer_epoch is not None:
            hooks["on_epoch"] = lambda e, _l=label: outer_epoch({**e, "loss_label": _l})
        started = time.perf_counter()
        run = fit(ds, loss=loss, loss_params=params or None, **fit_params, **hooks)
        seconds = time.perf_counter() - started
        metrics = {**run.evaluate("val" if ds.n_val else "train"), **run.recovery()}
        rows.append(ComparisonRow(label=label, run=run, metrics=metrics, seconds=seconds,
                                  epochs_to_converge=epochs_to_converge(run.history),
                                  diagnosis=run.diagnose().primary.code))
        if run.history.stopped == "cancelled":
            break
    columns = metric_columns(ds.task, outliers=ds.outliers_val is not None,
                             line=bool(rows[0].run.recovery()))
    config = {k: v for k, v in rows[0].run.config.items() if k not in ("loss", "loss_params")}
    return Comparison(dataset=ds, rows=tuple(rows), columns=columns, config=jsonable(config))


def loss_shares(run: Run, split: str = "train", top: float = 0.05) -> dict[str, Any]:
    """Who carries a run's loss: the share of the total held by its ``top`` fraction of largest examples and, for a
    data set with planted outliers, by those outliers (None otherwise). Shares are of the sum of example losses."""
    losses = run.example_losses(split)
    n = len(losses)
    total = float(np.sum(losses))
    k = max(1, round(top * n))
    top_sum = float(np.sum(np.sort(losses)[::-1][:k]))
    mask = run.dataset.outliers_train if split == "train" else run.dataset.outliers_val
    outlier = None
    if mask is not None and np.any(mask) and total > 0:
        outlier = float(np.sum(losses[np.asarray(mask, dtype=bool)])) / total
    return {"n": n, "top": k, "top_share": top_sum / total if total > 0 else None, "outlier_share": outlier,
            "outliers": int(np.sum(mask)) if mask is not None else 0}
