"""The numbers of the lab's loss panels, all from the catalog: values, gradients, explanations, curves, darts.

Nothing here defines a loss: every value is ``loss(pred, target, ...)`` and every gradient ``loss.grad(...)``
from :mod:`losslab.losses`; the explanations are :func:`losslab.explain`. This module only chooses the inputs
(the explorer's grid, the darts' coordinates) and packs the answers as JSON-ready data with the package's one
conversion, :func:`losslab._jsonable.jsonable` (NaN and infinity become ``null``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .._jsonable import jsonable
from ..errors import LossInputError, collect_input_warnings
from ..explain import explain as _explain
from ..explain import texts as T
from ..losses import Loss, LossDefinition, get
from ..losses._registry import definition, definitions
from ._error_words import sentence_in
from ._keys import cache_key as _key

__all__ = [
    "EXPLORER_DEFAULTS",
    "EXPLORER_LOSSES",
    "GRID",
    "compute",
    "curves",
    "dart_loss",
    "dart_values",
    "darts",
    "explain",
    "offered",
    "panels",
]

GRID = {"low": -6.0, "high": 6.0, "step": 0.05}
"""The explorer's grid: errors (regression) or scores (classification) from -6 to 6 in steps of 0.05.

The prediction and target sliders move in steps of 0.05 inside [-3, 3], so every error they can make lies on
this grid, and the page reads the catalog's value at the slider's position from the curves it already has.
"""



def _of_the_error(d: LossDefinition) -> bool:
    """A regression loss of the error alone, one value per example: the explorer draws it against the error.

    Its prediction and target are any real numbers and it is not relative to the target (mape: ``relative``);
    a loss reduced by a sum (sse) or a root (rmse) draws the same curve as mse and is left out.
    """
    defaults = {p.name: p.default for p in d.params}
    return (d.task == "regression" and d.kind == "elementwise" and not d.relative and d.finalize is None
            and not d.needs_inputs  # margin_ranking's y, gaussian_nll's var: not a function of the error alone
            and d.default_reduction == "mean" and d.pred_domain(defaults) == "real"
            and d.target_domain(defaults) == "real")


def _of_a_score(d: LossDefinition) -> bool:
    """A binary loss that reads a raw score (logit), itself or through its switch: one score slider drives it."""
    params = {p.name: p.default for p in d.params}
    switch = d.score_switch
    if switch is not None:
        params[switch] = True
    return (d.task == "binary" and d.kind == "elementwise" and d.pred_domain(params) == "real"
            and not d.needs_inputs)


_EXPLORER_TASKS: dict[str, Callable[[LossDefinition], bool]] = {
    "regression": _of_the_error,
    "classification": _of_a_score,
}


def offered(task: str) -> tuple[str, ...]:
    """The losses the explorer offers for ``task``, from the catalog (a loss registered later is offered too)."""
    test = _EXPLORER_TASKS[task]
    return tuple(d.name for d in definitions() if test(d))


class _Offered(Sequence[str]):
    """The explorer's losses of one task, read from the catalog whenever they are looked at."""

    def __init__(self, task: str) -> None:
        self.task = task

    def __getitem__(self, i: Any) -> Any:
        return offered(self.task)[i]

    def __len__(self) -> int:
        return len(offered(self.task))

    def __iter__(self) -> Iterator[str]:
        return iter(offered(self.task))

    def __contains__(self, name: object) -> bool:
        return name in offered(self.task)

    def __repr__(self) -> str:
        return repr(offered(self.task))


EXPLORER_LOSSES: Mapping[str, Sequence[str]] = {task: _Offered(task) for task in _EXPLORER_TASKS}
"""The losses the explorer offers, from the catalog: regression losses of the error alone, and the binary
classification losses that read a raw score (logit), so that one slider serves them all."""

EXPLORER_DEFAULTS: dict[str, tuple[str, ...]] = {
    "regression": ("mse", "mae", "huber"),
    "classification": ("binary_cross_entropy", "binary_focal", "hinge"),
}
"""The losses the explorer shows first."""

REGRESSION_DEFAULTS: dict[str, tuple[str, ...]] = {"defaults": ("mse", "mae", "huber"), "compare": ("mse", "mae")}
"""The regression lab's first lines, and the losses its shares figure compares the chosen one with."""


def numbers_losses(names: Sequence[str] = ("sse", "mse", "mae", "categorical_cross_entropy", "kl_divergence"),
                   ) -> list[dict[str, Any]]:
    """The losses of the explorer's "your own numbers", a default selection: the concepts' worked examples (SSE,
    MSE, MAE of two vectors; the cross-entropy -sum t ln y and KL of two probability rows). ``rows``: the loss reads
    whole rows (its definition's kind), so the page sends the vectors as one example with one value per class."""
    known = {d.name for d in definitions()}
    return [{"loss": definition(n).name, "rows": definition(n).kind == "rows"} for n in names if n in known]


