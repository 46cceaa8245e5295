"""minkowski (mean |error|^p) against scipy.spatial.distance.minkowski (its p-th power over n elements), mae and
mse at p = 1 and 2, a 50-digit mpmath derivative, and torch autograd at the kink e = 0."""

import mpmath
import numpy as np
import pytest
from scipy.spatial.distance import minkowski

import losslab

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
P, T = RNG.normal(0, 2, 30), RNG.normal(0, 2, 30)


@pytest.mark.parametrize("p", [1.0, 1.3, 2.0, 3.0, 4.5])
def test_against_scipy_and_mpmath(p: float) -> None:
    loss = losslab.get("minkowski", p=p)
    assert float(loss(P, T)) == pytest.approx(minkowski(P, T, p) ** p / P.size, rel=1e-12)
    assert float(loss(P.astype(np.float32), T.astype(np.float32))) == pytest.approx(
        minkowski(P, T, p) ** p / P.size, rel=1e-5)
    with mpmath.workdps(50):
        slope = [float(mpmath.diff(lambda x, b=b: abs(x - b) ** p, mpmath.mpf(a))) for a, b in zip(P, T, strict=True)]
    np.testing.assert_allclose(loss.grad(P, T, reduction="sum"), slope, rtol=1e-13)


def test_limits_are_mae_and_mse() -> None:
    assert float(losslab.get("minkowski", p=1.0)(P, T)) == pytest.approx(float(losslab.mae(P, T)), rel=1e-15)
    assert float(losslab.get("minkowski", p=2.0)(P, T)) == pytest.approx(float(losslab.mse(P, T)), rel=1e-15)


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0])
def test_autograd_at_zero_error(p: float) -> None:
    x = torch.tensor([0.0, 1.0, -2.0], dtype=torch.float64, requires_grad=True)
    loss = losslab.get("minkowski", p=p)
    (got,) = torch.autograd.grad(loss(x, torch.zeros(3, dtype=torch.float64), reduction="sum"), x)
    np.testing.assert_allclose(got.numpy(), loss.grad(x.detach().numpy(), np.zeros(3), reduction="sum"), rtol=1e-15)
    assert got[0] == 0.0  # the subgradient 0 at e = 0, also for p = 1


def test_p_below_one_is_refused() -> None:
    with pytest.raises(losslab.LossInputError, match=">= 1"):
        losslab.get("minkowski", p=0.5)
