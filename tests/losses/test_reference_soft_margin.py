"""soft_margin against torch.nn.SoftMarginLoss (value and autograd, float64 and float32), 0/1 labels read as -1/+1,
and huge margins against mpmath (log(1 + e^-500) is 7e-218, not 0)."""

import mpmath
import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(9)
Z, Y = RNG.normal(0, 3, (12, 3)), RNG.choice([-1.0, 1.0], (12, 3))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_against_torch(reduction: str) -> None:
    z = torch.tensor(Z, requires_grad=True)
    ref = torch.nn.SoftMarginLoss(reduction=reduction)(z, torch.from_numpy(Y))
    (expected,) = torch.autograd.grad(ref, z)
    loss = losslab.get("soft_margin")
    # torch averages over every element; ours over the elements of an example, then over examples: the same here
    assert float(loss(Z, Y, reduction=reduction)) * (3 if reduction == "sum" else 1) == pytest.approx(
        float(ref), rel=1e-14)
    np.testing.assert_allclose(loss.grad(Z, Y, reduction=reduction) * (3 if reduction == "sum" else 1),
                               expected.numpy(), rtol=1e-12, atol=1e-300)
    z32 = torch.tensor(Z, dtype=torch.float32)
    ref32 = torch.nn.SoftMarginLoss()(z32, torch.from_numpy(Y).float())
    assert float(loss(Z.astype(np.float32), Y)) == pytest.approx(float(ref32), rel=1e-5)
    assert float(loss(Z, (Y + 1) / 2)) == float(loss(Z, Y))  # 0/1 labels


def test_huge_margins_against_mpmath() -> None:
    z = np.array([500.0, -500.0, 30.0, 0.0])
    with mpmath.workdps(50):
        ref = [float(mpmath.log1p(mpmath.exp(-mpmath.mpf(x)))) for x in z]
    np.testing.assert_allclose(losslab.get("soft_margin")(z, np.ones(4), reduction="none"), ref, rtol=1e-14)


def test_labels_must_be_signs() -> None:
    with pytest.raises(LossInputError, match="-1, \\+1"):
        losslab.soft_margin([1.0, 2.0], [0.5, 1.0])
