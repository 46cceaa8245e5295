"""Losses of a probabilistic forecast: a predicted distribution scored against the one value that happened.

- ``gaussian_nll(mean, target, var=v)``: the negative log-likelihood of a normal with a predicted variance
- ``crps_ensemble(members, target)``: the continuous ranked probability score of an ensemble (N, M) against one
  observation per example
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import LossInputError
from ._arrays import Array, Namespace
from ._definition import Columns, Input, LossDefinition, Param, boolean, number
from ._registry import register
from ._stable import clip, magnitude

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


# -------------------------------------------------------------------------------------------------- gaussian nll
def gaussian_nll_value(xp: Namespace, pred: Array, target: Array, var: Array, full: bool, eps: float) -> Array:
    # var <= 0 never gets here (the input's domain); 0 < var < eps is clamped to eps, as PyTorch does
    v = clip(xp, var, eps, None)
    e = pred - target
    out = 0.5 * (xp.log(v) + e * e / v)
    return out + _HALF_LOG_2PI if full else out


def gaussian_nll_grad(xp: Namespace, pred: Array, target: Array, var: Array, full: bool, eps: float) -> Array:
    return (pred - target) / clip(xp, var, eps, None)


def gaussian_nll_var_grad(xp: Namespace, pred: Array, target: Array, var: Array, full: bool, eps: float) -> Array:
    # d/dv [log v + e^2 / v] / 2 = (1/v - e^2/v^2) / 2 = (v - e^2) / (2 v^2); 0 below the clamp (the value is flat
    # there; PyTorch's autograd passes the gradient at eps through instead)
    v = clip(xp, var, eps, None)
    e = pred - target
    return xp.where(var >= eps, (v - e * e) / (2.0 * v * v), xp.zeros_like(v))


def _gaussian_steps(pred: np.ndarray, target: np.ndarray, params: Mapping[str, Any], var: np.ndarray,
                    ) -> tuple[Columns, Columns]:
    e = pred - target
    return {"pred": pred, "target": target, "variance": var, "squared_error": e * e}, {}


register(LossDefinition(
    name="gaussian_nll",
    aliases=("gaussian_nll_loss", "gaussian_negative_log_likelihood"),
    task="regression",
    kind="elementwise",
    inputs=(Input("var", "the predicted variance of each prediction (> 0): pred's shape, or one per example",
                  shape="like_pred_or_broadcast", domain="positive", grad=gaussian_nll_var_grad,
                  hint="a variance must be > 0 (PyTorch clamps 0 and negatives to eps silently; here only "
                       "0 < var < eps is clamped): predict it as exp(s) or softplus(s) of a raw output"),),
    params=(
        Param("full", False, "add the constant log(2 pi) / 2, making the value the full negative log-likelihood",
              constraint=boolean),
        Param("eps", 1e-6, "variances between 0 and eps are raised to eps (PyTorch's clamp); the gradient with "
              "respect to var is 0 there", constraint=number(low=0.0, low_open=True), role="numerics"),
    ),
    value=gaussian_nll_value,
    grad=gaussian_nll_grad,
    steps=_gaussian_steps,
    latex=r"\ell_{ik} = \tfrac12\Bigl(\log \max(\sigma^2_{ik}, \epsilon) + \frac{(\mu_{ik} - y_{ik})^2}"
          r"{\max(\sigma^2_{ik}, \epsilon)}\Bigr)\;[+\,\tfrac12\log 2\pi]",
    plain="l = (log v + (mean - target)^2 / v) / 2 with v = max(var, eps) (var <= 0 is an error); full adds "
          "log(2 pi) / 2",
    summary="Gaussian negative log-likelihood: a mean and a variance predicted together, scored on the target.",
    equivalents={"pytorch": "torch.nn.GaussianNLLLoss(full=False, eps=1e-6)(mean, target, var)",
                 "keras": "no built-in loss",
                 "optax": "no built-in loss",
                 "sklearn": "no loss (sklearn.metrics.d2_* score point forecasts only)"},
    reference="Nix & Weigend, Estimating the mean and variance of the target probability distribution (1994); "
              "PyTorch's GaussianNLLLoss (variance broadcasting: pytorch#53392).",
    trainable=False,
    builtin=True,
))


# ------------------------------------------------------------------------------------------------ crps ensemble
def _ranks(xp: Namespace, x: Array) -> tuple[Array, Array | None]:
    """(the weights (2 r - M - 1) of the members in rank order r = 1..M, the stable sort order or None)."""
    m = int(x.shape[1])
    coef = 2.0 * xp.astype(xp.arange(1, m + 1), x.dtype) - (m + 1)
    return xp.reshape(coef, (1, m)), (xp.argsort(x, axis=1, stable=True) if hasattr(xp, "take_along_axis")
                                      else None)


def _spread_scale(m: int, fair: bool) -> float:
    return 1.0 / (m * (m - 1)) if fair else 1.0 / (m * m)


def _check_members(m: int, fair: bool) -> None:
    if fair and m < 2:
        raise LossInputError("crps_ensemble", "pred", "at least 2 members per example for fair=True",
                             f"{m} member", "the fair CRPS divides by M (M - 1): pass fair=False for one member")


def crps_value(xp: Namespace, pred: Array, target: Array, fair: bool) -> Array:
    # sum_jk |x_j - x_k| = 2 sum_r (2 r - M - 1) x_(r) over the sorted members: O(M log M) rather than O(M^2);
    # centring each row first keeps the sum exact for a large offset (the weights sum to 0)
    m = int(pred.shape[1])
    _check_members(m, fair)
    coef, order = _ranks(xp, pred)
    ordered = xp.take_along_axis(pred, order, axis=1) if order is not None else xp.sort(pred, axis=1)
    ordered = ordered - xp.mean(ordered, axis=1, keepdims=True)
    spread = xp.sum(coef * ordered, axis=1) * _spread_scale(m, fair)
    return xp.mean(magnitude(xp, pred - target), axis=1) - spread


def crps_grad(xp: Namespace, pred: Array, target: Array, fair: bool) -> Array:
    # d/dx_j = sign(x_j - y) / M - (2 r_j - M - 1) scale, r_j the member's rank (ties: in the stable order, the
    # subgradient the sorted value's autograd takes)
    m = int(pred.shape[1])
    _check_members(m, fair)
    _, order = _ranks(xp, pred)
    if order is None:
        order = xp.argsort(pred, axis=1, stable=True)
    rank = xp.argsort(order, axis=1, stable=True)  # the inverse permutation: each member's place in the order
    weight = 2.0 * xp.astype(rank + 1, pred.dtype) - (m + 1)
    return xp.sign(pred - target) / m - weight * _spread_scale(m, fair)


def _crps_steps(pred: np.ndarray, target: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    m = pred.shape[1]
    abs_error = np.mean(np.abs(pred - target), axis=1)
    spread = abs_error - crps_value(np, pred, target, params["fair"])
    return {"target": target[:, 0], "abs_error": abs_error, "spread": spread}, {"pred": pred} if m <= 12 else {}


register(LossDefinition(
    name="crps_ensemble",
    aliases=("crps", "continuous_ranked_probability_score"),
    task="regression",
    kind="rows",
    target_format="value",
    params=(Param("fair", False, "divide the spread term by M (M - 1) instead of M^2: the unbiased (fair) CRPS of "
                  "the distribution the members are drawn from", constraint=boolean),),
    value=crps_value,
    grad=crps_grad,
    steps=_crps_steps,
    latex=r"\mathrm{CRPS}_i = \frac1M\sum_j |x_{ij} - y_i| - \frac{1}{2M^2}\sum_{j,k} |x_{ij} - x_{ik}|"
          r"\quad(\text{fair: } \tfrac{1}{2M(M-1)})",
    plain="CRPS_i = mean_j |x_ij - y_i| - sum_jk |x_ij - x_ik| / (2 M^2) (fair: / (2 M (M - 1))), pred (N, M) "
          "the ensemble members, target one value per example",
    summary="Continuous ranked probability score of an ensemble: the error of the members minus half their spread.",
    equivalents={"pytorch": "no built-in loss",
                 "keras": "no built-in loss",
                 "optax": "no built-in loss",
                 "sklearn": "no metric (properscoring.crps_ensemble(y, x) is the fair=False value; "
                            "scipy.stats.energy_distance is a related statistic)"},
    reference="Gneiting & Raftery, Strictly proper scoring rules, prediction, and estimation (JASA 2007); "
              "Ferro, Fair scores for ensemble forecasts (QJRMS 2014) for the fair variant.",
    trainable=False,
    untrainable_reason="ensemble",
    builtin=True,
))