def panels() -> dict[str, Any]:
    """What each loss panel of the page offers, from the catalog: the page builds its choices from this (and its
    sliders from the catalog's parameter metadata), so a loss registered by the user appears like a built-in."""
    from ..training.objective import default_loss

    regression = offered("regression")
    return {
        "explorer": {task: {"losses": list(offered(task)),
                            "defaults": [n for n in EXPLORER_DEFAULTS[task] if n in offered(task)]}
                     for task in _EXPLORER_TASKS},
        "regression": {"losses": list(regression),
                       **{k: [n for n in names if n in regression] for k, names in REGRESSION_DEFAULTS.items()}},
        "classify": {"binary": [d.name for d in definitions() if d.task == "binary" and d.trainable],
                     "multiclass": [d.name for d in definitions() if d.task == "multiclass" and d.trainable],
                     "defaults": {"binary": default_loss("binary"), "multiclass": default_loss("multiclass")}},
        "darts": {"losses": list(DART_LOSSES)},
        "numbers": {"losses": numbers_losses()},
    }


# ------------------------------------------------------------------------------------- warnings, per request
# The catalog's input warnings of one request are collected in a context-local list (losslab.errors): never through
# ``warnings.catch_warnings``, whose process-global state leaks between the threads that serve requests.
collect_warnings = collect_input_warnings


def _warnings_in(caught: Sequence[str], lang: str) -> list[str]:
    """The catalog's warnings of one request, once each (value, per-example and gradient all warn), in ``lang``:
    the library writes them in English; the lab words each one with ``[errors.patterns]``, else says in ``lang``
    that there was a warning (issue 16: the Japanese page shows no English prose). English passes unchanged."""
    return [str(sentence_in(w, lang, "errors.sentences.warning")) for w in dict.fromkeys(caught)]


def _array(name: str, loss: str, values: Any) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise LossInputError(loss, name, "numbers, or rows of numbers of equal length", "ragged or non-numeric "
                             "data") from None
    return arr


def compute(name: str, params: Mapping[str, Any], pred: Any, target: Any, reduction: str | None,
            sample_weight: Any, want_grad: bool, lang: str = "en") -> dict[str, Any]:
    """``loss(pred, target)``, its per-example losses and (optionally) its gradient, as JSON-ready data; its
    warnings in ``lang``."""
    loss = get(name, **dict(params))
    p = _array("pred", loss.name, pred)
    t = _target(loss, p, target)
    w = None if sample_weight is None else _array("sample_weight", loss.name, sample_weight)
    with collect_warnings() as caught:
        value = loss(p, t, reduction=reduction, sample_weight=w)  # type: ignore[arg-type]
        per = None
        if loss.definition.finalize is None:
            per = loss(p, t, reduction="none", sample_weight=w)
        grad = loss.grad(p, t, reduction=reduction, sample_weight=w) if want_grad else None  # type: ignore[arg-type]
    return {
        "loss": loss.name,
        "params": jsonable(dict(loss.params)),
        "reduction": reduction or loss.definition.default_reduction,
        "value": jsonable(np.asarray(value)),
        "per_example": None if per is None else jsonable(np.asarray(per)),
        "grad": None if grad is None else jsonable(np.asarray(grad)),
        "warnings": _warnings_in(caught, lang),
    }


def _target(loss: Loss, pred: np.ndarray, target: Any) -> np.ndarray:
    arr = _array("target", loss.name, target)
    fmt = loss.definition.target_format
    labels = fmt == "labels" or (fmt == "labels_or_same" and arr.ndim < pred.ndim)
    if loss.definition.kind == "rows" and labels and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        return arr.astype(np.int64)
    return arr


def explain(name: str, params: Mapping[str, Any], pred: Any, target: Any, reduction: str | None,
            sample_weight: Any, lang: str, max_rows: int) -> dict[str, Any]:
    """:func:`losslab.explain` as JSON-ready data (``Explanation.to_dict()``), plus any warnings (in ``lang``)."""
    loss = get(name, **dict(params))
    p = _array("pred", loss.name, pred)
    t = _target(loss, p, target)
    w = None if sample_weight is None else _array("sample_weight", loss.name, sample_weight)
    with collect_warnings() as caught:
        result = _explain(loss, p, t, lang=lang, reduction=reduction, sample_weight=w,  # type: ignore[arg-type]
                          max_rows=max_rows).to_dict()
    result["warnings"] = _warnings_in(caught, lang)
    return jsonable(result)


# ------------------------------------------------------------------------------------------------- the explorer
def _grid() -> np.ndarray:
    n = round((GRID["high"] - GRID["low"]) / GRID["step"])
    return np.round(np.linspace(GRID["low"], GRID["high"], n + 1), 10)


def explorer_loss(task: str, name: str, params: Mapping[str, Any]) -> Loss:
    """The catalog loss the explorer draws for ``name``; classification losses read a raw score (logit)."""
    if task not in _EXPLORER_TASKS:
        raise LossInputError("lab", "task", "'regression' or 'classification'", repr(task))
    d = definition(name)
    names = offered(task)
    if d.name not in names:
        raise LossInputError("lab", "losses", "one of " + ", ".join(names),
                             f"{name!r}, which the {task} explorer does not draw",
                             "the explorer draws losses of one prediction; use compute for the others")
    switch = d.score_switch if task == "classification" else None
    chosen = {k: v for k, v in params.items() if k != switch}
    if switch is not None:
        chosen[switch] = True  # the grid is a raw score
    return get(d.name, **chosen)


