"""The lab's "Make your own loss" panel (issue 15): a typed formula read by :mod:`losslab.formula`, never by Python.

``POST /api/formula`` answers everything the panel shows for one formula: how it reads (LaTeX and plain text), its
first and second derivatives, its curve with both derivatives beside built-in reference losses (all computed here,
the page draws numbers only), the property report, the stable rewrites and the code for every export target.
``POST /api/formula/register`` turns it into a catalog loss (``losslab.custom``) under a name the lab chooses, so
the regression and classification labs can train it like a built-in.

A refused formula is answered 422 with :class:`~losslab.formula.FormulaError`'s own body (its ``code`` and the
0-based ``position`` of the offending character), in the request's language. The text only ever reaches the
formula grammar; parameter values are plain numbers.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import Field

from .._jsonable import jsonable
from ..errors import LossInputError
from ..explain import texts as T
from ..formula import EXPORT_TARGETS, Formula, FormulaError, compile_formula, custom, export, report
from ..losses import Loss, get, unregister
from ..losses._registry import definition
from . import _compute as C
from ._error_words import worded
from ._errors import LabError, SafeJSONResponse, error_body
from ._models import Lang, _Strict

__all__ = ["BODY_LIMITS", "FORMULA_BODY_BYTES", "MAX_LAB_LOSSES", "MAX_PARAMS", "FormulaRequest", "analyse", "install",
           "register_formula"]

MAX_PARAMS = 8
"""Most parameters a formula of the lab may name."""
MAX_LAB_LOSSES = 16
"""Most formula losses the lab keeps registered at once; the oldest is unregistered to make room."""
FORMULA_BODY_BYTES = 8 * 1024
"""Largest body of the formula endpoints: a formula (at most 256 characters) and a few numbers fit many times."""
PATHS = ("/api/formula", "/api/formula/register")
BODY_LIMITS = {path: FORMULA_BODY_BYTES for path in PATHS}
"""The body bound of each formula endpoint, for the lab's BodyLimit middleware."""
POINTS = 201
SPAN = 5.0
EXPORT_NAME = "my_loss"
NAME_PREFIX = "mine_"

ParamName = Annotated[str, Field(min_length=1, max_length=32)]


class FormulaRequest(_Strict):
    """A formula of the loss language with the values of its parameters."""

    # the grammar refuses more than 256 characters with its own words and position; this only keeps bodies small
    formula: str = Field(max_length=1024, description="e.g. 'log(cosh(r))'")
    params: dict[ParamName, float] = Field(default_factory=dict, max_length=64,
                                           description="the value of each parameter, e.g. {'delta': 1}")
    task: Literal["regression", "binary"] = "regression"
    lang: Lang = "en"


def _compile(body: FormulaRequest, lang: str) -> tuple[Formula, list[str]]:
    """The formula compiled with the parameters it uses, and the names of those it does not use.

    The panel keeps its parameter rows while the user types, so a row the formula no longer names is left out (and
    said) rather than refused: the library's ``unused_param`` error names one at a time, so at most one try each.
    """
    if len(body.params) > MAX_PARAMS:
        raise LabError(422, "params", f"at most {MAX_PARAMS} parameters", f"{len(body.params)}",
                       "the lab's bounds are listed at /api/limits")
    params: dict[str, float] = dict(body.params)
    unused: list[str] = []
    while True:
        try:
            return compile_formula(body.formula, params, body.task, lang), unused
        except FormulaError as e:
            name = e.fields.get("name")
            if e.code != "unused_param" or name not in params:
                raise
            del params[name]
            unused.append(name)


# ------------------------------------------------------------------------------------------------ the curves
def _axis(f: Formula) -> tuple[str, np.ndarray, tuple[float, ...]]:
    """What the curve runs along, its points and the targets it is drawn for (as the property report reads it)."""
    if f.task == "regression":
        return "r", np.linspace(-SPAN, SPAN, POINTS), (0.0,)
    if f.uses_probability:
        return "p", np.linspace(0.0, 1.0, POINTS)[1:-1], (1.0, 0.0)  # p = 0 and 1 are where logs end
    return "score", np.linspace(-SPAN, SPAN, POINTS), (1.0, 0.0)


