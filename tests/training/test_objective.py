"""Matching a loss to the data: output layer, target format, the stable path, errors."""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.training import TrainingError, default_loss, load_dataset, make_objective


@pytest.fixture(scope="module")
def sets():
    return {"regression": load_dataset("diabetes"), "binary": load_dataset("moons"),
            "multiclass": load_dataset("iris")}


@pytest.mark.parametrize(("task", "loss", "output", "head", "fmt", "n_out", "from_logits"), [
    ("regression", "mse", "auto", "identity", "values", 1, None),
    ("regression", "poisson", "auto", "identity", "values", 1, None),
    ("regression", "msle", "auto", "softplus", "values", 1, None),
    ("binary", "bce", "auto", "identity", "binary", 1, True),
    ("binary", "bce", "sigmoid", "sigmoid", "binary", 1, False),
    ("binary", "binary_focal", "logits", "identity", "binary", 1, True),
    ("binary", "hinge", "auto", "identity", "signed", 1, None),
    ("binary", "sparse_cce", "auto", "identity", "labels", 2, True),
    ("multiclass", "sparse_cce", "softmax", "softmax", "labels", 3, False),
    ("multiclass", "cce", "auto", "identity", "onehot", 3, True),
    ("multiclass", "categorical_hinge", "auto", "identity", "labels", 3, None),
    ("multiclass", "kl_divergence", "auto", "softmax", "onehot", 3, None),
])
def test_the_output_layer_and_targets_follow_the_loss(sets, task, loss, output, head, fmt, n_out, from_logits):
    obj = make_objective(loss, sets[task], output=output)
    assert (obj.head, obj.target_format, obj.n_outputs) == (head, fmt, n_out)
    if from_logits is not None:
        assert obj.loss.params["from_logits"] is from_logits


def test_target_encodings(sets):
    y = np.array([0, 1, 1, 0])
    hinge = make_objective("hinge", sets["binary"])
    assert hinge.encode(y).ravel().tolist() == [-1.0, 1.0, 1.0, -1.0]
    assert make_objective("bce", sets["binary"]).encode(y).ravel().tolist() == [0.0, 1.0, 1.0, 0.0]
    onehot = make_objective("cce", sets["multiclass"]).encode(np.array([2, 0]))
    assert onehot.tolist() == [[0, 0, 1], [1, 0, 0]]
    mse = make_objective("mse", sets["regression"])
    ds = sets["regression"]
    assert mse.scale_target and mse.encode(ds.y_train).mean() == pytest.approx(0.0, abs=1e-12)
    mape = make_objective("mape", sets["regression"])
    assert mape.scale_target and mape.y_mean == 0.0  # relative errors: scaled, not centred
    assert not make_objective("poisson", sets["regression"]).scale_target


def test_a_loss_object_is_used_with_its_own_parameters(sets):
    obj = make_objective(losslab.get("bce"), sets["binary"])
    assert obj.head == "sigmoid" and obj.loss.params["from_logits"] is False
    obj = make_objective(losslab.get("bce", from_logits=True, pos_weight=2.0), sets["binary"])
    assert obj.head == "identity" and obj.loss.params["pos_weight"] == 2.0
    with pytest.raises(TrainingError, match="contradicts"):
        make_objective(losslab.get("bce", from_logits=True), sets["binary"], output="sigmoid")


def test_mismatches_are_explained(sets):
    with pytest.raises(TrainingError, match="binary loss, but iris has 3 classes"):
        make_objective("bce", sets["multiclass"])
    with pytest.raises(TrainingError, match="regression loss"):
        make_objective("huber", sets["binary"])
    with pytest.raises(TrainingError, match="regression data set"):
        make_objective("sparse_cce", sets["regression"])
    with pytest.raises(TrainingError, match="raw scores"):
        make_objective("kl_divergence", sets["multiclass"], output="logits")
    with pytest.raises(TrainingError, match="does not suit"):
        make_objective("hinge", sets["binary"], output="sigmoid")
    with pytest.raises(TrainingError, match="output must be"):
        make_objective("mse", sets["regression"], output="tanh")
    with pytest.raises(TrainingError, match="delta"):
        make_objective("huber", sets["regression"], loss_params={"delta": -1})


def test_defaults_and_baseline(sets):
    assert [default_loss(t) for t in ("regression", "binary", "multiclass")] == [
        "mse", "binary_cross_entropy", "sparse_categorical_cross_entropy"]
    obj = make_objective(None, sets["multiclass"])
    T = obj.encode(sets["multiclass"].y_train)
    assert obj.baseline(T) == pytest.approx(np.log(3), abs=1e-9)  # balanced classes: uniform guess
    reg = make_objective("mse", sets["regression"])
    assert reg.baseline(reg.encode(sets["regression"].y_train)) == pytest.approx(1.0)  # the variance


def test_user_registered_loss_trains():
    def value(xp, pred, target):
        return (pred - target) ** 4

    def grad(xp, pred, target):
        return 4 * (pred - target) ** 3

    losslab.register("quartic_test", value, grad, replace=True)
    try:
        from losslab.training import fit

        run = fit("sine", loss="quartic_test", epochs=10, seed=0)
        assert run.history["train_loss"][-1] < run.history.initial["train_loss"]
    finally:
        losslab.unregister("quartic_test")
