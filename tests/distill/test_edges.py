"""Edge cases: extreme temperatures, saturated logits, zeros in the teacher, identical rows, one class."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from losslab import distill

from . import _reference as ref

ALL = [
    lambda t, s, **k: distill.kl_result(t, s, **k),
    lambda t, s, **k: distill.kl_result(t, s, direction="reverse", **k),
    lambda t, s, **k: distill.kl_result(t, s, scale_t2=True, **k),
    lambda t, s, **k: distill.generalized_jsd_result(t, s, 0.5, **k),
    lambda t, s, **k: distill.generalized_jsd_result(t, s, 1e-9, **k),
    lambda t, s, **k: distill.generalized_jsd_result(t, s, 0.25, normalize=False, **k),
    lambda t, s, **k: distill.total_variation_result(t, s, **k),
]
IDS = ["forward", "reverse", "forward-t2", "gjsd0.5", "gjsd1e-9", "gjsd-raw", "tv"]


@pytest.fixture(autouse=True)
def _no_numpy_warnings():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, 0 * inf or log(0) on the way
        yield


@pytest.mark.parametrize("call", ALL, ids=IDS)
def test_identical_rows_give_exactly_zero_and_a_zero_gradient(call) -> None:  # type: ignore[no-untyped-def]
    p = np.array([[0.6, 0.2, 0.2], [0.0, 0.25, 0.75], [1.0, 0.0, 0.0]])
    for kwargs in ({}, {"temperature": 3.0}, {"temperature": 0.01}):
        r = call(p, p, **kwargs)
        assert r.value == 0.0 and np.all(r.rows == 0.0) and np.all(r.grad == 0.0)
    z = np.array([[3.0, -500.0, 500.0], [0.0, 0.0, 0.0]])
    r = call(z, z, from_logits=True)
    assert r.value == 0.0 and np.all(r.grad == 0.0)


@pytest.mark.parametrize("call", ALL, ids=IDS)
def test_one_class(call) -> None:  # type: ignore[no-untyped-def]
    r = call([[1.0], [1.0]], [[1.0], [1.0]])
    assert r.value == 0.0 and r.grad.shape == (2, 1) and np.all(r.grad == 0.0)
    r = call([[3.0]], [[-7.0]], from_logits=True, temperature=0.1)
    assert r.value == 0.0 and np.all(r.grad == 0.0)


@pytest.mark.parametrize("call", ALL, ids=IDS)
def test_saturated_logits_stay_finite_and_exact(call) -> None:  # type: ignore[no-untyped-def]
    t = np.array([[500.0, -500.0, 0.0], [-500.0, 500.0, 499.0]])
    s = np.array([[-500.0, 500.0, 0.0], [500.0, -500.0, 498.0]])
    r = call(t, s, from_logits=True)
    assert np.isfinite(r.value) and np.all(np.isfinite(r.grad)) and r.value > 0
    np.testing.assert_allclose(r.grad.sum(axis=1), 0.0, atol=1e-12)


def test_saturated_logits_against_mpmath() -> None:
    t = [[500.0, -500.0, 0.0], [-500.0, 500.0, 499.0]]
    s = [[-500.0, 500.0, 0.0], [500.0, -500.0, 498.0]]
    for name, call in (("forward", lambda: distill.kl(t, s, from_logits=True)),
                       ("reverse", lambda: distill.kl(t, s, from_logits=True, direction="reverse")),
                       ("jsd", lambda: distill.generalized_jsd(t, s, 0.3, from_logits=True))):
        extra = {"beta": 0.3} if name == "jsd" else {}
        assert call() == pytest.approx(ref.value(name, t, s, **extra), rel=1e-12)
    # forward KL is about 1000 per row here; a clipped log(1e-7) would say about 16
    assert distill.kl(t, s, from_logits=True) > 800


@pytest.mark.parametrize("temperature", [1e-3, 1e-2, 0.1, 10.0, 100.0, 1e4])
def test_extreme_temperatures_against_mpmath(temperature: float) -> None:
    t, s = [[2.0, -1.0, 0.5, 0.0]], [[1.0, 0.0, -0.5, 0.3]]
    for direction in ("forward", "reverse"):
        r = distill.kl_result(t, s, temperature=temperature, direction=direction, from_logits=True)
        want = ref.value(direction, t, s, temperature)
        # as T grows KL ~ 1/T² is a difference of nearly equal logs: relative precision ~ 1e-16 T²-ish is lost
        assert r.value == pytest.approx(want, rel=1e-12 * max(1.0, temperature) ** 1.5, abs=1e-300)
        want_grad = np.array(ref.grad(direction, t, s, temperature))
        np.testing.assert_allclose(r.grad, want_grad, rtol=1e-7, atol=1e-13 * np.abs(want_grad).max() + 1e-290)


@pytest.mark.parametrize("temperature", [1e-3, 1e-2, 0.1, 10.0, 100.0, 1e4])
def test_extreme_temperatures_for_jsd_and_tv(temperature: float) -> None:
    t, s = [[2.0, -1.0, 0.5, 0.0]], [[1.0, 0.0, -0.5, 0.3]]
    calls = [("tv", {}, lambda: distill.total_variation_result(t, s, temperature=temperature, from_logits=True))]
    for beta in (1e-6, 0.3, 0.9):
        calls.append(("jsd", {"beta": beta}, lambda b=beta: distill.generalized_jsd_result(  # type: ignore[misc]
            t, s, b, temperature=temperature, from_logits=True)))
    for name, extra, call in calls:
        r = call()
        assert r.value == pytest.approx(ref.value(name, t, s, temperature, **extra), rel=1e-10)
        want_grad = np.array(ref.grad(name, t, s, temperature, **extra))
        np.testing.assert_allclose(r.grad, want_grad, rtol=1e-6, atol=1e-12 * np.abs(want_grad).max() + 1e-290)


def test_large_t_with_t2_tends_to_half_the_variance_of_the_logit_gap() -> None:
    """As T -> inf, T² KL(t || s) -> the variance of (a - z) under the uniform distribution, / 2 (Hinton 2015)."""
    a, z = np.array([2.0, -1.0, 0.5, 0.0]), np.array([1.0, 0.0, -0.5, 0.3])
    d = (a - z) - (a - z).mean()
    limit = float((d**2).mean() / 2)
    assert distill.kl(a, z, temperature=1e4, scale_t2=True, from_logits=True) == pytest.approx(limit, rel=1e-3)


def test_zeros_in_the_teacher_count_as_zero_log_zero() -> None:
    t = np.array([[0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])
    s = np.array([[0.2, 0.4, 0.4], [0.1, 0.1, 0.8]])
    for temperature in (1.0, 2.0, 0.5):
        r = distill.kl_result(t, s, temperature=temperature)
        assert np.isfinite(r.value) and np.all(np.isfinite(r.grad))
        want = ref.value("forward", [[-1e4, 0.0, 0.0], [-1e4, -1e4, 0.0]], np.log(s).tolist(), temperature)
        assert r.value == pytest.approx(want, rel=1e-12)  # a teacher probability e^-1e4 is 0 to 4000 digits
    for beta in (0.0, 0.3, 0.5, 1e-12):
        r = distill.generalized_jsd_result(t, s, beta)
        assert np.isfinite(r.value) and np.all(np.isfinite(r.grad))
    assert np.isfinite(distill.total_variation(t, s))


def test_zero_student_probability_under_teacher_mass_is_infinite_not_nan() -> None:
    t, s = [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]
    assert distill.kl(t, s) == np.inf
    assert distill.kl(s, t, direction="reverse") == np.inf
    assert np.isfinite(distill.kl_result(t, s).grad).all()  # (s - t) / T stays finite
    assert np.isfinite(distill.generalized_jsd(t, s, 0.5))  # the mixture is never 0 where either has mass


def test_masked_classes_with_minus_inf_logits() -> None:
    t = np.array([[2.0, -np.inf, 0.0]])
    s = np.array([[1.0, -np.inf, 1.0]])
    r = distill.kl_result(t, s, from_logits=True)
    assert r.value == pytest.approx(ref.value("forward", [[2.0, -1e4, 0.0]], [[1.0, -1e4, 1.0]]), rel=1e-12)
    assert r.grad[0, 1] == 0.0


def test_never_negative_from_rounding() -> None:
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(50), size=200)
    q = p * (1 + 1e-12 * rng.standard_normal(p.shape))
    q /= q.sum(axis=1, keepdims=True)
    for r in (distill.kl_result(p, q), distill.kl_result(p, q, direction="reverse"),
              distill.generalized_jsd_result(p, q, 0.5), distill.generalized_jsd_result(p, q, 1e-6)):
        assert np.all(r.rows >= 0)


def test_torch_tensors_are_accepted_and_not_modified() -> None:
    torch = pytest.importorskip("torch")
    z = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    r = distill.kl_result(torch.zeros(1, 3), z, from_logits=True)
    assert isinstance(r.grad, np.ndarray) and z.grad is None
