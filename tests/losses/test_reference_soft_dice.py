"""soft_dice against Keras's dice (smooth 0, its epsilon set to 0), optax's dice_loss (its smooth is ours / 2, on
logits through its sigmoid), sklearn's f1_score on hard masks, torch autograd, and the empty-mask convention."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

import losslab

from ._libraries import as_numpy, keras_epsilon, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(16)
P, T = RNG.uniform(0, 1, (6, 10)), RNG.integers(0, 2, (6, 10)).astype(float)
T[0] = 0.0  # one mask empty


def test_against_keras() -> None:
    with keras_epsilon(0.0) as keras:
        ref = as_numpy(keras.losses.dice(T, P, axis=1))
    np.testing.assert_allclose(losslab.get("soft_dice", smooth=0.0)(P, T, reduction="none"), ref, rtol=1e-13)


@pytest.mark.parametrize("smooth", [0.0, 1.0, 3.0])
def test_against_optax_on_logits(smooth: float) -> None:
    z = RNG.normal(0, 2, (6, 10))
    with x64() as jax:
        optax = pytest.importorskip("optax")
        jt = jax.numpy.asarray(T[..., None])
        f = lambda x: optax.losses.dice_loss(x[..., None], jt, smooth=smooth / 2, reduction="none")[:, 0]  # noqa: E731
        ref = as_numpy(f(jax.numpy.asarray(z)))
        grad = as_numpy(jax.grad(lambda x: f(x).sum())(jax.numpy.asarray(z)))
    loss = losslab.get("soft_dice", smooth=smooth, from_logits=True)
    np.testing.assert_allclose(loss(z, T, reduction="none"), ref, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(loss.grad(z, T, reduction="sum"), grad, rtol=1e-11, atol=1e-16)
    assert float(loss(z.astype(np.float32), T)) == pytest.approx(ref.mean(), rel=1e-5)


def test_hard_masks_are_one_minus_f1_and_autograd() -> None:
    hard = RNG.integers(0, 2, (4, 12)).astype(float)
    loss = losslab.get("soft_dice", smooth=0.0)
    expected = [1 - f1_score(t, p) for p, t in zip(hard, T[1:5, :].repeat(2, axis=1)[:, :12], strict=True)]
    np.testing.assert_allclose(loss(hard, T[1:5, :].repeat(2, axis=1)[:, :12], reduction="none"), expected,
                               rtol=1e-14)
    p = torch.tensor(P, requires_grad=True)
    t = torch.from_numpy(T)
    ref = (1 - (2 * (p * t).sum(1) + 1) / (p.sum(1) + t.sum(1) + 1)).mean()
    (g,) = torch.autograd.grad(ref, p)
    np.testing.assert_allclose(losslab.get("soft_dice").grad(P, T), g.numpy(), rtol=1e-12, atol=1e-16)


def test_empty_masks() -> None:
    empty = np.zeros((2, 5))
    for smooth in (0.0, 1.0):
        loss = losslab.get("soft_dice", smooth=smooth)
        np.testing.assert_array_equal(loss(empty, empty, reduction="none"), 0.0)  # empty predicted empty: 0
        assert np.isfinite(loss.grad(empty, empty)).all()
    assert float(losslab.get("soft_dice", smooth=0.0)(np.full(5, 0.5), np.zeros(5))) == 1.0  # nothing to find
    assert float(losslab.get("soft_dice", smooth=1.0)(np.full(5, 0.5), np.zeros(5))) == pytest.approx(1 - 1 / 3.5)
