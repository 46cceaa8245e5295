"""CTC (losslab.losses.sequence) against torch.nn.functional.ctc_loss, optax.ctc_loss, Keras's ctc_loss and a
brute-force sum over every alignment in mpmath: values and gradients, on the edge cases and on bad input."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pytest

from losslab.errors import LossInputError, LossInputWarning
from losslab.losses.sequence import ctc_grad, ctc_loss, ctc_steps, ctc_value_and_grad

from ._libraries import keras_epsilon, x64

torch = pytest.importorskip("torch")
F = torch.nn.functional


def log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def batch(seed: int = 0, t: int = 15, n: int = 6, c: int = 6, s: int = 5, blank: int = 0, scale: float = 1.0
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Raw logits (T, N, C), padded targets without the blank (with repeated neighbours), mixed lengths."""
    rng = np.random.default_rng(seed)
    z = scale * rng.standard_normal((t, n, c))
    labels = np.array([k for k in range(c) if k != blank])
    targets = rng.choice(labels, (n, s))
    targets[0, 1] = targets[0, 0]  # a repeated label, which needs a blank between
    target_lengths = rng.integers(0, s + 1, n)
    target_lengths[0], target_lengths[-1] = s, 0
    input_lengths = rng.integers(2 * s + 1, t + 1, n)
    input_lengths[0] = t
    return z, targets, input_lengths, target_lengths


