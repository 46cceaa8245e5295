"""contrastive against a torch autograd formula on F.pairwise_distance (TensorFlow Addons' convention: y = 1
similar, no halves), Hadsell et al.'s halved form with y = 1 - Y, and the d = 0 edge."""

import numpy as np
import pytest

import losslab

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(34)
X1, X2 = RNG.normal(0.0, 1.0, (10, 3)), RNG.normal(0.0, 1.0, (10, 3))
Y = RNG.integers(0, 2, 10).astype(np.float64)


def torch_contrastive(x1, x2, y, margin):  # type: ignore[no-untyped-def]
    d = F.pairwise_distance(x1, x2)  # ||x1 - x2 + 1e-6||
    return y * d**2 + (1 - y) * torch.relu(margin - d) ** 2


@pytest.mark.parametrize("margin", [1.0, 2.5])
def test_against_torch(margin: float) -> None:
    t1, t2 = torch.tensor(X1, requires_grad=True), torch.tensor(X2, requires_grad=True)
    per = torch_contrastive(t1, t2, torch.from_numpy(Y), margin)
    g1, g2 = torch.autograd.grad(per.mean(), (t1, t2))
    loss = losslab.get("contrastive", margin=margin)
    np.testing.assert_allclose(loss(X1, X2, y=Y, reduction="none"), per.detach().numpy(), rtol=1e-10)
    g = loss.grad(X1, X2, y=Y, wrt=["pred", "target"])
    np.testing.assert_allclose(g["pred"], g1.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g["target"], g2.numpy(), rtol=1e-10, atol=1e-14)
    f32 = torch_contrastive(*(torch.tensor(x, dtype=torch.float32) for x in (X1, X2, Y)), margin).mean()
    assert float(loss(X1.astype(np.float32), X2.astype(np.float32), y=Y)) == pytest.approx(float(f32), rel=1e-5)


def test_hadsell_convention_is_half_with_flipped_labels() -> None:
    """Hadsell et al. (2006): L = (1 - Y) D^2 / 2 + Y max(0, m - D)^2 / 2 with Y = 1 for a dissimilar pair."""
    d = np.linalg.norm(X1 - X2 + 1e-6, axis=1)
    big_y = 1.0 - Y
    hadsell = (1 - big_y) * d**2 / 2 + big_y * np.maximum(0.0, 1.0 - d) ** 2 / 2
    np.testing.assert_allclose(losslab.contrastive(X1, X2, y=Y, reduction="none") / 2, hadsell, rtol=1e-12)


def test_equal_vectors() -> None:
    loss = losslab.get("contrastive", eps=0.0)
    assert float(loss([[1.0, 2.0]], [[1.0, 2.0]], y=[1.0])) == 0.0
    assert float(loss([[1.0, 2.0]], [[1.0, 2.0]], y=[0.0])) == 1.0  # d = 0: the full margin squared
    np.testing.assert_array_equal(loss.grad([[1.0, 2.0]], [[1.0, 2.0]], y=[0.0]), [[0.0, 0.0]])
