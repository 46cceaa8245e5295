"""The catalog's ctc (pred (N, T, C) batch first, padded labels, lengths as inputs) against
torch.nn.functional.ctc_loss (value and autograd through log_softmax, every reduction, blank, zero_infinity, float32)
and optax.ctc_loss (per sequence, from logits). The pure functions on PyTorch's layout: tests/losses/test_ctc.py."""

import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError

from ._libraries import as_numpy, x64

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(29)
N, T, C = 4, 9, 5
LOGITS = RNG.normal(0.0, 2.0, (N, T, C))
LABELS = np.array([[1, 1, 2, 4], [3, 2, 0, 0], [4, 0, 0, 0], [2, 3, 1, 2]])
INPUT_LENGTHS = np.array([9, 7, 3, 8])
TARGET_LENGTHS = np.array([4, 2, 0, 4])
INPUTS = {"input_lengths": INPUT_LENGTHS, "target_lengths": TARGET_LENGTHS}


def _torch(logits: np.ndarray, labels: np.ndarray, il: np.ndarray, tl: np.ndarray, reduction: str, blank: int = 0,
           zero_infinity: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(value, d/d logits) from torch's autograd through log_softmax."""
    z = torch.tensor(logits, requires_grad=True)
    lp = torch.log_softmax(z, dim=-1)
    value = torch.nn.functional.ctc_loss(lp.permute(1, 0, 2), torch.from_numpy(labels), torch.from_numpy(il),
                                         torch.from_numpy(tl), blank=blank, reduction=reduction,
                                         zero_infinity=zero_infinity)
    value.sum().backward()
    assert z.grad is not None
    return value.detach().numpy(), z.grad.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("from_logits", [False, True])
def test_against_torch(reduction: str, from_logits: bool) -> None:
    ref, ref_grad = _torch(LOGITS, LABELS, INPUT_LENGTHS, TARGET_LENGTHS, reduction)
    lp = torch.log_softmax(torch.from_numpy(LOGITS), dim=-1).numpy()
    loss = losslab.get("ctc", from_logits=from_logits)
    value, grad = loss.value_and_grad(LOGITS if from_logits else lp, LABELS, reduction=reduction, **INPUTS)
    np.testing.assert_allclose(value, ref, rtol=1e-12, atol=1e-13)
    if not from_logits:
        # d/d log-probabilities, carried back through log_softmax, is torch's d/d logits
        z = torch.tensor(LOGITS, requires_grad=True)
        (chained,) = torch.autograd.grad(torch.log_softmax(z, dim=-1), z, grad_outputs=torch.from_numpy(grad))
        grad = chained.numpy()
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-13)


def test_blank_last_and_float32_against_torch() -> None:
    labels = np.where(LABELS == 4, 0, LABELS)  # labels 0..3, the blank is C - 1 = 4 (TensorFlow's convention)
    ref, ref_grad = _torch(LOGITS, labels, INPUT_LENGTHS, TARGET_LENGTHS, "mean", blank=4)
    loss = losslab.get("ctc", from_logits=True, blank=4)
    np.testing.assert_allclose(loss(LOGITS, labels, **INPUTS), ref, rtol=1e-12)
    np.testing.assert_allclose(loss.grad(LOGITS, labels, **INPUTS), ref_grad, rtol=1e-10, atol=1e-13)
    v32, g32 = loss.value_and_grad(LOGITS.astype(np.float32), labels, **INPUTS)
    assert v32.dtype == np.float32 and g32.dtype == np.float32
    np.testing.assert_allclose(v32, ref, rtol=1e-5)
    np.testing.assert_allclose(g32, ref_grad, rtol=1e-4, atol=1e-6)


def test_impossible_alignments_as_torch() -> None:
    il = np.array([9, 7, 3, 3])  # sequence 3 needs 4 labels in 3 frames: no alignment
    with pytest.raises(LossInputError) as info:
        losslab.get("ctc", from_logits=True)(LOGITS, LABELS, input_lengths=il, target_lengths=TARGET_LENGTHS)
    assert info.value.argument == "target_lengths" and "impossible='inf'" in info.value.hint
    ref, _ = _torch(LOGITS, LABELS, il, TARGET_LENGTHS, "none")
    assert np.isinf(ref[3])
    got = losslab.get("ctc", from_logits=True, impossible="inf")(LOGITS, LABELS, reduction="none", input_lengths=il,
                                                                 target_lengths=TARGET_LENGTHS)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    ref, ref_grad = _torch(LOGITS, LABELS, il, TARGET_LENGTHS, "mean", zero_infinity=True)
    loss = losslab.get("ctc", from_logits=True, impossible="zero")
    value, grad = loss.value_and_grad(LOGITS, LABELS, input_lengths=il, target_lengths=TARGET_LENGTHS)
    np.testing.assert_allclose(value, ref, rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-13)
    assert np.all(grad[3] == 0.0)


def test_against_optax_per_sequence() -> None:
    with x64() as jax:
        import optax

        frames = np.arange(T)[None, :] >= INPUT_LENGTHS[:, None]
        labels_padding = np.arange(LABELS.shape[1])[None, :] >= TARGET_LENGTHS[:, None]
        ref = optax.ctc_loss(jax.numpy.asarray(LOGITS), jax.numpy.asarray(frames, dtype=float),
                             jax.numpy.asarray(LABELS), jax.numpy.asarray(labels_padding, dtype=float))
        got = losslab.get("ctc", from_logits=True)(LOGITS, LABELS, reduction="none", **INPUTS)
        np.testing.assert_allclose(got, as_numpy(ref), rtol=1e-10)
        # JAX arrays in, JAX arrays out (computed in NumPy: definition.autograd is False)
        out = losslab.get("ctc", from_logits=True)(jax.numpy.asarray(LOGITS), LABELS, **INPUTS)
        assert not isinstance(out, np.ndarray) and float(out) == pytest.approx(float(np.mean(
            as_numpy(ref) / np.maximum(TARGET_LENGTHS, 1))), rel=1e-10)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_value_and_grad_in_one_pass_equal_the_separate_calls(reduction: str) -> None:
    """The definition's fused value_and_grad (one forward-backward pass) gives the numbers value and grad give."""
    loss = losslab.get("ctc", from_logits=True)
    weights = np.array([1.0, 0.5, 2.0, 0.0])
    value, grad = loss.value_and_grad(LOGITS, LABELS, reduction=reduction, sample_weight=weights, **INPUTS)
    np.testing.assert_array_equal(value, loss(LOGITS, LABELS, reduction=reduction, sample_weight=weights, **INPUTS))
    np.testing.assert_array_equal(grad, loss.grad(LOGITS, LABELS, reduction=reduction, sample_weight=weights,
                                                  **INPUTS))
