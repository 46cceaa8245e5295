"""Multi-class losses on rows of class scores: categorical / sparse cross-entropy, focal, and margin losses.

``pred`` is (N, C) or (C,) for one example. Targets are one-hot or probability rows of the same shape, or integer
labels (N,) for the sparse and margin losses; the machinery turns labels into one-hot rows before these functions
run, so each function sees (N, C) float arrays and returns (N,) losses or (N, C) gradients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition, Param, number
from ._params import ClassWeights, Options
from ._registry import register
from ._stable import clip_probability, differentiable, relu, softmax_parts
from .binary import EPS_PARAM, FROM_LOGITS_PARAM, PROBABILITY_EPS, focal_modulation, probability_unless_logits
from .fast import rows as fast


def _smooth(target: Array, label_smoothing: float) -> Array:
    if label_smoothing == 0.0:
        return target
    c = target.shape[1]
    return target * (1.0 - label_smoothing) + label_smoothing / c


# ------------------------------------------------------------------------------------- explanation steps
# Named columns on the user's own numbers (NumPy float64, laid out (N, K) or (N, C)); the names are the [ui]
# keys of explain/texts, so every renderer can translate them. The loss itself always comes from the value.
def _class_probs(p: np.ndarray, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, log-probabilities) of each class, after a softmax when the input holds logits."""
    if params.get("from_logits"):
        parts = softmax_parts(np, p)
        return parts.prob(), parts.log_prob()
    clipped = np.clip(p, params.get("eps", 1e-7), 1.0 - params.get("eps", 1e-7))
    return clipped, np.log(clipped)


def _labels_of(t: np.ndarray) -> np.ndarray:
    return np.argmax(t, axis=1)


def _cce_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob, log_prob = _class_probs(p, params)
    c = p.shape[1]
    ls = params["label_smoothing"]
    ts = t * (1 - ls) + ls / c
    y = _labels_of(t)
    rows = np.arange(p.shape[0])
    per_example: Columns = {"true_class": y, "prob_true": prob[rows, y], "neg_log_prob": -log_prob[rows, y]}
    per_class: Columns = {"target": t, "prob": prob, "term": -ts * log_prob}
    if ls:
        per_class["target_smoothed"] = ts
    return per_example, per_class


def _cat_focal_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob, log_prob = _class_probs(p, params)
    y = _labels_of(t)
    rows = np.arange(p.shape[0])
    modulation = (1 - prob) ** params["gamma"]
    per_example: Columns = {"true_class": y, "prob_true": prob[rows, y], "neg_log_prob": -log_prob[rows, y],
                            "modulation": modulation[rows, y]}
    per_class: Columns = {"target": t, "prob": prob, "modulation": modulation,
                          "term": -params["alpha"] * t * modulation * log_prob}
    return per_example, per_class


def _margin_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    y = _labels_of(t)
    rows = np.arange(p.shape[0])
    wrong = np.where(np.arange(p.shape[1])[None, :] == y[:, None], -np.inf, p)
    best_wrong = wrong.max(axis=1) if p.shape[1] > 1 else np.full(p.shape[0], -np.inf)
    return {"true_class": y, "score_true": p[rows, y], "best_wrong": best_wrong}, {"pred": p}



# -------------------------------------------------------------------------------------------------- cross-entropy
def cce_value(
    xp: Namespace, pred: Array, target: Array, from_logits: bool, label_smoothing: float, eps: float, **_: Any
) -> Array:
    t = _smooth(target, label_smoothing)
    if from_logits:
        parts = softmax_parts(xp, pred)
        # -log softmax_c = gap_c + log1p(s): no cancellation even for a row like [500, 0, 0]
        return xp.sum(t * (parts.gap + parts.log1p_s), axis=1)
    pc, _ = clip_probability(xp, pred, eps)
    return -xp.sum(t * xp.log(pc), axis=1)


