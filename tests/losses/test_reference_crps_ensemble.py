"""crps_ensemble (properscoring is not installed) against the direct O(M^2) formula in NumPy, SciPy's energy
distance (CRPS = energy_distance(x, [y])^2 / 2), the fair variant (Ferro 2014), mpmath at a large offset where a
naive sum cancels, gradients by torch autograd of the O(M^2) formula, ties and one member."""

import mpmath
import numpy as np
import pytest
from scipy.stats import energy_distance

import losslab
from losslab.errors import LossInputError

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(38)
X = RNG.normal(0.0, 1.0, (9, 7))
Y = RNG.normal(0.0, 1.0, 9)


def direct(x: np.ndarray, y: np.ndarray, fair: bool) -> np.ndarray:
    m = x.shape[1]
    spread = np.abs(x[:, :, None] - x[:, None, :]).sum(axis=(1, 2))
    return np.abs(x - y[:, None]).mean(axis=1) - spread / (2 * m * (m - 1) if fair else 2 * m * m)


@pytest.mark.parametrize("fair", [False, True])
def test_against_the_direct_formula_and_autograd(fair: bool) -> None:
    loss = losslab.get("crps_ensemble", fair=fair)
    np.testing.assert_allclose(loss(X, Y, reduction="none"), direct(X, Y, fair), rtol=1e-10, atol=1e-15)
    x = torch.tensor(X, requires_grad=True)
    m = X.shape[1]
    spread = (x[:, :, None] - x[:, None, :]).abs().sum(dim=(1, 2))
    ref = ((x - torch.from_numpy(Y)[:, None]).abs().mean(dim=1) - spread / (2 * m * (m - 1) if fair else 2 * m * m))
    (g,) = torch.autograd.grad(ref.mean(), x)
    np.testing.assert_allclose(loss.grad(X, Y), g.numpy(), rtol=1e-10, atol=1e-15)
    assert float(loss(X.astype(np.float32), Y.astype(np.float32))) == pytest.approx(
        float(direct(X, Y, fair).mean()), rel=1e-5)


def test_against_scipy_energy_distance() -> None:
    ours = losslab.crps_ensemble(X, Y, reduction="none")
    ref = [energy_distance(X[i], [Y[i]]) ** 2 / 2 for i in range(len(Y))]
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_large_offset_against_mpmath() -> None:
    """Members near 1e8 with spreads of 1e-3: the sort-based sum is centred first, so nothing cancels."""
    x = 1e8 + RNG.normal(0.0, 1e-3, (3, 5))
    y = np.full(3, 1e8) + 2e-3
    ours = losslab.crps_ensemble(x, y, reduction="none")
    mpmath.mp.dps = 40
    for i in range(3):
        xs = [mpmath.mpf(v) for v in x[i]]
        t = mpmath.fsum(abs(v - mpmath.mpf(y[i])) for v in xs) / 5
        s = mpmath.fsum(abs(a - b) for a in xs for b in xs) / 50
        assert float(ours[i]) == pytest.approx(float(t - s), rel=1e-8)


def test_ties_one_member_and_perfect() -> None:
    loss = losslab.get("crps_ensemble")
    assert float(loss([[2.0, 2.0, 2.0]], [2.0])) == 0.0  # every member right: 0
    np.testing.assert_allclose(float(loss([[1.0]], [3.0])), 2.0)  # one member: the absolute error
    g = loss.grad([[1.0, 1.0, 3.0]], [0.0])  # tied members: a valid subgradient, finite
    assert np.isfinite(g).all() and float(g.sum()) == pytest.approx(1.0, abs=1e-15)  # rank weights sum to 0
    with pytest.raises(LossInputError):
        losslab.crps_ensemble([[1.0]], [3.0], fair=True)
