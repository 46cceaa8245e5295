"""cosine_embedding against torch.nn.CosineEmbeddingLoss (margins, reductions, gradients of x1 and x2 by autograd,
float32), zero vectors (cos = 0 by PyTorch's eps) and one pair given as (D,) vectors."""

import numpy as np
import pytest

import losslab

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(33)
X1, X2 = RNG.normal(0.0, 1.0, (9, 4)), RNG.normal(0.0, 1.0, (9, 4))
X1[0] *= 1e-3  # a short vector (a zero one is in the edge test: its gradient is x2 / 1e-6)
Y = RNG.choice([-1.0, 1.0], 9)


@pytest.mark.parametrize("margin", [0.0, 0.3, -0.5])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_against_torch(margin: float, reduction: str) -> None:
    t1, t2 = torch.tensor(X1, requires_grad=True), torch.tensor(X2, requires_grad=True)
    ref = torch.nn.CosineEmbeddingLoss(margin=margin, reduction=reduction)(t1, t2, torch.from_numpy(Y))
    g1, g2 = torch.autograd.grad(ref.sum(), (t1, t2))
    loss = losslab.get("cosine_embedding", margin=margin)
    np.testing.assert_allclose(loss(X1, X2, y=Y, reduction=reduction), ref.detach().numpy(), rtol=1e-10)
    g = loss.grad(X1, X2, y=Y, reduction=reduction, wrt=["pred", "target"])
    np.testing.assert_allclose(g["pred"], g1.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g["target"], g2.numpy(), rtol=1e-10, atol=1e-14)
    f32 = torch.nn.CosineEmbeddingLoss(margin=margin, reduction=reduction)(
        *(torch.tensor(x, dtype=torch.float32) for x in (X1, X2, Y)))
    np.testing.assert_allclose(loss(X1.astype(np.float32), X2.astype(np.float32), y=Y, reduction=reduction),
                               f32.numpy(), rtol=1e-5, atol=1e-6)


def test_one_pair_and_zero_vector() -> None:
    loss = losslab.get("cosine_embedding")
    assert float(loss([1.0, 0.0], [2.0, 0.0], y=1.0)) == pytest.approx(0.0, abs=1e-12)  # PyTorch's eps 1e-12
    assert float(loss([1.0, 0.0], [-2.0, 0.0], y=-1.0)) == 0.0
    assert float(loss([0.0, 0.0], [1.0, 0.0], y=1.0)) == 1.0  # a zero vector has cos 0


def test_near_parallel_pairs_keep_float32_digits() -> None:
    """1 - cos for cos = 0.9999 and 1 - 9e-8: written as (|a - b|^2 + eps terms) / 2, float32 keeps 4 to 5 digits
    where 1 - cos in float32 keeps one or none; float64 checked against mpmath."""
    import mpmath

    x1 = np.array([[1.0, 0.0, 0.0], [3.0, 4.0, 0.0]])
    x2 = x1 + np.array([[0.0, 0.014, 0.0], [1e-3, 0.0, -2e-3]])
    mpmath.mp.dps = 40
    exact = []
    for u, v in zip(x1, x2, strict=True):
        s = mpmath.fsum(mpmath.mpf(p) * q for p, q in zip(u, v, strict=True))
        m1 = mpmath.fsum(mpmath.mpf(p) ** 2 for p in u) + mpmath.mpf(1e-12)
        m2 = mpmath.fsum(mpmath.mpf(q) ** 2 for q in v) + mpmath.mpf(1e-12)
        exact.append(float(1 - s / mpmath.sqrt(m1 * m2)))
    loss = losslab.get("cosine_embedding")
    y = np.ones(2)
    np.testing.assert_allclose(loss(x1, x2, y=y, reduction="none"), exact, rtol=1e-10)
    ours32 = loss(x1.astype(np.float32), x2.astype(np.float32), y=y, reduction="none")
    exact32 = [float(e) for e in loss(x1.astype(np.float32).astype(float), x2.astype(np.float32).astype(float), y=y,
                                      reduction="none")]
    np.testing.assert_allclose(ours32, exact32, rtol=1e-4)  # 1 - cos = 9.3e-8 in the second row
    naive = 1.0 - np.sum(x1 * x2, axis=1).astype(np.float32) / np.float32(1.0) / (
        np.linalg.norm(x1, axis=1) * np.linalg.norm(x2, axis=1)).astype(np.float32)
    assert abs(float(naive[1]) - exact32[1]) / exact32[1] > 0.1  # what float32's 1 - cos would have given