def torch_ctc(z: np.ndarray, targets: Any, il: Any, tl: Any, *, blank: int = 0, reduction: str = "mean",
              zero_infinity: bool = False, dtype: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, torch's gradient on log_probs, autograd's gradient on the logits), log_probs = log_softmax(z)."""
    dtype = dtype or torch.float64
    zt = torch.tensor(z, dtype=dtype, requires_grad=True)
    lp = zt.log_softmax(-1)
    lp.retain_grad()
    value = F.ctc_loss(lp, torch.as_tensor(targets), torch.as_tensor(il), torch.as_tensor(tl), blank=blank,
                       reduction=reduction, zero_infinity=zero_infinity)
    value.sum().backward()
    return value.detach().numpy(), lp.grad.numpy(), zt.grad.numpy()


def frames(lp: np.ndarray, il: np.ndarray) -> np.ndarray:
    return (np.arange(lp.shape[0])[:, None] < np.asarray(il)[None, :])[:, :, None]


# ------------------------------------------------------------------------------------------------- PyTorch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("blank", [0, 3, 5])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_value_and_both_gradients_match_torch_float64(reduction: str, blank: int, layout: str) -> None:
    z, tg, il, tl = batch(seed=blank, blank=blank)
    lp = log_softmax(z)
    targets = tg if layout == "padded" else np.concatenate([tg[i, : tl[i]] for i in range(len(tl))])
    ref, ref_lp_grad, ref_logit_grad = torch_ctc(z, targets, il, tl, blank=blank, reduction=reduction)
    value, grad = ctc_value_and_grad(lp, targets, il, tl, blank=blank, reduction=reduction)
    np.testing.assert_allclose(value, ref, rtol=1e-12, atol=1e-10)
    # torch's CTC backward returns softmax - occupancy (the logits' gradient); ours is d/d log_probs = -occupancy
    scale = 1.0 / (len(tl) * np.maximum(tl, 1)) if reduction == "mean" else np.ones(len(tl))
    np.testing.assert_allclose(ref_lp_grad - grad, np.exp(lp) * frames(lp, il) * scale[None, :, None], atol=1e-10)
    np.testing.assert_allclose(ctc_grad(lp, targets, il, tl, blank=blank, reduction=reduction, from_logits=True),
                               ref_lp_grad, atol=1e-10)
    np.testing.assert_allclose(ctc_grad(z, targets, il, tl, blank=blank, reduction=reduction, from_logits=True),
                               ref_logit_grad, atol=1e-10)
    np.testing.assert_allclose(ctc_loss(z, targets, il, tl, blank=blank, reduction=reduction, from_logits=True),
                               ref, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_float32_matches_torch(reduction: str) -> None:
    """losslab computes float32 input in float64 and rounds once: within 1e-5 of the exact (float64) answer on the
    same float32 numbers. PyTorch's float32 kernel is itself up to 3e-5 off there (summing in float32), so against
    it the tolerance is 1e-4."""
    z, tg, il, tl = batch(seed=7, t=40, n=8, c=10, s=8)
    z32 = z.astype(np.float32)
    exact, exact_grad, _ = torch_ctc(z32.astype(np.float64), tg, il, tl, reduction=reduction)
    ref, ref_grad, _ = torch_ctc(z32, tg, il, tl, reduction=reduction, dtype=torch.float32)
    value, grad = ctc_value_and_grad(z32, tg, il, tl, reduction=reduction, from_logits=True)
    assert value.dtype == np.float32 and grad.dtype == np.float32
    np.testing.assert_allclose(value, exact, rtol=1e-6)
    np.testing.assert_allclose(grad, exact_grad, atol=1e-6)
    np.testing.assert_allclose(value, ref, rtol=1e-5)
    np.testing.assert_allclose(grad, ref_grad, atol=1e-4)
    lp = log_softmax(z32.astype(np.float64)).astype(np.float32)
    np.testing.assert_allclose(ctc_loss(lp, tg, il, tl, reduction=reduction), exact, rtol=1e-5)


def test_mean_divides_each_loss_by_its_target_length_then_averages() -> None:
    z, tg, il, tl = batch(seed=3)
    lp = log_softmax(z)
    each = ctc_loss(lp, tg, il, tl, reduction="none")
    assert np.isclose(ctc_loss(lp, tg, il, tl), np.mean(each / np.maximum(tl, 1)), rtol=1e-14)
    assert np.isclose(ctc_loss(lp, tg, il, tl, reduction="sum"), each.sum(), rtol=1e-14)


def test_exact_gradient_matches_finite_differences() -> None:
    z, tg, il, tl = batch(seed=4, t=7, n=3, c=4, s=3)
    lp = log_softmax(z)
    g = ctc_grad(lp, tg, il, tl, reduction="sum")
    h = 1e-6
    for idx in [(0, 0, 0), (2, 0, 1), (3, 1, 2), (6, 0, 3), (5, 2, 0)]:
        up, down = lp.copy(), lp.copy()
        up[idx] += h
        down[idx] -= h
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LossInputWarning)  # the nudged frame no longer sums to 1 exactly
            fd = (ctc_loss(up, tg, il, tl, reduction="sum") - ctc_loss(down, tg, il, tl, reduction="sum")) / (2 * h)
        assert abs(fd - g[idx]) < 1e-7


def test_a_sweep_of_random_shapes_blanks_and_lengths_matches_torch() -> None:
    """T from 1, empty targets, impossible sequences (counted as 0 on both sides), blanks anywhere. In log space the
    posteriors carry an absolute error of about eps * |log p|: with log-probabilities near -1e4 over 30 frames
    (|log p| ~ 3e5) both libraries are about 5e-11 from the exact gradient, so there the tolerance is 2e-10."""
    rng = np.random.default_rng(1)
    for _ in range(60):
        t, n, c, s = (int(rng.integers(lo, hi)) for lo, hi in ((1, 30), (1, 7), (2, 7), (1, 8)))
        blank = int(rng.integers(0, c))
        tg = rng.choice([k for k in range(c) if k != blank], (n, s))
        tl, il = rng.integers(0, s + 1, n), rng.integers(1, t + 1, n)
        scale = float(rng.choice([1.0, 5.0, 1e4]))
        z = scale * rng.standard_normal((t, n, c))
        reduction = str(rng.choice(["mean", "sum", "none"]))
        ref, _, ref_grad = torch_ctc(z, tg, il, tl, blank=blank, reduction=reduction, zero_infinity=True)
        value, grad = ctc_value_and_grad(z, tg, il, tl, blank=blank, reduction=reduction, impossible="zero",
                                         from_logits=True)
        np.testing.assert_allclose(value, ref, rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(grad, ref_grad, atol=2e-10 if scale > 100 else 1e-10)
        # the value alone runs the forward recursion only, in rolling buffers: the same numbers
        alone = ctc_loss(z, tg, il, tl, blank=blank, reduction=reduction, impossible="zero", from_logits=True)
        np.testing.assert_allclose(alone, value, rtol=1e-14, atol=1e-14)


# ------------------------------------------------------------------------------------------------- edge cases
@pytest.mark.parametrize(("t", "target", "note"), [
    (1, [], "T = 1, empty target"),
    (1, [2], "T = 1, one label"),
    (4, [], "empty target: all blanks"),
    (3, [1, 1], "a repeat that just fits: 1, blank, 1"),
    (5, [1, 1, 1], "two repeats, exactly T frames"),
    (6, [1, 2, 2, 1], "a repeat inside"),
])
def test_edge_cases_match_torch_and_an_mpmath_sum_over_all_alignments(t: int, target: list[int], note: str) -> None:
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(len(target) + t)
    for scale in (1.0, 1e4):  # 1e4: log-probabilities near -1e4, where a sum of probabilities would underflow
        z = scale * rng.standard_normal((t, 1, 3))
        lp = log_softmax(z)
        tg = np.array([target + [0] * (4 - len(target))])
        ref, ref_grad, _ = torch_ctc(z, tg, [t], [len(target)], reduction="sum")
        value, grad = ctc_value_and_grad(lp, tg, [t], [len(target)], reduction="sum")
        assert value == pytest.approx(float(ref), rel=1e-12, abs=1e-10), note
        # brute force: every path of T classes whose collapse (merge repeats, drop blanks) is the target
        mpmath.mp.dps = 40
        total = mpmath.mpf(0)
        occupancy = [[mpmath.mpf(0)] * 3 for _ in range(t)]
        for path in itertools.product(range(3), repeat=t):
            collapsed = [k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k)]
            if collapsed == target:
                p = mpmath.exp(mpmath.fsum(mpmath.mpf(float(lp[i, 0, k])) for i, k in enumerate(path)))
                total += p
                for i, k in enumerate(path):
                    occupancy[i][k] += p
        assert value == pytest.approx(float(-mpmath.log(total)), rel=1e-12, abs=1e-10), note
        expected = -np.array([[float(o / total) for o in row] for row in occupancy])
        np.testing.assert_allclose(grad[:, 0, :], expected, atol=1e-10, err_msg=note)
        np.testing.assert_allclose(grad + np.exp(lp), ref_grad, atol=1e-10, err_msg=note)


def test_very_negative_log_probs_match_torch_in_a_batch_of_mixed_lengths() -> None:
    z, tg, il, tl = batch(seed=11, t=20, n=5, c=5, s=4, scale=1e4)
    lp = log_softmax(z)
    assert lp.min() < -1e4
    for reduction in ("mean", "none"):
        ref, ref_grad, _ = torch_ctc(z, tg, il, tl, reduction=reduction)
        value, grad = ctc_value_and_grad(lp, tg, il, tl, reduction=reduction, from_logits=True)
        np.testing.assert_allclose(value, ref, rtol=1e-12)
        np.testing.assert_allclose(grad, ref_grad, atol=1e-10)


def impossible_batch() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sequence 0: target longer than its input; 1: a repeat with no frame left for its blank; 2: possible."""
    z = np.random.default_rng(5).standard_normal((4, 3, 4))
    tg = np.array([[1, 2, 3, 1, 2], [1, 2, 2, 3, 0], [1, 2, 0, 0, 0]])
    return z, tg, np.array([4, 4, 4]), np.array([5, 4, 2])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_impossible_alignments_are_inf_or_zero_as_torch(reduction: str) -> None:
    z, tg, il, tl = impossible_batch()
    lp = log_softmax(z)
    ref, ref_grad, _ = torch_ctc(z, tg, il, tl, reduction=reduction)
    value, grad = ctc_value_and_grad(lp, tg, il, tl, reduction=reduction, impossible="inf", from_logits=True)
    np.testing.assert_array_equal(np.isinf(value), np.isinf(ref))
    np.testing.assert_allclose(value, ref, rtol=1e-12)
    np.testing.assert_array_equal(np.isnan(grad), np.isnan(ref_grad))  # torch's gradient there is NaN too
    ref, ref_grad, _ = torch_ctc(z, tg, il, tl, reduction=reduction, zero_infinity=True)
    value, grad = ctc_value_and_grad(lp, tg, il, tl, reduction=reduction, impossible="zero", from_logits=True)
    np.testing.assert_allclose(value, ref, rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, atol=1e-12)
    assert np.all(grad[:, :2] == 0)


