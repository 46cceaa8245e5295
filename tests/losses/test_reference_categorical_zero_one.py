"""categorical_zero_one against sklearn.metrics.zero_one_loss on the arg-max class (labels and one-hot rows, sample
weights), Keras's SparseCategoricalAccuracy, and ties (the first of tied scores, as NumPy's and PyTorch's argmax)."""

import numpy as np
import pytest

import losslab
from losslab.losses import definition

from ._libraries import keras_epsilon

sklearn_metrics = pytest.importorskip("sklearn.metrics")

RNG = np.random.default_rng(174)
Z = RNG.normal(0.0, 2.0, (30, 4))
Y = RNG.integers(0, 4, 30)
W = RNG.uniform(0.0, 3.0, 30)


def test_against_sklearn() -> None:
    loss = losslab.get("categorical_zero_one")
    ref = sklearn_metrics.zero_one_loss(Y, Z.argmax(axis=1), sample_weight=W)
    assert float(loss(Z, Y, sample_weight=W)) == pytest.approx(ref, rel=1e-14)
    assert float(loss(Z, np.eye(4)[Y], sample_weight=W)) == pytest.approx(ref, rel=1e-14)
    assert float(loss(Z, Y, reduction="sum")) == sklearn_metrics.zero_one_loss(Y, Z.argmax(axis=1), normalize=False)
    assert float(loss(Z.astype(np.float32), Y)) == pytest.approx(float(loss(Z, Y)), rel=1e-6)


def test_against_keras() -> None:
    with keras_epsilon(1e-7) as keras:
        metric = keras.metrics.SparseCategoricalAccuracy()
        metric.update_state(Y, Z, sample_weight=W)
        accuracy = float(metric.result())
    assert float(losslab.get("categorical_zero_one")(Z, Y, sample_weight=W)) == pytest.approx(1.0 - accuracy, rel=1e-12)


def test_ties_take_the_first_class_as_argmax_does() -> None:
    torch = pytest.importorskip("torch")
    z = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [0.0, 0.0, 0.0], [800.0, 800.0, -800.0]])
    assert torch.argmax(torch.from_numpy(z), dim=1).tolist() == [0, 1, 0, 0] == list(np.argmax(z, axis=1))
    loss = losslab.get("categorical_zero_one")
    np.testing.assert_array_equal(loss(z, np.array([0, 2, 0, 1]), reduction="none"), [0.0, 1.0, 0.0, 1.0])
    # a soft target row gives the expected error 1 - t[argmax]; one class is always right
    assert float(loss(np.array([[2.0, 1.0]]), np.array([[0.25, 0.75]]))) == 0.75
    assert float(loss(np.array([[5.0]]), np.array([0]))) == 0.0


def test_no_useful_gradient() -> None:
    np.testing.assert_array_equal(losslab.get("categorical_zero_one").grad(Z, Y), np.zeros_like(Z))
    assert definition("categorical_zero_one").trainable is False
