"""Figures and fitted lines for the lab: :mod:`losslab.figures` specs, :mod:`losslab.training` fits, cached.

The page embeds the very Vega-Lite specs that ``losslab plot`` renders to PNG and that a notebook shows: each
endpoint here calls a figure function and returns ``chart.to_dict()``. Building a chart costs a noticeable
fraction of a second, so specs are cached by their arguments, and the page keeps its live numbers (slider
positions, training curves, dragged points) in the spec's named datasets, which it updates in place.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._jsonable import jsonable
from ..errors import LossInputError
from ..losses import get
from ..training._common import TrainingError
from ._compute import EXPLORER_LOSSES, GRID, explorer_loss
from ._errors import LabError
from ._keys import cache_key
from ._limits import Limits
from ._models import LAB_DATASETS

__all__ = [
    "darts_figure",
    "dataset_list",
    "evidence_figure",
    "explorer_figure",
    "figure",
    "fit_lines",
    "loss_vs_accuracy",
    "run_figure",
]

_lock = threading.Lock()  # Altair is not known to be thread-safe; figures are built one at a time


def _spec(chart: Any) -> dict[str, Any]:
    if isinstance(chart, dict):
        return chart
    try:
        result: dict[str, Any] = chart.to_dict(validate=False)
    except TypeError:  # pragma: no cover - a chart type without the flag
        result = chart.to_dict()
    return jsonable(result)


def _figures() -> Any:
    try:
        from .. import figures
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise LabError(404, "figure", "losslab's figures (pip install altair vl-convert-python)",
                       f"not installed ({exc})") from None
    return figures


# ---------------------------------------------------------------------------------------------------- explorer
def explorer_figure(task: str, items: Sequence[tuple[str, Mapping[str, Any]]], lang: str) -> dict[str, Any]:
    """The explorer's figure: the shapes of regression losses, or binary losses against the margin."""
    return _explorer_figure(cache_key(task, [[n, dict(p)] for n, p in items], lang))


@functools.lru_cache(maxsize=128)
def _explorer_figure(key: str) -> dict[str, Any]:
    task, items, lang = json.loads(key)
    figures = _figures()
    losses = [explorer_loss(task, name, params) for name, params in items]
    with _lock:
        if task == "regression":
            n = round((GRID["high"] - GRID["low"]) / GRID["step"]) + 1
            chart = figures.shapes(losses, error_range=(GRID["low"], GRID["high"]), points=n, lang=lang)
            x_field = "error"
            panels = [{"y": "value"}, {"y": "grad"}]
        else:
            chart = figures.classification(losses, axis="margin", lang=lang)
            x_field = "x"
            panels = [{"y": "value"}]
    spec = _spec(chart)
    return {"figure": "shapes" if task == "regression" else "classification", "spec": spec, "x_field": x_field,
            "panels": panels}


# -------------------------------------------------------------------------------------------------- dart board
def darts_figure(darts: Sequence[Sequence[float]], delta: float, lang: str) -> dict[str, Any]:
    """The dart board of :func:`losslab.figures.darts` for these darts, each scored by its distance from the
    bullseye (:mod:`._darts_board`); with no darts, the empty board."""
    return _darts_figure(cache_key([list(map(float, d)) for d in darts], float(delta), lang))


@functools.lru_cache(maxsize=64)
def _darts_figure(key: str) -> dict[str, Any]:
    from ._darts_board import score_board

    darts, delta, lang = json.loads(key)
    figures = _figures()
    with _lock:
        chart = figures.darts(np.asarray(darts or [[0.5, 0.5]], dtype=float), params={"huber": {"delta": delta}},
                              lang=lang)
    return {"figure": "darts", "spec": score_board(_spec(chart), darts, delta, lang)}


def default_darts() -> list[list[float]]:
    return [list(map(float, d)) for d in _figures().DEFAULT_DARTS]


# ------------------------------------------------------------------------------------------ regression lab
REGRESSION_LOSSES = EXPLORER_LOSSES["regression"]


