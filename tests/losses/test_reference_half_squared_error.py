"""half_squared_error against 0.5 * torch's MSELoss (sum and mean), its autograd gradient, and a plain formula."""

import numpy as np
import pytest

import losslab

torch = pytest.importorskip("torch")

PRED = np.array([0.0, 1e-12, -1e-5, 0.3, -1.0, 2.0, -7.5, 1e3, -1e150, 3.0])
TARGET = np.array([0.0, 0.0, 1.0, -0.3, 2.0, 2.0, 1.5, -1e3, 0.0, 3.0])


def test_against_torch_mse_halved() -> None:
    loss = losslab.get("half_squared_error")
    p = torch.tensor(PRED, dtype=torch.float64, requires_grad=True)
    ref = 0.5 * torch.nn.MSELoss(reduction="sum")(p, torch.from_numpy(TARGET))
    (ref_grad,) = torch.autograd.grad(ref, p)
    assert float(loss(PRED, TARGET, reduction="sum")) == pytest.approx(float(ref.detach()), rel=1e-14)
    mean = 0.5 * torch.nn.MSELoss()(torch.from_numpy(PRED), torch.from_numpy(TARGET))
    assert float(loss(PRED, TARGET)) == pytest.approx(float(mean), rel=1e-14)
    np.testing.assert_allclose(loss.grad(PRED, TARGET, reduction="sum"), ref_grad.numpy(), rtol=1e-14)
    np.testing.assert_array_equal(loss(PRED, TARGET, reduction="none"), 0.5 * (PRED - TARGET) ** 2)


def test_weights_and_half_of_mse() -> None:
    rng = np.random.default_rng(3)
    p, t, w = rng.normal(size=(20, 3)), rng.normal(size=(20, 3)), rng.uniform(0.0, 2.0, size=20)
    got = losslab.get("half_squared_error")(p, t, sample_weight=w)
    expected = np.sum(w * np.mean(0.5 * (p - t) ** 2, axis=1)) / np.sum(w)
    assert float(got) == pytest.approx(expected, rel=1e-13)
    assert float(got) == pytest.approx(0.5 * float(losslab.get("mse")(p, t, sample_weight=w)), rel=1e-13)
    g = losslab.get("half_squared_error").grad(p, t, reduction="sum", sample_weight=w)
    np.testing.assert_allclose(g, w[:, None] * (p - t) / 3, rtol=1e-13)
