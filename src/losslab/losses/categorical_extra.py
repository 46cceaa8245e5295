"""More multi-class losses on rows of class scores: the negative log-likelihood of log-probabilities (PyTorch's
NLLLoss), Poly-1 cross-entropy, the generalized cross-entropy (L_q) for noisy labels, and PyTorch's multi-label
margin loss (its targets rows of class indices padded with -1).

The categorical family continued (``categorical.py`` holds cross-entropy, focal and the margin losses); the same
layout: (N, C) rows, targets as one-hot / probability rows or integer labels turned into one-hot rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _validation as v
from ._arrays import Array, Namespace, is_lazy, on_blocks
from ._definition import Columns, LossDefinition, Param, number
from ._registry import register
from ._stable import clip_probability, relu, softmax_parts
from .binary import EPS_PARAM, FROM_LOGITS_PARAM, probability_unless_logits
from .categorical import _CLASS_WEIGHT
from .fast import margins as fast


# ------------------------------------------------------------------------------------- explanation steps
def _probs(p: np.ndarray, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, log-probabilities), after a softmax when the input holds logits (else clipped to eps)."""
    if params["from_logits"]:
        parts = softmax_parts(np, p)
        return parts.prob(), parts.log_prob()
    clipped = np.clip(p, params["eps"], 1.0 - params["eps"])
    return clipped, np.log(clipped)


def _nll_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    y = np.argmax(t, axis=1)
    rows = np.arange(p.shape[0])
    return ({"true_class": y, "prob_true": np.exp(p[rows, y]), "neg_log_prob": -p[rows, y]},
            {"target": t, "pred": p, "prob": np.exp(p)})


def _poly1_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob, log_prob = _probs(p, params)
    p_true = np.sum(t * prob, axis=1)
    return ({"prob_true": p_true, "neg_log_prob": -np.sum(t * log_prob, axis=1), "term": 1.0 - p_true},
            {"target": t, "prob": prob})


def _gce_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob, log_prob = _probs(p, params)
    q = params["q"]
    return ({"prob_true": np.sum(t * prob, axis=1)},
            {"target": t, "prob": prob, "term": -t * np.expm1(q * log_prob) / q})


# ------------------------------------------------------------------------------------------------------------ nll
def nll_value(xp: Namespace, pred: Array, target: Array, **_: Any) -> Array:
    return -xp.sum(target * pred, axis=1)


def nll_grad(xp: Namespace, pred: Array, target: Array, **_: Any) -> Array:
    return -target + 0.0 * pred


register(LossDefinition(
    name="nll",
    steps=_nll_steps,
    fast=fast.NLL,
    aliases=("nll_loss", "negative_log_likelihood"),
    task="multiclass",
    kind="rows",
    params=(_CLASS_WEIGHT,
            Param("ignore_index", None, "examples with this label are skipped (e.g. -100 for padding)",
                  constraint=number(integer=True, allow_none=True, words="None or an integer"), role="skip")),
    value=nll_value,
    grad=nll_grad,
    latex=r"\ell_i = -\log p_{i, y_i},\quad \text{pred} = \log p\ \text{(log-probabilities)}",
    plain="l_i = -pred_i[y_i]; pred holds log-probabilities (log_softmax of the scores), y_i an integer label",
    summary="Negative log-likelihood of log-probabilities: minus the true class's entry (PyTorch's NLLLoss).",
    equivalents={"pytorch": "torch.nn.NLLLoss(weight=..., ignore_index=...)",
                 "keras": "keras.losses.SparseCategoricalCrossentropy on exp(pred)",
                 "optax": "optax.losses.softmax_cross_entropy_with_integer_labels(pred, y) (pred log-probabilities "
                          "are their own logits)",
                 "sklearn": "sklearn.metrics.log_loss(y, exp(pred))"},
    reference="Goodfellow, Bengio & Courville, Deep Learning (2016), sec. 6.2.1.1 and 6.2.2.3.",
    target_format="labels",
    pred_domain=lambda params: "nonpositive",
    pred_hint="pred must hold log-probabilities (log_softmax of the scores); for raw scores use "
              "sparse_categorical_cross_entropy with from_logits=True, for probabilities without from_logits",
    builtin=True,
))


