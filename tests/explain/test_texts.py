"""The explanation texts: complete for every built-in loss in both languages, consistent, and true to the numbers."""

from __future__ import annotations

import math
import re
import tomllib
from importlib import resources
from typing import Any

import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError
from losslab.explain import texts

LANGS = ("en", "ja")
SENTENCE_FIELDS = ("idea", "how", "when_to_use", "avoid_when", "outliers", "gradient", "pitfall")
REQUIRED_UI = (
    "pred", "target", "error", "abs_error", "squared_error", "branch", "quadratic", "linear", "log1p_pred",
    "log1p_target", "log_diff", "percent_error", "rate", "prob", "target_smoothed", "prob_true", "neg_log_prob",
    "modulation", "alpha_t", "margin", "hinge", "inside_margin", "outside_margin", "label", "true_class",
    "score_true", "best_wrong", "kl_term", "js_term", "loss", "weight", "weighted_loss", "share", "example", "step",
    "value", "total", "sum", "mean", "weighted_mean", "sqrt", "reduction", "formula", "idea", "how", "when_to_use",
    "avoid_when", "outliers", "gradient", "pitfall", "related", "params", "equivalents", "final_value", "shown_rows",
    "largest_rows", "task", "regression", "binary", "multiclass", "distribution", "name", "aliases", "default",
    "description", "warning", "error", "hint",
)

CATALOG = {entry["name"]: entry for entry in losslab.catalog() if entry["builtin"]}
BUILTINS = sorted(CATALOG)
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|XXX|lorem|ipsum)\b|\.\.\.|…|\?\?\?|<[a-z_]+>", re.IGNORECASE)
POLITE_ENDINGS = ("です", "ます", "ません", "ました", "でしょう", "ましょう", "ください")
TRAILING_PARENTHESIS = re.compile(r"[（(][^（）()]*[）)]$")


def raw(lang: str) -> dict[str, Any]:
    """The text file as shipped, read the way an installed package reads it."""
    source = resources.files("losslab.explain").joinpath("texts").joinpath(f"{lang}.toml")
    with source.open("rb") as handle:
        return tomllib.load(handle)


def raw_meta() -> dict[str, Any]:
    with resources.files("losslab.explain").joinpath("texts").joinpath("meta.toml").open("rb") as handle:
        return tomllib.load(handle)


def assert_polite_japanese(text: str, where: str) -> None:
    assert JAPANESE.search(text), f"{where}: no Japanese characters in {text!r}"
    assert text.endswith("。"), f"{where}: does not end with 。: {text!r}"
    for sentence in filter(None, (s.strip() for s in text.split("。"))):
        bare = TRAILING_PARENTHESIS.sub("", sentence).rstrip()
        assert bare.endswith(POLITE_ENDINGS), f"{where}: sentence not in です/ます form: {sentence!r}"


def assert_real_text(text: Any, where: str, min_length: int) -> None:
    assert isinstance(text, str), f"{where}: not a string: {text!r}"
    assert text == text.strip() and text, f"{where}: empty or padded: {text!r}"
    assert not PLACEHOLDER.search(text), f"{where}: looks like a placeholder: {text!r}"
    assert len(text) >= min_length, f"{where}: too short to explain anything: {text!r}"


# ------------------------------------------------------------------------------------------------- completeness
def test_the_catalog_has_the_built_in_losses() -> None:
    assert len(BUILTINS) >= 22
    assert {"mse", "sse", "huber", "categorical_hinge", "kl_divergence", "js_divergence"} <= set(BUILTINS)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", BUILTINS)
