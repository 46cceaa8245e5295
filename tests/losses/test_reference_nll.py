"""nll against torch.nn.NLLLoss (class weights, ignore_index, reductions, autograd, float32), sklearn's log_loss on
exp(pred), optax's integer-label cross-entropy (log-probabilities are their own logits); probabilities and logits
refused with a hint."""

import numpy as np
import pytest
from sklearn.metrics import log_loss

import losslab
from losslab.errors import LossInputError

from ._libraries import as_numpy, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(13)
LOGP = torch.log_softmax(torch.from_numpy(RNG.normal(0, 2, (9, 4))), dim=1).numpy()
Y = RNG.integers(0, 4, 9)
WEIGHT = np.array([2.0, 1.0, 0.5, 1.5])


@pytest.mark.parametrize("weight", [None, WEIGHT])
@pytest.mark.parametrize("ignore_index", [None, 2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_against_torch(weight: np.ndarray | None, ignore_index: int | None, reduction: str) -> None:
    x = torch.tensor(LOGP, requires_grad=True)
    kwargs = {} if ignore_index is None else {"ignore_index": ignore_index}
    ref = torch.nn.NLLLoss(weight=None if weight is None else torch.from_numpy(weight), reduction=reduction,
                           **kwargs)(x, torch.from_numpy(Y))
    (expected,) = torch.autograd.grad(ref.sum(), x)
    loss = losslab.get("nll", class_weight=None if weight is None else tuple(weight), ignore_index=ignore_index)
    np.testing.assert_allclose(loss(LOGP, Y, reduction=reduction), ref.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(loss.grad(LOGP, Y, reduction=reduction), expected.numpy(), rtol=1e-14, atol=1e-300)
    if reduction == "mean":
        ref32 = torch.nn.NLLLoss(weight=None if weight is None else torch.from_numpy(weight).float(), **kwargs)(
            torch.from_numpy(LOGP).float(), torch.from_numpy(Y))
        assert float(loss(LOGP.astype(np.float32), Y)) == pytest.approx(float(ref32), rel=1e-5)


def test_against_sklearn_and_optax() -> None:
    loss = losslab.get("nll")
    assert float(loss(LOGP, Y)) == pytest.approx(log_loss(Y, np.exp(LOGP), labels=range(4)), rel=1e-12)
    with x64() as jax:
        optax = pytest.importorskip("optax")
        ref = as_numpy(optax.losses.softmax_cross_entropy_with_integer_labels(jax.numpy.asarray(LOGP),
                                                                              jax.numpy.asarray(Y)))
    np.testing.assert_allclose(loss(LOGP, Y, reduction="none"), ref, rtol=1e-12)


def test_probabilities_and_logits_are_refused() -> None:
    with pytest.raises(LossInputError, match="log_softmax"):
        losslab.nll(np.exp(LOGP), Y)
    with pytest.raises(LossInputError, match="from_logits=True"):
        losslab.nll([[2.0, -1.0, 0.5]], [0])
    assert losslab.get("sparse_categorical_cross_entropy").name != losslab.get("nll").name  # 'nll' is this loss