# ------------------------------------------------------------------------------------------------------- poly-1
_SERIES_BELOW = 0.05
_SERIES_TERMS = 14  # 0.05**12 / 14 < 1e-16 of the leading term u**2 / 2


def _log1p_minus_u(xp: Namespace, u: Array, log1p_s: Array, lead: Array | None) -> Array:
    """g = log1p(s) − u with u = s / (1 + s), i.e. −log(1 − u) − u = u²/2 + u³/3 + …: summed as that series for
    small u, where the difference of two nearly equal numbers would lose every digit (poly-1 at ε = −1 on a
    confident row is g itself). For autograd, log1p(s + lead) − u = g(u) + log1p(lead) (lead is 0, its
    derivative is not): the series branch adds log1p(lead) so both branches carry the same gradient."""
    small = u < _SERIES_BELOW
    us = xp.where(small, u, 0.0 * u)
    series = 0.0 * u
    power = us * us
    for k in range(2, _SERIES_TERMS + 2):
        series = series + power / k
        power = power * us
    if lead is not None:
        series = series + xp.log1p(lead)
    return xp.where(small, series, log1p_s - u)


def poly1_value(xp: Namespace, pred: Array, target: Array, epsilon: float, from_logits: bool, eps: float) -> Array:
    if from_logits:
        parts = softmax_parts(xp, pred)
        one_minus_each = parts.one_minus_prob(xp)
        # the arg-max class: CE term log1p(s) and 1 − p = u, so (1 + ε) u + g(u) with g ≥ 0 summed without
        # cancellation; the other classes have p small and nothing cancels
        u = parts.s / (1.0 + parts.s) if parts.lead is None else one_minus_each
        # gap is 0 at the arg-max but carries its derivative (-1) for autograd, as in cross-entropy
        top = parts.gap + (1.0 + epsilon) * u + _log1p_minus_u(xp, u, parts.log1p_s, parts.lead)
        rest = parts.gap + parts.log1p_s + epsilon * one_minus_each
        return xp.sum(target * xp.where(parts.argmax_onehot > 0, top, rest), axis=1)
    else:
        pc, _ = clip_probability(xp, pred, eps)
        ce = -xp.sum(target * xp.log(pc), axis=1)
        one_minus = xp.sum(target * (1.0 - pc), axis=1)
        return ce + epsilon * one_minus


def poly1_grad(xp: Namespace, pred: Array, target: Array, epsilon: float, from_logits: bool, eps: float) -> Array:
    if from_logits:
        parts = softmax_parts(xp, pred)
        total = xp.sum(target, axis=1, keepdims=True)
        # cross-entropy: softmax * sum(t) - t, regrouped over (1 + s) as in cce_grad
        ce = (parts.other * total + (parts.argmax_onehot * total - target) - target * parts.s) / (1.0 + parts.s)
        # d/dz_j sum_c t_c (1 - p_c) = -p_j (t_j - p_t), with t_j - p_t = t_j - sum(t) + sum_c t_c (1 - p_c)
        one_minus = xp.sum(target * parts.one_minus_prob(xp), axis=1, keepdims=True)
        return ce - epsilon * parts.prob() * (target - total + one_minus)
    pc, inside = clip_probability(xp, pred, eps)
    return (-(target / pc) - epsilon * target) * inside


register(LossDefinition(
    name="poly1",
    steps=_poly1_steps,
    aliases=("poly1_cross_entropy", "poly_loss"),
    task="multiclass",
    kind="rows",
    params=(Param("epsilon", 1.0, "weight of the extra (1 - p_t) term: > 0 pushes on confident examples too, "
                  "-1 removes the first term of cross-entropy's series", constraint=number(low=-1.0),
                  slider=(-1.0, 4.0, 0.1)),
            FROM_LOGITS_PARAM, EPS_PARAM),
    value=poly1_value,
    grad=poly1_grad,
    latex=r"\ell_i = -\sum_c t_{ic}\log p_{ic} + \epsilon\sum_c t_{ic}(1 - p_{ic})",
    plain="l_i = CE_i + epsilon * sum_c t_ic (1 - p_ic) = -log p_t + epsilon (1 - p_t) for a one-hot target",
    summary="Poly-1 cross-entropy: cross-entropy plus epsilon (1 - p_t), one tunable term of its Taylor series.",
    equivalents={"pytorch": "-", "keras": "-",
                 "optax": "optax.losses.poly_loss_cross_entropy(z, t, epsilon=...) (logits; default epsilon 2)",
                 "sklearn": "-"},
    reference="Leng et al., PolyLoss: A Polynomial Expansion Perspective of Classification Loss Functions "
              "(ICLR 2022), eq. 3.",
    target_format="labels_or_same",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))


