"""Regression losses: how far a predicted number lies from the true one.

Every function here receives ``(N, K)`` arrays (N examples of K elements; the catalog's machinery does the layout)
and returns the loss of each element, or its derivative with respect to the prediction. Per-example losses are the
mean over an example's elements (Keras convention), the sum for ``sse``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition, Param, boolean, number
from ._params import Interval
from ._registry import register
from ._stable import differentiable, magnitude, relu
from .fast import regression as fast

_LOG2 = math.log(2.0)


# ------------------------------------------------------------------------------------- explanation steps
# Named columns on the user's own numbers (NumPy float64, laid out (N, K) or (N, C)); the names are the [ui]
# keys of explain/texts, so every renderer can translate them. The loss itself always comes from the value.
def _squared_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    return {"pred": p, "target": t, "error": e, "squared_error": e * e}, {}


def _absolute_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    return {"pred": p, "target": t, "error": e, "abs_error": np.abs(e)}, {}


def _huber_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    threshold = params.get("delta", params.get("beta"))
    quadratic = np.abs(e) <= threshold if "delta" in params else np.abs(e) < threshold
    branch = np.where(quadratic, "quadratic", "linear")
    return {"pred": p, "target": t, "error": e, "abs_error": np.abs(e), "branch": branch}, {}


def _error_only_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    return {"pred": p, "target": t, "error": p - t}, {}


def _msle_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    lp, lt = np.log1p(p), np.log1p(t)
    return {"pred": p, "target": t, "log1p_pred": lp, "log1p_target": lt, "log_diff": lp - lt}, {}


def _mape_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    e = p - t
    return {"pred": p, "target": t, "error": e, "abs_error": np.abs(e)}, {}


def _poisson_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    rate = np.exp(p) if params["log_input"] else p
    return {"pred": p, "target": t, "rate": rate}, {}



# ------------------------------------------------------------------------------------------------ squared error
def squared_error(xp: Namespace, pred: Array, target: Array) -> Array:
    r"""(p - t)^2."""
    e = pred - target
    return e * e


def squared_error_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return 2.0 * (pred - target)


register(LossDefinition(
    name="mse",
    steps=_squared_steps,
    fast=fast.MSE,
    aliases=("mean_squared_error", "l2"),
    task="regression",
    kind="elementwise",
    value=squared_error,
    grad=squared_error_grad,
    latex=r"\ell_i = \frac{1}{K}\sum_{k}(p_{ik} - t_{ik})^2",
    plain="l_i = mean_k (p_ik - t_ik)^2",
    summary="Mean squared error: the average of the squared differences.",
    equivalents={"pytorch": "torch.nn.MSELoss", "keras": "keras.losses.MeanSquaredError",
                 "sklearn": "sklearn.metrics.mean_squared_error"},
    reference="Gauss (1809); Hastie, Tibshirani & Friedman, The Elements of Statistical Learning, sec. 2.4.",
    builtin=True,
))

register(LossDefinition(
    name="sse",
    steps=_squared_steps,
    fast=fast.SSE,
    aliases=("sum_squared_error",),
    task="regression",
    kind="elementwise",
    value=squared_error,
    grad=squared_error_grad,
    latex=r"\ell_i = \sum_{k}(p_{ik} - t_{ik})^2,\quad L = \sum_i \ell_i",
    plain="l_i = sum_k (p_ik - t_ik)^2 ; cost = sum_i l_i (no 1/2 factor)",
    summary="Sum of squared errors: the squared differences added up, with no averaging.",
    equivalents={"pytorch": "torch.nn.MSELoss(reduction='sum')", "keras": "-",
                 "sklearn": "sklearn.metrics.mean_squared_error(...) * n * K (n examples of K outputs)"},
    reference="Bishop, Pattern Recognition and Machine Learning, eq. 1.2 (there with a factor 1/2).",
    default_reduction="sum",
    element_reduce="sum",
    builtin=True,
))


def _rmse_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return 2.0 * (pred - target)


register(LossDefinition(
    name="rmse",
    steps=_squared_steps,
    fast=fast.RMSE,
    aliases=("root_mean_squared_error",),
    task="regression",
    kind="elementwise",
    value=squared_error,
    grad=_rmse_grad,
    latex=r"L = \sqrt{\frac{\sum_i w_i \ell_i^{\mathrm{mse}}}{\sum_i w_i}}",
    plain="cost = sqrt( weighted mean of the per-example mse )",
    summary="Root mean squared error: the square root of the MSE, in the units of the target.",
    equivalents={"pytorch": "torch.sqrt(torch.nn.MSELoss()(p, t))", "keras": "keras.metrics.RootMeanSquaredError",
                 "sklearn": "sklearn.metrics.root_mean_squared_error"},
    reference="Hyndman & Koehler, Another look at measures of forecast accuracy (2006).",
    reductions=("mean",),
    finalize="sqrt",
    builtin=True,
))


# ----------------------------------------------------------------------------------------------- absolute error
def absolute_error(xp: Namespace, pred: Array, target: Array) -> Array:
    return magnitude(xp, pred - target)  # slope sign(e): 0 at a perfect prediction under any autograd


def absolute_error_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    # sign(0) = 0: at a perfect prediction we take the subgradient 0, as torch's autograd does for abs.
    return xp.sign(pred - target)


register(LossDefinition(
    name="mae",
    steps=_absolute_steps,
    fast=fast.MAE,
    aliases=("mean_absolute_error", "l1"),
    task="regression",
    kind="elementwise",
    value=absolute_error,
    grad=absolute_error_grad,
    latex=r"\ell_i = \frac{1}{K}\sum_{k}\lvert p_{ik} - t_{ik}\rvert",
    plain="l_i = mean_k |p_ik - t_ik|",
    summary="Mean absolute error: the average size of the differences, ignoring their sign.",
    equivalents={"pytorch": "torch.nn.L1Loss", "keras": "keras.losses.MeanAbsoluteError",
                 "sklearn": "sklearn.metrics.mean_absolute_error"},
    reference="Laplace (1774); Koenker, Quantile Regression (2005), ch. 1.",
    builtin=True,
))


# --------------------------------------------------------------------------------------------- huber, smooth L1
def huber_value(xp: Namespace, pred: Array, target: Array, delta: float) -> Array:
    a = xp.abs(pred - target)
    return xp.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))


def huber_grad(xp: Namespace, pred: Array, target: Array, delta: float) -> Array:
    return xp.clip(pred - target, -delta, delta)


register(LossDefinition(
    name="huber",
    steps=_huber_steps,
    fast=fast.HUBER,
    task="regression",
    kind="elementwise",
    params=(Param("delta", 1.0, "where the loss turns from quadratic to linear (in units of the target)",
                  constraint=number(low=0.0, low_open=True), units="target", kink=True, slider=(0.1, 3.0, 0.05)),),
    value=huber_value,
    grad=huber_grad,
    latex=r"\ell(e) = \begin{cases}\tfrac12 e^2 & |e| \le \delta\\ "
          r"\delta(|e| - \tfrac12\delta) & |e| > \delta\end{cases},\quad e = p - t",
    plain="l(e) = 0.5 e^2 if |e| <= delta, else delta (|e| - delta/2); e = p - t",
    summary="Huber loss: squared error for small errors, absolute error for large ones.",
    equivalents={"pytorch": "torch.nn.HuberLoss(delta=...)", "keras": "keras.losses.Huber(delta=...)",
                 "sklearn": "sklearn.linear_model.HuberRegressor (as its objective)"},
    reference="Huber, Robust Estimation of a Location Parameter, Ann. Math. Statist. 35 (1964).",
    builtin=True,
))


def pseudo_huber_value(xp: Namespace, pred: Array, target: Array, delta: float) -> Array:
    r"""delta^2 (sqrt(1 + (e/delta)^2) - 1), written a (a / (1 + sqrt(1 + a^2))) with a = |e|/delta: no
    cancellation for small errors, no overflow of a^2 for huge ones."""
    a = xp.abs(pred - target) * (1.0 / delta)
    return (delta * delta) * a * (a / (1.0 + xp.hypot(xp.ones_like(a), a)))


def pseudo_huber_grad(xp: Namespace, pred: Array, target: Array, delta: float) -> Array:
    e = pred - target
    return e / xp.hypot(xp.ones_like(e), e * (1.0 / delta))


register(LossDefinition(
    name="pseudo_huber",
    steps=_error_only_steps,
    task="regression",
    kind="elementwise",
    params=(Param("delta", 1.0, "the error scale (in units of the target) where the loss turns from quadratic to "
                  "linear", constraint=number(low=0.0, low_open=True), units="target", slider=(0.1, 3.0, 0.05)),),
    value=pseudo_huber_value,
    grad=pseudo_huber_grad,
    latex=r"\ell(e) = \delta^2\left(\sqrt{1 + (e/\delta)^2} - 1\right),\quad e = p - t",
    plain="l(e) = delta^2 (sqrt(1 + (e/delta)^2) - 1); e = p - t",
    summary="Pseudo-Huber loss: a Huber loss that is smooth everywhere, quadratic near zero and linear far away.",
    equivalents={"pytorch": "-", "keras": "-", "sklearn": "-", "optax": "-",
                 "scipy": "scipy.special.pseudo_huber(delta, e)"},
    reference="Charbonnier et al., Two deterministic half-quadratic regularization algorithms (1994); "
              "Hartley & Zisserman, Multiple View Geometry (2003), A6.8.",
    builtin=True,
))


def smooth_l1_value(xp: Namespace, pred: Array, target: Array, beta: float) -> Array:
    if beta == 0.0:
        return magnitude(xp, pred - target)  # plain L1: slope sign(e), 0 at e = 0 as in the gradient
    a = xp.abs(pred - target)
    return xp.where(a < beta, (0.5 / beta) * a * a, a - 0.5 * beta)


def smooth_l1_grad(xp: Namespace, pred: Array, target: Array, beta: float) -> Array:
    e = pred - target
    if beta == 0.0:
        return xp.sign(e)
    return xp.clip(e * (1.0 / beta), -1.0, 1.0)


register(LossDefinition(
    name="smooth_l1",
    steps=_huber_steps,
    fast=fast.SMOOTH_L1,
    task="regression",
    kind="elementwise",
    params=(Param("beta", 1.0, "width of the quadratic zone; 0 gives plain L1",
                  constraint=number(low=0.0), units="target", kink=True, slider=(0.1, 3.0, 0.05)),),
    value=smooth_l1_value,
    grad=smooth_l1_grad,
    latex=r"\ell(e) = \begin{cases}\tfrac{1}{2\beta} e^2 & |e| < \beta\\ "
          r"|e| - \tfrac12\beta & |e| \ge \beta\end{cases}",
    plain="l(e) = 0.5 e^2 / beta if |e| < beta, else |e| - beta/2  (= huber(delta=beta) / beta)",
    summary="Smooth L1: Huber loss divided by its threshold, so the linear part has slope 1.",
    equivalents={"pytorch": "torch.nn.SmoothL1Loss(beta=...)", "keras": "-", "sklearn": "-"},
    reference="Girshick, Fast R-CNN (2015), eq. 3.",
    builtin=True,
))


# ------------------------------------------------------------------------------------------------------ log-cosh
def log_cosh_value(xp: Namespace, pred: Array, target: Array) -> Array:
    a = xp.abs(pred - target)
    # Two exact forms, each used where it does not cancel: for small |e|, log cosh e = log1p(2 sinh^2(e/2))
    # keeps full relative precision down to e ~ 1e-150; for large |e|, |e| + log1p(exp(-2|e|)) - log 2 never
    # overflows (cosh does, past |e| ~ 710).
    small = a < 1.0
    a_small = xp.where(small, a, xp.zeros_like(a))
    s = xp.sinh(0.5 * a_small)
    near = xp.log1p(2.0 * s * s)
    far = a + xp.log1p(xp.exp(-2.0 * a)) - _LOG2
    return xp.where(small, near, far)


def log_cosh_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return xp.tanh(pred - target)


register(LossDefinition(
    name="log_cosh",
    steps=_error_only_steps,
    fast=fast.LOG_COSH,
    aliases=("logcosh",),
    task="regression",
    kind="elementwise",
    value=log_cosh_value,
    grad=log_cosh_grad,
    latex=r"\ell(e) = \log\cosh(e),\quad e = p - t",
    plain="l(e) = log(cosh(p - t)); about e^2/2 for small e, |e| - log 2 for large e",
    summary="Log-cosh: smooth everywhere, quadratic near zero and linear far away.",
    equivalents={"pytorch": "-", "keras": "keras.losses.LogCosh", "sklearn": "-"},
    reference="Chen et al., Log hyperbolic cosine loss improves variational auto-encoder (2019).",
    builtin=True,
))


# ------------------------------------------------------------------------------------------------------ quantile
def pinball_value(xp: Namespace, pred: Array, target: Array, q: float) -> Array:
    d = target - pred
    if differentiable(d):
        # the same numbers, but autograd takes the subgradient 0 at d = 0 as pinball_grad does (a max of the two
        # lines passes half of each slope there: 1/2 - q instead of 0)
        return q * relu(xp, d) + (1.0 - q) * relu(xp, -d)
    return xp.maximum(q * d, (q - 1.0) * d)


def pinball_grad(xp: Namespace, pred: Array, target: Array, q: float) -> Array:
    d = target - pred
    zero = xp.zeros_like(d)
    # under-prediction (t > p) costs q per unit, over-prediction (1 - q); at d = 0 the subgradient 0
    return xp.where(d > 0, zero - q, xp.where(d < 0, zero + (1.0 - q), zero))


register(LossDefinition(
    name="quantile",
    steps=_error_only_steps,
    fast=fast.QUANTILE,
    aliases=("pinball",),
    task="regression",
    kind="elementwise",
    params=(Param("q", 0.5, "the quantile to predict; under-prediction costs q, over-prediction 1 - q",
                  constraint=number(low=0.0, high=1.0, low_open=True, high_open=True), slider=(0.05, 0.95, 0.05)),),
    value=pinball_value,
    grad=pinball_grad,
    latex=r"\ell = \max\big(q\,(t - p),\ (q - 1)(t - p)\big)",
    plain="l = max(q (t - p), (q - 1)(t - p))",
    summary="Quantile (pinball) loss: asymmetric absolute error whose minimizer is the q-th quantile.",
    equivalents={"pytorch": "-", "keras": "-", "sklearn": "sklearn.metrics.mean_pinball_loss(alpha=q)"},
    reference="Koenker & Bassett, Regression Quantiles, Econometrica 46 (1978).",
    builtin=True,
))


# ---------------------------------------------------------------------------------------------------------- msle
def _log1p_difference(xp: Namespace, pred: Array, target: Array) -> Array:
    r"""log1p(p) - log1p(t) without cancellation. Near the target (u = (p - t) / (1 + t) within ±1/2) it is
    log1p(u): the difference of the two logarithms kept only the digits of their size there (float32: a relative
    error up to 17x against mpmath; log1p(u): 3e-7, float64 6e-16). Elsewhere the logarithms differ by more than
    log 1.5 and their difference is exact enough; it is kept there because its slope, 1 / (1 + p), stays exact for
    autograd as p nears -1, where log1p(u)'s would cancel."""
    u = (pred - target) / (1.0 + target)
    near = xp.abs(u) <= 0.5
    return xp.where(near, xp.log1p(xp.where(near, u, xp.zeros_like(u))), xp.log1p(pred) - xp.log1p(target))