def test_impossible_alignments_raise_by_default_and_say_what_to_do() -> None:
    z, tg, il, tl = impossible_batch()
    with pytest.raises(LossInputError) as info:
        ctc_loss(log_softmax(z), tg, il, tl)
    e = info.value
    assert (e.loss, e.argument) == ("ctc", "target_lengths")
    assert "inf" in e.hint and "impossible='zero'" in e.hint and "zero_infinity" in e.hint
    with pytest.raises(LossInputError) as info:  # the repeat needs a blank: 4 labels + 1 blank > 4 frames
        ctc_loss(log_softmax(z[:, 1:2]), tg[1:2], [4], [4])
    assert info.value.argument == "targets" and "5 frames" in info.value.expected


def test_probability_zero_on_every_path_raises_or_follows_torch() -> None:
    lp = np.full((3, 1, 3), -np.inf)
    lp[:, :, 0] = 0.0  # the blank is certain: the label 1 can never be emitted
    with pytest.raises(LossInputError, match="probability 0"):
        ctc_loss(lp, [[1]], [3], [1])
    assert ctc_loss(lp, [[1]], [3], [1], impossible="inf") == np.inf
    assert ctc_loss(lp, [[1]], [3], [1], impossible="zero") == 0.0
    assert ctc_loss(lp, [[0]], [3], [0]) == 0.0  # the empty target: probability 1