def _references(f: Formula) -> list[Loss]:
    """The built-in losses drawn beside the formula: the regression lab's (MSE, MAE, Huber with its default δ),
    or the explorer's classification losses reading a raw score."""
    if f.task == "regression":
        return [get(name) for name in C.REGRESSION_DEFAULTS["defaults"]]
    return [C.explorer_loss("classification", name, {}) for name in C.EXPLORER_DEFAULTS["classification"]]


def _reference_curve(loss: Loss, x: np.ndarray, y: float, probability: bool) -> tuple[np.ndarray, np.ndarray]:
    """A reference loss's value and slope along the axis. On the p axis the score-reading loss is read at
    z = logit(p), and its slope is taken through dz/dp = 1 / (p (1 − p)) so that it is d/dp like the formula's."""
    z = np.log(x) - np.log1p(-x) if probability else x
    target = np.full_like(z, y)
    value = np.asarray(loss(z, target, reduction="none"), dtype=float)
    slope = np.asarray(loss.grad(z, target, reduction="none"), dtype=float)
    if probability:
        slope = slope / (x * (1.0 - x))
    return value, slope


def curves(f: Formula, lang: str) -> dict[str, Any]:
    """The formula's value and derivatives along its axis, for each target, with the reference losses."""
    axis, x, targets = _axis(f)
    series: list[dict[str, Any]] = []
    with np.errstate(all="ignore"), C.collect_warnings():  # the grid's warnings are not the user's: dropped
        for y in targets:
            pred = x + y if f.task == "regression" else x
            value, d1, d2 = f.compute(np, pred, np.full_like(x, y), orders=(0, 1, 2))
            series.append({"id": "formula", "target": y, "value": value, "d1": d1, "d2": d2})
            for loss in _references(f):
                value, slope = _reference_curve(loss, x, y, f.task == "binary" and f.uses_probability)
                series.append({"id": loss.name, "title": C._label(loss, lang), "target": y, "value": value,
                               "d1": slope})
    return {"axis": axis, "x": x, "targets": list(targets), "series": series}


def analyse(body: FormulaRequest) -> dict[str, Any]:
    """Everything the panel shows for one formula (see the module's docstring)."""
    lang = T.normalize_lang(body.lang)
    f, unused = _compile(body, lang)
    latex1, latex2 = f.latex_derivatives()
    plain1, plain2 = f.plain_derivatives()
    exports: dict[str, dict[str, str | None]] = {}
    for target in EXPORT_TARGETS:
        try:
            exports[target] = {"code": export(f, target, EXPORT_NAME, lang), "error": None}
        except FormulaError as e:  # a target that cannot take this formula says why; the others still export
            exports[target] = {"code": None, "error": worded(e.to_dict(), lang)}  # a 200 answer: worded here
    return jsonable({
        "formula": f.text, "task": f.task, "params": dict(f.params), "unused": unused,
        "uses_probability": f.uses_probability, "latex": f.latex, "plain": f.plain,
        "derivatives": {"latex": [latex1, latex2], "plain": [plain1, plain2]},
        "curves": curves(f, lang), "report": report(f, lang).to_dict(), "rewrites": list(f.rewrites),
        "exports": exports,
    })


