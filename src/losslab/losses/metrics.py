"""Metrics in the catalog: the max error and the median absolute error (order statistics over the examples), and
the zero-one loss of binary scores or probabilities and of multi-class rows.

``max_error`` and ``median_absolute_error`` are |p - t| per element, reduced by ``reduction="max"`` or
``"median"`` over the examples (:mod:`._order`: per element column, then the mean over the columns, as
scikit-learn's ``multioutput="uniform_average"``; weights count examples). Their gradient is the subgradient at
the element(s) that make the statistic, sign(p - t) there and 0 elsewhere (autograd through ``torch.amax`` or
``torch.median`` gives the same at an untied statistic).

The zero-one losses count mistakes: 1 where the predicted class is wrong, 0 where it is right. Their derivative is
0 wherever it exists (a step function), so ``grad`` returns those zeros and the definitions say
``trainable=False``: they are scored, never trained on (train with a hinge or a cross-entropy instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._numeric import sigmoid
from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition
from ._registry import register
from .binary import FROM_LOGITS_PARAM, probability_unless_logits, signed_labels
from .regression import _absolute_steps, absolute_error, absolute_error_grad

# ---------------------------------------------------------------------------------------------- order statistics
register(LossDefinition(
    name="max_error",
    steps=_absolute_steps,
    aliases=("maximum_error", "max_absolute_error"),
    task="regression",
    kind="elementwise",
    value=absolute_error,
    grad=absolute_error_grad,
    default_reduction="max",
    reductions=("max", "none"),
    latex=r"L = \frac{1}{K}\sum_k \max_{i:\,w_i > 0} \lvert p_{ik} - t_{ik}\rvert",
    plain="L = max_i |p_i - t_i| over the examples of positive weight (per output column, then the mean over the "
          "columns); 'none' gives |p_i - t_i| per example",
    summary="Max error: the largest absolute error over the examples, the worst case of a regression.",
    equivalents={"pytorch": "(pred - target).abs().amax()", "keras": "-", "optax": "-",
                 "sklearn": "sklearn.metrics.max_error(t, p) (one output, no sample weights)"},
    reference="scikit-learn's max_error; Cheney, Introduction to Approximation Theory (1966), ch. 1 (the "
              "minimax, Chebyshev, criterion).",
    builtin=True,
))

register(LossDefinition(
    name="median_absolute_error",
    steps=_absolute_steps,
    aliases=("medae", "median_ae"),
    task="regression",
    kind="elementwise",
    value=absolute_error,
    grad=absolute_error_grad,
    default_reduction="median",
    reductions=("median", "none"),
    latex=r"L = \frac{1}{K}\sum_k \operatorname{median}_i^{w} \lvert p_{ik} - t_{ik}\rvert",
    plain="L = the (weighted) median over the examples of |p_i - t_i| (per output column, then the mean over the "
          "columns); an even count averages the two middle values; 'none' gives |p_i - t_i| per example",
    summary="Median absolute error: the middle absolute error, unmoved by a minority of outliers.",
    equivalents={"pytorch": "(pred - target).abs().quantile(0.5) (torch.median takes the lower middle value)",
                 "keras": "-", "optax": "-",
                 "sklearn": "sklearn.metrics.median_absolute_error(t, p, sample_weight=w)"},
    reference="scikit-learn's median_absolute_error; Rousseeuw, Least median of squares regression, J. Amer. "
              "Statist. Assoc. 79 (1984).",
    builtin=True,
))


# ----------------------------------------------------------------------------------------------------- zero-one
def _zero_one_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    cols: Columns = {"pred": p}
    if params["from_logits"]:
        cols["prob"] = sigmoid(p)
    cols["label"] = np.where(p > (0.0 if params["from_logits"] else 0.5), 1.0, -1.0)
    cols["target"] = t
    return cols, {}


def zero_one_value(xp: Namespace, pred: Array, target: Array, from_logits: bool) -> Array:
    # a tie (p = 0.5, z = 0) predicts the negative class, as scikit-learn's predict and Keras's BinaryAccuracy
    positive = pred > (0.0 if from_logits else 0.5)
    wrong = xp.astype(positive != (target > 0), pred.dtype)
    return wrong + 0.0 * pred  # 0 * pred: the value stays in autograd's graph, with the true slope 0


def zero_one_grad(xp: Namespace, pred: Array, target: Array, from_logits: bool) -> Array:
    return xp.zeros_like(pred)  # a step function: 0 wherever the derivative exists


_NO_GRADIENT = "no useful gradient (0 almost everywhere): trainable=False"

register(LossDefinition(
    name="zero_one",
    steps=_zero_one_steps,
    aliases=("zero_one_loss", "misclassification_rate", "binary_error_rate"),
    task="binary",
    kind="elementwise",
    params=(FROM_LOGITS_PARAM,),
    value=zero_one_value,
    grad=zero_one_grad,
    latex=r"\ell = \mathbb{1}\big[\hat y \ne t\big],\quad \hat y = +1 \iff p > \tfrac12\ (z > 0\ \text{with logits})",
    plain="l = 1 if the predicted class (p > 0.5, or z > 0 with logits; a tie predicts the negative class) is not "
          "the label t (0/1 or -1/+1), else 0; (N, K) multi-label input: the fraction of wrong labels; "
          + _NO_GRADIENT,
    summary="Zero-one loss: 1 for a misclassified example, 0 for a correct one; its mean is the error rate.",
    equivalents={"pytorch": "((p > 0.5) != t.bool()).float().mean()",
                 "keras": "1 - keras.metrics.BinaryAccuracy(threshold=0.5)",
                 "optax": "-",
                 "sklearn": "sklearn.metrics.zero_one_loss(t, p > 0.5, sample_weight=w) (one label per example; "
                            "multi-label: sklearn.metrics.hamming_loss)"},
    reference="Hastie, Tibshirani & Friedman, The Elements of Statistical Learning (2009), sec. 2.4; "
              "Ben-David, Eiron & Long, On the difficulty of approximately maximizing agreements, JCSS 66 (2003).",
    pred_domain=probability_unless_logits,
    target_domain=lambda params: "signed_or_binary",
    prepare_target=signed_labels,
    trainable=False,
    untrainable_reason="no_gradient",
    builtin=True,
))


def _categorical_zero_one_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]
                                ) -> tuple[Columns, Columns]:
    return {"true_class": np.argmax(t, axis=1), "label": np.argmax(p, axis=1)}, {"target": t, "pred": p}


def categorical_zero_one_value(xp: Namespace, pred: Array, target: Array) -> Array:
    # the arg-max class (the first of tied scores, as NumPy's and PyTorch's argmax), right with weight t[class]
    c = int(pred.shape[1])
    chosen = xp.reshape(xp.argmax(pred, axis=1), (-1, 1)) == xp.reshape(xp.arange(c), (1, c))
    right = xp.sum(xp.where(chosen, target, xp.zeros_like(target)), axis=1)
    return (1.0 - right) + 0.0 * xp.sum(pred, axis=1)  # 0 * pred: in autograd's graph, with the true slope 0


def categorical_zero_one_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    return xp.zeros_like(pred)


register(LossDefinition(
    name="categorical_zero_one",
    steps=_categorical_zero_one_steps,
    aliases=("multiclass_zero_one", "top1_error"),
    task="multiclass",
    kind="rows",
    value=categorical_zero_one_value,
    grad=categorical_zero_one_grad,
    latex=r"\ell_i = 1 - t_{i,\hat y_i},\quad \hat y_i = \operatorname{arg\,max}_c\, z_{ic}",
    plain="l_i = 1 - t_i[argmax_c z_ic]: 1 if the top-scoring class (the first of tied scores) is wrong, 0 if "
          "right; labels or one-hot rows (a soft row gives the expected error); " + _NO_GRADIENT,
    summary="Multi-class zero-one loss: 1 when the top-scoring class is wrong, 0 when right (1 minus accuracy).",
    equivalents={"pytorch": "(z.argmax(1) != y).float().mean()",
                 "keras": "1 - keras.metrics.SparseCategoricalAccuracy() (labels) / CategoricalAccuracy() (one-hot)",
                 "optax": "-",
                 "sklearn": "sklearn.metrics.zero_one_loss(y, z.argmax(1), sample_weight=w)"},
    reference="Hastie, Tibshirani & Friedman, The Elements of Statistical Learning (2009), sec. 2.4.",
    target_format="labels_or_same",
    target_domain=lambda params: "probability",
    trainable=False,
    untrainable_reason="no_gradient",
    builtin=True,
))
