"""soft_jaccard (1 - soft IoU) against optax's dice_loss with alpha = beta = 1, sklearn's jaccard_score on hard
masks, torch autograd, near-perfect masks against mpmath (no cancellation in 1 - ratio), and empty masks."""

import mpmath
import numpy as np
import pytest
from sklearn.metrics import jaccard_score

import losslab

from ._libraries import as_numpy, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(19)
P, T = RNG.uniform(0, 1, (6, 10)), RNG.integers(0, 2, (6, 10)).astype(float)


def test_against_optax_and_sklearn() -> None:
    z = RNG.normal(0, 2, (6, 10))
    with x64() as jax:
        optax = pytest.importorskip("optax")
        ref = as_numpy(optax.losses.dice_loss(jax.numpy.asarray(z[..., None]), jax.numpy.asarray(T[..., None]),
                                              alpha=1.0, beta=1.0, smooth=0.5, reduction="none"))[:, 0]
    np.testing.assert_allclose(losslab.get("soft_jaccard", smooth=0.5, from_logits=True)(z, T, reduction="none"), ref,
                               rtol=1e-12)
    hard = (P > 0.5).astype(float)
    expected = [1 - jaccard_score(t, p) for p, t in zip(hard, T, strict=True)]
    np.testing.assert_allclose(losslab.get("soft_jaccard", smooth=0.0)(hard, T, reduction="none"), expected,
                               rtol=1e-14)


def test_grad_against_torch_and_near_perfect_masks() -> None:
    p = torch.tensor(P, requires_grad=True)
    t = torch.from_numpy(T)
    inter = (p * t).sum(1)
    ref = (1 - (inter + 1) / (p.sum(1) + t.sum(1) - inter + 1)).mean()
    (g,) = torch.autograd.grad(ref, p)
    loss = losslab.get("soft_jaccard")
    np.testing.assert_allclose(loss.grad(P, T), g.numpy(), rtol=1e-12, atol=1e-16)
    assert float(loss(P.astype(np.float32), T)) == pytest.approx(float(ref), rel=1e-5)
    near = np.where(T > 0, 1 - 1e-12, 1e-12)
    with mpmath.workdps(50):
        def ref_row(p_row: np.ndarray, t_row: np.ndarray) -> float:
            ps = [mpmath.mpf(x) for x in p_row]
            i = mpmath.fsum(a * b for a, b in zip(ps, t_row, strict=True))
            return float(1 - (i + 1) / (mpmath.fsum(ps) + sum(t_row) - i + 1))
        expected = [ref_row(a, b) for a, b in zip(near, T, strict=True)]
    np.testing.assert_allclose(loss(near, T, reduction="none"), expected, rtol=1e-10)  # 1 - ratio: only 1e-4


def test_empty_masks() -> None:
    empty = np.zeros(6)
    assert float(losslab.get("soft_jaccard", smooth=0.0)(empty, empty)) == 0.0
    assert float(losslab.get("soft_jaccard")(empty, empty)) == 0.0
