"""Reading a few lines of the user's distillation code for :func:`losslab.distill.lint`, never running them.

The text is parsed with :func:`ast.parse` (a parser only: nothing is compiled, evaluated or executed). A snippet
that does not parse as a whole (a fragment of a method, a loose ``return`` ...) is parsed line by line, and the lines
that still do not parse are skipped. What the checks look at:

- calls to ``softmax`` / ``log_softmax`` (any module, or the method form ``x.softmax(...)``): which side (a name
  with ``teacher``/``t`` or ``student``/``s`` in it), whether the argument is divided by a temperature (a name
  ``T``, ``temp``, ``temperature``, ``tau`` or a number other than 1), whether the argument is already a
  probability;
- the KL calls: torch's ``kl_div`` and ``KLDivLoss`` (input = the student's log-probabilities first), optax's
  ``kl_divergence``, Keras's ``KLDivergence`` / ``LogitsDistillation``, TRL's ``generalized_jsd_loss``;
- mixtures ``beta * a + (1 - beta) * b`` and literal values of ``beta``;
- (in :mod:`._lint_read`) the teacher's forward call and whether it sits under ``torch.no_grad()`` /
  ``inference_mode()``, is detached, or the teacher is put in ``eval()``.

Each check returns ``(code, line)`` pairs; :func:`._lint_read.read_code` runs them all and :mod:`._lint` adds the
words and the sources.
"""

from __future__ import annotations

import ast
import re
import textwrap

__all__: list[str] = []  # read by ._lint_read, which runs the checks

_TEMPERATURE = re.compile(r"^(t|temp|temperature|tau|kd_t|kd_temperature|distill_temperature|t_kd)$", re.I)
_SOFTMAX = ("softmax", "log_softmax")
_TORCH_KL = ("kl_div", "KLDivLoss")


def _parse(text: str) -> ast.Module:
    """The whole text, else each line on its own (line numbers kept); unparsable lines are skipped."""
    source = textwrap.dedent(text)
    try:
        return ast.parse(source)
    except SyntaxError:
        pass
    body: list[ast.stmt] = []
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.endswith(":"):
            stripped += " pass"
        try:
            part = ast.parse(stripped)
        except SyntaxError:
            continue
        ast.increment_lineno(part, number - 1)
        body.extend(part.body)
    return ast.Module(body=body, type_ignores=[])


def _name(node: ast.AST) -> str:
    """The dotted name of a Name / Attribute chain (``torch.nn.functional.kl_div``), '' otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _name(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    if isinstance(node, ast.Call):
        return _name(node.func) + "()"
    return ""


def _last(node: ast.AST) -> str:
    return _name(node).rsplit(".", 1)[-1]


def _is_temperature(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value) != 1.0
    return bool(_TEMPERATURE.match(_last(node))) and _last(node) != "t"


def _temperature_factors(node: ast.AST) -> int:
    """How many temperatures a product multiplies: 2 for ``loss * T * T`` (parsed ``(loss * T) * T``)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _temperature_factors(node.left) + _temperature_factors(node.right)
    return int(_is_temperature(node) and not isinstance(node, ast.Constant))


def _words(node: ast.AST) -> set[str]:
    """The identifier parts in an expression, temperatures left out: ``log_t_probs`` gives log, t, probs."""
    out: set[str] = set()
    for n in ast.walk(node):
        ident = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else None
        if ident and not _is_temperature(n):
            out.update(p for p in re.split(r"_|(?<=[a-z])(?=[A-Z])", ident.lower()) if p)
    return out


