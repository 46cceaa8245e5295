"""Binary (and multi-label) classification losses: cross-entropy, focal, and the hinge family.

Inputs are (N,) or (N, K) multi-label; the per-example loss is the mean over the K labels. Cross-entropy and
focal take probabilities by default and raw scores with ``from_logits=True``; hinge losses take raw scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._numeric import sigmoid
from ..errors import LossInputError
from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition, Param, boolean, number
from ._params import PositiveWeights
from ._registry import register
from ._stable import clip_probability, differentiable, relu, sigmoid_pair, softplus
from .fast import binary as fast

PROBABILITY_EPS = 1e-7  # Keras's backend epsilon: the clip used by the probability paths


def _smooth(target: Array, label_smoothing: float) -> Array:
    return target if label_smoothing == 0.0 else target * (1.0 - label_smoothing) + 0.5 * label_smoothing


def _pos_weight(xp: Namespace, like: Array, pos_weight: Any) -> Any:
    if pos_weight is None:
        return 1.0
    if isinstance(pos_weight, float):
        return pos_weight
    k = int(like.shape[1])
    if len(pos_weight) not in (1, k):
        raise LossInputError("binary_cross_entropy", "pos_weight", f"one weight per label: {k} for pred with "
                             f"{k} label(s) per example", f"{len(pos_weight)} weights",
                             "pass a single number to weight every label alike")
    return xp.reshape(xp.asarray(pos_weight, dtype=like.dtype), (1, -1))


# ------------------------------------------------------------------------------------- explanation steps
# Named columns on the user's own numbers (NumPy float64, laid out (N, K) or (N, C)); the names are the [ui]
# keys of explain/texts, so every renderer can translate them. The loss itself always comes from the value.
def _prob(p: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
    if params.get("from_logits"):
        return sigmoid(p)
    return np.clip(p, params.get("eps", 1e-7), 1.0 - params.get("eps", 1e-7))


def _bce_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
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


def _binary_focal_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
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


def _hinge_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    signed = np.where(t == 0, -1.0, t)
    margin = signed * p
    return {"pred": p, "target": signed, "margin": margin, "hinge": np.maximum(0.0, 1.0 - margin)}, {}



# -------------------------------------------------------------------------------------------------- cross-entropy
def bce_value(
    xp: Namespace, pred: Array, target: Array, from_logits: bool, label_smoothing: float, pos_weight: Any, eps: float
) -> Array:
    t = _smooth(target, label_smoothing)
    a = _pos_weight(xp, pred, pos_weight)
    if from_logits:
        # -log sigmoid(z) = softplus(-z), -log(1 - sigmoid(z)) = softplus(z)
        return a * t * softplus(xp, -pred) + (1.0 - t) * softplus(xp, pred)
    pc, _ = clip_probability(xp, pred, eps)
    return -(a * t * xp.log(pc) + (1.0 - t) * xp.log1p(-pc))


def bce_grad(
    xp: Namespace, pred: Array, target: Array, from_logits: bool, label_smoothing: float, pos_weight: Any, eps: float
) -> Array:
    t = _smooth(target, label_smoothing)
    a = _pos_weight(xp, pred, pos_weight)
    if from_logits:
        sig, sig_neg = sigmoid_pair(xp, pred)
        return (1.0 - t) * sig - a * t * sig_neg
    pc, inside = clip_probability(xp, pred, eps)
    return (-(a * t) / pc + (1.0 - t) / (1.0 - pc)) * inside


FROM_LOGITS_PARAM = Param("from_logits", False, "pred holds raw scores (logits) rather than probabilities",
                     constraint=boolean, role="input")
_SMOOTHING = Param("label_smoothing", 0.0, "pull hard 0/1 targets toward 1/2: t' = t (1 - ls) + ls / 2",
                   constraint=number(low=0.0, high=1.0, high_open=True), slider=(0.0, 0.3, 0.01))
EPS_PARAM = Param("eps", PROBABILITY_EPS, "probabilities are clipped to [eps, 1 - eps]",
             constraint=number(low=0.0, high=0.5, low_open=True, high_open=True), role="numerics")


def probability_unless_logits(params: Any) -> Any:
    return "real" if params["from_logits"] else "probability"


register(LossDefinition(
    name="binary_cross_entropy",
    steps=_bce_steps,
    fast=fast.BINARY_CROSS_ENTROPY,
    aliases=("bce", "log_loss", "binary_crossentropy"),
    task="binary",
    kind="elementwise",
    params=(
        FROM_LOGITS_PARAM,
        _SMOOTHING,
        Param("pos_weight", None, "weight of the positive term (a number, or one per label)",
              constraint=PositiveWeights(), role="weighting", slider=(0.25, 10.0, 0.25)),
        EPS_PARAM,
    ),
    value=bce_value,
    grad=bce_grad,
    latex=r"\ell = -\big(a\,t\log p + (1 - t)\log(1 - p)\big),\quad p = \sigma(z)\ \text{with logits}",
    plain="l = -(a t log p + (1 - t) log(1 - p)); a = pos_weight (1 if unset); p = sigmoid(z) with logits",
    summary="Binary cross-entropy (log loss): -log of the probability given to the true label.",
    equivalents={"pytorch": "torch.nn.BCELoss / torch.nn.BCEWithLogitsLoss(pos_weight=...)",
                 "keras": "keras.losses.BinaryCrossentropy(from_logits=..., label_smoothing=...)",
                 "sklearn": "sklearn.metrics.log_loss"},
    reference="Cox, The Regression Analysis of Binary Sequences (1958); Bishop, PRML sec. 4.3.2.",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))


# ---------------------------------------------------------------------------------------------------------- focal
def _focal_parts(xp: Namespace, pred: Array, target: Array, from_logits: bool) -> tuple[Array, ...]:
    """(cross-entropy c, q = 1 - p_t, dc/dpred, dq/dpred) for logits or clipped probabilities."""
    t = target
    if from_logits:
        sig, sig_neg = sigmoid_pair(xp, pred)
        c = t * softplus(xp, -pred) + (1.0 - t) * softplus(xp, pred)
        q = t * sig_neg + (1.0 - t) * sig
        dc = (1.0 - t) * sig - t * sig_neg
        dq = (1.0 - 2.0 * t) * sig * sig_neg
        return c, q, dc, dq
    pc, inside = clip_probability(xp, pred, PROBABILITY_EPS)
    c = -(t * xp.log(pc) + (1.0 - t) * xp.log1p(-pc))
    q = t * (1.0 - pc) + (1.0 - t) * pc
    dc = (-t / pc + (1.0 - t) / (1.0 - pc)) * inside
    dq = (1.0 - 2.0 * t) * inside
    return c, q, dc, dq


def focal_modulation(xp: Namespace, q: Array, gamma: float) -> tuple[Array, Array]:
    """(q^gamma, d(q^gamma)/dq), with the derivative taken as 0 at q = 0 when gamma < 1 (a perfect prediction)."""
    if gamma == 0.0:
        return xp.ones_like(q), xp.zeros_like(q)
    if gamma < 1.0 and differentiable(q):
        # q^gamma has an infinite slope at q = 0 (a saturated, correct prediction), and inf * (dq = 0) is NaN in
        # autograd: take the power of a safe base there, so both branches are finite and the slope is 0 as below
        zero = q == 0
        m = xp.where(zero, xp.zeros_like(q), xp.where(zero, xp.ones_like(q), q) ** gamma)
    else:
        m = q**gamma
    if gamma >= 1.0:
        return m, gamma * q ** (gamma - 1.0)
    safe = xp.where(q > 0, q, xp.ones_like(q))
    return m, xp.where(q > 0, gamma * safe ** (gamma - 1.0), xp.zeros_like(q))


def _alpha_t(target: Array, alpha: float | None) -> Any:
    return 1.0 if alpha is None else alpha * target + (1.0 - alpha) * (1.0 - target)


def binary_focal_value(
    xp: Namespace, pred: Array, target: Array, gamma: float, alpha: float | None, from_logits: bool
) -> Array:
    c, q, _, _ = _focal_parts(xp, pred, target, from_logits)
    m, _ = focal_modulation(xp, q, gamma)
    return _alpha_t(target, alpha) * m * c


def binary_focal_grad(
    xp: Namespace, pred: Array, target: Array, gamma: float, alpha: float | None, from_logits: bool
) -> Array:
    c, q, dc, dq = _focal_parts(xp, pred, target, from_logits)
    m, dm = focal_modulation(xp, q, gamma)
    return _alpha_t(target, alpha) * (dm * dq * c + m * dc)


_GAMMA = Param("gamma", 2.0, "focusing strength: how much easy, well-classified examples are down-weighted",
               constraint=number(low=0.0), slider=(0.0, 5.0, 0.1))

register(LossDefinition(
    name="binary_focal",
    steps=_binary_focal_steps,
    fast=fast.BINARY_FOCAL,
    aliases=("binary_focal_loss", "sigmoid_focal"),
    task="binary",
    kind="elementwise",
    params=(
        _GAMMA,
        Param("alpha", None, "weight of the positive class (1 - alpha for the negative); None: no balancing",
              constraint=number(low=0.0, high=1.0, allow_none=True), role="weighting"),
        FROM_LOGITS_PARAM,
    ),
    value=binary_focal_value,
    grad=binary_focal_grad,
    latex=r"\ell = -\alpha_t (1 - p_t)^{\gamma}\log p_t,\quad p_t = t\,p + (1 - t)(1 - p)",
    plain="l = -a_t (1 - p_t)^gamma log p_t; p_t = p if t = 1 else 1 - p; a_t = alpha if t = 1 else 1 - alpha "
          "(a_t = 1 when alpha is None)",
    summary="Binary focal loss: cross-entropy that fades for examples the model already gets right.",
    equivalents={"pytorch": "torchvision.ops.sigmoid_focal_loss (alpha=-1 for None)",
                 "keras": "keras.losses.BinaryFocalCrossentropy(apply_class_balancing=alpha is not None)",
                 "sklearn": "-"},
    reference="Lin, Goyal, Girshick, He & Dollar, Focal Loss for Dense Object Detection (ICCV 2017).",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))


# ---------------------------------------------------------------------------------------------------------- hinge
def signed_labels(xp: Namespace, target: Array) -> Array:
    """{0, 1} -> {-1, +1}; {-1, +1} unchanged (the validation has refused a mix of both encodings)."""
    return xp.where(target == 0, xp.zeros_like(target) - 1.0, target)


def hinge_value(xp: Namespace, pred: Array, target: Array) -> Array:
    # relu: slope 0 on the hinge itself (t p = 1), the subgradient hinge_grad takes, for autograd too
    return relu(xp, 1.0 - target * pred)


def hinge_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    # inside the margin the slope is -t; on the hinge itself (t p = 1) we take the subgradient 0
    return xp.where(target * pred < 1.0, -target, xp.zeros_like(target))


def squared_hinge_value(xp: Namespace, pred: Array, target: Array) -> Array:
    h = relu(xp, 1.0 - target * pred)
    return h * h


def squared_hinge_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return -2.0 * target * xp.clip(1.0 - target * pred, 0.0, None)


for _name, _fast, _value, _grad, _latex, _plain, _summary, _keras, _ref in (
    ("hinge", fast.HINGE, hinge_value, hinge_grad, r"\ell = \max(0,\ 1 - t\,p),\quad t \in \{-1, +1\}",
     "l = max(0, 1 - t p); t in {-1, +1} (0/1 labels are converted)",
     "Hinge loss: zero once the score is on the right side with a margin of 1, linear otherwise.",
     "keras.losses.Hinge", "Cortes & Vapnik, Support-Vector Networks, Machine Learning 20 (1995)."),
    ("squared_hinge", fast.SQUARED_HINGE, squared_hinge_value, squared_hinge_grad, r"\ell = \max(0,\ 1 - t\,p)^2",
     "l = max(0, 1 - t p)^2; t in {-1, +1}",
     "Squared hinge: the hinge loss squared; smooth at the margin and harsher on large violations.",
     "keras.losses.SquaredHinge", "Lee & Mangasarian, SSVM: A Smooth Support Vector Machine (2001)."),
):
    register(LossDefinition(
        name=_name,
        task="binary",
        kind="elementwise",
        fast=_fast,
        steps=_hinge_steps,
        value=_value,
        grad=_grad,
        latex=_latex,
        plain=_plain,
        summary=_summary,
        equivalents={"pytorch": "-", "keras": _keras,
                     "sklearn": "sklearn.metrics.hinge_loss" if _name == "hinge" else "-"},
        reference=_ref,
        target_domain=lambda params: "signed_or_binary",
        prepare_target=signed_labels,
        builtin=True,
    ))
