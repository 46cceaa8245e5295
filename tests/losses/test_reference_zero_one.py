"""zero_one against sklearn.metrics.zero_one_loss (with sample weights, normalize=False as the sum) and
hamming_loss (multi-label), Keras's BinaryAccuracy (threshold 0.5): probabilities and logits, 0/1 and -1/+1 labels,
ties exactly on the threshold (the negative class, as scikit-learn's predict and Keras), saturation; the gradient is
0 and the definition says trainable=False."""

import numpy as np
import pytest

import losslab
from losslab.losses import definition

from ._libraries import keras_epsilon

sklearn_metrics = pytest.importorskip("sklearn.metrics")

RNG = np.random.default_rng(173)
P = np.concatenate([RNG.uniform(0.0, 1.0, 20), [0.5, 0.5, 0.0, 1.0, 0.5 + 1e-16, np.nextafter(0.5, 1.0)]])
Y = np.concatenate([RNG.integers(0, 2, 20), [0, 1, 0, 1, 1, 1]])
W = RNG.uniform(0.0, 3.0, len(P))


def test_against_sklearn() -> None:
    loss = losslab.get("zero_one")
    predicted = (P > 0.5).astype(int)
    assert float(loss(P, Y)) == pytest.approx(sklearn_metrics.zero_one_loss(Y, predicted), rel=1e-15)
    assert float(loss(P, Y, sample_weight=W)) == pytest.approx(
        sklearn_metrics.zero_one_loss(Y, predicted, sample_weight=W), rel=1e-14)
    assert float(loss(P, Y, reduction="sum")) == sklearn_metrics.zero_one_loss(Y, predicted, normalize=False)
    # the same on -1/+1 labels, on logits (z > 0), and in float32
    assert float(loss(P, 2 * Y - 1)) == float(loss(P, Y))
    with np.errstate(divide="ignore"):
        z = np.clip(np.log(P) - np.log1p(-P), -800.0, 800.0)  # logit(0.5) = 0: a tie on either scale
    assert float(losslab.get("zero_one", from_logits=True)(z, Y, sample_weight=W)) == float(loss(P, Y, sample_weight=W))
    p32 = P.astype(np.float32)  # (0.5 + 1e-16 rounds to the tie 0.5 in float32)
    assert float(loss(p32, Y)) == pytest.approx(float(loss(p32.astype(np.float64), Y)), rel=1e-6)


def test_ties_and_saturation() -> None:
    loss = losslab.get("zero_one", from_logits=True)
    z = np.array([0.0, 0.0, -0.0, 1e-300, -1e-300, 800.0, -800.0])
    y = np.array([0, 1, 1, 1, 0, 0, 1])
    np.testing.assert_array_equal(loss(z, y, reduction="none"), [0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0])


def test_against_keras_binary_accuracy() -> None:
    with keras_epsilon(1e-7) as keras:
        metric = keras.metrics.BinaryAccuracy(threshold=0.5)
        metric.update_state(Y.astype(float), P, sample_weight=W)
        accuracy = float(metric.result())
    assert float(losslab.get("zero_one")(P, Y, sample_weight=W)) == pytest.approx(1.0 - accuracy, rel=1e-12)


def test_multilabel_is_the_hamming_loss() -> None:
    p = RNG.uniform(0.0, 1.0, (7, 4))
    y = RNG.integers(0, 2, (7, 4))
    ref = sklearn_metrics.hamming_loss(y, (p > 0.5).astype(int))
    assert float(losslab.get("zero_one")(p, y)) == pytest.approx(ref, rel=1e-15)


def test_no_useful_gradient_is_said_in_the_metadata() -> None:
    loss = losslab.get("zero_one")
    np.testing.assert_array_equal(loss.grad(P, Y), np.zeros_like(P))
    assert definition("zero_one").trainable is False
    assert losslab.catalog(task="binary")[[e["name"] for e in losslab.catalog(task="binary")].index("zero_one")][
        "trainable"] is False
