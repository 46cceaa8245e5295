"""sparsemax against optax.losses.multiclass_sparsemax_loss (integer labels, value and jax.grad) and
optax.projections.projection_simplex (the probabilities), the paper's formula in mpmath (soft targets, ties,
near-perfect rows where the textbook form cancels, scores of +-1e6), and the gradient sparsemax(z) - t."""

import mpmath
import numpy as np
import pytest

import losslab
from losslab.losses.sparse import sparsemax

from ._libraries import as_numpy, x64

RNG = np.random.default_rng(171)
Z = RNG.normal(0.0, 2.0, (9, 5))
Y = RNG.integers(0, 5, 9)
TIES = np.array([[0.0, 0.0, 0.0], [2.0, 2.0, -1.0], [1.0, 0.0, -5.0], [0.5, 0.0, -0.5], [500.0, 500.0, 0.0],
                 [800.0, 0.0, -800.0], [1e6, 1e6 - 0.5, -1e6]])


def _mp_loss(z: np.ndarray, q: np.ndarray) -> float:
    """The paper's eq. 16, -q.z + 1/2 sum_S (z_j^2 - tau^2) + 1/2 ||q||^2, in 60-digit arithmetic."""
    mpmath.mp.dps = 60
    zs = [mpmath.mpf(float(x)) for x in z]
    ordered = sorted(zs, reverse=True)
    k, cum = 0, mpmath.mpf(0)
    for j, x in enumerate(ordered, 1):
        if not 1 + j * x > cum + x:
            break
        k, cum = j, cum + x
    tau = (cum - 1) / k
    qs = [mpmath.mpf(float(x)) for x in q]
    value = -sum(a * b for a, b in zip(qs, zs, strict=True)) + sum(a * a for a in qs) / 2
    value += sum(x * x - tau * tau for x in zs if x > tau) / 2
    return float(value)


def test_against_optax_labels() -> None:
    with x64() as jax:
        optax = pytest.importorskip("optax")
        jz, jy = jax.numpy.asarray(Z), jax.numpy.asarray(Y)
        ref = as_numpy(optax.losses.multiclass_sparsemax_loss(jz, jy))
        grad = as_numpy(jax.grad(lambda z: optax.losses.multiclass_sparsemax_loss(z, jy).mean())(jz))
        probs = as_numpy(jax.vmap(optax.projections.projection_simplex)(jz))
    loss = losslab.get("sparsemax")
    np.testing.assert_allclose(loss(Z, Y, reduction="none"), ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(loss.grad(Z, Y), grad, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(loss(Z, np.eye(5)[Y], reduction="none"), ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sparsemax(np, Z), probs, atol=1e-14)
    np.testing.assert_allclose(loss.grad(Z, Y, reduction="sum"), probs - np.eye(5)[Y], atol=1e-14)
    assert float(loss(Z.astype(np.float32), Y)) == pytest.approx(float(ref.mean()), rel=1e-5)


@pytest.mark.parametrize("rows", [TIES, Z], ids=["ties-saturated", "random"])
def test_against_mpmath_with_soft_targets(rows: np.ndarray) -> None:
    c = rows.shape[1]
    soft = np.abs(np.sin(np.arange(rows.size).reshape(rows.shape))) + 0.1
    soft = soft / soft.sum(axis=1, keepdims=True)
    for target in (soft, np.eye(c)[np.arange(len(rows)) % c]):
        got = losslab.get("sparsemax")(rows, target, reduction="none")
        ref = [_mp_loss(z, q) for z, q in zip(rows, target, strict=True)]
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
        p = sparsemax(np, rows)
        assert np.all(p >= 0) and np.allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        np.testing.assert_allclose(losslab.get("sparsemax").grad(rows, target, reduction="sum"), p - target,
                                   atol=1e-15)


@pytest.mark.parametrize("delta", [1e-3, 1e-6, 1e-8, 1e-12])
def test_near_perfect_rows_keep_their_digits(delta: float) -> None:
    # z = [0, -1 + delta]: the runner-up just enters the support; the loss is delta^2 / 4, which the textbook form
    # -q.z + 1/2 sum (z^2 - tau^2) + 1/2 computes as -1/2 + delta^2/4 + 1/2: every digit lost below delta ~ 1e-8
    z = np.array([[0.0, -1.0 + delta], [1e6, 1e6 - 1.0 + delta]])
    got = losslab.get("sparsemax")(z, np.array([0, 0]), reduction="none")
    exact = _mp_loss(np.array([0.0, -1.0 + delta]), np.array([1.0, 0.0]))
    # the error is that of the gap delta (a few ulps of 1), times delta: relative 1e-16 / delta, where the
    # textbook form is off by 1e-16 absolute (all of the value from delta = 1e-8 on)
    assert abs(got[0] - exact) <= 1e-15 * delta
    # at 1e6 the score itself carries 1e-10 of rounding, the gap delta only to that absolute precision
    assert abs(got[1] - exact) <= 1e-9 * delta


def test_zero_exactly_at_a_margin_of_one_and_one_class() -> None:
    loss = losslab.get("sparsemax")
    z = np.array([[2.0, 1.0, -3.0], [5.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(loss(z, np.array([0, 0, 0]), reduction="none"), [0.0, 0.0, 0.0])
    assert float(loss(np.array([[3.0]]), np.array([0]))) == 0.0
    np.testing.assert_array_equal(loss.grad(np.array([[3.0]]), np.array([0])), [[0.0]])


def test_torch_autograd_at_the_support_edge() -> None:
    torch = pytest.importorskip("torch")
    z = torch.tensor([[1.0, 0.0, -5.0], [0.0, 0.0, 0.0], [800.0, 0.0, -800.0]], dtype=torch.float64,
                     requires_grad=True)
    y = torch.tensor([1, 2, 2])
    loss = losslab.get("sparsemax")
    (g,) = torch.autograd.grad(loss(z, y), z)
    np.testing.assert_allclose(g.numpy(), loss.grad(z.detach().numpy(), y.numpy()), atol=1e-15)
    # class 1 sits exactly on the edge of the support in row 0: the gradient is still sparsemax(z) - t
    np.testing.assert_allclose(g.numpy()[0] * 3, [1.0, -1.0, 0.0], atol=1e-15)
