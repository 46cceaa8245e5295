"""generalized_cross_entropy (Zhang & Sabuncu's L_q) against a 50-digit mpmath reference at the edges (confident
rows, p_t near 0 and 1, q small and 1), its gradient against torch autograd of the paper's formula, and its limits
(q -> 0: cross-entropy; q = 1: 1 - p_t). No installed library ships it."""

import mpmath
import numpy as np
import pytest

import losslab

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(15)
Z = np.concatenate([RNG.normal(0, 3, (6, 4)), [[40.0, 0.0, 0.0, 0.0], [-40.0, 0.0, 1.0, 2.0], [0.0] * 4]])
Y = np.concatenate([RNG.integers(0, 4, 6), [0, 0, 3]])


@pytest.mark.parametrize("q", [0.05, 0.3, 0.7, 1.0])
def test_against_mpmath(q: float) -> None:
    with mpmath.workdps(50):
        def ref(row: np.ndarray, k: int) -> tuple[float, list[float]]:
            e = [mpmath.exp(mpmath.mpf(v)) for v in row]
            s = mpmath.fsum(e)
            p = [x / s for x in e]
            value = (1 - p[k] ** q) / q
            # d/dz_j of -(p_k^q)/q = -p_k^q (delta_jk - p_j)
            grad = [-(p[k] ** q) * ((1 if j == k else 0) - p[j]) for j in range(len(row))]
            return float(value), [float(g) for g in grad]
        refs = [ref(row, k) for row, k in zip(Z, Y, strict=True)]
    loss = losslab.get("generalized_cross_entropy", q=q, from_logits=True)
    np.testing.assert_allclose(loss(Z, Y, reduction="none"), [r[0] for r in refs], rtol=1e-13)
    np.testing.assert_allclose(loss.grad(Z, Y, reduction="sum"), [r[1] for r in refs], rtol=1e-11, atol=1e-300)


def test_probabilities_against_torch_autograd() -> None:
    p_np = torch.softmax(torch.from_numpy(Z[:6]), dim=1).numpy()
    p = torch.tensor(p_np, requires_grad=True)
    t = torch.nn.functional.one_hot(torch.from_numpy(Y[:6]), 4).double()
    ref = ((1 - (t * p).sum(1) ** 0.7) / 0.7).mean()
    (expected,) = torch.autograd.grad(ref, p)
    loss = losslab.get("generalized_cross_entropy")
    assert float(loss(p_np, Y[:6])) == pytest.approx(float(ref), rel=1e-13)
    np.testing.assert_allclose(loss.grad(p_np, Y[:6]), expected.numpy(), rtol=1e-12, atol=1e-15)
    assert float(loss(p_np.astype(np.float32), Y[:6])) == pytest.approx(float(ref), rel=1e-5)


def test_limits() -> None:
    p = torch.softmax(torch.from_numpy(Z[:6]), dim=1).numpy()
    ce = float(losslab.get("sparse_categorical_cross_entropy")(p, Y[:6]))
    assert float(losslab.get("generalized_cross_entropy", q=1e-8)(p, Y[:6])) == pytest.approx(ce, rel=1e-7)
    mae_like = float(np.mean(1 - p[np.arange(6), Y[:6]]))
    assert float(losslab.get("generalized_cross_entropy", q=1.0)(p, Y[:6])) == pytest.approx(mae_like, rel=1e-14)
    with pytest.raises(losslab.LossInputError, match="> 0"):
        losslab.get("generalized_cross_entropy", q=0.0)