def msle_value(xp: Namespace, pred: Array, target: Array) -> Array:
    d = _log1p_difference(xp, pred, target)
    return d * d


def msle_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return 2.0 * _log1p_difference(xp, pred, target) / (1.0 + pred)


register(LossDefinition(
    name="msle",
    steps=_msle_steps,
    aliases=("mean_squared_logarithmic_error",),
    task="regression",
    kind="elementwise",
    value=msle_value,
    grad=msle_grad,
    latex=r"\ell_i = \frac{1}{K}\sum_k\big(\log(1 + p_{ik}) - \log(1 + t_{ik})\big)^2",
    plain="l_i = mean_k (log1p(p) - log1p(t))^2",
    summary="Mean squared logarithmic error: squared error of log(1 + x), i.e. on relative differences.",
    equivalents={"pytorch": "-", "keras": "keras.losses.MeanSquaredLogarithmicError (clips inputs below 0)",
                 "sklearn": "sklearn.metrics.mean_squared_log_error"},
    reference="Common in forecasting of counts and prices; see sklearn's mean_squared_log_error.",
    pred_domain=lambda params: "above_minus_one",
    target_domain=lambda params: "above_minus_one",
    builtin=True,
))


# ---------------------------------------------------------------------------------------------------------- mape
def mape_value(xp: Namespace, pred: Array, target: Array, eps: float) -> Array:
    return 100.0 * magnitude(xp, target - pred) / xp.clip(xp.abs(target), eps, None)


