"""The loss catalog: every loss defined once — value, analytic gradient, parameters, formula — by family.

- :mod:`~losslab.losses.regression`: mse, sse, rmse, mae, huber, smooth_l1, log_cosh, quantile, msle, mape, poisson
- :mod:`~losslab.losses.binary`: binary_cross_entropy, binary_focal, hinge, squared_hinge
- :mod:`~losslab.losses.categorical`: categorical / sparse cross-entropy, categorical_focal, categorical_hinge,
  multi_margin
- :mod:`~losslab.losses.distribution`: kl_divergence, js_divergence
"""

from __future__ import annotations

from . import binary, categorical, distribution, regression  # noqa: F401  (registers the built-in losses)
from ._core import Loss
from ._definition import REDUCTIONS, TASKS, LossDefinition, Param
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
