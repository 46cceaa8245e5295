"""Your own loss, typed as a formula: parsed by losslab's grammar, differentiated, checked and exported.

``losslab.custom("log(cosh(yhat - y))", name="my_logcosh")`` returns a catalog :class:`~losslab.Loss` like any
built-in. The language (see :mod:`._parse` for the grammar and :data:`LIMITS`):

- variables ``yhat`` (ŷ, the prediction), ``y`` (the target), ``r = ŷ − y``, ``p`` (ŷ read as a probability);
- parameters you name with their values (``params={"delta": 1.0}``), numbers, ``+ − * / ^``, ``|x|``;
- log, log1p, exp, sqrt, abs, min, max, tanh, cosh, sigmoid, softplus, ``where(cond, a, b)``,
  ``a if cond else b`` with ``< <= > >= == !=``.

Nothing reaches a Python evaluator: text becomes tokens, tokens a tree of :data:`OPS` rows, and the tree is
computed op by op on arrays. The derivatives are exact (symbolic, on the tree), the forms that overflow are
rewritten into stable ones, and :func:`report` says in words (en/ja) what the loss does.
"""

from __future__ import annotations

from ._errors import FormulaError
from ._export import TARGETS as EXPORT_TARGETS
from ._export import export
from ._formula import TASKS, Formula, compile_formula
from ._loss import custom, formula_definition
from ._nodes import FUNCTIONS, OPS, VARIABLES
from ._parse import LIMITS
from ._properties import Property, Report, report

__all__ = ["EXPORT_TARGETS", "FUNCTIONS", "LIMITS", "OPS", "TASKS", "VARIABLES", "Formula", "FormulaError",
           "Property", "Report", "compile_formula", "custom", "export", "formula_definition", "report"]