def mape_grad(xp: Namespace, pred: Array, target: Array, eps: float) -> Array:
    return 100.0 * xp.sign(pred - target) / xp.clip(xp.abs(target), eps, None)


register(LossDefinition(
    name="mape",
    steps=_mape_steps,
    aliases=("mean_absolute_percentage_error",),
    task="regression",
    kind="elementwise",
    params=(Param("eps", 1e-7, "floor for |target| in the denominator", constraint=number(low=0.0, low_open=True),
                  role="numerics"),),
    value=mape_value,
    grad=mape_grad,
    latex=r"\ell = 100\,\frac{|t - p|}{\max(|t|, \varepsilon)}",
    plain="l = 100 |t - p| / max(|t|, eps)   (percent)",
    summary="Mean absolute percentage error: the error as a percentage of the true value.",
    equivalents={"pytorch": "-", "keras": "keras.losses.MeanAbsolutePercentageError",
                 "sklearn": "sklearn.metrics.mean_absolute_percentage_error (a fraction, not percent)"},
    reference="Hyndman & Koehler (2006), sec. 3.3.",
    relative=True,
    builtin=True,
))


# ------------------------------------------------------------------------------------------------------- poisson
def poisson_value(xp: Namespace, pred: Array, target: Array, log_input: bool, eps: float) -> Array:
    if log_input:
        return xp.exp(pred) - target * pred
    return pred - target * xp.log(pred + eps)


