"""focal_tversky against Abraham & Khan's formula (their alpha weighs false negatives: losslab's beta) through torch
autograd, optax's dice_loss and Keras's tversky raised to gamma, per sample and per class (channels flattened into
masks), empty masks, saturated logits against mpmath, and gamma = 1 as tversky."""

import mpmath
import numpy as np
import pytest

import losslab

from ._libraries import as_numpy, keras_epsilon, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(177)
P, T = RNG.uniform(0.0, 1.0, (6, 10)), RNG.integers(0, 2, (6, 10)).astype(float)


def _paper(p: "torch.Tensor", g: "torch.Tensor", a_fn: float, b_fp: float, gamma: float, eps: float) -> "torch.Tensor":
    """Abraham & Khan eq. 3-4: TI = (sum p g + eps) / (sum p g + a sum (1 - p) g + b sum p (1 - g) + eps), with
    their exponent 1/gamma written here as gamma."""
    tp = (p * g).sum(-1)
    ti = (tp + eps) / (tp + a_fn * ((1 - p) * g).sum(-1) + b_fp * (p * (1 - g)).sum(-1) + eps)
    return (1 - ti) ** gamma


@pytest.mark.parametrize(("alpha", "beta", "gamma", "smooth"), [(0.3, 0.7, 0.75, 1.0), (0.7, 0.3, 2.0, 0.0),
                                                                 (0.5, 0.5, 1.0, 1.0), (0.3, 0.7, 1 / 3, 1e-6)])
def test_against_the_paper_with_torch_autograd(alpha: float, beta: float, gamma: float, smooth: float) -> None:
    p = torch.tensor(P, requires_grad=True)
    ref = _paper(p, torch.from_numpy(T), beta, alpha, gamma, smooth)  # the paper's alpha is losslab's beta
    (g,) = torch.autograd.grad(ref.mean(), p)
    loss = losslab.get("focal_tversky", alpha=alpha, beta=beta, gamma=gamma, smooth=smooth)
    np.testing.assert_allclose(loss(P, T, reduction="none"), ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(loss.grad(P, T), g.numpy(), rtol=1e-10, atol=1e-16)
    np.testing.assert_allclose(loss(P.astype(np.float32), T, reduction="none"), ref.detach().numpy(), rtol=1e-5)


def test_against_optax_and_keras() -> None:
    loss = losslab.get("focal_tversky", alpha=0.3, beta=0.7, gamma=0.75, smooth=1.0)
    with x64() as jax:
        optax = pytest.importorskip("optax")
        logit = jax.numpy.asarray(np.log(P / (1 - P))[..., None])
        dice = as_numpy(optax.losses.dice_loss(logit, jax.numpy.asarray(T[..., None]), alpha=0.3, beta=0.7,
                                               smooth=1.0, reduction="none"))[:, 0]
    np.testing.assert_allclose(loss(P, T, reduction="none"), dice**0.75, rtol=1e-12)
    with keras_epsilon(0.0) as keras:
        swapped = as_numpy(keras.losses.tversky(T, P, alpha=0.7, beta=0.3, axis=1))
    got = losslab.get("focal_tversky", alpha=0.3, beta=0.7, gamma=0.75, smooth=0.0)(P, T, reduction="none")
    np.testing.assert_allclose(got, swapped**0.75, rtol=1e-12)


def test_per_class_masks_and_gamma_one_is_tversky() -> None:
    # (N, C, H, W) probabilities: each class's channel of each sample is one mask, the loss per (sample, class)
    probs = torch.softmax(torch.from_numpy(RNG.normal(0.0, 2.0, (2, 3, 4, 4))), dim=1).numpy()
    labels = RNG.integers(0, 3, (2, 4, 4))
    onehot = np.moveaxis(np.eye(3)[labels], -1, 1)
    per = losslab.get("focal_tversky")(probs.reshape(6, 16), onehot.reshape(6, 16), reduction="none").reshape(2, 3)
    ref = _paper(torch.from_numpy(probs.reshape(2, 3, 16)), torch.from_numpy(onehot.reshape(2, 3, 16)), 0.7, 0.3,
                 0.75, 1.0)
    np.testing.assert_allclose(per, ref.numpy(), rtol=1e-12)
    tversky = losslab.get("tversky", alpha=0.2, beta=0.8)
    focal = losslab.get("focal_tversky", alpha=0.2, beta=0.8, gamma=1.0)
    np.testing.assert_array_equal(focal(P, T, reduction="none"), tversky(P, T, reduction="none"))
    np.testing.assert_array_equal(focal.grad(P, T), tversky.grad(P, T))


@pytest.mark.parametrize("smooth", [0.0, 1.0])
def test_empty_masks(smooth: float) -> None:
    loss = losslab.get("focal_tversky", smooth=smooth)
    empty = np.zeros((1, 4))
    # an empty mask predicted empty scores 0 (as tversky: smooth / smooth, or 0/0 := 0), with gradient 0
    assert float(loss(empty, empty)) == 0.0
    assert not np.any(loss.grad(empty, empty))
    # predicted where the mask is empty: all false positives
    got = float(loss(np.full((1, 4), 0.5), empty))
    assert got == pytest.approx((0.3 * 2.0 / (0.3 * 2.0 + smooth)) ** 0.75, rel=1e-14)
    # a perfect mask: 0, and the gradient there is 0 (gamma < 1 has an infinite slope at 0, taken as 0)
    full = np.ones((1, 4))
    assert float(loss(full, full)) == 0.0 and not np.any(loss.grad(full, full))


def test_saturated_logits_against_mpmath() -> None:
    z = np.array([[500.0, -500.0, 40.0, -40.0], [-800.0, -800.0, -800.0, -800.0], [30.0, 30.0, -30.0, 0.0]])
    t = np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 1.0]])
    mpmath.mp.dps = 50

    def reference(row: np.ndarray, mask: np.ndarray) -> float:
        p = [1 / (1 + mpmath.exp(-mpmath.mpf(float(x)))) for x in row]
        tp = sum(a * b for a, b in zip(p, mask, strict=True))
        fp = sum(a * (1 - b) for a, b in zip(p, mask, strict=True))
        fn = sum((1 - a) * b for a, b in zip(p, mask, strict=True))
        return float(((0.3 * fp + 0.7 * fn) / (tp + 0.3 * fp + 0.7 * fn + 1)) ** mpmath.mpf(0.75))

    got = losslab.get("focal_tversky", from_logits=True)(z, t, reduction="none")
    np.testing.assert_allclose(got, [reference(r, m) for r, m in zip(z, t, strict=True)], rtol=1e-12)
    assert np.all(np.isfinite(losslab.get("focal_tversky", from_logits=True).grad(z, t)))