def test_every_built_in_loss_has_every_field(lang: str, name: str) -> None:
    entry = raw(lang)["losses"].get(name)
    assert entry is not None, f"{lang}.toml has no [losses.{name}]"
    assert set(entry) <= {*texts.TEXT_FIELDS, "params", "inputs"}, f"{lang}/{name}: unknown keys {set(entry)}"
    short_minimum = 1
    sentence_minimum = 40 if lang == "en" else 20
    for field in texts.TEXT_FIELDS:
        assert field in entry, f"{lang}/{name} lacks {field!r}"
        minimum = sentence_minimum if field in SENTENCE_FIELDS else short_minimum
        assert_real_text(entry[field], f"{lang}/{name}.{field}", minimum)
    assert len(entry["short"]) <= 24, f"{lang}/{name}.short is too long for a legend: {entry['short']!r}"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", BUILTINS)
def test_every_parameter_has_a_sentence(lang: str, name: str) -> None:
    written = raw(lang)["losses"][name].get("params", {})
    expected = {p["name"] for p in CATALOG[name]["params"]}
    assert set(written) == expected, f"{lang}/{name}: params {sorted(written)} != catalog {sorted(expected)}"
    for param, sentence in written.items():
        assert_real_text(sentence, f"{lang}/{name}.params.{param}", 30 if lang == "en" else 15)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", BUILTINS)
def test_every_extra_input_has_a_sentence(lang: str, name: str) -> None:
    # [losses.NAME.inputs]: one sentence per definition.inputs, shown by `losslab show` in the user's language
    written = raw(lang)["losses"][name].get("inputs", {})
    expected = {i["name"] for i in CATALOG[name]["inputs"]}
    assert set(written) == expected, f"{lang}/{name}: inputs {sorted(written)} != catalog {sorted(expected)}"
    for input_name, sentence in written.items():
        assert_real_text(sentence, f"{lang}/{name}.inputs.{input_name}", 30 if lang == "en" else 15)
        assert texts.loss_text(name, lang)["inputs"][input_name] == sentence


def test_losses_with_inputs_are_covered() -> None:
    with_inputs = {name for name, entry in CATALOG.items() if entry["inputs"]}
    assert {"triplet_margin", "gaussian_nll", "ctc"} <= with_inputs


@pytest.mark.parametrize("lang", LANGS)
def test_no_texts_for_losses_that_do_not_exist(lang: str) -> None:
    assert set(raw(lang)["losses"]) <= set(BUILTINS)


def test_key_sets_are_identical_across_languages() -> None:
    en, ja = raw("en"), raw("ja")
    assert set(en) == set(ja)
    assert set(en["ui"]) == set(ja["ui"])
    assert set(en["fallback"]) == set(ja["fallback"])
    assert set(en["losses"]) == set(ja["losses"])
    for name in en["losses"]:
        assert set(en["losses"][name]) == set(ja["losses"][name]), name
        assert set(en["losses"][name].get("params", {})) == set(ja["losses"][name].get("params", {})), name
        assert set(en["losses"][name].get("inputs", {})) == set(ja["losses"][name].get("inputs", {})), name


# --------------------------------------------------------------------------------------------------- languages
@pytest.mark.parametrize("name", BUILTINS)
def test_japanese_texts_are_japanese_and_polite(name: str) -> None:
    entry = raw("ja")["losses"][name]
    assert JAPANESE.search(entry["title"]), f"ja/{name}.title has no Japanese: {entry['title']!r}"
    for field in SENTENCE_FIELDS:
        assert_polite_japanese(entry[field], f"ja/{name}.{field}")
    for param, sentence in entry.get("params", {}).items():
        assert_polite_japanese(sentence, f"ja/{name}.params.{param}")
    for input_name, sentence in entry.get("inputs", {}).items():
        assert_polite_japanese(sentence, f"ja/{name}.inputs.{input_name}")


@pytest.mark.parametrize("name", BUILTINS)
def test_english_texts_are_english(name: str) -> None:
    entry = raw("en")["losses"][name]
    for field in texts.TEXT_FIELDS:
        assert not JAPANESE.search(entry[field]), f"en/{name}.{field} contains Japanese: {entry[field]!r}"
    for field in SENTENCE_FIELDS:
        assert entry[field][0].isupper() or entry[field][0].isdigit(), f"en/{name}.{field} starts in lower case"
        assert entry[field].endswith("."), f"en/{name}.{field} does not end with a full stop"


