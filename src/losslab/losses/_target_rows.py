"""A data set's target laid out once for a loss's training batches (:meth:`~._core.Loss.for_target`): the trainer's
per-step calls without the per-call layout, number for number and error for error as a plain call
(tests/training/test_target_rows.py).

``loss`` is the :class:`~._core.Loss` that builds this (typed ``Any``: the loss module imports this one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import LossInputError
from ._arrays import Array, compute_dtype
from ._batch import Batch, _rows_finite
from ._definition import NAN_POLICIES, NanPolicy, Reduction

__all__ = ["TargetRows"]


class TargetRows:
    """A data set's target laid out once for a loss (:meth:`Loss.for_target`); each batch of it is a row index."""

    def __init__(self, loss: Any, target: Any, pred_shape: tuple[int, ...], dtype: Any, reduction: Reduction | None,
                 nan_policy: NanPolicy) -> None:
        d = loss.definition
        self.loss, self.target, self.nan_policy = loss, target, nan_policy
        self.reduction: Reduction = d.default_reduction if reduction is None else reduction
        self.dtype, self.pred_row = np.dtype(dtype), pred_shape[1:]
        self.whole: Batch | None = None  # None: every batch goes through the ordinary call
        self.target_finite: Array | None = None  # None: each batch checks its own target values
        self.lean = False  # a batch's gradient may skip the per-call layout (:meth:`_lean`)
        if (type(target) is np.ndarray and d.kind in ("elementwise", "rows") and not d.inputs and len(pred_shape) == 2
                and self.reduction in d.reductions
                and nan_policy in NAN_POLICIES and compute_dtype(np, self.dtype) == self.dtype
                and not (d.fast is not None and nan_policy == "raise")):
            try:
                whole = loss._arrange(np.zeros(pred_shape, dtype=self.dtype), target, nan_policy)
                if whole.pred.shape != pred_shape or whole.input_dtype != self.dtype:
                    return
                # The target's values are checked once, over the whole set (each check reads one value, or one row,
                # at a time: every batch of a target that passes passes). Rows of a distribution are the exception:
                # a call warns about an unnormalized target row, so each batch checks its own.
                if not (d.kind == "rows" and d.task == "distribution"):
                    loss._check_values(whole, nan_policy, check_pred=False)
                    if d.prepare_target is not None:
                        whole.target = d.prepare_target(np, whole.target)
                    self.target_finite = _rows_finite(np, whole.target)
            except LossInputError:  # the batches' own calls say it, about their own rows
                return
            self.whole = whole
            self.lean = self._lean(whole)

    def _lean(self, whole: Batch) -> bool:
        """Whether a batch's gradient is the definition's ``grad`` over the batch size and nothing else, once its
        pred is finite: no weights, no ignored rows, no domain check or warning on pred, no mean divisor, no
        finalizing step, and a finite target (the trainer's usual case: d loss / d pred, step after step; the
        layout, checks and masks of the ordinary batch then change no number, and cost ~60% of the call)."""
        loss, d = self.loss, self.loss.definition
        if (self.nan_policy != "propagate" or self.reduction not in ("mean", "sum") or d.grad is None
                or d.mean_divisor is not None or d.finalize is not None or whole.keep is not None
                or whole.missing_labels is not None or self.target_finite is None
                or not bool(np.all(self.target_finite)) or d.pred_domain(loss.params) != "real"):
            return False
        try:
            loss._check_eps(self.dtype)
            return loss._weights(whole, None, self.nan_policy) is None
        except LossInputError:
            return False

    def _lean_grad(self, pred: Any, rows: Any) -> Array | None:
        """The gradient as :meth:`Loss._reduce` computes it for such a batch, operation for operation (so bit for
        bit); None when the batch needs the ordinary path (a non-finite pred, an odd array or row count)."""
        assert self.whole is not None
        if (type(pred) is not np.ndarray or pred.dtype != self.dtype or pred.ndim != 2
                or pred.shape[1:] != self.pred_row or not bool(np.isfinite(pred).all())):
            return None
        target = self._rows(self.whole.target, rows)
        n, k = int(pred.shape[0]), int(pred.shape[1])
        if target.shape[0] != n or n == 0:
            return None
        d = self.loss.definition
        with np.errstate(all="ignore"):
            assert d.grad is not None
            g = d.grad(np, pred, target, **self.loss.params)
            if d.kind == "elementwise" and d.element_reduce == "mean" and k > 1:
                g = g * (1.0 / k)
            if self.reduction == "mean":
                g = g / float(n)
        return np.reshape(g, pred.shape)

    def value(self, pred: Any, rows: Any = None) -> Array:
        """The value on the examples ``rows``, or on all of them (None): ``loss(pred, target[rows], ...)``."""
        return self._run(pred, rows, want_value=True, want_grad=False)[0]

    def grad(self, pred: Any, rows: Any = None) -> Any:
        """d(value)/d(pred) of the examples ``rows`` (``loss.grad(pred, target[rows], ...)``)."""
        if self.lean:
            g = self._lean_grad(pred, rows)
            if g is not None:
                return g
        return self._run(pred, rows, want_value=False, want_grad=True)[1]

    def value_and_grad(self, pred: Any, rows: Any = None) -> tuple[Array, Any]:
        """The value and the gradient of the examples ``rows`` (``loss.value_and_grad(pred, target[rows], ...)``)."""
        value, g = self._run(pred, rows, want_value=True, want_grad=True)
        assert value is not None
        return value, g

    def _rows(self, a: Any, rows: Any) -> Any:
        return a if a is None or rows is None else a[rows]

    def _run(self, pred: Any, rows: Any, want_value: bool, want_grad: bool) -> tuple[Array | None, Any]:
        loss, whole = self.loss, self.whole
        target = None if whole is None else self._rows(whole.target, rows)
        if (whole is None or target is None or type(pred) is not np.ndarray or pred.dtype != self.dtype
                or pred.ndim != 2 or pred.shape[1:] != self.pred_row or target.shape[0] != pred.shape[0]):
            value, g = loss._run(pred, self._rows(self.target, rows), self.reduction, None, self.nan_policy,
                                 want_value=want_value, want_grad=want_grad)
            return value, loss._write_out(g, None)
        n = int(pred.shape[0])
        # the batch as Loss._arrange lays out (pred, target[rows]): each row of the target is laid out on its own
        batch = Batch(np, pred, target, tuple(pred.shape), n, labels=self._rows(whole.labels, rows),
                      keep=self._rows(whole.keep, rows), target_shape=(n, *self.target.shape[1:]),
                      missing_labels=self._rows(whole.missing_labels, rows), input_dtype=whole.input_dtype)
        try:
            finite = self._rows(self.target_finite, rows)
            batch = loss._checked(batch, self.nan_policy, target_finite=finite)
            loss._check_eps(batch.pred.dtype)
            weights = loss._weights(batch, None, self.nan_policy)
            with np.errstate(all="ignore"):
                return loss._reduce(batch, weights, self.reduction, want_value, want_grad)
        except MemoryError:
            raise loss._too_large(pred, self._rows(self.target, rows)) from None
