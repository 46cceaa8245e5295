"""The checks and small pieces the loss machinery shares: domains of pred and target, class weights, lazy
failures for Dask, the warning about rows that do not sum to 1, and finite differences for user losses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import LossInputError, warn_input
from . import _validation as v
from ._arrays import (
    Array,
    Namespace,
)
from ._definition import Domain, LossDefinition


def _fail_lazily_if(x: Array, flag: Array, error: LossInputError) -> Array:
    """``x`` (a Dask array) that raises ``error`` when computed if the 0-d ``flag`` is true."""
    import dask.array as da

    def passthrough(block: np.ndarray, bad: np.ndarray) -> np.ndarray:
        if bool(bad):
            raise error
        return block

    return da.map_blocks(passthrough, x, flag, dtype=x.dtype)


def _positive_total(error: LossInputError) -> Callable[[Namespace, Array], None]:
    def check(xp: Namespace, total: Array) -> None:
        if float(xp.sum(total)) == 0.0:
            raise error

    return check


def _class_weight_array(loss: str, class_weight: Any, c: int, argument: str = "class_weight"
                         ) -> np.ndarray:
    if isinstance(class_weight, Mapping):
        arr = np.ones(c)
        for key, val in class_weight.items():
            if not isinstance(key, int | np.integer) or not 0 <= int(key) < c:
                raise LossInputError(loss, argument, f"class indices 0..{c - 1} as keys", f"the key {key!r}",
                                     f"pred has {c} columns, so classes are numbered 0 to {c - 1}")
            arr[int(key)] = float(val)
    else:
        arr = np.asarray(class_weight, dtype=float)
        if arr.shape != (c,):
            raise LossInputError(loss, argument, f"one weight per class, length {c}",
                                 f"length {arr.size if arr.ndim == 1 else v.shape_str(arr.shape)}",
                                 "or pass a {class index: weight} dict for only some classes")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise LossInputError(loss, argument, "finite non-negative weights", str(arr.tolist()),
                             "a weight of 0 leaves a class out; weights need not sum to 1")
    return arr


_LOGIT_HINT = "values outside [0, 1] look like logits (raw scores): pass {switch}=True"


def _domain_check(
    d: LossDefinition, argument: str, domain: Domain, params: Mapping[str, Any], finite_only: bool,
    shape: tuple[int, ...] | None = None, hint: str | None = None,
) -> v.Check | None:
    """The check of ``argument`` (pred, target or an extra input) against ``domain``; ``hint`` replaces the
    domain's own advice (an extra input's :attr:`~._definition.Input.hint`)."""
    name = d.name
    if domain == "real":
        return None
    if hint is not None and domain not in ("signed_or_binary", "signed"):
        words = {"probability": ("values in [0, 1]", 0.0, 1.0, False), "nonnegative": ("non-negative values", 0.0,
                 None, False), "positive": ("positive values (> 0)", 0.0, None, True), "nonpositive": (
                 "values <= 0", None, 0.0, False), "above_minus_one": ("values greater than -1", -1.0, None, True)}
        expected, low, high, low_open = words[domain]
        return v.interval_check(name, argument, low, high, low_open=low_open, expected=expected, hint=hint,
                                finite_only=finite_only, shape=shape)
    if domain == "signed":
        def signed(xp: Namespace, x: Array) -> None:
            bad = (x != -1) & (x != 1)
            if finite_only:
                bad = bad & xp.isfinite(x)
            if bool(xp.any(bad)):
                count, value, where = v._first_bad(xp, x, bad, shape)
                v.fail(name, argument, "labels -1 or +1", f"{count} other value(s), the first {v.fmt(value)} at "
                       f"{where}", hint or "+1: the pair should score as the loss says (similar, or first ranked "
                       "higher), -1: the opposite; 0/1 labels: pass 2 * y - 1")

        return signed
    if domain == "probability":
        hint = None
        if argument == "pred":
            hint = d.pred_hint or (_LOGIT_HINT.format(switch=d.score_switch) if d.score_switch else None)
        return v.interval_check(name, argument, 0.0, 1.0, expected="probabilities in [0, 1]", hint=hint,
                                finite_only=finite_only, shape=shape)
    if domain == "nonnegative":
        return v.interval_check(name, argument, 0.0, None, expected="non-negative values",
                                hint=d.pred_hint if argument == "pred" else None, finite_only=finite_only,
                                shape=shape)
    if domain == "positive":
        return v.interval_check(name, argument, 0.0, None, low_open=True, expected="positive values (> 0)",
                                hint=d.pred_hint if argument == "pred" else
                                "this loss takes the log of the target or divides by it: 0 and negative targets "
                                "are outside its domain", finite_only=finite_only,
                                shape=shape)
    if domain == "nonpositive":
        return v.interval_check(name, argument, None, 0.0, expected="values <= 0 (log-probabilities)",
                                hint=d.pred_hint if argument == "pred" else None, finite_only=finite_only,
                                shape=shape)
    if domain == "above_minus_one":
        return v.interval_check(name, argument, -1.0, None, low_open=True, expected="values greater than -1",
                                hint="log1p(x) is undefined at x <= -1; msle is meant for non-negative targets "
                                     "such as counts or prices", finite_only=finite_only, shape=shape)
    if domain == "signed_or_binary":
        def check(xp: Namespace, x: Array) -> None:
            minus = x == -1
            zero = x == 0
            one = x == 1
            bad = ~(minus | zero | one)
            if finite_only:
                bad = bad & xp.isfinite(x)
            if bool(xp.any(bad)):
                count, value, where = v._first_bad(xp, x, bad, shape)
                v.fail(name, "target", "labels all in {-1, +1} or all in {0, 1}",
                       f"{count} other value(s), the first {v.fmt(value)} at {where}",
                       "hinge losses score a sign: encode the classes as -1 and +1")
            if bool(xp.any(minus)) and bool(xp.any(zero)):
                v.fail(name, "target", "labels all in {-1, +1} or all in {0, 1}", "a mix of -1, 0 and 1",
                       "with -1 present, 0 is ambiguous: use one encoding for the whole set")

        return check
    raise AssertionError(domain)


def _warn_unnormalized(xp: Namespace, loss: str, argument: str, rows: Array, has_from_logits: bool) -> None:
    sums = xp.sum(rows, axis=1)
    off = xp.abs(sums - 1.0) > 1e-3
    if bool(xp.any(off & xp.isfinite(sums))):
        count = int(xp.sum(xp.astype(off, xp.int64)))
        first = float(sums[int(xp.argmax(xp.astype(off, xp.int8)))])
        if argument == "pred" and has_from_logits:
            advice = "If these are raw scores, pass from_logits=True; if they are probabilities, check the softmax."
        elif argument == "pred":
            advice = "If these are raw scores, turn them into probabilities with a softmax first."
        else:
            advice = "A target distribution should sum to 1: divide each row by its sum."
        warn_input(
            f"{loss}: {count} row(s) of '{argument}' do not sum to 1 (the first sums to {v.fmt(first)}); "
            f"they are used as given, not renormalized. {advice}",
            stacklevel=_user_stacklevel(),
        )


def _user_stacklevel() -> int:
    """The stacklevel that points a warning at the caller's line, not at losslab's internals."""
    import os
    import sys

    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package_dir):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _numeric_grad(d: LossDefinition, xp: Namespace, p: Array, t: Array, params: dict[str, Any]) -> Array:
    """Central differences, for user-defined elementwise losses registered without a gradient."""
    if d.kind != "elementwise":
        raise LossInputError(d.name, "grad", "a gradient function for a row-wise loss", "none registered",
                             "register the loss with grad=..., the derivative of each row's loss")
    h = xp.where(xp.abs(p) > 1.0, xp.abs(p), xp.ones_like(p)) * (1e-6 if p.dtype == xp.float64 else 1e-3)
    return (d.value(xp, p + h, t, **params) - d.value(xp, p - h, t, **params)) / (2 * h)
