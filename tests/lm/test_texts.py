"""The texts of losslab.lm: the same keys and placeholders in en and ja, polite Japanese."""

from __future__ import annotations

import re
import string

from losslab._texts import load_toml_texts


def _flat(node, prefix=""):
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def test_same_keys_and_placeholders():
    en, ja = dict(_flat(load_toml_texts("losslab.lm", "en"))), dict(_flat(load_toml_texts("losslab.lm", "ja")))
    assert en.keys() == ja.keys()
    for key in en:
        fields = {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(ja[key]) if f}, key


def test_japanese_sentences_are_polite():
    ja = dict(_flat(load_toml_texts("losslab.lm", "ja")))
    sentences = [v for v in ja.values() if v.endswith("。")]
    assert sentences and all(re.search(r"(です|ます|ません|ください)[)」]?。$", v) for v in sentences)