def test_japanese_uses_the_established_terms() -> None:
    ja = raw("ja")["losses"]
    titles = {name: ja[name]["title"] for name in ja}
    assert titles["mse"] == "平均二乗誤差"
    assert titles["mae"] == "平均絶対誤差"
    assert titles["sse"] == "二乗和誤差"
    assert titles["binary_cross_entropy"] == "二値交差エントロピー"
    assert "交差エントロピー誤差" in titles["categorical_cross_entropy"]
    assert titles["huber"] == "Huber損失"
    assert titles["hinge"] == "ヒンジ損失"
    assert titles["kl_divergence"] == "KLダイバージェンス"
    assert "Focal損失" in titles["binary_focal"]
    everything = " ".join(str(v) for entry in ja.values() for v in entry.values())
    for term in ("外れ値", "勾配", "確率", "ロジット", "ラベル平滑化", "重み"):
        assert term in everything, term


@pytest.mark.parametrize("lang", LANGS)
def test_the_fallback_table_is_complete(lang: str) -> None:
    words = raw(lang)["fallback"]
    needed = {"idea", "how", "how_unknown", "when_to_use", "avoid_when", "outliers", "gradient_given",
              "gradient_numeric", "gradient_none", "pitfall", "param"}
    assert needed <= set(words)
    filled = {key: value.format(formula="l = f(p, t)", task="regression", default="1.0")
              for key, value in words.items()}
    for key, value in filled.items():
        assert_real_text(value, f"{lang}/fallback.{key}", 20 if lang == "en" else 10)
        if lang == "ja":
            assert_polite_japanese(value, f"ja/fallback.{key}")


# ------------------------------------------------------------------------------------------------------- ui
@pytest.mark.parametrize("lang", LANGS)
def test_the_ui_table_has_every_key(lang: str) -> None:
    table = raw(lang)["ui"]
    for key in (*REQUIRED_UI, *texts.UI_KEYS):
        assert key in table, f"{lang}.toml [ui] lacks {key!r}"
        assert isinstance(table[key], str) and table[key].strip(), f"{lang} ui.{key} is empty"
    assert set(table) == set(texts.UI_KEYS)


@pytest.mark.parametrize("lang", LANGS)
def test_ui_templates_and_lookup(lang: str) -> None:
    line = texts.ui("shown_rows", lang, shown=3, total=250)
    assert "3" in line and "250" in line and "{" not in line
    assert "{shown}" in texts.ui("shown_rows", lang)
    assert texts.ui("loss", lang) == raw(lang)["ui"]["loss"]
    for task in ("regression", "binary", "multiclass", "distribution"):
        assert texts.ui(task, lang)


def test_ui_examples() -> None:
    assert texts.ui("shown_rows", "en", shown=3, total=10) == "showing 3 of 10 examples"
    assert texts.ui("error", "ja") == "誤差"
    assert texts.ui("error_message", "ja") == "エラー"
    assert texts.ui("loss", "ja_JP.UTF-8") == "損失"


def test_unknown_ui_key_is_a_key_error_with_suggestions() -> None:
    with pytest.raises(KeyError, match="shown_rows"):
        texts.ui("shown_row", "en")


# -------------------------------------------------------------------------------------------------- related
@pytest.mark.parametrize("name", BUILTINS)
def test_related_losses_exist(name: str) -> None:
    names = texts.related(name)
    assert 2 <= len(names) <= 4, f"{name}: {names}"
    assert len(set(names)) == len(names), f"{name}: duplicates in {names}"
    assert name not in names
    for other in names:
        assert other in CATALOG, f"{name}: related loss {other!r} is not in the catalog"