def test_unbatched_input_as_torch() -> None:
    z, tg, il, tl = batch(seed=2, n=2)
    tg, il, tl = tg[:1, :4], il[:1], np.array([4])  # torch wants exactly target_length labels here
    lp = log_softmax(z[:, 0])
    ref = F.ctc_loss(torch.tensor(lp), torch.tensor(tg[0]), torch.tensor(il[0]), torch.tensor(tl[0]),
                     reduction="none")
    value, grad = ctc_value_and_grad(lp, tg[0], int(il[0]), int(tl[0]), reduction="none")
    assert np.shape(value) == () and grad.shape == lp.shape
    assert float(value) == pytest.approx(float(ref), rel=1e-12)


def test_other_array_libraries_come_back_in_their_own_type() -> None:
    z, tg, il, tl = batch(seed=6)
    lp = log_softmax(z)
    expected = ctc_loss(lp, tg, il, tl)
    lpt = torch.tensor(lp, dtype=torch.float32, requires_grad=True)
    value, grad = ctc_value_and_grad(lpt, torch.tensor(tg), torch.tensor(il), torch.tensor(tl))
    assert isinstance(value, torch.Tensor) and value.dtype == torch.float32 and grad.shape == lpt.shape
    assert float(value) == pytest.approx(expected, rel=1e-5)
    with x64() as jax:
        jv = ctc_loss(jax.numpy.asarray(lp), jax.numpy.asarray(tg), jax.numpy.asarray(il), jax.numpy.asarray(tl))
        assert isinstance(jv, jax.Array) and float(jv) == pytest.approx(expected, rel=1e-14)


# ------------------------------------------------------------------------------------------- optax and Keras
def test_optax_ctc_loss_on_logits_with_paddings() -> None:
    optax = pytest.importorskip("optax")
    z, tg, il, tl = batch(seed=8, blank=0)
    with x64() as jax:
        jnp = jax.numpy
        logits = jnp.asarray(np.transpose(z, (1, 0, 2)))  # optax is batch-first, (B, T, K)
        logit_pad = jnp.asarray((np.arange(z.shape[0])[None, :] >= il[:, None]).astype(float))
        label_pad = jnp.asarray((np.arange(tg.shape[1])[None, :] >= tl[:, None]).astype(float))

        def total(x: Any) -> Any:
            return optax.ctc_loss(x, logit_pad, jnp.asarray(tg), label_pad, blank_id=0).sum()

        ref = np.asarray(optax.ctc_loss(logits, logit_pad, jnp.asarray(tg), label_pad, blank_id=0))
        ref_grad = np.transpose(np.asarray(jax.grad(total)(logits)), (1, 0, 2))
    value, grad = ctc_value_and_grad(z, tg, il, tl, reduction="none", from_logits=True)
    np.testing.assert_allclose(value, ref, rtol=1e-10)
    np.testing.assert_allclose(grad * frames(z, il), ref_grad * frames(z, il), atol=1e-10)