# ------------------------------------------------------------------------------------------ the lab's losses
class _LabLosses:
    """The formula losses the lab registered, oldest first: at most :data:`MAX_LAB_LOSSES` (the catalog is one per
    process, so this list is too). Names count up (``mine_1``, ``mine_2`` …) and are never reused, so a link to an
    unregistered one fails in words rather than silently meaning another formula."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.names: OrderedDict[str, tuple[Any, ...]] = OrderedDict()
        self.count = 0

    def _known(self, name: str) -> bool:
        try:
            definition(name)
        except (LossInputError, ValueError):
            return False
        return True

    def add(self, f: Formula, lang: str) -> tuple[str, bool, list[str]]:
        key = (f.text, tuple(sorted(f.params.items())), f.task)
        with self.lock:
            for name, known in self.names.items():
                if known == key and self._known(name):
                    return name, True, []  # the same formula again: the same loss
            name = f"{NAME_PREFIX}{self.count + 1}"
            while self._known(name):  # a name taken outside the lab (losslab.custom in the same process)
                self.count += 1
                name = f"{NAME_PREFIX}{self.count + 1}"
            custom(f.text, name=name, params=dict(f.params), task=f.task, lang=lang)
            self.count += 1
            self.names[name] = key
            removed = []
            while len(self.names) > MAX_LAB_LOSSES:
                old, _ = self.names.popitem(last=False)
                with contextlib.suppress(LossInputError, ValueError, KeyError):  # already gone
                    unregister(old)
                removed.append(old)
            return name, False, removed

    def clear(self) -> None:
        """Unregister every formula loss of the lab (the tests' cleanup: the catalog outlives an app)."""
        with self.lock:
            for name in self.names:
                with contextlib.suppress(LossInputError, ValueError, KeyError):
                    unregister(name)
            self.names.clear()

    def alive(self) -> list[str]:
        with self.lock:
            return [n for n in self.names if self._known(n)]


LAB_LOSSES = _LabLosses()


def register_formula(body: FormulaRequest) -> dict[str, Any]:
    """Register the formula as a catalog loss named by the lab; say which panel trains it."""
    lang = T.normalize_lang(body.lang)
    f, unused = _compile(body, lang)
    name, reused, removed = LAB_LOSSES.add(f, lang)
    # the catalog entry as /api/catalog gives it, so the page can offer the loss before it reloads its catalog
    text = T.loss_text(name, lang)
    entry = {**definition(name).info(), "title": text["title"], "short": text["short"]}
    return jsonable({"name": name, "task": f.task, "reused": reused, "removed": removed,
                     "registered": LAB_LOSSES.alive(), "max": MAX_LAB_LOSSES, "unused": unused,
                     "panel": "regression" if f.task == "regression" else "classify", "entry": entry})


# ---------------------------------------------------------------------------------------------------- routes
def _answer(job: Callable[[FormulaRequest], dict[str, Any]], body: FormulaRequest) -> JSONResponse | dict[str, Any]:
    """A refused formula is 422 with the FormulaError's own body (code, position), not the catalog's 400."""
    try:
        return job(body)
    except FormulaError as e:
        out = error_body(e)
        # the name the page can offer to add as a parameter (unknown_name); shown as text, never run
        if e.code == "unknown_name" and isinstance(e.fields.get("token"), str):
            out["error"]["name"] = e.fields["token"]
        return SafeJSONResponse(out, status_code=422)


def install(app: FastAPI) -> None:
    """Add the formula endpoints to the lab's app (the request guard and body limit in front of it apply)."""

    @app.post(PATHS[0], tags=["formula"], response_model=None)
    def formula(body: FormulaRequest) -> JSONResponse | dict[str, Any]:
        """Panel 8: a formula loss read, differentiated, drawn beside MSE / MAE / Huber (or the classification
        losses), checked in words and exported. 422 with ``code`` and ``position`` when the formula is refused."""
        return _answer(analyse, body)

    @app.post(PATHS[1], tags=["formula"], response_model=None)
    def formula_register(body: FormulaRequest) -> JSONResponse | dict[str, Any]:
        """Panel 8: register the formula as a catalog loss (``losslab.custom``) named ``mine_N`` by the lab, at most
        16 at once (the oldest goes), so the regression and classification labs train it by name."""
        return _answer(register_formula, body)
