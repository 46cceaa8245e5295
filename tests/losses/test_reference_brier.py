"""brier against sklearn.metrics.brier_score_loss (probabilities, sample weights), from_logits against torch's
MSELoss on sigmoid(z) with its autograd, saturated logits against mpmath, and the domain."""

import mpmath
import numpy as np
import pytest
from sklearn.metrics import brier_score_loss

import losslab
from losslab.errors import LossInputError

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(8)
PROB, Y, W = RNG.uniform(0, 1, 50), RNG.integers(0, 2, 50), RNG.uniform(0.1, 3.0, 50)


def test_against_sklearn() -> None:
    loss = losslab.get("brier")
    assert float(loss(PROB, Y)) == pytest.approx(brier_score_loss(Y, PROB), rel=1e-14)
    assert float(loss(PROB, Y, sample_weight=W)) == pytest.approx(brier_score_loss(Y, PROB, sample_weight=W),
                                                                  rel=1e-14)
    assert float(loss(PROB.astype(np.float32), Y)) == pytest.approx(brier_score_loss(Y, PROB), rel=1e-5)


def test_logits_against_torch() -> None:
    z_np = RNG.normal(0, 4, 40)
    z = torch.tensor(z_np, requires_grad=True)
    t = torch.from_numpy(Y[:40].astype(float))
    ref = torch.nn.MSELoss()(torch.sigmoid(z), t)
    (expected,) = torch.autograd.grad(ref, z)
    loss = losslab.get("brier", from_logits=True)
    assert float(loss(z_np, Y[:40])) == pytest.approx(float(ref.detach()), rel=1e-14)
    np.testing.assert_allclose(loss.grad(z_np, Y[:40]), expected.numpy(), rtol=1e-12, atol=1e-300)


def test_saturated_logits_against_mpmath() -> None:
    z = np.array([-800.0, -40.0, 40.0, 800.0])
    t = np.array([0.0, 0.0, 1.0, 1.0])  # right and confident: (1 - sigmoid(40))^2 = e^-80, not 0
    loss = losslab.get("brier", from_logits=True)
    with mpmath.workdps(60):
        ref = [float((1 / (1 + mpmath.exp(-mpmath.mpf(a))) - b) ** 2) for a, b in zip(z, t, strict=True)]
    np.testing.assert_allclose(loss(z, t, reduction="none"), ref, rtol=1e-14, atol=0)


def test_domain() -> None:
    with pytest.raises(LossInputError, match="from_logits"):
        losslab.brier([1.5, 0.5], [1.0, 0.0])
