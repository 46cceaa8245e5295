"""tversky with the paper's convention (alpha weighs false positives, beta false negatives; Salehi et al. 2017)
against optax's dice_loss (the same convention), Keras's tversky (which swaps them: keras#23322), torch autograd,
and the special cases Dice (1/2, 1/2) and Jaccard (1, 1)."""

import numpy as np
import pytest

import losslab

from ._libraries import as_numpy, keras_epsilon, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(18)
P, T = RNG.uniform(0, 1, (6, 10)), RNG.integers(0, 2, (6, 10)).astype(float)


@pytest.mark.parametrize(("alpha", "beta"), [(0.3, 0.7), (0.7, 0.3), (0.5, 0.5), (1.0, 0.0)])
def test_against_optax_and_keras(alpha: float, beta: float) -> None:
    loss = losslab.get("tversky", alpha=alpha, beta=beta, smooth=1.0)
    with x64() as jax:
        optax = pytest.importorskip("optax")
        # probabilities through a sigmoid of their logit: optax's single-channel path
        logit = jax.numpy.asarray(np.log(P / (1 - P))[..., None])
        ref = as_numpy(optax.losses.dice_loss(logit, jax.numpy.asarray(T[..., None]), alpha=alpha, beta=beta,
                                              smooth=1.0, reduction="none"))[:, 0]
    np.testing.assert_allclose(loss(P, T, reduction="none"), ref, rtol=1e-12)
    with keras_epsilon(0.0) as keras:
        swapped = as_numpy(keras.losses.tversky(T, P, alpha=beta, beta=alpha, axis=1))
    np.testing.assert_allclose(losslab.get("tversky", alpha=alpha, beta=beta, smooth=0.0)(P, T, reduction="none"),
                               swapped, rtol=1e-13)


def test_alpha_weighs_false_positives() -> None:
    t = np.array([1.0, 1.0, 0.0, 0.0])
    over = np.array([1.0, 1.0, 1.0, 1.0])  # two false positives
    under = np.array([1.0, 0.0, 0.0, 0.0])  # one false negative
    fp_heavy = losslab.get("tversky", alpha=0.9, beta=0.1, smooth=0.0)
    assert float(fp_heavy(over, t)) == pytest.approx(1 - 2 / (2 + 0.9 * 2))
    assert float(fp_heavy(under, t)) == pytest.approx(1 - 1 / (1 + 0.1 * 1))


def test_grad_against_torch_and_special_cases() -> None:
    p = torch.tensor(P, requires_grad=True)
    t = torch.from_numpy(T)
    tp, fp, fn = (p * t).sum(1), (p * (1 - t)).sum(1), ((1 - p) * t).sum(1)
    ref = (1 - (tp + 1) / (tp + 0.3 * fp + 0.7 * fn + 1)).mean()
    (g,) = torch.autograd.grad(ref, p)
    loss = losslab.get("tversky")
    assert float(loss(P, T)) == pytest.approx(float(ref), rel=1e-14)
    np.testing.assert_allclose(loss.grad(P, T), g.numpy(), rtol=1e-12, atol=1e-16)
    assert float(loss(P.astype(np.float32), T)) == pytest.approx(float(ref), rel=1e-5)
    dice = losslab.get("soft_dice", smooth=2.0)(P, T)
    assert float(losslab.get("tversky", alpha=0.5, beta=0.5, smooth=1.0)(P, T)) == pytest.approx(float(dice), rel=1e-14)
    jaccard = losslab.get("soft_jaccard", smooth=0.5)(P, T)
    assert float(losslab.get("tversky", alpha=1.0, beta=1.0, smooth=0.5)(P, T)) == pytest.approx(float(jaccard),
                                                                                                 rel=1e-15)
