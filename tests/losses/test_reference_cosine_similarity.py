"""cosine_similarity (Keras's sign: -cos) against keras.losses.cosine_similarity, optax.losses.cosine_similarity
(and cosine_distance = 1 - cos, ours + 1), torch.nn.functional.cosine_similarity and sklearn's pairwise cosine, with
gradients from jax.grad and torch autograd, zero vectors and the eps floor."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

import losslab

from ._libraries import as_numpy, keras_epsilon, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(20)
P, T = RNG.normal(0, 2, (7, 5)), RNG.normal(0, 1, (7, 5))
P[0] = 0.0  # a zero vector: 0 in every library, by their floors
P[1] = 1e-9


def test_against_keras_optax_torch_sklearn() -> None:
    loss = losslab.get("cosine_similarity")
    ours = loss(P, T, reduction="none")
    with keras_epsilon(1e-7) as keras:
        np.testing.assert_allclose(ours, as_numpy(keras.losses.cosine_similarity(T, P, axis=-1)), rtol=1e-13)
    with x64() as jax:
        optax = pytest.importorskip("optax")
        jp, jt = jax.numpy.asarray(P), jax.numpy.asarray(T)
        np.testing.assert_allclose(ours, -as_numpy(optax.losses.cosine_similarity(jp, jt, epsilon=1e-14)), rtol=1e-13)
        np.testing.assert_allclose(ours + 1, as_numpy(optax.losses.cosine_distance(jp, jt, epsilon=1e-14)), rtol=1e-13)
        grad = as_numpy(jax.grad(lambda p: -optax.losses.cosine_similarity(p, jt, epsilon=1e-14).sum())(jp))
    np.testing.assert_allclose(loss.grad(P, T, reduction="sum"), grad, rtol=1e-11, atol=1e-12)
    ref = -torch.nn.functional.cosine_similarity(torch.from_numpy(P[2:]), torch.from_numpy(T[2:]), eps=1e-7)
    np.testing.assert_allclose(ours[2:], ref.numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours[2:], -np.diag(cosine_similarity(P[2:], T[2:])), rtol=1e-13)
    assert float(loss(P.astype(np.float32), T)) == pytest.approx(float(np.mean(ours)), rel=1e-5)


def test_grad_against_torch_autograd_and_the_range() -> None:
    p = torch.tensor(P[2:], requires_grad=True)
    ref = -torch.nn.functional.cosine_similarity(p, torch.from_numpy(T[2:]), eps=1e-7).mean()
    (g,) = torch.autograd.grad(ref, p)
    np.testing.assert_allclose(losslab.get("cosine_similarity").grad(P[2:], T[2:]), g.numpy(), rtol=1e-12)
    loss = losslab.get("cosine_similarity")
    assert float(loss([1.0, 2.0], [2.0, 4.0])) == pytest.approx(-1.0, rel=1e-15)
    assert float(loss([1.0, 2.0], [-2.0, -4.0])) == pytest.approx(1.0, rel=1e-15)
    assert float(loss([1.0, 0.0], [0.0, 3.0])) == 0.0
