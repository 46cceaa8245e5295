"""Chunked cross-entropy: equal to the catalog's sparse cross-entropy on the full logits, gradients equal to
PyTorch's autograd and to finite differences, and the edges (one token, V = 1, chunk sizes, saturation, float32)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError
from losslab.lm import chunked_cross_entropy

SCE = losslab.get("sparse_categorical_cross_entropy", from_logits=True)


def _problem(n=37, d=6, v=13, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)).astype(dtype), rng.standard_normal((d, v)).astype(dtype),
            rng.integers(0, v, n))


@pytest.mark.parametrize("chunk", [1, 5, 37, 1024])
def test_equals_the_catalog_loss_on_the_full_logits(chunk):
    h, w, y = _problem()
    value, (gh, gw) = chunked_cross_entropy(h, w, y, chunk_size=chunk, return_grad=True)
    full, gz = SCE.value_and_grad(h @ w, y)
    assert abs(value - full) <= 1e-12
    np.testing.assert_allclose(gh, gz @ w.T, atol=1e-14)
    np.testing.assert_allclose(gw, h.T @ gz, atol=1e-14)
    assert chunked_cross_entropy(h, w, y, chunk_size=chunk) == value


def test_matches_torch_cross_entropy_value_and_gradients():
    torch = pytest.importorskip("torch")
    h, w, y = _problem(n=50, d=8, v=21, seed=1)
    value, (gh, gw) = chunked_cross_entropy(h, w, y, chunk_size=16, return_grad=True)
    th, tw = torch.tensor(h, requires_grad=True), torch.tensor(w, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(th @ tw, torch.tensor(y))
    loss.backward()
    assert abs(value - loss.item()) <= 1e-12
    np.testing.assert_allclose(gh, th.grad.numpy(), atol=1e-13)
    np.testing.assert_allclose(gw, tw.grad.numpy(), atol=1e-13)


def test_gradients_match_finite_differences():
    h, w, y = _problem(n=7, d=3, v=5, seed=2)
    _, (gh, gw) = chunked_cross_entropy(h, w, y, chunk_size=3, return_grad=True)
    eps = 1e-6
    for array, grad in ((h, gh), (w, gw)):
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + eps
            up = chunked_cross_entropy(h, w, y, chunk_size=3)
            array[index] = old - eps
            down = chunked_cross_entropy(h, w, y, chunk_size=3)
            array[index] = old
            assert (up - down) / (2 * eps) == pytest.approx(grad[index], abs=1e-8)


def test_edges_one_token_one_class_and_saturation():
    h, w, y = _problem(n=1)
    assert chunked_cross_entropy(h, w, y) == pytest.approx(SCE(h @ w, y), abs=1e-12)
    one = chunked_cross_entropy(np.ones((4, 2)), np.ones((2, 1)), np.zeros(4, dtype=int), return_grad=True)
    assert one[0] == 0.0 and not one[1][0].any() and not one[1][1].any()
    z = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = chunked_cross_entropy(z, np.eye(3), np.array([0, 2]))
    assert value == pytest.approx(np.log(2) / 2, rel=1e-12)  # row 1: 0; row 2: ln 2


def test_float32_stays_float32_and_is_close_to_float64():
    h, w, y = _problem(n=3000, d=16, v=50, seed=3)
    v64 = chunked_cross_entropy(h, w, y, chunk_size=7)
    v32, (gh, gw) = chunked_cross_entropy(h.astype(np.float32), w.astype(np.float32), y, chunk_size=7,
                                          return_grad=True)
    assert v32.dtype == np.float32 and gh.dtype == np.float32 and gw.dtype == np.float32
    assert v32 == pytest.approx(v64, rel=1e-6)


@pytest.mark.parametrize("kwargs, argument", [
    ({"targets": np.array([0, 99])}, "targets"),
    ({"targets": np.array([0.0, 1.0])}, "targets"),
    ({"hidden": np.ones((2, 4))}, "hidden"),
    ({"hidden": np.ones((0, 3)), "targets": np.zeros(0, dtype=int)}, "hidden"),
    ({"chunk_size": 0}, "chunk_size"),
])
def test_bad_input_names_the_argument(kwargs, argument):
    args = {"hidden": np.ones((2, 3)), "weight": np.ones((3, 5)), "targets": np.array([0, 1]), **kwargs}
    with pytest.raises(LossInputError) as info:
        chunked_cross_entropy(args.pop("hidden"), args.pop("weight"), args.pop("targets"), **args)
    assert info.value.argument == argument


def test_the_published_liger_figure_is_reproduced():
    """PyTorch blog (2025-02-27): batch 8 × 4096 tokens, a 256k vocabulary: a 16.8 GB logit tensor (bfloat16)."""
    from losslab import lm

    p = lm.MEMORY_PRESETS["liger_flce"]
    size = lm.logits_memory(p["context"], p["vocab"], p["bytes"])
    assert size == 8 * 4096 * 256_000 * 2 and round(size / 1e9, 1) == 16.8
    assert all(isinstance(v["source"], str) and v["source"] for v in lm.MEMORY_PRESETS.values())
