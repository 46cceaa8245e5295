"""A formula compiled once: its tree as typed, the stable tree it is computed with, and both derivatives.

:func:`compile_formula` is the single entry from text to numbers (cached: a slider that moves a parameter does
not parse again). The derivatives are taken of the *stable* tree, so the gradient stays finite wherever the value
does (d/dx log(cosh x) is tanh x, not sinh/cosh = inf/inf at x = 1000).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._calculus import derivative, stable
from ._errors import FormulaError
from ._evaluate import Plan, plan, run
from ._nodes import FUNCTIONS, VARIABLES, Node
from ._parse import LIMITS, parse
from ._print import LATEX, PLAIN, render

__all__ = ["TASKS", "Formula", "compile_formula"]

TASKS = ("regression", "binary")


@dataclass(frozen=True, eq=False)
class Formula:
    """A parsed and checked formula loss. ``params`` holds the values it was compiled with (the defaults)."""

    text: str
    task: str
    params: Mapping[str, float]
    tree: Node
    computed: Node
    rewrites: tuple[str, ...]
    d1: Node
    d2: Node
    exponent_params: frozenset[str]

    @property
    def uses_probability(self) -> bool:
        """The prediction is read as a probability p (in [0, 1]) rather than a number or a score."""
        return "p" in self.tree.symbols()

    @property
    def plain(self) -> str:
        return render(self.tree, PLAIN)

    @property
    def latex(self) -> str:
        return render(self.tree, LATEX)

    @functools.cached_property
    def shown_derivatives(self) -> tuple[Node, Node]:
        """The derivatives of the formula *as typed* (for reading); the computed ones come from the stable tree."""
        d1 = derivative(self.tree)
        return d1, derivative(d1)

    def latex_derivatives(self) -> tuple[str, str]:
        a, b = self.shown_derivatives
        return render(a, LATEX), render(b, LATEX)

    def plain_derivatives(self) -> tuple[str, str]:
        a, b = self.shown_derivatives
        return render(a, PLAIN), render(b, PLAIN)

    def compute(self, xp: Any, pred: Any, target: Any, params: Mapping[str, Any] | None = None,
                orders: tuple[int, ...] = (0,)) -> list[Any]:
        """The value (order 0), first (1) and second (2) derivative with respect to the prediction."""
        return run(xp, self._plan(orders), pred, target, {**self.params, **(params or {})} if params else self.params)

    @functools.lru_cache(maxsize=8)  # noqa: B019  (a few plans per formula, kept as long as the formula)
    def _plan(self, orders: tuple[int, ...]) -> Plan:
        nodes = {0: self.computed, 1: self.d1, 2: self.d2}
        return plan([nodes[k] for k in orders])


def _check_params(text: str, params: Mapping[str, Any], lang: str | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, value in params.items():
        if (not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or name in VARIABLES
                or name in FUNCTIONS or name in ("where", "if", "else")):
            raise FormulaError("bad_param_name", text, None, lang=lang, argument="params", name=name)
        ok = (isinstance(value, int | float) and not isinstance(value, bool)) or (hasattr(value, "__float__") \
            and not isinstance(value, str | bool))
        number = float(value) if ok else math.nan
        if not math.isfinite(number) or abs(number) > LIMITS["constant"]:
            raise FormulaError("bad_param_value", text, None, lang=lang, argument=name, name=name, value=repr(value))
        out[name] = number
    return out


def compile_formula(text: Any, params: Mapping[str, Any] | None = None, task: str = "regression",
                    lang: str | None = "en") -> Formula:
    """Parse, check and differentiate ``text``; refused input raises :class:`FormulaError`."""
    if task not in TASKS:
        raise FormulaError("bad_task", str(text)[:40], None, lang=lang, argument="task", task=task)
    values = _check_params(str(text), params or {}, lang)
    return _compile(text, tuple(sorted(values.items())), task, lang or "en")


@functools.lru_cache(maxsize=256)
def _compile(text: Any, params: tuple[tuple[str, float], ...], task: str, lang: str) -> Formula:
    values = dict(params)
    parsed = parse(text, values, lang=lang)
    unused = sorted(set(values) - parsed.tree.symbols())
    if unused:
        raise FormulaError("unused_param", text, None, lang=lang, argument="params", name=unused[0])
    computed, rewrites = stable(parsed.tree)
    d1 = derivative(computed)
    return Formula(text=text, task=task, params=values, tree=parsed.tree, computed=computed,
                   rewrites=tuple(rewrites), d1=d1, d2=derivative(d1), exponent_params=parsed.exponent_params)
