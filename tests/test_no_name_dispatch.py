"""Nothing outside the catalog dispatches on a loss's or a parameter's name (issue 10: "a loss is one object").

Figures, training, explanations, the command line and the lab read the definitions' metadata (a parameter's role,
units, kink, slider; a loss's task and domains); a user-registered loss then appears in every view like a built-in.
This test scans their Python and JavaScript for string literals equal to the name of a built-in loss or of one of
its parameters, where the literal is used to decide something:

- Python: compared (``== "delta"``, ``in ("delta", "beta")``), iterated (``for name in ("delta", "beta")``),
  looked up (``params["from_logits"]``, ``params.get("log_input")``) or written into a collection assigned to a
  name (a table keyed by loss names). Default arguments (``losses=("mse", "mae")``) and docstrings are data, not
  dispatch, and are not looked at.
- JavaScript: any quoted literal (the page holds no loss or parameter lists: it reads the catalog in its boot
  payload), comments left out.

A legitimate use goes into ALLOWED with its reason; PENDING lists what other work still has to remove.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import losslab  # noqa: F401  (registers the built-in losses)
from losslab.losses._registry import definitions

ROOT = Path(__file__).resolve().parents[1] / "src" / "losslab"
SCANNED = ("figures", "training", "lab", "cli", "explain", "lm")  # not formula: its variables are its language
VENDOR = ROOT / "figures" / "static"  # Vega, Vega-Lite, Vega-Embed

# (path relative to src/losslab, where: the assigned name or the enclosing function ("*": a whole JS file),
#  literal) -> why it is not dispatch on a loss's or a parameter's name
ALLOWED: dict[tuple[str, str, str], str] = {
    **{("training/objective.py", "_DEFAULT_LOSS", name): "the loss fit() uses when none is named: a default"
       for name in ("mse", "binary_cross_entropy", "sparse_categorical_cross_entropy")},
    **{("lab/_compute.py", "EXPLORER_DEFAULTS", name): "the losses the explorer shows first: a default selection"
       for name in ("mse", "mae", "huber", "binary_cross_entropy", "binary_focal", "hinge")},
    **{("lab/_compute.py", "REGRESSION_DEFAULTS", name): "the regression lab's first lines and the two losses its "
       "shares figure compares with: a default selection" for name in ("mse", "mae", "huber")},
    **{(path, where, name): "the dart board compares MSE, MAE and Huber by design (its texts name them)"
       for path, where in (("lab/_compute.py", "DART_LOSSES"),) for name in ("mse", "mae", "huber")},
    ("lab/_models.py", "loss", "binary_cross_entropy"): "the default loss of a training run request",
    ("lab/_compute.py", "out", "delta"): "the dart board's own argument (DartsRequest.delta), echoed in its answer",
    **{(path, where, name): "training metrics called mae and rmse (columns of the history), not the losses"
       for path, where in (("figures/_curves.py", "<module>"), ("figures/_curves.py", "training_curves"),
                           ("training/compare.py", "_LOWER_IS_BETTER"), ("training/compare.py", "cols"))
       for name in ("mae", "rmse")},
    **{("figures/_classification.py", where, "margin"): "the figure's margin axis, not multi_margin's parameter"
       for where in ("<module>", "classification")},
    ("cli/_plot.py", "classification", "margin"): "the figure's margin axis, not multi_margin's parameter",
    **{("explain/texts.py", "UI_KEYS", name): "names of explanation columns (texts), not of losses or parameters"
       for name in ("margin", "hinge")},
    **{("figures/_lm.py", where, "p"): "the probability field of losslab.lm's TokenRow.to_dict(), not a parameter"
       for where in ("lm_token_losses", "lm_top_k")},
    **{(path, where, "temperature"): "distillation's and sampling's own temperature (losslab.distill, losslab.lm), "
       "not the parameter of info_nce / nt_xent" for path, where in (
           ("lab/_distill.py", "score"), ("lab/_lm.py", "_settings"), ("cli/_distill.py", "_OPTIONS"),
           ("cli/_distill.py", "_show"), ("cli/_distill.py", "_headline"),
           ("cli/_distill.py", "temperatures_command"))},
    **{(path, "*", "full"): "the classify page's 'full' batch size (the whole data set), not gaussian_nll's parameter"
       for path in ("lab/static/js/classify-controls.js", "lab/static/js/classify-state.js")},
    ("lab/_figures.py", "_FIGURE_ARGS", "zero_one"): "the classification figure's own argument that draws the 0-1 "
    "step beside the losses (a figure option older than the zero_one loss), not a lookup",
}

# Name dispatch that remains in files owned by other work of issue 10; each entry is to be removed there (the
# weighting parameters are those with role == "weighting"). Not legitimate: listed so that this test guards
# everything else meanwhile.
PENDING: dict[tuple[str, str, str], str] = {
}


def _names() -> tuple[set[str], set[str]]:
    losses: set[str] = set()
    params: set[str] = set()
    for d in definitions():
        if d.builtin:  # canonical names only: aliases such as "l1" and "l2" are common words
            losses.add(d.name)
            params.update(p.name for p in d.params)
    return losses, params


LOSS_NAMES, PARAM_NAMES = _names()
NAMES = LOSS_NAMES | PARAM_NAMES


def _strings(node: ast.AST) -> list[str]:
    """The string constants of a literal: the constant itself, or the items (keys and values) of a collection."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for elt in node.elts for s in _strings(elt)]
    if isinstance(node, ast.Dict):
        return [s for item in (*node.keys, *node.values) if item is not None for s in _strings(item)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set", "tuple"):
        return [s for arg in node.args for s in _strings(arg)]
    return []


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.where: list[str] = ["<module>"]
        self.found: list[tuple[str, str, int, str]] = []

    def _hit(self, node: ast.AST, literal: ast.AST, where: str | None = None) -> None:
        for s in _strings(literal):
            if s in NAMES:
                self.found.append((self.path, where or self.where[-1], node.lineno, s))  # type: ignore[attr-defined]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.where.append(node.name)
        for stmt in node.body:  # not the defaults of the arguments
            self.visit(stmt)
        self.where.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Compare(self, node: ast.Compare) -> None:
        for operand in (node.left, *node.comparators):
            self._hit(node, operand)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self._hit(node, node.iter)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._hit(node.iter, node.iter)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._hit(node, node.slice)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "pop", "setdefault") and node.args:
            self._hit(node, node.args[0])
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        name = next((t.id for t in targets if isinstance(t, ast.Name)), self.where[-1])
        if node.value is not None and name != "__all__":
            self._hit(node, node.value, name)
        self.generic_visit(node)

    visit_AnnAssign = visit_Assign


