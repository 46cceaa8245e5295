"""The next-token figures (issue 13): their data are the library's numbers, they render to PNG and SVG in English
and Japanese (Japanese as glyph outlines), and the temperature figure keeps the training loss fixed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslab import figures, lm

from .conftest import datasets, pixels

SEED = "今日はいい天気です。\n"


@pytest.fixture(scope="module")
def rows():
    return lm.true_view(lm.synthetic_language("ja"), SEED)


@pytest.fixture(scope="module")
def bigram():
    return lm.train("ja-synthetic", model="bigram")


def _charts(rows, bigram, lang):
    names = [bigram.tokenizer.token_text(i) for i in range(bigram.tokenizer.vocab_size)]
    z = bigram.model.logits(np.array([[names.index("は")]]))[0]
    return {"lm_token_losses": figures.lm_token_losses(rows, lang=lang),
            "lm_top_k": figures.lm_top_k(rows[2], lang=lang),
            "lm_curves": figures.lm_curves(bigram, lang=lang),
            "lm_temperature": figures.lm_temperature(z, names, training_loss=0.5526, lang=lang)}


def test_the_strip_and_the_bars_hold_the_true_numbers(rows):
    strip = datasets(figures.lm_token_losses(rows))["tokens"]
    assert [r["token"] for r in strip][:3] == ["今日は", "いい", "天気"]
    assert round(strip[2]["loss"], 4) == 0.5108 and strip[2]["prob"] == 0.6
    assert strip[2]["bits"] == pytest.approx(strip[2]["loss"] / math.log(2))
    assert strip[-1]["shown"] == "↵"
    top = datasets(figures.lm_top_k(rows[2]))["top"]
    assert [(r["token"], r["prob"], r["actual"]) for r in top] == [("天気", 0.6, True), ("電車", 0.2, False),
                                                                   ("気分", 0.2, False)]
    assert top[0]["grad"] == pytest.approx(-0.4)


def test_the_curves_carry_the_reference_lines(bigram):
    refs = {r["key"]: r["value"] for r in datasets(figures.lm_curves(bigram))["references"]}
    assert refs["ln_v"] == pytest.approx(math.log(bigram.tokenizer.vocab_size))
    assert refs["true_nats_per_token"] < refs["bigram_val_loss"] < refs["unigram_entropy"] < refs["ln_v"]
    hamlet = lm.train("en-hamlet", model="unigram")
    assert "true_nats_per_token" not in {r["key"] for r in datasets(figures.lm_curves(hamlet))["references"]}


def test_temperature_sharpens_and_flattens_but_quotes_one_training_loss():
    z = np.log(np.array([0.6, 0.2, 0.2]))
    chart = figures.lm_temperature(z, ["天気", "電車", "気分"], temperatures=(0.5, 1, 2), training_loss=0.9503,
                                   lang="ja")
    rows = datasets(chart)["distribution"]
    top = {r["t"]: r["prob"] for r in rows if r["token"] == "天気"}
    assert top[1.0] == pytest.approx(0.6) and top[0.5] > 0.6 > top[2.0]
    assert top[0.5] == pytest.approx(0.36 / 0.44)  # p² renormalised
    assert "0.9503" in figures.spec(chart)["title"]["subtitle"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_lm_figure_renders(rows, bigram, lang):
    for name, chart in _charts(rows, bigram, lang).items():
        data = figures.spec(chart, validate=True)
        assert data["usermeta"]["losslab"]["figure"] == name and data["usermeta"]["losslab"]["lang"] == lang
        assert data["config"]["font"].startswith("IPAexGothic" if lang == "ja" else "Helvetica")
        image = pixels(figures.to_png(chart, scale=0.5))
        ink = (image[..., :3].min(axis=2) < 200).mean()
        assert 0.003 < ink < 0.95, name
        svg = figures.to_svg(chart)
        if lang == "ja":
            assert "<text" not in svg, "Japanese SVG text is drawn as glyph outlines"
        else:
            assert "<text" in svg


def test_bad_rows_are_refused_in_words():
    from losslab.errors import LossInputError

    with pytest.raises(LossInputError, match="rows"):
        figures.lm_token_losses([])
    with pytest.raises(LossInputError, match="token_view"):
        figures.lm_top_k({"p": 0.5})
    with pytest.raises(LossInputError, match="temperatures"):
        figures.lm_temperature([0.0, 1.0], ["a", "b"], temperatures=(0,))
