"""The NumPy fast path (``losslab.losses.fast``) against the generic array-API path.

Every kernel must give the generic path's numbers (rtol 1e-12 in float64, 1e-5 in float32) for every reduction,
with and without sample weights, for the value, the gradient and the gradient written to ``out=``; and bad input
must still raise the generic path's error, word for word. The block sizes are shrunk for most tests so that small
arrays already run through many blocks, a partial last block, and the chunked dot products.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError, LossInputWarning
from losslab.losses.fast import _blocks as _fast

from ._cases import generic_path

Maker = Callable[[np.random.Generator, tuple[int, ...], Any], tuple[np.ndarray, np.ndarray]]


# ------------------------------------------------------------------------------------------------------ inputs
def _real(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return (2.0 * rng.standard_normal(shape)).astype(dt), (2.0 * rng.standard_normal(shape)).astype(dt)


def _signed(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal(shape).astype(dt), rng.choice([-1.0, 1.0], shape).astype(dt)


def _zero_one(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal(shape).astype(dt), rng.choice([0.0, 1.0], shape).astype(dt)


def _logits(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    z = 3.0 * rng.standard_normal(shape)
    z.flat[:: 7] *= 15.0  # a few confident scores, where 1 - sigmoid would cancel
    return z.astype(dt), rng.integers(0, 2, shape).astype(dt)


def _soft_logits(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return (3.0 * rng.standard_normal(shape)).astype(dt), rng.uniform(0.0, 1.0, shape).astype(dt)


def _probs(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    p = rng.uniform(0.0, 1.0, shape)
    p.flat[:: 11] = 0.0  # clipped ends: the gradient is 0 there
    p.flat[5:: 13] = 1.0
    return p.astype(dt), rng.integers(0, 2, shape).astype(dt)


def _soft_probs(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.01, 0.99, shape).astype(dt), rng.uniform(0.0, 1.0, shape).astype(dt)


def _counts(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.0, 5.0, shape).astype(dt), rng.poisson(2.0, shape).astype(dt)


def _log_counts(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal(shape).astype(dt), rng.poisson(2.0, shape).astype(dt)


def _small_errors(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    """Predictions close to the target: log_cosh's near-zero branch."""
    t = rng.standard_normal(shape)
    return (t + 0.03 * rng.standard_normal(shape)).astype(dt), t.astype(dt)


