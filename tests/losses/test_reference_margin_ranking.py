"""margin_ranking against torch.nn.MarginRankingLoss (margins, reductions, weights, gradients of x1 and x2 by
autograd, float32) and the corner y (x1 - x2) = margin with the subgradient 0."""

import numpy as np
import pytest

import losslab

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(32)
X1, X2 = RNG.normal(0.0, 1.0, (10, 3)), RNG.normal(0.0, 1.0, (10, 3))
Y = RNG.choice([-1.0, 1.0], (10, 3))


@pytest.mark.parametrize("margin", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_against_torch(margin: float, reduction: str) -> None:
    t1, t2 = torch.tensor(X1, requires_grad=True), torch.tensor(X2, requires_grad=True)
    ref = torch.nn.MarginRankingLoss(margin=margin, reduction=reduction)(t1, t2, torch.from_numpy(Y))
    g1, g2 = torch.autograd.grad(ref.sum(), (t1, t2))
    loss = losslab.get("margin_ranking", margin=margin)
    # an example is a row of 3 pairs and its loss their mean (every elementwise loss): PyTorch's "sum" adds the
    # elements, "none" keeps them
    k = 1.0 if reduction == "mean" else 3.0
    expected = ref.detach().numpy()
    expected = expected.mean(axis=1) if reduction == "none" else expected / k
    np.testing.assert_allclose(loss(X1, X2, y=Y, reduction=reduction), expected, rtol=1e-10)
    g = loss.grad(X1, X2, y=Y, reduction=reduction, wrt=["pred", "target"])
    np.testing.assert_allclose(g["pred"] * k, g1.numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(g["target"] * k, g2.numpy(), rtol=1e-10, atol=1e-15)
    f32 = torch.nn.MarginRankingLoss(margin=margin)(*(torch.tensor(x, dtype=torch.float32) for x in (X1, X2, Y)))
    assert float(loss(X1.astype(np.float32), X2.astype(np.float32), y=Y)) == pytest.approx(float(f32), rel=1e-5)
    flat = torch.nn.MarginRankingLoss(margin=margin, reduction=reduction)(
        *(torch.from_numpy(x.ravel()) for x in (X1, X2, Y)))  # one pair per example: the same reductions
    np.testing.assert_allclose(loss(X1.ravel(), X2.ravel(), y=Y.ravel(), reduction=reduction), flat.numpy(),
                               rtol=1e-10)


def test_weighted_mean_and_corner() -> None:
    w = RNG.uniform(0.5, 2.0, 10)
    per = losslab.margin_ranking(X1, X2, y=Y, margin=0.3, reduction="none")
    assert float(losslab.margin_ranking(X1, X2, y=Y, margin=0.3, sample_weight=w)) == pytest.approx(
        float(np.average(per, weights=w)), rel=1e-14)
    loss = losslab.get("margin_ranking", margin=1.0)
    assert float(loss([2.0], [1.0], y=[1.0])) == 0.0  # exactly on the corner
    np.testing.assert_array_equal(loss.grad([2.0], [1.0], y=[1.0]), [0.0])
