"""The property report states what it measured: known answers for known losses, every number in a sentence is the
number measured, and the texts exist in both languages with the same placeholders."""

from __future__ import annotations

import re
import string

import numpy as np
import pytest

from losslab._texts import load_toml_texts
from losslab.formula import compile_formula, report


def verdicts(text: str, params: dict | None = None, task: str = "regression") -> dict[str, bool | None]:
    return {p.key: p.ok for p in report(compile_formula(text, params, task)) if p.key != "stable"}


@pytest.mark.parametrize(("text", "params", "expected"), [
    ("r^2", {}, {"zero": True, "minimum": True, "symmetric": True, "convex": True, "bounded": False,
                 "smooth": True, "finite": True, "derivative": True}),
    ("|r|", {}, {"zero": True, "minimum": True, "symmetric": True, "convex": True, "bounded": True,
                 "smooth": False, "finite": True, "derivative": True}),
    ("log(cosh(r))", {}, {"zero": True, "minimum": True, "symmetric": True, "convex": True, "bounded": True,
                          "smooth": True, "finite": True, "derivative": True}),
    ("where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))", {"delta": 1.0},
     {"zero": True, "minimum": True, "symmetric": True, "convex": True, "bounded": True, "smooth": True,
      "finite": True, "derivative": True}),
    ("max(q*(y - yhat), (q - 1)*(y - yhat))", {"q": 0.9},
     {"zero": True, "minimum": True, "symmetric": False, "convex": True, "bounded": True, "smooth": False,
      "finite": True, "derivative": True}),
    ("1 - exp(-r^2)", {}, {"zero": True, "minimum": True, "symmetric": True, "convex": False, "bounded": True,
                           "smooth": True, "finite": True, "derivative": True}),
    ("r^2 + 1", {}, {"zero": False, "minimum": True, "symmetric": True, "convex": True, "bounded": False,
                     "smooth": True, "finite": True, "derivative": True}),
    ("(r - 1)^2", {}, {"zero": False, "minimum": False, "symmetric": False, "convex": True, "bounded": False,
                       "smooth": True, "finite": True, "derivative": True}),
    ("exp(r^2) - 1", {}, {"zero": True, "minimum": True, "symmetric": True, "convex": True, "bounded": False,
                          "smooth": True, "finite": False, "derivative": True}),
])
def test_known_answers(text: str, params: dict, expected: dict) -> None:
    assert verdicts(text, params) == expected


def test_binary_known_answers() -> None:
    logits = verdicts("softplus(yhat) - y*yhat", task="binary")
    assert logits == {"axis": None, "zero": True, "convex": True, "bounded": True, "smooth": True, "finite": True,
                      "derivative": True}
    probs = verdicts("-(y*log(p) + (1-y)*log(1-p))", task="binary")
    assert probs["zero"] is True and probs["bounded"] is False  # -log p: the gradient is 1/p, 1e6 at p = 1e-6


def test_the_numbers_in_the_sentences_are_the_measured_ones() -> None:
    rep = {p.key: p for p in report(compile_formula("max(q*(y - yhat), (q - 1)*(y - yhat))", {"q": 0.9}))}
    assert rep["symmetric"].numbers == {"at": 2, "plus": 0.2, "minus": 1.8}
    assert "r = +2 it costs 0.2, at r = −2 it costs 1.8" in rep["symmetric"].sentence
    assert rep["minimum"].numbers == {"left": -0.9, "right": 0.1}
    assert rep["smooth"].numbers == {"points": "0"}
    unbounded = {p.key: p for p in report(compile_formula("r^2"))}["bounded"]
    assert unbounded.numbers["near"] == 2 and unbounded.numbers["far"] == 200
    assert "2 at r = 1 but 200 at r = -100" in unbounded.sentence


def test_rewrites_are_reported() -> None:
    keys = [p.sentence for p in report(compile_formula("log(1 + exp(r)) + log(cosh(r)) - log(2) * 2"))
            if p.key == "stable"]
    assert len(keys) == 2 and any("softplus" in k for k in keys)


def test_overflow_is_found_and_said() -> None:
    item = {p.key: p for p in report(compile_formula("exp(r^2) - 1"))}["finite"]
    assert item.ok is False and "inf" in item.sentence


def test_japanese_report() -> None:
    rep = report(compile_formula("|r|"), "ja")
    assert rep.lang == "ja"
    assert all(re.search(r"[ぁ-んァ-ン一-龥]", p.sentence) for p in rep)
    assert all(p.sentence.rstrip().endswith("。") for p in rep)


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def _flat(d: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for k, v in d.items():
        out.update(_flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k: v})
    return out


def test_texts_have_the_same_keys_and_placeholders_in_both_languages() -> None:
    en, ja = (_flat(load_toml_texts("losslab.formula", lang)) for lang in ("en", "ja"))
    assert en.keys() == ja.keys()
    for key in en:
        assert _fields(en[key]) == _fields(ja[key]), key


def test_report_is_json_ready() -> None:
    import json

    data = report(compile_formula("log(cosh(r))")).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert np.all([isinstance(i["sentence"], str) for i in data["items"]])
