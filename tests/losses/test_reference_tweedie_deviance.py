"""tweedie_deviance against sklearn.metrics.mean_tweedie_deviance for every regime of the power (< 0, 0, 1,
1 < q < 2, 2, > 2), with sample_weight; its gradient against torch autograd of sklearn's formula; the domain
rules (0 < power < 1 refused; pred > 0 unless power = 0; t >= 0 for 1 <= q < 2, t > 0 for q >= 2)."""

import numpy as np
import pytest
from sklearn.metrics import mean_poisson_deviance, mean_tweedie_deviance

import losslab
from losslab.errors import LossInputError

torch = pytest.importorskip("torch")

POWERS = [-2.0, -0.5, 0.0, 1.0, 1.2, 1.5, 1.9, 2.0, 2.5, 3.0, 4.0]


def _data(power: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 6.0, size=(30, 2))
    t = rng.uniform(0.05, 6.0, size=(30, 2))
    if power <= 0:
        t = t - 2.0  # negative targets are allowed there
    elif power < 2:
        t[rng.uniform(size=t.shape) < 0.3] = 0.0  # exact zeros, the point of 1 < power < 2
    return p, t, rng.uniform(0.1, 3.0, size=30)


@pytest.mark.parametrize("power", POWERS)
def test_against_sklearn(power: float) -> None:
    p, t, w = _data(power)
    loss = losslab.get("tweedie_deviance", power=power)
    ref = mean_tweedie_deviance(t.ravel(), p.ravel(), power=power)
    assert float(loss(p, t)) == pytest.approx(ref, rel=1e-11)
    ref_w = mean_tweedie_deviance(t.ravel(), p.ravel(), power=power, sample_weight=np.repeat(w, 2))
    assert float(loss(p, t, sample_weight=w)) == pytest.approx(ref_w, rel=1e-11)
    # element by element (flat input: one element per example), also near p = t, where the stable form and
    # sklearn's direct one differ by rounding only
    flat_t = t.ravel()
    flat_p = flat_t * 1.001 + 0.001 if power > 0 else p.ravel()
    np.testing.assert_allclose(
        loss(flat_p, flat_t, reduction="none"),
        [mean_tweedie_deviance([b], [a], power=power) for a, b in zip(flat_p, flat_t, strict=True)],
        rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("power", [-0.5, 0.0, 1.0, 1.5, 2.0, 3.0])
def test_grad_against_torch_autograd(power: float) -> None:
    p_np, t_np, w = _data(power, seed=1)
    p = torch.tensor(p_np, dtype=torch.float64, requires_grad=True)
    t = torch.from_numpy(t_np)
    if power == 0:
        dev = (t - p) ** 2
    elif power == 1:
        dev = 2 * (t * torch.log(torch.where(t > 0, t, torch.ones_like(t)) / p) - t + p)  # xlogy: NaN grad at 0
    elif power == 2:
        dev = 2 * (torch.log(p / t) + t / p - 1)
    else:
        a, b = 1 - power, 2 - power
        dev = 2 * (torch.clamp(t, min=0) ** b / (a * b) - t * p ** a / a + p ** b / b)
    ref = (torch.from_numpy(w)[:, None] * dev.mean(dim=1, keepdim=True)).sum()
    (expected,) = torch.autograd.grad(ref, p)
    got = losslab.get("tweedie_deviance", power=power).grad(p_np, t_np, reduction="sum", sample_weight=w)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-10, atol=1e-13)


def test_limits_are_the_named_losses() -> None:
    p, t, _ = _data(1.5)
    tw = lambda q: float(losslab.get("tweedie_deviance", power=q)(p, t))  # noqa: E731
    assert tw(1.0) == pytest.approx(float(losslab.get("poisson_deviance")(p, t)), rel=1e-15)
    assert tw(1.0) == pytest.approx(mean_poisson_deviance(t.ravel(), p.ravel()), rel=1e-12)
    assert tw(1.0 + 1e-7) == pytest.approx(tw(1.0), rel=1e-5)  # continuous in the power
    assert tw(0.0) == pytest.approx(float(losslab.get("mse")(p, t)), rel=1e-15)
    t_pos = t + 0.5
    assert float(losslab.get("tweedie_deviance", power=2.0)(p, t_pos)) == pytest.approx(
        float(losslab.get("gamma_deviance")(p, t_pos)), rel=1e-15)


def test_exact_zero_at_a_perfect_prediction_and_edges() -> None:
    loss = losslab.get("tweedie_deviance")  # power 1.5
    t = np.array([1e-9, 0.5, 1.0, 3.0, 1e6])
    np.testing.assert_array_equal(loss(t, t, reduction="none"), 0.0)
    # tiny and huge predictions stay finite and match sklearn
    p = np.array([1e-12, 1e-6, 1.0, 1e6, 1e12])
    tt = np.array([0.0, 2.0, 0.0, 1.0, 1e12])
    got = loss(p, tt, reduction="none")
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, [mean_tweedie_deviance([b], [a], power=1.5) for a, b in zip(p, tt, strict=True)],
                               rtol=1e-9)


def test_domain_rules() -> None:
    for power in (0.5, 0.01, 0.99):
        with pytest.raises(LossInputError, match="0 < power < 1"):
            losslab.get("tweedie_deviance", power=power)
    with pytest.raises(LossInputError, match="log link"):
        losslab.get("tweedie_deviance", power=1.5)([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(LossInputError, match="non-negative"):
        losslab.get("tweedie_deviance", power=1.5)([1.0, 1.0], [-1.0, 1.0])
    with pytest.raises(LossInputError, match="positive"):
        losslab.get("tweedie_deviance", power=3.0)([1.0, 1.0], [0.0, 1.0])
    with pytest.raises(LossInputError, match="log link"):
        losslab.get("tweedie_deviance", power=-1.0)([-1.0, 1.0], [-1.0, 1.0])
    # power 0: any real numbers, like squared error
    assert float(losslab.get("tweedie_deviance", power=0.0)([-1.0], [-3.0])) == 4.0