def poisson_grad(xp: Namespace, pred: Array, target: Array, log_input: bool, eps: float) -> Array:
    if log_input:
        return xp.exp(pred) - target
    return 1.0 - target / (pred + eps)


register(LossDefinition(
    name="poisson",
    steps=_poisson_steps,
    fast=fast.POISSON,
    aliases=("poisson_nll",),
    task="regression",
    kind="elementwise",
    params=(
        Param("log_input", False, "pred is the log of the rate (then exp(p) - t p)", constraint=boolean,
              role="input"),
        Param("eps", 1e-8, "added inside the log when log_input is False", constraint=number(low=0.0, low_open=True),
              role="numerics"),
    ),
    value=poisson_value,
    grad=poisson_grad,
    latex=r"\ell = p - t\log(p + \varepsilon)\quad\text{or, with log input,}\quad e^{p} - t\,p",
    plain="l = p - t log(p + eps); with log_input: exp(p) - t p  (negative log-likelihood up to log t!)",
    summary="Poisson negative log-likelihood: for counts, whose spread grows with their mean.",
    equivalents={"pytorch": "torch.nn.PoissonNLLLoss(log_input=..., full=False)",
                 "keras": "keras.losses.Poisson (eps 1e-7)",
                 "sklearn": "sklearn.metrics.mean_poisson_deviance (deviance: differs by terms in t only)"},
    reference="McCullagh & Nelder, Generalized Linear Models (1989), ch. 6.",
    pred_domain=lambda params: "real" if params["log_input"] else "nonnegative",
    target_domain=lambda params: "nonnegative",
    pred_hint="a Poisson rate cannot be negative; if these are log-rates, pass log_input=True",
    builtin=True,
))


