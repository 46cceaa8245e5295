"""The machinery every loss shares: input layout, dtypes, weighting and reduction (the :class:`Loss` a definition
becomes).

This module turns a :class:`~._definition.LossDefinition` into a callable :class:`Loss` that validates input, lays
it out as ``(N, K)`` examples, applies sample and class weights and reduces, identically for every loss, so the
contract (shapes, weighting, reductions, errors) holds for all of them, built-in or user-defined.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import LossInputError
from . import _validation as v
from ._arrays import (
    Array,
    Namespace,
    as_array,
    compute_dtype,
    dtype_name,
    float_dtype,
    is_lazy,
    is_numpy,
    namespace_of,
    on_blocks,
    to_float,
)
from ._batch import Batch, _rows_finite
from ._checks import (
    _class_weight_array,
    _domain_check,
    _fail_lazily_if,
    _numeric_grad,
    _positive_total,
    _warn_unnormalized,
)
from ._definition import (
    NAN_POLICIES,
    Columns,
    LossDefinition,
    NanPolicy,
    Reduction,
    Task,
    _is_number,
)
from ._inputs import check_call, input_grads, layout_inputs, wrt_names
from ._order import ORDER_REDUCTIONS, order_reduce
from ._target_rows import TargetRows

__all__ = ["Batch", "Columns", "Loss", "TargetRows", "fast_path"]


def _shape_error(loss: str, expected: str, pred: Array, target: Array, hint: str | None = None) -> LossInputError:
    got = f"pred of shape {v.shape_str(tuple(pred.shape))} and target of shape {v.shape_str(tuple(target.shape))}"
    return LossInputError(loss, "target", expected, got, hint or "pred and target must describe the same examples: "
                          "check the order of the arguments (pred first) and any missing reshape")


class Loss:
    """A loss from the catalog with its parameters set: call it for the value, ``.grad`` for the gradient.

    Parameters of the call
    ----------------------
    pred : array_like
        The prediction (first, as in PyTorch and optax; Keras and scikit-learn put the target first).
    target : array_like
        The truth.
    reduction : {"mean", "sum", "none"}, optional
        ``"none"`` gives one loss per example, shape (N,); ``"mean"`` the weighted mean
        ``sum(w_i l_i) / sum(w_i)``; ``"sum"`` ``sum(w_i l_i)``. Defaults to the loss's own default
        (``"sum"`` for ``sse``, ``"mean"`` otherwise).
    sample_weight : array_like of shape (N,), optional
        Non-negative weight per example; multiplied by ``class_weight[y_i]`` where the loss has class weights.
    nan_policy : {"raise", "propagate", "omit"}
        What NaN or infinite input does: an error (default), NaN in the result, or the example is left out
        (it contributes 0 under ``"none"`` and leaves the mean, like ``ignore_index``).
    """

    explainer: Callable[..., Any] = staticmethod(lambda *args, **kwargs: None)  # set by losslab/__init__.py

    def __init__(self, definition: LossDefinition, **params: Any) -> None:
        self.definition = definition
        values: dict[str, Any] = {}
        known = {p.name: p for p in definition.params}
        for name in params:
            if name not in known:
                expected = (
                    "one of its parameters: " + ", ".join(known) if known else "no parameters (it has none)"
                )
                close = difflib.get_close_matches(name, list(known), n=1)
                hint = f"did you mean {close[0]!r}?" if close else (
                    f"`losslab show {definition.name}` describes its parameters" if known
                    else "this loss takes no parameters")
                if name in {"reduction", "sample_weight", "nan_policy", *(i.name for i in definition.inputs)}:
                    hint = f"{name!r} belongs to the call: loss(pred, target, {name}=...)"
                raise LossInputError(definition.name, name, expected, f"an unknown parameter {name!r}", hint)
        for p in definition.params:
            value = params.get(p.name, p.default)
            problem = p.check(value)
            if problem is not None:
                raise LossInputError(definition.name, p.name, problem, repr(value),
                                     f"{p.name}: {p.doc} (default {p.default!r})")
            values[p.name] = p.convert(value)
        self.params: Mapping[str, Any] = MappingProxyType(values)

    # -- identity -------------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.definition.aliases

    @property
    def task(self) -> Task:
        return self.definition.task

    @property
    def formula(self) -> dict[str, str]:
        return {"latex": self.definition.latex, "plain": self.definition.plain}

    def with_params(self, **params: Any) -> Loss:
        return Loss(self.definition, **{**self.params, **params})

    def weighs_examples(self) -> bool:
        """True when a parameter that weighs or skips whole examples (class_weight, ignore_index) is set."""
        return any(p.role in ("example_weight", "skip") and self.params[p.name] is not None
                   for p in self.definition.params)

    def without_example_weights(self) -> Loss:
        """The same loss with its whole-example weights unset: the per-example loss l_i before w_i."""
        unset = {p.name: None for p in self.definition.params if p.role == "example_weight"}
        return self.with_params(**unset) if unset else self

    def __repr__(self) -> str:
        changed = [
            f"{p.name}={self.params[p.name]!r}" for p in self.definition.params if self.params[p.name] != p.default
        ]
        return f"losslab.get({self.name!r}{''.join(', ' + c for c in changed)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Loss) and other.definition is self.definition and dict(other.params) == dict(
            self.params
        )

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted((k, repr(val)) for k, val in self.params.items()))))

    # -- the public calls -------------------------------------------------------------------------------------
    def __call__(
        self,
        pred: Any,
        target: Any,
        reduction: Reduction | None = None,
        sample_weight: Any = None,
        nan_policy: NanPolicy = "raise",
        **inputs: Any,
    ) -> Array:
        """The loss of ``pred`` against ``target`` (see the class docstring for the arguments); ``inputs``: the
        loss's extra arrays by keyword (``negative=...``, ``var=...``: ``definition.inputs``)."""
        value, _ = self._run(pred, target, reduction, sample_weight, nan_policy, want_value=True, want_grad=False,
                             inputs=inputs)
        return value

    def grad(
        self,
        pred: Any,
        target: Any,
        reduction: Reduction | None = None,
        sample_weight: Any = None,
        nan_policy: NanPolicy = "raise",
        out: Any = None,
        wrt: str | Sequence[str] = "pred",
        **inputs: Any,
    ) -> Any:
        """d(value)/d(pred), the same shape as ``pred``.

        Under ``reduction="none"`` each example's row holds the derivative of that example's own weighted loss
        (which is the gradient of the sum). ``out`` (NumPy only) receives the result without a new allocation.
        ``wrt``: the argument to differentiate by (``definition.wrt``: ``"pred"``, ``"target"`` where the target is
        a model's output too, a differentiable input such as ``"negative"``); a list of names gives a dict
        {name: gradient}, each in the shape of its argument.
        """
        _, g = self._run(pred, target, reduction, sample_weight, nan_policy, want_value=False, want_grad=True,
                         out=out, inputs=inputs, wrt=wrt)
        return g if g is out or isinstance(g, dict) else self._write_out(g, out)

    def value_and_grad(
        self,
        pred: Any,
        target: Any,
        reduction: Reduction | None = None,
        sample_weight: Any = None,
        nan_policy: NanPolicy = "raise",
        out: Any = None,
        wrt: str | Sequence[str] = "pred",
        **inputs: Any,
    ) -> tuple[Array, Any]:
        """Both the value and the gradient (``wrt`` as for :meth:`grad`), validating the input once."""
        value, g = self._run(pred, target, reduction, sample_weight, nan_policy, want_value=True, want_grad=True,
                             out=out, inputs=inputs, wrt=wrt)
        return value, (g if g is out or isinstance(g, dict) else self._write_out(g, out))

    def explain(self, pred: Any, target: Any, lang: str | None = "en", **call_kwargs: Any) -> Any:
        """This loss computed step by step on ``pred`` and ``target``, with its texts in ``lang`` ("en"/"ja").

        Returns a :class:`losslab.explain.Explanation`; ``call_kwargs`` are those of the call (``reduction``,
        ``sample_weight``, ``nan_policy``) plus ``max_rows`` for large inputs.
        """
        # The explain layer sits above the catalog; the package root (the composition root, which imports both)
        # installs it here, so the catalog never imports upward.
        return Loss.explainer(self, pred, target, lang=lang, **call_kwargs)

    def prepare(self, pred: Any, target: Any, nan_policy: NanPolicy = "raise", **inputs: Any) -> Batch:
        """Validate the input and lay it out as the loss sees it: (N, K) elements or (N, C) rows, labels one-hot,
        the extra inputs in ``batch.inputs``.

        The explanations and the trainer use this to show exactly what the loss computes on.
        """
        check_call(self.definition, inputs)
        return self._layout(pred, target, nan_policy, inputs)

    def for_target(self, target: Any, pred_shape: Sequence[int], dtype: Any, reduction: Reduction | None = None,
                   nan_policy: NanPolicy = "raise") -> TargetRows:
        """A data set's target arranged once for the batches of a training loop: ``rows.grad(pred, idx)`` is
        ``loss.grad(pred, target[idx], reduction, nan_policy=nan_policy)``, number for number and error for error,
        without laying out and converting the target again at every step.

        ``pred_shape`` is the shape of the whole set's predictions ((N, K) or (N, C)) and ``dtype`` theirs. The
        values of every batch (pred and target) are checked as by a call; only the layout is done once. Whatever
        the shortcut does not cover (extra inputs, batch or sequence losses, float16, other arrays, a NumPy kernel
        under ``nan_policy="raise"``) goes through the ordinary call.
        """
        return TargetRows(self, target, tuple(int(k) for k in pred_shape), dtype, reduction, nan_policy)

    def example_weights(
        self, pred: Any, target: Any, sample_weight: Any = None, nan_policy: NanPolicy = "raise", **inputs: Any
    ) -> Array:
        """The effective weight w_i of every example: sample_weight * class_weight[y_i], 0 if ignored or omitted."""
        check_call(self.definition, inputs)
        batch = self._layout(pred, target, nan_policy, inputs)
        xp = batch.xp
        w = self._weights(batch, sample_weight, nan_policy)
        if w is None:
            w = xp.ones((batch.n,), dtype=batch.pred.dtype)
        if batch.keep is not None:
            w = xp.where(batch.keep, w, xp.zeros_like(w))
        return w

    def _write_out(self, g: Array, out: Any) -> Array:
        if out is None:
            return g
        if not isinstance(out, np.ndarray) or not isinstance(g, np.ndarray):
            raise LossInputError(self.name, "out", "a NumPy array (out= is for NumPy input)", type(out).__name__,
                                 "leave out= unset for other array libraries")
        if out.shape != g.shape:
            raise LossInputError(
                self.name, "out", f"an array of shape {v.shape_str(g.shape)}", f"shape {v.shape_str(out.shape)}",
                "the gradient has the shape of pred: np.empty_like(pred)")
        try:
            np.copyto(out, g, casting="same_kind")
        except TypeError:
            raise LossInputError(self.name, "out", f"a floating array that can hold {g.dtype}",
                                 f"dtype {out.dtype}", "np.empty_like(pred) has the right dtype") from None
        return out

    # -- the work ----------------------------------------------------------------------------------------------
    def _run(
        self,
        pred: Any,
        target: Any,
        reduction: Reduction | None,
        sample_weight: Any,
        nan_policy: NanPolicy,
        *,
        want_value: bool,
        want_grad: bool,
        out: Any = None,
        inputs: Mapping[str, Any] | None = None,
        wrt: str | Sequence[str] = "pred",
    ) -> tuple[Array | None, Any]:
        d = self.definition
        inputs = inputs or {}
        check_call(d, inputs)
        names = wrt_names(d, wrt) if want_grad else ("pred",)
        if names != ("pred",) and out is not None:
            raise LossInputError(d.name, "out", "no out= with wrt other than 'pred'", "an out= array",
                                 "leave out= unset: each gradient is a new array")
        reduction = d.default_reduction if reduction is None else reduction
        if reduction not in d.reductions:
            raise LossInputError(
                d.name, "reduction", "one of " + ", ".join(repr(r) for r in d.reductions), repr(reduction),
                "rmse is defined only over a whole set: use mse for per-example losses" if d.finalize
                else "'mean' averages over examples, 'sum' adds them up, 'none' gives one loss per example",
            )
        if nan_policy not in NAN_POLICIES:
            raise LossInputError(d.name, "nan_policy", "one of 'raise', 'propagate', 'omit'", repr(nan_policy),
                                 "'omit' leaves out examples with NaN, 'propagate' returns NaN for them")
        if d.kind == "sequence" and nan_policy != "raise":
            raise LossInputError(d.name, "nan_policy", "'raise' (a sequence loss checks every frame itself)",
                                 repr(nan_policy), "drop the sequences with NaN before the call")
        if d.kind == "batch" and nan_policy == "omit":
            raise LossInputError(d.name, "nan_policy", "'raise' or 'propagate' (each example's loss reads the whole "
                                 "batch, so a NaN row cannot be left out of the others' losses)", repr(nan_policy),
                                 "drop the rows with NaN before the call")
        if (
            d.fast is not None
            and not d.inputs
            and _FAST_PATH.get()
            and nan_policy == "raise"
            and type(pred) is np.ndarray
            and type(target) is np.ndarray
            and (sample_weight is None or type(sample_weight) is np.ndarray)
        ):
            # The definition's own NumPy kernel (losses.fast): cache-blocked, with deferred validation. It answers
            # NotImplemented whenever it is unsure (odd shapes or dtypes, a non-finite result, a value out of
            # range), and the generic path below then computes the same numbers or raises the proper error.
            self._check_eps(compute_dtype(np, pred.dtype))
            result = d.fast(self, pred, target, reduction, sample_weight, want_value, want_grad, out)
            if result is not NotImplemented:
                return result
        try:
            batch = self._layout(pred, target, nan_policy, inputs)
            xp = batch.xp
            self._check_eps(batch.pred.dtype)
            weights = self._weights(batch, sample_weight, nan_policy)
            ctx = np.errstate(all="ignore") if is_numpy(xp) else _nullcontext()
            with ctx:
                if not d.inputs and d.kind != "batch":
                    value, g = self._reduce(batch, weights, reduction, want_value, want_grad)
                    grads = {"pred": g}
                else:
                    # the same reduction with the inputs bound into value and grad; the other gradients (and every
                    # gradient of a batch loss, whose rows are coupled) are weighted here by the same coefficients
                    own = want_grad and names == ("pred",) and d.kind != "batch"
                    value, g = self._reduce(batch, weights, reduction, want_value, own, bound=True)
                    grads = {"pred": g} if own else (
                        input_grads(d, self.params, batch, weights, reduction, names) if want_grad else {})
        except MemoryError:
            raise self._too_large(pred, target) from None
        for name, gi in grads.items():
            if gi is not None and batch.input_dtype != gi.dtype:
                # float16 / bfloat16 are computed in float32 (as PyTorch's autocast runs its losses); the gradient
                # goes back in the input's dtype (it flows into that model), the value stays float32 (it would
                # overflow: an mse of 300 is inf in float16)
                grads[name] = xp.astype(gi, batch.input_dtype)
        if not want_grad:
            return value, None
        return value, (grads[wrt] if isinstance(wrt, str) else {n: grads[n] for n in names})

    def _too_large(self, pred: Any, target: Any) -> LossInputError:
        sizes = [int(math.prod(getattr(x, "shape", ()) or (1,))) for x in (pred, target)]
        n = max(sizes)
        return LossInputError(self.name, "pred/target", "arrays that fit in this machine's memory",
                              f"{n:,} elements (about {8 * n * 4 / 1e9:,.1f} GB of float64 work arrays)",
                              "score the data in chunks (reduction='sum' per chunk, then divide), or use Dask arrays")

    def _check_eps(self, dtype: Any) -> None:
        """A probability clip ``[eps, 1 - eps]`` must be representable: below the dtype's spacing at 1 it is a no-op
        and log(1 - p) is -inf at p = 1."""
        d = self.definition
        if d.pred_domain(self.params) != "probability":
            return
        try:
            finfo = np.finfo(dtype_name(dtype))
        except (TypeError, ValueError):
            return
        for p in d.params:
            eps = self.params[p.name]
            if p.role == "numerics" and isinstance(eps, float) and not float(1.0 - finfo.dtype.type(eps)) < 1.0:
                raise LossInputError(
                    d.name, p.name, f"a value that {finfo.dtype} can tell apart from 0 at 1 (>= {finfo.epsneg:.3g})",
                    f"{eps:g}", f"pass {p.name}={max(1e-7, float(finfo.epsneg) * 2):.3g} or more, or use float64 input")

    def _layout(self, pred: Any, target: Any, nan_policy: NanPolicy, inputs: Mapping[str, Any] | None = None
                ) -> Batch:
        return self._checked(self._arrange(pred, target, nan_policy), nan_policy, inputs)

    def _arrange(self, pred: Any, target: Any, nan_policy: NanPolicy) -> Batch:
        """The first half of :meth:`_layout`: the arrays, their dtypes and shapes as the definition reads them (class
        labels checked and one-hot); the values of pred and target are checked by :meth:`_checked`."""
        d = self.definition
        xp = namespace_of(pred, target)
        try:
            p = as_array(xp, pred)
            t = as_array(xp, target)
        except (TypeError, ValueError) as exc:
            raise LossInputError(d.name, "pred/target", "numbers (lists or arrays)", f"{exc}",
                                 "rows of different lengths, or text, cannot form an array") from None
        for arg, a in (("pred", p), ("target", t)):
            if not (xp.isdtype(a.dtype, "numeric") or a.dtype == xp.bool) or xp.isdtype(a.dtype, "complex floating"):
                raise LossInputError(d.name, arg, "real numbers", f"an array of dtype {a.dtype}",
                                     "convert to a real floating array first, e.g. np.asarray(x, dtype=float)")
        input_dtype = float_dtype(xp, p, t)
        dtype = compute_dtype(xp, input_dtype)
        pred_shape = tuple(p.shape)
        target_shape = tuple(t.shape)
        p = to_float(xp, p, dtype)
        if d.kind == "elementwise":
            batch = self._layout_elementwise(xp, p, t, dtype, pred_shape)
        elif d.kind == "sequence":
            batch = self._layout_sequence(xp, p, t, dtype, pred_shape)
        else:
            batch = self._layout_rows(xp, p, t, dtype, pred_shape, nan_policy)
        batch.target_shape = target_shape
        batch.input_dtype = input_dtype
        return batch

    def _checked(self, batch: Batch, nan_policy: NanPolicy, inputs: Mapping[str, Any] | None = None,
                 target_finite: Array | None = None) -> Batch:
        """The second half of :meth:`_layout`: the values checked, the extra inputs laid out, the target as the
        definition computes with it, and the examples with NaN marked (:class:`TargetRows` arranges a data set's
        target once and gives each batch of it here; ``target_finite``: the batch's target rows were checked and
        prepared as part of the whole set, and these of them are finite)."""
        d = self.definition
        xp = batch.xp
        pred_shape = batch.pred_shape
        ready = target_finite is not None
        self._check_values(batch, nan_policy, check_target=not ready)
        inputs_finite = None
        if d.inputs:
            batch.inputs, batch.input_shapes, inputs_finite = layout_inputs(
                d, self.params, xp, batch.pred, pred_shape, batch.n, inputs or {}, nan_policy)
        if d.prepare_target is not None and not ready:
            batch.target = d.prepare_target(xp, batch.target)
        if nan_policy != "raise":
            finite = _rows_finite(xp, batch.pred) & (target_finite if ready else _rows_finite(xp, batch.target))
            if inputs_finite is not None:
                finite = finite & inputs_finite
            if batch.missing_labels is not None:
                finite = finite & ~batch.missing_labels
            if nan_policy == "omit":
                batch.keep = finite if batch.keep is None else (batch.keep & finite)
            else:
                # branch-wise formulas (max, where) can turn NaN into a finite number: mark those examples so
                # that their value and gradient come out NaN, as "propagate" promises
                batch.nonfinite = ~finite
        return batch

    def _layout_elementwise(self, xp: Namespace, p: Array, t: Array, dtype: Any, pred_shape: tuple[int, ...]) -> Batch:
        name = self.name
        if p.ndim == 0:
            p = xp.reshape(p, (1,))
        if t.ndim == 0:
            t = xp.reshape(t, (1,))
        if tuple(p.shape) != tuple(t.shape):
            # A column of predictions (N, 1) against a flat target (N,) is the classic silent-broadcast bug
            # ((N, N) in NumPy); both mean "N examples", so we line them up instead of broadcasting.
            if tuple(p.shape) == (*t.shape, 1) or (*p.shape, 1) == tuple(t.shape):
                t = xp.reshape(t, tuple(p.shape))
            else:
                raise _shape_error(name, f"the same shape as pred {v.shape_str(tuple(p.shape))}", p, t,
                                   "pred and target must hold one value per element; check the order of "
                                   "the arguments (pred first) and any missing reshape")
        n = int(p.shape[0])
        k = math.prod(int(s) for s in p.shape[1:])
        if n == 0 or k == 0:
            raise LossInputError(name, "pred", "at least one example",
                                 f"an empty array of shape {v.shape_str(pred_shape)}",
                                 "a loss needs at least one prediction; check the batch or the filter before it")
        p2 = xp.reshape(p, (n, k))
        t2 = xp.reshape(to_float(xp, t, dtype), (n, k))
        return Batch(xp, p2, t2, pred_shape, n)

    def _layout_sequence(self, xp: Namespace, p: Array, t: Array, dtype: Any, pred_shape: tuple[int, ...]
                         ) -> Batch:
        """(N, T, C) frames of class scores kept as they are ((T, C): one sequence), and (N, S) padded integer
        labels passed through as floats (``target_format="padded_labels"``: the definition checks them)."""
        d = self.definition
        name = d.name
        one_example = p.ndim == d.example_ndim
        if p.ndim not in (d.example_ndim, d.example_ndim + 1):
            raise LossInputError(name, "pred", "frames of class scores of shape (N, T, C), or (T, C) for one "
                                 "sequence", f"an array of shape {v.shape_str(pred_shape)}",
                                 "examples first: PyTorch's CTC input (T, N, C) becomes (N, T, C) with "
                                 "log_probs.permute(1, 0, 2)")
        p3 = xp.reshape(p, (1, *p.shape)) if one_example else p
        n = int(p3.shape[0])
        if n == 0 or int(p3.shape[1]) == 0 or int(p3.shape[2]) == 0:
            raise LossInputError(name, "pred", "at least one sequence with one frame and one class",
                                 f"an empty array of shape {v.shape_str(pred_shape)}",
                                 "check the batch or the filter before it")
        if one_example and t.ndim == 1:
            t = xp.reshape(t, (1, t.shape[0]))
        if t.ndim != 2 or int(t.shape[0]) != n:
            raise _shape_error(name, f"padded integer labels of shape ({n}, S)" + (", or (S,) for one sequence"
                               if one_example else ""), p, t,
                               "one row of labels per sequence, padded to the longest; concatenated 1-D targets "
                               "(PyTorch's other form) go to losslab.losses.sequence.ctc_loss")
        return Batch(xp, p3, to_float(xp, t, dtype), pred_shape, n)

    def _layout_rows(
        self, xp: Namespace, p: Array, t: Array, dtype: Any, pred_shape: tuple[int, ...], nan_policy: NanPolicy
    ) -> Batch:
        d = self.definition
        name = d.name
        one_example = p.ndim == 1
        if p.ndim not in (1, 2):
            raise LossInputError(name, "pred", "class scores of shape (N, C), or (C,) for one example",
                                 f"an array of shape {v.shape_str(pred_shape)}",
                                 "flatten the extra axes into examples, e.g. pred.reshape(-1, C)")
        p2 = xp.reshape(p, (1, p.shape[0])) if one_example else p
        n, c = int(p2.shape[0]), int(p2.shape[1])
        if n == 0 or c == 0:
            raise LossInputError(name, "pred", "at least one example with at least one class",
                                 f"an empty array of shape {v.shape_str(pred_shape)}",
                                 "a loss needs at least one prediction; check the batch or the filter before it")
        fmt = d.target_format
        labels_shape = () if one_example else (n,)
        if fmt == "labels_or_same":
            fmt = "same" if t.ndim == p.ndim else "labels"
        if fmt == "value":  # one real number per example (the observation an ensemble forecasts)
            if tuple(t.shape) not in ((n,), (n, 1)) and not (one_example and tuple(t.shape) in ((), (1,))):
                raise _shape_error(name, f"one value per example, shape {v.shape_str(labels_shape or (1,))}", p, t,
                                   "pred holds several values per example (its rows), the target one per example")
            return Batch(xp, p2, to_float(xp, xp.reshape(t, (n, 1)), dtype), pred_shape, n)
        if fmt == "same":
            if tuple(t.shape) != tuple(p.shape):
                hint = None
                if tuple(t.shape) == labels_shape and d.target_format == "same":
                    sparse = d.label_variant
                    hint = ("these look like integer class labels: use " + repr(sparse)) if sparse else (
                        "these look like integer class labels: one-hot encode them")
                raise _shape_error(name, f"target rows of the same shape as pred {v.shape_str(pred_shape)}",
                                   p, t, hint)
            t2 = to_float(xp, xp.reshape(t, (n, c)), dtype)
            labels = xp.argmax(t2, axis=1) if d.role_param("example_weight") else None
            return Batch(xp, p2, t2, pred_shape, n, labels=labels)
        # integer labels, one per example (one example may carry its label as a scalar or as [label])
        if one_example and tuple(t.shape) == (1,):
            t = xp.reshape(t, ())
        if tuple(t.shape) != labels_shape:
            hint = None
            if tuple(t.shape) == tuple(p.shape):
                dense = name.removeprefix("sparse_")
                hint = f"these look like one-hot rows: use {dense!r}" if dense != name else (
                    "pass integer class labels, one per example")
            raise _shape_error(name, f"integer class labels of shape {v.shape_str(labels_shape)}", p, t, hint)
        if xp.isdtype(t.dtype, "real floating") and nan_policy == "raise":
            t = on_blocks(xp, t, v.finite_check(name, "target"))
        t = on_blocks(xp, t, v.integer_check(name, "target", "integer class labels"))
        skip_param = d.role_param("skip")
        ignore_index = self.params.get(skip_param) if skip_param else None

        def in_range(xq: Namespace, block: Array) -> None:
            bad = (block < 0) | (block >= c)
            if ignore_index is not None:
                bad = bad & (block != ignore_index)
            if xp.isdtype(block.dtype, "real floating"):
                bad = bad & xq.isfinite(block)
            if bool(xq.any(bad)):
                count, value, where = v._first_bad(xq, block, bad)
                v.fail(name, "target", f"class labels in 0..{c - 1} (pred has C={c} columns)",
                       f"{count} label(s) outside, the first {v.fmt(value)} at {where}",
                       "labels count from 0" + (f"; pass {skip_param}={int(value)} to skip such examples"
                                                if value < 0 and skip_param else ""))

        t = on_blocks(xp, t, in_range)
        labels = xp.reshape(t, (n,))
        missing = None
        if xp.isdtype(labels.dtype, "real floating"):
            missing = ~xp.isfinite(labels)  # only reachable under nan_policy "omit" / "propagate"
            labels = xp.where(missing, xp.zeros_like(labels) - 1, labels)
        labels = xp.astype(labels, xp.int64)
        keep = None
        if ignore_index is not None:
            keep = labels != ignore_index
        onehot = xp.astype(xp.reshape(labels, (n, 1)) == xp.reshape(xp.arange(c, dtype=xp.int64), (1, c)), dtype)
        return Batch(xp, p2, onehot, pred_shape, n, labels=labels, keep=keep, missing_labels=missing)

    def _check_values(self, batch: Batch, nan_policy: NanPolicy, check_pred: bool = True,
                      check_target: bool = True) -> None:
        """The values of pred and target, in one order (``check_pred`` / ``check_target`` False: that side is
        checked elsewhere: :class:`TargetRows` checks a data set's whole target once, then each batch's pred)."""
        d = self.definition
        xp = batch.xp
        pshape, tshape = batch.pred_shape, batch.target_shape
        if nan_policy == "raise":
            if check_pred:
                batch.pred = on_blocks(xp, batch.pred, v.finite_check(d.name, "pred", pshape))
            if check_target and (batch.labels is None or d.target_format == "same"):
                batch.target = on_blocks(xp, batch.target, v.finite_check(d.name, "target", tshape))
        finite_only = nan_policy != "raise"
        pred_domain = d.pred_domain(self.params)
        check = _domain_check(d, "pred", pred_domain, self.params, finite_only, pshape) if check_pred else None
        if check is not None:
            batch.pred = on_blocks(xp, batch.pred, check)
        if check_target and (batch.labels is None or d.target_format != "labels"):
            check = _domain_check(d, "target", d.target_domain(self.params), self.params, finite_only, tshape)
            if check is not None and not (d.kind == "rows" and batch.labels is not None and batch.keep is not None):
                batch.target = on_blocks(xp, batch.target, check)
            if is_lazy(xp) and d.target_domain(self.params) == "signed_or_binary":
                # a chunk sees only its own labels: -1 in one chunk and 0 in another is checked over the whole
                mix = xp.any(batch.target == -1) & xp.any(batch.target == 0)
                batch.target = _fail_lazily_if(batch.target, mix, LossInputError(
                    d.name, "target", "labels all in {-1, +1} or all in {0, 1}", "a mix of -1, 0 and 1",
                    "with -1 present, 0 is ambiguous: use one encoding for the whole set"))
        if d.kind == "rows" and d.task != "binary" and pred_domain == "probability" and not is_lazy(xp):
            # (a binary loss's rows are masks of independent probabilities, not distributions: soft_dice)
            has_logits = d.score_switch is not None
            if check_pred:
                _warn_unnormalized(xp, d.name, "pred", batch.pred, has_logits)
            if check_target and d.task == "distribution":
                _warn_unnormalized(xp, d.name, "target", batch.target, has_logits)

    def _weights(self, batch: Batch, sample_weight: Any, nan_policy: NanPolicy) -> Array | None:
        """w_i = sample_weight_i * class_weight[y_i] (None when every weight is 1)."""
        xp = batch.xp
        dtype = batch.pred.dtype
        w = None
        if sample_weight is not None:
            try:
                sw = None if _is_number(sample_weight) else as_array(xp, sample_weight)
                if sw is not None and not (xp.isdtype(sw.dtype, ("real floating", "integral")) or sw.dtype == xp.bool):
                    raise TypeError(f"an array of dtype {sw.dtype}")
                sw = None if sw is None else to_float(xp, sw, dtype)
            except (TypeError, ValueError) as exc:
                raise LossInputError(self.name, "sample_weight", "numbers, one weight per example",
                                     f"{type(sample_weight).__name__} that is not numeric ({exc})",
                                     "pass a list or array of real numbers >= 0") from None
            if sw is None:
                sw = xp.full((batch.n,), float(sample_weight), dtype=dtype)
            if sw.ndim == 0:
                sw = xp.full((batch.n,), sw, dtype=dtype) if not is_lazy(xp) else sw * xp.ones((batch.n,), dtype=dtype)
            if tuple(sw.shape) != (batch.n,):
                raise LossInputError(self.name, "sample_weight", f"one weight per example, shape ({batch.n},)",
                                     f"shape {v.shape_str(tuple(sw.shape))}",
                                     "weights belong to examples (rows), not to elements")
            sw = on_blocks(xp, sw, v.finite_check(self.name, "sample_weight", hint="a weight must be a finite "
                                                  "number; nan_policy applies to pred and target, not to weights"))
            sw = on_blocks(xp, sw, v.interval_check(self.name, "sample_weight", 0.0, None,
                                                    expected="non-negative weights"))
            w = sw
        cw_param = self.definition.role_param("example_weight")
        class_weight = self.params.get(cw_param) if cw_param else None
        if class_weight is not None:
            assert cw_param is not None
            c = int(batch.pred.shape[1])
            cw = _class_weight_array(self.name, class_weight, c, cw_param)
            cw_x = xp.asarray(cw, dtype=dtype)
            assert batch.labels is not None
            safe = xp.where((batch.labels >= 0) & (batch.labels < c), batch.labels, 0)
            per = xp.take(cw_x, safe, axis=0)
            w = per if w is None else w * per
        return w

    def _reduce(
        self, batch: Batch, w: Array | None, reduction: Reduction, want_value: bool, want_grad: bool,
        bound: bool = False,
    ) -> tuple[Array | None, Array | None]:
        """The reduced value and d/d pred; ``bound``: the batch's extra inputs are passed to value and grad beside
        the parameters, and a batch loss is reduced as rows (its rows' coupling is inside its value and grad)."""
        d = self.definition
        xp = batch.xp
        p, t, keep = batch.pred, batch.target, batch.keep
        k = int(p.shape[1])
        params = dict(self.params)
        kind = d.kind
        if bound:
            params.update(batch.inputs)
            kind = "rows" if kind == "batch" else kind
        if reduction in ORDER_REDUCTIONS:  # a metric's max or median over the examples (losses._order)
            return order_reduce(d, xp, p, t, params, w, keep, batch.nonfinite, reduction, batch.pred_shape,
                                want_value, want_grad, _numeric_grad)
        # total weight, for the weighted mean
        total: Any = None
        if reduction == "mean":
            if w is None and keep is None:
                total = float(batch.n)
            else:
                ww = xp.ones((batch.n,), dtype=p.dtype) if w is None else w
                if keep is not None:
                    ww = xp.where(keep, ww, xp.zeros_like(ww))
                total = xp.sum(ww)
                why = "every example is ignored (ignore_index) or omitted (nan_policy='omit')" if w is None else (
                    "the weights sum to 0")
                zero_total = LossInputError(d.name, "sample_weight", "a positive total weight for the mean",
                                            why, "use reduction='sum', or keep at least one weighted example")
                total = on_blocks(xp, total, _positive_total(zero_total))
        average_elements = kind == "elementwise" and d.element_reduce == "mean" and k > 1
        divisor = None
        if reduction == "mean" and d.mean_divisor is not None:
            divisor = d.mean_divisor(xp, p, t, **params)  # PyTorch's CTC: l_n / max(S_n, 1) before the mean

        value = None
        both = None  # the definition's value and grad in one pass, when it has one and both are wanted
        if want_grad and (want_value or d.finalize) and d.value_and_grad is not None:
            both = d.value_and_grad(xp, p, t, **params)
        if want_value or d.finalize:
            raw = d.value(xp, p, t, **params) if both is None else both[0]
            if kind in ("rows", "sequence"):
                per = raw
            elif k == 1:
                per = raw[:, 0]
            else:
                per = xp.mean(raw, axis=1) if average_elements else xp.sum(raw, axis=1)
            if divisor is not None:
                per = per / divisor
            if w is not None:
                per = per * w
            if keep is not None:
                per = xp.where(keep, per, xp.zeros_like(per))
            if batch.nonfinite is not None:
                per = xp.where(batch.nonfinite, xp.full_like(per, xp.nan), per)
            if reduction == "none":
                value = per
            elif reduction == "sum":
                value = xp.sum(per)
            else:
                value = xp.sum(per) / total
            if d.finalize == "sqrt":
                if is_numpy(xp):
                    value = xp.sqrt(value)  # (a NumPy scalar stays a scalar; no autograd to care for)
                else:
                    # sqrt's slope is infinite at 0; the gradient below takes 0 there (a perfect fit), and so
                    # does autograd through this where (sqrt of 1 in the untaken branch keeps it finite)
                    zero = value == 0
                    value = xp.where(zero, xp.zeros_like(value), xp.sqrt(xp.where(zero, xp.ones_like(value), value)))

        g = None
        if want_grad:
            if both is not None:
                raw_g = both[1]
            else:
                raw_g = _numeric_grad(d, xp, p, t, params) if d.grad is None else d.grad(xp, p, t, **params)
            if average_elements:
                raw_g = raw_g * (1.0 / k)
            col = (batch.n,) + (1,) * (raw_g.ndim - 1)  # one value per example, against (N, K) or (N, T, C)
            if divisor is not None:
                raw_g = raw_g / xp.reshape(divisor, col)
            if w is not None:
                raw_g = raw_g * xp.reshape(w, col)
            if reduction == "mean":
                raw_g = raw_g / total
            if keep is not None:
                raw_g = xp.where(xp.reshape(keep, col), raw_g, xp.zeros_like(raw_g))
            if batch.nonfinite is not None:
                raw_g = xp.where(xp.reshape(batch.nonfinite, col), xp.full_like(raw_g, xp.nan), raw_g)
            if d.finalize == "sqrt":
                assert value is not None
                factor = xp.where(value > 0, 0.5 / xp.where(value > 0, value, xp.ones_like(value)),
                                  xp.zeros_like(value))
                raw_g = raw_g * factor
            g = xp.reshape(raw_g, batch.pred_shape)
        return (value if want_value else None), g


_FAST_PATH: contextvars.ContextVar[bool] = contextvars.ContextVar("losslab_fast_path", default=True)


@contextlib.contextmanager
def fast_path(enabled: bool) -> Iterator[None]:
    """Within the block, switch the definitions' NumPy kernels on or off (off: the generic array-API path only,
    the reference the kernels are tested against)."""
    token = _FAST_PATH.set(enabled)
    try:
        yield
    finally:
        _FAST_PATH.reset(token)


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