def default_points(seed: int = 0) -> list[list[float]]:
    """A line with two outliers, from the trainer's ``outliers`` generator (small enough to drag around)."""
    from ..training.data import load_dataset

    ds = load_dataset("outliers", seed=seed, val_split=0.0, standardize=False, n_samples=16, slope=0.6,
                      intercept=0.5, noise=0.35, fraction=0.125, size=5.0)
    x = ds.X_train[:, 0]
    y = ds.y_train
    return [[round(float(a), 2), round(float(b), 2)] for a, b in zip(x, y, strict=True)]


def fit_lines(points: Sequence[Sequence[float]], items: Sequence[tuple[str, Mapping[str, Any]]], focus: int,
              start: Sequence[Sequence[float]] | None, precise: bool = True) -> dict[str, Any]:
    """The best line ``y = slope · x + intercept`` of each loss through the points, by the trainer.

    Each line is :func:`losslab.training.fit` of a linear model on the points (full batch, Adam, early stopping
    when the loss stops falling), in the points' own units. ``start`` (the previous lines) warms the fit up, so
    that a dragged point moves the lines in a few epochs; ``precise`` runs to convergence.
    Returns the lines, each point's loss and share of the total under loss number ``focus``, and each loss's cost.
    """
    from ..training.data import from_arrays
    from ..training.models import Linear
    from ..training.trainer import fit

    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if not np.all(np.isfinite(pts)):
        raise LabError(422, "points", "finite numbers", "NaN or infinity")
    losses = []
    for name, params in items:
        loss = get(name, **dict(params))
        if loss.name not in REGRESSION_LOSSES:
            raise LossInputError("lab", "losses", "one of " + ", ".join(REGRESSION_LOSSES), repr(name))
        losses.append(loss)
    out: dict[str, Any] = {"lines": [], "points": [], "focus": focus}
    if len(pts) < 2:
        out["lines"] = [None for _ in losses]
        out["points"] = [{"index": i, "x": float(p[0]), "y": float(p[1]), "loss": None, "share": None}
                         for i, p in enumerate(pts)]
        return out
    x, y = pts[:, 0], pts[:, 1]
    try:
        ds = from_arrays(x.reshape(-1, 1), y, task="regression", val_split=0.0, standardize=False)
    except TrainingError as exc:
        raise LossInputError("training", "points", "points the trainer can fit", str(exc)) from None
    for k, loss in enumerate(losses):
        model = Linear(1, 1)
        warm = start is not None and k < len(start) and start[k] is not None and all(map(math.isfinite, start[k]))
        if warm:
            assert start is not None
            model.set_params(np.array([float(start[k][0]), float(start[k][1])]))
        run = fit(ds, model=model, loss=loss.name, loss_params=dict(loss.params), optimizer="adam",
                  lr=0.01 if warm and not precise else 0.05, epochs=3000 if precise else 40, batch_size=None,
                  patience=60 if precise else 6, min_delta=1e-10, scale_target=False, seed=0)
        coef, intercept = run.coefficients()
        slope, icpt = float(coef[0, 0]), float(intercept[0])
        pred = slope * x + icpt
        cost = float(loss(pred, y))
        out["lines"].append({"loss": loss.name, "params": jsonable(dict(loss.params)), "slope": slope,
                             "intercept": icpt, "cost": cost, "epochs": run.history.epochs})
    focus_loss = losses[focus]
    line = out["lines"][focus]
    pred = line["slope"] * x + line["intercept"]
    per = np.asarray(focus_loss(pred, y, reduction="none"), dtype=float)
    total = float(np.sum(per))
    for i in range(len(pts)):
        out["points"].append({"index": i, "x": float(x[i]), "y": float(y[i]), "pred": float(pred[i]),
                              "loss": float(per[i]), "share": float(per[i] / total) if total > 0 else 0.0})
    return jsonable(out)


# --------------------------------------------------------------------------------------------- generic figures
_FIGURE_ARGS: dict[str, tuple[str, ...]] = {
    "shapes": ("losses", "params", "error_range", "points", "target"),
    "classification": ("losses", "params", "axis", "confident", "y_max", "points", "zero_one"),
    "darts": ("preds", "target", "losses", "params", "radii"),
    "contributions": ("pred", "target", "losses", "params", "top", "labels"),
}
_MAX_FIGURE_VALUES = 5000