# ------------------------------------------------------------------------------------------- half squared error
def half_squared_error(xp: Namespace, pred: Array, target: Array) -> Array:
    r"""\tfrac12 (p - t)^2: the squared error whose derivative is the error itself."""
    e = pred - target
    return 0.5 * (e * e)


def half_squared_error_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return pred - target


register(LossDefinition(
    name="half_squared_error",
    steps=_squared_steps,
    aliases=("l2_loss",),
    task="regression",
    kind="elementwise",
    value=half_squared_error,
    grad=half_squared_error_grad,
    latex=r"\ell_i = \frac{1}{K}\sum_{k}\tfrac12(p_{ik} - t_{ik})^2",
    plain="l_i = mean_k 0.5 (p_ik - t_ik)^2  (half the mse; its gradient is the error p - t)",
    summary="Half squared error: half the squared difference, so its gradient is just the error.",
    equivalents={"pytorch": "0.5 * torch.nn.MSELoss()", "keras": "0.5 * keras.losses.MeanSquaredError()",
                 "optax": "optax.l2_loss (= 0.5 * optax.squared_error)", "sklearn": "-"},
    reference="Bishop, Pattern Recognition and Machine Learning (2006), eq. 1.2.",
    builtin=True,
))


# -------------------------------------------------------------------------------------------- unit deviances
# Deviances of the Tweedie family (McCullagh & Nelder, ch. 2.3): 2 (log-likelihood of the saturated model - that
# of the prediction), so 0 exactly when p = t and >= 0 elsewhere. pred is a mean: > 0 (a log link / exp output).
def _log_ratio(xp: Namespace, target: Array, pred: Array) -> Array:
    """log(t / p) as log t - log p (t / p can overflow), with t = 0 read as 1: the caller multiplies it by t."""
    t_safe = xp.where(target > 0, target, xp.ones_like(target))
    return xp.log(t_safe) - xp.log(pred)


