"""Injection and denial-of-service payloads: each is refused by the grammar with a FormulaError (a
LossInputError) naming the formula and, where there is one, the character — nothing reaches Python.

The time each refusal takes is measured in benchmarks/bench_formula.py (target ≤ 10 ms), not here.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losslab.errors import LossInputError
from losslab.formula import FormulaError, compile_formula, custom

PAYLOADS = [
    # Python code, dunder chains, attribute access
    "__import__('os').system('echo pwned')",
    "__import__",
    "().__class__.__bases__[0].__subclasses__()",
    "r.__class__",
    "r.real",
    "yhat.__add__(y)",
    "(lambda: 1)()",
    "lambda r: r",
    "[r for r in range(10)]",
    "(r for r in y)",
    "{r: 1}",
    "{r}",
    "r[0]",
    "r[::-1]",
    "getattr(r, 'x')",
    "eval('1')",
    "exec('x=1')",
    "open('/etc/passwd')",
    "globals()",
    "os.system('ls')",
    "import os",
    "r; import os",
    "r = 1",
    "r := 1",
    "f'{r}'",
    "'%s' % r",
    "'{0.__class__}'.format(r)",
    "b'r'",
    "r if True else 0",
    "not r",
    "r and y",
    "r or y",
    "r @ y",
    "r % 2",
    "r // 2",
    "r << 2",
    "~r",
    "r & y",
    "`r`",
    "r # comment",
    "r \\\n + 1",
    "print(r)",
    # denial of service
    "9^9^9",
    "9**9**9**9",
    "r^99999",
    "r^-17",
    "1e999 * r",
    "r * 99999999999",
    "(" * 10000 + "r" + ")" * 10000,
    "(" * 100 + "r" + ")" * 100,
    "-" * 200 + "r",
    "+".join(["r"] * 300),
    "+".join(["r*r*r"] * 40),
    "||||||||||||||||||||||||||||||||||||||||r",
    "r" * 300,
    # look-alikes and odd characters
    "еxp(r)",  # Cyrillic е
    "r⁲",
    "ｒ＋＿＿ｉｍｐｏｒｔ＿＿",  # full-width dunder
    "r\x00",
    "r\u200b+1",  # zero-width space
    "r\u202e1+",  # right-to-left override
    "$r",
    "r?",
    "exp(r, y, 1)",
    "where(r > 0, r)",
    "where(r)",
    "r^y",
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payload_is_refused_in_words(payload: str) -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula(payload)
    err = info.value
    assert isinstance(err, LossInputError)
    message = str(err)
    assert message.startswith("custom: argument '")
    assert "\n" not in message and len(message) < 800
    assert err.hint
    assert err.position is None or 0 <= err.position <= len(payload)


def test_at_least_fifty_payloads() -> None:
    assert len(PAYLOADS) >= 50


def test_custom_refuses_them_too() -> None:
    for payload in PAYLOADS[:10]:
        with pytest.raises(FormulaError):
            custom(payload)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_formula_or_a_formula_error(text: str) -> None:
    try:
        compile_formula(text)
    except FormulaError as err:
        assert "\n" not in str(err)


ALPHABET = [*"ry0123456789.+-*/^()|, ", "yhat", "log", "exp", "sqrt", "max(", "where(", " if ", " else ", "<", "<=",
            "abs(", "softplus(", "²"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join))
def test_grammar_shaped_noise_never_escapes(text: str) -> None:
    with contextlib.suppress(FormulaError):
        compile_formula(text)
