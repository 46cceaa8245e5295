"""MSLE and RMSLE near a perfect prediction: log1p(p) - log1p(t) is computed without cancellation, so the value
and the gradient keep their relative precision where the prediction nearly equals the target (a float32 case of
hypothesis's property test found 3.1e-5 relative error with the textbook difference of logarithms)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import losslab

mpmath.mp.dps = 50


def _pairs(dt):
    rng = np.random.default_rng(7)
    t = rng.uniform(0.0, 50.0, 400)
    p = np.maximum(t * (1.0 + rng.normal(0.0, 1.0, 400) * 10.0 ** rng.uniform(-7, -1, 400)), 0.0)
    keep = p.astype(dt) != t.astype(dt)
    return p[keep].astype(dt), t[keep].astype(dt)


def _exact(p, t):
    d = [mpmath.log1p(mpmath.mpf(float(a))) - mpmath.log1p(mpmath.mpf(float(b))) for a, b in zip(p, t, strict=True)]
    value = np.array([float(x * x) for x in d])
    grad = np.array([float(2 * x / (1 + mpmath.mpf(float(a)))) for x, a in zip(d, p, strict=True)])
    return value, grad


@pytest.mark.parametrize(("dt", "rtol"), [(np.float64, 1e-14), (np.float32, 2e-6)], ids=["f64", "f32"])
def test_msle_near_the_target_against_mpmath(dt, rtol):
    p, t = _pairs(dt)
    value, grad = _exact(p, t)
    loss = losslab.get("msle")
    np.testing.assert_allclose(loss(p, t, reduction="none").astype(np.float64), value, rtol=rtol, atol=0)
    # the per-example gradient (sum: no division by the count)
    np.testing.assert_allclose(loss.grad(p, t, reduction="sum").astype(np.float64), grad, rtol=rtol, atol=0)
    rmsle = losslab.get("rmsle")
    np.testing.assert_allclose(float(rmsle(p, t)), float(np.sqrt(value.mean())), rtol=rtol * 4)