def test_related_table_has_no_unknown_names() -> None:
    assert set(raw_meta()["related"]) == set(BUILTINS)


def test_related_resolves_aliases_and_returns_a_copy() -> None:
    names = texts.related("l2")
    assert names == texts.related("mse")
    names.append("oops")
    assert "oops" not in texts.related("mse")


# ---------------------------------------------------------------------------------------------- normalize_lang
@pytest.mark.parametrize(("given", "expected"), [
    ("en", "en"), ("ja", "ja"), ("JA", "ja"), (" ja ", "ja"), ("ja_JP.UTF-8", "ja"), ("ja-JP", "ja"),
    ("en_US.UTF-8", "en"), ("EN", "en"), (None, "en"), ("", "en"), ("C", "en"), ("C.UTF-8", "en"), ("POSIX", "en"),
])
def test_normalize_lang(given: str | None, expected: str) -> None:
    assert texts.normalize_lang(given) == expected


@pytest.mark.parametrize("given", ["fr", "de_DE.UTF-8", "jap", "english", 3])
def test_unknown_lang_is_refused(given: Any) -> None:
    with pytest.raises(LossInputError) as info:
        texts.normalize_lang(given)
    assert info.value.argument == "lang"
    assert info.value.expected == "'en' or 'ja'"
    assert repr(given) in info.value.got


def test_loss_text_refuses_unknown_lang_and_loss() -> None:
    with pytest.raises(LossInputError, match="lang"):
        texts.loss_text("mse", "fr")
    with pytest.raises(LossInputError, match="name"):
        texts.loss_text("no_such_loss", "en")


# ---------------------------------------------------------------------------------------------------- loss_text
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", BUILTINS)
def test_loss_text_of_every_built_in(lang: str, name: str) -> None:
    text = texts.loss_text(name, lang)
    assert text["generated"] is False
    for field in texts.TEXT_FIELDS:
        assert text[field] == raw(lang)["losses"][name][field]
    assert set(text["params"]) == {p["name"] for p in CATALOG[name]["params"]}


def test_loss_text_resolves_aliases_and_returns_a_fresh_dict() -> None:
    assert texts.loss_text("l2", "ja")["title"] == "平均二乗誤差"
    assert texts.loss_text("BCE", "en")["title"] == "Binary cross-entropy"
    first = texts.loss_text("huber", "en")
    first["title"] = "changed"
    first["params"]["delta"] = "changed"
    again = texts.loss_text("huber", "en")
    assert again["title"] == "Huber loss"
    assert again["params"]["delta"] != "changed"


def test_default_language_is_english() -> None:
    assert texts.loss_text("mse") == texts.loss_text("mse", "en") == texts.loss_text("mse", None)


def _scaled(xp: Any, pred: Any, target: Any, scale: float) -> Any:
    return scale * (pred - target) ** 4


def test_a_user_registered_loss_gets_generated_texts() -> None:
    losslab.register("quartic_test_loss", _scaled, params={"scale": 1.0}, formula="l = scale (p - t)^4",
                     summary="Fourth power of the error.", aliases=("quartic_test_alias",))
    try:
        for lang in LANGS:
            text = texts.loss_text("quartic_test_alias", lang)
            assert text["generated"] is True
            assert text["title"] == "quartic_test_loss"
            assert text["idea"] == "Fourth power of the error."
            assert "l = scale (p - t)^4" in text["how"]
            assert texts.ui("regression", lang) in text["when_to_use"]
            for field in texts.TEXT_FIELDS:
                assert isinstance(text[field], str) and text[field]
            assert set(text["params"]) == {"scale"}
            assert "1.0" in text["params"]["scale"]
            if lang == "ja":
                for field in ("how", "when_to_use", "avoid_when", "outliers", "gradient", "pitfall"):
                    assert_polite_japanese(text[field], f"fallback {field}")
        assert texts.related("quartic_test_loss") == []
        assert "quartic_test_loss" in texts.bundle("ja")["losses"]
    finally:
        losslab.unregister("quartic_test_loss")