def cce_grad(
    xp: Namespace, pred: Array, target: Array, from_logits: bool, label_smoothing: float, eps: float, **_: Any
) -> Array:
    t = _smooth(target, label_smoothing)
    if from_logits:
        parts = softmax_parts(xp, pred)
        total = xp.sum(t, axis=1, keepdims=True)
        # softmax * sum(t) - t, regrouped over (1 + s) so the true class's 1 - p keeps its precision
        numer = parts.other * total + (parts.argmax_onehot * total - t) - t * parts.s
        return numer / (1.0 + parts.s)
    pc, inside = clip_probability(xp, pred, eps)
    return -(t / pc) * inside


_SMOOTHING = Param("label_smoothing", 0.0, "mix the target with the uniform distribution: t' = t (1 - ls) + ls / C",
                   constraint=number(low=0.0, high=1.0, high_open=True), slider=(0.0, 0.3, 0.01))
_CLASS_WEIGHT = Param("class_weight", None, "weight of each class, applied to whole examples by their true class",
                      constraint=ClassWeights(), role="example_weight")



_CE_LATEX = r"\ell_i = -\sum_c t'_{ic}\log p_{ic},\quad p = \mathrm{softmax}(z)\ \text{with logits}"

register(LossDefinition(
    name="categorical_cross_entropy",
    label_variant="sparse_categorical_cross_entropy",
    steps=_cce_steps,
    fast=fast.CATEGORICAL_CROSS_ENTROPY,
    aliases=("cce", "cross_entropy", "categorical_crossentropy"),
    task="multiclass",
    kind="rows",
    params=(FROM_LOGITS_PARAM, _SMOOTHING, _CLASS_WEIGHT, EPS_PARAM),
    value=cce_value,
    grad=cce_grad,
    latex=_CE_LATEX,
    plain="l_i = -sum_c t_ic log p_ic (t: one-hot or probability rows; p = softmax(z) with logits)",
    summary="Categorical cross-entropy: -log of the probability given to the true class (one-hot or probability "
            "target rows; class_weight uses each row's arg-max as its class).",
    equivalents={"pytorch": "torch.nn.CrossEntropyLoss (logits; probability targets)",
                 "keras": "keras.losses.CategoricalCrossentropy", "sklearn": "sklearn.metrics.log_loss"},
    reference="Shannon (1948); Goodfellow, Bengio & Courville, Deep Learning (2016), sec. 6.2.2.3.",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))

register(LossDefinition(
    name="sparse_categorical_cross_entropy",
    steps=_cce_steps,
    fast=fast.SPARSE_CATEGORICAL_CROSS_ENTROPY,
    aliases=("sparse_cce", "sparse_categorical_crossentropy"),
    task="multiclass",
    kind="rows",
    params=(FROM_LOGITS_PARAM, _SMOOTHING, _CLASS_WEIGHT, EPS_PARAM,
            Param("ignore_index", None, "examples with this label are skipped (e.g. -100 for padding)",
                  constraint=number(integer=True, allow_none=True, words="None or an integer"),
                  role="skip")),
    value=cce_value,
    grad=cce_grad,
    latex=r"\ell_i = -\log p_{i, y_i}\quad(\text{with smoothing: } -\sum_c t'_{ic}\log p_{ic})",
    plain="l_i = -log p_i[y_i] (y_i: integer label)",
    summary="Sparse categorical cross-entropy: the same as categorical, with integer labels instead of one-hot.",
    equivalents={"pytorch": "torch.nn.CrossEntropyLoss (logits); torch.nn.NLLLoss on log-probabilities is 'nll'",
                 "keras": "keras.losses.SparseCategoricalCrossentropy", "sklearn": "sklearn.metrics.log_loss"},
    reference="Goodfellow, Bengio & Courville, Deep Learning (2016), sec. 6.2.2.3.",
    target_format="labels",
    pred_domain=probability_unless_logits,
    builtin=True,
))


# ---------------------------------------------------------------------------------------------------------- focal
def categorical_focal_value(
    xp: Namespace, pred: Array, target: Array, gamma: float, alpha: float, from_logits: bool
) -> Array:
    if from_logits:
        parts = softmax_parts(xp, pred)
        log_p = parts.log_prob()
        q = parts.one_minus_prob(xp)
    else:
        pc, _ = clip_probability(xp, pred, PROBABILITY_EPS)
        log_p = xp.log(pc)
        q = 1.0 - pc
    m, _ = focal_modulation(xp, q, gamma)
    return -alpha * xp.sum(target * m * log_p, axis=1)


