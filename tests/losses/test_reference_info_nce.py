"""info_nce against a torch autograd implementation (cross-entropy over the N x N matrix of cosines / temperature,
both embeddings differentiated), optax's softmax cross-entropy on the same logits, sample weights, float32, and
mpmath at a small temperature where the loss is tiny (its relative precision)."""

import mpmath
import numpy as np
import pytest

import losslab

from ._libraries import as_numpy, x64

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(35)
A = RNG.normal(0.0, 1.0, (8, 5))
P = A + 0.7 * RNG.normal(0.0, 1.0, (8, 5))
W = RNG.uniform(0.2, 2.0, 8)


def torch_info_nce(a, p, t):  # type: ignore[no-untyped-def]
    logits = F.normalize(a) @ F.normalize(p).T / t
    return F.cross_entropy(logits, torch.arange(a.shape[0]), reduction="none")


@pytest.mark.parametrize("temperature", [0.05, 0.1, 1.0])
def test_against_torch(temperature: float) -> None:
    ta, tp = torch.tensor(A, requires_grad=True), torch.tensor(P, requires_grad=True)
    per = torch_info_nce(ta, tp, temperature)
    ref = (per * torch.from_numpy(W)).sum() / W.sum()
    ga, gp = torch.autograd.grad(ref, (ta, tp))
    loss = losslab.get("info_nce", temperature=temperature)
    np.testing.assert_allclose(loss(A, P, reduction="none"), per.detach().numpy(), rtol=1e-10)
    assert float(loss(A, P, sample_weight=W)) == pytest.approx(float(ref), rel=1e-10)
    g = loss.grad(A, P, sample_weight=W, wrt=["pred", "target"])
    np.testing.assert_allclose(g["pred"], ga.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g["target"], gp.numpy(), rtol=1e-10, atol=1e-14)
    f32 = torch_info_nce(torch.tensor(A, dtype=torch.float32), torch.tensor(P, dtype=torch.float32),
                         temperature).mean()
    assert float(loss(A.astype(np.float32), P.astype(np.float32))) == pytest.approx(float(f32), rel=1e-5)


def test_against_optax() -> None:
    with x64() as jax:
        optax = pytest.importorskip("optax")
        jnp = jax.numpy
        a = jnp.asarray(A) / jnp.linalg.norm(A, axis=1, keepdims=True)
        p = jnp.asarray(P) / jnp.linalg.norm(P, axis=1, keepdims=True)
        ref = as_numpy(optax.losses.softmax_cross_entropy_with_integer_labels(a @ p.T / 0.1, jnp.arange(8)))
    np.testing.assert_allclose(losslab.info_nce(A, P, reduction="none"), ref, rtol=1e-10)


def test_tiny_losses_against_mpmath() -> None:
    """Well separated pairs at temperature 0.02: each loss is about e^-60, kept to full relative precision."""
    a = np.eye(4)
    p = np.eye(4) + 1e-3 * np.arange(16).reshape(4, 4) / 16
    ours = losslab.info_nce(a, p, temperature=0.02, reduction="none")
    mpmath.mp.dps = 50
    for i in range(4):
        cos = [mpmath.fsum(mpmath.mpf(a[i, k]) * p[j, k] for k in range(4))
               / (mpmath.sqrt(mpmath.fsum(mpmath.mpf(x) ** 2 for x in a[i]))
                  * mpmath.sqrt(mpmath.fsum(mpmath.mpf(x) ** 2 for x in p[j]))) for j in range(4)]
        s = [c / mpmath.mpf("0.02") for c in cos]
        exact = mpmath.log(mpmath.fsum(mpmath.exp(x - s[i]) for x in s))
        assert float(ours[i]) == pytest.approx(float(exact), rel=1e-10)
    assert np.all(ours > 0) and np.all(ours < 1e-20)


def test_one_pair_and_ties() -> None:
    assert float(losslab.info_nce([[1.0, 2.0]], [[3.0, -1.0]])) == 0.0  # no negatives
    same = np.ones((3, 2))  # all cosines tie: log 3 for everyone, and no direction to move in
    np.testing.assert_allclose(losslab.info_nce(same, same, reduction="none"), np.log(3.0), rtol=1e-15)
    np.testing.assert_allclose(losslab.get("info_nce").grad(same, same), 0.0, atol=1e-15)
