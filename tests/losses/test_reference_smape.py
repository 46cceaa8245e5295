"""smape (M4 convention, percent: 200 |p - t| / (|p| + |t|), 0/0 = 0) against a 50-digit mpmath reference, value and
derivative, at the edges (p = t, p = 0, t = 0, opposite signs, huge and tiny values); gradient against torch
autograd. No installed library ships it (utilsforecast's smape is ours / 200, torchmetrics' ours / 100)."""

import mpmath
import numpy as np
import pytest

import losslab

torch = pytest.importorskip("torch")

PRED = np.array([1.0, 0.0, 3.0, -2.0, 2.0, 0.0, 1e-300, 1e308, -1e308, 5.0, 1.0 + 1e-12, 7.5])
TARGET = np.array([1.0, 0.0, 0.0, 3.0, -5.0, 4.0, 2e-300, 1e307, 1e308, 4.0, 1.0, -0.25])


def _reference(p: float, t: float) -> tuple[float, float]:
    with mpmath.workdps(50):
        p_, t_ = mpmath.mpf(p), mpmath.mpf(t)
        s = abs(p_) + abs(t_)
        if s == 0:
            return 0.0, 0.0
        value = 200 * abs(p_ - t_) / s
        sign = lambda x: (x > 0) - (x < 0)  # noqa: E731  (the subgradient 0 at a kink)
        slope = 200 * (sign(p_ - t_) * s - abs(p_ - t_) * sign(p_)) / s**2
        return float(value), float(slope)


def test_against_mpmath_at_the_edges() -> None:
    loss = losslab.get("smape")
    ref = np.array([_reference(p, t) for p, t in zip(PRED, TARGET, strict=True)])
    np.testing.assert_allclose(loss(PRED, TARGET, reduction="none"), ref[:, 0], rtol=1e-14, atol=0)
    np.testing.assert_allclose(loss.grad(PRED, TARGET, reduction="sum"), ref[:, 1], rtol=1e-14, atol=0)
    assert float(loss([0.0], [0.0])) == 0.0  # 0/0 := 0
    assert float(loss([3.0], [0.0])) == 200.0  # the upper bound, whenever exactly one side is 0
    assert float(loss([-1.0], [1.0])) == 200.0  # opposite signs
    assert float(loss([110.0], [100.0])) == pytest.approx(200 * 10 / 210, rel=1e-15)
    # symmetric in p and t (unlike mape)
    assert float(loss([100.0], [110.0])) == float(loss([110.0], [100.0]))


def test_random_against_mpmath_float32_and_weights() -> None:
    rng = np.random.default_rng(3)
    p, t, w = rng.normal(0, 3, (30, 2)), rng.normal(0, 3, (30, 2)), rng.uniform(0.1, 2.0, 30)
    per = np.array([[_reference(a, b)[0] for a, b in zip(row_p, row_t, strict=True)]
                    for row_p, row_t in zip(p, t, strict=True)]).mean(axis=1)
    loss = losslab.get("smape")
    assert float(loss(p, t, sample_weight=w)) == pytest.approx(np.average(per, weights=w), rel=1e-13)
    assert float(loss(p.astype(np.float32), t.astype(np.float32))) == pytest.approx(per.mean(), rel=1e-5)


def test_grad_against_torch_autograd() -> None:
    rng = np.random.default_rng(4)
    p_np, t_np = rng.normal(0, 2, 50), rng.normal(0, 2, 50)
    p = torch.tensor(p_np, requires_grad=True)
    t = torch.from_numpy(t_np)
    (expected,) = torch.autograd.grad((200 * (p - t).abs() / (p.abs() + t.abs())).mean(), p)
    np.testing.assert_allclose(losslab.get("smape").grad(p_np, t_np), expected.numpy(), rtol=1e-12, atol=1e-15)
