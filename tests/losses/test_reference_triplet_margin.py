"""triplet_margin against torch.nn.TripletMarginLoss (p = 1, 2, 3, swap, margins, every reduction, gradients of
anchor, positive and negative by autograd, float32) and optax.losses.triplet_margin_loss (value and jax.grad; optax
adds its eps inside the root, (sum (a - p)^2 + eps)^(1/2), PyTorch and losslab to the difference, so the two agree
at eps = 0)."""

import numpy as np
import pytest

import losslab

from ._libraries import as_numpy, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(31)
A, P, N = (RNG.normal(0.0, 1.0, (12, 5)) for _ in range(3))
W = RNG.uniform(0.2, 2.0, 12)
WRT = ["pred", "target", "negative"]


@pytest.mark.parametrize(("p", "swap", "margin"), [(2.0, False, 1.0), (1.0, False, 0.5), (3.0, True, 1.0),
                                                    (2.0, True, 2.0)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_against_torch(p: float, swap: bool, margin: float, reduction: str) -> None:
    ta, tp, tn = (torch.tensor(x, requires_grad=True) for x in (A, P, N))
    ref = torch.nn.TripletMarginLoss(margin=margin, p=p, swap=swap, reduction=reduction)(ta, tp, tn)
    grads = torch.autograd.grad(ref.sum(), (ta, tp, tn))
    loss = losslab.get("triplet_margin", p=p, swap=swap, margin=margin)
    np.testing.assert_allclose(loss(A, P, negative=N, reduction=reduction), ref.detach().numpy(), rtol=1e-10)
    ours = loss.grad(A, P, negative=N, reduction=reduction, wrt=WRT)
    for name, expected in zip(WRT, grads, strict=True):
        np.testing.assert_allclose(ours[name], expected.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)
    f32 = torch.nn.TripletMarginLoss(margin=margin, p=p, swap=swap, reduction=reduction)(
        *(torch.tensor(x, dtype=torch.float32) for x in (A, P, N)))
    np.testing.assert_allclose(loss(*(x.astype(np.float32) for x in (A, P)), negative=N.astype(np.float32),
                                    reduction=reduction), f32.numpy(), rtol=1e-5, atol=1e-6)


def test_weights_against_torch() -> None:
    ta, tp, tn = (torch.tensor(x, requires_grad=True) for x in (A, P, N))
    per = torch.nn.TripletMarginLoss(reduction="none")(ta, tp, tn)
    ref = (per * torch.from_numpy(W)).sum() / W.sum()
    grads = torch.autograd.grad(ref, (ta, tp, tn))
    loss = losslab.get("triplet_margin")
    assert float(loss(A, P, negative=N, sample_weight=W)) == pytest.approx(float(ref), rel=1e-12)
    ours = loss.grad(A, P, negative=N, sample_weight=W, wrt=WRT)
    for name, expected in zip(WRT, grads, strict=True):
        np.testing.assert_allclose(ours[name], expected.numpy(), rtol=1e-10, atol=1e-14)


def test_against_optax() -> None:
    with x64() as jax:
        optax = pytest.importorskip("optax")
        ja, jp, jn = (jax.numpy.asarray(x) for x in (A, P, N))
        ref = as_numpy(optax.losses.triplet_margin_loss(ja, jp, jn, norm_degree=2, margin=1.0, eps=0.0))
        grad = as_numpy(jax.grad(lambda n: optax.losses.triplet_margin_loss(ja, jp, n, eps=0.0).mean())(jn))
    loss = losslab.get("triplet_margin", eps=0.0)
    np.testing.assert_allclose(loss(A, P, negative=N, reduction="none"), ref, rtol=1e-10)
    np.testing.assert_allclose(loss.grad(A, P, negative=N, wrt="negative"), grad, rtol=1e-10, atol=1e-14)


def test_edges() -> None:
    loss = losslab.get("triplet_margin", eps=0.0)
    # the margin met exactly: 0 with the subgradient 0; a triplet with all three equal costs the margin
    assert float(loss([[0.0, 0.0]], [[1.0, 0.0]], negative=[[2.0, 0.0]])) == 0.0
    assert float(loss([[1.0, 1.0]], [[1.0, 1.0]], negative=[[1.0, 1.0]])) == 1.0
    g = loss.grad([[1.0, 1.0]], [[1.0, 1.0]], negative=[[1.0, 1.0]], wrt=WRT)
    assert all(np.all(v == 0.0) for v in g.values())  # the norm's derivative at 0 is taken as 0: no NaN
    big = losslab.get("triplet_margin")([[1e150, 0.0]], [[-1e150, 0.0]], negative=[[0.0, 1e-300]])
    assert float(big) == pytest.approx(1e150 + 1.0, rel=1e-12)  # squares near 1e300 stay finite