def test_keras_ctc_loss_and_the_ctc_loss_class() -> None:
    """Keras computes CTC in float32 whatever the input (its ``result_type(float64, "float32")`` is float32): the
    float32 tolerance, 1e-5 relative."""
    z, tg, il, tl = batch(seed=9, blank=0)
    with keras_epsilon(1e-7) as keras:  # Keras's default epsilon
        y_pred = np.transpose(z, (1, 0, 2))
        ref = np.asarray(keras.ops.ctc_loss(tg, y_pred, tl, il, mask_index=0))
        assert ref.dtype == np.float32
        np.testing.assert_allclose(ctc_loss(z, tg, il, tl, reduction="none", from_logits=True), ref, rtol=1e-5)
        # keras.losses.CTC: every input is full length and the labels are padded with the blank 0
        padded = np.where(np.arange(tg.shape[1])[None, :] < tl[:, None], tg, 0)
        full = np.full_like(il, z.shape[0])
        ref = np.asarray(keras.losses.CTC(reduction=None)(padded, y_pred))
        np.testing.assert_allclose(ctc_loss(z, padded, full, tl, reduction="none", from_logits=True), ref,
                                   rtol=1e-5)


# ------------------------------------------------------------------------------------------------ explanation
def test_steps_count_the_alignments_and_read_the_probability() -> None:
    z, tg, il, tl = batch(seed=10, t=6, n=3, c=3, s=2)
    tg[:] = [[1, 2], [1, 1], [2, 2]]
    tl[:], il[:] = [2, 2, 1], [6, 5, 6]
    steps = ctc_steps(log_softmax(z), tg, il, tl)
    # alignments of "ab" in 6 frames and "aa" in 5 frames, counted by enumeration
    def count(target: list[int], t: int) -> int:
        return sum(1 for p in itertools.product(range(3), repeat=t)
                   if [k for i, k in enumerate(p) if k != 0 and (i == 0 or p[i - 1] != k)] == target)
    expected = [count([1, 2], 6), count([1, 1], 5), count([2], 6)]
    np.testing.assert_allclose(10 ** steps["log10_alignments"], expected, rtol=1e-12)
    np.testing.assert_array_equal(steps["frames_needed"], [2, 3, 1])
    np.testing.assert_allclose(steps["probability"], np.exp(-steps["loss"]), rtol=1e-14)


# ------------------------------------------------------------------------------------------------- bad input
def call(**change: Any) -> LossInputError:
    z, tg, il, tl = batch(seed=12, t=8, n=3, c=4, s=3)
    args = {"log_probs": log_softmax(z), "targets": tg, "input_lengths": il, "target_lengths": tl, **change}
    kwargs = {k: args.pop(k) for k in list(args) if k not in ("log_probs", "targets", "input_lengths",
                                                             "target_lengths")}
    with pytest.raises(LossInputError) as info:
        ctc_loss(args["log_probs"], args["targets"], args["input_lengths"], args["target_lengths"], **kwargs)
    assert info.value.loss == "ctc" and info.value.hint
    return info.value


@pytest.mark.parametrize(("change", "argument", "words"), [
    ({"targets": [[1, 0, 2], [1, 2, 3], [3, 3, 1]]}, "targets", "blank"),
    ({"targets": [[1, 4, 2], [1, 2, 3], [3, 3, 1]]}, "targets", "0..3"),
    ({"targets": [[1, -1, 2], [1, 2, 3], [3, 3, 1]]}, "targets", "0..3"),
    ({"targets": [[1.5, 1, 2], [1, 2, 3], [3, 3, 1]]}, "targets", "non-integer"),
    ({"targets": [1, 2, 3]}, "targets", "sum of target_lengths"),
    ({"targets": np.ones((2, 3), dtype=int)}, "targets", "(3, S)"),
    ({"target_lengths": [3, 3, 9]}, "target_lengths", "width"),
    ({"target_lengths": [3, -1, 2]}, "target_lengths", "non-negative"),
    ({"target_lengths": [3, 3]}, "target_lengths", "(3,)"),
    ({"input_lengths": [8, 9, 8]}, "input_lengths", "1..8"),
    ({"input_lengths": [8, 0, 8]}, "input_lengths", "1..8"),
    ({"log_probs": np.zeros((8, 3))}, "input_lengths", "(1,)"),
    ({"log_probs": np.zeros((2, 8, 3, 4))}, "log_probs", "(T, N, C)"),
    ({"log_probs": np.full((8, 3, 4), 0.5)}, "log_probs", "<= 0"),
    ({"log_probs": np.full((8, 3, 4), np.nan)}, "log_probs", "finite"),
    ({"blank": 4}, "blank", "0..3"),
    ({"blank": True}, "blank", "0..3"),
    ({"impossible": "nan"}, "impossible", "'zero'"),
    ({"reduction": "max"}, "reduction", "'none'"),
])
def test_bad_input_names_the_argument_and_gives_a_hint(change: dict[str, Any], argument: str, words: str) -> None:
    e = call(**change)
    assert e.argument == argument, str(e)
    assert words in e.expected + e.got + (e.hint or ""), str(e)