# ------------------------------------------------------------------------------------ generalized cross-entropy
def _one_minus_exp(xp: Namespace, u: Array) -> Array:
    """1 - e^u for u <= 0: -expm1(u) near 0 (where 1 - e^u cancels), 1 - e^u below -log 2 (where expm1's autograd,
    which PyTorch takes as expm1(u) + 1, would lose e^u to rounding: 0.1% in float32 at p = 1e-7)."""
    near = u > -0.6931471805599453
    return xp.where(near, -xp.expm1(xp.where(near, u, xp.zeros_like(u))), 1.0 - xp.exp(u))


def gce_value(xp: Namespace, pred: Array, target: Array, q: float, from_logits: bool, eps: float) -> Array:
    # (1 - p^q) / q = (1 - e^{q log p}) / q: exact for p near 1, where 1 - p^q cancels
    if from_logits:
        log_p = softmax_parts(xp, pred).log_prob()
    else:
        pc, _ = clip_probability(xp, pred, eps)
        log_p = xp.log(pc)
    return xp.sum(target * _one_minus_exp(xp, q * log_p), axis=1) / q


def gce_grad(xp: Namespace, pred: Array, target: Array, q: float, from_logits: bool, eps: float) -> Array:
    if from_logits:
        parts = softmax_parts(xp, pred)
        p = parts.prob()
        # u_c = d loss / d log p_c = -t_c p_c^q; then the softmax chain rule u - p sum(u), regrouped as
        # u (1 - p) - p (sum(u) - u) so that a confident true class's 1 - p keeps its precision
        u = -target * xp.exp(q * parts.log_prob())
        others = xp.sum(u, axis=1, keepdims=True) - u
        return u * parts.one_minus_prob(xp) - p * others
    pc, inside = clip_probability(xp, pred, eps)
    return -target * xp.exp((q - 1.0) * xp.log(pc)) * inside


register(LossDefinition(
    name="generalized_cross_entropy",
    steps=_gce_steps,
    aliases=("gce", "lq_loss"),
    task="multiclass",
    kind="rows",
    params=(Param("q", 0.7, "between cross-entropy (q -> 0) and the bounded, noise-robust 1 - p_t (q = 1)",
                  constraint=number(low=0.0, high=1.0, low_open=True), slider=(0.05, 1.0, 0.05)),
            FROM_LOGITS_PARAM, EPS_PARAM),
    value=gce_value,
    grad=gce_grad,
    latex=r"\ell_i = \sum_c t_{ic}\,\frac{1 - p_{ic}^{\,q}}{q},\quad 0 < q \le 1",
    plain="l_i = sum_c t_ic (1 - p_ic^q) / q = (1 - p_t^q) / q for a one-hot target; q -> 0: cross-entropy, "
          "q = 1: 1 - p_t",
    summary="Generalized cross-entropy (L_q): a bounded cross-entropy that lets mislabeled examples count less.",
    equivalents={"pytorch": "-", "keras": "-", "optax": "-", "sklearn": "-"},
    reference="Zhang & Sabuncu, Generalized Cross Entropy Loss for Training Deep Neural Networks with Noisy Labels "
              "(NeurIPS 2018), eq. 6.",
    target_format="labels_or_same",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))


# ------------------------------------------------------------------------------------------- multi-label margin
_MLM = "multilabel_margin"


def _check_index_rows(xp: Namespace, t: Array) -> None:
    """Each row: class indices in 0..C-1, then -1 (everything after the first -1 is ignored), no index twice."""
    c = int(t.shape[1])
    v.integer_check(_MLM, "target", "class indices (whole numbers)")(xp, t)
    bad = (t < -1) | (t >= c)
    if bool(xp.any(bad)):
        count, value, where = v._first_bad(xp, t, bad)
        v.fail(_MLM, "target", f"class indices in 0..{c - 1}, or -1 to end the list (pred has C={c} columns)",
               f"{count} entr(ies) outside, the first {v.fmt(value)} at {where}",
               "each row lists the example's classes, padded with -1: [2, 0, -1, -1] for classes 0 and 2")
    listed = _listed(xp, t)
    repeated = xp.sum(xp.astype(listed, xp.int64), axis=1) > 1
    if bool(xp.any(repeated)):
        row = int(xp.argmax(xp.astype(xp.any(repeated, axis=1), xp.int64)))
        v.fail(_MLM, "target", "each class listed at most once in a row", f"a class listed twice in row {row}",
               "list every class of the example once, then -1")


