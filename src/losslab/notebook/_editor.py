"""The custom-loss editor widget: type a formula in ``losslab.custom``'s language and read how it parses, its exact
derivative, its curve and slope, and the property report — or the formula's error, in words, with its position.

The text only ever reaches :func:`losslab.formula.compile_formula` (losslab's own grammar: nothing is evaluated as
Python); the parameters are typed ``name=value`` and read as numbers with ``float``. The curve is
``Formula.compute`` along the axis the property report reads (the error r, or the score / probability for a binary
formula); :meth:`FormulaEditor.loss` registers the formula as a catalog loss with :func:`losslab.custom`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets

from .._jsonable import jsonable
from ..errors import LossInputError
from ..formula import Formula, FormulaError, compile_formula, custom, report
from ..losses import Loss
from ._widget_base import CAUGHT, Widget, esm

__all__ = ["POINTS", "SPAN", "FormulaEditor", "parse_params"]

POINTS, SPAN = 201, 5.0
"""The curve's points and half-width (as the lab's formula panel)."""


def parse_params(text: str, hint: str) -> dict[str, float]:
    """``"delta=1, a=0.5"`` as ``{"delta": 1.0, "a": 0.5}``; anything else is a worded error (``hint`` says how)."""
    out: dict[str, float] = {}
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        name, eq, value = (s.strip() for s in part.partition("="))
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not eq or not name.isidentifier() or not np.isfinite(number):
            raise LossInputError("custom", "params", "name=value with a finite number", repr(part), hint)
        out[name] = number
    return out


def _axis(f: Formula) -> tuple[str, np.ndarray, float]:
    """What the curve runs along, its points and the target it is drawn for."""
    if f.task == "regression":
        return "r = ŷ − y", np.linspace(-SPAN, SPAN, POINTS), 0.0
    if f.uses_probability:
        return "p", np.linspace(0.0, 1.0, POINTS)[1:-1], 1.0  # p = 0 and 1 are where logs end
    return "score", np.linspace(-SPAN, SPAN, POINTS), 1.0


class FormulaEditor(Widget):
    """``FormulaEditor("log(cosh(yhat - y))", "delta=1", task="regression")``."""

    SECTION = "editor"
    _esm = esm("editor.js")
    formula = traitlets.Unicode("").tag(sync=True)
    params = traitlets.Unicode("").tag(sync=True)
    task = traitlets.Unicode("regression").tag(sync=True)
    position = traitlets.Int(None, allow_none=True).tag(sync=True)
    reads = traitlets.Dict().tag(sync=True)
    curve = traitlets.Dict().tag(sync=True)
    report: traitlets.List[Any] = traitlets.List().tag(sync=True)

    def __init__(self, formula: str = "", params: str = "", *, task: str = "regression",
                 lang: str | None = None) -> None:
        self._ready = False
        self._compiled: Formula | None = None
        super().__init__(lang=lang, formula=formula, params=params, task=task)
        self._ready = True
        self.refresh()

    @traitlets.observe("formula", "params", "task")
    def _typed(self, change: dict[str, Any]) -> None:
        if self._ready:
            self.refresh()

    def refresh(self) -> None:
        with self.hold_sync():
            try:
                f, unused = self._compile()
                said = report(f, self.lang)
                axis, x, y = _axis(f)
                pred = x + y if f.task == "regression" else x
                with np.errstate(all="ignore"):
                    value, slope = f.compute(np, pred, np.full_like(x, y), orders=(0, 1))
            except CAUGHT as e:
                self._compiled = None
                self.reads, self.curve, self.report = {}, {}, []
                self.position = e.position if isinstance(e, FormulaError) else None
                self._fail(e)
                return
            self._compiled = f
            d1, _ = f.plain_derivatives()
            self.reads = {"plain": f.plain, "derivative": d1, "rewrites": list(f.rewrites), "unused": unused}
            self.curve = {"axis": axis, "target": y, "x": jsonable(x),
                          "value": jsonable(np.asarray(value, dtype=float)),
                          "slope": jsonable(np.asarray(slope, dtype=float))}
            self.report = [{"key": p.key, "ok": p.ok, "sentence": p.sentence} for p in said]
            self.position, self.error = None, ""

    def _compile(self) -> tuple[Formula, list[str]]:
        """The formula with the parameters it names; a typed parameter it does not name is left out and listed
        (as the lab's formula panel does: the parameter line is kept while the formula is being typed)."""
        params = parse_params(self.params, self.words["bad_param"])
        unused: list[str] = []
        while True:
            try:
                return compile_formula(self.formula, params, self.task, self.lang), unused
            except FormulaError as e:
                name = e.fields.get("name")
                if e.code != "unused_param" or name not in params:
                    raise
                del params[name]
                unused.append(str(name))

    def loss(self, name: str) -> Loss:
        """The formula as a catalog loss named ``name`` (:func:`losslab.custom`), trainable like a built-in.

        Raises
        ------
        LossInputError
            While the formula has an error (the one shown in the widget).
        """
        if self._compiled is None:
            raise LossInputError("custom", "formula", "a formula without errors", repr(self.formula), self.error)
        f = self._compiled
        return custom(f.text, name=name, params=dict(f.params), task=f.task, lang=self.lang)