def test_positive_log_probs_suggest_from_logits() -> None:
    e = call(log_probs=np.full((8, 3, 4), 0.5))
    assert "from_logits=True" in (e.hint or "") and "log_softmax" in (e.hint or "")


def test_target_lengths_above_input_lengths_mention_inf_and_zero_infinity() -> None:
    e = call(input_lengths=[8, 2, 8], target_lengths=[3, 3, 0])
    assert "inf" in (e.hint or "") and "zero_infinity" in (e.hint or "")


def test_unnormalized_log_probs_warn_once_and_are_used_as_given() -> None:
    z, tg, il, tl = batch(seed=13)
    lp = log_softmax(z) - 0.5
    with pytest.warns(LossInputWarning, match="not normalized") as caught:
        value = ctc_loss(lp, tg, il, tl, reduction="sum")
    assert len(caught) == 1 and "log_softmax" in str(caught[0].message)
    assert value == pytest.approx(ctc_loss(log_softmax(z), tg, il, tl, reduction="sum") + 0.5 * il.sum())
    lp_padded = log_softmax(z)
    il[1:] = np.minimum(il[1:], z.shape[0] - 1)
    lp_padded[-1, 1:] = 0.0  # frames past an input length may hold anything (padding)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LossInputWarning)
        ctc_loss(lp_padded, tg, il, tl)


# ------------------------------------------------------------------------------------------------ catalog form
def test_the_catalog_form_is_batch_first_per_sequence_with_float_lengths() -> None:
    from losslab.losses.sequence import PARAMS, catalog_grad, catalog_steps, catalog_value, mean_divisor

    z, tg, il, tl = batch(seed=14)
    lp = log_softmax(z)
    pred = np.transpose(lp, (1, 0, 2))  # (N, T, C), as the catalog lays out examples first
    params = {p.name: p.default for p in PARAMS}
    lengths = {"input_lengths": il.astype(float), "target_lengths": tl.astype(float)}  # the core hands floats
    ref, _, _ = torch_ctc(z, tg, il, tl, reduction="none")
    np.testing.assert_allclose(catalog_value(np, pred, tg.astype(float), **lengths, **params), ref, rtol=1e-12)
    grad = catalog_grad(np, pred, tg, **lengths, **params)
    np.testing.assert_allclose(np.transpose(grad, (1, 0, 2)), ctc_grad(lp, tg, il, tl, reduction="none"))
    mean, _, _ = torch_ctc(z, tg, il, tl, reduction="mean")
    divisor = mean_divisor(np, pred, tg, **lengths, **params)
    assert np.mean(catalog_value(np, pred, tg, **lengths, **params) / divisor) == pytest.approx(mean)
    per_sequence, per_class = catalog_steps(pred, tg, params, **lengths)
    assert per_class == {} and per_sequence["log_likelihood"].shape == (len(tl),)
    assert all(p.check(p.default) is None for p in PARAMS)
    assert PARAMS[0].check(-1) is not None and PARAMS[1].check("nan") is not None


def test_no_input_ends_in_a_raw_exception() -> None:
    """Whatever each argument holds, the answer is a number or a LossInputError (never a TypeError or an
    IndexError from inside)."""
    z, tg, il, tl = batch(seed=15, t=6, n=2, c=3, s=2)
    good: dict[str, Any] = {"log_probs": log_softmax(z), "targets": tg, "input_lengths": il, "target_lengths": tl}
    weird: list[Any] = ["abc", None, [[1, 2], [3]], 1 + 2j, np.array([1 + 1j]), [], np.zeros((0, 2, 3)), 3.5,
                        np.float16(1.0), np.array([[np.nan]]), [np.inf, 1], object(), True, -1, 10**30]
    for argument in good:
        for value in weird:
            args = {**good, argument: value}
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", LossInputWarning)
                    ctc_value_and_grad(*args.values())
            except LossInputError as e:
                assert e.loss == "ctc" and e.hint, (argument, value, e)
