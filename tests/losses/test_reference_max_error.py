"""max_error against sklearn.metrics.max_error (one output), the subgradient against torch autograd through
torch.amax (ties split evenly), weights as example counts (0 leaves one out), several outputs averaged, the other
array libraries, and the errors."""

import numpy as np
import pytest

import losslab
from losslab import LossInputError

sklearn_metrics = pytest.importorskip("sklearn.metrics")
torch = pytest.importorskip("torch")

RNG = np.random.default_rng(175)
P, T = RNG.normal(0.0, 2.0, 40), RNG.normal(0.0, 2.0, 40)


def test_against_sklearn_and_torch() -> None:
    loss = losslab.get("max_error")
    assert float(loss(P, T)) == sklearn_metrics.max_error(T, P)
    np.testing.assert_array_equal(loss(P, T, reduction="none"), np.abs(P - T))
    p = torch.tensor(P, requires_grad=True)
    ref = (p - torch.from_numpy(T)).abs().amax()
    (g,) = torch.autograd.grad(ref, p)
    np.testing.assert_array_equal(loss.grad(P, T), g.numpy())
    assert float(loss(P.astype(np.float32), T.astype(np.float32))) == pytest.approx(float(ref.detach()), rel=1e-6)


def test_ties_share_the_subgradient_as_amax() -> None:
    p = np.array([3.0, -3.0, 1.0, 0.0, 3.0])
    t = np.zeros(5)
    loss = losslab.get("max_error")
    pt = torch.tensor(p, requires_grad=True)
    (g,) = torch.autograd.grad(pt.abs().amax(), pt)
    np.testing.assert_allclose(loss.grad(p, t), g.numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(loss.grad(p, t), [1 / 3, -1 / 3, 0.0, 0.0, 1 / 3])
    # a perfect fit: the max is 0 and so is its subgradient (sign(0) = 0, as mae)
    assert float(loss(t, t)) == 0.0 and not np.any(loss.grad(t, t))


def test_weights_count_examples_and_outputs_average() -> None:
    loss = losslab.get("max_error")
    w = np.ones(40)
    worst = int(np.argmax(np.abs(P - T)))
    w[worst] = 0.0
    assert float(loss(P, T, sample_weight=w)) == sklearn_metrics.max_error(np.delete(T, worst), np.delete(P, worst))
    assert float(loss(P, T, sample_weight=3.5 * w)) == float(loss(P, T, sample_weight=w))
    p2, t2 = P.reshape(20, 2), T.reshape(20, 2)
    per_output = [sklearn_metrics.max_error(t2[:, j], p2[:, j]) for j in range(2)]
    assert float(loss(p2, t2)) == pytest.approx(np.mean(per_output), rel=1e-15)
    with pytest.raises(LossInputError, match="positive total weight"):
        loss(P, T, sample_weight=np.zeros(40))
    with pytest.raises(LossInputError, match="reduction"):
        loss(P, T, reduction="mean")


def test_nan_policies() -> None:
    loss = losslab.get("max_error")
    p = P.copy()
    p[3] = np.nan
    assert float(loss(p, T, nan_policy="omit")) == sklearn_metrics.max_error(np.delete(T, 3), np.delete(P, 3))
    assert np.isnan(float(loss(p, T, nan_policy="propagate")))
    with pytest.raises(LossInputError, match="finite"):
        loss(p, T)


def test_backends() -> None:
    da = pytest.importorskip("dask.array")
    loss = losslab.get("max_error")
    w = RNG.uniform(0.0, 2.0, 40)
    expected = float(loss(P, T, sample_weight=w))
    lazy = loss(da.from_array(P, chunks=7), da.from_array(T, chunks=7), sample_weight=da.from_array(w, chunks=7))
    assert float(lazy.compute()) == expected
    g = loss.grad(da.from_array(P, chunks=7), da.from_array(T, chunks=7)).compute()
    np.testing.assert_array_equal(g, loss.grad(P, T))
