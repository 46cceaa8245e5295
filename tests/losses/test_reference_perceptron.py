"""perceptron against optax.losses.perceptron_loss and sklearn's SGD Hinge(threshold=0) (the loss of
sklearn.linear_model.Perceptron), with the subgradient 0 on the boundary z = 0 (autograd agrees)."""

import numpy as np
import pytest

import losslab

from ._libraries import as_numpy, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(10)
Z, Y = RNG.normal(0, 2, 40), RNG.choice([-1.0, 1.0], 40)


def test_against_optax() -> None:
    with x64() as jax:
        optax = pytest.importorskip("optax")
        ref = as_numpy(optax.losses.perceptron_loss(jax.numpy.asarray(Z), jax.numpy.asarray(Y)))
        grad = as_numpy(jax.grad(lambda z: optax.losses.perceptron_loss(z, jax.numpy.asarray(Y)).sum())(
            jax.numpy.asarray(Z)))
    loss = losslab.get("perceptron")
    np.testing.assert_allclose(loss(Z, Y, reduction="none"), ref, rtol=1e-15, atol=0)
    np.testing.assert_allclose(loss.grad(Z, Y, reduction="sum"), grad, rtol=1e-15, atol=0)


def test_against_sklearn_sgd_loss() -> None:
    sgd = pytest.importorskip("sklearn.linear_model._sgd_fast")
    hinge0 = sgd.Hinge(0.0)
    if not hasattr(hinge0, "py_loss"):
        pytest.skip("this scikit-learn does not expose its SGD losses to Python")
    loss = losslab.get("perceptron")
    np.testing.assert_allclose(loss(Z, Y, reduction="none"), [hinge0.py_loss(z, y) for z, y in zip(Z, Y, strict=True)],
                               rtol=1e-15)
    np.testing.assert_allclose(loss.grad(Z, Y, reduction="sum"),
                               [hinge0.py_dloss(z, y) for z, y in zip(Z, Y, strict=True)], rtol=1e-15)


def test_boundary_and_autograd() -> None:
    z = torch.tensor([0.0, 0.0, 1e-300, -1e-300], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([1.0, -1.0, 1.0, 1.0], dtype=torch.float64)
    loss = losslab.get("perceptron")
    (got,) = torch.autograd.grad(loss(z, y, reduction="sum"), z)
    np.testing.assert_array_equal(got.numpy(), [0.0, 0.0, 0.0, -1.0])
    np.testing.assert_array_equal(loss.grad(z.detach().numpy(), y.numpy(), reduction="sum"), [0.0, 0.0, 0.0, -1.0])
