"""``losslab.custom``: a formula becomes a catalog loss like any other (weights, reductions, explain, trainer, lab).

The definition's value and gradient are the compiled formula's value and first derivative; its parameters carry
the values given as defaults, a constraint (exponents stay within ±16) and a slider around that value. The loss is
registered under its name (``custom_<hash>`` when none is given), so the CLI, the trainer and the lab find it; a
built-in name is refused, a custom name is redefined.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import LossInputError
from ..losses import Loss, LossDefinition, Param, register
from ..losses import definition as loss_definition
from ..losses._definition import number
from ._errors import FormulaError
from ._fast import formula_kernel
from ._formula import Formula, compile_formula
from ._parse import LIMITS

__all__ = ["custom", "formula_definition"]


def _slider(value: float) -> tuple[float, float, float]:
    """A slider around the given value: 0 to 3× it (or ±3 round 0), in 100 steps."""
    span = 3.0 * abs(value) if value != 0 else 3.0
    low = 0.0 if value > 0 else -span
    high = span if value >= 0 else 0.0
    return (low, high, round(span / 100.0, 12) or 0.01)


def _param(name: str, value: float, in_exponent: bool) -> Param:
    limit = float(LIMITS["exponent"]) if in_exponent else float(LIMITS["constant"])
    return Param(name, value, "a parameter of your formula" + (" (an exponent: at most 16 in size)"
                                                               if in_exponent else ""),
                 constraint=number(low=-limit, high=limit), slider=_slider(value))


def _refuse_nan(f: Formula, out: Any, pred: Any, target: Any) -> None:
    """Never a silent NaN: a formula that gives NaN on NumPy input says where (PyTorch and Dask results are not
    inspected here: a NaN there propagates as the array library computes it)."""
    if isinstance(out, np.ndarray):
        bad = np.isnan(out)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            p, t = np.broadcast_to(pred, out.shape).ravel()[i], np.broadcast_to(target, out.shape).ravel()[i]
            raise FormulaError("nan", f.text, None, argument="pred", pred=float(p), target=float(t), index=i)


def formula_definition(f: Formula, name: str) -> LossDefinition:
    """The catalog definition of a compiled formula."""

    def value(xp: Any, pred: Any, target: Any, **params: Any) -> Any:
        (out,) = f.compute(xp, pred, target, params, orders=(0,))
        _refuse_nan(f, out, pred, target)
        return out

    def grad(xp: Any, pred: Any, target: Any, **params: Any) -> Any:
        (out,) = f.compute(xp, pred, target, params, orders=(1,))
        _refuse_nan(f, out, pred, target)
        return out

    def steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[dict, dict]:
        cols = {"pred": p, "target": t}
        if f.task == "regression":
            cols["error"] = p - t
        return cols, {}

    probability = f.uses_probability
    return LossDefinition(
        name=name,
        task="binary" if f.task == "binary" else "regression",
        kind="elementwise",
        value=value,
        grad=grad,
        steps=steps,
        fast=formula_kernel(f),
        latex=f.latex,
        plain=f.plain,
        params=tuple(_param(k, v, k in f.exponent_params) for k, v in f.params.items()),
        summary=f"Your formula loss: {f.plain}",
        pred_domain=lambda params: "probability" if probability else "real",
        target_domain=lambda params: "probability" if f.task == "binary" else "real",
        reference="losslab.custom: " + f.text,
        origin={"formula": f.text, "params": dict(f.params), "task": f.task},
    )


def custom(formula: str, *, name: str | None = None, params: Mapping[str, Any] | None = None,
           task: str = "regression", lang: str | None = "en") -> Loss:
    """A loss from a formula, e.g. ``losslab.custom("log(cosh(yhat - y))", name="my_logcosh")``.

    Parameters
    ----------
    formula : str
        In the formula language (``losslab.formula`` module docs): ``yhat`` (ŷ), ``y``, ``r = ŷ − y``, ``p``
        (ŷ read as a probability), your parameters, numbers, ``+ − * / ^``, ``|x|``, log, log1p, exp, sqrt, abs,
        min, max, tanh, cosh, sigmoid, softplus, ``where(cond, a, b)`` and ``a if cond else b``. It is parsed by
        losslab's own grammar; nothing is evaluated as Python.
    name : str, optional
        The catalog name (a Python identifier); ``custom_<hash>`` when omitted.
    params : dict, optional
        The value of each parameter the formula uses, e.g. ``{"delta": 1.0}``.
    task : {"regression", "binary"}
        ``binary``: the target is 0/1; the prediction is a probability when the formula uses ``p``, a score
        otherwise.

    Returns
    -------
    Loss
        With value, gradient (the exact derivative), weights, reductions and ``explain`` like any catalog loss.
    """
    f = compile_formula(formula, params, task, lang)
    if name is None:
        digest = hashlib.sha1(repr((f.text, sorted(f.params.items()), task)).encode()).hexdigest()[:8]
        name = f"custom_{digest}"
    if not isinstance(name, str) or not name.isidentifier():
        raise FormulaError("bad_name", f.text, None, lang=lang, argument="name", name=name)
    try:
        existing = loss_definition(name)
    except LossInputError:
        existing = None
    if existing is not None and (existing.builtin or existing.name != name or "formula" not in existing.origin):
        raise FormulaError("name_taken", f.text, None, lang=lang, argument="name", name=name)
    definition = register(formula_definition(f, name), replace=True)
    return Loss(definition)
