"""The recommendation on data sets where the right answer is known: synthetic ones and scikit-learn's real ones."""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.advice import recommend
from losslab.advice._analysis import HUBER_K, MAD_SCALE, robust_fit

from . import _data


def labels(result) -> list[str]:
    return [c.loss for c in result.ranked]


# ----------------------------------------------------------------------------------------------------- regression
def test_clean_line_gives_mse():
    X, y = _data.line()
    r = recommend(X, target=y)
    assert r.analysis.task == "regression" and r.analysis.label_format == "continuous"
    assert r.first.loss == "mse"
    assert {"huber", "mae"} <= set(labels(r))
    assert r.avoid == []
    assert r.loss() == losslab.get("mse")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_line_with_ten_percent_outliers_gives_huber_or_mae(seed):
    X, y, mask = _data.outlier_line(seed=seed)
    r = recommend(X, target=y)
    assert r.first.loss in {"huber", "mae"}
    assert "mse" not in labels(r)
    assert [c.loss for c in r.avoid] == ["mse"]
    res = r.analysis.residuals
    # the planted outliers are found (a few clean rows may cross 3.5 robust SDs too)
    flagged = r.analysis.outlier_mask
    assert (flagged & mask).sum() >= 0.9 * mask.sum()
    assert (flagged & ~mask).sum() <= 3
    # the pitfall's number is the catalog's MSE on the baseline, recomputed here
    base = r.analysis.baseline_pred
    per = np.asarray(losslab.get("mse")(base, y, reduction="none"))
    share = per[flagged].sum() / per.sum()
    assert res["mse_share"] == pytest.approx(share)
    pitfall = r.avoid[0].pitfalls[0]
    assert pitfall.key == "pitfall.mse_outliers"
    assert pitfall.values["count"] == flagged.sum()
    assert f"{share:.0%}" in pitfall.text("en") and f"{share:.0%}" in pitfall.text("ja")
    assert share > 0.8


def test_huber_delta_comes_from_the_mad_of_the_residuals():
    X, y, _ = _data.outlier_line()
    r = recommend(X, target=y)
    huber = next(c for c in r.ranked if c.loss == "huber")
    resid = y - robust_fit(X, y)
    mad = np.median(np.abs(resid - np.median(resid)))
    assert huber.params["delta"] == pytest.approx(HUBER_K * MAD_SCALE * mad, rel=5e-3)
    assert huber.derived[0].key == "derived.huber_delta"
    # the noise has SD 0.5: delta is about 1.345 * 0.5
    assert 0.5 < huber.params["delta"] < 0.9


def test_without_features_the_median_is_the_baseline():
    _, y, _ = _data.outlier_line()
    r = recommend(y)
    assert r.analysis.n_features == 0
    assert r.analysis.residuals["baseline"] == "median"
    assert r.first.loss in {"huber", "mae", "mse"}
    assert any(n.key.startswith("analysis.") and "median" in n.key for n in r.analysis.findings)


def test_counts_give_poisson():
    X, y = _data.counts()
    r = recommend(X, target=y)
    assert r.analysis.label_format == "counts"
    assert r.first.loss == "poisson"
    assert r.first.params == {"log_input": True}
    assert "log_input" in r.first.assumed
    mse = [c for c in [*r.ranked, *r.avoid] if c.loss == "mse"]
    assert mse and any(p.key == "pitfall.mse_negative_counts" for p in mse[0].pitfalls)


def test_an_asymmetric_cost_gives_the_quantile_loss():
    X, y = _data.line()
    r = recommend(X, target=y, cost_ratio=3)
    assert r.first.loss == "quantile"
    assert r.first.params["q"] == pytest.approx(0.75)
    r = recommend(X, target=y, quantile=0.1)
    assert r.first.params["q"] == pytest.approx(0.1)


def test_a_skewed_positive_target_asks_about_relative_errors():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = 10 * np.exp(1 + X[:, 0] + rng.normal(0, 0.5, 400))
    r = recommend(X, target=y)
    assert r.first.loss == "msle"
    q = {q.key: q for q in r.questions}
    assert q["errors"].assumed == "relative"
    r = recommend(X, target=y, errors="absolute")
    assert r.first.loss != "msle" and "errors" not in {q.key for q in r.questions}


# ---------------------------------------------------------------------------------------------- classification
def test_imbalanced_one_to_twenty_gives_weighted_bce_or_focal():
    X, y = _data.imbalanced()
    r = recommend(X, target=y)
    first = r.first
    assert first.loss in {"binary_cross_entropy", "binary_focal"}
    if first.loss == "binary_cross_entropy":
        assert first.params["pos_weight"] == pytest.approx(20, rel=0.01)
    focal = next(c for c in r.ranked if c.loss == "binary_focal")
    assert focal.params["gamma"] == 2.0
    assert r.analysis.imbalance_ratio == pytest.approx(20)
    # plain cross-entropy is not recommended, with the majority-class number
    plain = r.avoid[0]
    assert plain.loss == "binary_cross_entropy" and "pos_weight" not in plain.params
    assert "95.2%" in plain.pitfalls[0].text("en")