_JS_STRING = re.compile(r"""'([A-Za-z_][A-Za-z0-9_]*)'|"([A-Za-z_][A-Za-z0-9_]*)"|`([A-Za-z_][A-Za-z0-9_]*)`""")
_JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:'\"\\])//[^\n]*", re.S)


def _scan_js(path: Path, rel: str) -> list[tuple[str, str, int, str]]:
    text = _JS_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text(encoding="utf-8"))
    found = []
    for m in _JS_STRING.finditer(text):
        s = next(g for g in m.groups() if g is not None)
        if s in NAMES and len(s) > 1:  # one-letter parameters (p, q) are also HTML tags: el('p')
            found.append((rel, "*", text.count("\n", 0, m.start()) + 1, s))
    return found


def scan() -> list[tuple[str, str, int, str]]:
    """Every use of a built-in loss or parameter name as a decision: (path, where, line, literal)."""
    found: list[tuple[str, str, int, str]] = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if path.suffix == ".py":
                scanner = _Scanner(rel)
                scanner.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
                found += scanner.found
            elif path.suffix == ".js" and VENDOR not in path.parents:
                found += _scan_js(path, rel)
    return found


def test_the_scanner_finds_name_dispatch() -> None:
    code = 'def f(loss):\n    if loss.name == "huber" or "delta" in loss.params:\n        return loss.params["beta"]\n'
    scanner = _Scanner("x.py")
    scanner.visit(ast.parse(code))
    assert [hit[3] for hit in scanner.found] == ["huber", "delta", "beta"]
    docstring_and_default = 'def g(losses=("mse", "huber")):\n    """mse or huber."""\n    return losses\n'
    scanner = _Scanner("y.py")
    scanner.visit(ast.parse(docstring_and_default))
    assert scanner.found == []


def test_no_view_dispatches_on_a_loss_or_parameter_name() -> None:
    hits = [h for h in scan() if (h[0], h[1], h[3]) not in ALLOWED and (h[0], h[1], h[3]) not in PENDING]
    assert not hits, "name dispatch (read the definition's metadata instead):\n" + "\n".join(
        f"  src/losslab/{path}:{line} ({where}): {literal!r}" for path, where, line, literal in hits)


def test_every_allowance_is_still_needed() -> None:
    used = {(path, where, literal) for path, where, _, literal in scan()}
    stale = (set(ALLOWED) | set(PENDING)) - used
    assert not stale, f"allowances no longer needed (remove them): {sorted(stale)}"