def categorical_focal_grad(
    xp: Namespace, pred: Array, target: Array, gamma: float, alpha: float, from_logits: bool
) -> Array:
    if from_logits:
        parts = softmax_parts(xp, pred)
        log_p = parts.log_prob()
        p = parts.prob()
        q = parts.one_minus_prob(xp)
        m, dm = focal_modulation(xp, q, gamma)
        # u_c = p_c * dl/dp_c, finite even where p_c underflows; then the softmax chain rule u - p * sum(u),
        # regrouped as u (1 - p) - p * (sum(u) - u) so that a confident true class's 1 - p (~e^-500) is not lost
        # in 1 - p rounding to 0
        u = -alpha * target * (m - dm * p * log_p)
        others = xp.sum(u, axis=1, keepdims=True) - u
        return u * q - p * others
    pc, inside = clip_probability(xp, pred, PROBABILITY_EPS)
    q = 1.0 - pc
    m, dm = focal_modulation(xp, q, gamma)
    return -alpha * target * (m / pc - dm * xp.log(pc)) * inside


register(LossDefinition(
    name="categorical_focal",
    steps=_cat_focal_steps,
    aliases=("categorical_focal_loss", "softmax_focal"),
    task="multiclass",
    kind="rows",
    params=(
        Param("gamma", 2.0, "focusing strength: how much easy, well-classified examples are down-weighted",
              constraint=number(low=0.0), slider=(0.0, 5.0, 0.1)),
        Param("alpha", 0.25, "overall weight of the loss", constraint=number(low=0.0, low_open=True), role="weighting"),
        FROM_LOGITS_PARAM,
    ),
    value=categorical_focal_value,
    grad=categorical_focal_grad,
    latex=r"\ell_i = -\alpha\sum_c t_{ic}(1 - p_{ic})^{\gamma}\log p_{ic}",
    plain="l_i = -alpha sum_c t_ic (1 - p_ic)^gamma log p_ic",
    summary="Categorical focal loss: cross-entropy that fades for classes the model already predicts well.",
    equivalents={"pytorch": "-", "keras": "keras.losses.CategoricalFocalCrossentropy (renormalizes rows; we do not)",
                 "sklearn": "-"},
    reference="Lin et al., Focal Loss for Dense Object Detection (ICCV 2017).",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))


# --------------------------------------------------------------------------------------------------- margin losses
def _true_class(xp: Namespace, target: Array) -> Array:
    """One-hot of each row's true class (the arg-max of a one-hot or probability target row)."""
    n, c = target.shape
    y = xp.argmax(target, axis=1)
    return xp.astype(xp.reshape(y, (n, 1)) == xp.reshape(xp.arange(c, dtype=y.dtype), (1, c)), target.dtype)


def _best_wrong(xp: Namespace, pred: Array, true: Array) -> tuple[Array, Array]:
    """(the highest score among the wrong classes, one-hot of where it is)."""
    n, c = pred.shape
    masked = xp.where(true > 0, xp.full_like(pred, -xp.inf), pred)
    j = xp.argmax(masked, axis=1)
    onehot = xp.astype(xp.reshape(j, (n, 1)) == xp.reshape(xp.arange(c, dtype=j.dtype), (1, c)), pred.dtype)
    return xp.max(masked, axis=1), onehot


def categorical_hinge_value(xp: Namespace, pred: Array, target: Array) -> Array:
    true = _true_class(xp, target)
    if pred.shape[1] == 1:
        # no wrong class, no loss; still a function of pred, so that autograd finds a (zero) gradient
        return xp.sum(0.0 * pred, axis=1) + 0.0
    neg, wrong = _best_wrong(xp, pred, true)
    if differentiable(pred):
        # the score of the *first* best wrong class, as the gradient picks it (a max would split the gradient
        # between tied wrong classes)
        neg = xp.sum(wrong * pred, axis=1)
    pos = xp.sum(true * pred, axis=1)
    # relu: slope 0 exactly on the margin, the subgradient categorical_hinge_grad takes
    return relu(xp, 1.0 + neg - pos)