def _listed(xp: Namespace, t: Array) -> Array:
    """(N, C list position, C class): True where the row's entry at that position (before its first -1) is the
    class; O(N C^2), as PyTorch's own loop."""
    c = int(t.shape[1])
    before_end = xp.cumulative_sum(xp.astype(t == -1, xp.int64), axis=1) == 0
    classes = xp.reshape(xp.arange(c, dtype=t.dtype), (1, 1, c))
    return (xp.reshape(t, (-1, c, 1)) == classes) & xp.reshape(before_end, (-1, c, 1))


def index_rows_to_mask(xp: Namespace, target: Array) -> Array:
    """Rows of class indices padded with -1 -> (N, C) 0/1 masks of the listed classes (checked first)."""
    if is_lazy(xp):
        target = target.rechunk({1: -1})  # a row's list is read whole
    target = on_blocks(xp, target, _check_index_rows)
    return xp.astype(xp.any(_listed(xp, target), axis=1), target.dtype)


def _pair_margins(xp: Namespace, pred: Array, mask: Array) -> tuple[Array, Array]:
    """(1 - z_j + z_i over the pairs j listed, i not, (N, C, C); the pairs that count, as 0/1)."""
    c = int(pred.shape[1])
    gap = 1.0 - xp.reshape(pred, (-1, c, 1)) + xp.reshape(pred, (-1, 1, c))
    pairs = xp.reshape(mask, (-1, c, 1)) * (1.0 - xp.reshape(mask, (-1, 1, c)))
    return gap, pairs


def multilabel_margin_value(xp: Namespace, pred: Array, target: Array) -> Array:
    gap, pairs = _pair_margins(xp, pred, target)
    return xp.sum(xp.sum(pairs * relu(xp, gap), axis=2), axis=1) / float(pred.shape[1])


def multilabel_margin_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    # slope 0 on the margin itself (1 - z_j + z_i = 0), as PyTorch's backward takes it
    gap, pairs = _pair_margins(xp, pred, target)
    active = pairs * xp.astype(gap > 0, pred.dtype) / float(pred.shape[1])
    return xp.sum(active, axis=1) - xp.sum(active, axis=2)


def _multilabel_margin_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    gap, pairs = _pair_margins(np, p, t)
    hinge = pairs * np.maximum(gap, 0.0)
    return {}, {"target": t, "pred": p, "hinge": np.sum(hinge, axis=2) + np.sum(hinge, axis=1)}


register(LossDefinition(
    name=_MLM,
    steps=_multilabel_margin_steps,
    fast=fast.MULTILABEL_MARGIN,
    aliases=("multi_label_margin", "multilabel_margin_loss"),
    task="multiclass",
    kind="rows",
    value=multilabel_margin_value,
    grad=multilabel_margin_grad,
    latex=r"\ell_i = \frac{1}{C}\sum_{j \in Y_i}\sum_{c \notin Y_i}\max(0,\ 1 - (z_{ij} - z_{ic}))",
    plain="l_i = sum over listed classes j and unlisted classes c of max(0, 1 - (z_j - z_c)), divided by C; the "
          "target row lists the classes Y_i as indices, padded with -1 (PyTorch's MultiLabelMarginLoss)",
    summary="Multi-label margin loss: every listed class must outscore every unlisted one by a margin of 1.",
    equivalents={"pytorch": "torch.nn.MultiLabelMarginLoss", "keras": "-", "optax": "-", "sklearn": "-"},
    reference="PyTorch's MultiLabelMarginLoss; Weston & Watkins, Support vector machines for multi-class pattern "
              "recognition (ESANN 1999); Crammer & Singer (2003).",
    target_domain=lambda params: "real",
    prepare_target=index_rows_to_mask,
    pred_hint=None,
    trainable=False,
    untrainable_reason="index_targets",
    builtin=True,
))
