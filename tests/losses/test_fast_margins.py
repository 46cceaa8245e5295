"""The NumPy kernels of nll and multilabel_margin (losses/fast/margins.py) against the generic array-API path:
the same numbers for every reduction, with and without weights, across block boundaries, in float64 and float32;
and every input the generic path refuses is handed back to it (NotImplemented), so the error is its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import losslab
from losslab import LossInputError

from ._cases import generic_path

RNG = np.random.default_rng(178)


def _log_probs(n: int, c: int, dt: Any) -> tuple[np.ndarray, np.ndarray]:
    z = RNG.normal(0.0, 2.0, (n, c))
    z = z - z.max(axis=1, keepdims=True)
    return (z - np.log(np.exp(z).sum(axis=1, keepdims=True))).astype(dt), RNG.integers(0, c, n)


def _index_rows(n: int, c: int, dt: Any) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(RNG.uniform(size=(n, c)), axis=1)
    k = RNG.integers(0, c + 1, (n, 1))
    z = RNG.normal(0.0, 1.0, (n, c))
    z[: n // 3] = np.round(z[: n // 3])  # integer scores: pairs exactly one margin apart
    return z.astype(dt), np.where(np.arange(c)[None, :] < k, order, -1)



def _both_paths(loss: Any, pred: np.ndarray, target: np.ndarray, dt: Any) -> Iterator[tuple[Any, ...]]:
    """For every reduction, unweighted and weighted: ``(kw, value, grad, generic value, generic grad)``, the kernel
    (which must take the call) beside the generic path."""
    for reduction in loss.definition.reductions:
        for weights in (None, RNG.uniform(0.0, 2.0, pred.shape[0]).astype(dt)):
            kw = {"reduction": reduction, "sample_weight": weights}
            assert loss.definition.fast(loss, pred, target, reduction, weights, True, True, None) is not NotImplemented
            value, grad = loss.value_and_grad(pred, target, **kw)
            gv, gg = generic_path(lambda kw=kw: loss.value_and_grad(pred, target, **kw))
            yield kw, value, grad, gv, gg


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("shape", [(1, 3), (61, 5), (9, 40), (200, 2)])
@pytest.mark.parametrize(("name", "make"), [("nll", _log_probs), ("multilabel_margin", _index_rows)])
def test_kernel_matches_the_generic_path(name: str, make: Any, shape: tuple[int, int], dt: Any) -> None:
    pred, target = make(*shape, dt)
    loss = losslab.get(name)
    tol = 1e-12 if dt == np.float64 else 1e-5
    for kw, value, grad, gv, gg in _both_paths(loss, pred, target, dt):
        assert np.asarray(value).dtype == np.asarray(gv).dtype and np.shape(value) == np.shape(gv)
        np.testing.assert_allclose(value, gv, rtol=tol, atol=tol * 1e-3)
        assert grad.dtype == gg.dtype
        np.testing.assert_allclose(grad, gg, rtol=tol, atol=tol * 1e-3 * float(np.max(np.abs(gg)) + 1e-30))
        out = np.full_like(pred, np.nan)
        assert loss.grad(pred, target, out=out, **kw) is out
        np.testing.assert_allclose(out, gg, rtol=tol, atol=tol * 1e-3 * float(np.max(np.abs(gg)) + 1e-30))


Z, Y = _log_probs(50, 6, np.float64)
S, L = _index_rows(50, 6, np.float64)


def _with(x: np.ndarray, index: int, value: Any) -> np.ndarray:
    y = x.copy()
    y.flat[index] = value
    return y


@pytest.mark.parametrize(("name", "params", "pred", "target", "words"), [
    ("nll", {}, _with(Z, 7, 0.5), Y, "pred"),
    ("nll", {}, _with(Z, 7, np.nan), Y, "finite"),
    ("nll", {}, _with(Z, 7, -np.inf), Y, "finite"),
    ("nll", {}, Z, _with(Y, 3, 6), "class labels in 0..5"),
    ("nll", {}, Z, _with(Y, 3, -1), "class labels in 0..5"),
    ("multilabel_margin", {}, _with(S, 4, np.inf), L, "finite"),
    ("multilabel_margin", {}, S, _with(np.full((50, 6), -1), 0, 6), "class indices in 0..5"),
    ("multilabel_margin", {}, S, np.tile([2, 2, -1, -1, -1, -1], (50, 1)), "at most once"),
], ids=["positive_log_prob", "nan", "minus_inf", "label_high", "label_negative", "inf_score", "index_high",
        "repeated"])
def test_bad_input_gets_the_generic_error(name: str, params: dict[str, Any], pred: np.ndarray, target: np.ndarray,
                                          words: str) -> None:
    loss = losslab.get(name, **params)
    assert loss.definition.fast(loss, pred, target, "mean", None, True, True, None) is NotImplemented
    with pytest.raises(LossInputError, match=words):
        loss.value_and_grad(pred, target)


def test_declines_what_it_does_not_handle() -> None:
    nll = losslab.get("nll", ignore_index=1)
    assert nll.definition.fast(nll, Z, Y, "mean", None, True, True, None) is NotImplemented
    weighted = losslab.get("nll", class_weight=[1.0] * 6)
    assert weighted.definition.fast(weighted, Z, Y, "mean", None, True, True, None) is NotImplemented
    wide = losslab.get("multilabel_margin")
    s, t = _index_rows(3, 70, np.float64)
    assert wide.definition.fast(wide, s, t, "mean", None, True, True, None) is NotImplemented
    assert float(wide(s, t)) == pytest.approx(float(generic_path(lambda: wide(s, t))), rel=1e-15)


def _signed_scores(n: int, k: int, dt: Any) -> tuple[np.ndarray, np.ndarray]:
    z = RNG.normal(0.0, 3.0, (n, k))
    z[0, 0] = 0.0
    z.flat[1 % z.size] = 40.0
    return z.astype(dt), RNG.choice([-1.0, 1.0], (n, k)).astype(dt)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("shape", [(1, 1), (203, 1), (57, 3)])
@pytest.mark.parametrize("encoding", ["pm", "01"])
def test_soft_margin_kernel_matches_the_generic_path(shape: tuple[int, int], dt: Any, encoding: str) -> None:
    pred, target = _signed_scores(*shape, dt)
    if encoding == "01":
        target = (target > 0).astype(dt)
    loss = losslab.get("soft_margin")
    tol = 1e-12 if dt == np.float64 else 1e-5
    for kw, value, grad, gv, gg in _both_paths(loss, pred, target, dt):
        np.testing.assert_allclose(value, gv, rtol=tol, atol=0)
        np.testing.assert_allclose(grad, gg, rtol=tol, atol=0)
        np.testing.assert_allclose(loss.grad(pred, target, **kw), gg, rtol=tol, atol=0)


SIGNS = np.where(RNG.uniform(size=300) < 0.5, -1.0, 1.0)
SCORES = RNG.normal(0.0, 2.0, 300)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize(("pred", "target", "words"), [
    (SCORES, np.where(np.arange(300) < 150, -1.0, 0.0), "all in"),
    (SCORES, _with(SIGNS, 77, 0.5), "signed_or_binary|-1|labels"),
    (_with(SCORES, 250, np.inf), SIGNS, "finite"),
], ids=["mixed_encodings", "half", "inf_score"])
def test_soft_margin_bad_input_gets_the_generic_error(pred: np.ndarray, target: np.ndarray, words: str) -> None:
    loss = losslab.get("soft_margin")
    assert loss.definition.fast(loss, pred, target, "mean", None, True, True, None) is NotImplemented
    with pytest.raises(LossInputError, match=words):
        loss.value_and_grad(pred, target)


def _distances(n: int, k: int, dt: Any) -> tuple[np.ndarray, np.ndarray]:
    d = RNG.uniform(0.0, 3.0, (n, k))
    d.flat[0] = 1.0  # exactly on the margin: slope 0
    d.flat[-1] = 0.0
    return d.astype(dt), RNG.choice([-1.0, 1.0], (n, k)).astype(dt)


def _label_scores(n: int, k: int, dt: Any) -> tuple[np.ndarray, np.ndarray]:
    z = RNG.normal(0.0, 3.0, (n, k))
    z.flat[0] = 0.0
    return z.astype(dt), RNG.uniform(0.0, 1.0, (n, k)).astype(dt)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("shape", [(1, 1), (203, 1), (57, 3)])
@pytest.mark.parametrize(("name", "params", "make"), [
    ("hinge_embedding", {}, _distances), ("hinge_embedding", {"margin": 2.5}, _distances),
    ("multilabel_soft_margin", {}, _label_scores)], ids=["hinge_embedding", "hinge_embedding-m2.5", "mlsm"])
def test_binary_kernels_match_the_generic_path(name: str, params: dict[str, Any], make: Any,
                                               shape: tuple[int, int], dt: Any) -> None:
    pred, target = make(*shape, dt)
    loss = losslab.get(name, **params)
    tol = 1e-12 if dt == np.float64 else 1e-5
    for _kw, value, grad, gv, gg in _both_paths(loss, pred, target, dt):
        np.testing.assert_allclose(value, gv, rtol=tol, atol=0)
        # a soft label near sigmoid(z): a gradient that cancels to rounding size in both paths
        np.testing.assert_allclose(grad, gg, rtol=tol, atol=tol * 1e-3 * float(np.max(np.abs(gg))))


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize(("name", "params", "pred", "target", "words"), [
    ("hinge_embedding", {}, _with(np.abs(SCORES), 5, -0.1), SIGNS, "pred"),
    ("hinge_embedding", {}, np.abs(SCORES), np.where(np.arange(300) < 150, -1.0, 0.0), "all in"),
    ("hinge_embedding", {}, _with(np.abs(SCORES), 200, np.nan), SIGNS, "finite"),
    ("multilabel_soft_margin", {}, SCORES, _with((SIGNS > 0).astype(float), 9, 1.5), "target"),
    ("multilabel_soft_margin", {"label_weight": 2.0}, SCORES, (SIGNS > 0).astype(float), None),
], ids=["negative_distance", "mixed_encodings", "nan", "label_above_1", "label_weight_declined"])
def test_binary_kernels_decline(name: str, params: dict[str, Any], pred: np.ndarray, target: np.ndarray,
                                words: str | None) -> None:
    loss = losslab.get(name, **params)
    assert loss.definition.fast(loss, pred, target, "mean", None, True, True, None) is NotImplemented
    if words is not None:
        with pytest.raises(LossInputError, match=words):
            loss.value_and_grad(pred, target)


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["f64", "f32"])
def test_nll_with_exact_zero_and_tiny_log_probabilities(dt: Any) -> None:
    # 0.0 (a certain class) and -0.0, -5e-324 sit at the edges of the kernel's one-pass screening of the bits
    z = np.array([[0.0, -800.0, -np.finfo(dt).max], [-0.0, -1e-30, -2.0], [-5e-324, -1.0, -3.0]], dtype=dt)
    y = np.array([0, 1, 0])
    loss = losslab.get("nll")
    assert loss.definition.fast(loss, z, y, "mean", None, True, True, None) is not NotImplemented
    value, grad = loss.value_and_grad(z, y, reduction="none")
    gv, gg = generic_path(lambda: loss.value_and_grad(z, y, reduction="none"))
    np.testing.assert_array_equal(value, gv)
    np.testing.assert_array_equal(grad, gg)
