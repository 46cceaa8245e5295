"""nt_xent (SimCLR) against optax.losses.ntxent (value and jax.grad), a torch autograd implementation over the 2N
views, the difference from InfoNCE on the same batch, and mpmath where the loss is tiny."""

import mpmath
import numpy as np
import pytest

import losslab

from ._libraries import as_numpy, x64

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(36)
V1 = RNG.normal(0.0, 1.0, (6, 4))
V2 = V1 + 0.8 * RNG.normal(0.0, 1.0, (6, 4))


def torch_nt_xent(a, b, t):  # type: ignore[no-untyped-def]
    n = a.shape[0]
    z = F.normalize(torch.cat([a, b]))
    s = (z @ z.T / t).masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    per_view = F.cross_entropy(s, (torch.arange(2 * n) + n) % (2 * n), reduction="none")
    return (per_view[:n] + per_view[n:]) / 2


@pytest.mark.parametrize("temperature", [0.07, 0.5])
def test_against_optax(temperature: float) -> None:
    with x64() as jax:
        optax = pytest.importorskip("optax")
        jnp = jax.numpy
        labels = jnp.concatenate([jnp.arange(6)] * 2)

        def ref_loss(z):  # type: ignore[no-untyped-def]
            return optax.losses.ntxent(z, labels, temperature=temperature)

        z = jnp.asarray(np.concatenate([V1, V2]))
        ref = float(ref_loss(z))
        grad = as_numpy(jax.grad(ref_loss)(z))
    loss = losslab.get("nt_xent", temperature=temperature)
    assert float(loss(V1, V2)) == pytest.approx(ref, rel=1e-10)
    g = loss.grad(V1, V2, wrt=["pred", "target"])
    np.testing.assert_allclose(np.concatenate([g["pred"], g["target"]]), grad, rtol=1e-9, atol=1e-13)


def test_against_torch_with_weights_and_float32() -> None:
    w = RNG.uniform(0.2, 2.0, 6)
    t1, t2 = torch.tensor(V1, requires_grad=True), torch.tensor(V2, requires_grad=True)
    per = torch_nt_xent(t1, t2, 0.1)
    ref = (per * torch.from_numpy(w)).sum() / w.sum()
    g1, g2 = torch.autograd.grad(ref, (t1, t2))
    loss = losslab.get("nt_xent", temperature=0.1)
    np.testing.assert_allclose(loss(V1, V2, reduction="none"), per.detach().numpy(), rtol=1e-10)
    g = loss.grad(V1, V2, sample_weight=w, wrt=["pred", "target"])
    np.testing.assert_allclose(g["pred"], g1.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g["target"], g2.numpy(), rtol=1e-10, atol=1e-14)
    f32 = torch_nt_xent(torch.tensor(V1, dtype=torch.float32), torch.tensor(V2, dtype=torch.float32), 0.1).mean()
    assert float(loss(V1.astype(np.float32), V2.astype(np.float32))) == pytest.approx(float(f32), rel=1e-5)


def test_differs_from_info_nce() -> None:
    """NT-Xent has 2N - 2 negatives per view (the anchors' views too), InfoNCE N - 1: not the same number."""
    assert abs(float(losslab.nt_xent(V1, V2, temperature=0.1)) - float(losslab.info_nce(V1, V2))) > 0.01


def test_tiny_losses_against_mpmath() -> None:
    v = np.eye(3)
    ours = losslab.nt_xent(v, v + 1e-4, temperature=0.02, reduction="none")
    mpmath.mp.dps = 50
    z = [[mpmath.mpf(x) for x in row] for row in np.concatenate([v, v + 1e-4])]
    unit = [[x / mpmath.sqrt(mpmath.fsum(y * y for y in row)) for x in row] for row in z]
    s = [[mpmath.fsum(a * b for a, b in zip(u, w, strict=True)) / mpmath.mpf("0.02") for w in unit] for u in unit]
    per_view = []
    for k in range(6):
        pos = (k + 3) % 6
        per_view.append(mpmath.log(mpmath.fsum(mpmath.exp(s[k][j] - s[k][pos]) for j in range(6) if j != k)))
    for i in range(3):
        assert float(ours[i]) == pytest.approx(float((per_view[i] + per_view[i + 3]) / 2), rel=1e-9)
