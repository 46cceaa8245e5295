"""The training loop: histories, reproducibility, callbacks, cancellation, early stopping, penalties, runs."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

import losslab
from losslab.training import (
    MLP,
    RECORD_KEYS,
    SGD,
    Adam,
    History,
    Linear,
    TrainingError,
    fit,
    load_dataset,
)


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons", seed=0)


def test_fit_learns_and_records_every_epoch(moons):
    run = fit(moons, model="mlp", hidden=(8,), loss="bce", epochs=25, seed=0)
    h = run.history
    assert h.epochs == 25 and h.stopped == "completed" and h.steps_per_epoch == 5
    assert [r["epoch"] for r in h.records] == list(range(1, 26))
    assert all(tuple(r) == RECORD_KEYS for r in h.records)
    assert h["train_loss"][-1] < 0.5 * h.initial["train_loss"]
    assert h["val_accuracy"][-1] > 0.8
    assert h["train_mae"] == [None] * 25  # classification: no regression metrics
    assert h.baseline["train_loss"] == pytest.approx(np.log(2), abs=1e-9)
    assert all(r["objective"] == r["train_loss"] + r["penalty"] for r in h.records)
    data = json.loads(json.dumps(h.to_dict(), allow_nan=False))
    assert data["records"][0]["epoch"] == 1 and data["columns"] == list(RECORD_KEYS)


def test_same_seed_identical_history_different_seed_differs(moons):
    kwargs = dict(model="mlp", hidden=(6, 6), loss="bce", optimizer="adam", epochs=8, batch_size=16)
    a, b = fit(moons, seed=7, **kwargs), fit(moons, seed=7, **kwargs)
    assert a.history.records == b.history.records
    assert a.history.initial == b.history.initial
    np.testing.assert_array_equal(a.model.params, b.model.params)
    c = fit(moons, seed=8, **kwargs)
    assert c.history.records != a.history.records
    d1, d2 = fit("iris", seed=3, epochs=4), fit("iris", seed=3, epochs=4)  # by name: the data follows the seed
    assert d1.history.records == d2.history.records


def test_callbacks_are_small_json_ready_and_complete(moons):
    steps, epochs = [], []
    run = fit(moons, loss="bce", epochs=3, batch_size=40, on_step=steps.append, on_epoch=epochs.append)
    assert len(steps) == 3 * 4 and [s["step"] for s in steps] == list(range(1, 13))
    assert set(steps[0]) == {"event", "epoch", "step", "batch", "batches", "loss", "grad_norm", "lr"}
    assert steps[0]["event"] == "step" and steps[0]["batches"] == 4
    assert all(isinstance(s["loss"], float) for s in steps)
    assert [e["epoch"] for e in epochs] == [1, 2, 3] and epochs[-1]["epochs"] == 3
    assert epochs[-1]["val_loss"] == run.history.records[-1]["val_loss"]
    for payload in steps + epochs:
        assert len(json.dumps(payload, allow_nan=False)) < 600


def test_cancellation_by_event_and_by_function(moons):
    stop = threading.Event()

    def on_step(event):
        if event["step"] == 7:
            stop.set()

    run = fit(moons, loss="bce", epochs=50, batch_size=40, on_step=on_step, cancel=stop)
    assert run.history.stopped == "cancelled" and run.history.epochs == 1  # epoch 2 was cut short
    calls = iter(range(1000))
    run = fit(moons, loss="bce", epochs=50, batch_size=40, cancel=lambda: next(calls) >= 12)
    assert run.history.stopped == "cancelled" and run.history.epochs == 3
    with pytest.raises(TrainingError, match="cancel"):
        fit(moons, cancel=42)


def test_learning_rate_changes_between_steps(moons):
    seen = []
    run = fit(moons, loss="bce", optimizer="sgd", lr=0.1, epochs=3, batch_size=80,
              lr_schedule=lambda epoch, step: 0.1 / (1 + step), on_step=lambda e: seen.append(e["lr"]))
    assert seen == pytest.approx([0.1 / (1 + s) for s in range(6)])
    assert run.history.records[-1]["lr"] == pytest.approx(0.1 / 6)
    opt = SGD(lr=0.5)
    fit(moons, loss="bce", optimizer=opt, epochs=2, batch_size=80,
        on_step=lambda e: setattr(opt, "lr", opt.lr / 2))
    assert opt.lr == pytest.approx(0.5 / 2**4)


def test_early_stopping_restores_the_best_parameters():
    data = load_dataset("moons", n_samples=60, noise=0.35, seed=0)
    best_params = {}

    def remember(event):
        best_params[event["epoch"]] = None

    run = fit(data, model="mlp", hidden=(64, 64), loss="bce", lr=0.01, epochs=300, patience=10, seed=0,
              on_epoch=remember)
    h = run.history
    assert h.stopped == "early_stopping" and h.epochs == h.best_epoch + 10 and h.restored_best
    best_val = min(h["val_loss"])
    assert run.evaluate("val")["loss"] == pytest.approx(best_val)
    kept = fit(data, model="mlp", hidden=(64, 64), loss="bce", lr=0.01, epochs=300, patience=10, seed=0,
               restore_best=False)
    assert kept.evaluate("val")["loss"] == pytest.approx(kept.history["val_loss"][-1])


def test_divergence_stops_the_run_and_json_has_no_nan():
    run = fit("outliers", loss="mse", optimizer="sgd", lr=30.0, epochs=200, seed=0, batch_size=None)
    h = run.history
    assert h.stopped == "diverged" and h.epochs < 200
    text = json.dumps(run.to_dict("en"), allow_nan=False)
    assert '"stopped": "diverged"' in text


def test_penalties_are_reported_apart_and_l1_makes_weights_sparse():
    data = load_dataset("blobs", n_features=10, seed=0)  # 8 of the 10 features are noise
    plain = fit(data, model="softmax", epochs=40, seed=0)
    l1 = fit(data, model="softmax", epochs=40, seed=0, l1=0.02)
    l2 = fit(data, model="softmax", epochs=40, seed=0, l2=0.01)
    assert plain.history["penalty"] == [0.0] * 40
    for run in (l1, l2):
        r = run.history.records[-1]
        assert r["penalty"] > 0 and r["objective"] == pytest.approx(r["train_loss"] + r["penalty"])
    noise = slice(2, 10)
    assert np.abs(l1.model.weights[0][noise]).mean() < 0.3 * np.abs(plain.model.weights[0][noise]).mean()
    assert np.linalg.norm(l2.model.params) < np.linalg.norm(plain.model.params)


def test_full_batch_float32_and_given_model_and_optimizer(moons):
    run = fit(moons, model=MLP(2, (8,), 1, seed=0, dtype="float32"), loss="bce", optimizer=Adam(lr=0.05),
              epochs=30, batch_size=None)
    assert run.history.steps_per_epoch == 1 and run.model.params.dtype == np.float32
    assert run.history["val_accuracy"][-1] > 0.8
    with pytest.raises(TrainingError, match="maps 3 -> 1"):
        fit(moons, model=Linear(3, 1))


def test_run_predicts_evaluates_and_recovers_coefficients():
    data = load_dataset("outliers", fraction=0.0, seed=0)  # a clean line: every loss finds it
    run = fit(data, loss="mse", epochs=60, lr=0.05, seed=0)
    coef, intercept = run.coefficients()
    assert coef[0, 0] == pytest.approx(2.0, abs=0.05) and intercept[0] == pytest.approx(1.0, abs=0.05)
    assert run.recovery()["slope_error"] < 0.05
    pred = run.predict(data.X_val)
    assert np.abs(pred - data.y_val).mean() == pytest.approx(run.evaluate("val")["mae"])
    assert run.predict_proba(data.X_val) is None
    cls = fit("iris", model="softmax", epochs=30, seed=0)
    proba = cls.predict_proba(cls.dataset.X_val)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == cls.predict(cls.dataset.X_val)).all()
    metrics = cls.evaluate("val")
    assert set(metrics) >= {"accuracy", "balanced_accuracy", "minority_recall", "log_loss", "recall", "loss"}
    hinge = fit("breast_cancer", model="logistic", loss="hinge", epochs=10, seed=0)
    assert hinge.predict_proba(hinge.dataset.X_val) is None and hinge.evaluate()["log_loss"] is None
    with pytest.raises(TrainingError, match="linear models only"):
        fit("moons", model="mlp", epochs=1).coefficients()


def test_regression_metrics_are_in_original_units():
    run = fit("diabetes", loss="mse", epochs=30, seed=0)
    h, ds = run.history, run.dataset
    assert 30 < h["val_mae"][-1] < 80  # disease progression units, not standardized ones
    assert h["train_loss"][-1] < 1.0 and ds.y_scale > 50
    assert h.records[-1]["val_rmse"] == pytest.approx(run.evaluate("val")["rmse"])


def test_every_loss_of_each_task_trains_without_error():
    tasks = {"regression": "diabetes", "binary": "breast_cancer", "multiclass": "wine"}
    for entry in losslab.catalog():
        if not entry["trainable"]:  # metadata: embeddings, ensembles, extra inputs (refused, tested below)
            with pytest.raises(TrainingError, match="cannot train"):
                fit(tasks["regression"], model="linear", loss=entry["name"], epochs=1, seed=0)
            continue
        task = entry["task"] if entry["task"] != "distribution" else "multiclass"
        run = fit(tasks[task], model="linear", loss=entry["name"], epochs=3, seed=0)
        assert run.history.stopped == "completed", entry["name"]
        assert np.isfinite(run.history["train_loss"]).all(), entry["name"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_each_untrainable_loss_is_refused_with_its_own_reason(lang):
    from losslab.losses import definitions
    from losslab.training import load_dataset
    from losslab.training import texts as training_texts
    from losslab.training.objective import make_objective

    data = load_dataset("diabetes")
    refused = [d for d in definitions() if d.builtin and not d.trainable]
    assert {"zero_one", "categorical_zero_one", "multilabel_margin", "ctc", "crps_ensemble"} <= {
        d.name for d in refused}
    for d in refused:
        reason = d.why_untrainable
        assert reason is not None and reason != "other", d.name  # every built-in names its own reason
        with pytest.raises(TrainingError) as caught:
            make_objective(d.name, data, lang=lang)
        message = str(caught.value)
        because = training_texts.get(f"untrainable.{reason}", lang, inputs=", ".join(i.name for i in d.inputs))
        assert d.name in message and because in message, (d.name, message)
        others = {training_texts.get(f"untrainable.{r}", lang, inputs="") for r in
                  ("inputs", "embeddings", "no_gradient", "index_targets", "ensemble", "sequence", "other")
                  if r != reason}
        assert not any(o.split("(")[0] in message for o in others), (d.name, message)
    expected = {"zero_one": "no_gradient", "categorical_zero_one": "no_gradient", "multilabel_margin": "index_targets",
                "ctc": "sequence", "crps_ensemble": "ensemble", "triplet_margin": "inputs"}
    assert {d.name: d.why_untrainable for d in refused if d.name in expected} == expected


def test_bad_settings_are_training_errors(moons):
    for kwargs, words in (
        ({"epochs": 0}, "epochs"), ({"batch_size": -1}, "batch_size"), ({"lr": -1.0}, "lr"),
        ({"model": "tree"}, "unknown model"), ({"optimizer": "adagrad"}, "unknown optimizer"),
        ({"activation": "gelu", "model": "mlp"}, "activation"), ({"loss": "mse"}, "regression loss"),
        ({"model": "softmax", "loss": "huber"}, "regression loss"), ({"l2": -0.1}, "l2"),
        ({"model": "linear", "hidden": (4,)}, "no hidden layers"), ({"patience": 0}, "patience"),
    ):
        with pytest.raises(TrainingError, match=words):
            fit(moons, **kwargs)
    with pytest.raises(TrainingError, match="logistic regression is for binary"):
        fit("iris", model="logistic")


def test_without_a_validation_part_early_stopping_watches_the_training_loss():
    data = load_dataset("blobs", val_split=0.0, seed=0)
    run = fit(data, model="softmax", lr=0.1, epochs=200, patience=3, min_delta=1e-3, seed=0)
    h = run.history
    assert not h.has_validation and h["val_loss"] == [None] * h.epochs
    assert h.stopped == "early_stopping" and h.best_epoch == h.epochs - 3
    assert run.evaluate("val") == {"n": 0} and run.evaluate("train")["accuracy"] > 0.95
    assert run.diagnose().primary.code == "healthy"


def test_history_columns_and_defaults():
    h = History(task="binary", loss="bce")
    assert h.epochs == 0 and h.metric == "accuracy" and not h.has_validation
    with pytest.raises(KeyError, match="columns are"):
        h["nope"]


def test_nll_trains_through_a_log_softmax_head_like_cross_entropy_on_logits():
    """NLL on log-probabilities after a log-softmax output layer is cross-entropy on the logits (as PyTorch pairs
    LogSoftmax with NLLLoss): the same curve to rounding."""
    a = fit("wine", model="linear", loss="nll", epochs=15, seed=0)
    b = fit("wine", model="linear", loss="sparse_categorical_cross_entropy", epochs=15, seed=0)
    assert a.objective.head == "log_softmax" and a.objective.probabilistic
    np.testing.assert_allclose(a.history["train_loss"], b.history["train_loss"], rtol=1e-9)
