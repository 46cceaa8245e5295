"""The nll kernel's one-reduction label check and its gather (losses/fast/margins.py) on what test_fast_margins.py
does not vary: every integer label dtype (signed labels read as unsigned, so -1 is above every class), log-
probabilities of exactly 0 and -0, and a bad label or entry in the last of several blocks: the generic path's
numbers (to 1e-12) or its error."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import losslab
from losslab import LossInputError

from ._cases import generic_path

RNG = np.random.default_rng(417)
N, C = 50, 6


def _log_probs(n: int, c: int) -> np.ndarray:
    z = RNG.normal(0.0, 2.0, (n, c))
    z = z - z.max(axis=1, keepdims=True)
    z = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    z[0] = [0.0, -800.0, -800.0, -800.0, -800.0, -800.0]  # a certain row: log p = 0 exactly
    z[2, 3] = -0.0  # (its bits are the smallest int64: the float check decides)
    return z



@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("label_dtype", [np.int64, np.int32, np.int8, np.uint8, np.uint64])
@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_every_label_dtype_gives_the_generic_numbers(label_dtype: Any, dt: Any, reduction: str) -> None:
    z = _log_probs(N, C).astype(dt)
    y = RNG.integers(0, C, N).astype(label_dtype)
    y[0] = 0  # the certain row's label: loss 0
    loss = losslab.get("nll")
    w = RNG.uniform(0.0, 2.0, N).astype(dt)
    for kwargs in ({}, {"sample_weight": w}):
        got_v, got_g = loss.value_and_grad(z, y, reduction=reduction, **kwargs)
        ref_v, ref_g = generic_path(lambda kwargs=kwargs: loss.value_and_grad(z, y, reduction=reduction, **kwargs))
        np.testing.assert_allclose(got_v, ref_v, rtol=1e-12 if dt == np.float64 else 1e-6, atol=0.0)
        np.testing.assert_allclose(got_g, ref_g, rtol=1e-12 if dt == np.float64 else 1e-6, atol=0.0)
        assert got_g.dtype == dt


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize(("label", "value", "words"), [
    (-1, None, "class labels in 0..5"),
    (C, None, "class labels in 0..5"),
    (None, 1e-300, "pred"),
    (None, np.nan, "finite"),
    (None, -np.inf, "finite"),
])
@pytest.mark.parametrize("label_dtype", [np.int64, np.int8])
def test_a_bad_entry_in_the_last_block_gets_the_generic_error(label: int | None, value: float | None, words: str,
                                                              label_dtype: Any) -> None:
    z = _log_probs(N, C)
    y = RNG.integers(0, C, N).astype(label_dtype)
    if label is not None:
        y[-1] = label
    if value is not None:
        z[-1, 2] = value
    loss = losslab.get("nll")
    with pytest.raises(LossInputError) as fast:
        loss.value_and_grad(z, y)
    with pytest.raises(LossInputError) as generic:
        generic_path(lambda: loss.value_and_grad(z, y))
    assert str(fast.value) == str(generic.value)
    assert words in str(fast.value)
