"""gaussian_nll against torch.nn.GaussianNLLLoss: full, eps, var of pred's shape, (N, 1) and (N,) (pytorch#53392),
every reduction, gradients of the mean and the variance by autograd, float32; the clamp below eps (documented: the
value is PyTorch's, the variance's gradient there is 0), var <= 0 refused, and mpmath near a tiny variance."""

import mpmath
import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(37)
MU, Y = RNG.normal(0.0, 2.0, (8, 3)), RNG.normal(0.0, 2.0, (8, 3))
VAR = RNG.uniform(0.1, 3.0, (8, 3))


@pytest.mark.parametrize("var", [VAR, VAR[:, :1], VAR[:, 0]], ids=["same", "column", "per-example"])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_against_torch(var: np.ndarray, full: bool, reduction: str) -> None:
    tm, tv = torch.tensor(MU, requires_grad=True), torch.tensor(var, requires_grad=True)
    ref = torch.nn.GaussianNLLLoss(full=full, reduction=reduction)(tm, torch.from_numpy(Y), tv)
    gm, gv = torch.autograd.grad(ref.sum(), (tm, tv))
    loss = losslab.get("gaussian_nll", full=full)
    ours = loss(MU, Y, var=var, reduction=reduction)
    # PyTorch's "none" keeps the elements and its "sum" adds them; an example's loss here is the mean of its
    # elements, as for every elementwise loss
    scale = 1.0 if reduction == "mean" else 3.0
    expected = ref.detach().numpy().mean(axis=1) if reduction == "none" else ref.detach().numpy() / scale
    np.testing.assert_allclose(ours, expected, rtol=1e-10)
    g = loss.grad(MU, Y, var=var, reduction=reduction, wrt=["pred", "var"])
    np.testing.assert_allclose(g["pred"] * scale, gm.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g["var"] * scale, gv.numpy(), rtol=1e-10, atol=1e-14)
    assert g["var"].shape == var.shape
    if reduction != "none":
        f32 = torch.nn.GaussianNLLLoss(full=full, reduction=reduction)(
            *(torch.tensor(x, dtype=torch.float32) for x in (MU, Y, var)))
        assert float(loss(MU.astype(np.float32), Y.astype(np.float32), var=var.astype(np.float32),
                          reduction=reduction)) * scale == pytest.approx(float(f32), rel=1e-5)


def test_the_clamp_below_eps() -> None:
    var = np.full(3, 1e-9)
    mu, y = np.array([0.0, 1e-4, 1.0]), np.zeros(3)
    tv = torch.tensor(var, requires_grad=True)
    ref = torch.nn.GaussianNLLLoss(eps=1e-6)(torch.from_numpy(mu), torch.from_numpy(y), tv)
    loss = losslab.get("gaussian_nll")
    assert float(loss(mu, y, var=var)) == pytest.approx(float(ref), rel=1e-12)  # the value: clamped like PyTorch's
    # the variance's gradient: 0 where the clamp holds (the value is flat there), PyTorch's is not (straight-through)
    np.testing.assert_array_equal(loss.grad(mu, y, var=var, wrt="var"), 0.0)
    (tg,) = torch.autograd.grad(ref, tv)
    assert np.all(tg.numpy() != 0.0)


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_non_positive_variance_is_refused(bad: float) -> None:
    with pytest.raises(LossInputError) as info:
        losslab.gaussian_nll(MU, Y, var=np.where(VAR > 1, bad, VAR))
    assert info.value.argument == "var" and "softplus" in info.value.hint


def test_tiny_variance_against_mpmath() -> None:
    mpmath.mp.dps = 40
    mu, y, var = np.array([1e-8, 3e-4, 2.0]), np.array([0.0, 0.0, 2.0 + 1e-9]), np.array([1e-5, 2e-6, 1e-6])
    ours = losslab.get("gaussian_nll", full=True)(mu, y, var=var, reduction="none")
    for i in range(3):
        v, e = mpmath.mpf(var[i]), mpmath.mpf(mu[i]) - mpmath.mpf(y[i])
        exact = (mpmath.log(v) + e * e / v + mpmath.log(2 * mpmath.pi)) / 2
        assert float(ours[i]) == pytest.approx(float(exact), rel=1e-10)
