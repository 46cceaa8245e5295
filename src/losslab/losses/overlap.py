"""Overlap losses for segmentation masks: soft Dice, Tversky, focal Tversky and soft Jaccard (IoU), one value per
mask.

Each example's row of K elements is one mask (pixels, voxels, or one class's channel flattened): ``pred`` holds
probabilities (or logits with ``from_logits=True``), ``target`` the mask in [0, 1]. A flat ``(N,)`` input is one
mask. With TP = sum p t, FP = sum p (1 - t), FN = sum (1 - p) t (soft counts) all three are

    loss = (alpha FP + beta FN) / (TP + alpha FP + beta FN + smooth)

(Tversky; Dice is alpha = beta = 1/2 with smooth/2, Jaccard alpha = beta = 1), computed as that ratio rather than
as 1 - (TP + smooth) / (...), which cancels for a near-perfect mask. An empty mask predicted empty scores 0: with
smooth > 0 as (0 + smooth) / (0 + smooth) = 1 overlap, and with smooth = 0 by the convention 0/0 := 0 loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._numeric import sigmoid
from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition, Param, number
from ._registry import register
from ._stable import sigmoid_pair
from .binary import FROM_LOGITS_PARAM, probability_unless_logits


# ------------------------------------------------------------------------------------- explanation steps
def _overlap_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob = sigmoid(p) if params["from_logits"] else p
    per_class: Columns = {"target": t, "pred": p}
    if params["from_logits"]:
        per_class["prob"] = prob
    per_example: Columns = {"true_positive": np.sum(prob * t, axis=1),
                            "false_positive": np.sum(prob * (1 - t), axis=1),
                            "false_negative": np.sum((1 - prob) * t, axis=1)}
    return per_example, per_class


# --------------------------------------------------------------------------------------------------- the kernel
def _probability(xp: Namespace, pred: Array, from_logits: bool) -> tuple[Array, Array, Array]:
    """(p, 1 - p, dp/dpred): through a sigmoid with logits (1 - p as sigmoid(-z), no rounding)."""
    if from_logits:
        sig, sig_neg = sigmoid_pair(xp, pred)
        return sig, sig_neg, sig * sig_neg
    return pred, 1.0 - pred, xp.ones_like(pred)


def _counts(xp: Namespace, p: Array, q: Array, t: Array, alpha: float, beta: float) -> tuple[Array, Array]:
    """(TP, alpha FP + beta FN) per row, each a sum of non-negative terms."""
    tp = xp.sum(p * t, axis=1, keepdims=True)
    mismatch = xp.sum(alpha * p * (1.0 - t) + beta * q * t, axis=1, keepdims=True)
    return tp, mismatch


def tversky_value(xp: Namespace, pred: Array, target: Array, alpha: float, beta: float, smooth: float,
                  from_logits: bool) -> Array:
    p, q, _ = _probability(xp, pred, from_logits)
    tp, mismatch = _counts(xp, p, q, target, alpha, beta)
    den = tp + mismatch + smooth
    positive = den > 0
    ratio = mismatch / xp.where(positive, den, xp.ones_like(den))
    return xp.reshape(xp.where(positive, ratio, xp.zeros_like(ratio)), (-1,))


def tversky_grad(xp: Namespace, pred: Array, target: Array, alpha: float, beta: float, smooth: float,
                 from_logits: bool) -> Array:
    # loss = A / (TP + A + s), A = alpha FP + beta FN; dTP/dp_k = t_k, dA/dp_k = alpha (1 - t_k) - beta t_k, so
    # dloss/dp_k = (dA_k (TP + s) - A t_k) / den^2
    p, q, dp = _probability(xp, pred, from_logits)
    tp, mismatch = _counts(xp, p, q, target, alpha, beta)
    den = tp + mismatch + smooth
    positive = den > 0
    safe = xp.where(positive, den, xp.ones_like(den))
    d_mismatch = alpha * (1.0 - target) - beta * target
    g = (d_mismatch * ((tp + smooth) / safe) - (mismatch / safe) * target) / safe
    return xp.where(positive, g * dp, xp.zeros_like(g))


def _smooth_param(default: float) -> Param:
    return Param("smooth", default, "added to the overlap and to its total: an empty mask predicted empty scores "
                 "0, and small masks are judged less harshly", constraint=number(low=0.0))


def dice_value(xp: Namespace, pred: Array, target: Array, smooth: float, from_logits: bool) -> Array:
    # 1 - (2 TP + s)/(sum p + sum t + s) is Tversky with alpha = beta = 1/2 and smooth s/2
    return tversky_value(xp, pred, target, 0.5, 0.5, 0.5 * smooth, from_logits)


def dice_grad(xp: Namespace, pred: Array, target: Array, smooth: float, from_logits: bool) -> Array:
    return tversky_grad(xp, pred, target, 0.5, 0.5, 0.5 * smooth, from_logits)


def jaccard_value(xp: Namespace, pred: Array, target: Array, smooth: float, from_logits: bool) -> Array:
    return tversky_value(xp, pred, target, 1.0, 1.0, smooth, from_logits)


def jaccard_grad(xp: Namespace, pred: Array, target: Array, smooth: float, from_logits: bool) -> Array:
    return tversky_grad(xp, pred, target, 1.0, 1.0, smooth, from_logits)


_REFERENCE_DICE = ("Milletari, Navab & Ahmadi, V-Net (3DV 2016), eq. 1; Sudre et al., Generalised Dice overlap as "
                   "a deep learning loss function (DLMIA 2017).")

register(LossDefinition(
    name="soft_dice",
    steps=_overlap_steps,
    aliases=("dice", "dice_loss"),
    task="binary",
    kind="rows",
    params=(_smooth_param(1.0), FROM_LOGITS_PARAM),
    value=dice_value,
    grad=dice_grad,
    latex=r"\ell_i = 1 - \frac{2\sum_k p_{ik}t_{ik} + s}{\sum_k p_{ik} + \sum_k t_{ik} + s}",
    plain="l_i = 1 - (2 sum_k p t + smooth) / (sum_k p + sum_k t + smooth) per mask (row); an empty mask "
          "predicted empty scores 0",
    summary="Soft Dice loss: 1 minus the Dice overlap of a predicted and a true mask, one value per mask.",
    equivalents={"pytorch": "-",
                 "keras": "keras.losses.Dice(axis=...) (smooth 0, epsilon 1e-7 in the denominator only)",
                 "optax": "optax.losses.dice_loss(..., smooth=smooth / 2, apply_softmax=False) (its smooth "
                          "enters as 2 smooth)",
                 "sklearn": "1 - sklearn.metrics.f1_score on hard 0/1 masks (smooth 0)"},
    reference=_REFERENCE_DICE,
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))

register(LossDefinition(
    name="tversky",
    steps=_overlap_steps,
    aliases=("tversky_loss",),
    task="binary",
    kind="rows",
    params=(Param("alpha", 0.3, "weight of the false positives (predicted but not in the mask); alpha = beta "
                  "= 0.5 is Dice, 1 and 1 Jaccard", constraint=number(low=0.0), role="weighting",
                  slider=(0.0, 1.0, 0.05)),
            Param("beta", 0.7, "weight of the false negatives (in the mask but missed); beta > alpha favours "
                  "recall", constraint=number(low=0.0), role="weighting", slider=(0.0, 1.0, 0.05)),
            _smooth_param(1.0), FROM_LOGITS_PARAM),
    value=tversky_value,
    grad=tversky_grad,
    latex=r"\ell_i = 1 - \frac{TP_i + s}{TP_i + \alpha\,FP_i + \beta\,FN_i + s},\quad TP = \sum_k p t,\ "
          r"FP = \sum_k p(1 - t),\ FN = \sum_k (1 - p)t",
    plain="l_i = 1 - (TP + smooth) / (TP + alpha FP + beta FN + smooth) per mask; alpha weighs false positives, "
          "beta false negatives (Salehi et al.)",
    summary="Tversky loss: Dice with separate weights on false positives (alpha) and false negatives (beta).",
    equivalents={"pytorch": "-",
                 "keras": "keras.losses.Tversky(alpha=beta, beta=alpha) (Keras swaps the two, keras#23322; "
                          "smooth 0, epsilon 1e-7)",
                 "optax": "optax.losses.dice_loss(..., alpha=alpha, beta=beta, smooth=smooth, apply_softmax=False)",
                 "sklearn": "-"},
    reference="Salehi, Erdogmus & Gholipour, Tversky loss function for image segmentation using 3D fully "
              "convolutional deep networks (MLMI 2017), eq. 3; Tversky, Features of similarity (1977).",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))

register(LossDefinition(
    name="soft_jaccard",
    steps=_overlap_steps,
    aliases=("jaccard", "soft_iou", "iou_loss"),
    task="binary",
    kind="rows",
    params=(_smooth_param(1.0), FROM_LOGITS_PARAM),
    value=jaccard_value,
    grad=jaccard_grad,
    latex=r"\ell_i = 1 - \frac{\sum_k p_{ik}t_{ik} + s}{\sum_k p_{ik} + \sum_k t_{ik} - \sum_k p_{ik}t_{ik} + s}",
    plain="l_i = 1 - (TP + smooth) / (sum p + sum t - TP + smooth) per mask; the soft intersection over union",
    summary="Soft Jaccard (IoU) loss: 1 minus the intersection over union of a predicted and a true mask.",
    equivalents={"pytorch": "-", "keras": "-",
                 "optax": "optax.losses.dice_loss(..., alpha=1, beta=1, smooth=smooth, apply_softmax=False)",
                 "sklearn": "1 - sklearn.metrics.jaccard_score on hard 0/1 masks (smooth 0)"},
    reference="Rahman & Wang, Optimizing intersection-over-union in deep neural networks for image segmentation "
              "(ISVC 2016); Jaccard (1912).",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))


# ------------------------------------------------------------------------------------------------ focal Tversky
def focal_tversky_value(xp: Namespace, pred: Array, target: Array, alpha: float, beta: float, gamma: float,
                        smooth: float, from_logits: bool) -> Array:
    loss = tversky_value(xp, pred, target, alpha, beta, smooth, from_logits)
    if gamma >= 1.0:
        return loss**gamma  # slope gamma L^(gamma - 1): finite at L = 0 (and L's own slope for gamma = 1)
    # gamma < 1: the slope is infinite at L = 0 (a perfect mask); take 0 there, as rmse does at a perfect fit, with
    # the power of 1 in the untaken branch so that autograd stays finite
    zero = loss == 0
    return xp.where(zero, xp.zeros_like(loss), xp.where(zero, xp.ones_like(loss), loss) ** gamma)


def focal_tversky_grad(xp: Namespace, pred: Array, target: Array, alpha: float, beta: float, gamma: float,
                       smooth: float, from_logits: bool) -> Array:
    loss = xp.reshape(tversky_value(xp, pred, target, alpha, beta, smooth, from_logits), (-1, 1))
    g = tversky_grad(xp, pred, target, alpha, beta, smooth, from_logits)
    if gamma == 1.0:
        return g
    zero = loss == 0
    factor = gamma * xp.where(zero, xp.ones_like(loss), loss) ** (gamma - 1.0)
    return xp.where(zero, xp.zeros_like(g), factor * g)


register(LossDefinition(
    name="focal_tversky",
    steps=_overlap_steps,
    aliases=("focal_tversky_loss",),
    task="binary",
    kind="rows",
    params=(Param("alpha", 0.3, "weight of the false positives, as in tversky (Abraham & Khan call this weight "
                  "beta)", constraint=number(low=0.0), role="weighting", slider=(0.0, 1.0, 0.05)),
            Param("beta", 0.7, "weight of the false negatives, as in tversky (Abraham & Khan's alpha = 0.7)",
                  constraint=number(low=0.0), role="weighting", slider=(0.0, 1.0, 0.05)),
            Param("gamma", 0.75, "the exponent of the Tversky loss: below 1 it raises the loss of nearly right "
                  "masks (the paper's 1/gamma with gamma = 4/3); 1 is tversky", constraint=number(low=0.0,
                  low_open=True), slider=(0.25, 3.0, 0.05)),
            _smooth_param(1.0), FROM_LOGITS_PARAM),
    value=focal_tversky_value,
    grad=focal_tversky_grad,
    latex=r"\ell_i = \Big(1 - \frac{TP_i + s}{TP_i + \alpha\,FP_i + \beta\,FN_i + s}\Big)^{\gamma}",
    plain="l_i = (1 - (TP + smooth) / (TP + alpha FP + beta FN + smooth))^gamma per mask: the tversky loss to the "
          "power gamma; alpha weighs false positives, beta false negatives; 0 for a perfect or empty-and-empty mask",
    summary="Focal Tversky loss: the Tversky loss raised to a power gamma, to weigh hard masks apart from easy ones.",
    equivalents={"pytorch": "-",
                 "keras": "keras.losses.Tversky(alpha=beta, beta=alpha) ** gamma per mask (Keras swaps alpha and "
                          "beta; smooth 0)",
                 "optax": "optax.losses.dice_loss(..., alpha=alpha, beta=beta, smooth=smooth, "
                          "apply_softmax=False) ** gamma",
                 "sklearn": "-"},
    reference="Abraham & Khan, A novel focal Tversky loss function with improved attention U-Net for lesion "
              "segmentation (ISBI 2019), eq. 3-4 (their alpha weighs false negatives, their exponent is 1/gamma).",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "probability",
    builtin=True,
))
