"""Order-statistic reductions over the examples, for metrics: the (weighted) max and median of the losses.

``reduction="max"`` and ``"median"`` (``max_error``, ``median_absolute_error``) reduce each element column of the
(N, K) losses over the N examples and average the K columns, as scikit-learn's ``multioutput="uniform_average"``.
Weights count examples: 0 leaves one out, 2 counts it twice (frequency weights), so the weighted max is the max over
the examples of positive weight, and the weighted median is scikit-learn's ``_weighted_percentile(average=True)``
(the "averaged inverted CDF": the first value whose cumulative weight reaches half the total, averaged with the next
one when the cumulative weight lands exactly on the half; with unit weights NumPy's median).

Both are written as ``sum_i s_ik l_ik`` with selection weights ``s`` (0 or a share of 1 per column) built from
comparisons: the value is the statistic, and its derivative, the subgradient ``s_ik dl_ik/dpred``, is what autograd
finds through the same sum (ties in the statistic share it evenly, as ``torch.amax`` does).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import LossInputError
from ._arrays import Array, Namespace, is_lazy, on_blocks
from ._checks import _positive_total
from ._definition import ORDER_REDUCTIONS, LossDefinition, Reduction

__all__ = ["ORDER_REDUCTIONS", "order_reduce", "selection"]


def _even(xp: Namespace, hit: Array, dtype: Any) -> Array:
    """1 / (number of hits) at each hit of a column, 0 elsewhere."""
    h = xp.astype(hit, dtype)
    count = xp.sum(h, axis=0, keepdims=True)
    return h / xp.where(count > 0, count, xp.ones_like(count))


def _take_rows(xp: Namespace, x: Array, rows: Array) -> Array:
    """x[rows[0, k], k] for every column k, as a (1, K) array."""
    return xp.take_along_axis(x, rows, axis=0)


def _select(xp: Namespace, a: Array, wb: Array, how: Reduction) -> Array:
    """Selection weights of the max or the weighted median of each column of ``a`` (examples with ``wb > 0``)."""
    dtype = a.dtype
    live = wb > 0
    if how == "max":
        masked = xp.where(live, a, xp.full_like(a, -math.inf))
        top = xp.max(masked, axis=0, keepdims=True)
        return _even(xp, live & (a == top), dtype)
    n = int(a.shape[0])
    key = xp.where(live, a, xp.full_like(a, math.inf))  # the examples left out sort last, with weight 0
    order = xp.argsort(key, axis=0, stable=True)
    values = xp.take_along_axis(key, order, axis=0)
    cdf = xp.cumulative_sum(xp.take_along_axis(wb, order, axis=0), axis=0)
    half = cdf[n - 1:, :] / 2.0
    first = xp.sum(xp.astype(cdf < half, xp.int64), axis=0, keepdims=True)  # the first cdf >= half
    after = xp.sum(xp.astype(cdf <= half, xp.int64), axis=0, keepdims=True)  # the first cdf > half: the next value
    first = xp.clip(first, 0, n - 1)
    after = xp.clip(after, 0, n - 1)
    low, high = _take_rows(xp, values, first), _take_rows(xp, values, after)
    on_half = _take_rows(xp, cdf, first) == half
    s_low = _even(xp, live & (a == low), dtype)
    s_high = _even(xp, live & (a == high), dtype)
    return xp.where(on_half, 0.5 * s_low + 0.5 * s_high, s_low)


def selection(xp: Namespace, a: Array, w: Array, how: Reduction) -> Array:
    """(N, K) selection weights: each column sums to 1 over the examples that make its max or weighted median.

    ``w`` (N,) holds the example weights (0: left out). A lazy (Dask) array is gathered into one chunk along the
    examples, since an order statistic needs the whole column at once, and computed block by block over columns.
    """
    n, k = int(a.shape[0]), int(a.shape[1])
    wb = xp.broadcast_to(xp.reshape(w, (n, 1)), (n, k))
    if not is_lazy(xp):
        return _select(xp, a, wb, how)
    import array_api_compat
    import dask.array as da

    np_xp = array_api_compat.array_namespace(np.empty(0))

    def block(ab: np.ndarray, wbb: np.ndarray) -> np.ndarray:
        return np.asarray(_select(np_xp, ab, wbb, how))

    whole = a.rechunk({0: -1})
    return da.map_blocks(block, whole, wb.rechunk(whole.chunks), dtype=a.dtype)


def order_reduce(
    d: LossDefinition,
    xp: Namespace,
    p: Array,
    t: Array,
    params: dict[str, Any],
    w: Array | None,
    keep: Array | None,
    nonfinite: Array | None,
    reduction: Reduction,
    pred_shape: tuple[int, ...],
    want_value: bool,
    want_grad: bool,
    numeric_grad: Callable[..., Array],
) -> tuple[Array | None, Array | None]:
    """The value and gradient of a loss under ``reduction="max"`` or ``"median"`` (see the module docstring)."""
    n = int(p.shape[0])
    weights = xp.ones((n,), dtype=p.dtype) if w is None else w
    if keep is not None:
        weights = xp.where(keep, weights, xp.zeros_like(weights))
    if nonfinite is not None:
        weights = xp.where(nonfinite, xp.zeros_like(weights), weights)
    why = ("every example is ignored, omitted or has a weight of 0" if w is not None or keep is not None
           else "no example has a finite loss")
    zero_total = LossInputError(d.name, "sample_weight", f"a positive total weight for the {reduction}", why,
                                "keep at least one example with a positive weight")
    total = on_blocks(xp, xp.sum(weights), _positive_total(zero_total))
    if is_lazy(xp):  # the check runs when the graph does: tie it into the weights
        weights = xp.where(total > 0, weights, weights)
    raw = d.value(xp, p, t, **params)
    per = xp.reshape(raw, (n, 1)) if d.kind == "rows" else raw
    k = int(per.shape[1])
    live = xp.reshape(weights > 0, (n, 1))
    s = selection(xp, xp.where(live, per, xp.zeros_like(per)), weights, reduction)
    value = None
    if want_value:
        # the left-out losses (NaN under nan_policy "propagate") enter as 0 * 0, never as 0 * NaN
        value = xp.sum(s * xp.where(live, per, xp.zeros_like(per))) / float(k)
        if nonfinite is not None:
            value = xp.where(xp.any(nonfinite), xp.full_like(value, math.nan), value)
    g = None
    if want_grad:
        raw_g = numeric_grad(d, xp, p, t, params) if d.grad is None else d.grad(xp, p, t, **params)
        share = s if d.kind != "rows" else xp.reshape(s, (n, 1))
        g = xp.where(share > 0, raw_g * (share / float(k)), xp.zeros_like(raw_g))
        if nonfinite is not None:
            g = xp.where(xp.reshape(nonfinite, (n, 1)), xp.full_like(g, math.nan), g)
        g = xp.reshape(g, pred_shape)
    return value, g
