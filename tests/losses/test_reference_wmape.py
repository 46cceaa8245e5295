"""wmape (WAPE, percent): 100 sum|p - t| / max(sum|t|, eps) per series (row), against the direct ratio of sums in
mpmath, with the eps floor, series weights, float32, and its gradient against torch autograd. No installed library
ships it (torchmetrics' WeightedMeanAbsolutePercentageError is ours / 100 on one series)."""

import mpmath
import numpy as np
import pytest

import losslab

torch = pytest.importorskip("torch")


def _wape(p: np.ndarray, t: np.ndarray, eps: float = 1e-7) -> float:
    with mpmath.workdps(40):
        num = mpmath.fsum(abs(mpmath.mpf(a) - mpmath.mpf(b)) for a, b in zip(p, t, strict=True))
        den = max(mpmath.fsum(abs(mpmath.mpf(b)) for b in t), mpmath.mpf(eps))
        return float(100 * num / den)


def test_one_series_and_many() -> None:
    rng = np.random.default_rng(5)
    t = rng.uniform(-5, 20, 24)
    p = t + rng.normal(0, 3, 24)
    loss = losslab.get("wmape")
    assert float(loss(p, t)) == pytest.approx(_wape(p, t), rel=1e-14)  # a flat input is one series
    p2, t2, w = p.reshape(6, 4), t.reshape(6, 4), rng.uniform(0.1, 2.0, 6)
    per = np.array([_wape(a, b) for a, b in zip(p2, t2, strict=True)])
    np.testing.assert_allclose(loss(p2, t2, reduction="none"), per, rtol=1e-14)
    assert float(loss(p2, t2, sample_weight=w)) == pytest.approx(np.average(per, weights=w), rel=1e-14)
    assert float(loss(p2.astype(np.float32), t2.astype(np.float32))) == pytest.approx(per.mean(), rel=1e-5)
    # an all-zero series: the floor eps, a huge but finite number (never NaN); exact 0 when the forecast is 0 too
    assert float(loss([1.0, 0.0], [0.0, 0.0])) == pytest.approx(100 / 1e-7, rel=1e-14)
    assert float(loss([0.0, 0.0], [0.0, 0.0])) == 0.0
    assert float(losslab.get("wmape", eps=0.5)([1.0, 0.0], [0.1, 0.0])) == pytest.approx(_wape([1.0, 0.0], [0.1, 0.0],
                                                                                               0.5), rel=1e-14)


def test_grad_against_torch_autograd() -> None:
    rng = np.random.default_rng(6)
    t_np = rng.uniform(-5, 20, (5, 4))
    p_np = t_np + rng.normal(0, 3, (5, 4))
    w = rng.uniform(0.1, 2.0, 5)
    p = torch.tensor(p_np, requires_grad=True)
    t = torch.from_numpy(t_np)
    per = 100 * (p - t).abs().sum(1) / t.abs().sum(1)
    (expected,) = torch.autograd.grad((torch.from_numpy(w) * per).sum() / w.sum(), p)
    got = losslab.get("wmape").grad(p_np, t_np, sample_weight=w)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12, atol=1e-15)