_NEAR = 0.2  # |u| below which u - log1p(u) comes from its series


def _u_minus_log1p_u(xp: Namespace, u: Array) -> Array:
    r"""u - log1p(u) for |u| < _NEAR without cancellation: with s = u / (2 + u), log1p(u) = 2 atanh(s) and u =
    2s / (1 - s), so it is 2 s^2 / (1 - s) - 2 (s^3/3 + s^5/5 + ...); |s| < 0.12, and terms to s^19 reach 1e-17."""
    s = u / (2.0 + u)
    s2 = s * s
    tail = xp.zeros_like(s) + 1.0 / 19.0
    for k in (17, 15, 13, 11, 9, 7, 5, 3):
        tail = 1.0 / k + s2 * tail
    return 2.0 * s2 / (1.0 - s) - 2.0 * (s * s2) * tail


def _near(xp: Namespace, u: Array) -> tuple[Array, Array]:
    """(|u| < _NEAR, u there and 0 elsewhere): the series branch and its guarded argument."""
    close = xp.abs(u) < _NEAR
    return close, xp.where(close, u, xp.zeros_like(u))


def poisson_deviance_value(xp: Namespace, pred: Array, target: Array) -> Array:
    r"""2 (t log(t/p) - t + p), with 0 log 0 = 0. Near p = t it is 2 t h(u), h(u) = u - log1p(u), u = (p - t)/t,
    from a series (the direct form cancels there: float32 lost 4 digits); elsewhere log t - log p (no overflow of
    t/p), with t = 0 guarded inside the log, so neither the value nor its autograd meets log 0."""
    t_safe = xp.where(target > 0, target, xp.ones_like(target))
    close, u = _near(xp, xp.where(target > 0, (pred - target) / t_safe, xp.ones_like(target)))
    far = target * _log_ratio(xp, target, pred) + (pred - target)
    return 2.0 * xp.where(close, target * _u_minus_log1p_u(xp, u), far)


def poisson_deviance_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return 2.0 * (pred - target) / pred


