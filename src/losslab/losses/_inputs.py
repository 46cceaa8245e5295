"""The extra inputs of a loss (:class:`~._definition.Input`): their names in the call, their layout beside pred,
their checks, and the gradients with respect to them (and to the target), weighted and reduced as d/d pred is.

A definition declares ``inputs=(Input("negative", ...), ...)``; the call passes them by keyword
(``loss(anchor, positive, negative=n)``). Here each is checked (a known name, present when required, real
numbers of the declared shape, finite, inside its domain) and laid out like pred: ``(N, K)`` / ``(N, C)``, or for
``per_example`` ``(N, 1)`` beside an elementwise loss and ``(N,)`` beside a row or batch loss.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import LossInputError
from . import _validation as v
from ._arrays import Array, Namespace, as_array, is_lazy, on_blocks, to_float
from ._checks import _domain_check, _positive_total
from ._definition import Input, LossDefinition, NanPolicy, Reduction

__all__ = ["check_call", "coefficients", "finish_grad", "input_grads", "layout_inputs", "wrt_names"]

_SHAPE_WORDS = {
    "like_pred": "the shape of pred {shape}",
    "like_pred_or_broadcast": "the shape of pred {shape}, or of pred with its last axis 1 or left out (one value "
                              "per example, shared by its elements)",
    "per_example": "one value per example, shape {n}",
}


def _call_words(d: LossDefinition) -> str:
    named = ", ".join(f"{i.name}=..." for i in d.inputs)
    return f"loss(pred, target, {named})" if named else "loss(pred, target)"


def wrt_names(d: LossDefinition, wrt: str | Sequence[str]) -> tuple[str, ...]:
    """``wrt`` as a tuple of names ``grad`` can differentiate by (pred, the target, differentiable inputs)."""
    names = (wrt,) if isinstance(wrt, str) else tuple(wrt)
    if not names:
        raise LossInputError(d.name, "wrt", "at least one argument to differentiate by", "an empty list",
                             "wrt='pred' (the default) gives d(loss)/d(pred)")
    for name in names:
        if name not in d.wrt:
            close = difflib.get_close_matches(str(name), list(d.wrt), n=1)
            labels = [i.name for i in d.inputs if i.grad is None]
            hint = (f"did you mean {close[0]!r}?" if close else
                    f"{name!r} is a label, not differentiable" if name in labels else
                    "the target is not a model's output here" if name == "target" else
                    f"`losslab show {d.name}` lists its inputs")
            raise LossInputError(d.name, "wrt", "one of " + ", ".join(repr(n) for n in d.wrt), repr(name), hint)
    return names


def check_call(d: LossDefinition, inputs: Mapping[str, Any]) -> None:
    """Every keyword is a declared input, and every required input is there."""
    known = {i.name: i for i in d.inputs}
    for name in inputs:
        if name not in known:
            close = difflib.get_close_matches(name, [*known, *(p.name for p in d.params)], n=1)
            if close and close[0] not in known:
                hint = f"{close[0]!r} is a parameter of the loss: losslab.get({d.name!r}, {close[0]}=...)"
            elif close:
                hint = f"did you mean {close[0]!r}?"
            elif any(p.name == name for p in d.params):
                hint = f"{name!r} is a parameter of the loss: losslab.get({d.name!r}, {name}=...)"
            else:
                hint = f"the call is {_call_words(d)}"
            expected = ("its inputs: " + ", ".join(known)) if known else "no inputs besides pred and target"
            raise LossInputError(d.name, name, expected, f"an unknown argument {name!r}", hint)
    for i in d.inputs:
        if i.required and inputs.get(i.name) is None:
            raise LossInputError(d.name, i.name, f"an array: {i.doc}", "nothing (it was not passed)",
                                 f"pass it by keyword: {_call_words(d)}")


def _layout_one(xp: Namespace, d: LossDefinition, i: Input, raw: Any, pred: Array, pred_shape: tuple[int, ...],
                n: int, dtype: Any) -> tuple[Array, tuple[int, ...]]:
    try:
        a = as_array(xp, raw)
    except (TypeError, ValueError) as exc:
        raise LossInputError(d.name, i.name, "numbers (a list or an array)", f"{exc}",
                             "rows of different lengths, or text, cannot form an array") from None
    if not (xp.isdtype(a.dtype, "numeric") or a.dtype == xp.bool) or xp.isdtype(a.dtype, "complex floating"):
        raise LossInputError(d.name, i.name, "real numbers", f"an array of dtype {a.dtype}",
                             "convert to a real floating array first, e.g. np.asarray(x, dtype=float)")
    shape = tuple(int(s) for s in a.shape)
    a = to_float(xp, a, dtype)
    laid = tuple(int(s) for s in pred.shape)
    one_row = d.kind != "elementwise" and len(pred_shape) == d.example_ndim  # one (C,) row, one (T, C) sequence
    expected = _SHAPE_WORDS[i.shape].format(shape=v.shape_str(pred_shape), n=v.shape_str((n,)))
    if i.shape == "per_example":
        ok = shape in ((n,), (n, 1)) or (one_row and shape in ((), (1,)))
        if not ok:
            raise LossInputError(d.name, i.name, expected, f"shape {v.shape_str(shape)}",
                                 f"pred has {n} example(s) (its first axis): one {i.name} for each")
        a = xp.reshape(a, (n, 1) if d.kind == "elementwise" else (n,))
        return a, shape
    if shape == pred_shape or (d.kind == "elementwise" and math.prod(shape) == math.prod(pred_shape)
                               and (shape == (*pred_shape, 1) or (*shape, 1) == pred_shape)):
        return xp.reshape(a, laid), shape
    if i.shape == "like_pred_or_broadcast" and len(pred_shape) >= 1 and shape in (
            pred_shape[:-1], (*pred_shape[:-1], 1)):
        # PyTorch's GaussianNLLLoss rule (pytorch#53392): one value for all of an example's last-axis elements
        a = xp.reshape(a, (*pred_shape[:-1], 1))
        a = xp.broadcast_to(a, pred_shape) if not is_lazy(xp) else a * xp.ones(pred_shape, dtype=a.dtype)
        return xp.reshape(a, laid), shape
    raise LossInputError(d.name, i.name, expected, f"shape {v.shape_str(shape)}",
                         f"{i.name} holds {i.doc}: check the order and the shapes of the arrays of the call")


def layout_inputs(d: LossDefinition, params: Mapping[str, Any], xp: Namespace, pred: Array,
                  pred_shape: tuple[int, ...], n: int, raw: Mapping[str, Any], nan_policy: NanPolicy,
                  ) -> tuple[dict[str, Array], dict[str, tuple[int, ...]], Array | None]:
    """The inputs laid out beside pred, checked; their shapes as passed; and a (N,) "all finite" flag (None when
    ``nan_policy`` is "raise", under which a non-finite input is an error)."""
    out: dict[str, Array] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    finite: Array | None = None
    for i in d.inputs:
        if raw.get(i.name) is None:
            out[i.name] = None
            continue
        a, shape = _layout_one(xp, d, i, raw[i.name], pred, pred_shape, n, pred.dtype)
        if nan_policy == "raise":
            a = on_blocks(xp, a, v.finite_check(d.name, i.name, shape))
        check = _domain_check(d, i.name, i.domain, params, nan_policy != "raise", shape, hint=i.hint)
        if check is not None:
            a = on_blocks(xp, a, check)
        if nan_policy != "raise":
            ok = xp.isfinite(a)
            ok = xp.all(ok, axis=1) if ok.ndim == 2 else ok
            finite = ok if finite is None else finite & ok
        out[i.name] = a
        shapes[i.name] = shape
    return out, shapes, finite


def coefficients(xp: Namespace, d: LossDefinition, n: int, dtype: Any, w: Array | None, keep: Array | None,
                 reduction: Reduction) -> tuple[Array, Array | None]:
    """(c_i, total): the weight of example i's loss in the sum, w_i (1 without weights, 0 when left out), and the
    total weight the mean divides by at the end (None for "sum" and "none"), as ``_reduce`` divides d/d pred, so
    that the gradient of the mean is the gradient of the sum divided by the total, to the last bit."""
    c = xp.ones((n,), dtype=dtype) if w is None else w
    if keep is not None:
        c = xp.where(keep, c, xp.zeros_like(c))
    total = None
    if reduction == "mean":
        total = xp.sum(c)
        why = "every example is omitted (nan_policy='omit')" if w is None else "the weights sum to 0"
        total = on_blocks(xp, total, _positive_total(LossInputError(
            d.name, "sample_weight", "a positive total weight for the mean", why,
            "use reduction='sum', or keep at least one weighted example")))
    elif reduction not in ("sum", "none"):
        raise LossInputError(d.name, "reduction", "'mean', 'sum' or 'none' for a gradient with respect to an input",
                             repr(reduction), "the other reductions are offered for the value and d/d pred only")
    return c, total


def finish_grad(xp: Namespace, d: LossDefinition, name: str, raw: Array, coef: Array, total: Array | None,
                keep: Array | None, nonfinite: Array | None, pred_shape: tuple[int, ...], shape: tuple[int, ...],
                k: int) -> Array:
    """A definition's raw derivative of each example's loss with respect to ``name``, weighted by ``coef`` (the
    elements averaged as the value averages them), 0 for examples left out (their NaN stays out), back in the shape
    the user passed."""
    col = (-1,) + (1,) * (raw.ndim - 1)  # one value per example, against (N,), (N, K) or (N, T, C)
    if d.kind != "batch":
        if d.kind == "elementwise" and d.element_reduce == "mean" and k > 1:
            raw = raw * (1.0 / k)
        raw = raw * xp.reshape(coef, col)
    if total is not None:
        raw = raw / total
    if keep is not None:
        raw = xp.where(xp.reshape(keep, col), raw, xp.zeros_like(raw))
    if nonfinite is not None:
        raw = xp.where(xp.reshape(nonfinite, col), xp.full_like(raw, xp.nan), raw)
    kind = "like_pred" if name in ("pred", "target") else d.input(name).shape
    if kind == "per_example" and raw.ndim == 2:
        raw = xp.sum(raw, axis=1)
    elif kind == "like_pred_or_broadcast" and shape != pred_shape and math.prod(shape) != math.prod(pred_shape):
        raw = xp.sum(xp.reshape(raw, pred_shape), axis=-1)
    return xp.reshape(raw, shape)


def input_grads(d: LossDefinition, params: Mapping[str, Any], batch: Any, w: Array | None, reduction: Reduction,
                names: tuple[str, ...]) -> dict[str, Array]:
    """The gradients ``names`` of a call on ``batch`` (a ``_core.Batch``), weighted by ``w`` and reduced: for the
    arguments other than pred, and for every argument of a batch loss (whose rows are coupled)."""
    xp = batch.xp
    coef, total = coefficients(xp, d, batch.n, batch.pred.dtype, w, batch.keep, reduction)
    args = (xp, batch.pred, batch.target)
    if reduction == "mean" and d.mean_divisor is not None:
        # after the total: the mean divides by the weights' sum, each example's loss by its own divisor first
        coef = coef / d.mean_divisor(*args, **batch.inputs, **dict(params))
    extra = {"coef": coef} if d.kind == "batch" else {}
    kwargs = {**batch.inputs, **extra, **dict(params)}
    # one pass for every gradient where the definition shares the work between them (distances, softmax)
    joint = d.grads(*args, wrt=names, **kwargs) if d.grads is not None else {}
    out = {}
    for name in names:
        fn = d.grad if name == "pred" else d.target_grad if name == "target" else d.input(name).grad
        if fn is None:
            raise LossInputError(d.name, "grad", "a gradient function", "none registered",
                                 "register the loss with grad=...")
        raw = joint[name] if name in joint else fn(*args, **kwargs)
        shape = batch.pred_shape if name == "pred" else (
            batch.target_shape or batch.pred_shape) if name == "target" else batch.input_shapes[name]
        out[name] = finish_grad(xp, d, name, raw, coef, total, batch.keep, batch.nonfinite, batch.pred_shape,
                                shape, int(batch.pred.shape[1]))
    return out
