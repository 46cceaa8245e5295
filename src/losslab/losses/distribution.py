"""Divergences between whole probability distributions (teacher vs. student, data vs. model).

``pred`` and ``target`` are probability rows (N, C) or one row (C,); the loss of an example is the divergence of
its two rows. Rows that do not sum to 1 are used as given, with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition, Param, number
from ._registry import register
from ._stable import clip, differentiable, stop_gradient, zero_with_slope
from .binary import PROBABILITY_EPS
from .fast import rows as fast


# ------------------------------------------------------------------------------------- explanation steps
# Named columns on the user's own numbers (NumPy float64, (N, C) rows); the names are the [ui] keys of explain/texts.
def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


def _kl_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    pc = np.clip(p, params["eps"], 1.0)
    return {}, {"target": t, "pred": p, "kl_term": _xlogy(t, t) - _xlogy(t, pc)}


def _js_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    m = 0.5 * (p + t)
    term = 0.5 * (_xlogy(t, t) - _xlogy(t, m) + _xlogy(p, p) - _xlogy(p, m))
    return {}, {"target": t, "pred": p, "js_term": term}


def xlogy(xp: Namespace, x: Array, y: Array) -> Array:
    """x log y with 0 log 0 = 0 (the convention that makes KL finite where the target puts no mass)."""
    safe_y = xp.where(x == 0, xp.ones_like(y), y)
    return xp.where(x == 0, xp.zeros_like(x), x * xp.log(safe_y))


def kl_value(xp: Namespace, pred: Array, target: Array, eps: float) -> Array:
    pc = clip(xp, pred, eps, 1.0)  # slope 1 on [eps, 1], edges included, as kl_grad takes it
    return xp.sum(xlogy(xp, target, target) - xlogy(xp, target, pc), axis=1)


def kl_grad(xp: Namespace, pred: Array, target: Array, eps: float) -> Array:
    pc = xp.clip(pred, eps, 1.0)
    return -(target / pc) * xp.astype(pred >= eps, pred.dtype)


register(LossDefinition(
    name="kl_divergence",
    steps=_kl_steps,
    fast=fast.KL_DIVERGENCE,
    aliases=("kld", "kl", "kullback_leibler_divergence"),
    task="distribution",
    kind="rows",
    params=(Param("eps", PROBABILITY_EPS, "the prediction is clipped to [eps, 1] (the target is not)",
                  constraint=number(low=0.0, high=0.5, low_open=True, high_open=True), role="numerics"),),
    value=kl_value,
    grad=kl_grad,
    latex=r"\ell_i = \sum_c t_{ic}\log\frac{t_{ic}}{p_{ic}},\quad 0\log 0 = 0",
    plain="l_i = sum_c t_ic log(t_ic / p_ic), with 0 log 0 = 0",
    summary="Kullback-Leibler divergence KL(target || pred): the extra information lost by using pred for target.",
    equivalents={"pytorch": "torch.nn.KLDivLoss(reduction='batchmean') on log(pred)",
                 "keras": "keras.losses.KLDivergence (also clips the target)",
                 "sklearn": "-"},
    reference="Kullback & Leibler, On Information and Sufficiency, Ann. Math. Statist. 22 (1951).",
    pred_domain=lambda params: "probability",
    target_domain=lambda params: "probability",
    pred_hint="a divergence compares probability distributions: turn raw scores into probabilities with a softmax",
    builtin=True,
))


def js_value(xp: Namespace, pred: Array, target: Array) -> Array:
    m = 0.5 * (pred + target)
    value = 0.5 * xp.sum(xlogy(xp, target, target) - xlogy(xp, target, m) + xlogy(xp, pred, pred)
                         - xlogy(xp, pred, m), axis=1)
    # At p_c = 0 the 0 log 0 = 0 convention hides the p log(p / m) terms from autograd, which then finds -1/2
    # (t_c > 0) or 0 (t_c = 0) where js_grad reports its convention: the slope at p = 1e-300 (the true one is
    # -infinity) and the exact one-sided log(2)/2. An exactly-zero term gives autograd the difference.
    if differentiable(pred):
        p0 = stop_gradient(xp, pred)
        natural = xp.where(target > 0, xp.full_like(p0, -0.5), xp.zeros_like(p0))
        slope = xp.where(p0 == 0, js_grad(xp, p0, target) - natural, xp.zeros_like(p0))
        value = value + xp.sum(zero_with_slope(xp, pred, slope), axis=1)
    return value


_TINY = 1e-300


def js_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    m = 0.5 * (pred + target)
    # d/dp_c = log(p_c / m_c) / 2. Where p_c = 0 but t_c > 0 the slope is -infinity; we report the one-sided
    # slope at p_c = tiny instead, and the exact log(2)/2 where both are 0.
    safe_p = xp.where(pred > 0, pred, xp.full_like(pred, _TINY))
    safe_m = xp.where(m > 0, m, xp.ones_like(m))
    both_zero = (pred == 0) & (target == 0)
    slope = 0.5 * (xp.log(safe_p) - xp.log(safe_m))
    if pred.dtype == xp.float32:
        slope = xp.clip(slope, -1e30, None)
    return xp.where(both_zero, xp.full_like(pred, 0.5 * math.log(2.0)), slope)


register(LossDefinition(
    name="js_divergence",
    steps=_js_steps,
    aliases=("jsd", "jensen_shannon_divergence"),
    task="distribution",
    kind="rows",
    value=js_value,
    grad=js_grad,
    latex=r"\ell_i = \tfrac12\mathrm{KL}(t_i\,\|\,m_i) + \tfrac12\mathrm{KL}(p_i\,\|\,m_i),\quad m = \tfrac12(t + p)",
    plain="l_i = (KL(t || m) + KL(p || m)) / 2, m = (t + p) / 2  (natural log: at most log 2)",
    summary="Jensen-Shannon divergence: a symmetric, bounded version of KL, comparing both to their average.",
    equivalents={"pytorch": "-", "keras": "-",
                 "sklearn": "scipy.spatial.distance.jensenshannon(p, t) ** 2 (scipy returns the square root)"},
    reference="Lin, Divergence Measures Based on the Shannon Entropy, IEEE Trans. Inf. Theory 37 (1991).",
    pred_domain=lambda params: "probability",
    target_domain=lambda params: "probability",
    pred_hint="a divergence compares probability distributions: turn raw scores into probabilities with a softmax",
    builtin=True,
))
