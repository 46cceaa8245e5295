"""Data sets: the bundled real ones, synthetic ones with known truth, the user's files; seeded splits."""

from __future__ import annotations

import json

import numpy as np
import pytest

from losslab.training import (
    BUILTIN_DATASETS,
    TrainingError,
    dataset_params,
    from_arrays,
    list_datasets,
    load_dataset,
)

EXPECTED = {
    "iris": ("multiclass", 150, 4, 3),
    "wine": ("multiclass", 178, 13, 3),
    "breast_cancer": ("binary", 569, 30, 2),
    "digits": ("multiclass", 1797, 64, 10),
    "diabetes": ("regression", 442, 10, 0),
    "outliers": ("regression", 200, 1, 0),
    "sine": ("regression", 200, 1, 0),
    "moons": ("binary", 200, 2, 2),
    "circles": ("binary", 200, 2, 2),
    "xor": ("binary", 200, 2, 2),
    "spirals": ("binary", 300, 2, 2),
    "blobs": ("multiclass", 300, 2, 3),
    "imbalanced": ("binary", 1000, 2, 2),
}


@pytest.mark.parametrize("name", BUILTIN_DATASETS)
def test_every_builtin_set_loads_split_and_standardized(name):
    task, rows, features, classes = EXPECTED[name]
    ds = load_dataset(name, seed=0)
    assert (ds.task, ds.n_train + ds.n_val, ds.n_features, ds.n_classes) == (task, rows, features, classes)
    assert ds.n_val == pytest.approx(0.2 * rows, abs=classes + 1)
    assert len(ds.feature_names) == features
    assert np.allclose(ds.X_train.mean(axis=0), 0.0, atol=1e-9)
    std = ds.X_train.std(axis=0)
    assert np.all((np.abs(std - 1) < 1e-9) | (std == 0))  # constant pixels of digits stay 0
    if task == "regression":
        assert ds.y_train.dtype == np.float64 and ds.class_names is None
        assert ds.y_mean == pytest.approx(ds.y_train.mean())
    else:
        assert ds.y_train.dtype == np.int64 and set(np.unique(ds.y_train)) == set(range(classes))
    json.dumps(ds.info(), allow_nan=False)
    assert ds.description("en") and ds.description("ja") != ds.description("en")


def test_real_sets_match_scikit_learn_loaders():
    datasets = pytest.importorskip("sklearn.datasets")
    for name, loader in (("iris", datasets.load_iris), ("breast_cancer", datasets.load_breast_cancer),
                         ("wine", datasets.load_wine), ("digits", datasets.load_digits)):
        bunch = loader()
        ds = load_dataset(name, val_split=0.0, standardize=False)
        order = np.lexsort(ds.X_train.T[::-1])
        ref = np.lexsort(bunch.data.T[::-1])
        np.testing.assert_allclose(ds.X_train[order], bunch.data[ref])
        np.testing.assert_array_equal(ds.y_train[order], bunch.target[ref])
        assert list(ds.feature_names) == list(bunch.feature_names)
        assert list(ds.class_names) == [str(c) for c in bunch.target_names]
    bunch = datasets.load_diabetes(scaled=False)
    ds = load_dataset("diabetes", val_split=0.0, standardize=False)
    assert sorted(ds.y_train.tolist()) == sorted(bunch.target.tolist())


def test_same_seed_same_data_and_split_different_seed_different():
    a, b = load_dataset("moons", seed=3), load_dataset("moons", seed=3)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    c = load_dataset("moons", seed=4)
    assert not np.array_equal(a.X_train, c.X_train)


def test_split_is_stratified():
    ds = load_dataset("imbalanced", ratio=0.05, n_samples=1000, val_split=0.2)
    assert ds.class_counts.tolist() == [760, 40]
    assert int((ds.y_val == 1).sum()) == 10
    assert ds.minority_class == 1


def test_outliers_know_their_truth():
    ds = load_dataset("outliers", fraction=0.2, size=15.0, seed=1, standardize=False)
    assert ds.truth["slope"] == 2.0 and ds.truth["intercept"] == 1.0 and ds.truth["fraction"] == 0.2
    assert ds.outliers_train.sum() + ds.outliers_val.sum() == 40 == ds.truth["n_outliers"]
    x, y = ds.X_train[:, 0], ds.y_train
    clean = ~ds.outliers_train
    residual = y - (2.0 * x + 1.0)
    assert np.abs(residual[clean]).max() < 5 * 0.5  # inliers: the line plus N(0, 0.5) noise
    assert residual[~clean].min() > 0.75 * 15.0 - 2.5  # outliers: well above the line
    slope, intercept = np.polyfit(x[clean], y[clean], 1)
    assert slope == pytest.approx(2.0, abs=0.1) and intercept == pytest.approx(1.0, abs=0.1)