register(LossDefinition(
    name="poisson_deviance",
    steps=_error_only_steps,
    task="regression",
    kind="elementwise",
    value=poisson_deviance_value,
    grad=poisson_deviance_grad,
    latex=r"\ell = 2\left(t\log\frac{t}{p} - t + p\right),\quad 0\log 0 = 0",
    plain="l = 2 (t log(t/p) - t + p), with 0 log 0 = 0; p > 0, t >= 0",
    summary="Poisson deviance: twice the Poisson log-likelihood ratio; 0 at p = t, for counts.",
    equivalents={"pytorch": "-", "keras": "-", "optax": "-", "sklearn": "sklearn.metrics.mean_poisson_deviance"},
    reference="McCullagh & Nelder, Generalized Linear Models (1989), sec. 2.3 and ch. 6.",
    pred_domain=lambda params: "positive",
    target_domain=lambda params: "nonnegative",
    pred_hint="a Poisson deviance needs positive predictions (a mean count): use a log link / exp output",
    builtin=True,
))


def gamma_deviance_value(xp: Namespace, pred: Array, target: Array) -> Array:
    r"""2 (log(p/t) + t/p - 1): near p = t from the series of u - log1p(u) (u = t/p - 1), elsewhere with log(p/t)
    as log p - log t (no overflow of the ratio)."""
    # the loss is 2 h(u), h(u) = u - log1p(u), u = t/p - 1; p guarded so that (t - p)/p cannot overflow
    rough = xp.abs(xp.log(target) - xp.log(pred)) < 0.5
    p_safe = xp.where(rough, pred, target)
    close, u = _near(xp, (target - p_safe) / p_safe)
    close = close & rough  # (u is 0 where p was replaced: not near)
    far = (xp.log(pred) - xp.log(target)) + (target / pred - 1.0)
    return 2.0 * xp.where(close, _u_minus_log1p_u(xp, u), far)


def gamma_deviance_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return 2.0 * ((pred - target) / pred) / pred  # (p - t) / p^2 without squaring p (no overflow)


register(LossDefinition(
    name="gamma_deviance",
    steps=_error_only_steps,
    task="regression",
    kind="elementwise",
    value=gamma_deviance_value,
    grad=gamma_deviance_grad,
    latex=r"\ell = 2\left(\log\frac{p}{t} + \frac{t}{p} - 1\right)",
    plain="l = 2 (log(p/t) + t/p - 1); p > 0, t > 0  (depends on t/p only: a relative error)",
    summary="Gamma deviance: twice the Gamma log-likelihood ratio; penalises the ratio t/p, not the difference.",
    equivalents={"pytorch": "-", "keras": "-", "optax": "-", "sklearn": "sklearn.metrics.mean_gamma_deviance"},
    reference="McCullagh & Nelder, Generalized Linear Models (1989), sec. 2.3 and ch. 8.",
    pred_domain=lambda params: "positive",
    target_domain=lambda params: "positive",
    pred_hint="a Gamma deviance needs positive predictions: use a log link / exp output",
    builtin=True,
))


class _TweediePower(Interval):
    """A finite number <= 0 or >= 1: no Tweedie distribution has a power between 0 and 1 (Jorgensen 1987)."""

    def contains(self, x: float) -> bool:
        return math.isfinite(x) and not 0.0 < x < 1.0


_TWEEDIE_POWER = _TweediePower(label="a finite number <= 0 or >= 1 (no Tweedie distribution has 0 < power < 1)")