def test_priority_precision_puts_unweighted_bce_first():
    X, y = _data.imbalanced()
    r = recommend(X, target=y, priority="precision")
    assert r.first.loss == "binary_cross_entropy" and "pos_weight" not in r.first.params
    assert any("pos_weight" in c.params for c in r.ranked[1:])


def test_signed_labels_from_a_margin_classifier_offer_hinge():
    X, y = _data.margin()
    r = recommend(X, target=y)
    assert r.analysis.label_format == "signed"
    assert "hinge" in labels(r)
    assert r.first.loss == "hinge"
    # a model that outputs probabilities gets cross-entropy first, hinge still offered
    r = recommend(X, target=y, output="probabilities")
    assert r.first.loss == "binary_cross_entropy" and r.first.params["from_logits"] is False
    assert "hinge" in labels(r)


def test_output_hint_sets_from_logits_and_removes_the_question():
    X, y = _data.imbalanced(n=210)
    r = recommend(X, target=y)
    assert r.first.params["from_logits"] is True
    assert [q.key for q in r.questions] == ["output"] and r.questions[0].assumed == "logits"
    r = recommend(X, target=y, output="probabilities")
    assert r.first.params["from_logits"] is False and r.questions == []


def test_imbalanced_multiclass_gets_class_weights():
    rng = np.random.default_rng(0)
    y = rng.choice(4, size=600, p=[0.7, 0.2, 0.07, 0.03])
    X = rng.normal(size=(600, 3))
    r = recommend(X, target=y, task="multiclass")
    assert r.first.loss == "sparse_categorical_cross_entropy"
    weights = r.first.params["class_weight"]
    counts = np.bincount(y)
    assert weights == pytest.approx(600 / (4 * counts), rel=5e-3)
    assert r.first.get()(np.zeros((2, 4)), np.array([0, 3])) > 0  # the parameters are valid for the catalog


def test_multilabel_gets_bce_per_label_and_not_softmax():
    rng = np.random.default_rng(0)
    y = (rng.random((300, 3)) < [0.5, 0.3, 0.05]).astype(int)
    r = recommend((rng.normal(size=(300, 2)), y))
    assert r.analysis.task == "multilabel"
    assert r.first.loss == "binary_cross_entropy"
    assert len(r.first.params["pos_weight"]) == 3
    assert [c.loss for c in r.avoid] == ["categorical_cross_entropy"]


def test_one_hot_and_soft_labels():
    rng = np.random.default_rng(0)
    onehot = np.eye(3)[rng.integers(0, 3, 200)]
    r = recommend((rng.normal(size=(200, 2)), onehot))
    assert r.analysis.label_format == "one_hot" and r.first.loss == "categorical_cross_entropy"
    soft = rng.dirichlet([1, 1, 1], 200)
    r = recommend((rng.normal(size=(200, 2)), soft))
    assert r.analysis.task == "distribution"
    assert {"categorical_cross_entropy", "kl_divergence"} <= set(labels(r))


def test_ambiguous_integers_ask_instead_of_guessing():
    rng = np.random.default_rng(0)
    y = rng.choice([0, 1, 2], size=300, p=[0.8, 0.15, 0.05])
    r = recommend(rng.normal(size=(300, 2)), target=y)
    assert r.analysis.task is None and r.ranked == [] and r.first is None
    q = r.questions[0]
    assert q.key == "task" and q.assumed is None and "counts" in q.options
    with pytest.raises(losslab.LossInputError, match="task"):
        r.loss()
    assert recommend(rng.normal(size=(300, 2)), target=y, task="multiclass").analysis.task == "multiclass"
    assert recommend(rng.normal(size=(300, 2)), target=y, task="counts").first.loss == "poisson"


def test_every_candidate_is_a_valid_catalog_loss():
    X, y, _ = _data.outlier_line()
    cases = [recommend(X, target=y), recommend(*_data.counts()), recommend(*_data.imbalanced()),
             recommend(*_data.margin()), recommend(*_data.line(), cost_ratio=2)]
    for r in cases:
        for c in [*r.ranked, *r.avoid]:
            loss = c.get()
            assert loss.name == c.loss
            assert c.code().startswith(f"losslab.get({c.loss!r}")


# ----------------------------------------------------------------------------------------- scikit-learn's data
@pytest.mark.parametrize(("name", "task", "first"), [
    ("diabetes", "regression", {"mse"}),
    ("breast_cancer", "binary", {"binary_cross_entropy"}),
    ("iris", "multiclass", {"sparse_categorical_cross_entropy"}),
    ("wine", "multiclass", {"sparse_categorical_cross_entropy"}),
    ("digits", "multiclass", {"sparse_categorical_cross_entropy"}),
])
def test_real_data_sets_get_sensible_recommendations(name, task, first):
    r = recommend(_data.sklearn_frame(name), target="target")
    assert r.analysis.task == task
    assert r.first.loss in first
    assert r.avoid == []  # balanced classes, no outliers: nothing to warn against
    if task != "regression":
        assert "class_weight" not in r.first.params and "pos_weight" not in r.first.params
        assert r.analysis.imbalance_ratio < 2
    else:
        assert r.analysis.label_format == "non_negative"  # large whole numbers: treated as continuous
    if name in ("breast_cancer", "wine"):  # features on very different scales are reported
        assert any(n.key == "analysis.feature_scale" for n in r.analysis.findings)