class _Code:
    """One parsed snippet and what the checks share: names assigned from calls, the temperature, the sides."""

    def __init__(self, text: str) -> None:
        self.tree = _parse(text)
        self.assigned: dict[str, ast.expr] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = _name(node.targets[0])
                if target:
                    self.assigned[target] = node.value
        self.calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call)]
        words = _words(self.tree)
        self.torch = bool({"torch", "nn", "f"} & words) or any(_last(c.func) == "backward" for c in self.calls)
        self.keras = bool({"keras", "tf"} & words)

    def resolve(self, node: ast.AST, depth: int = 0) -> ast.AST:
        """A name replaced by the expression assigned to it (a few steps deep), ``x.detach()`` by ``x``."""
        if depth < 4 and isinstance(node, ast.Name | ast.Attribute) and _name(node) in self.assigned:
            return self.resolve(self.assigned[_name(node)], depth + 1)
        if depth < 4 and isinstance(node, ast.Call) and _last(node.func) in ("detach", "clone", "float"):
            return self.resolve(node.func.value, depth + 1) if isinstance(node.func, ast.Attribute) else node
        return node

    def kind(self, node: ast.AST) -> str:
        """'log', 'prob', 'logit' or '' for an expression: what it holds."""
        node = self.resolve(node)
        if isinstance(node, ast.Call):
            fn = _last(node.func)
            if fn in ("log_softmax", "log") or fn.startswith("log_"):
                return "log"
            if fn in ("softmax", "sigmoid"):
                return "prob"
            if fn == "exp":
                return "prob"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self.kind(node.left)
        words = _words(node)
        if "log" in words or "logp" in words or "logprobs" in words:
            return "log"
        if words & {"prob", "probs", "p", "probabilities", "soft", "targets"}:
            return "prob"
        if words & {"logit", "logits", "z", "scores", "outputs", "out"}:
            return "logit"
        return ""

    def side(self, node: ast.AST) -> str:
        words = _words(self.resolve(node)) | _words(node)
        teacher = bool(words & {"teacher", "t", "tea", "tch", "pt"})
        student = bool(words & {"student", "s", "stu", "ps"})
        return "teacher" if teacher and not student else "student" if student and not teacher else ""

    def divided(self, node: ast.AST) -> bool:
        """Whether the expression (or what it was assigned from) divides by a temperature."""
        for expr in (node, self.resolve(node)):
            for n in ast.walk(expr):
                if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and _is_temperature(n.right):
                    return True
        return False

    def softmax_argument(self, call: ast.Call) -> ast.AST | None:
        if _last(call.func) not in _SOFTMAX:
            return None
        if call.args:
            return call.args[0]
        return call.func.value if isinstance(call.func, ast.Attribute) else None


# --------------------------------------------------------------------------------------------------------- checks
def _softmax_checks(code: _Code) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    sides: list[tuple[str, bool, int]] = []
    for call in code.calls:
        arg = code.softmax_argument(call)
        if arg is None:
            continue
        inner = arg.left if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Div) else arg
        if code.kind(inner) == "prob":
            found.append(("softmax_twice", call.lineno))
        side = code.side(arg)
        if side:
            sides.append((side, code.divided(arg), call.lineno))
    if any(d for _, d, _ in sides):
        with_t = {s for s, d, _ in sides if d}
        found += [("temperature_one_side", line) for s, d, line in sides if not d and s not in with_t]
    return found


def _kl_calls(code: _Code) -> list[tuple[ast.Call, str, ast.Call | None]]:
    """(call, family, the KLDivLoss constructor if any): family torch, optax, keras, trl, losslab, or other (a
    call whose name says KL or distillation: only the T² check applies)."""
    out: list[tuple[ast.Call, str, ast.Call | None]] = []
    for call in code.calls:
        full, fn = _name(call.func), _last(call.func)
        made = code.resolve(call.func)
        if isinstance(made, ast.Call) and _last(made.func) in ("KLDivLoss", "KLDivergence"):
            out.append((call, "torch" if _last(made.func) == "KLDivLoss" else "keras", made))
        elif fn == "kl_div":
            out.append((call, "torch", None))
        elif fn == "kl_divergence" and "optax" in full:
            out.append((call, "optax", None))
        elif fn == "kl_divergence" and ("keras" in full or "tf" in full):
            out.append((call, "keras", None))
        elif fn == "generalized_jsd_loss":
            out.append((call, "trl", None))
        elif fn in ("kl", "generalized_jsd") and "distill" in full:
            out.append((call, "losslab", None))
        elif {"kl", "kd", "distillation", "distill"} & _words(call.func) and len(call.args) >= 2:
            out.append((call, "other", None))  # self.distillation_loss_fn(t, s), self.kl(s, t): T² only
    return out


