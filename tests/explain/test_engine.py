"""Explanations: the numbers shown are the catalog's, the steps add up, large inputs are summarized."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from rich.console import Console

import losslab
from losslab.explain import explain
from tests.losses._cases import CASES

REDUCTIONS = ("mean", "sum", "none")


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_value_is_exactly_the_catalog_value(case, lang):
    rng = np.random.default_rng(0)
    pred, target = case.make(rng, 6, None if case.elementwise else 3)
    for reduction in case.reductions:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", losslab.LossInputWarning)
            e = explain(case.loss, pred, target, lang=lang, reduction=reduction)
            expected = case.loss(pred, target, reduction=reduction)
        if reduction == "none":
            assert e.value == np.asarray(expected).tolist()
        else:
            assert e.value == float(expected)
        assert e.lang == lang
        assert e.text["title"] and e.text["idea"]
        assert e.rows, case.id
        # the steps redo the arithmetic: the last step's value is the final value
        if reduction != "none":
            assert math.isclose(e.steps[-1]["value"], float(expected), rel_tol=1e-12, abs_tol=1e-300)


def test_sse_worked_example_rows():
    e = explain("sse", [0.01, 0.65, 0.13, 0.70, 0.15], [0, 1, 0, 1, 0])
    assert e.columns[:5] == ["example", "pred", "target", "error", "squared_error"]
    squared = [r["squared_error"] for r in e.rows]
    np.testing.assert_allclose(squared, [0.0001, 0.1225, 0.0169, 0.09, 0.0225], rtol=1e-12)
    assert e.value == float(losslab.sse([0.01, 0.65, 0.13, 0.70, 0.15], [0, 1, 0, 1, 0]))
    assert "0.252" in e.to_text()


def test_sparse_ce_next_token_example_in_japanese():
    e = losslab.get("sparse_categorical_cross_entropy").explain([0.6, 0.2, 0.2], 0, lang="ja")
    assert e.rows[0]["prob_true"] == pytest.approx(0.6)
    assert e.rows[0]["neg_log_prob"] == pytest.approx(-math.log(0.6), rel=1e-15)
    text = e.to_text()
    assert "0.510826" in text and "≈ 0.51" in text
    assert "交差エントロピー" in text
    # one example: the per-class terms are shown, and only the true class contributes
    terms = [r["term"] for r in e.class_rows]
    assert terms[0] == pytest.approx(-math.log(0.6)) and terms[1:] == [0.0, 0.0]


def test_huber_branch_and_weights_and_shares():
    e = explain("huber", [0.5, 3.0, -2.0], [0.0, 0.0, 0.0], sample_weight=[1.0, 2.0, 1.0], delta=1.0)
    assert [r["branch"] for r in e.rows] == ["quadratic", "linear", "linear"]
    assert "weight" in e.columns and "weighted_loss" in e.columns
    shares = [float(r["share"].rstrip("%")) for r in e.rows]
    assert sum(shares) == pytest.approx(100.0, abs=0.2)
    assert e.value == float(losslab.huber([0.5, 3.0, -2.0], [0.0, 0.0, 0.0], sample_weight=[1.0, 2.0, 1.0]))
    assert [s["key"] for s in e.steps] == ["sum", "weighted_mean"]


def test_multi_element_examples_show_elements_and_the_mean_step():
    pred = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    target = np.zeros((2, 3))
    e = explain("mse", pred, target)
    assert "element" in e.columns and "element_loss" in e.columns
    assert len(e.rows) == 6
    assert e.steps[0]["key"] == "mean"
    assert e.per_example == pytest.approx([14 / 3, 0.0])


def test_rmse_ends_with_a_square_root():
    e = explain("rmse", [3.0, 4.0], [0.0, 0.0])
    assert e.steps[-1]["key"] == "sqrt"
    assert e.value == pytest.approx(math.sqrt(12.5))


def test_hinge_shows_signed_labels_and_margins():
    e = explain("hinge", [0.3, -2.0], [1, 0])
    assert [r["target"] for r in e.rows] == [1.0, -1.0]
    assert [r["margin"] for r in e.rows] == pytest.approx([0.3, 2.0])


def test_large_input_is_summarized_with_the_largest_contributions():
    rng = np.random.default_rng(1)
    n = 1_000_000
    pred = rng.normal(size=n)
    target = np.zeros(n)
    pred[777_777] = 1e3  # the outlier must be among the shown rows
    e = explain("mse", pred, target, max_rows=20)
    assert e.summarized and len(e.rows) == 20
    assert 777_777 in e.shown and e.shown[:10] == list(range(10))
    assert e.value == float(losslab.mse(pred, target))
    assert "20" in e.to_text() and str(n) in e.to_text()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_renderers(lang):
    e = explain("bce", [0.8, 0.2], [1, 1], lang=lang)
    data = json.loads(e.to_json())
    assert data["value"] == e.value and data["columns"] == e.columns
    assert set(data["column_labels"]) >= set(e.columns)
    md = e.to_markdown()
    assert md.count("|") > 10 and "$$" in md
    html = e.to_html()
    assert "<table>" in html and f'lang="{lang}"' in html and "<script" not in html
    console = Console(record=True, width=120)
    console.print(e)
    assert e.text["title"] in console.export_text()


def test_html_escapes_user_numbers_and_texts():
    e = explain("mae", [1.0], [0.0])
    e.text = {**e.text, "idea": "<script>alert(1)</script>"}
    assert "<script>" not in e.to_html()


def test_torch_input_is_explained():
    torch = pytest.importorskip("torch")
    p = torch.tensor([0.8, 0.2], dtype=torch.float64, requires_grad=True)
    e = explain("bce", p, torch.tensor([1.0, 1.0], dtype=torch.float64))
    assert e.value == pytest.approx(float(losslab.bce([0.8, 0.2], [1, 1])), rel=1e-15)


def test_bad_input_raises_the_catalog_error():
    with pytest.raises(losslab.LossInputError, match="from_logits=True"):
        explain("bce", [2.0, -1.0], [1, 0])
    with pytest.raises(losslab.LossInputError, match="lang"):
        explain("mse", [1.0], [0.0], lang="fr")
