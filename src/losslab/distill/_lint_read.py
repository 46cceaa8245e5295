"""The teacher's check of :func:`losslab.distill.lint`, and :func:`read_code`, which runs every check on a snippet
(read with :func:`ast.parse` by :mod:`._lint_code`, never run)."""

from __future__ import annotations

import ast

from ._lint_code import (
    _Code,
    _constant,
    _jsd_checks,
    _keyword,
    _kl_checks,
    _last,
    _name,
    _softmax_checks,
    _words,
)

__all__ = ["read_code"]


def _teacher_checks(code: _Code) -> list[tuple[str, int, str]]:
    """The teacher's forward calls (``teacher(x)``, ``self.teacher(x)``, ``teacher_model.forward(x)``) that torch
    would differentiate or run in training mode; with Keras, a teacher called with ``training=True``."""
    guarded: set[int] = set()
    for n in ast.walk(code.tree):
        items = [i.context_expr for i in n.items] if isinstance(n, ast.With) else []
        decorators = n.decorator_list if isinstance(n, ast.FunctionDef) else []
        if any(_last(e.func if isinstance(e, ast.Call) else e) in ("no_grad", "inference_mode")
               for e in items + decorators):
            guarded.update(id(x) for x in ast.walk(n))
    frozen = any(_last(c.func) in ("requires_grad_", "freeze") and "teacher" in _words(c.func) for c in code.calls)
    frozen |= any(isinstance(n, ast.Assign) and any("teacher" in _words(t) and _last(t) in (
        "requires_grad", "trainable") for t in n.targets) for n in ast.walk(code.tree))
    in_eval = any(_last(c.func) == "eval" and "teacher" in _words(c.func) for c in code.calls)
    detached_ids = {id(c.func.value) for c in code.calls if isinstance(c.func, ast.Attribute)
                    and _last(c.func) in ("detach", "detach_")}
    detached = {_name(c.func.value) for c in code.calls if isinstance(c.func, ast.Attribute)
                and _last(c.func) in ("detach", "detach_")}
    targets = {id(n.value): {_name(t) for t in n.targets} for n in ast.walk(code.tree) if isinstance(n, ast.Assign)}
    found: list[tuple[str, int, str]] = []
    for call in code.calls:
        fn = _last(call.func)
        callee = call.func.value if isinstance(call.func, ast.Attribute) and fn in ("forward", "__call__") \
            else call.func
        last = _last(callee).lower()
        if "teacher" not in last or any(w in last for w in ("logit", "prob", "output", "loss")):
            continue
        if _constant(_keyword(call, "training")) is True:  # Keras's (and Flax's) training flag
            found.append(("teacher_not_frozen", call.lineno, "keras"))
            continue
        if code.keras or not code.torch:
            continue
        no_grad = id(call) in guarded or frozen or id(call) in detached_ids or bool(
            targets.get(id(call), set()) & detached)
        if not (no_grad and in_eval):
            found.append(("teacher_not_frozen", call.lineno, "eval" if no_grad else "grad" if in_eval else "both"))
    return found


def read_code(text: str) -> list[tuple[str, int, str]]:
    """The mistakes found in ``text``: (code, line, variant) triples, each once, in line order. The variant picks
    the words of a finding that has several ("grad", "eval", "both", "keras" for the teacher), else ''."""
    code = _Code(text)
    found = [(c, line, "") for c, line in _softmax_checks(code) + _kl_checks(code) + _jsd_checks(code)]
    found += _teacher_checks(code)
    return sorted(set(found), key=lambda f: (f[1], f[0]))