def figure(name: str, args: Mapping[str, Any], lang: str, limits: Limits) -> dict[str, Any]:
    """A figure by name with JSON arguments (only the arguments listed for it; sizes bounded)."""
    figures = _figures()
    allowed = _FIGURE_ARGS.get(name)
    fn: Callable[..., Any] | None = getattr(figures, name, None) if allowed is not None else None
    if allowed is None or fn is None:
        available = [n for n in _FIGURE_ARGS if hasattr(figures, n)]
        raise LabError(404, "name", "one of " + ", ".join(available), repr(name),
                       "the training figures come from a run: /api/runs/{id}/figures/{name}")
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise LabError(422, f"args.{unknown[0]}", "one of " + ", ".join(allowed), repr(unknown[0]))
    size = _size(args)
    if size > _MAX_FIGURE_VALUES:
        raise LabError(422, "args", f"at most {_MAX_FIGURE_VALUES} values", str(size))
    if "points" in args and (not isinstance(args["points"], int) or not 3 <= args["points"] <= 2001):
        raise LabError(422, "args.points", "an integer from 3 to 2001", repr(args["points"]))
    if "top" in args and (not isinstance(args["top"], int) or not 1 <= args["top"] <= 200):
        raise LabError(422, "args.top", "an integer from 1 to 200", repr(args["top"]))
    return _figure(name, json.dumps(dict(args), sort_keys=True, default=str), lang)


@functools.lru_cache(maxsize=64)
def _figure(name: str, key: str, lang: str) -> dict[str, Any]:
    args = json.loads(key)
    fn = getattr(_figures(), name)
    try:
        with _lock:
            chart = fn(**args, lang=lang)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, LossInputError):
            raise
        raise LabError(422, "args", f"arguments that {name} takes", str(exc)) from None
    return {"figure": name, "spec": _spec(chart)}


def _size(x: Any) -> int:
    if isinstance(x, Mapping):
        return sum(_size(v) for v in x.values())
    if isinstance(x, list | tuple):
        return sum(_size(v) for v in x) or 1
    return 1


# --------------------------------------------------------------------------------------------- data and runs
def dataset_list(lang: str) -> list[dict[str, Any]]:
    """The lab's 2-D data sets, with the trainer's descriptions."""
    from ..training.data import list_datasets

    return [d for d in list_datasets(lang) if d["name"] in LAB_DATASETS]


def loss_vs_accuracy(lang: str) -> dict[str, Any]:
    """Panel 6: the trainer's two classifiers with equal accuracy and different loss, and their figure."""
    return _loss_vs_accuracy(lang)


@functools.lru_cache(maxsize=4)
def _loss_vs_accuracy(lang: str) -> dict[str, Any]:
    from ..training import loss_vs_accuracy as demo

    result = demo(seed=0)
    data = jsonable(result.to_dict(lang))
    out: dict[str, Any] = {"demo": data, "figure": None}
    fn = getattr(_figures(), "loss_vs_accuracy", None)
    if fn is not None:
        with _lock:
            out["figure"] = {"figure": "loss_vs_accuracy", "spec": _spec(fn(result, lang=lang))}
    return out


def run_figure(run: Any, name: str, lang: str, log_scale: bool = False) -> dict[str, Any]:
    """A figure of a live run: ``curves`` (:func:`losslab.figures.training_curves` of the run so far)."""
    if name != "curves":
        raise LabError(404, "name", "'curves'", repr(name), "the decision map is drawn by the page from the stream")
    figures = _figures()
    history = run.history_dict()
    diagnosis = run.diagnosis()
    with _lock:
        chart = figures.training_curves(history, diagnosis=diagnosis, log_scale=log_scale, lang=lang)
    return {"figure": "curves", "spec": _spec(chart)}


def evidence_figure(evidence: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Panel 7: :func:`losslab.figures.evidence` of an evidence run (``Evidence.to_dict()``) as a Vega-Lite spec."""
    figures = _figures()
    with _lock:
        chart = figures.evidence(dict(evidence), lang=lang)
    return {"figure": "evidence", "spec": _spec(chart)}
