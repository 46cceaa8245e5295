"""Comparing losses on the same model and split: robust losses on outliers, weighted losses on imbalance."""

from __future__ import annotations

import json

import pytest

import losslab
from losslab.training import TrainingError, compare, epochs_to_converge, fit, load_dataset


@pytest.mark.parametrize("seed", [0, 1])
def test_mae_and_huber_recover_the_line_better_than_mse_despite_outliers(seed):
    data = load_dataset("outliers", fraction=0.1, size=10.0, seed=seed)
    result = compare(data, ["mse", "mae", "huber"], model="linear", lr=0.05, epochs=60, seed=seed)
    mse, mae, huber = (result[name].metrics for name in ("mse", "mae", "huber"))
    # squared error lets the 10% outliers above the line drag it up; absolute error barely moves
    assert mse["intercept_error"] > 0.5 and mse["slope_error"] > 0.2
    assert mae["slope_error"] < 0.5 * mse["slope_error"] and mae["intercept_error"] < 0.5 * mse["intercept_error"]
    assert huber["slope_error"] < 0.85 * mse["slope_error"]
    assert huber["intercept_error"] < 0.85 * mse["intercept_error"]
    assert mae["inlier_mae"] < 0.6 * mse["inlier_mae"]  # the clean points are fitted much better
    assert result.best("slope_error").label in ("mae", "huber")


def test_a_smaller_huber_delta_is_as_robust_as_mae():
    result = compare("outliers", ["mse", ("huber", {"delta": 0.2})], model="linear", lr=0.05, epochs=60)
    assert result.rows[1].label == "huber(delta=0.2)"
    assert result.rows[1].metrics["slope_error"] < 0.3 * result.rows[0].metrics["slope_error"]


@pytest.mark.parametrize("seed", [0, 1])
def test_weighted_bce_and_focal_find_more_of_the_minority_class(seed):
    data = load_dataset("imbalanced", ratio=0.1, seed=seed)
    result = compare(data, ["bce", ("bce", {"pos_weight": 9.0}), ("binary_focal", {"alpha": 0.9})],
                     model="logistic", epochs=40, seed=seed)
    plain, weighted, focal = (row.metrics for row in result.rows)
    assert weighted["minority_recall"] >= plain["minority_recall"] + 0.15
    assert focal["minority_recall"] >= plain["minority_recall"] + 0.15
    assert weighted["balanced_accuracy"] > plain["balanced_accuracy"]
    assert plain["accuracy"] > weighted["accuracy"]  # the price: more false alarms on the majority class


def test_comparison_data_is_complete_and_json_ready():
    result = compare("iris", ["sparse_cce", losslab.get("categorical_hinge"), "multi_margin"], model="softmax",
                     epochs=10, seed=0)
    assert result.columns == ("accuracy", "balanced_accuracy", "log_loss")
    assert [r.label for r in result.rows] == ["sparse_cce", "categorical_hinge", "multi_margin"]
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    row = data["results"][0]
    assert row["loss"] == "sparse_categorical_cross_entropy" and row["params"]["from_logits"] is True
    assert set(row) >= {"label", "metrics", "epochs_to_converge", "seconds", "history", "diagnosis", "stopped"}
    assert "history" not in result.to_dict(history=False)["results"][0]
    assert result.rows[1].metrics["log_loss"] is None  # hinge scores are not probabilities
    assert data["config"]["model"] == "softmax" and "loss" not in data["config"]
    with pytest.raises(KeyError):
        result["mse"]


def test_bad_requests():
    with pytest.raises(TrainingError, match="non-empty list"):
        compare("outliers", "mse")
    with pytest.raises(TrainingError, match="must differ"):
        compare("outliers", ["mse", "mse"])
    with pytest.raises(TrainingError, match="mze"):
        compare("outliers", ["mse", "mze"])
    with pytest.raises(TrainingError, match="second argument"):
        compare("outliers", ["mse"], loss="mae")


def test_epochs_to_converge():
    run = fit("blobs", model="linear", lr=0.1, epochs=40, seed=0)
    e = epochs_to_converge(run.history)
    t = run.history["train_loss"]
    start, low = run.history.initial["train_loss"], min(t)
    assert t[e - 1] - low <= 0.05 * (start - low) < t[e - 2] - low
    diverged = fit("outliers", loss="mse", optimizer="sgd", lr=30.0, epochs=50, batch_size=None)
    assert epochs_to_converge(diverged.history) is None
