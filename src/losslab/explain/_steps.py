"""The intermediate quantities of each loss, on the user's own numbers.

For every built-in loss, a function of the laid-out input (NumPy float64, shape (N, K) for elementwise losses,
(N, C) for row losses) that returns named columns: per element (N, K) for elementwise losses; per example (N,)
and per class (N, C) for row losses. Column names are the ``[ui]`` keys of the text catalogs, so every renderer
can translate them. The per-example loss itself always comes from the catalog (``reduction="none"``), never from
here: these columns only show the way to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..losses._stable import softmax_parts

Columns = dict[str, np.ndarray]
StepFunction = Callable[[np.ndarray, np.ndarray, Mapping[str, Any]], tuple[Columns, Columns]]
"""(pred, target, params) -> (per-element or per-example columns, per-class columns)."""

STEPS: dict[str, StepFunction] = {}


def steps(*names: str) -> Callable[[StepFunction], StepFunction]:
    def register(fn: StepFunction) -> StepFunction:
        for name in names:
            STEPS[name] = fn
        return fn

    return register


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# ------------------------------------------------------------------------------------------------------ regression
@steps("mse", "sse", "rmse")
def _squared(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    return {"pred": p, "target": t, "error": e, "squared_error": e * e}, {}


@steps("mae")
def _absolute(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    return {"pred": p, "target": t, "error": e, "abs_error": np.abs(e)}, {}


@steps("huber", "smooth_l1")
def _huber(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    threshold = params.get("delta", params.get("beta"))
    quadratic = np.abs(e) <= threshold if "delta" in params else np.abs(e) < threshold
    branch = np.where(quadratic, "quadratic", "linear")
    return {"pred": p, "target": t, "error": e, "abs_error": np.abs(e), "branch": branch}, {}


@steps("log_cosh", "quantile")
def _error_only(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    return {"pred": p, "target": t, "error": p - t}, {}


@steps("msle")
def _msle(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    lp, lt = np.log1p(p), np.log1p(t)
    return {"pred": p, "target": t, "log1p_pred": lp, "log1p_target": lt, "log_diff": lp - lt}, {}


@steps("mape")
def _mape(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    return {"pred": p, "target": t, "error": e, "abs_error": np.abs(e)}, {}


@steps("poisson")
def _poisson(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    rate = np.exp(p) if params["log_input"] else p
    return {"pred": p, "target": t, "rate": rate}, {}


# ---------------------------------------------------------------------------------------------------------- binary
def _prob(p: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
    if params.get("from_logits"):
        return _sigmoid(p)
    return np.clip(p, params.get("eps", 1e-7), 1.0 - params.get("eps", 1e-7))


@steps("binary_cross_entropy")
def _bce(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob = _prob(p, params)
    ls = params["label_smoothing"]
    ts = t * (1 - ls) + 0.5 * ls
    cols: Columns = {"pred": p, "target": t}
    if params["from_logits"]:
        cols["prob"] = prob
    if ls:
        cols["target_smoothed"] = ts
    p_true = ts * prob + (1 - ts) * (1 - prob)
    cols["prob_true"] = p_true
    cols["neg_log_prob"] = -np.log(np.where(p_true > 0, p_true, np.nan))
    return cols, {}


@steps("binary_focal")
def _binary_focal(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob = _prob(p, params)
    p_true = t * prob + (1 - t) * (1 - prob)
    cols: Columns = {"pred": p, "target": t}
    if params["from_logits"]:
        cols["prob"] = prob
    cols["prob_true"] = p_true
    cols["neg_log_prob"] = -np.log(np.where(p_true > 0, p_true, np.nan))
    cols["modulation"] = (1 - p_true) ** params["gamma"]
    if params["alpha"] is not None:
        cols["alpha_t"] = params["alpha"] * t + (1 - params["alpha"]) * (1 - t)
    return cols, {}


@steps("hinge", "squared_hinge")
def _hinge(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    signed = np.where(t == 0, -1.0, t)
    margin = signed * p
    return {"pred": p, "target": signed, "margin": margin, "hinge": np.maximum(0.0, 1.0 - margin)}, {}


# ---------------------------------------------------------------------------------------------------- categorical
def _class_probs(p: np.ndarray, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, log-probabilities) of each class, after a softmax when the input holds logits."""
    if params.get("from_logits"):
        parts = softmax_parts(np, p)
        return parts.prob(), parts.log_prob()
    clipped = np.clip(p, params.get("eps", 1e-7), 1.0 - params.get("eps", 1e-7))
    return clipped, np.log(clipped)


def _true_class(t: np.ndarray) -> np.ndarray:
    return np.argmax(t, axis=1)


@steps("categorical_cross_entropy", "sparse_categorical_cross_entropy")
def _cce(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob, log_prob = _class_probs(p, params)
    c = p.shape[1]
    ls = params["label_smoothing"]
    ts = t * (1 - ls) + ls / c
    y = _true_class(t)
    rows = np.arange(p.shape[0])
    per_example: Columns = {"true_class": y, "prob_true": prob[rows, y], "neg_log_prob": -log_prob[rows, y]}
    per_class: Columns = {"target": t, "prob": prob, "term": -ts * log_prob}
    if ls:
        per_class["target_smoothed"] = ts
    return per_example, per_class


@steps("categorical_focal")
def _cat_focal(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob, log_prob = _class_probs(p, params)
    y = _true_class(t)
    rows = np.arange(p.shape[0])
    modulation = (1 - prob) ** params["gamma"]
    per_example: Columns = {"true_class": y, "prob_true": prob[rows, y], "neg_log_prob": -log_prob[rows, y],
                            "modulation": modulation[rows, y]}
    per_class: Columns = {"target": t, "prob": prob, "modulation": modulation,
                          "term": -params["alpha"] * t * modulation * log_prob}
    return per_example, per_class


@steps("categorical_hinge", "multi_margin")
def _margin(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    y = _true_class(t)
    rows = np.arange(p.shape[0])
    wrong = np.where(np.arange(p.shape[1])[None, :] == y[:, None], -np.inf, p)
    best_wrong = wrong.max(axis=1) if p.shape[1] > 1 else np.full(p.shape[0], -np.inf)
    return {"true_class": y, "score_true": p[rows, y], "best_wrong": best_wrong}, {"pred": p}


# --------------------------------------------------------------------------------------------------- distribution
def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


@steps("kl_divergence")
def _kl(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    pc = np.clip(p, params["eps"], 1.0)
    return {}, {"target": t, "pred": p, "kl_term": _xlogy(t, t) - _xlogy(t, pc)}


@steps("js_divergence")
def _js(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    m = 0.5 * (p + t)
    term = 0.5 * (_xlogy(t, t) - _xlogy(t, m) + _xlogy(p, p) - _xlogy(p, m))
    return {}, {"target": t, "pred": p, "js_term": term}


def fallback(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    """For user-defined losses: the inputs and the loss, nothing we cannot know."""
    if p.shape == t.shape and p.ndim == 2 and p.shape[1] > 1 and t.shape[1] > 1:
        return {}, {"pred": p, "target": t}
    return {"pred": p, "target": t}, {}
