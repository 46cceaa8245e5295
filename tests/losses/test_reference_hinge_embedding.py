"""hinge_embedding against torch.nn.HingeEmbeddingLoss (margins, reductions, autograd, float32), the corner
d = margin with the subgradient 0, 0/1 labels read as -1/+1, and distances below 0 refused with a hint."""

import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(12)
D, Y = RNG.uniform(0, 3, (10, 3)), RNG.choice([-1.0, 1.0], (10, 3))


@pytest.mark.parametrize("margin", [0.5, 1.0, 2.0])
def test_against_torch(margin: float) -> None:
    d = torch.tensor(D, requires_grad=True)
    ref = torch.nn.HingeEmbeddingLoss(margin=margin)(d, torch.from_numpy(Y))
    (expected,) = torch.autograd.grad(ref, d)
    loss = losslab.get("hinge_embedding", margin=margin)
    assert float(loss(D, Y)) == pytest.approx(float(ref), rel=1e-14)
    np.testing.assert_allclose(loss.grad(D, Y), expected.numpy(), rtol=1e-14, atol=1e-300)
    ref32 = torch.nn.HingeEmbeddingLoss(margin=margin)(torch.tensor(D, dtype=torch.float32),
                                                       torch.from_numpy(Y).float())
    assert float(loss(D.astype(np.float32), Y)) == pytest.approx(float(ref32), rel=1e-5)
    assert float(loss(D, (Y + 1) / 2)) == float(loss(D, Y))


def test_the_corner_and_autograd() -> None:
    d = torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([-1.0, 1.0, -1.0], dtype=torch.float64)
    loss = losslab.get("hinge_embedding")
    (got,) = torch.autograd.grad(loss(d, y, reduction="sum"), d)
    np.testing.assert_array_equal(got.numpy(), [0.0, 1.0, -1.0])
    np.testing.assert_array_equal(loss.grad(d.detach().numpy(), y.numpy(), reduction="sum"), [0.0, 1.0, -1.0])


def test_negative_distances_are_refused() -> None:
    with pytest.raises(LossInputError, match="distance"):
        losslab.hinge_embedding([-0.5, 1.0], [1.0, -1.0])