def _keyword(call: ast.Call | None, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None) if call is not None else None


def _constant(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _kl_checks(code: _Code) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    calls = _kl_calls(code)
    squared = any(isinstance(n, ast.BinOp) and (
        (isinstance(n.op, ast.Pow) and _is_temperature(n.left) and _constant(n.right) == 2)
        or (isinstance(n.op, ast.Mult) and _temperature_factors(n) >= 2))
        for n in ast.walk(code.tree)) or any(_last(c.func) in ("square", "pow") and c.args
                                             and _is_temperature(c.args[0]) for c in code.calls)
    softened = any(code.divided(a) for c in code.calls if (a := code.softmax_argument(c)) is not None)
    for call, family, made in calls:
        line = call.lineno
        temperature = _keyword(call, "temperature")
        if family in ("trl", "losslab"):
            soft = temperature is not None and _constant(temperature) != 1
            own_t2 = _constant(_keyword(call, "scale_t2")) is True
        else:
            soft, own_t2 = softened, False
        if soft and not squared and not own_t2:
            found.append(("missing_t2", line))
        if family in ("torch", "optax") and len(call.args) >= 2:
            log_target = _constant(_keyword(made, "log_target") or _keyword(call, "log_target")) is True
            first, second = call.args[0], call.args[1]
            wrong_sides = code.side(first) == "teacher" and code.side(second) != "teacher"
            wrong_kinds = code.kind(first) == "prob" or (code.kind(second) == "log" and not log_target)
            if wrong_sides or wrong_kinds:
                found.append(("kl_div_argument_order", line))
        if family == "torch":
            reduction = _keyword(made, "reduction") if made is not None else _keyword(call, "reduction")
            if reduction is None or _constant(reduction) == "mean":
                found.append(("kl_div_mean_reduction", line))
    return found


def _mixtures(code: _Code) -> list[tuple[ast.BinOp, str]]:
    """``beta * a + (1 - beta) * b``: each such sum with the kind of its terms ('log' or 'prob' ...)."""
    out = []
    for n in ast.walk(code.tree):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add) and all(
                isinstance(side, ast.BinOp) and isinstance(side.op, ast.Mult) for side in (n.left, n.right)):
            terms = []
            for product in (n.left, n.right):
                assert isinstance(product, ast.BinOp)
                a, b = product.left, product.right
                weight, term = (a, b) if "beta" in _words(a) or _last(a) in ("b", "lam") else (b, a)
                if not ("beta" in _words(weight) or _last(weight) in ("b", "lam")):
                    break
                terms.append(code.kind(term))
            else:
                out.append((n, "log" if "log" in terms else "prob"))
    return out


def _jsd_checks(code: _Code) -> list[tuple[str, int]]:
    mixtures = _mixtures(code)
    found = [("jsd_log_mixture", m.lineno) for m, kind in mixtures if kind == "log"]
    jsd = bool({"jsd", "gkd"} & {w.lower() for w in _words(code.tree)}) or any(
        "jsd" in _name(c.func).lower() or "gkd" in _name(c.func).lower() for c in code.calls)
    normalized = any(_last(c.func) == "generalized_jsd" and _constant(_keyword(c, "normalize")) is not False
                     for c in code.calls)
    if not (jsd or mixtures) or normalized:
        return found
    values: list[tuple[object, int]] = []
    for n in ast.walk(code.tree):
        if isinstance(n, ast.keyword) and n.arg == "beta":
            values.append((_constant(n.value), n.value.lineno))
        elif isinstance(n, ast.Assign) and any(_last(t) == "beta" for t in n.targets):
            values.append((_constant(n.value), n.lineno))
    for value, line in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        near_end = 0.0 < value <= 0.1 or 0.9 <= value < 1.0
        zero_at_end = value in (0, 1) and bool(mixtures)  # a hand-written mixture has no special case
        if near_end or zero_at_end:
            found.append(("jsd_beta_end", line))
    return found
