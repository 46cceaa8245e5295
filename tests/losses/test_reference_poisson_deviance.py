"""poisson_deviance against sklearn.metrics.mean_poisson_deviance (with sample_weight), its gradient against torch
autograd of the textbook formula, and the edges: t = 0, tiny and huge predictions (mpmath)."""

import mpmath
import numpy as np
import pytest
from sklearn.metrics import mean_poisson_deviance

import losslab
from losslab.errors import LossInputError

torch = pytest.importorskip("torch")

PRED = np.array([1e-300, 1e-12, 0.1, 0.5, 1.0, 2.0, 3.0, 10.0, 1e3, 1e200])
TARGET = np.array([0.0, 1.0, 0.0, 2.0, 1.0, 0.0, 7.0, 1.0, 1e3, 4.0])


def test_against_sklearn() -> None:
    loss = losslab.get("poisson_deviance")
    assert float(loss(PRED, TARGET)) == pytest.approx(mean_poisson_deviance(TARGET, PRED), rel=1e-12)
    w = np.linspace(0.0, 2.0, PRED.size)
    assert float(loss(PRED, TARGET, sample_weight=w)) == pytest.approx(
        mean_poisson_deviance(TARGET, PRED, sample_weight=w), rel=1e-12)


def test_random_against_sklearn_2d() -> None:
    rng = np.random.default_rng(0)
    p, t = rng.uniform(0.05, 8.0, size=(40, 3)), rng.poisson(2.0, size=(40, 3)).astype(float)
    w = rng.uniform(0.1, 3.0, size=40)
    got = losslab.get("poisson_deviance")(p, t, sample_weight=w)
    # per-example mean over the 3 outputs, weighted over examples = sklearn on the flat arrays with w repeated
    expected = mean_poisson_deviance(t.ravel(), p.ravel(), sample_weight=np.repeat(w, 3))
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_grad_against_torch_autograd() -> None:
    mid = slice(1, 9)  # the formula on tensors overflows nothing in this range
    p = torch.tensor(PRED[mid], dtype=torch.float64, requires_grad=True)
    t = torch.from_numpy(TARGET[mid])
    # torch's xlogy has a NaN gradient at t = 0 (the untaken branch): guard the log as losslab does
    t_safe = torch.where(t > 0, t, torch.ones_like(t))
    ref = (2 * (t * torch.log(t_safe / p) - t + p)).sum()
    (expected,) = torch.autograd.grad(ref, p)
    got = losslab.get("poisson_deviance").grad(PRED[mid], TARGET[mid], reduction="sum")
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12)


def test_edges_against_mpmath() -> None:
    got = losslab.get("poisson_deviance")(PRED, TARGET, reduction="none")
    with mpmath.workdps(60):
        def dev(p: float, t: float) -> float:
            p_, t_ = mpmath.mpf(p), mpmath.mpf(t)
            return float(2 * ((t_ * mpmath.log(t_ / p_) if t else 0) - t_ + p_))
        expected = [dev(p, t) for p, t in zip(PRED, TARGET, strict=True)]
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-300)
    assert np.isfinite(got).all()
    assert float(got[0]) == 2e-300  # t = 0: 0 log 0 = 0, the loss is 2 p


def test_domain_is_refused_with_a_hint() -> None:
    loss = losslab.get("poisson_deviance")
    with pytest.raises(LossInputError, match="log link"):
        loss([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(LossInputError, match="non-negative"):
        loss([1.0, 1.0], [-1.0, 1.0])


@pytest.mark.parametrize("name", ["poisson_deviance", "gamma_deviance", "tweedie_deviance"])
def test_near_a_perfect_prediction_against_mpmath(name: str) -> None:
    """Where p ~ t the direct formulas cancel (float32 lost 4 digits); the series forms keep full precision."""
    t = np.full(8, 3.0)
    p = t * (1.0 + np.array([1e-12, -1e-9, 1e-6, -1e-4, 1e-2, -0.1, 0.19, -0.3]))
    got = losslab.get(name)(p, t, reduction="none")
    q = {"poisson_deviance": 1, "gamma_deviance": 2, "tweedie_deviance": mpmath.mpf(1.5)}[name]
    with mpmath.workdps(60):
        def dev(p_: float, t_: float) -> float:
            P, T = mpmath.mpf(p_), mpmath.mpf(t_)
            if q == 1:
                return float(2 * (T * mpmath.log(T / P) - T + P))
            if q == 2:
                return float(2 * (mpmath.log(P / T) + T / P - 1))
            return float(2 * (T ** (2 - q) / ((1 - q) * (2 - q)) - T * P ** (1 - q) / (1 - q) + P ** (2 - q) / (2 - q)))
        expected = [dev(a, b) for a, b in zip(p, t, strict=True)]
        expected32 = [dev(float(a), 3.0) for a in p.astype(np.float32)[3:]]  # the rounded float32 inputs
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    got32 = losslab.get(name)(p.astype(np.float32), t.astype(np.float32), reduction="none")
    np.testing.assert_allclose(got32[3:], expected32, rtol=1e-5)
