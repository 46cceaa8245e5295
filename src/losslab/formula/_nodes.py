"""The expression tree of a formula loss, and the one table of its operations.

A formula is parsed (:mod:`._parse`) into :class:`Node` s. Every operation the language knows is one row of
:data:`OPS`: how many arguments it takes, how it computes on arrays of any array-API namespace (NumPy, PyTorch,
Dask), and its derivative rule — forward and backward side by side, as micrograd writes them. The smart
constructors (:func:`add`, :func:`mul`, ...) fold constants and drop neutral terms, so derivatives stay readable.
Nothing here ever hands text to a Python evaluator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..losses._stable import sigmoid_pair, softplus
from ..losses.regression import log_cosh_value

__all__ = ["OPS", "VARIABLES", "Node", "Op", "add", "call", "div", "mul", "neg", "num", "pw", "sub", "sym"]

VARIABLES: dict[str, str] = {
    "yhat": "the prediction ŷ",
    "y": "the target y",
    "r": "the residual r = ŷ − y",
    "p": "the prediction read as a probability (0 ≤ p ≤ 1)",
}
"""The names a formula may use besides its parameters; ``r`` and ``p`` are derived from the prediction."""


@dataclass(frozen=True, eq=False)
class Node:
    """One node: a number (``op="num"``), a variable or parameter (``"sym"``), or an operation of :data:`OPS`."""

    op: str
    args: tuple[Node, ...] = ()
    value: float = 0.0
    name: str = ""

    def walk(self) -> Iterator[Node]:
        yield self
        for a in self.args:
            yield from a.walk()

    def symbols(self) -> set[str]:
        return {n.name for n in self.walk() if n.op == "sym"}

    def depends_on_pred(self) -> bool:
        return bool(self.symbols() & {"yhat", "r", "p"})

    @property
    def is_num(self) -> bool:
        return self.op == "num"

    def size(self) -> int:
        return sum(1 for _ in self.walk())


def num(v: float) -> Node:
    return Node("num", value=float(v))


def sym(name: str) -> Node:
    return Node("sym", name=name)


ZERO, ONE = num(0.0), num(1.0)


def _eq(n: Node, v: float) -> bool:
    return n.is_num and n.value == v


# ------------------------------------------------------------------------------------------ smart constructors
def add(a: Node, b: Node) -> Node:
    if a.is_num and b.is_num:
        return num(a.value + b.value)
    if _eq(a, 0):
        return b
    if _eq(b, 0):
        return a
    if b.op == "neg":
        return sub(a, b.args[0])
    if b.is_num and b.value < 0:
        return sub(a, num(-b.value))
    return Node("add", (a, b))


def sub(a: Node, b: Node) -> Node:
    if a.is_num and b.is_num:
        return num(a.value - b.value)
    if _eq(b, 0):
        return a
    if _eq(a, 0):
        return neg(b)
    if a is b:
        return ZERO
    return Node("sub", (a, b))


def neg(a: Node) -> Node:
    if a.is_num:
        return num(-a.value)
    if a.op == "neg":
        return a.args[0]
    return Node("neg", (a,))


def mul(a: Node, b: Node) -> Node:
    if a.is_num and b.is_num:
        return num(a.value * b.value)
    if _eq(a, 0) or _eq(b, 0):
        return ZERO
    if _eq(a, 1):
        return b
    if _eq(b, 1):
        return a
    if _eq(a, -1):
        return neg(b)
    if _eq(b, -1):
        return neg(a)
    if b.is_num:  # numbers first: 2*x, not x*2
        a, b = b, a
    if a.is_num and b.op == "mul" and b.args[0].is_num:
        return mul(num(a.value * b.args[0].value), b.args[1])
    return Node("mul", (a, b))


def div(a: Node, b: Node) -> Node:
    if a.is_num and b.is_num and b.value != 0:
        return num(a.value / b.value)
    if _eq(a, 0):
        return ZERO
    if _eq(b, 1):
        return a
    return Node("div", (a, b))


def pw(a: Node, b: Node) -> Node:
    if _eq(b, 1):
        return a
    if _eq(b, 0):
        return ONE
    if a.is_num and b.is_num and a.value > 0:
        return num(a.value ** b.value)
    return Node("pow", (a, b))


def call(name: str, *args: Node) -> Node:
    return Node(name, tuple(args))


# ---------------------------------------------------------------------------------------------- the op table
Deriv = Callable[[tuple[Node, ...], tuple[Node, ...]], Node]
"""``rule(args, dargs)``: the derivative of the op applied to ``args``, given the derivatives ``dargs`` of the args."""


@dataclass(frozen=True)
class Op:
    name: str
    arity: int
    compute: Callable[..., Any]  # compute(xp, *arrays)
    deriv: Deriv
    doc: str = ""
    user: bool = True  # offered in the formula language (False: only made by rewrites and derivatives)
    kink: bool = False  # the derivative jumps where the op switches branch (|x| at 0, max at a tie)


# The stable forms are the catalog's own (one helper per chore): a formula's softplus is BCE's, its log-cosh is
# log_cosh's (two exact forms, no cancellation near 0, no overflow past 710).
def _softplus(xp: Any, x: Any) -> Any:
    return softplus(xp, x)


def _sigmoid(xp: Any, x: Any) -> Any:
    return sigmoid_pair(xp, x)[0]


def _logcosh(xp: Any, x: Any) -> Any:
    return log_cosh_value(xp, x, xp.zeros_like(x))


def _power(a: Any, b: Any) -> Any:
    """a ** b; a whole exponent up to 16 by repeated squaring (NumPy's pow is fast only for 2, 0.5 and -1: r³ by
    multiplication is 5x quicker, and exact in the same way)."""
    if isinstance(b, float) and b.is_integer() and 2 < abs(b) <= 16 and hasattr(a, "shape"):
        n, base, out = int(abs(b)), a, None
        while n:
            if n & 1:
                out = base if out is None else out * base
            n >>= 1
            if n:
                base = base * base
        assert out is not None  # |b| > 2 sets a bit
        return 1.0 / out if b < 0 else out
    return a ** b


def _chain(f: Callable[[Node], Node]) -> Deriv:
    """Rule of a one-argument function: f'(u) · u'."""
    return lambda args, d: mul(f(args[0]), d[0])


def _where(c: Node, a: Node, b: Node) -> Node:
    return a if a is b else Node("where", (c, a, b))


_ARITH: dict[str, Op] = {
    "add": Op("add", 2, lambda xp, a, b: a + b, lambda a, d: add(d[0], d[1])),
    "sub": Op("sub", 2, lambda xp, a, b: a - b, lambda a, d: sub(d[0], d[1])),
    "mul": Op("mul", 2, lambda xp, a, b: a * b, lambda a, d: add(mul(d[0], a[1]), mul(a[0], d[1]))),
    "div": Op("div", 2, lambda xp, a, b: a / b,
              lambda a, d: div(sub(mul(d[0], a[1]), mul(a[0], d[1])), pw(a[1], num(2)))),
    "neg": Op("neg", 1, lambda xp, a: -a, lambda a, d: neg(d[0])),
    # the exponent is a number or a parameter (the parser makes sure): d(u^c) = c u^(c-1) u'
    "pow": Op("pow", 2, lambda xp, a, b: _power(a, b), lambda a, d: mul(mul(a[1], pw(a[0], sub(a[1], ONE))), d[0])),
}

_FUNCS: dict[str, Op] = {
    "log": Op("log", 1, lambda xp, x: xp.log(x), _chain(lambda u: div(ONE, u)), "natural logarithm"),
    "log1p": Op("log1p", 1, lambda xp, x: xp.log1p(x), _chain(lambda u: div(ONE, add(ONE, u))), "log(1 + x)"),
    "exp": Op("exp", 1, lambda xp, x: xp.exp(x), _chain(lambda u: call("exp", u)), "exponential"),
    "expm1": Op("expm1", 1, lambda xp, x: xp.expm1(x), _chain(lambda u: call("exp", u)), "exp(x) − 1"),
    "sqrt": Op("sqrt", 1, lambda xp, x: xp.sqrt(x), _chain(lambda u: div(num(0.5), call("sqrt", u))),
               "square root"),
    "abs": Op("abs", 1, lambda xp, x: xp.abs(x), _chain(lambda u: call("sign", u)), "|x|", kink=True),
    "tanh": Op("tanh", 1, lambda xp, x: xp.tanh(x), _chain(lambda u: sub(ONE, pw(call("tanh", u), num(2)))),
               "hyperbolic tangent"),
    "cosh": Op("cosh", 1, lambda xp, x: xp.cosh(x), _chain(lambda u: call("sinh", u)), "hyperbolic cosine"),
    "sinh": Op("sinh", 1, lambda xp, x: xp.sinh(x), _chain(lambda u: call("cosh", u)), "hyperbolic sine"),
    "sigmoid": Op("sigmoid", 1, _sigmoid,
                  _chain(lambda u: mul(call("sigmoid", u), sub(ONE, call("sigmoid", u)))), "1 / (1 + exp(−x))"),
    "softplus": Op("softplus", 1, _softplus, _chain(lambda u: call("sigmoid", u)), "log(1 + exp(x)), stable"),
    "logcosh": Op("logcosh", 1, _logcosh, _chain(lambda u: call("tanh", u)), "log(cosh(x)), stable"),
    "sign": Op("sign", 1, lambda xp, x: xp.sign(x), lambda a, d: ZERO, "−1, 0 or 1", user=False, kink=True),
    "min": Op("min", 2, lambda xp, a, b: xp.minimum(a, b),
              lambda a, d: _where(call("le", a[0], a[1]), d[0], d[1]), "the smaller of two", kink=True),
    "max": Op("max", 2, lambda xp, a, b: xp.maximum(a, b),
              lambda a, d: _where(call("ge", a[0], a[1]), d[0], d[1]), "the larger of two", kink=True),
    "where": Op("where", 3, lambda xp, c, a, b: xp.where(c, a, b),
                lambda a, d: _where(a[0], d[1], d[2]), "where(condition, then, else)", kink=True),
}

COMPARISONS: dict[str, str] = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}
_CMP_FN: dict[str, Callable[[Any, Any], Any]] = {
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b, "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
}


def _comparison(f: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    return lambda xp, a, b: f(a, b)


_CMPS: dict[str, Op] = {name: Op(name, 2, _comparison(f), lambda a, d: ZERO, user=False)
                        for name, f in _CMP_FN.items()}

OPS: dict[str, Op] = {**_ARITH, **_FUNCS, **_CMPS}
FUNCTIONS: dict[str, Op] = {k: v for k, v in _FUNCS.items() if v.user}
"""The functions a user may call, by name."""
