"""The formula language: what it reads, how it reads it, and what it refuses (with the position and the rule)."""

from __future__ import annotations

import numpy as np
import pytest

from losslab.errors import LossInputError
from losslab.formula import FormulaError, compile_formula
from losslab.formula._parse import parse


def value(text: str, r: float = 0.7, y: float = 2.0, **params: float) -> float:
    f = compile_formula(text, params)
    return float(f.compute(np, np.array([y + r]), np.array([y]), orders=(0,))[0][0])


@pytest.mark.parametrize(("text", "expected"), [
    ("r^2", 0.49),
    ("r**2", 0.49),
    ("r²", 0.49),
    ("r³", 0.343),
    ("-r^2", -0.49),  # minus binds looser than ^, as in mathematics and Python
    ("(-r)^2", 0.49),
    ("2^-1 * r", 0.35),  # a signed exponent
    ("2^3^2 * r / 512", 0.7),  # right-associative: 2^(3^2) = 512
    ("1 - 2 - r", -1.7),  # left-associative
    ("8 / 2 / 4 * r", 0.7),
    ("|r|", 0.7),
    ("||r| - 1|", 0.3),  # bars inside bars
    ("abs(r) * |r|", 0.49),
    ("(yhat - y)^2", 0.49),
    ("(ŷ − y)²", 0.49),  # the Unicode forms
    ("ｒ＾２", 0.49),  # full-width, as a Japanese input method types it
    ("r × 2 ÷ 4", 0.35),
    ("r · r", 0.49),
    ("0.5*r^2 if |r| <= 1 else |r| - 0.5", 0.245),
    ("0.5*r^2 if |r| ≤ 0.5 else |r| - 0.25", 0.45),
    ("where(r > 0, r, 0)", 0.7),
    ("min(r, 0.5) + max(r, 0.5)", 1.2),
    ("log(exp(r))", 0.7),
    ("log1p(r) - log(1 + r)", 0.0),
    ("sqrt(r^2)", 0.7),
    ("tanh(r) - (exp(2*r) - 1)/(exp(2*r) + 1)", 0.0),
    ("cosh(r) - (exp(r) + exp(-r))/2", 0.0),
    ("sigmoid(r) - 1/(1 + exp(-r))", 0.0),
    ("softplus(r) - log(1 + exp(r))", 0.0),
    ("1e-3 * r", 0.0007),
    (".5 * r", 0.35),
    ("  r  ", 0.7),
])
def test_reads_like_mathematics(text: str, expected: float) -> None:
    assert value(text) == pytest.approx(expected, abs=1e-12)


def test_parameters_and_greek_letters() -> None:
    assert value("δ^2 * (sqrt(1 + (r/δ)^2) - 1)", delta=2.0) == pytest.approx(4 * (np.sqrt(1 + 0.35**2) - 1))
    assert value("alpha * r + β", alpha=2.0, beta=1.0) == pytest.approx(2.4)


@pytest.mark.parametrize(("text", "code", "position"), [
    ("r^^2", "unexpected", 2),
    ("2r", "implicit_mul", 1),
    ("r(2)", "not_a_function", 0),
    ("log r", "needs_call", 0),
    ("log(r", "unclosed", 3),
    ("|r", "unclosed", 0),
    ("r +", "unexpected_end", 3),
    ("", "empty", None),
    ("   ", "empty", None),
    ("y^2", "no_prediction", None),
    ("r^yhat", "exponent_not_constant", 1),
    ("r^17", "big_exponent", 1),
    ("r * 1e7", "big_constant", 4),
    ("r * 1.2.3", "bad_number", 4),
    ("rr", "unknown_name_close", 0),
    ("r + zeta", "unknown_name", 4),
    ("r.real", "python_syntax", 1),
    ("r[0]", "python_syntax", 1),
    ("__import__", "python_name", 0),
    ("lambda", "python_name", 0),
    ("max(r)", "arity", 0),
    ("where(r, 1, 2)", "need_comparison", 7),
    ("r if r else 1", "need_comparison", 7),
    ("r < 1", "unexpected", 2),
    ("rе", "bad_char", 1),  # a Cyrillic е that looks like a Latin e
])
def test_refusals_point_at_the_character(text: str, code: str, position: int | None) -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula(text)
    err = info.value
    assert isinstance(err, LossInputError)
    assert (err.code, err.position) == (code, position), str(err)
    assert err.loss == "custom" and err.argument == "formula"
    assert err.hint
    assert "\n" not in str(err)
    if position is not None:
        assert f"character {position + 1}" in str(err)


def test_did_you_mean_names_the_close_one() -> None:
    with pytest.raises(FormulaError, match="did you mean 'delta'"):
        compile_formula("r^2 * delt", {"delta": 1.0})
    with pytest.raises(FormulaError, match="did you mean 'sqrt'"):
        compile_formula("sqr(r)")


def test_look_alike_characters_are_named() -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula("еxp(r)")  # Cyrillic е
    assert "U+0435" in str(info.value) and "Cyrillic" in str(info.value)


def test_errors_in_japanese() -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula("2r", lang="ja")
    text = str(info.value)
    assert "引数 'formula'" in text and "2 文字目" in text and "掛け算" in text


def test_limits() -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula("r+" * 128 + "r")
    assert info.value.code == "too_long"
    with pytest.raises(FormulaError) as info:
        compile_formula("(" * 40 + "r" + ")" * 40)
    assert info.value.code == "too_deep"
    with pytest.raises(FormulaError) as info:
        compile_formula("-" * 40 + "r")
    assert info.value.code == "too_deep"
    with pytest.raises(FormulaError) as info:
        compile_formula("+".join(["r*r"] * 60))
    assert info.value.code == "too_many_nodes"
    assert compile_formula("(" * 30 + "r" + ")" * 30).plain == "r"
    assert compile_formula("r*1e6").plain == "1000000*r"


@pytest.mark.parametrize(("params", "code", "argument"), [
    ({"r": 1.0}, "bad_param_name", "params"),
    ({"log": 1.0}, "bad_param_name", "params"),
    ({"_x": 1.0}, "bad_param_name", "params"),
    ({"delta": float("nan")}, "bad_param_value", "delta"),
    ({"delta": "one"}, "bad_param_value", "delta"),
    ({"delta": True}, "bad_param_value", "delta"),
    ({"delta": 1.0, "unused": 2.0}, "unused_param", "params"),
])
def test_parameter_refusals(params: dict, code: str, argument: str) -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula("delta * r^2" if "delta" in params else "r^2", params)
    assert (info.value.code, info.value.argument) == (code, argument)


def test_not_text_and_bad_task() -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula(42)  # type: ignore[arg-type]
    assert info.value.code == "not_text"
    with pytest.raises(FormulaError) as info:
        compile_formula("r^2", task="multiclass")
    assert info.value.code == "bad_task"


def test_exponent_parameter_is_recorded() -> None:
    assert parse("|r|^q", {"q": 1.5}).exponent_params == {"q"}
