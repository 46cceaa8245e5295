"""multilabel_soft_margin against torch.nn.MultiLabelSoftMarginLoss (label weights, reductions, autograd, float32),
Keras's BinaryCrossentropy(from_logits=True) and optax's sigmoid_binary_cross_entropy (without weights)."""

import numpy as np
import pytest

import losslab

from ._libraries import as_numpy, keras_epsilon, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
Z, Y = RNG.normal(0, 3, (8, 4)), RNG.integers(0, 2, (8, 4)).astype(float)
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])


@pytest.mark.parametrize("weight", [None, WEIGHT])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_against_torch(weight: np.ndarray | None, reduction: str) -> None:
    z = torch.tensor(Z, requires_grad=True)
    w = None if weight is None else torch.from_numpy(weight)
    ref = torch.nn.MultiLabelSoftMarginLoss(weight=w, reduction=reduction)(z, torch.from_numpy(Y))
    (expected,) = torch.autograd.grad(ref.sum(), z)
    loss = losslab.get("multilabel_soft_margin", label_weight=weight)
    np.testing.assert_allclose(loss(Z, Y, reduction=reduction), ref.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(loss.grad(Z, Y, reduction=reduction), expected.numpy(), rtol=1e-12, atol=1e-300)
    ref32 = torch.nn.MultiLabelSoftMarginLoss(weight=None if w is None else w.float())(
        torch.tensor(Z, dtype=torch.float32), torch.from_numpy(Y).float())
    assert float(loss(Z.astype(np.float32), Y)) == pytest.approx(float(ref32), rel=1e-5)


def test_against_keras_and_optax() -> None:
    loss = losslab.get("multilabel_soft_margin")
    with keras_epsilon(1e-7) as keras:
        # the op under keras.losses.BinaryCrossentropy(from_logits=True), averaged over the labels
        ref = as_numpy(keras.ops.binary_crossentropy(Y, Z, from_logits=True)).mean(axis=1)
    np.testing.assert_allclose(loss(Z, Y, reduction="none"), ref, rtol=1e-12)
    with x64() as jax:
        optax = pytest.importorskip("optax")
        ref = as_numpy(optax.losses.sigmoid_binary_cross_entropy(jax.numpy.asarray(Z), jax.numpy.asarray(Y)))
    np.testing.assert_allclose(loss(Z, Y, reduction="none"), ref.mean(axis=1), rtol=1e-12)


def test_one_weight_per_label() -> None:
    with pytest.raises(losslab.LossInputError, match="one weight per label"):
        losslab.get("multilabel_soft_margin", label_weight=[1.0, 2.0])(Z, Y)