def test_a_user_loss_without_formula_or_gradient() -> None:
    losslab.register("mae_like_test_loss", _scaled, params={"scale": 2.0})
    try:
        text = texts.loss_text("mae_like_test_loss", "en")
        assert text["generated"] is True
        assert text["how"] == raw("en")["fallback"]["how_unknown"]
        assert text["gradient"] == raw("en")["fallback"]["gradient_numeric"]
    finally:
        losslab.unregister("mae_like_test_loss")


def test_bundle_covers_every_loss() -> None:
    for lang in LANGS:
        data = texts.bundle(lang)
        assert data["lang"] == lang
        assert set(BUILTINS) <= set(data["losses"])
        assert data["ui"] == raw(lang)["ui"]
        assert data["related"]["mse"] == texts.related("mse")


# ------------------------------------------------------------------------------------------ numbers in the texts
# (loss, pred, target, params, the number as written in the texts). Each number must appear in the texts of that
# loss in both languages, and must be what the catalog computes, to the digits written.
QUOTED: list[tuple[Any, ...]] = [
    ("mse", [1.0, 1, 1, 1, 10], [0.0, 0, 0, 0, 0], {}, "20.8"),
    ("mse", [10.0], [0.0], {}, "100"),
    ("sse", [0.01, 0.65, 0.13, 0.70, 0.15], [0.0, 1, 0, 1, 0], {}, "0.252"),
    ("sse", [0.34, 0.21, 0.91, 0.33, 0.22], [0.0, 1, 0, 1, 0], {}, "2.0651"),
    ("rmse", [1.0, 1, 1, 1, 10], [0.0, 0, 0, 0, 0], {}, "4.56"),
    ("mae", [20.0], [0.0], {}, "20"),
    ("huber", [10.0], [0.0], {"delta": 1.0}, "9.5"),
    ("smooth_l1", [10.0], [0.0], {"beta": 1.0}, "9.5"),
    ("smooth_l1", [10.0], [0.0], {"beta": 2.0}, "9"),
    ("log_cosh", [10.0], [0.0], {}, "9.31"),
    ("log_cosh", [0.1], [0.0], {}, "0.005"),
    ("quantile", [0.0], [10.0], {"q": 0.9}, "9"),
    ("quantile", [10.0], [0.0], {"q": 0.9}, "1"),
    ("msle", [1000.0], [10.0], {}, "20.3"),
    ("msle", [0.0], [100.0], {}, "21.3"),
    ("msle", [200.0], [100.0], {}, "0.47"),
    ("mape", [110.0], [100.0], {}, "10"),
    ("mape", [0.11], [0.01], {}, "1000"),
    ("mape", [1.0], [0.0], {}, "1,000,000,000"),
    ("poisson", [0.0], [3.0], {}, "55"),
    ("poisson", [3.0], [3.0], {}, "0.30"),
    ("binary_cross_entropy", [0.01], [1.0], {}, "4.6"),
    ("binary_cross_entropy", [0.5], [1.0], {}, "0.69"),
    ("binary_cross_entropy", [0.8], [1.0], {}, "0.22"),
    ("binary_cross_entropy", [0.0], [1.0], {}, "16.1"),
    ("binary_focal", [0.01], [1.0], {}, "4.51"),
    ("binary_focal", [0.9], [1.0], {}, "0.001"),
    ("hinge", [-3.0], [1.0], {}, "4"),
    ("hinge", [0.5], [1.0], {}, "0.5"),
    ("squared_hinge", [-3.0], [1.0], {}, "16"),
    ("squared_hinge", [0.5], [1.0], {}, "0.25"),
    ("categorical_cross_entropy", [0.7, 0.2, 0.1], [1.0, 0, 0], {}, "0.36"),
    ("categorical_cross_entropy", [0.2, 0.7, 0.1], [1.0, 0, 0], {}, "1.61"),
    ("categorical_cross_entropy", [0.0, 0.9, 0.1], [1.0, 0, 0], {}, "16.1"),
    ("sparse_categorical_cross_entropy", [0.6, 0.2, 0.2], 0, {}, "0.51"),
    ("categorical_focal", [0.01, 0.98, 0.01], [1.0, 0, 0], {}, "1.13"),
    ("categorical_focal", [0.9, 0.05, 0.05], [1.0, 0, 0], {}, "0.00026"),
    ("categorical_hinge", [2.0, 1.5, -1.0], 0, {}, "0.5"),
    ("categorical_hinge", [-1.0, 3.0, 0.0], 0, {}, "5"),
    ("multi_margin", [2.0, 1.5, -1.0], 0, {}, "0.17"),
    ("kl_divergence", [1.0, 0.0], [0.5, 0.5], {}, "7.37"),
    ("kl_divergence", [0.5, 0.5], [1.0, 0.0], {}, "0.69"),
    ("kl_divergence", [0.9, 0.1], [0.5, 0.5], {}, "0.51"),
    ("kl_divergence", [0.5, 0.5], [0.9, 0.1], {}, "0.37"),
    ("js_divergence", [1.0, 0.0], [0.0, 1.0], {}, "0.693"),
    # issue 17
    ("rmsle", [1000.0], [10.0], {}, "4.51"),
    ("rmsle", [200.0], [100.0], {}, "0.69"),
    ("smape", [110.0], [100.0], {}, "9.52"),
    ("smape", [100.0], [110.0], {}, "9.52"),
    ("smape", [0.0], [5.0], {}, "200"),
    ("wmape", [90.0, 2.0], [100.0, 1.0], {}, "10.89"),
    ("minkowski", [10.0], [0.0], {"p": 1.5}, "31.62"),
    ("minkowski", [0.5], [0.0], {"p": 1.5}, "0.35"),
    ("minkowski", [10.0], [0.0], {"p": 3.0}, "1000"),
    ("minkowski", [0.5], [0.0], {"p": 3.0}, "0.125"),
    ("brier", [0.01], [1.0], {}, "0.98"),
    ("brier", [0.9], [1.0], {}, "0.01"),
    ("soft_margin", [-3.0], [1.0], {}, "3.05"),
    ("soft_margin", [3.0], [1.0], {}, "0.049"),
    ("soft_margin", [0.0], [1.0], {}, "0.69"),
    ("soft_margin", [0.9], [1.0], {}, "0.34"),
    ("perceptron", [-3.0], [1.0], {}, "3"),
    ("multilabel_soft_margin", [[2.0, -1.0, 0.0]], [[1.0, 0.0, 1.0]], {}, "0.378"),
    ("hinge_embedding", [0.3], [-1.0], {}, "0.7"),
    ("hinge_embedding", [2.0], [1.0], {}, "2"),
    ("nll", [math.log(0.7), math.log(0.2), math.log(0.1)], 0, {}, "0.36"),
    ("nll", [math.log(0.7), math.log(0.2), math.log(0.1)], 2, {}, "2.30"),
    ("poly1", [0.01, 0.98, 0.01], 0, {}, "5.60"),
    ("poly1", [0.7, 0.2, 0.1], 0, {}, "0.66"),
    ("generalized_cross_entropy", [0.01, 0.98, 0.01], 0, {}, "1.37"),
    ("generalized_cross_entropy", [0.9, 0.05, 0.05], 0, {}, "0.10"),
    ("soft_dice", [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0], {}, "0.29"),
    ("soft_dice", [0.0] * 100, [1.0] + [0.0] * 99, {}, "0.5"),
    ("tversky", [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0], {}, "0.17"),
    ("tversky", [1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], {}, "0.26"),
    ("soft_jaccard", [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0], {"smooth": 0.0}, "0.5"),
    ("cosine_similarity", [1.0, 1.0], [1.0, 0.0], {}, "0.71"),
    ("max_error", [1.0, 1, 1, 1, 10], [0.0, 0, 0, 0, 0], {}, "10"),
    ("median_absolute_error", [1.0, 1, 1, 1, 1000], [0.0, 0, 0, 0, 0], {}, "1"),
]
# numbers that one loss's texts quote from another loss: (whose texts, loss, pred, target, params, number)
CROSS_QUOTED: list[tuple[Any, ...]] = [
    ("rmse", "mae", [1.0, 1, 1, 1, 10], [0.0, 0, 0, 0, 0], {}, "2.8"),
    ("smooth_l1", "huber", [10.0], [0.0], {"delta": 2.0}, "18"),
    ("huber", "mse", [10.0], [0.0], {}, "100"),
    ("msle", "mse", [1000.0], [10.0], {}, "980,100"),
    ("binary_focal", "binary_cross_entropy", [0.01], [1.0], {}, "4.61"),
    ("binary_focal", "binary_cross_entropy", [0.9], [1.0], {}, "0.105"),
    ("categorical_focal", "categorical_cross_entropy", [0.01, 0.98, 0.01], [1.0, 0, 0], {}, "4.61"),
    ("squared_hinge", "hinge", [-3.0], [1.0], {}, "4"),
    ("rmsle", "rmse", [1000.0], [10.0], {}, "990"),
    ("wmape", "mape", [90.0, 2.0], [100.0, 1.0], {}, "55"),
    ("brier", "binary_cross_entropy", [0.01], [1.0], {}, "4.61"),
    ("brier", "binary_cross_entropy", [0.0], [1.0], {}, "16.1"),
    ("soft_margin", "binary_cross_entropy", [0.9], [1.0], {}, "0.105"),
    ("poly1", "categorical_cross_entropy", [0.01, 0.98, 0.01], [1.0, 0, 0], {}, "4.61"),
    ("generalized_cross_entropy", "categorical_cross_entropy", [0.01, 0.98, 0.01], [1.0, 0, 0], {}, "4.61"),
    ("generalized_cross_entropy", "categorical_cross_entropy", [0.9, 0.05, 0.05], [1.0, 0, 0], {}, "0.105"),
    ("soft_jaccard", "soft_dice", [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0], {"smooth": 0.0}, "0.33"),
    ("max_error", "mae", [1.0, 1, 1, 1, 10], [0.0, 0, 0, 0, 0], {}, "2.8"),
    ("median_absolute_error", "mae", [1.0, 1, 1, 1, 1000], [0.0, 0, 0, 0, 0], {}, "200"),
]
CASES = [(row[0], *row) for row in QUOTED] + [
    (text_of, name, pred, target, params, written) for text_of, name, pred, target, params, written in CROSS_QUOTED
]


@pytest.mark.parametrize(("text_of", "name", "pred", "target", "params", "written"), CASES)
def test_numbers_quoted_in_the_texts_are_the_catalogs(
    text_of: str, name: str, pred: Any, target: Any, params: dict[str, Any], written: str
) -> None:
    value = abs(float(losslab.get(name, **params)(np.asarray(pred), np.asarray(target))))
    number = float(written.replace(",", ""))
    decimals = len(written.split(".")[1]) if "." in written else 0
    assert math.isclose(value, number, rel_tol=5e-3) or abs(value - number) <= 0.5 * 10.0**-decimals, (
        f"{name}: the texts say {written}, the catalog computes {value}"
    )
    pattern = re.compile(r"(?<!\d)(?<!\d[.,])" + re.escape(written) + r"(?!\d|[.,]\d)")
    for lang in LANGS:
        entry = raw(lang)["losses"][text_of]
        prose = " ".join(entry[field] for field in SENTENCE_FIELDS)
        assert pattern.search(prose), f"{lang}/{text_of}: the number {written} is not in the texts"