def _rows_onehot(scale: float) -> Maker:
    def make(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
        n, c = shape
        return (scale * rng.standard_normal(shape)).astype(dt), np.eye(c)[rng.integers(0, c, n)].astype(dt)

    return make


def _rows_soft(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    n, c = shape
    return (5.0 * rng.standard_normal(shape)).astype(dt), rng.dirichlet(np.ones(c), n).astype(dt)


def _labels(scale: float) -> Maker:
    def make(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
        n, c = shape
        return (scale * rng.standard_normal(shape)).astype(dt), rng.integers(0, c, n)

    return make


def _distributions(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    n, c = shape
    p = rng.dirichlet(np.ones(c), n)
    p[0, 0] = 0.0  # a clipped entry
    p[0] /= p[0].sum()
    t = rng.dirichlet(np.ones(c), n)
    t[:, -1] = 0.0  # 0 log 0
    t /= t.sum(axis=1, keepdims=True)
    return p.astype(dt), t.astype(dt)


# (id, loss name, parameters, input recipe)
ELEMENTWISE: list[tuple[str, str, dict[str, Any], Maker]] = [
    ("mse", "mse", {}, _real),
    ("sse", "sse", {}, _real),
    ("rmse", "rmse", {}, _real),
    ("mae", "mae", {}, _real),
    ("huber", "huber", {"delta": 0.7}, _real),
    ("smooth_l1", "smooth_l1", {"beta": 0.5}, _real),
    ("smooth_l1_beta0", "smooth_l1", {"beta": 0.0}, _real),
    ("quantile_low", "quantile", {"q": 0.3}, _real),
    ("quantile_high", "quantile", {"q": 0.8}, _real),
    ("hinge_pm", "hinge", {}, _signed),
    ("hinge_01", "hinge", {}, _zero_one),
    ("squared_hinge_pm", "squared_hinge", {}, _signed),
    ("squared_hinge_01", "squared_hinge", {}, _zero_one),
    ("log_cosh", "log_cosh", {}, _real),
    ("log_cosh_near", "log_cosh", {}, _small_errors),
    ("poisson", "poisson", {}, _counts),
    ("poisson_log", "poisson", {"log_input": True}, _log_counts),
    ("bce_probs", "binary_cross_entropy", {}, _probs),
    ("bce_probs_soft", "binary_cross_entropy", {"label_smoothing": 0.2, "eps": 1e-4}, _soft_probs),
    ("bce_logits", "binary_cross_entropy", {"from_logits": True}, _logits),
    ("bce_logits_soft", "binary_cross_entropy", {"from_logits": True, "label_smoothing": 0.1}, _soft_logits),
    ("focal_logits", "binary_focal", {"from_logits": True}, _logits),
    ("focal_logits_alpha", "binary_focal", {"from_logits": True, "alpha": 0.25, "gamma": 3.0}, _soft_logits),
    ("focal_probs", "binary_focal", {}, _probs),
    ("focal_probs_gamma0", "binary_focal", {"gamma": 0.0, "alpha": 0.4}, _soft_probs),
]
ROWS: list[tuple[str, str, dict[str, Any], Maker]] = [
    ("cce", "categorical_cross_entropy", {"from_logits": True}, _rows_onehot(2.0)),
    ("cce_soft", "categorical_cross_entropy", {"from_logits": True}, _rows_soft),
    ("cce_confident", "categorical_cross_entropy", {"from_logits": True}, _rows_onehot(200.0)),
    ("sparse_cce", "sparse_categorical_cross_entropy", {"from_logits": True}, _labels(2.0)),
    ("sparse_cce_confident", "sparse_categorical_cross_entropy", {"from_logits": True}, _labels(200.0)),
    ("kl", "kl_divergence", {}, _distributions),
]
DTYPES = [np.float64, np.float32]
ELEMENTWISE_SHAPES = [(1,), (203,), (57, 3), (40, 1), (130,)]
ROW_SHAPES = [(1, 3), (61, 5), (9, 40)]



# ------------------------------------------------------------------------------------------------------ helpers
def _tolerance(dt: Any) -> float:
    return 1e-12 if np.dtype(dt) == np.float64 else 1e-5


def _same_value(fast: Any, generic: Any, dt: Any) -> None:
    assert type(fast) is type(generic)
    assert np.asarray(fast).dtype == np.asarray(generic).dtype
    assert np.shape(fast) == np.shape(generic)
    np.testing.assert_allclose(fast, generic, rtol=_tolerance(dt), atol=0)


def _same_grad(fast: np.ndarray, generic: np.ndarray, dt: Any) -> None:
    assert type(fast) is np.ndarray
    assert fast.dtype == generic.dtype and fast.shape == generic.shape
    rtol = _tolerance(dt)
    # entries that are sums of terms of both signs carry an absolute error of rounding size
    np.testing.assert_allclose(fast, generic, rtol=rtol, atol=rtol * 1e-3 * float(np.max(np.abs(generic))))


def _compare(loss: Any, pred: np.ndarray, target: np.ndarray, dt: Any) -> None:
    n = pred.shape[0]
    rng = np.random.default_rng(n)
    kernel = loss.definition.fast
    for reduction in loss.definition.reductions:
        for weights in (None, rng.uniform(0.0, 2.0, n).astype(dt)):
            assert kernel(loss, pred, target, reduction, weights, True, True, None) is not NotImplemented
            kwargs = {"reduction": reduction, "sample_weight": weights}
            _same_value(loss(pred, target, **kwargs), generic_path(lambda kw=kwargs: loss(pred, target, **kw)), dt)
            _same_grad(loss.grad(pred, target, **kwargs), generic_path(lambda kw=kwargs: loss.grad(pred, target, **kw)),
                       dt)
            out = np.full_like(pred, np.nan)
            value, grad = loss.value_and_grad(pred, target, out=out, **kwargs)
            assert grad is out
            gv, gg = generic_path(lambda kw=kwargs: loss.value_and_grad(pred, target, **kw))
            _same_value(value, gv, dt)
            _same_grad(grad, gg, dt)


# -------------------------------------------------------------------------------------------- fast == generic
@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize(("name", "params", "make"), [c[1:] for c in ELEMENTWISE], ids=[c[0] for c in ELEMENTWISE])
def test_elementwise_matchesgeneric_path(name: str, params: dict[str, Any], make: Maker, dt: Any) -> None:
    loss = losslab.get(name, **params)
    rng = np.random.default_rng(7)
    for shape in ELEMENTWISE_SHAPES:
        pred, target = make(rng, shape, dt)
        _compare(loss, pred, target, dt)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize(("name", "params", "make"), [c[1:] for c in ROWS], ids=[c[0] for c in ROWS])
def test_rows_matchgeneric_path(name: str, params: dict[str, Any], make: Maker, dt: Any) -> None:
    loss = losslab.get(name, **params)
    rng = np.random.default_rng(11)
    for shape in ROW_SHAPES:
        pred, target = make(rng, shape, dt)
        _compare(loss, pred, target, dt)


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", ["mse", "huber", "hinge_01", "log_cosh", "bce_logits", "focal_logits"])
def test_real_block_sizes(name: str, dt: Any) -> None:
    """A few kernels at their own block sizes: a size past one block, not a multiple of it."""
    _, loss_name, params, make = next(c for c in ELEMENTWISE if c[0] == name)
    loss = losslab.get(loss_name, **params)
    pred, target = make(np.random.default_rng(3), (_fast.BLOCK + 12345,), dt)
    _same_value(loss(pred, target), generic_path(lambda: loss(pred, target)), dt)
    value, grad = loss.value_and_grad(pred, target)
    gv, gg = generic_path(lambda: loss.value_and_grad(pred, target))
    _same_value(value, gv, dt)
    _same_grad(grad, gg, dt)


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
def test_wide_rows(dt: Any) -> None:
    """Rows wider than a block (one row per block), as for a language model's vocabulary."""
    loss = losslab.get("sparse_categorical_cross_entropy", from_logits=True)
    pred, labels = _labels(3.0)(np.random.default_rng(5), (3, _fast.BLOCK + 7), dt)
    _same_value(loss(pred, labels), generic_path(lambda: loss(pred, labels)), dt)
    _same_grad(loss.grad(pred, labels), generic_path(lambda: loss.grad(pred, labels)), dt)


def test_confident_logits_keep_their_digits() -> None:
    z = np.array([[500.0, 0.0, 0.0], [0.0, 500.0, 0.0], [1.0, 2.0, 3.0]])
    sparse = losslab.get("sparse_categorical_cross_entropy", from_logits=True)
    values = sparse(z, np.array([0, 1, 2]), reduction="none")
    assert values[0] == pytest.approx(2.0 * np.exp(-500.0), rel=1e-12)  # ~1.4e-217, not 0
    grad = sparse.grad(z, np.array([0, 1, 2]), reduction="none")
    assert grad[0, 0] == pytest.approx(-2.0 * np.exp(-500.0), rel=1e-12)
    dense = losslab.get("categorical_cross_entropy", from_logits=True)
    np.testing.assert_allclose(dense(z, np.eye(3), reduction="none"), values, rtol=1e-12)
    bce = losslab.get("binary_cross_entropy", from_logits=True)
    np.testing.assert_allclose(bce(np.array([40.0, -40.0]), np.array([1.0, 0.0]), reduction="none"),
                               np.exp(-40.0), rtol=1e-12)


def test_column_against_flat_target() -> None:
    rng = np.random.default_rng(0)
    loss = losslab.get("huber")
    pred, target = rng.standard_normal((50, 1)), rng.standard_normal(50)
    assert loss.grad(pred, target).shape == (50, 1)
    _same_value(loss(pred, target), generic_path(lambda: loss(pred, target)), np.float64)
    _same_value(loss(target, pred, reduction="none"), generic_path(lambda: loss(target, pred, reduction="none")),
                np.float64)


# ------------------------------------------------------------------------------------------------ declining
@pytest.mark.parametrize(
    ("name", "params", "pred", "target", "kwargs"),
    [
        ("mse", {}, np.ones(10, np.float16), np.ones(10, np.float16), {}),
        ("mse", {}, np.arange(10), np.arange(10), {}),
        ("mse", {}, np.ones(10), np.ones(10, np.float32), {}),
        ("mse", {}, np.ones((10, 2))[:, 0], np.ones(10 * 2)[::2], {}),
        ("mse", {}, np.ones((2, 3, 4)), np.ones((2, 3, 4)), {}),
        ("mse", {}, np.ones(10), np.ones(10), {"sample_weight": np.arange(10)}),
        ("binary_cross_entropy", {"pos_weight": 2.0}, np.full(10, 0.3), np.ones(10), {}),
        ("binary_focal", {"gamma": 0.5}, np.full(10, 0.3), np.ones(10), {}),
        ("categorical_cross_entropy", {}, np.full((4, 3), 1 / 3), np.eye(3)[[0, 1, 2, 0]], {}),
        ("categorical_cross_entropy", {"from_logits": True, "class_weight": [1.0, 2.0, 3.0]}, np.ones((4, 3)),
         np.eye(3)[[0, 1, 2, 0]], {}),
        ("sparse_categorical_cross_entropy", {"from_logits": True, "ignore_index": -1}, np.ones((4, 3)),
         np.array([0, 1, -1, 2]), {}),
        ("sparse_categorical_cross_entropy", {"from_logits": True}, np.ones((4, 3)), np.array([0.0, 1, 2, 0]), {}),
        ("sparse_categorical_cross_entropy", {"from_logits": True, "label_smoothing": 0.1}, np.ones((4, 3)),
         np.array([0, 1, 2, 0]), {}),
    ],
)
def test_declines_unusual_input(name: str, params: dict[str, Any], pred: np.ndarray, target: np.ndarray,
                                kwargs: dict[str, Any]) -> None:
    """Odd dtypes, layouts and parameters go to the generic path, which still answers."""
    loss = losslab.get(name, **params)
    reduction = loss.definition.default_reduction
    assert loss.definition.fast(loss, pred, target, reduction, kwargs.get("sample_weight"), True, True,
                                 None) is NotImplemented
    value, grad = loss.value_and_grad(pred, target, **kwargs)
    gv, gg = generic_path(lambda: loss.value_and_grad(pred, target, **kwargs))
    np.testing.assert_array_equal(value, gv)
    np.testing.assert_array_equal(grad, gg)


def test_out_overlapping_the_input() -> None:
    rng = np.random.default_rng(1)
    pred, target = rng.standard_normal(100), rng.standard_normal(100)
    loss = losslab.get("mse")
    expected = generic_path(lambda: loss.grad(pred, target))
    work = pred.copy()
    assert losslab.get("mse").definition.fast(loss, work, target, "mean", None, False, True, work) is NotImplemented
    assert loss.grad(work, target, out=work) is work
    np.testing.assert_allclose(work, expected, rtol=1e-15)


def test_out_of_the_wrong_kind_is_the_generic_error() -> None:
    loss = losslab.get("mse")
    pred = np.ones(10)
    for out in (np.empty(11), np.empty((10, 1)), [0.0] * 10):
        with pytest.raises(LossInputError) as fast:
            loss.grad(pred, pred, out=out)
        with pytest.raises(LossInputError) as generic:
            generic_path(lambda o=out: loss.grad(pred, pred, out=o))
        assert str(fast.value) == str(generic.value)


def test_threads_do_not_share_scratch() -> None:
    rng = np.random.default_rng(2)
    loss = losslab.get("log_cosh")
    inputs = [(rng.standard_normal(300_001), rng.standard_normal(300_001)) for _ in range(4)]
    expected = [loss.value_and_grad(p, t) for p, t in inputs]
    results: dict[int, Any] = {}

    def work(i: int) -> None:
        for _ in range(3):
            results[i] = loss.value_and_grad(*inputs[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for i, (value, grad) in enumerate(expected):
        assert results[i][0] == value
        np.testing.assert_array_equal(results[i][1], grad)


# -------------------------------------------------------------------------------------------------- bad input
def _with(x: np.ndarray, index: int, value: float) -> np.ndarray:
    y = x.copy()
    y.flat[index] = value
    return y


_R = np.random.default_rng(4)
_P = _R.uniform(0.05, 0.95, 1000)
_T = _R.uniform(0.05, 0.95, 1000)
_SIGNS = np.where(_R.uniform(size=1000) < 0.5, -1.0, 1.0)
_Z = _R.standard_normal((50, 20))
_Y = _R.integers(0, 20, 50)

BAD: list[tuple[str, str, dict[str, Any], np.ndarray, np.ndarray, dict[str, Any]]] = [
    ("nan_pred", "mse", {}, _with(_P, 777, np.nan), _T, {}),
    ("inf_pred_mae_grad", "mae", {}, _with(_P, 5, np.inf), _T, {}),
    ("inf_target_huber_grad", "huber", {}, _P, _with(_T, 999, -np.inf), {}),
    ("inf_pred_hinge", "hinge", {}, _with(_P, 3, np.inf), _SIGNS, {}),
    ("nan_target_hinge", "squared_hinge", {}, _P, _with(_SIGNS, 8, np.nan), {}),
    ("inf_pred_quantile_grad", "quantile", {}, _with(_P, 0, np.inf), _T, {}),
    ("inf_pred_log_cosh_grad", "log_cosh", {}, _with(_P, 10, -np.inf), _T, {}),
    ("inf_pred_poisson_log_grad", "poisson", {"log_input": True}, _with(_P, 10, -np.inf), _T, {}),
    ("inf_pred_poisson_grad", "poisson", {}, _with(_P, 10, np.inf), _T, {}),
    ("inf_logit", "binary_cross_entropy", {"from_logits": True}, _with(_P, 10, np.inf), _T, {}),
    ("inf_logit_focal", "binary_focal", {"from_logits": True}, _with(_P, 10, -np.inf), _T, {}),
    ("probability_above_1", "binary_cross_entropy", {}, _with(_P, 10, 1.5), _T, {}),
    ("probability_below_0_focal", "binary_focal", {}, _with(_P, 10, -0.1), _T, {}),
    ("target_above_1", "binary_cross_entropy", {"from_logits": True}, _P, _with(_T, 500, 1.01), {}),
    ("hinge_labels_not_signs", "hinge", {}, _P, _with(_SIGNS, 400, 0.5), {}),
    ("hinge_labels_mixed", "hinge", {}, _P, np.where(np.arange(1000) < 500, -1.0, 0.0), {}),
    ("hinge_labels_near_one", "squared_hinge", {}, _P, _with(_SIGNS, 7, 1.0 - 2.0**-24), {}),
    ("hinge_labels_01_near_one", "hinge", {}, _P, _with((_SIGNS > 0).astype(float), 7, 1.0 - 2.0**-24), {}),
    ("hinge_labels_01_tiny", "hinge", {}, _P, _with((_SIGNS > 0).astype(float), 7, 2.0**-100), {}),
    ("poisson_negative_rate", "poisson", {}, _with(_P, 10, -0.5), _T, {}),
    ("poisson_negative_count", "poisson", {}, _P, _with(_T, 10, -1.0), {}),
    ("negative_weight", "mse", {}, _P, _T, {"sample_weight": _with(np.ones(1000), 3, -1.0)}),
    ("nan_weight", "mae", {}, _P, _T, {"sample_weight": _with(np.ones(1000), 3, np.nan)}),
    ("zero_weights", "mse", {}, _P, _T, {"sample_weight": np.zeros(1000)}),
    ("ce_inf_logit", "categorical_cross_entropy", {"from_logits": True}, _with(_Z, 33, -np.inf),
     np.eye(20)[_Y], {}),
    ("ce_target_above_1", "categorical_cross_entropy", {"from_logits": True}, _Z, _with(np.eye(20)[_Y], 3, 2.0),
     {}),
    ("sparse_ce_label_out_of_range", "sparse_categorical_cross_entropy", {"from_logits": True}, _Z,
     _with(_Y, 7, 20), {}),
    ("sparse_ce_negative_label", "sparse_categorical_cross_entropy", {"from_logits": True}, _Z, _with(_Y, 7, -1),
     {}),
    ("sparse_ce_nan_logit", "sparse_categorical_cross_entropy", {"from_logits": True}, _with(_Z, 3, np.nan), _Y,
     {}),
    ("sparse_ce_inf_logit", "sparse_categorical_cross_entropy", {"from_logits": True}, _with(_Z, 3, np.inf), _Y,
     {}),
    ("ce_narrow_inf_logit", "categorical_cross_entropy", {"from_logits": True}, _with(_Z[:, :5], 3, np.inf),
     np.eye(5)[_Y % 5], {}),
    ("kl_probability_above_1", "kl_divergence", {}, _with(np.full((10, 4), 0.25), 5, 1.2),
     np.full((10, 4), 0.25), {}),
]


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize(("name", "params", "pred", "target", "kwargs"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_input_raises_the_generic_error(name: str, params: dict[str, Any], pred: np.ndarray,
                                            target: np.ndarray, kwargs: dict[str, Any], dt: Any) -> None:
    loss = losslab.get(name, **params)
    pred = pred.astype(dt)
    target = target.astype(dt) if target.dtype.kind == "f" else target
    if "sample_weight" in kwargs:
        kwargs = {**kwargs, "sample_weight": kwargs["sample_weight"].astype(dt)}
    for call in (loss.__call__, loss.grad, loss.value_and_grad):
        with pytest.raises(LossInputError) as fast:
            call(pred, target, **kwargs)
        with pytest.raises(LossInputError) as generic:
            generic_path(lambda c=call: c(pred, target, **kwargs))
        assert str(fast.value) == str(generic.value)


@pytest.mark.parametrize("labels", [_SIGNS, (_SIGNS > 0).astype(float)], ids=["pm", "01"])
@pytest.mark.parametrize("bad", [float(np.nextafter(1.0, 0.0)), float(np.nextafter(1.0, 2.0)), -0.0])
def test_hinge_labels_one_ulp_off(labels: np.ndarray, bad: float) -> None:
    """A float64 label one ulp away from 1 (or a -0.0 among -1s) is refused, not rounded into a valid one."""
    target = _with(labels, 123, bad)
    loss = losslab.get("hinge")
    for call in (loss.__call__, loss.grad):
        try:
            generic = generic_path(lambda c=call: c(_P, target))
        except LossInputError as exc:
            with pytest.raises(LossInputError) as fast:
                call(_P, target)
            assert str(fast.value) == str(exc)
        else:  # -0.0 among {0, 1} labels is a valid 0
            np.testing.assert_allclose(call(_P, target), generic, rtol=1e-12)


def test_unnormalized_distributions_still_warn() -> None:
    rng = np.random.default_rng(6)
    pred, target = rng.uniform(0.1, 0.9, (20, 5)), rng.dirichlet(np.ones(5), 20)
    loss = losslab.get("kl_divergence")
    with pytest.warns(LossInputWarning, match="do not sum to 1"):
        value = loss(pred, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LossInputWarning)
        assert value == generic_path(lambda: loss(pred, target))
