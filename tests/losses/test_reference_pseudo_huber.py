"""pseudo_huber against scipy.special.pseudo_huber and a 50-digit mpmath reference (value and derivative)."""

import mpmath
import numpy as np
import pytest
from scipy.special import pseudo_huber

import losslab

ERRORS = np.array([0.0, 1e-12, -1e-5, 0.3, -1.0, 2.0, -7.5, 1e3, -1e8])


@pytest.mark.parametrize("delta", [0.1, 1.0, 2.5])
def test_against_scipy_and_mpmath(delta: float) -> None:
    loss = losslab.get("pseudo_huber", delta=delta)
    got = loss(ERRORS, np.zeros_like(ERRORS), reduction="none")
    np.testing.assert_allclose(got, pseudo_huber(delta, ERRORS), rtol=1e-9, atol=0)
    with mpmath.workdps(50):
        f = lambda e: delta**2 * (mpmath.sqrt(1 + (e / delta) ** 2) - 1)  # noqa: E731
        value = [float(f(mpmath.mpf(float(e)))) for e in ERRORS]
        slope = [float(mpmath.diff(f, mpmath.mpf(float(e)))) for e in ERRORS]
    np.testing.assert_allclose(got, value, rtol=1e-14, atol=0)  # exact also where scipy's form cancels
    np.testing.assert_allclose(loss.grad(ERRORS, np.zeros_like(ERRORS), reduction="sum"), slope, rtol=1e-14)


def test_no_overflow_far_out() -> None:
    assert float(losslab.pseudo_huber([1e200], [0.0], delta=2.0)) == pytest.approx(2e200, rel=1e-14)