def curves(task: str, losses: Sequence[tuple[str, Mapping[str, Any]]], lang: str) -> dict[str, Any]:
    """Every explorer loss on the whole grid: the tables the page reads as the sliders move.

    Regression: the grid is the error e (the prediction ``e`` against the target 0); the losses here depend on
    the error only, so their value at the sliders' error is the same whatever the target. Classification: the
    grid is the raw score z (logit) given to the example, with the value and gradient for each label, 0 and 1.
    """
    # each definition's identity is in the key, so that a loss redefined (register(..., replace=True)) is recomputed
    key = _key(task, [[n, dict(p)] for n, p in losses], lang, [id(definition(n)) for n, _ in losses])
    return _curves_cached(key)


@functools.lru_cache(maxsize=256)
def _curves_cached(key: str) -> dict[str, Any]:
    task, items, lang = json.loads(key)[0:3]
    grid = _grid()
    series = []
    for name, params in items:
        loss = explorer_loss(task, name, params)
        entry: dict[str, Any] = {
            "loss": loss.name,
            "params": jsonable({p.name: loss.params[p.name] for p in loss.definition.params if p.role != "input"}),
            "title": T.loss_text(loss.name, lang)["title"],
            "label": _label(loss, lang),
        }
        with collect_warnings():  # the grid's warnings are not the user's: dropped
            if task == "regression":
                # the error grid against target 0; these losses depend on the error only
                zeros = np.zeros_like(grid)
                entry["value"] = jsonable(np.asarray(loss(grid, zeros, reduction="none"), dtype=float))
                entry["grad"] = jsonable(np.asarray(loss.grad(grid, zeros, reduction="none"), dtype=float))
            else:
                # the score grid, for each label: value[label][i] is the loss of score grid[i] when the truth is label
                entry["value"], entry["grad"] = {}, {}
                for label in (0, 1):
                    t = np.full_like(grid, float(label))
                    entry["value"][str(label)] = jsonable(np.asarray(loss(grid, t, reduction="none"), dtype=float))
                    entry["grad"][str(label)] = jsonable(np.asarray(loss.grad(grid, t, reduction="none"), dtype=float))
        series.append(entry)
    return {"task": task, "grid": {**GRID, "n": int(grid.size)}, "series": series}


def _label(loss: Loss, lang: str) -> str:
    """The legend label the figures give this loss ("Huber (δ=2)"), or its short name without the figures."""
    try:
        from ..figures._common import series_labels
    except ImportError:  # pragma: no cover - figures not installed (or reorganized)
        return str(T.loss_text(loss.name, lang)["short"])
    return str(series_labels([loss], lang)[0])


# -------------------------------------------------------------------------------------------------- dart board
DART_LOSSES = ("mse", "mae", "huber")


def dart_loss(name: str, delta: float) -> Loss:
    """The board's catalog loss ``name``; ``delta`` goes to each parameter in the target's units with a kink."""
    return get(name, **{p.name: delta for p in definition(name).params if p.units == "target" and p.kink})


def dart_values(loss: Loss, distances: Any) -> np.ndarray:
    """Each dart's loss: the catalog loss of its miss, the distance from the bullseye (prediction ``d``, target 0).

    The error of a dart is how far it landed, so absolute error is the distance itself (3.85 for a dart 3.85
    away), squared error its square, and the rings of equal loss are circles for every loss.
    """
    d = np.asarray(distances, dtype=float).reshape(-1)
    if not d.size:
        return np.zeros(0)
    return np.asarray(loss(d, np.zeros_like(d), reduction="none"), dtype=float)


def darts(points: Sequence[Sequence[float]], delta: float) -> dict[str, Any]:
    """Each dart's loss under MSE, MAE and Huber(delta), and the cost (the mean over the darts).

    A dart at (x, y) misses the target (0, 0) by its distance; its loss is the catalog loss of that miss
    (:func:`dart_values`), so the table's MAE column is the distance column. ``delta`` is the board's threshold.
    """
    pred = np.asarray(points, dtype=float).reshape(-1, 2)
    distances = np.hypot(pred[:, 0], pred[:, 1])
    out: dict[str, Any] = {"darts": [], "cost": {}, "delta": float(delta)}
    per: dict[str, np.ndarray] = {}
    for name in DART_LOSSES:
        per[name] = dart_values(dart_loss(name, delta), distances)
        out["cost"][name] = float(np.mean(per[name])) if pred.shape[0] else None
    for i, (x, y) in enumerate(pred.tolist()):
        out["darts"].append({"index": i, "x": x, "y": y, "distance": float(distances[i]),
                             **{name: float(per[name][i]) for name in DART_LOSSES}})
    return out
