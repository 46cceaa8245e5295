"""The advice's texts (en/ja) and its views: to_dict / JSON, plain text, Rich."""

from __future__ import annotations

import io
import json
import re
import string
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from losslab.advice import SCHEMA_VERSION, recommend
from losslab.advice._texts import say

from . import _data

SOURCE = Path(__file__).resolve().parents[2] / "src" / "losslab" / "advice"


def _texts(lang: str) -> dict:
    with resources.files("losslab.advice").joinpath("texts", f"{lang}.toml").open("rb") as f:
        return tomllib.load(f)


def _flat(lang: str) -> dict[str, str]:
    return {f"{section}.{key}": value for section, table in _texts(lang).items() for key, value in table.items()}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_keys_and_placeholders():
    en, ja = _flat("en"), _flat("ja")
    assert set(en) == set(ja)
    for key in en:
        assert _fields(en[key]) == _fields(ja[key]), key


def test_japanese_is_written_in_desu_masu():
    formulas = {"derived.pos_weight", "derived.pos_weight_per_label"}  # a formula, not a sentence
    for key, text in _flat("ja").items():
        if key.startswith(("ui.", "metric.")) or key in formulas:
            continue
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text), key
        assert re.search("(です|ます|ました|ません|でした)", text), key
        assert "だ。" not in text and "である。" not in text, key


def test_every_key_used_in_the_code_exists_and_every_text_is_used():
    code = "\n".join(p.read_text(encoding="utf-8") for p in SOURCE.glob("*.py"))
    code += (SOURCE.parent / "cli" / "_recommend.py").read_text(encoding="utf-8")
    en = _flat("en")
    sections = "ui|analysis|format|question|hint|reason|derived|pitfall|evidence|metric"
    used = set(re.findall(rf'"((?:{sections})\.[a-z_0-9]+)"', code))
    assert used - set(en) == set()
    # keys built at run time: format.<label format>, the analysis' *_outliers variants, metric.<column>
    dynamic = ("format.", "metric.", "analysis.median_outliers", "analysis.no_median_outliers",
               "derived.huber_delta_median")
    unused = {k for k in en if k not in used and not k.startswith(dynamic)}
    assert unused == set()


@pytest.fixture(scope="module")
def results():
    X, y, _ = _data.outlier_line(n=150)
    rng = np.random.default_rng(0)
    return [
        recommend(X, target=y),
        recommend(*_data.imbalanced(n=420)),
        recommend(*_data.margin(n=200)),
        recommend(*_data.counts(n=200)),
        recommend(X, target=y, cost_ratio=4, priority="recall"),
        recommend(rng.normal(size=(200, 2)), target=rng.choice([0, 1, 2], 200, p=[0.8, 0.15, 0.05])),
        recommend((rng.normal(size=(200, 2)), (rng.random((200, 3)) < 0.3).astype(int))),
        recommend((rng.normal(size=(200, 2)), rng.dirichlet([1, 1, 1], 200))),
        recommend(np.array(["a", "b", "c", "d"] * 50, dtype=object)),
    ]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_view_renders_in_both_languages(results, lang):
    for r in results:
        text = r.to_text(lang)
        assert "{" not in text and "}" not in text.replace("{'", "")
        assert say("ui.analysis", lang) in text
        data = json.loads(r.to_json(lang))
        assert data["schema"] == SCHEMA_VERSION and data["lang"] == lang
        buf = io.StringIO()
        Console(file=buf, width=100, color_system=None).print(r.rich(lang))
        assert say("ui.analysis", lang) in buf.getvalue()
    assert "データからわかったこと" in results[0].to_text("ja")


def test_the_json_layout(results):
    data = results[0].to_dict()
    assert set(data) >= {"schema", "lang", "source", "hints", "analysis", "recommendation", "ranked", "questions",
                         "notes", "choice", "evidence"}
    first = data["recommendation"]["first"]
    assert set(first) >= {"loss", "label", "params", "code", "reasons", "derived", "pitfalls", "assumed"}
    assert first["reasons"][0]["key"].startswith("reason.") and first["reasons"][0]["text"]
    assert data["choice"] == {"loss": first["loss"], "label": first["label"], "params": first["params"],
                              "code": first["code"], "by": "rules"}
    assert data["analysis"]["outliers"]["method"] == "robust_z"
    assert data["evidence"] is None
    undecided = results[5].to_dict()
    assert undecided["choice"] is None and undecided["recommendation"]["first"] is None
    assert undecided["questions"][0]["cli"] == "--task"
    json.dumps(data, allow_nan=False)  # no NaN or infinity in the JSON
