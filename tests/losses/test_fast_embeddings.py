"""The row dot products of the embedding losses (``embedding.rowdot``: einsum for short rows, np.sum for long ones)
and their per-row-factor gradients against PyTorch's own losses and autograd, on both sides of the einsum/np.sum
switch, in float64 and float32, with near-parallel pairs (cos ~ 1, where 1 - cos must keep its digits), zero rows
and every wrt of the triplet loss with and without swap."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import losslab
from losslab.losses import embedding
from losslab.losses._arrays import namespace_of

torch = pytest.importorskip("torch")
F = torch.nn.functional
RNG = np.random.default_rng(2417)
WIDTHS = [3, 10, embedding._EINSUM_MAX_D + 88]


def _rows(n: int, d: int, dt: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b, c = (RNG.normal(size=(n, d)) for _ in range(3))
    b[0] = a[0] * (1.0 + 1e-9)  # near-parallel
    b[1] = a[1] + 1e-7 * RNG.normal(size=d)
    a[2] = 0.0  # a zero row
    c[3] = a[3]  # the negative on the anchor
    return a.astype(dt), b.astype(dt), c.astype(dt)


def _tol(dt: Any) -> dict[str, float]:
    return {"rtol": 1e-10, "atol": 1e-12} if dt == np.float64 else {"rtol": 2e-4, "atol": 2e-5}


@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("d", WIDTHS)
def test_cosine_similarity_matches_torch(d: int, dt: Any) -> None:
    a, b, _ = _rows(12, d, dt)
    ta = torch.tensor(a, requires_grad=True)
    ref = -F.cosine_similarity(ta, torch.tensor(b), eps=1e-7).mean()
    ref.backward()
    value, grad = losslab.get("cosine_similarity").value_and_grad(a, b)
    np.testing.assert_allclose(value, ref.item(), **_tol(dt))
    np.testing.assert_allclose(grad, ta.grad.numpy(), **_tol(dt))


@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("d", WIDTHS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_cosine_embedding_matches_torch(d: int, dt: Any, margin: float) -> None:
    a, b, _ = _rows(12, d, dt)
    y = np.where(np.arange(12) % 3 == 0, -1.0, 1.0).astype(dt)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ref = F.cosine_embedding_loss(ta, tb, torch.tensor(y), margin=margin)
    ref.backward()
    # PyTorch adds its EPSILON = 1e-12 as a float32 constant (1e-12 (1 - 4e-9)): at the zero row, where the
    # gradient is x2 / (sqrt(eps) |x2|), that is 2e-9 relative, so the comparison takes PyTorch's constant
    loss = losslab.get("cosine_embedding", margin=margin, eps=float(np.float32(1e-12)))
    value, grads = loss.value_and_grad(a, b, y=y, wrt=["pred", "target"])
    np.testing.assert_allclose(value, ref.item(), **_tol(dt))
    np.testing.assert_allclose(grads["pred"], ta.grad.numpy(), **_tol(dt))
    np.testing.assert_allclose(grads["target"], tb.grad.numpy(), **_tol(dt))
    np.testing.assert_allclose(loss.grad(a, b, y=y), grads["pred"], rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("d", WIDTHS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_every_wrt_matches_torch(d: int, dt: Any, swap: bool) -> None:
    a, p, n = _rows(12, d, dt)
    p[0] += 0.1  # (float32 rounds the near-parallel p[0] onto a[0]: d(p, n) = d(a, n), a tie for the swap)
    n[4] = p[4] + 0.01  # the positive nearer to the negative than the anchor: the swap's branch
    ts = [torch.tensor(x, requires_grad=True) for x in (a, p, n)]
    margin = float(np.sqrt(d))  # about half the triplets active
    ref = F.triplet_margin_loss(*ts, margin=margin, swap=swap)
    ref.backward()
    loss = losslab.get("triplet_margin", margin=margin, swap=swap)
    names = ["pred", "target", "negative"]
    value, grads = loss.value_and_grad(a, p, negative=n, wrt=names)
    np.testing.assert_allclose(value, ref.item(), **_tol(dt))
    for name, t in zip(names, ts, strict=True):
        np.testing.assert_allclose(grads[name], t.grad.numpy(), **_tol(dt), err_msg=name)
        # one gradient alone is the same as asked together
        np.testing.assert_allclose(loss.grad(a, p, negative=n, wrt=name), grads[name], rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("margin", [0.0, 0.6, -0.3])
def test_numpy_forms_are_the_array_api_forms_to_the_last_bit(monkeypatch: pytest.MonkeyPatch, dt: Any,
                                                             margin: float) -> None:
    """pairs.py's NumPy-only forms (cosine_embedding's gradients on the rows with cos > 1/2 only, margin_ranking's
    value in place) against its array-API forms run on the same NumPy arrays: equal bit for bit, NaN rows, zero
    rows, near-parallel pairs and margins met exactly included."""
    from losslab.losses import pairs

    xp = namespace_of(np.zeros(1))
    n = 600
    a, b, _ = _rows(n, 7, dt)
    b[:200] = a[:200] + (10.0 ** -RNG.integers(3, 9, (200, 1)) * RNG.normal(size=(200, 7))).astype(dt)
    a[11, 2] = np.nan
    y = RNG.choice([-1.0, 1.0], n).astype(dt)
    y[9] = np.nan
    s1, s2 = a[:, :1].copy(), b[:, :1].copy()
    s2[:50] = s1[:50] - np.asarray(margin, dt)  # margin exactly met
    fast_grads = pairs.cosine_embedding_grads(xp, a, b, y, ("pred", "target"), margin, 1e-12)
    fast_value = pairs.margin_ranking_value(xp, s1, s2, y[:, None], margin)
    monkeypatch.setattr(pairs, "is_numpy", lambda xp: False)
    slow_grads = pairs.cosine_embedding_grads(xp, a, b, y, ("pred", "target"), margin, 1e-12)
    slow_value = pairs.margin_ranking_value(xp, s1, s2, y[:, None], margin)
    for name in ("pred", "target"):
        np.testing.assert_array_equal(fast_grads[name], slow_grads[name])
    np.testing.assert_array_equal(fast_value, slow_value)
    assert fast_value.dtype == slow_value.dtype == dt
