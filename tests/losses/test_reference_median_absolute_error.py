"""median_absolute_error against sklearn.metrics.median_absolute_error (odd and even counts, sample weights, several
outputs) and NumPy's median; the subgradient against torch autograd through torch.quantile(0.5) (which averages the
two middle values, as NumPy), ties split evenly; the other array libraries; the errors."""

import numpy as np
import pytest

import losslab
from losslab import LossInputError

sklearn_metrics = pytest.importorskip("sklearn.metrics")
torch = pytest.importorskip("torch")

RNG = np.random.default_rng(176)


@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_against_sklearn(n: int) -> None:
    p, t = RNG.normal(0.0, 2.0, n), RNG.normal(0.0, 2.0, n)
    loss = losslab.get("median_absolute_error")
    assert float(loss(p, t)) == pytest.approx(sklearn_metrics.median_absolute_error(t, p), rel=1e-15)
    assert float(loss(p, t)) == pytest.approx(np.median(np.abs(p - t)), rel=1e-15)
    p2, t2 = RNG.normal(0.0, 2.0, (n, 3)), RNG.normal(0.0, 2.0, (n, 3))
    assert float(loss(p2, t2)) == pytest.approx(sklearn_metrics.median_absolute_error(t2, p2), rel=1e-14)
    assert float(loss(p2.astype(np.float32), t2.astype(np.float32))) == pytest.approx(
        sklearn_metrics.median_absolute_error(t2, p2), rel=1e-5)


@pytest.mark.parametrize("weights", ["integers", "uniform", "with_zeros", "one_heavy"])
def test_weighted_against_sklearn(weights: str) -> None:
    n = 25
    p, t = RNG.normal(0.0, 2.0, (n, 2)), RNG.normal(0.0, 2.0, (n, 2))
    w = {"integers": RNG.integers(1, 4, n).astype(float), "uniform": RNG.uniform(0.1, 3.0, n),
         "with_zeros": np.where(RNG.uniform(size=n) < 0.3, 0.0, 1.0), "one_heavy": np.r_[50.0, np.ones(n - 1)]}[weights]
    ref = sklearn_metrics.median_absolute_error(t, p, sample_weight=w)
    assert float(losslab.get("median_absolute_error")(p, t, sample_weight=w)) == pytest.approx(ref, rel=1e-14)
    # the cumulative weight lands exactly on the half: the two values around it are averaged, as scikit-learn does
    w_even = np.r_[np.ones(n - 1), 0.0] * 2.0
    ref = sklearn_metrics.median_absolute_error(t, p, sample_weight=w_even)
    assert float(losslab.get("median_absolute_error")(p, t, sample_weight=w_even)) == pytest.approx(ref, rel=1e-14)


@pytest.mark.parametrize("n", [7, 8])
def test_subgradient_against_torch_quantile(n: int) -> None:
    p, t = RNG.normal(0.0, 2.0, n), RNG.normal(0.0, 2.0, n)
    pt = torch.tensor(p, requires_grad=True)
    ref = torch.quantile((pt - torch.from_numpy(t)).abs(), 0.5)
    (g,) = torch.autograd.grad(ref, pt)
    loss = losslab.get("median_absolute_error")
    assert float(loss(p, t)) == pytest.approx(float(ref.detach()), rel=1e-15)
    np.testing.assert_allclose(loss.grad(p, t), g.numpy(), rtol=1e-15, atol=0)


def test_ties_share_the_subgradient() -> None:
    loss = losslab.get("median_absolute_error")
    # |e| = 1, 1, 1, 5: the median 1 is shared by the three examples that make it (torch.quantile picks two)
    p, t = np.array([1.0, -1.0, 1.0, 5.0]), np.zeros(4)
    np.testing.assert_allclose(loss.grad(p, t), [1 / 3, -1 / 3, 1 / 3, 0.0], rtol=1e-15)
    pt = torch.tensor(p, requires_grad=True)
    (g,) = torch.autograd.grad(loss(pt, torch.from_numpy(t)), pt)
    np.testing.assert_allclose(g.numpy(), loss.grad(p, t), rtol=1e-15)
    assert float(loss(t, t)) == 0.0 and not np.any(loss.grad(t, t))


def test_errors_and_nan_policies() -> None:
    loss = losslab.get("median_absolute_error")
    p, t = RNG.normal(0.0, 2.0, 9), RNG.normal(0.0, 2.0, 9)
    with pytest.raises(LossInputError, match="positive total weight"):
        loss(p, t, sample_weight=np.zeros(9))
    with pytest.raises(LossInputError, match="reduction"):
        loss(p, t, reduction="sum")
    p[0] = np.nan
    assert float(loss(p, t, nan_policy="omit")) == pytest.approx(np.median(np.abs(p - t)[1:]), rel=1e-15)
    assert np.isnan(float(loss(p, t, nan_policy="propagate")))


def test_backends() -> None:
    da = pytest.importorskip("dask.array")
    xps = pytest.importorskip("array_api_strict")
    p, t, w = RNG.normal(0.0, 2.0, (30, 2)), RNG.normal(0.0, 2.0, (30, 2)), RNG.integers(0, 3, 30).astype(float)
    loss = losslab.get("median_absolute_error")
    expected = float(loss(p, t, sample_weight=w))
    lazy = loss(da.from_array(p, chunks=(7, 1)), da.from_array(t, chunks=(7, 1)),
                sample_weight=da.from_array(w, chunks=7))
    assert float(lazy.compute()) == expected
    strict = loss(xps.asarray(p), xps.asarray(t), sample_weight=xps.asarray(w))
    assert float(strict) == expected
