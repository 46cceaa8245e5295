"""The formula language, read by a parser the project owns (tokens, then recursive descent), never by Python.

Grammar (lowest precedence first)::

    formula := sum ["if" sum CMP sum "else" formula]          # a if r < 1 else b
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom ["^" unary]                              # right-associative; "**" reads as "^"
    atom    := NUMBER | NAME | NAME "(" args ")" | "(" formula ")" | "|" formula "|"

Names are the variables (:data:`._nodes.VARIABLES`), the functions (:data:`._nodes.FUNCTIONS`, plus
``where(cond, a, b)``) and the parameters the caller declares. Unicode forms read as their ASCII spelling (ŷ, ²,
³, −, ×, ·, ÷, ≤, ≥, ≠, δ α β γ τ, and full-width characters typed with a Japanese input method); any other
character is refused where it stands. Limits keep every formula cheap: :data:`LIMITS`.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import FormulaError
from ._nodes import COMPARISONS, FUNCTIONS, OPS, VARIABLES, Node, add, call, div, mul, neg, num, pw, sub, sym

__all__ = ["LIMITS", "parse"]

LIMITS = {"chars": 256, "nodes": 200, "depth": 32, "constant": 1e6, "exponent": 16}
"""At most 256 characters, 200 nodes, nesting 32 deep, numbers up to 1e6 in size, exponents up to 16."""

_SPELLINGS: dict[str, str] = {
    "ŷ": "yhat", "²": "^2", "³": "^3", "−": "-", "×": "*", "·": "*", "÷": "/", "≤": "<=", "≥": ">=", "≠": "!=",
    "δ": "delta", "α": "alpha", "β": "beta", "γ": "gamma", "τ": "tau",
}
_KEYWORDS = ("if", "else")
_SYMBOLS = ("**", "<=", ">=", "==", "!=", "+", "-", "*", "/", "^", "(", ")", ",", "|", "<", ">")
_PYTHON_WORDS = {"lambda", "import", "for", "in", "not", "and", "or", "def", "class", "return", "yield", "await",
                 "eval", "exec", "open", "print", "globals", "locals", "getattr", "os", "sys", "True", "False",
                 "None"}


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "sym", "end"
    text: str
    pos: int


def _bad_char(formula: str, i: int, lang: str | None) -> FormulaError:
    ch = formula[i]
    name = unicodedata.name(ch, "")
    code = "python_syntax" if ch in "._[]{}'\"`:;@=!~&#$%\\?" else "bad_char"
    return FormulaError(code, formula, i, lang=lang, char=ch, codepoint=f"U+{ord(ch):04X}",
                        uname=name.title() if name else "?")


def _width_folded(formula: str) -> str:
    """Full-width ASCII (typed with a Japanese input method) as ASCII, one character for one: positions stay."""
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else " " if c == "\u3000" else c
                   for c in formula)


def _spelled(spelling: str, pos: int) -> list[Token]:
    if spelling.startswith("^"):
        return [Token("sym", "^", pos), Token("num", spelling[1:], pos)]
    return [Token("name" if spelling.isalpha() else "sym", spelling, pos)]


def _number_end(formula: str, i: int) -> int:
    n = len(formula)
    j = i
    while j < n and (formula[j] in "0123456789."):
        j += 1
    if j + 1 < n and formula[j] in "eE":
        k = j + 1 + (formula[j + 1] in "+-")
        if k < n and formula[k] in "0123456789":
            j = k
            while j < n and formula[j] in "0123456789":
                j += 1
    return j


def tokenize(formula: str, lang: str | None = "en") -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(formula)
    while i < n:
        ch = formula[i]
        if ch in " \t\n\r":
            i += 1
        elif ch in _SPELLINGS:
            out.extend(_spelled(_SPELLINGS[ch], i))
            i += 1
        elif ch in "0123456789" or (ch == "." and i + 1 < n and formula[i + 1] in "0123456789"):
            j = _number_end(formula, i)
            text = formula[i:j]
            if text.count(".") > 1:
                raise FormulaError("bad_number", formula, i, lang=lang, text=text)
            out.append(Token("num", text, i))
            i = j
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            j = i
            while j < n and formula[j].isascii() and (formula[j].isalnum() or formula[j] == "_"):
                j += 1
            out.append(Token("name", formula[i:j], i))
            i = j
        else:
            s = next((s for s in _SYMBOLS if formula.startswith(s, i)), None)
            if s is None:
                raise _bad_char(formula, i, lang)
            out.append(Token("sym", "^" if s == "**" else s, i))
            i += len(s)
    out.append(Token("end", "", n))
    return out


class _Parser:
    def __init__(self, formula: str, params: Mapping[str, float], lang: str | None) -> None:
        self.formula = formula
        self.params = params
        self.lang = lang
        self.tokens = tokenize(formula, lang)
        self.i = 0
        self.depth = 0
        self.nodes = 0
        self.exponent_params: set[str] = set()

    # -- helpers ------------------------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, code: str, tok: Token | None = None, **fields: Any) -> FormulaError:
        t = tok or self.tok
        return FormulaError(code, self.formula, t.pos, lang=self.lang, token=t.text or "end", **fields)

    def take(self, text: str) -> bool:
        if self.tok.kind in ("sym", "name") and self.tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str, opened: Token | None = None) -> None:
        if not self.take(text):
            if self.tok.kind == "end" and opened is not None:
                raise self.error("unclosed", opened, close=text)
            raise self.error("expected", want=text)

    def count(self, node: Node) -> Node:
        self.nodes += 1
        if self.nodes > LIMITS["nodes"]:
            raise self.error("too_many_nodes", limit=LIMITS["nodes"])
        return node

    def enter(self) -> None:
        self.depth += 1
        if self.depth > LIMITS["depth"]:
            raise self.error("too_deep", limit=LIMITS["depth"])

    # -- grammar -----------------------------------------------------------------------------------------------
    def expr(self) -> Node:
        node = self.sum()
        if self.take("if"):
            cond = self.condition()
            self.expect("else")
            node = self.count(Node("where", (cond, node, self.expr())))
        return node

    def condition(self) -> Node:
        left = self.sum()
        tok = self.tok
        if not (tok.kind == "sym" and tok.text in COMPARISONS):
            raise self.error("need_comparison")
        self.i += 1
        return self.count(Node(COMPARISONS[tok.text], (left, self.sum())))

    def sum(self) -> Node:
        node = self.product()
        while self.tok.text in ("+", "-") and self.tok.kind == "sym":
            op = self.tok.text
            self.i += 1
            right = self.product()
            node = self.count(add(node, right) if op == "+" else sub(node, right))
        return node

    def product(self) -> Node:
        node = self.unary()
        while True:
            if self.tok.kind == "sym" and self.tok.text in ("*", "/"):
                op = self.tok.text
                self.i += 1
                right = self.unary()
                node = self.count(mul(node, right) if op == "*" else div(node, right))
            elif (self.tok.kind in ("num", "name") and self.tok.text not in _KEYWORDS) or self.tok.text == "(":
                raise self.error("implicit_mul")
            else:
                return node

    def unary(self) -> Node:
        if self.tok.kind == "sym" and self.tok.text in ("-", "+"):
            op = self.tok.text
            self.i += 1
            self.enter()
            inner = self.unary()
            self.depth -= 1
            return self.count(neg(inner)) if op == "-" else inner
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.tok.kind == "sym" and self.tok.text == "^":
            caret = self.tok
            self.i += 1
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            self.check_exponent(exponent, caret)
            return self.count(pw(base, exponent))
        return base

    def check_exponent(self, exponent: Node, caret: Token) -> None:
        if exponent.symbols() & set(VARIABLES):
            raise self.error("exponent_not_constant", caret)
        value = exponent.value if exponent.is_num else None
        if value is None and exponent.op == "sym":
            value = float(self.params[exponent.name])
            self.exponent_params.add(exponent.name)
        elif value is None and exponent.op == "neg" and exponent.args[0].op == "sym":
            value = -float(self.params[exponent.args[0].name])
            self.exponent_params.add(exponent.args[0].name)
        elif value is None:
            raise self.error("exponent_not_constant", caret)
        if not math.isfinite(value) or abs(value) > LIMITS["exponent"]:
            raise self.error("big_exponent", caret, limit=LIMITS["exponent"], value=f"{value:g}")

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.i += 1
            try:
                value = float(tok.text)
            except ValueError:
                raise self.error("bad_number", tok, text=tok.text) from None
            if not math.isfinite(value) or abs(value) > LIMITS["constant"]:
                raise self.error("big_constant", tok, limit=f"{LIMITS['constant']:g}")
            return self.count(num(value))
        if tok.kind == "name":
            return self.named(tok)
        if tok.kind == "sym" and tok.text in ("(", "|"):
            self.i += 1
            self.enter()
            inner = self.expr()
            self.depth -= 1
            self.expect(")" if tok.text == "(" else "|", tok)
            return self.count(call("abs", inner)) if tok.text == "|" else inner
        if tok.kind == "end":
            raise self.error("unexpected_end")
        raise self.error("unexpected")

    def named(self, tok: Token) -> Node:
        name = tok.text
        self.i += 1
        if name in FUNCTIONS or name == "where":
            return self.function(tok)
        if name.startswith("_") or name in _PYTHON_WORDS:
            raise self.error("python_name", tok)
        if self.tok.kind == "sym" and self.tok.text == "(":
            close = difflib.get_close_matches(name, [*FUNCTIONS, "where"], n=1, cutoff=0.6)
            if close and name not in VARIABLES and name not in self.params:
                raise self.error("unknown_name_close", tok, close=close[0])
            raise self.error("not_a_function", tok)
        if name in VARIABLES or name in self.params:
            return self.count(sym(name))
        if name in _KEYWORDS:
            raise self.error("unexpected", tok)
        known = [*VARIABLES, *self.params, *FUNCTIONS, "where"]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            raise self.error("unknown_name_close", tok, close=close[0])
        raise self.error("unknown_name", tok, params=", ".join(self.params) or "-")

    def function(self, tok: Token) -> Node:
        opened = self.tok
        if not self.take("("):
            raise self.error("needs_call", tok, name=tok.text)
        self.enter()
        args: list[Node] = []
        if tok.text == "where":
            args.append(self.condition())
            while self.take(","):
                args.append(self.expr())
        elif not (self.tok.kind == "sym" and self.tok.text == ")"):
            args.append(self.expr())
            while self.take(","):
                args.append(self.expr())
        self.expect(")", opened)
        self.depth -= 1
        arity = OPS[tok.text].arity
        if len(args) != arity:
            raise self.error("arity", tok, name=tok.text, want=arity, got_n=len(args))
        return self.count(call(tok.text, *args))


@dataclass(frozen=True)
class Parsed:
    tree: Node
    exponent_params: frozenset[str]


def parse(formula: object, params: Mapping[str, float] | None = None, *, lang: str | None = "en") -> Parsed:
    """The tree of ``formula``; ``params`` maps each parameter name the formula may use to its value."""
    if not isinstance(formula, str):
        raise FormulaError("not_text", repr(formula)[:40], None, lang=lang, type=type(formula).__name__)
    if len(formula) > LIMITS["chars"]:
        raise FormulaError("too_long", formula[:40], None, lang=lang, limit=LIMITS["chars"], n=len(formula))
    text = _width_folded(unicodedata.normalize("NFC", formula))
    if not text.strip():
        raise FormulaError("empty", text, None, lang=lang)
    parser = _Parser(text, dict(params or {}), lang)
    tree = parser.expr()
    if parser.tok.kind != "end":
        tok = parser.tok
        raise parser.error("unexpected", tok)
    if not tree.depends_on_pred():
        raise FormulaError("no_prediction", text, None, lang=lang)
    return Parsed(tree, frozenset(parser.exponent_params))
