"""The loss explorer widget: choose a loss by task, move its shape sliders, the prediction and the target, and read
the value, the gradient and the curve, all from the catalog through the lab's own explorer functions.

Nothing here defines a loss or names one: the losses offered, the first one shown and the sliders come from
:mod:`losslab.lab._compute` (``offered``, ``EXPLORER_DEFAULTS``, ``explorer_loss``, ``curves``, ``GRID``) and the
definitions' ``Param.slider`` metadata, so a loss registered with ``losslab.register`` is offered like a built-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import traitlets

from .._jsonable import jsonable
from ..errors import LossInputError, collect_input_warnings
from ..explain import texts as T
from ..lab import _compute as C
from ..losses._registry import definition
from ._widget_base import CAUGHT, Widget, esm

__all__ = ["PRED_SLIDER", "LossExplorer"]

PRED_SLIDER = {"regression": (-3.0, 3.0, 0.05), "classification": (-6.0, 6.0, 0.05)}
"""The prediction (score) and target sliders of each task, as the lab's: every error or score they make lies on the
explorer's grid."""


class LossExplorer(Widget):
    """A loss of the catalog, its shape sliders, one prediction and one target: value, gradient and curve.

    Regression draws the loss against the error ŷ − y; classification reads a raw score z (logit) and a label
    0 or 1, as the lab's explorer does. ``seq``/``answered``: the page numbers each slider move, and the answer
    carries the number of the move it answers (the page, and the benchmark, know which move an answer is for).
    """

    SECTION = "explorer"
    _esm = esm("explorer.js")
    task = traitlets.Unicode("regression").tag(sync=True)
    tasks: traitlets.List[Any] = traitlets.List().tag(sync=True)
    losses: traitlets.List[Any] = traitlets.List().tag(sync=True)
    loss = traitlets.Unicode("").tag(sync=True)
    sliders: traitlets.List[Any] = traitlets.List().tag(sync=True)
    params = traitlets.Dict().tag(sync=True)
    pred_slider = traitlets.List(list(PRED_SLIDER["regression"])).tag(sync=True)
    pred = traitlets.Float(1.0).tag(sync=True)
    target = traitlets.Float(0.0).tag(sync=True)
    seq = traitlets.Int(0).tag(sync=True)
    answered = traitlets.Int(0).tag(sync=True)
    value = traitlets.Float(None, allow_none=True).tag(sync=True)
    grad = traitlets.Float(None, allow_none=True).tag(sync=True)
    curve = traitlets.Dict().tag(sync=True)
    warnings: traitlets.List[Any] = traitlets.List().tag(sync=True)

    def __init__(self, task: str = "regression", loss: str | None = None, params: Mapping[str, Any] | None = None,
                 *, pred: float = 1.0, target: float = 0.0, lang: str | None = None) -> None:
        self._ready = False
        super().__init__(lang=lang, pred=pred, target=target)
        self._ready = True
        with self.hold_sync():
            self._choose(task, loss, dict(params or {}))

    # ------------------------------------------------------------------------------------------------ choices
    def _choose(self, task: str, loss: str | None, params: dict[str, Any]) -> None:
        """Set the task, the loss and its parameters (unknown ones are refused in words, in the error line)."""
        self._ready = False
        try:
            if task not in C.EXPLORER_LOSSES:
                raise LossInputError("explorer", "task", "'regression' or 'classification'", repr(task))
            names = list(C.offered(task))
            first = [n for n in C.EXPLORER_DEFAULTS[task] if n in names] or names
            chosen = definition(loss).name if loss else first[0]
            if chosen not in names:
                raise LossInputError("explorer", "loss", "one of " + ", ".join(names), repr(loss),
                                     "the explorer draws losses of one prediction; see losslab.catalog()")
            self.task, self.loss = task, chosen
            self.pred_slider = list(PRED_SLIDER[task])
            self.sliders = self._sliders(chosen)
            self.params = {**{s["name"]: s["value"] for s in self.sliders}, **params}
            if task == "classification" and self.target not in (0.0, 1.0):
                self.target = 1.0
        except CAUGHT as e:
            self._fail(e)
            return
        finally:
            self._ready = True
        self.refresh()

    def _sliders(self, name: str) -> list[dict[str, Any]]:
        """One slider per shape parameter with ``slider`` metadata (as the lab's explorer), worded from the loss's
        texts in the language."""
        about = T.loss_text(name, self.lang)["params"]
        return [{"name": p.name, "doc": about.get(p.name, p.doc), "min": p.slider[0], "max": p.slider[1],
                 "step": p.slider[2], "value": float(p.default)}
                for p in definition(name).params if p.slider is not None and p.role == "shape"]

    def _offer(self) -> None:
        self.tasks = [{"id": t, "label": self.words[t]} for t in C.EXPLORER_LOSSES]
        self.losses = [{"name": n, "title": T.loss_text(n, self.lang)["title"]} for n in C.offered(self.task)]

    @traitlets.observe("task")
    def _new_task(self, change: dict[str, Any]) -> None:
        if self._ready:
            self._choose(change["new"], None, {})

    @traitlets.observe("loss")
    def _new_loss(self, change: dict[str, Any]) -> None:
        if self._ready:
            self._choose(self.task, change["new"], {})

    @traitlets.observe("params")
    def _new_params(self, change: dict[str, Any]) -> None:
        if self._ready:
            self._curve()

    @traitlets.observe("pred", "target", "seq")
    def _moved(self, change: dict[str, Any]) -> None:
        if not self._ready:
            return
        if change["name"] == "target" and self.task == "classification":
            self._curve()  # the curve is drawn for the true label
            return
        with self.hold_sync():
            self._point()

    # ---------------------------------------------------------------------------------------------- numbers
    def refresh(self) -> None:
        """The choices and sliders in the language, the curve and the value at the sliders."""
        with self.hold_sync():
            self._offer()
            if self.loss:
                self.sliders = self._sliders(self.loss)
            self._curve()

    def _curve(self) -> None:
        """The curve of the chosen loss (cached by the lab's explorer) and the value at the sliders."""
        with self.hold_sync():
            try:
                data = C.curves(self.task, [(self.loss, dict(self.params))], self.lang)
            except CAUGHT as e:
                self.value = self.grad = None
                self.curve = {}
                self._fail(e)
                self.answered = self.seq
                return
            series = data["series"][0]
            label = str(int(self.target)) if self.task == "classification" else None
            grid = data["grid"]
            self.curve = {"low": grid["low"], "step": grid["step"], "n": grid["n"], "label": series["label"],
                          "value": series["value"][label] if label else series["value"],
                          "grad": series["grad"][label] if label else series["grad"]}
            self._point()

    def _point(self) -> None:
        """The catalog's value and gradient at the sliders' prediction and target."""
        try:
            loss = C.explorer_loss(self.task, self.loss, dict(self.params))
            pred, target = np.array([self.pred]), np.array([self.target])
            if self.task == "classification" and self.target not in (0.0, 1.0):
                raise LossInputError(loss.name, "target", "a label, 0 or 1", repr(self.target))
            with collect_input_warnings() as caught:
                value = loss(pred, target, reduction="none")
                grad = loss.grad(pred, target, reduction="none")
        except CAUGHT as e:
            self.value = self.grad = None
            self._fail(e)
        else:
            self.value, self.grad = jsonable(np.ravel(value)[0]), jsonable(np.ravel(grad)[0])
            self.warnings = list(dict.fromkeys(caught))
            self.error = ""
        self.answered = self.seq
