"""More binary (and multi-label) losses: the Brier score, the soft margin (logistic) and perceptron losses on
signed labels, PyTorch's multi-label soft margin, and the hinge embedding loss on distances.

The binary family continued (``binary.py`` holds cross-entropy, focal and the hinges). Inputs are (N,) or (N, K)
multi-label; the per-example loss is the mean over the K labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._numeric import sigmoid
from ..errors import LossInputError
from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition, Param, number
from ._params import PositiveWeights
from ._registry import register
from ._stable import relu, sigmoid_pair, softplus
from .binary import FROM_LOGITS_PARAM, probability_unless_logits, signed_labels
from .fast.margins import HINGE_EMBEDDING, MULTILABEL_SOFT_MARGIN, SOFT_MARGIN


# ------------------------------------------------------------------------------------- explanation steps
def _brier_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    cols: Columns = {"pred": p, "target": t}
    prob = sigmoid(p) if params["from_logits"] else p
    if params["from_logits"]:
        cols["prob"] = prob
    e = prob - t
    cols["error"] = e
    cols["squared_error"] = e * e
    return cols, {}


def _signed_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    signed = np.where(t == 0, -1.0, t)
    return {"pred": p, "target": signed, "margin": signed * p}, {}


def _multilabel_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob = sigmoid(p)
    p_true = t * prob + (1 - t) * (1 - prob)
    return {"pred": p, "target": t, "prob": prob, "prob_true": p_true,
            "neg_log_prob": -np.log(np.where(p_true > 0, p_true, np.nan))}, {}


def _hinge_embedding_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    signed = np.where(t == 0, -1.0, t)
    inside = (signed < 0) & (p < params["margin"])
    branch = np.where(signed > 0, "linear", np.where(inside, "inside_margin", "outside_margin"))
    return {"pred": p, "target": signed, "branch": branch}, {}


# ---------------------------------------------------------------------------------------------------------- brier
def brier_value(xp: Namespace, pred: Array, target: Array, from_logits: bool) -> Array:
    if from_logits:
        sig, sig_neg = sigmoid_pair(xp, pred)
        # p - t as t (p - 1) + (1 - t) p = (1 - t) sigmoid(z) - t sigmoid(-z): no 1 - p rounding for t = 1
        e = (1.0 - target) * sig - target * sig_neg
    else:
        e = pred - target
    return e * e


def brier_grad(xp: Namespace, pred: Array, target: Array, from_logits: bool) -> Array:
    if from_logits:
        sig, sig_neg = sigmoid_pair(xp, pred)
        return 2.0 * ((1.0 - target) * sig - target * sig_neg) * (sig * sig_neg)
    return 2.0 * (pred - target)


register(LossDefinition(
    name="brier",
    steps=_brier_steps,
    aliases=("brier_score", "brier_score_loss"),
    task="binary",
    kind="elementwise",
    params=(FROM_LOGITS_PARAM,),
    value=brier_value,
    grad=brier_grad,
    latex=r"\ell = (p - t)^2,\quad p = \sigma(z)\ \text{with logits}",
    plain="l = (p - t)^2 with p the probability of the positive class (p = sigmoid(z) with logits)",
    summary="Brier score: the squared gap between the predicted probability and the 0/1 outcome.",
    equivalents={"pytorch": "torch.nn.MSELoss()(torch.sigmoid(z), t)", "keras": "-", "optax": "-",
                 "sklearn": "sklearn.metrics.brier_score_loss(t, p) (binary)"},
    reference="Brier, Verification of forecasts expressed in terms of probability, Monthly Weather Review 78 (1950).",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))


# -------------------------------------------------------------------------------------------------- soft margin
def soft_margin_value(xp: Namespace, pred: Array, target: Array) -> Array:
    return softplus(xp, -(target * pred))  # log(1 + e^{-t z}), exact for any margin


def soft_margin_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    _, sig_neg = sigmoid_pair(xp, target * pred)
    return -target * sig_neg


register(LossDefinition(
    name="soft_margin",
    steps=_signed_steps,
    fast=SOFT_MARGIN,
    aliases=("logistic_loss", "soft_margin_loss"),
    task="binary",
    kind="elementwise",
    value=soft_margin_value,
    grad=soft_margin_grad,
    latex=r"\ell = \log\big(1 + e^{-t\,z}\big),\quad t \in \{-1, +1\}",
    plain="l = log(1 + exp(-t z)); t in {-1, +1} (0/1 labels are converted); z a raw score",
    summary="Soft margin (logistic) loss: binary cross-entropy on raw scores, written with ±1 labels.",
    equivalents={"pytorch": "torch.nn.SoftMarginLoss", "keras": "-", "optax": "-",
                 "sklearn": "sklearn.linear_model.SGDClassifier(loss='log_loss') (its training loss)"},
    reference="Hastie, Tibshirani & Friedman, The Elements of Statistical Learning (2009), sec. 10.6 and 12.3.2.",
    target_domain=lambda params: "signed_or_binary",
    prepare_target=signed_labels,
    builtin=True,
))


# --------------------------------------------------------------------------------------------------- perceptron
def perceptron_value(xp: Namespace, pred: Array, target: Array) -> Array:
    return relu(xp, -(target * pred))  # slope 0 on the boundary t z = 0, the subgradient perceptron_grad takes


def perceptron_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return xp.where(target * pred < 0, -target, xp.zeros_like(target))


register(LossDefinition(
    name="perceptron",
    steps=_signed_steps,
    aliases=("perceptron_loss",),
    task="binary",
    kind="elementwise",
    value=perceptron_value,
    grad=perceptron_grad,
    latex=r"\ell = \max(0,\ -t\,z),\quad t \in \{-1, +1\}",
    plain="l = max(0, -t z); t in {-1, +1} (0/1 labels are converted); 0 on the boundary z = 0",
    summary="Perceptron loss: the score's size when it is on the wrong side, 0 otherwise (a hinge with no margin).",
    equivalents={"pytorch": "-", "keras": "-", "optax": "optax.losses.perceptron_loss",
                 "sklearn": "sklearn.linear_model.Perceptron / SGDClassifier(loss='perceptron') (its training loss)"},
    reference="Rosenblatt, The perceptron, Psychological Review 65 (1958); Bishop, PRML (2006), sec. 4.1.7.",
    target_domain=lambda params: "signed_or_binary",
    prepare_target=signed_labels,
    builtin=True,
))


# ----------------------------------------------------------------------------------------- multi-label soft margin
def _label_weight(xp: Namespace, like: Array, label_weight: Any) -> Any:
    if label_weight is None:
        return 1.0
    if isinstance(label_weight, float):
        return label_weight
    k = int(like.shape[1])
    if len(label_weight) not in (1, k):
        raise LossInputError("multilabel_soft_margin", "label_weight", f"one weight per label: {k} for pred with "
                             f"{k} label(s) per example", f"{len(label_weight)} weights",
                             "pass a single number to weight every label alike")
    return xp.reshape(xp.asarray(label_weight, dtype=like.dtype), (1, -1))


def multilabel_soft_margin_value(xp: Namespace, pred: Array, target: Array, label_weight: Any) -> Array:
    w = _label_weight(xp, pred, label_weight)
    return w * (target * softplus(xp, -pred) + (1.0 - target) * softplus(xp, pred))


def multilabel_soft_margin_grad(xp: Namespace, pred: Array, target: Array, label_weight: Any) -> Array:
    w = _label_weight(xp, pred, label_weight)
    sig, sig_neg = sigmoid_pair(xp, pred)
    return w * ((1.0 - target) * sig - target * sig_neg)


register(LossDefinition(
    name="multilabel_soft_margin",
    fast=MULTILABEL_SOFT_MARGIN,
    steps=_multilabel_steps,
    aliases=("multi_label_soft_margin", "multilabel_soft_margin_loss"),
    task="binary",
    kind="elementwise",
    params=(Param("label_weight", None, "weight of each label's term (a number, or one per label); None: 1",
                  constraint=PositiveWeights(), role="weighting"),),
    value=multilabel_soft_margin_value,
    grad=multilabel_soft_margin_grad,
    latex=r"\ell_i = -\frac{1}{K}\sum_k w_k\big(t_{ik}\log\sigma(z_{ik}) + (1 - t_{ik})\log\sigma(-z_{ik})\big)",
    plain="l_i = -mean_k w_k (t_ik log sigmoid(z_ik) + (1 - t_ik) log sigmoid(-z_ik)); z raw scores, t in [0, 1]",
    summary="Multi-label soft margin: one sigmoid cross-entropy per label on raw scores, averaged over the labels.",
    equivalents={"pytorch": "torch.nn.MultiLabelSoftMarginLoss(weight=...)",
                 "keras": "keras.losses.BinaryCrossentropy(from_logits=True) (without label weights)",
                 "optax": "optax.losses.sigmoid_binary_cross_entropy(z, t).mean(-1)", "sklearn": "-"},
    reference="PyTorch's MultiLabelSoftMarginLoss; Tsoumakas & Katakis, Multi-label classification: an overview "
              "(2007).",
    target_domain=lambda params: "probability",
    builtin=True,
))


# --------------------------------------------------------------------------------------------- hinge embedding
def hinge_embedding_value(xp: Namespace, pred: Array, target: Array, margin: float) -> Array:
    return xp.where(target > 0, pred, relu(xp, margin - pred))


def hinge_embedding_grad(xp: Namespace, pred: Array, target: Array, margin: float) -> Array:
    push = xp.where(pred < margin, -xp.ones_like(pred), xp.zeros_like(pred))
    return xp.where(target > 0, xp.ones_like(pred), push)


register(LossDefinition(
    name="hinge_embedding",
    fast=HINGE_EMBEDDING,
    steps=_hinge_embedding_steps,
    aliases=("hinge_embedding_loss",),
    task="binary",
    kind="elementwise",
    params=(Param("margin", 1.0, "how far apart a dissimilar pair must be before it costs nothing",
                  constraint=number(low=0.0, low_open=True), slider=(0.1, 3.0, 0.05)),),
    value=hinge_embedding_value,
    grad=hinge_embedding_grad,
    latex=r"\ell = \begin{cases} d & t = +1\\ \max(0,\ m - d) & t = -1\end{cases}",
    plain="l = d for a similar pair (t = +1), max(0, margin - d) for a dissimilar one (t = -1 or 0); "
          "d >= 0 a distance",
    summary="Hinge embedding loss: pulls similar pairs together and pushes dissimilar ones beyond a margin.",
    equivalents={"pytorch": "torch.nn.HingeEmbeddingLoss(margin=...)", "keras": "-", "optax": "-", "sklearn": "-"},
    reference="Hadsell, Chopra & LeCun, Dimensionality reduction by learning an invariant mapping (CVPR 2006); "
              "PyTorch's HingeEmbeddingLoss.",
    pred_domain=lambda params: "nonnegative",
    target_domain=lambda params: "signed_or_binary",
    prepare_target=signed_labels,
    pred_hint="the input is a distance between two embeddings (such as an L1 or L2 distance), which is never "
              "negative",
    builtin=True,
))
