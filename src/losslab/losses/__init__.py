"""The loss catalog: every loss defined once — value, analytic gradient, parameters, formula — by family.

- :mod:`~losslab.losses.regression`: mse, sse, rmse, mae, huber, smooth_l1, pseudo_huber, log_cosh, quantile, msle,
  mape, poisson, half_squared_error, poisson / gamma / tweedie deviances
- :mod:`~losslab.losses.regression_extra`: rmsle, smape, wmape, minkowski
- :mod:`~losslab.losses.binary`: binary_cross_entropy, binary_focal, hinge, squared_hinge
- :mod:`~losslab.losses.binary_extra`: brier, soft_margin, perceptron, multilabel_soft_margin, hinge_embedding
- :mod:`~losslab.losses.categorical`: categorical / sparse cross-entropy, categorical_focal, categorical_hinge,
  multi_margin
- :mod:`~losslab.losses.categorical_extra`: nll (on log-probabilities), poly1, generalized_cross_entropy,
  multilabel_margin
- :mod:`~losslab.losses.distribution`: kl_divergence, js_divergence
- :mod:`~losslab.losses.overlap`: soft_dice, tversky, focal_tversky, soft_jaccard (one value per mask)
- :mod:`~losslab.losses.metrics`: max_error, median_absolute_error (order-statistic reductions), zero_one,
  categorical_zero_one (no useful gradient: trainable=False)
- :mod:`~losslab.losses.sparse`: sparsemax (the sparsemax loss)
- :mod:`~losslab.losses.embedding`: cosine_similarity
- :mod:`~losslab.losses.pairs`: triplet_margin, margin_ranking, cosine_embedding, contrastive (extra inputs by
  keyword)
- :mod:`~losslab.losses.nce`: info_nce, nt_xent (each example's loss reads the whole batch)
- :mod:`~losslab.losses.probabilistic`: gaussian_nll (a predicted variance), crps_ensemble
- :mod:`~losslab.losses.sequence`: ctc (pred (N, T, C) frames, padded label targets, per-sequence lengths)
"""

from __future__ import annotations

from . import (  # noqa: F401  (registers the built-in losses, family by family)
    binary,
    binary_extra,
    categorical,
    categorical_extra,
    distribution,
    embedding,
    metrics,
    nce,
    overlap,
    pairs,
    probabilistic,
    regression,
    regression_extra,
    sequence,
    sparse,
)
from ._core import Loss
from ._definition import REDUCTIONS, TASKS, Input, LossDefinition, Param
from ._registry import (
    catalog,
    definition,
    definitions,
    get,
    make_shortcut,
    register,
    resolve_name,
    unregister,
    user_loss,
)

__all__ = [
    "REDUCTIONS",
    "TASKS",
    "Input",
    "Loss",
    "LossDefinition",
    "Param",
    "catalog",
    "definition",
    "definitions",
    "get",
    "make_shortcut",
    "register",
    "resolve_name",
    "unregister",
    "user_loss",
]
