"""gamma_deviance against sklearn.metrics.mean_gamma_deviance (with sample_weight), its gradient against torch
autograd and finite differences, huge and tiny ratios against mpmath, and the domain (t > 0, p > 0)."""

import mpmath
import numpy as np
import pytest
from sklearn.metrics import mean_gamma_deviance

import losslab
from losslab.errors import LossInputError

torch = pytest.importorskip("torch")

PRED = np.array([1e-200, 1e-8, 0.1, 0.5, 1.0, 2.0, 3.0, 10.0, 1e3, 1e150])
TARGET = np.array([1.0, 1e-8, 5.0, 2.0, 1.0, 0.3, 7.0, 1.0, 1e3, 4.0])


def test_against_sklearn() -> None:
    loss = losslab.get("gamma_deviance")
    assert float(loss(PRED, TARGET)) == pytest.approx(mean_gamma_deviance(TARGET, PRED), rel=1e-12)
    w = np.linspace(0.0, 2.0, PRED.size)
    assert float(loss(PRED, TARGET, sample_weight=w)) == pytest.approx(
        mean_gamma_deviance(TARGET, PRED, sample_weight=w), rel=1e-12)


def test_random_against_sklearn_2d() -> None:
    rng = np.random.default_rng(1)
    p, t = rng.uniform(0.05, 8.0, size=(40, 2)), rng.gamma(2.0, 1.5, size=(40, 2))
    w = rng.uniform(0.1, 3.0, size=40)
    got = losslab.get("gamma_deviance")(p, t, sample_weight=w)
    expected = mean_gamma_deviance(t.ravel(), p.ravel(), sample_weight=np.repeat(w, 2))
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_grad_against_torch_autograd_and_mpmath() -> None:
    p = torch.tensor(PRED, dtype=torch.float64, requires_grad=True)
    t = torch.from_numpy(TARGET)
    mid = slice(1, 9)
    ref = (2 * (torch.log(p / t) + t / p - 1))[mid].sum()
    (expected,) = torch.autograd.grad(ref, p)
    loss = losslab.get("gamma_deviance")
    got = loss.grad(PRED, TARGET, reduction="none")
    np.testing.assert_allclose(got[mid], expected.numpy()[mid], rtol=1e-12)
    with mpmath.workdps(60):
        value = [float(2 * (mpmath.log(mpmath.mpf(p_) / t_) + t_ / mpmath.mpf(p_) - 1)) for p_, t_ in
                 zip(PRED, TARGET, strict=True)]
        slope = [float(2 * (mpmath.mpf(p_) - t_) / mpmath.mpf(p_) ** 2) for p_, t_ in zip(PRED, TARGET, strict=True)]
    np.testing.assert_allclose(loss(PRED, TARGET, reduction="none"), value, rtol=1e-13)
    np.testing.assert_allclose(got, slope, rtol=1e-14)


def test_scale_free() -> None:
    loss = losslab.get("gamma_deviance")
    a = loss([1.0], [10.0])
    assert float(loss([100.0], [1000.0])) == pytest.approx(float(a), rel=1e-14)
    assert float(a) == pytest.approx(13.39482981401191, rel=1e-12)


def test_domain_is_refused_with_a_hint() -> None:
    loss = losslab.get("gamma_deviance")
    with pytest.raises(LossInputError, match="log link / exp output"):
        loss([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(LossInputError, match="positive"):
        loss([1.0, 1.0], [0.0, 1.0])
