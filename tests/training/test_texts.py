"""The training texts: the same keys in both languages, every code and data set covered, Japanese polite."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from string import Formatter

import pytest

from losslab.training import BUILTIN_DATASETS, CODES, texts

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
POLITE = re.compile(r"(です|ます|ません|ました|でしょう|ましょう|ください)。$")
ESTABLISHED = ("過学習", "学習率", "勾配", "発散", "損失", "検証データ", "正則化", "早期終了")


def raw(lang):
    with resources.files("losslab.training").joinpath("texts", f"{lang}.toml").open("rb") as f:
        return tomllib.load(f)


def flatten(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, node


def fields(text):
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_same_keys_and_placeholders_in_both_languages():
    en, ja = dict(flatten(raw("en"))), dict(flatten(raw("ja")))
    assert set(en) == set(ja)
    for key, value in en.items():
        if isinstance(value, list):
            assert len(value) == len(ja[key]), key
            for a, b in zip(value, ja[key], strict=True):
                assert fields(a) == fields(b), key
        else:
            assert fields(value) == fields(ja[key]), key


def test_every_code_and_data_set_has_texts():
    for lang in ("en", "ja"):
        for code in CODES:
            assert texts.get(f"diagnosis.{code}.title", lang)
        for name in BUILTIN_DATASETS:
            assert len(texts.get(f"datasets.{name}", lang)) > 30
        for status in ("completed", "early_stopping", "diverged", "cancelled"):
            assert texts.ui(status, lang)


def test_japanese_is_japanese_polite_and_uses_established_terms():
    ja = dict(flatten(raw("ja")))
    sentences = []
    for key, value in ja.items():
        if key.startswith(("diagnosis.", "datasets.", "demo.")) and not key.endswith("title"):
            sentences += value if isinstance(value, list) else [value]
    for s in sentences:
        assert JAPANESE.search(s), s
        assert POLITE.search(s), s
    joined = " ".join(str(v) for v in ja.values())
    for term in ESTABLISHED:
        assert term in joined, term


def test_english_is_english():
    for key, value in flatten(raw("en")):
        for s in value if isinstance(value, list) else [value]:
            assert not JAPANESE.search(s), key


def test_lookup_errors_and_bundle():
    with pytest.raises(KeyError):
        texts.get("diagnosis.nope.title")
    with pytest.raises(KeyError):
        texts.items("diagnosis.healthy.title")
    assert texts.get("ui.from_epoch", "ja", epoch=3) == "エポック3から"
    assert texts.bundle("ja_JP.UTF-8")["lang"] == "ja"
