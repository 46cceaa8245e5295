"""The numbers inside each figure's spec are the catalog's numbers (and the trainer's, for its figures)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import losslab
from losslab import figures

from .conftest import datasets


# ----------------------------------------------------------------------------------------------------- 1. shapes
def test_shapes_curves_are_the_catalog_values_and_gradients():
    chart = figures.shapes(["mse", "mae", "huber", "log_cosh", "quantile"],
                           params={"huber": {"delta": 2.0}, "quantile": {"q": 0.9}})
    rows = datasets(chart)["curves"]
    assert {r["loss"] for r in rows} == {"mse", "mae", "huber", "log_cosh", "quantile"}
    for name in ("mse", "mae", "huber", "log_cosh", "quantile"):
        mine = [r for r in rows if r["loss"] == name]
        loss = losslab.get(name, **mine[0]["params"])
        pred = np.array([r["prediction"] for r in mine])
        target = np.array([r["target"] for r in mine])
        np.testing.assert_allclose([r["error"] for r in mine], pred - target, atol=1e-12)
        np.testing.assert_allclose([r["value"] for r in mine], loss(pred, target, reduction="none"), rtol=1e-12)
        np.testing.assert_allclose([r["grad"] for r in mine], loss.grad(pred, target, reduction="none"),
                                   rtol=1e-12)
    mse = [r for r in rows if r["loss"] == "mse"]
    # the plotted MSE curve is the square of the error
    np.testing.assert_allclose([r["value"] for r in mse], [r["error"] ** 2 for r in mse], rtol=1e-12)
    huber = [r for r in rows if r["loss"] == "huber"]
    assert huber[0]["params"]["delta"] == 2.0
    assert {-2.0, 0.0, 2.0} <= {r["error"] for r in huber}  # the kinks are on the grid


def test_shapes_same_loss_twice_gets_two_series():
    chart = figures.shapes([losslab.get("huber", delta=1), losslab.get("huber", delta=3)])
    series = {r["series"] for r in datasets(chart)["curves"]}
    assert series == {"Huber (δ=1)", "Huber (δ=3)"}


def test_shapes_refuses_a_classification_loss():
    with pytest.raises(losslab.LossInputError, match="regression"):
        figures.shapes(["mse", "bce"])


# --------------------------------------------------------------------------------------------- 2. classification
@pytest.mark.parametrize("axis", ["probability", "margin"])
def test_classification_curves_are_the_catalog_values(axis):
    chart = figures.classification(["bce", "binary_focal", "hinge", "squared_hinge"], axis=axis,
                                   params={"binary_focal": {"gamma": 3.0}})
    data = datasets(chart)
    rows = data["curves"]
    for name in ("binary_cross_entropy", "binary_focal", "hinge", "squared_hinge"):
        mine = [r for r in rows if r["loss"] == name]
        p = np.array([r["probability"] for r in mine])
        z = np.array([r["margin"] for r in mine])
        np.testing.assert_allclose(z, np.log(p / (1 - p)), rtol=1e-9, atol=1e-9)
        ones = np.ones_like(p)
        if name == "binary_cross_entropy":
            expected = losslab.get(name)(p, ones, reduction="none") if axis == "probability" else losslab.get(
                name, from_logits=True)(z, ones, reduction="none")
            np.testing.assert_allclose(expected, -np.log(p), rtol=1e-6)
        elif name == "binary_focal":
            assert mine[0]["params"]["gamma"] == 3.0
            expected = -((1 - p) ** 3) * np.log(p)
        else:
            expected = losslab.get(name)(z, ones, reduction="none")
            hinge = np.maximum(0.0, 1 - z)
            np.testing.assert_allclose(expected, hinge if name == "hinge" else hinge**2, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose([r["value"] for r in mine], expected, rtol=1e-6, atol=1e-12)
    zero_one = [r for r in rows if r["loss"] == "zero_one"]
    assert all(r["value"] == (1.0 if r["margin"] < 0 else 0.0) for r in zero_one)
    regions = data["regions"]
    assert [r["region"] for r in regions] == list(figures.CLASSIFICATION_REGIONS)
    edges = [regions[0]["start"]] + [r["end"] for r in regions]
    assert edges == sorted(edges)
    if axis == "probability":
        assert edges == pytest.approx([0.0, 0.2, 0.5, 0.8, 1.0])
    else:
        assert edges[1:4] == pytest.approx([-math.log(4), 0.0, math.log(4)])


# ------------------------------------------------------------------------------------------------------ 3. darts
def test_dart_losses_are_the_catalog_losses_and_rings_have_equal_loss():
    preds = np.array([[0.5, 0.2], [-1.0, 1.5], [3.0, -2.0]])
    target = (0.5, -0.5)
    chart = figures.darts(preds, target, losses=["mse", "mae", "huber"])
    data = datasets(chart)
    for name in ("mse", "mae", "huber"):
        loss = losslab.get(name)
        darts = [r for r in data["darts"] if r["loss"] == name]
        xy = np.array([[r["x"], r["y"]] for r in darts])
        np.testing.assert_allclose(xy, preds)
        expected = loss(preds, np.tile(target, (3, 1)), reduction="none")
        np.testing.assert_allclose([r["value"] for r in darts], expected, rtol=1e-12)
        assert [r["text"] for r in darts] == [f"{v:.2f}" for v in expected]
        rings = [r for r in data["rings"] if r["loss"] == name]
        assert rings, "every board has rings"
        ring_xy = np.array([[r["x"], r["y"]] for r in rings])
        on_ring = loss(ring_xy, np.tile(target, (len(rings), 1)), reduction="none")
        levels = np.array([r["level"] for r in rings])
        np.testing.assert_allclose(on_ring, levels, rtol=0.03, atol=1e-3)
        # each ring passes through the point `radius` to the right of the target
        for r in data["levels"]:
            if r["loss"] == name:
                point = np.array([[target[0] + r["radius"], target[1]]])
                assert float(loss(point, np.array([target]), reduction="none")[0]) == pytest.approx(r["level"])


def test_dart_rings_are_circles_for_mse_and_diamonds_for_mae():
    chart = figures.darts(losses=["mse", "mae"])
    rings = datasets(chart)["rings"]
    for name, norm in (("mse", 2), ("mae", 1)):
        ring = [r for r in rings if r["loss"] == name and r["radius"] == 1.0]
        xy = np.array([[r["x"], r["y"]] for r in ring])
        np.testing.assert_allclose(np.linalg.norm(xy, ord=norm, axis=1), 1.0, atol=0.02)


# ---------------------------------------------------------------------------------------------- 9. contributions
def test_contributions_are_shares_of_the_catalog_losses():
    rng = np.random.default_rng(0)
    target = rng.normal(size=40)
    pred = target + rng.normal(scale=0.3, size=40)
    pred[7] += 5
    weights = rng.uniform(0.5, 2, size=40)
    chart = figures.contributions(pred, target, ["mse", "mae"], sample_weight=weights, top=10)
    rows = datasets(chart)["examples"]
    for name in ("mse", "mae"):
        mine = sorted((r for r in rows if r["loss"] == name), key=lambda r: r["example"])
        per = losslab.get(name)(pred, target, reduction="none", sample_weight=weights)
        np.testing.assert_allclose([r["value"] for r in mine], per, rtol=1e-12)
        np.testing.assert_allclose([r["share"] for r in mine], per / per.sum(), rtol=1e-12)
        ranked = sorted(mine, key=lambda r: r["rank"])
        assert ranked[0]["example"] == 7
        assert [r["share"] for r in ranked] == sorted((r["share"] for r in mine), reverse=True)
        assert ranked[-1]["cumulative"] == pytest.approx(100.0)
        assert sum(r["shown"] for r in mine) == 10
    mse_top = max(r["share"] for r in rows if r["loss"] == "mse")
    mae_top = max(r["share"] for r in rows if r["loss"] == "mae")
    assert mse_top > mae_top  # the outlier owns more of the MSE than of the MAE


# ------------------------------------------------------------------------------------------- 4. training curves
def test_curves_plot_the_history_and_mark_the_diagnosis():
    from .synthetic import DIAGNOSIS, history

    record = history("early")
    chart = figures.training_curves(record, diagnosis=DIAGNOSIS)
    data = datasets(chart)
    train = {r["epoch"]: r["value"] for r in data["curves"] if r["kind"] == "train"}
    val = {r["epoch"]: r["value"] for r in data["curves"] if r["kind"] == "val"}
    assert train[0] == record["initial"]["train_loss"]  # epoch 0: before training
    for r in record["records"]:
        assert train[r["epoch"]] == r["train_loss"] and val[r["epoch"]] == r["val_loss"]
    penalty = [r for r in data["curves"] if r["kind"] == "penalty"]
    assert penalty and all(r["value"] == pytest.approx(0.01) for r in penalty)  # data loss and penalty apart
    accuracy = {(r["kind"], r["epoch"]): r["value"] for r in data["metric"]}
    assert accuracy[("val", 5)] == pytest.approx(100 * record["records"][4]["val_accuracy"])
    marks = {m["code"]: m["epoch"] for m in data["marks"]}
    assert marks == {"overfitting": 14, "early_stopping": 13}
    assert figures.spec(chart)["usermeta"]["losslab"]["metric"] == "accuracy"


def test_curves_of_a_real_run_follow_its_history_and_diagnosis():
    from losslab.training import fit

    run = fit("outliers", model="linear", loss="mse", optimizer="sgd", lr=3.0, epochs=6, seed=0)  # diverges
    diagnosis = run.diagnose("en")
    chart = figures.curves_from_run(run)
    data = datasets(chart)
    train = [r["value"] for r in data["curves"] if r["kind"] == "train" and r["epoch"] > 0]
    np.testing.assert_allclose(train, run.history.column("train_loss"))
    assert "divergence" in diagnosis.codes
    divergence = next(f for f in diagnosis.findings if f.code == "divergence")
    assert {"code": "divergence", "epoch": divergence.epoch} in [
        {"code": m["code"], "epoch": m["epoch"]} for m in data["marks"]]
    assert figures.spec(chart)["usermeta"]["losslab"]["log_scale"] is True  # exploding loss: log axis
    assert figures.spec(chart)["usermeta"]["losslab"]["metric"] == "mae"


# --------------------------------------------------------------------------------------------------- 5. landscape
def test_landscape_is_the_catalog_loss_of_each_line_and_the_path_descends():
    from .synthetic import line_data

    x, y, _ = line_data()
    chart = figures.landscape(x, y, ["mse", "huber"], grid=9, steps=15)
    data = datasets(chart)
    for name in ("mse", "huber"):
        loss = losslab.get(name)
        cells = [r for r in data["surface"] if r["loss"] == name]
        assert len(cells) == 81
        for r in cells[::7]:
            assert r["value"] == pytest.approx(float(loss(r["slope"] * x + r["intercept"], y)), rel=1e-12)
        path = [r for r in data["path"] if r["loss"] == name]
        assert [r["step"] for r in path] == list(range(16))
        for r in path:
            assert r["value"] == pytest.approx(float(loss(r["slope"] * x + r["intercept"], y)), rel=1e-12)
        assert path[-1]["value"] < path[0]["value"]
        # one step of gradient descent with the catalog's gradient (chain rule for a line)
        w, b = path[0]["slope"], path[0]["intercept"]
        g = loss.grad(w * x + b, y)
        step = np.array([path[1]["slope"] - w, path[1]["intercept"] - b])
        direction = -np.array([np.sum(g * x), np.sum(g)])
        np.testing.assert_allclose(step / np.linalg.norm(step), direction / np.linalg.norm(direction), rtol=1e-9)
        best = next(r for r in data["minimum"] if r["loss"] == name)
        assert best["value"] == pytest.approx(min(r["value"] for r in cells))
        for r in data["contours"]:
            if r["loss"] == name:
                assert min(c["value"] for c in cells) <= r["level"] <= max(c["value"] for c in cells)


def test_landscape_takes_a_recorded_path():
    from .synthetic import line_data

    x, y, _ = line_data()
    chart = figures.landscape(x, y, "mse", grid=5, path=[[0, 0], [1, 0.5], [2, 1]])
    assert [(r["slope"], r["intercept"]) for r in datasets(chart)["path"]] == [(0, 0), (1, 0.5), (2, 1)]


# -------------------------------------------------------------------------------------------------------- 6. fits
def test_fits_shares_are_the_catalog_losses_and_gradients_of_each_line():
    from .synthetic import line_data

    x, y, outliers = line_data()
    lines = {"mse": (2.4, 1.8), losslab.get("huber", delta=0.5): (2.1, 1.2)}
    data = datasets(figures.fits(x, y, lines, outliers=outliers, truth=(2, 1)))
    for loss, (w, b) in ((losslab.get("mse"), (2.4, 1.8)), (losslab.get("huber", delta=0.5), (2.1, 1.2))):
        mine = sorted((r for r in data["shares"] if r["loss"] == loss.name), key=lambda r: r["index"])
        per = loss(w * x + b, y, reduction="none")
        grad = loss.grad(w * x + b, y, reduction="none")
        np.testing.assert_allclose([r["value"] for r in mine], per, rtol=1e-12)
        np.testing.assert_allclose([r["share"] for r in mine], per / per.sum(), rtol=1e-12)
        np.testing.assert_allclose([r["pull"] for r in mine], 100 * np.abs(grad) / np.abs(grad).sum(), rtol=1e-12)
        summary = next(s for s in data["summary"] if s["loss"] == loss.name)
        assert summary["outlier_percent"] == pytest.approx(100 * per[outliers].sum() / per.sum())
        ends = [r for r in data["lines"] if r["loss"] == loss.name]
        assert [r["y"] for r in ends] == pytest.approx([w * min(x) + b, w * max(x) + b])
    assert [r["outlier"] for r in data["points"]] == outliers.tolist()
    mse, huber = (next(s for s in data["summary"] if s["loss"] == n) for n in ("mse", "huber"))
    assert mse["outlier_pull"] > 2 * huber["outlier_pull"]  # outliers drag the MSE line, not the Huber one


def test_fits_from_the_trainer_draw_each_runs_line():
    from losslab.training import compare, load_dataset

    ds = load_dataset("outliers", seed=0, n_samples=60)
    comparison = compare(ds, ["mse", "mae"], model="linear", epochs=20, lr=0.05, seed=0)
    data = datasets(figures.fits_from_comparison(comparison))
    for row in comparison.rows:
        coef, intercept = row.run.coefficients()
        line = next(s for s in data["summary"] if s["loss"] == row.run.loss.name)
        assert (line["slope"], line["intercept"]) == pytest.approx((coef[0, 0], intercept[0]))
    assert sum(r["outlier"] for r in data["points"]) == int(ds.outliers_train.sum())


# ---------------------------------------------------------------------------------------------------- 7. boundary
def test_boundary_map_is_the_classifiers_probability():
    from .synthetic import blobs, logistic

    X, y = blobs()
    data = datasets(figures.boundary(logistic, X[:20], y[:20], X[20:], y[20:], grid=12))
    cells = data["map"]
    assert len(cells) == 144
    np.testing.assert_allclose([c["p"] for c in cells], logistic(np.array([[c["x"], c["y"]] for c in cells])))
    line = np.array([[r["x"], r["y"]] for r in data["boundary"]])
    np.testing.assert_allclose(logistic(line), 0.5, atol=0.02)  # the drawn boundary is where p = 1/2
    points = data["points"]
    assert [p["split"] for p in points] == ["train"] * 20 + ["val"] * 10
    for split, xs, ys in (("train", X[:20], y[:20]), ("val", X[20:], y[20:])):
        score = next(s for s in data["scores"] if s["split"] == split)
        assert score["accuracy"] == pytest.approx(np.mean((logistic(xs) > 0.5) == (ys == 1)))


def test_boundary_of_a_trained_run_uses_its_predictions():
    from losslab.training import fit

    run = fit("moons", model="logistic", epochs=5, seed=0)
    data = datasets(figures.boundary_from_run(run, grid=8))
    ds = run.dataset
    points = np.array([[c["x"], c["y"]] for c in data["map"]])
    expected = run.predict_proba(ds.transform(points))[:, 1]
    np.testing.assert_allclose([c["p"] for c in data["map"]], expected, rtol=1e-9)
    train = [p for p in data["points"] if p["split"] == "train"]
    np.testing.assert_allclose([[p["x"], p["y"]] for p in train], ds.inverse_transform(ds.X_train), rtol=1e-9)


# ----------------------------------------------------------------------------------------- 8. loss vs accuracy
def test_loss_vs_accuracy_numbers_are_the_catalogs_and_the_trainers():
    from losslab.training import loss_vs_accuracy

    demo = loss_vs_accuracy(n=60, seed=3)
    data = datasets(figures.loss_vs_accuracy(demo))
    summary = {s["model"]: s for s in data["summary"]}
    assert summary["A"]["accuracy"] == demo.accuracy_a == summary["B"]["accuracy"] == demo.accuracy_b
    assert summary["A"]["loss"] == pytest.approx(demo.log_loss_a, rel=1e-12)
    assert summary["B"]["loss"] == pytest.approx(demo.log_loss_b, rel=1e-12)
    bce = losslab.get("binary_cross_entropy")
    examples = [r for r in data["examples"] if r["model"] == "B"]
    p_true = figures.p_true_of(demo.proba_b, demo.y)
    np.testing.assert_allclose([r["p_true"] for r in examples], p_true)
    np.testing.assert_allclose([r["loss"] for r in examples], bce(demo.proba_b, demo.y.astype(float), reduction="none"),
                               rtol=1e-9)
    for name in ("A", "B"):
        assert sum(r["count"] for r in data["histogram"] if r["model"] == name) == 60
    assert figures.spec(figures.loss_vs_accuracy(demo))["usermeta"]["losslab"]["same_accuracy"] is True
