"""What `recommend` reads (DataFrames, files, arrays) and what it measures, on small hand-made data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from losslab import LossInputError
from losslab.advice import recommend
from losslab.advice._analysis import MAD_SCALE, robust_scale

from . import _data


@pytest.fixture
def frame() -> pd.DataFrame:
    X, y, _ = _data.outlier_line(n=120)
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": X[:, 0], "colour": rng.choice(["red", "blue"], 120), "id": [f"r{i}" for i in
                                                                                       range(120)], "y": y})


def test_dataframe_csv_parquet_and_arrays_agree(frame, tmp_path):
    csv, parquet = tmp_path / "d.csv", tmp_path / "d.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet)
    results = [recommend(frame, target="y"), recommend(csv, target="y"), recommend(str(parquet), target="y"),
               recommend({k: frame[k].to_list() for k in frame.columns}, target="y")]
    firsts = {r.first.label for r in results}
    assert len(firsts) == 1
    r = results[0]
    assert r.source == "DataFrame" and results[1].source == "d.csv"
    # the text column with 2 values is one-hot encoded, the identifier column is left out
    assert r.analysis.n_features == 3
    keys = [n.key for n in r.analysis.data_notes]
    assert "analysis.encoded_columns" in keys and "analysis.skipped_columns" in keys
    X = frame[["x"]].to_numpy()
    arrays = [recommend(X, target=frame["y"].to_numpy()), recommend((X, frame["y"].to_numpy()))]
    assert {a.first.loss for a in arrays} == {r.first.loss}


def test_missing_targets_are_dropped_and_missing_features_filled(frame):
    frame = frame.copy()
    frame.loc[:4, "y"] = np.nan
    frame.loc[10:12, "x"] = np.nan
    r = recommend(frame, target="y", features=["x"])
    assert r.analysis.n_rows == 115
    notes = {n.key: n.values for n in r.analysis.data_notes}
    assert notes["analysis.dropped_rows"]["count"] == 5
    assert notes["analysis.filled_values"]["count"] == 3


@pytest.mark.parametrize(("y", "fmt", "task"), [
    ([0, 1] * 10, "binary_01", "binary"),
    ([-1, 1] * 10, "signed", "binary"),
    ([True, False] * 10, "binary_01", "binary"),
    (["no", "yes", "no"] * 7, "class_names", "binary"),
    ([1, 2] * 10, "two_values", "binary"),
    (["a", "b", "c"] * 7, "class_names", "multiclass"),
    ([0, 1, 2, 3] * 6, "integer_classes", "multiclass"),
    (np.linspace(-1, 1, 20), "continuous", "regression"),
    (np.linspace(0.5, 3, 20), "non_negative", "regression"),
])
def test_label_formats(y, fmt, task):
    r = recommend(np.asarray(y, dtype=object if isinstance(y[0], str) else None))
    assert (r.analysis.label_format, r.analysis.task) == (fmt, task)
    assert r.ranked


def test_positive_class_of_text_labels_is_the_rarer_one_unless_given():
    y = np.array(["churn"] * 10 + ["stay"] * 40)
    r = recommend(y)
    assert r.analysis.positive == "churn"
    assert {q.key: q.assumed for q in r.questions}["positive"] == "churn"
    r = recommend(y, positive="stay")
    assert r.analysis.positive == "stay" and "positive" not in {q.key for q in r.questions}
    assert r.first.params["pos_weight"] == pytest.approx(0.25)


def test_class_labels_from_column_names_and_counts_from_names():
    rng = np.random.default_rng(0)
    y = rng.choice([0, 1, 2], size=200, p=[0.8, 0.15, 0.05])
    X = rng.normal(size=200)
    assert recommend(pd.DataFrame({"x": X, "label": y}), target="label").analysis.task == "multiclass"
    assert recommend(pd.DataFrame({"x": X, "n_visits": y}), target="n_visits").analysis.label_format == "counts"
    assert recommend(pd.DataFrame({"x": X, "y": y}), target="y").analysis.task is None


def test_robust_scale_and_its_fallbacks():
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    center, scale, method = robust_scale(x)
    assert (center, method) == (3.0, "mad") and scale == pytest.approx(MAD_SCALE * 1.0)
    center, scale, method = robust_scale(np.array([0.0] * 6 + [1.0, 2.0, 5.0, 7.0]))
    assert method in {"iqr", "mean_abs"} and scale > 0
    assert robust_scale(np.zeros(5))[1] == 0.0


def test_outliers_in_the_target_use_median_and_mad():
    y = np.r_[np.linspace(-1, 1, 48), 30.0, -25.0]
    r = recommend(y)
    o = r.analysis.outliers
    assert (o["count"], o["high"], o["low"]) == (2, 1, 1)
    assert o["center"] == pytest.approx(np.median(y))
    assert o["scale"] == pytest.approx(MAD_SCALE * np.median(np.abs(y - np.median(y))))


def test_skew_tails_and_scale_spread_are_reported():
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=300), 1000 * rng.normal(size=300)]
    y = X[:, 0] + rng.standard_t(2, 300)
    r = recommend(X, target=y)
    keys = {n.key for n in r.analysis.findings}
    assert "analysis.feature_scale" in keys and "analysis.shape" in keys
    assert r.analysis.scale["feature_spread"] > 500
    assert r.analysis.residuals["tail_ratio"] > 1.3
    assert math.isfinite(r.analysis.target["skew"])


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"target": "nope"}, "target"),
    ({"target": None}, "target"),
    ({"target": "y", "output": "scores"}, "output"),
    ({"target": "y", "priority": "speed"}, "priority"),
    ({"target": "y", "cost_ratio": -1}, "cost_ratio"),
    ({"target": "y", "quantile": 1.5}, "quantile"),
    ({"target": "y", "task": "ranking"}, "task"),
    ({"target": "y", "task": "binary"}, "task"),
    ({"target": "y", "features": ["zzz"]}, "features"),
])
def test_bad_arguments_are_one_line_errors(frame, kwargs, argument):
    with pytest.raises(LossInputError) as info:
        recommend(frame, **kwargs)
    assert info.value.argument == argument
    assert "\n" not in str(info.value)


def test_bad_data_is_refused_with_a_reason(tmp_path):
    with pytest.raises(LossInputError, match="no such file"):
        recommend(tmp_path / "missing.csv", target="y")
    with pytest.raises(LossInputError, match="constant"):
        recommend(np.ones(20))
    with pytest.raises(LossInputError, match="at least 5 rows"):
        recommend(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(LossInputError, match="identifier"):
        recommend(np.array([f"id{i}" for i in range(300)], dtype=object))
    with pytest.raises(LossInputError, match="one target per row"):
        recommend(np.zeros((10, 2)), target=np.arange(9.0))
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(LossInputError, match=r"\.csv"):
        recommend(tmp_path / "notes.txt", target="y")


def test_a_table_of_features_with_target_values():
    X, y = _data.line(n=80)
    frame = pd.DataFrame({"x": X[:, 0], "y": np.zeros(80)})  # a column named y is not the target here
    r = recommend(frame, target=y)
    assert r.first.loss == "mse" and r.analysis.n_features == 2
    with pytest.raises(LossInputError, match="one target value per row"):
        recommend(frame, target=y[:10])


def test_heavy_tails_without_outliers_give_huber_and_small_samples_are_not_overread():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 1000)
    r = recommend(x[:, None], target=3 * x + rng.laplace(0, 0.5, 1000))
    assert r.first.loss == "huber"
    assert r.analysis.residuals["tail_ratio"] >= r.analysis.residuals["tail_threshold"] == 1.25
    firsts = [recommend(*_data.line(n=20, seed=s)).first.loss for s in range(20)]
    assert firsts.count("mse") >= 17
