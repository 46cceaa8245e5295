"""poly1 against optax.losses.poly_loss_cross_entropy (logits, one-hot and soft labels, several epsilon, value and
jax.grad), the probability path against torch autograd, and confident rows against mpmath."""

import mpmath
import numpy as np
import pytest

import losslab

from ._libraries import as_numpy, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(14)
Z = RNG.normal(0, 3, (8, 5))
ONEHOT = np.eye(5)[RNG.integers(0, 5, 8)]
SOFT = torch.softmax(torch.from_numpy(RNG.normal(0, 1, (8, 5))), dim=1).numpy()


@pytest.mark.parametrize("epsilon", [-1.0, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("target", [ONEHOT, SOFT], ids=["onehot", "soft"])
def test_against_optax(epsilon: float, target: np.ndarray) -> None:
    with x64() as jax:
        optax = pytest.importorskip("optax")
        jz, jt = jax.numpy.asarray(Z), jax.numpy.asarray(target)
        ref = as_numpy(optax.losses.poly_loss_cross_entropy(jz, jt, epsilon=epsilon))
        grad = as_numpy(jax.grad(lambda z: optax.losses.poly_loss_cross_entropy(z, jt, epsilon=epsilon).mean())(jz))
    loss = losslab.get("poly1", epsilon=epsilon, from_logits=True)
    np.testing.assert_allclose(loss(Z, target, reduction="none"), ref, rtol=1e-13)
    np.testing.assert_allclose(loss.grad(Z, target), grad, rtol=1e-11, atol=1e-15)
    assert float(loss(Z.astype(np.float32), target)) == pytest.approx(ref.mean(), rel=1e-5)


def test_probabilities_against_torch_autograd() -> None:
    p_np = torch.softmax(torch.from_numpy(Z), dim=1).numpy()
    p = torch.tensor(p_np, requires_grad=True)
    t = torch.from_numpy(ONEHOT)
    ref = (-(t * torch.log(p)).sum(1) + 2.0 * (t * (1 - p)).sum(1)).mean()
    (expected,) = torch.autograd.grad(ref, p)
    loss = losslab.get("poly1", epsilon=2.0)
    assert float(loss(p_np, ONEHOT)) == pytest.approx(float(ref), rel=1e-13)
    np.testing.assert_allclose(loss.grad(p_np, ONEHOT), expected.numpy(), rtol=1e-12)


def test_confident_rows_against_mpmath() -> None:
    z = np.array([[40.0, 0.0, -3.0], [0.0, 40.0, 0.0]])
    y = np.array([0, 0])
    with mpmath.workdps(60):
        def ref(row: np.ndarray, k: int) -> float:
            e = [mpmath.exp(mpmath.mpf(v)) for v in row]
            p = e[k] / mpmath.fsum(e)
            return float(-mpmath.log(p) + (1 - p))
        expected = [ref(z[0], 0), ref(z[1], 0)]
    np.testing.assert_allclose(losslab.get("poly1", from_logits=True)(z, y, reduction="none"), expected, rtol=1e-14)


@pytest.mark.parametrize("row", [[8.0, 0.0, 0.0], [6.0, 1.0, 0.0], [20.0, 0.0, 0.0], [2.0, 1.0, 0.0]])
def test_epsilon_minus_one_on_confident_rows_keeps_its_digits(row):
    """At ε = −1 poly-1 is log1p(s) − s/(1+s) ≈ s²/2 on a confident row: summed as a series, not subtracted."""
    mpmath.mp.dps = 50
    s = sum(mpmath.e ** (mpmath.mpf(v) - mpmath.mpf(row[0])) for v in row[1:])
    exact = float(mpmath.log(1 + s) - s / (1 + s))
    loss = losslab.get("poly1", from_logits=True, epsilon=-1.0)
    assert float(loss(np.array([row]), np.array([0]))) == pytest.approx(exact, rel=1e-14)
    assert float(loss(np.array([row], dtype=np.float32), np.array([0]))) == pytest.approx(exact, rel=1e-6)
