"""Derivatives of a formula with respect to the prediction, and its stable rewrites.

:func:`derivative` applies each op's rule from :data:`._nodes.OPS` (the chain rule, bottom up): ``r = ŷ − y`` and
``p`` (ŷ read as a probability) both have derivative 1, the target and the parameters 0. :func:`stable` rewrites
the forms that overflow or cancel in floating point into the catalog's stable ones, and says which it rewrote.
"""

from __future__ import annotations

from collections.abc import Callable

from ._nodes import ONE, OPS, ZERO, Node, add, call, div, mul, neg, num, pw
from ._print import PLAIN, render

__all__ = ["derivative", "simplify", "stable"]

_PRED = {"yhat", "r", "p"}


def derivative(node: Node) -> Node:
    """d node / d ŷ as a tree (simplified as it is built)."""
    memo: dict[int, Node] = {}

    def d(n: Node) -> Node:
        key = id(n)
        if key not in memo:
            if n.op == "num":
                memo[key] = ZERO
            elif n.op == "sym":
                memo[key] = ONE if n.name in _PRED else ZERO
            elif not n.depends_on_pred():
                memo[key] = ZERO
            elif n.op == "pow":  # the exponent is a constant (the parser makes sure): only the base moves
                memo[key] = OPS["pow"].deriv(n.args, (d(n.args[0]), ZERO))
            else:
                memo[key] = OPS[n.op].deriv(n.args, tuple(d(a) for a in n.args))
        return memo[key]

    return simplify(d(node))


# ----------------------------------------------------------------------------------------------- simplification
def _key(n: Node) -> str:
    return render(n, PLAIN)


def _factors(n: Node) -> tuple[float, list[tuple[Node, float]]]:
    """n as coef · Π base^exponent (numeric exponents; anything else is one factor)."""
    if n.is_num:
        return n.value, []
    if n.op == "neg":
        c, f = _factors(n.args[0])
        return -c, f
    if n.op in ("mul", "div"):
        (ca, fa), (cb, fb) = _factors(n.args[0]), _factors(n.args[1])
        if n.op == "mul":
            return ca * cb, fa + fb
        if cb == 0:
            return 1.0, [(n, 1.0)]
        return ca / cb, fa + [(b, -e) for b, e in fb]
    if n.op == "pow" and n.args[1].is_num:
        e = n.args[1].value
        c, f = _factors(n.args[0])
        if c > 0 or e == int(e):  # (2y)^2 = 4 y^2; (−2y)^0.5 stays whole
            return c ** e, [(b, be * e) for b, be in f]
        return 1.0, [(n.args[0], e)]
    return 1.0, [(n, 1.0)]


def _product(n: Node) -> Node:
    coef, items = _factors(n)
    merged: dict[str, list] = {}
    for base, e in items:
        k = _key(base)
        if k in merged:
            merged[k][1] += e
        else:
            merged[k] = [base, e]
    # sinh(u) / cosh(u) reads as tanh(u)
    for k, (base, e) in list(merged.items()):
        if base.op == "sinh" and e == 1:
            twin = _key(call("cosh", base.args[0]))
            if twin in merged and merged[twin][1] == -1:
                merged[k] = [call("tanh", base.args[0]), 1.0]
                merged[twin][1] = 0.0
    top: Node = ONE
    bottom: Node = ONE
    for base, e in merged.values():
        if e > 0:
            top = mul(top, pw(base, num(e)))
        elif e < 0:
            bottom = mul(bottom, pw(base, num(-e)))
    if coef == 0:
        return ZERO
    out = div(top, bottom)
    if coef < 0:
        return neg(mul(num(-coef), out))
    return mul(num(coef), out)


def simplify(node: Node) -> Node:
    """Products and quotients gathered into coef · numerator / denominator with like factors cancelled
    (x·x/x² → 1, δ²·0.5·2·r/δ² → r), applied bottom up; sums keep their terms."""
    if node.op in ("num", "sym"):
        return node
    args = tuple(simplify(a) for a in node.args)
    rebuilt = _rebuild(node.op, args)
    if rebuilt.op in ("mul", "div", "neg"):
        return _product(rebuilt)
    return rebuilt


def _rebuild(op: str, args: tuple[Node, ...]) -> Node:
    makers: dict[str, Callable[..., Node]] = {"add": add, "mul": mul, "div": div, "neg": neg, "pow": pw}
    if op == "sub":
        a, b = args
        return add(a, neg(b)) if b.op != "neg" else add(a, b.args[0])
    if op in makers:
        return makers[op](*args)
    return Node(op, args)


def _is(n: Node, op: str) -> bool:
    return n.op == op


def _one_plus(n: Node) -> Node | None:
    """x when n is 1 + x or x + 1, else None."""
    if n.op == "add":
        a, b = n.args
        if a.is_num and a.value == 1:
            return b
        if b.is_num and b.value == 1:
            return a
    return None


def stable(node: Node) -> tuple[Node, list[str]]:
    """``node`` with its unstable forms rewritten, and the names of the rewrites applied (keys of the texts).

    - ``log(1 + exp(x))`` → ``softplus(x)`` (exp overflows for x > 709)
    - ``log(cosh(x))`` → ``logcosh(x)`` (cosh overflows for |x| > 710; small x loses digits)
    - ``log(1 + x)`` → ``log1p(x)`` and ``exp(x) − 1`` → ``expm1(x)`` (small x loses digits)
    - ``sqrt(1 + x) − 1`` → ``x / (sqrt(1 + x) + 1)`` (pseudo-Huber's cancellation at small errors)
    """
    applied: list[str] = []

    def go(n: Node) -> Node:
        if n.op in ("num", "sym"):
            return n
        args = tuple(go(a) for a in n.args)
        n = n if all(a is b for a, b in zip(args, n.args, strict=True)) else Node(n.op, args)
        if _is(n, "log"):
            (u,) = n.args
            if _is(u, "cosh"):
                applied.append("logcosh")
                return call("logcosh", u.args[0])
            x = _one_plus(u)
            if x is not None and _is(x, "exp"):
                applied.append("softplus")
                return call("softplus", x.args[0])
            if x is not None:
                applied.append("log1p")
                return call("log1p", x)
        if _is(n, "sub") and n.args[1].is_num and n.args[1].value == 1:
            a = n.args[0]
            if _is(a, "exp"):
                applied.append("expm1")
                return call("expm1", a.args[0])
            if _is(a, "sqrt") and _one_plus(a.args[0]) is not None:
                applied.append("sqrt1pm1")
                x = _one_plus(a.args[0])
                assert x is not None
                return div(x, Node("add", (a, num(1.0))))
        return n

    out = go(node)
    return out, sorted(set(applied))