def tweedie_deviance_value(xp: Namespace, pred: Array, target: Array, power: float) -> Array:
    r"""sklearn's mean_tweedie_deviance per element, for power q (a = 1 - q, b = 2 - q):
    2 (max(t, 0)^b / (a b) - t p^a / a + p^b / b), with the limits q = 0: (t - p)^2, q = 1: the Poisson deviance,
    q = 2: the Gamma deviance.

    Near p = t the three terms cancel: with L = log(t / p) (t > 0) they are p^b f(L), f(L) = expm1(b L)/(a b) -
    expm1(L)/a = sum_{n >= 2} L^n / n! (1 + b + ... + b^{n-2}) (a = b - 1 divides out), so where |L| max(1, |b|) <
    1/2 the loss is 2 p^b f(L) from 16 terms of that series (error < 1e-17 relative), exactly 0 at p = t. Elsewhere
    the direct form, whose t^b carries no pred (its autograd does not cancel large terms)."""
    if power == 0.0:
        return squared_error(xp, pred, target)
    if power == 1.0:
        return poisson_deviance_value(xp, pred, target)
    if power == 2.0:
        return gamma_deviance_value(xp, pred, target)
    a, b = 1.0 - power, 2.0 - power
    log_ratio = _log_ratio(xp, target, pred)  # t <= 0 read as 1: finite in the branch not taken
    close = (target > 0) & (xp.abs(log_ratio) < 0.5 / max(1.0, abs(b)))
    # there L again as log1p((t - p)/p): t - p is exact, log t - log p is not (it loses digits of a tiny L)
    t_safe = xp.where(close, target, xp.ones_like(target))
    p_safe = xp.where(close, pred, xp.ones_like(pred))
    small = xp.log1p((t_safe - p_safe) / p_safe)
    series = xp.zeros_like(small)
    for n in range(17, 1, -1):  # Horner over n = 2..17 of c_n L^(n-2), c_n = (1 + b + ... + b^(n-2)) / n!
        series = sum(b ** j for j in range(n - 1)) / math.factorial(n) + small * series
    near = (small * small) * series * pred ** b
    t_pos = xp.where(target > 0, target, xp.zeros_like(target))  # max(t, 0); 0^b = 0 for b > 0 (q < 2)
    far = t_pos ** b / (a * b) - target * pred ** a / a + pred ** b / b
    return 2.0 * xp.where(close, near, far)


def tweedie_deviance_grad(xp: Namespace, pred: Array, target: Array, power: float) -> Array:
    # d/dp 2 (-t p^{1-q}/(1-q) + p^{2-q}/(2-q)) = 2 (p - t) p^{-q}, the same form for every power
    if power == 0.0:
        return 2.0 * (pred - target)
    return 2.0 * (pred - target) * pred ** (-power)


def _tweedie_pred_domain(params: Mapping[str, Any]) -> Any:
    return "real" if params["power"] == 0 else "positive"


def _tweedie_target_domain(params: Mapping[str, Any]) -> Any:
    power = params["power"]
    return "real" if power <= 0 else ("nonnegative" if power < 2 else "positive")


register(LossDefinition(
    name="tweedie_deviance",
    steps=_error_only_steps,
    task="regression",
    kind="elementwise",
    params=(Param("power", 1.5, "the Tweedie power: 0 squared error, 1 Poisson, 1 < power < 2 compound "
                  "Poisson-Gamma (zeros and positive amounts), 2 Gamma, 3 inverse Gaussian; 0 < power < 1 is invalid",
                  constraint=_TWEEDIE_POWER, slider=(1.0, 3.0, 0.05)),),
    value=tweedie_deviance_value,
    grad=tweedie_deviance_grad,
    latex=r"\ell = 2\left(\frac{\max(t,0)^{2-q}}{(1-q)(2-q)} - \frac{t\,p^{1-q}}{1-q} + \frac{p^{2-q}}{2-q}\right)",
    plain="l = 2 (max(t,0)^(2-q) / ((1-q)(2-q)) - t p^(1-q) / (1-q) + p^(2-q) / (2-q)) for power q; "
          "q = 0: (t - p)^2, q = 1: Poisson deviance, q = 2: Gamma deviance",
    summary="Tweedie deviance with power q: one family from squared error (0) via Poisson (1) to Gamma (2).",
    equivalents={"pytorch": "-", "keras": "-", "optax": "-",
                 "sklearn": "sklearn.metrics.mean_tweedie_deviance(power=...)",
                 "lightgbm": "objective='tweedie' (tweedie_variance_power, default 1.5)"},
    reference="Jorgensen, Exponential dispersion models, JRSS B 49 (1987); "
              "McCullagh & Nelder, Generalized Linear Models (1989), sec. 2.3.",
    pred_domain=_tweedie_pred_domain,
    target_domain=_tweedie_target_domain,
    pred_hint="a Tweedie deviance with power != 0 needs positive predictions (a mean): use a log link / exp output",
    builtin=True,
))
