"""More regression losses: forecast-accuracy measures (rmsle, smape, wmape) and the p-th power error (minkowski).

The regression family continued (``regression.py`` holds the rest). smape and minkowski are elementwise, as the
other regression losses; rmsle is msle with the root taken last, over the whole set (like rmse); wmape is a ratio of
sums, so it reads each example's row of K elements as one series (``kind="rows"``): a flat ``(N,)`` input is one
series, its usual reading in forecasting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition, Param, number
from ._registry import register
from ._stable import magnitude
from .regression import msle_grad, msle_value


# ------------------------------------------------------------------------------------- explanation steps
def _rmsle_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    lp, lt = np.log1p(p), np.log1p(t)
    return {"pred": p, "target": t, "log1p_pred": lp, "log1p_target": lt, "log_diff": lp - lt}, {}


def _smape_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    return {"pred": p, "target": t, "abs_error": np.abs(e), "percent_error": smape_value(np, p, t)}, {}


def _wmape_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    abs_error = np.abs(p - t)
    per_example: Columns = {"abs_error": abs_error.sum(axis=1), "target": np.abs(t).sum(axis=1)}
    return per_example, {"pred": p, "target": t, "abs_error": abs_error}


def _minkowski_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    return {"pred": p, "target": t, "error": e, "abs_error": np.abs(e)}, {}


# --------------------------------------------------------------------------------------------------------- rmsle
register(LossDefinition(
    name="rmsle",
    steps=_rmsle_steps,
    aliases=("root_mean_squared_log_error", "root_mean_squared_logarithmic_error"),
    task="regression",
    kind="elementwise",
    value=msle_value,
    grad=msle_grad,
    latex=r"L = \sqrt{\frac{\sum_i w_i \ell_i^{\mathrm{msle}}}{\sum_i w_i}},\quad "
          r"\ell_i^{\mathrm{msle}} = \frac{1}{K}\sum_k\big(\log(1 + p_{ik}) - \log(1 + t_{ik})\big)^2",
    plain="cost = sqrt( weighted mean of the per-example msle ); msle = mean_k (log1p(p) - log1p(t))^2",
    summary="Root mean squared logarithmic error: the square root of the MSLE, a typical relative error.",
    equivalents={"pytorch": "torch.sqrt(torch.nn.MSELoss()(torch.log1p(p), torch.log1p(t)))", "keras": "-",
                 "optax": "-",
                 "sklearn": "sklearn.metrics.root_mean_squared_log_error (K > 1 outputs: the mean of per-output "
                            "roots, unless multioutput='raw_values'; ours is the root of the overall mean)"},
    reference="Kaggle's RMSLE metric; sklearn.metrics.root_mean_squared_log_error (scikit-learn 1.4).",
    reductions=("mean",),
    finalize="sqrt",
    pred_domain=lambda params: "above_minus_one",
    target_domain=lambda params: "above_minus_one",
    builtin=True,
))


# --------------------------------------------------------------------------------------------------------- smape
def smape_value(xp: Namespace, pred: Array, target: Array) -> Array:
    r"""200 |p - t| / (|p| + |t|), with 0/0 = 0; computed on halves (|p/2 - t/2| / (|p/2| + |t/2|)) so that neither
    the difference nor the sum of two huge numbers overflows. |.| of pred through ``magnitude``: slope sign(x), 0
    at a tie (p = t) and at p = 0, the subgradients ``smape_grad`` takes."""
    half_p = 0.5 * pred
    half_t = 0.5 * target
    num = magnitude(xp, half_p - half_t)
    den = magnitude(xp, half_p) + xp.abs(half_t)
    positive = den > 0
    safe = xp.where(positive, den, xp.ones_like(den))
    value = xp.where(positive, 200.0 * (num / safe), xp.zeros_like(den))
    # t = 0 or p and t of opposite signs: exactly 200 for any p != 0 (slope 0), which num / den reaches only up to
    # rounding (autograd then finds 1/den - num/den^2 = 1e-6 instead of 0)
    constant = xp.where(pred != 0, xp.full_like(pred, 200.0), xp.zeros_like(pred))
    return xp.where((target == 0) | (pred * target < 0), constant, value)


def smape_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    # d/dp 200 |e| / S = 200 (sign(e) S - |e| sign(p)) / S^2, S = |p| + |t|; 0 where S = 0 (0/0 := 0)
    half_p = 0.5 * pred
    half_t = 0.5 * target
    num = xp.abs(half_p - half_t)
    den = xp.abs(half_p) + xp.abs(half_t)
    positive = den > 0
    safe = xp.where(positive, den, xp.ones_like(den))
    g = 100.0 * (xp.sign(pred - target) - (num / safe) * xp.sign(pred)) / safe
    return xp.where(positive, g, xp.zeros_like(g))


register(LossDefinition(
    name="smape",
    steps=_smape_steps,
    aliases=("symmetric_mean_absolute_percentage_error",),
    task="regression",
    kind="elementwise",
    value=smape_value,
    grad=smape_grad,
    latex=r"\ell = 100\,\frac{2\,|p - t|}{|p| + |t|},\quad \tfrac00 = 0",
    plain="l = 100 * 2 |p - t| / (|p| + |t|) per element, 0 where p = t = 0  (percent, between 0 and 200)",
    summary="Symmetric MAPE (M4 convention): the error as a percentage of the mean size of prediction and target.",
    equivalents={"pytorch": "-", "keras": "-", "optax": "-", "sklearn": "-",
                 "statsforecast": "utilsforecast.losses.smape (|e| / (|p| + |t|): ours / 200)",
                 "torchmetrics": "torchmetrics.SymmetricMeanAbsolutePercentageError (a fraction: ours / 100)"},
    reference="Makridakis, Accuracy measures: theoretical and practical concerns, IJF 9 (1993); "
              "Makridakis, Spiliotis & Assimakopoulos, The M4 Competition, IJF 36 (2020), eq. 1.",
    relative=True,
    builtin=True,
))


# --------------------------------------------------------------------------------------------------------- wmape
def wmape_value(xp: Namespace, pred: Array, target: Array, eps: float) -> Array:
    num = xp.sum(magnitude(xp, pred - target), axis=1)
    den = xp.clip(xp.sum(xp.abs(target), axis=1), eps, None)
    return 100.0 * num / den


def wmape_grad(xp: Namespace, pred: Array, target: Array, eps: float) -> Array:
    den = xp.clip(xp.sum(xp.abs(target), axis=1, keepdims=True), eps, None)
    return 100.0 * xp.sign(pred - target) / den


register(LossDefinition(
    name="wmape",
    steps=_wmape_steps,
    aliases=("wape", "weighted_mean_absolute_percentage_error"),
    task="regression",
    kind="rows",
    params=(Param("eps", 1e-7, "floor for sum |target| of a series in the denominator",
                  constraint=number(low=0.0, low_open=True), role="numerics"),),
    value=wmape_value,
    grad=wmape_grad,
    latex=r"\ell_i = 100\,\frac{\sum_k |p_{ik} - t_{ik}|}{\max\big(\sum_k |t_{ik}|,\ \varepsilon\big)}",
    plain="l_i = 100 sum_k |p_ik - t_ik| / max(sum_k |t_ik|, eps) per series (row); a flat (N,) input is one series",
    summary="Weighted MAPE (WAPE): the total absolute error of a series as a percentage of its total size.",
    equivalents={"pytorch": "-", "keras": "-", "optax": "-", "sklearn": "-",
                 "torchmetrics": "torchmetrics.WeightedMeanAbsolutePercentageError (a fraction over the whole "
                                 "input: ours / 100 on one series)"},
    reference="Kolassa & Schütz, Advantages of the MAD/Mean ratio over the MAPE, Foresight 6 (2007); "
              "Hyndman & Koehler (2006).",
    target_format="same",
    relative=True,
    builtin=True,
))


# ----------------------------------------------------------------------------------------------------- minkowski
def minkowski_value(xp: Namespace, pred: Array, target: Array, p: float) -> Array:
    a = magnitude(xp, pred - target)  # slope sign(e): 0 at e = 0, also for p = 1 (the subgradient taken)
    return a if p == 1.0 else a ** p


def minkowski_grad(xp: Namespace, pred: Array, target: Array, p: float) -> Array:
    e = pred - target
    if p == 1.0:
        return xp.sign(e)
    return p * xp.sign(e) * xp.abs(e) ** (p - 1.0)


register(LossDefinition(
    name="minkowski",
    steps=_minkowski_steps,
    aliases=("lp_error", "mean_power_error"),
    task="regression",
    kind="elementwise",
    params=(Param("p", 1.5, "the power of |error|: 1 is mae, 2 is mse, between them a compromise",
                  constraint=number(low=1.0), slider=(1.0, 4.0, 0.05)),),
    value=minkowski_value,
    grad=minkowski_grad,
    latex=r"\ell_i = \frac{1}{K}\sum_k |p_{ik} - t_{ik}|^{P},\quad P \ge 1",
    plain="l_i = mean_k |p_ik - t_ik|^p, p >= 1 (p = 1: mae, p = 2: mse); the p-th power of the Minkowski "
          "distance, without the root",
    summary="Mean p-th power error: |error|^p, from MAE (p = 1) through MSE (p = 2) to beyond.",
    equivalents={"pytorch": "(p - t).abs().pow(P).mean()", "keras": "-", "optax": "-",
                 "sklearn": "-",
                 "scipy": "scipy.spatial.distance.minkowski(p, t, P) ** P / n (flat input of n elements)"},
    reference="Gonin & Money, Nonlinear Lp-Norm Estimation (1989).",
    builtin=True,
))
