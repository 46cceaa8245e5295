"""rmsle against sklearn.metrics.root_mean_squared_log_error (sample weights, one output and the K-output mean of
roots it takes by default), its gradient against torch autograd, and the domain (values > -1)."""

import numpy as np
import pytest
from sklearn.metrics import root_mean_squared_log_error

import losslab
from losslab.errors import LossInputError

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(17)
P, T, W = RNG.uniform(0.0, 50.0, 40), RNG.uniform(0.0, 50.0, 40), RNG.uniform(0.1, 3.0, 40)


def test_against_sklearn() -> None:
    loss = losslab.get("rmsle")
    assert float(loss(P, T)) == pytest.approx(root_mean_squared_log_error(T, P), rel=1e-13)
    assert float(loss(P, T, sample_weight=W)) == pytest.approx(
        root_mean_squared_log_error(T, P, sample_weight=W), rel=1e-13)
    # K outputs: sklearn averages the per-output roots; ours is the root of the mean over every element
    p2, t2 = P.reshape(20, 2), T.reshape(20, 2)
    per_output = root_mean_squared_log_error(t2, p2, multioutput="raw_values")
    assert float(loss(p2, t2)) == pytest.approx(float(np.sqrt(np.mean(per_output**2))), rel=1e-13)
    assert float(loss(p2[:, :1], t2[:, :1])) == pytest.approx(per_output[0], rel=1e-13)
    # float32
    assert float(loss(P.astype(np.float32), T.astype(np.float32))) == pytest.approx(
        root_mean_squared_log_error(T, P), rel=1e-5)


def test_grad_against_torch_autograd() -> None:
    p = torch.tensor(P, requires_grad=True)
    w = torch.from_numpy(W)
    ref = torch.sqrt((w * (torch.log1p(p) - torch.log1p(torch.from_numpy(T))) ** 2).sum() / w.sum())
    (expected,) = torch.autograd.grad(ref, p)
    got = losslab.get("rmsle").grad(P, T, sample_weight=W)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12, atol=1e-15)
    # a perfect fit: the root's slope is infinite at 0, the gradient taken there is 0 (as for rmse)
    np.testing.assert_array_equal(losslab.get("rmsle").grad(T, T), 0.0)


def test_domain() -> None:
    with pytest.raises(LossInputError, match="greater than -1"):
        losslab.rmsle([-1.0, 2.0], [1.0, 2.0])
    with pytest.raises(LossInputError, match="reduction"):
        losslab.get("rmsle")(P, T, reduction="none")