def categorical_hinge_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    true = _true_class(xp, target)
    if pred.shape[1] == 1:
        return xp.zeros_like(pred)
    neg, wrong = _best_wrong(xp, pred, true)
    pos = xp.sum(true * pred, axis=1)
    active = xp.astype(1.0 + neg - pos > 0, pred.dtype)
    return (wrong - true) * xp.reshape(active, (-1, 1))


register(LossDefinition(
    name="categorical_hinge",
    steps=_margin_steps,
    aliases=("crammer_singer",),
    task="multiclass",
    kind="rows",
    value=categorical_hinge_value,
    grad=categorical_hinge_grad,
    latex=r"\ell_i = \max\big(0,\ 1 + \max_{j \ne y_i} p_{ij} - p_{i y_i}\big)",
    plain="l_i = max(0, 1 + max_{j != y} p_ij - p_iy)",
    summary="Categorical hinge: the true class must beat the best wrong class by a margin of 1.",
    equivalents={"pytorch": "-",
                 "keras": "keras.losses.CategoricalHinge (takes max((1 - t) p), which differs when all wrong "
                          "scores are negative)",
                 "sklearn": "sklearn.metrics.hinge_loss (multi-class)"},
    reference="Crammer & Singer, On the Algorithmic Implementation of Multiclass Kernel-based Vector Machines (2001).",
    target_format="labels_or_same",
    target_domain=lambda params: "probability",
    builtin=True,
))


def multi_margin_value(xp: Namespace, pred: Array, target: Array, margin: float, p: int) -> Array:
    true = _true_class(xp, target)
    c = pred.shape[1]
    score_true = xp.sum(true * pred, axis=1, keepdims=True)
    # relu: slope 0 exactly on the margin, the subgradient multi_margin_grad takes
    h = xp.where(true > 0, xp.zeros_like(pred), relu(xp, margin - score_true + pred))
    return xp.sum(h if p == 1 else h * h, axis=1) / c


def multi_margin_grad(xp: Namespace, pred: Array, target: Array, margin: float, p: int) -> Array:
    true = _true_class(xp, target)
    c = pred.shape[1]
    score_true = xp.sum(true * pred, axis=1, keepdims=True)
    h = xp.where(true > 0, xp.zeros_like(pred), xp.clip(margin - score_true + pred, 0.0, None))
    d = (xp.astype(h > 0, pred.dtype) if p == 1 else 2.0 * h) / c
    return d - true * xp.sum(d, axis=1, keepdims=True)


register(LossDefinition(
    name="multi_margin",
    steps=_margin_steps,
    aliases=("multi_class_hinge", "weston_watkins"),
    task="multiclass",
    kind="rows",
    params=(
        Param("margin", 1.0, "how far the true class must lead each wrong class",
              constraint=number(low=0.0, low_open=True), slider=(0.1, 3.0, 0.05)),
        Param("p", 1, "1 for the hinge, 2 for the squared hinge on each wrong class",
              constraint=Options((1, 2))),
    ),
    value=multi_margin_value,
    grad=multi_margin_grad,
    latex=r"\ell_i = \frac{1}{C}\sum_{j \ne y_i}\max\big(0,\ m - p_{i y_i} + p_{ij}\big)^{P}",
    plain="l_i = sum_{j != y} max(0, margin - p_iy + p_ij)^p / C",
    summary="Multi-class margin loss: every wrong class that comes within the margin of the true one adds a cost.",
    equivalents={"pytorch": "torch.nn.MultiMarginLoss(p=..., margin=...)", "keras": "-", "sklearn": "-"},
    reference="Weston & Watkins, Support Vector Machines for Multi-Class Pattern Recognition (ESANN 1999).",
    target_format="labels_or_same",
    target_domain=lambda params: "probability",
    builtin=True,
))
