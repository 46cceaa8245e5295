"""Writing a formula tree out: as LaTeX for the page, as plain text, and as Python source for each framework.

One precedence walk (:func:`render`) serves every output; a :class:`Style` says how each op is spelled. The
framework styles are the exports' vocabulary (``torch.log``, ``keras.ops.log``, ``jnp.log``, ``np.log``); the
stable helpers they call (``_softplus``, ``_logcosh``, ``_sigmoid``) are written out once in :mod:`._export`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ._nodes import Node

__all__ = ["CODE_STYLES", "LATEX", "PLAIN", "Style", "render"]

_PREC = {"where": 0, "lt": 1, "le": 1, "gt": 1, "ge": 1, "eq": 1, "ne": 1, "add": 2, "sub": 2, "mul": 3, "div": 3,
         "neg": 4, "pow": 5}
_ATOM = 9
_CMP = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}


@dataclass(frozen=True)
class Style:
    """How one output spells numbers, names and ops. Templates take the rendered arguments as {0}, {1}, {2}."""

    funcs: Mapping[str, str]
    symbol: Callable[[str], str]
    infix: Mapping[str, str] = field(default_factory=lambda: {"add": "{0} + {1}", "sub": "{0} - {1}",
                                                              "mul": "{0} * {1}", "div": "{0} / {1}",
                                                              "pow": "{0} ** {1}", "neg": "-{0}"})
    cmp: Mapping[str, str] = field(default_factory=lambda: dict(_CMP))
    wrap: str = "({0})"
    atoms: frozenset[str] = frozenset()  # ops whose template already brackets its arguments (\frac, |x|)
    where: str = "where({0}, {1}, {2})"
    braced_exponent: bool = False  # LaTeX: x^{...} needs no brackets round the exponent


def _number(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") and abs(v) < 1e15 else text


def render(node: Node, style: Style) -> str:
    return _render(node, style)[0]


def _render(n: Node, s: Style) -> tuple[str, int]:
    if n.op == "num":
        text = _number(n.value)
        return (text, _ATOM) if n.value >= 0 else (text, _PREC["neg"])
    if n.op == "sym":
        return s.symbol(n.name), _ATOM
    if n.op == "where":
        c, a, b = (_render(x, s)[0] for x in n.args)
        return s.where.format(c, a, b), _ATOM
    if n.op in _CMP:
        (a, _), (b, _) = (_render(x, s) for x in n.args)
        return f"{a} {s.cmp[n.op]} {b}", _PREC[n.op]
    if n.op in s.funcs and n.op not in s.infix:
        return s.funcs[n.op].format(*(_render(x, s)[0] for x in n.args)), _ATOM
    prec = _PREC[n.op]
    parts = []
    for k, x in enumerate(n.args):
        text, p = _render(x, s)
        if n.op in s.atoms or (n.op == "pow" and k == 1 and s.braced_exponent):
            tight = False
        elif n.op == "pow":
            tight = p < _ATOM
        elif n.op == "neg":
            tight = p <= _PREC["sub"]  # -(a + b); -a*b reads the same either way
        else:
            tight = p < prec or (k == 1 and (p == _PREC["neg"] or (p == prec and n.op in ("sub", "div"))))
        parts.append(s.wrap.format(text) if tight else text)
    return s.infix[n.op].format(*parts), (_ATOM if n.op in s.atoms else prec)


# ----------------------------------------------------------------------------------------------------- styles
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "kappa", "lambda", "mu", "nu",
          "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"}


def _latex_symbol(name: str) -> str:
    if name == "yhat":
        return r"\hat{y}"
    if name in _GREEK:
        return "\\" + name
    if len(name) == 1:
        return name
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


LATEX = Style(
    funcs={"log": r"\log\left({0}\right)", "log1p": r"\log\left(1 + {0}\right)", "exp": r"e^{{{0}}}",
           "expm1": r"\left(e^{{{0}}} - 1\right)", "sqrt": r"\sqrt{{{0}}}", "abs": r"\left|{0}\right|",
           "tanh": r"\tanh\left({0}\right)", "cosh": r"\cosh\left({0}\right)", "sinh": r"\sinh\left({0}\right)",
           "sigmoid": r"\sigma\left({0}\right)", "softplus": r"\operatorname{{softplus}}\left({0}\right)",
           "logcosh": r"\log\cosh\left({0}\right)", "sign": r"\operatorname{{sign}}\left({0}\right)",
           "min": r"\min\left({0}, {1}\right)", "max": r"\max\left({0}, {1}\right)"},
    symbol=_latex_symbol,
    infix={"add": "{0} + {1}", "sub": "{0} - {1}", "mul": r"{0} \cdot {1}", "div": r"\frac{{{0}}}{{{1}}}",
           "pow": "{{{0}}}^{{{1}}}", "neg": "-{0}"},
    cmp={"lt": "<", "le": r"\le", "gt": ">", "ge": r"\ge", "eq": "=", "ne": r"\ne"},
    wrap=r"\left({0}\right)",
    atoms=frozenset({"div"}),
    braced_exponent=True,
    where=r"\begin{{cases}} {1} & {0} \\ {2} & \text{{otherwise}} \end{{cases}}",
)

PLAIN = Style(
    funcs={name: name + "({0})" for name in ("log", "log1p", "exp", "expm1", "sqrt", "tanh", "cosh", "sinh",
                                             "sigmoid", "softplus", "logcosh", "sign")}
    | {"abs": "|{0}|", "min": "min({0}, {1})", "max": "max({0}, {1})"},
    symbol=lambda name: name,
    infix={"add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0}*{1}", "div": "{0}/{1}", "pow": "{0}^{1}",
           "neg": "-{0}"},
    where="({1} if {0} else {2})",
)


def _code_style(prefix: str, where: str) -> Style:
    base = {name: f"{prefix}.{name}({{0}})" for name in ("log", "log1p", "exp", "expm1", "sqrt", "abs", "tanh",
                                                          "cosh", "sinh", "sign")}
    base |= {"sigmoid": "_sigmoid({0})", "softplus": "_softplus({0})", "logcosh": "_logcosh({0})",
             "min": f"{prefix}.minimum({{0}}, {{1}})", "max": f"{prefix}.maximum({{0}}, {{1}})"}
    return Style(funcs=base, symbol=lambda name: name, where=where)


CODE_STYLES: dict[str, Style] = {
    "torch": _code_style("torch", "torch.where({0}, {1}, {2})"),
    "keras": _code_style("ops", "ops.where({0}, {1}, {2})"),
    "jax": _code_style("jnp", "jnp.where({0}, {1}, {2})"),
    "numpy": _code_style("np", "np.where({0}, {1}, {2})"),
}
