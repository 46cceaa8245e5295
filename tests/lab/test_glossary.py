"""One glossary for the Japanese texts (issue 16): each English term has one Japanese word, in the lab's texts and in
the texts of the packages it shows (training, explain, formula, lm, distill, and the others that have ja texts).

A pair that drifted is listed here, with the word chosen (the existing majority, or the usual word in Japanese
machine-learning texts) and the variants it replaced; a text that uses a variant fails this test."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(str(resources.files("losslab")))
# the packages whose texts the lab shows first; every other package with ja texts is read too
PACKAGES = ("lab", "training", "explain", "formula", "lm", "distill")

# English term → (the one Japanese word, the variants that drifted from it)
GLOSSARY: dict[str, tuple[str, tuple[str, ...]]] = {
    "training (data, split, loss)": ("訓練", ("学習用", "学習データ", "学習損失", "学習セット")),
    "training (a run's state)": ("学習中", ("訓練中",)),
    "momentum": ("モーメンタム", ("モメンタム",)),
    "cross-entropy": ("交差エントロピー", ("クロスエントロピー",)),
    "parameter": ("パラメータ", ("パラメーター",)),
    "example (one row of the data)": ("サンプル", ("例を追跡", "例を移動")),
}
# where the English text says the term, the Japanese text of the same key uses the word
SAME_KEY: dict[str, tuple[str, str]] = {
    "training (data, split, loss)": (r"\btraining (data|loss|points?|part)\b", "訓練"),
    "momentum": (r"\bmomentum\b", "モーメンタム"),
}


def _flat(node: object, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(node, dict):
        for k, v in node.items():
            out.update(_flat(v, f"{prefix}{k}."))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.update(_flat(v, f"{prefix}{i}."))
    elif isinstance(node, str):
        out[prefix.rstrip(".")] = node
    return out


def _texts(lang: str) -> dict[str, dict[str, str]]:
    found = {p.parent.parent.name: p for p in sorted(ROOT.glob(f"*/texts/{lang}.toml"))}
    assert set(PACKAGES) <= set(found), sorted(found)
    return {pkg: _flat(tomllib.loads(path.read_text("utf-8"))) for pkg, path in found.items()}


JA = _texts("ja")
EN = _texts("en")


@pytest.mark.parametrize("term", list(GLOSSARY))
def test_one_japanese_word_per_term(term):
    word, variants = GLOSSARY[term]
    drifted = [f"{pkg}:{key}: {variant!r} in {text[:60]!r}" for pkg, table in JA.items()
               for key, text in table.items() for variant in variants if variant in text]
    assert not drifted, f"{term} is {word!r} in Japanese: " + "; ".join(drifted)
    assert any(word in text for table in JA.values() for text in table.values()), f"{word!r} is used nowhere"


@pytest.mark.parametrize("term", list(SAME_KEY))
def test_the_japanese_text_of_a_key_uses_the_word(term):
    pattern, word = SAME_KEY[term]
    missing = [f"{pkg}:{key}" for pkg, table in EN.items() for key, text in table.items()
               if re.search(pattern, text, re.I) and key in JA.get(pkg, {}) and word not in JA[pkg][key]]
    assert not missing, f"{term}: the Japanese text should say {word!r}: " + ", ".join(missing)


def test_the_glossary_words_do_not_contain_their_variants():
    # else the word itself would fail (a variant may contain the word: パラメーター holds パラメータ)
    for word, variants in GLOSSARY.values():
        assert all(variant not in word for variant in variants)