def test_generator_parameters_are_checked():
    assert dataset_params("outliers")["fraction"] == 0.1
    assert dataset_params("iris") == {}
    with pytest.raises(TrainingError, match="did you mean 'fraction'"):
        load_dataset("outliers", fracton=0.2)
    with pytest.raises(TrainingError, match="ratio must be"):
        load_dataset("imbalanced", ratio=0.9)
    with pytest.raises(TrainingError, match="takes no parameters"):
        load_dataset("iris", noise=0.1)
    with pytest.raises(TrainingError, match="did you mean 'iris'"):
        load_dataset("irsi")
    with pytest.raises(TrainingError, match="val_split"):
        load_dataset("iris", val_split=1.0)
    assert load_dataset("spirals", n_classes=3).task == "multiclass"
    assert load_dataset("blobs", n_classes=2, n_features=5).n_features == 5
    assert load_dataset("LINE").name == "outliers"  # aliases and case


def test_list_datasets_is_plain_data():
    entries = list_datasets("ja")
    assert [e["name"] for e in entries] == list(BUILTIN_DATASETS)
    json.dumps(entries, allow_nan=False)


def test_csv_file_with_text_target_text_feature_and_missing_values(tmp_path):
    path = tmp_path / "pets.csv"
    rows = ["weight,height,colour,species"]
    rng = np.random.default_rng(0)
    for i in range(60):
        species = "cat" if i % 3 else "dog"
        weight = rng.normal(4 if species == "cat" else 20, 1)
        colour = ["black", "white", "ginger"][i % 3]
        rows.append(f"{weight:.2f},{'' if i == 5 else f'{rng.normal(30, 3):.1f}'},{colour},{species}")
    path.write_text("\n".join(rows) + "\n")
    ds = load_dataset(path, target="species", seed=0)
    assert ds.task == "binary" and ds.class_names == ("cat", "dog")
    assert ds.feature_names == ("weight", "height", "colour=black", "colour=ginger", "colour=white")
    assert ds.n_train + ds.n_val == 59 and any("dropped 1 row" in note for note in ds.notes)
    assert ds.source == "file" and ds.name == "pets.csv"
    with pytest.raises(TrainingError, match="name the target column"):
        load_dataset(path)
    with pytest.raises(TrainingError, match="did you mean 'species'"):
        load_dataset(path, target="specie")
    with pytest.raises(TrainingError, match="no such file"):
        load_dataset(tmp_path / "missing.csv", target="y")


def test_parquet_file_regression_and_task_override(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(1)
    x = rng.normal(size=80)
    table = pa.table({"x": x, "count": np.round(np.abs(3 * x)).astype(np.int64) % 5, "y": 3 * x + 1})
    path = tmp_path / "data.parquet"
    pq.write_table(table, path)
    ds = load_dataset(path, target="y", features=["x"])
    assert ds.task == "regression" and ds.feature_names == ("x",)
    guessed = load_dataset(path, target="count", features=["x"])
    assert guessed.task == "multiclass"  # few integer values: classes
    forced = load_dataset(path, target="count", features=["x"], task="regression")
    assert forced.task == "regression"


def test_from_arrays_and_kfold_have_no_leakage():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) * [1, 10, 100]
    y = np.where(rng.random(50) < 0.3, "yes", "no")
    ds = from_arrays(X, y, seed=0)
    assert ds.task == "binary" and ds.class_names == ("no", "yes")
    folds = list(ds.kfold(5))
    assert len(folds) == 5
    held = np.concatenate([f.inverse_transform(f.X_val) for f in folds])
    assert held.shape == (50, 3)
    np.testing.assert_allclose(np.sort(held[:, 0]), np.sort(X[:, 0]))
    for f in folds:
        assert np.allclose(f.X_train.mean(axis=0), 0, atol=1e-9)  # standardized on its own training part
        assert 0 < (f.y_val == 1).sum() < len(f.y_val)  # stratified
    with pytest.raises(TrainingError):
        from_arrays(X[:, 0:1], y[:10])
    with pytest.raises(TrainingError, match="k must be"):
        next(ds.kfold(1))


def test_transform_round_trip():
    ds = load_dataset("wine")
    raw = ds.inverse_transform(ds.X_val)
    np.testing.assert_allclose(ds.transform(raw), ds.X_val, atol=1e-12)
