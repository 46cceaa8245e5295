"""Properties every built-in loss must have, checked on generated input (hypothesis).

The inputs come from the recipes in ``_cases.py`` (one per loss and parameter setting); hypothesis draws the seed,
the batch size and the layout ((N,) or (N, K) elementwise, the number of classes for row losses).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import losslab
from losslab.losses import definition

from ._cases import CASE_IDS, CASES, ELEMENTWISE, PERFECT, Case, mean_divisor

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 9)
widths = st.sampled_from([None, 2, 3])


def _draw(case: Case, seed: int, n: int, k: int | None) -> tuple[np.ndarray, np.ndarray]:
    if not case.elementwise and k is None:
        k = 4
    return case.make(np.random.default_rng(seed), n, k)


def _f32(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float32) if x.dtype.kind == "f" else x


def _take(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    return x[index]


def _rooted(case: Case) -> bool:
    """rmse, rmsle: a root taken over the whole set (``finalize``), with no per-example form."""
    return definition(case.name).finalize == "sqrt"


def _per_example(case: Case, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """One loss per example; for a rooted loss (rmse, rmsle) the per-example loss it is the root of (the mean of
    its element losses: mse, msle)."""
    if _rooted(case):
        batch = case.loss.prepare(pred, target)
        raw = definition(case.name).value(np, batch.pred, batch.target, **case.loss.params)
        return np.asarray(raw).mean(axis=1)
    return np.asarray(case.loss(pred, target, reduction="none"))


params = pytest.mark.parametrize("case", CASES, ids=CASE_IDS)


# ------------------------------------------------------------------------------------------------ sanity of cases
def test_every_builtin_loss_has_a_case() -> None:
    from ._cases import builtin_names, covered_names

    assert set(builtin_names()) <= covered_names()


# --------------------------------------------------------------------------------------------- zero, sign, symmetry
@pytest.mark.parametrize("case", PERFECT, ids=[c.id for c in PERFECT])
@SETTINGS
@given(seed=seeds, n=sizes, k=widths)
def test_zero_at_a_perfect_prediction(case: Case, seed: int, n: int, k: int | None) -> None:
    if not case.elementwise and k is None:
        k = 4
    pred, target = case.perfect(np.random.default_rng(seed), n, k)
    loss = case.loss
    for reduction in case.reductions:
        assert np.all(np.asarray(loss(pred, target, reduction=reduction)) == 0.0), reduction
    if case.name != "kl_divergence":  # KL's gradient on the simplex is -t/p = -1 at its minimum, not 0
        np.testing.assert_array_equal(loss.grad(pred, target), np.zeros_like(pred))


@params
@SETTINGS
@given(seed=seeds, n=sizes, k=widths)
def test_non_negative(case: Case, seed: int, n: int, k: int | None) -> None:
    if not case.nonnegative:
        return
    pred, target = _draw(case, seed, n, k)
    per = _per_example(case, pred, target)
    tolerance = 1e-15 if case.name in {"kl_divergence", "js_divergence"} else 0.0
    assert np.all(per >= -tolerance), per


def test_poisson_is_not_non_negative() -> None:
    # l = p - t log p: the negative log-likelihood up to the constant log t!, so it dips below 0 for counts > 1
    assert float(losslab.get("poisson")([5.0], [5.0])) == pytest.approx(5.0 - 5.0 * np.log(5.0 + 1e-8))
    assert float(losslab.get("poisson")([5.0], [5.0])) < 0
    assert float(losslab.get("poisson", log_input=True)([np.log(5.0)], [5.0])) < 0


SYMMETRIC = [c for c in ELEMENTWISE if c.name in {"mse", "sse", "rmse", "mae", "huber", "smooth_l1", "log_cosh"}]
finite_arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6),
    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
)


@pytest.mark.parametrize("case", SYMMETRIC, ids=[c.id for c in SYMMETRIC])
@SETTINGS
@given(e=finite_arrays, data=st.data())
def test_symmetric_in_the_error(case: Case, e: np.ndarray, data: st.DataObject) -> None:
    t = data.draw(hnp.arrays(np.float64, e.shape, elements=st.floats(-1e3, 1e3)))
    loss = case.loss
    zero = np.zeros_like(e)
    # over- and under-predicting by the same amount cost the same, and their gradients are opposite
    for reduction in case.reductions:
        np.testing.assert_array_equal(loss(e, zero, reduction=reduction), loss(-e, zero, reduction=reduction))
        # swapping pred and target negates the error exactly, so the value is the same
        np.testing.assert_array_equal(loss(e, t, reduction=reduction), loss(t, e, reduction=reduction))
    np.testing.assert_array_equal(loss.grad(e, zero), -loss.grad(-e, zero))
    np.testing.assert_array_equal(loss.grad(e, t), -loss.grad(t, e))


@SETTINGS
@given(e=finite_arrays, q=st.floats(0.01, 0.99))
def test_quantile_mirror(e: np.ndarray, q: float) -> None:
    # pinball(q) of an error equals pinball(1 - q) of the opposite error; q = 0.5 is symmetric (half the mae)
    zero = np.zeros_like(e)
    np.testing.assert_allclose(
        losslab.get("quantile", q=q)(e, zero, reduction="none"),
        losslab.get("quantile", q=1.0 - q)(-e, zero, reduction="none"),
        rtol=1e-12, atol=1e-300,
    )
    np.testing.assert_allclose(
        losslab.get("quantile", q=0.5)(e, zero, reduction="none"), 0.5 * losslab.mae(e, zero, reduction="none"),
        rtol=1e-15, atol=1e-300,  # subnormal errors (5e-310) keep fewer digits than rtol asks
    )


@SETTINGS
@given(seed=seeds, n=sizes, c=st.integers(2, 6))
def test_js_symmetric_in_its_arguments(seed: int, n: int, c: int) -> None:
    from ._cases import rows_prob_soft

    p, t = rows_prob_soft(np.random.default_rng(seed), n, c)
    js = losslab.get("js_divergence")
    np.testing.assert_allclose(js(p, t, reduction="none"), js(t, p, reduction="none"), rtol=1e-12, atol=1e-16)
    assert float(js(p, t)) <= np.log(2.0)


# --------------------------------------------------------------------------------------------- batch structure
@params
@SETTINGS
@given(seed=seeds, n=sizes, k=widths, data=st.data())
def test_invariant_to_batch_order(case: Case, seed: int, n: int, k: int | None, data: st.DataObject) -> None:
    pred, target = _draw(case, seed, n, k)
    perm = np.asarray(data.draw(st.permutations(range(n))), dtype=np.intp)
    w = np.random.default_rng(seed + 1).uniform(0.1, 3.0, n)
    loss = case.loss
    pp, tp = _take(pred, perm), _take(target, perm)
    for reduction in case.reductions:
        for sw, swp in ((None, None), (w, w[perm])):
            a = np.asarray(loss(pred, target, reduction=reduction, sample_weight=sw))
            b = np.asarray(loss(pp, tp, reduction=reduction, sample_weight=swp))
            if reduction == "none":
                np.testing.assert_allclose(b, a[perm], rtol=1e-13, atol=0)
            else:
                np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-300)
            ga = loss.grad(pred, target, reduction=reduction, sample_weight=sw)
            gb = loss.grad(pp, tp, reduction=reduction, sample_weight=swp)
            # a batch loss's gradient (info_nce) sums over the other rows in the batch's order: rounding is relative
            # to the largest entry, not to each (a 4e-10 entry beside 1e-2 ones moved by 7e-22)
            atol = 1e-14 * float(np.max(np.abs(ga))) if definition(case.name).kind == "batch" else 1e-300
            np.testing.assert_allclose(gb, ga[perm], rtol=1e-12, atol=atol)


@params
@SETTINGS
@given(seed=seeds, n=sizes, k=widths)
def test_unit_weights_equal_no_weights(case: Case, seed: int, n: int, k: int | None) -> None:
    pred, target = _draw(case, seed, n, k)
    loss = case.loss
    # NumPy arrays may take the NumPy fast path and lists the generic one: compare each with its own kind
    # (that the two paths agree is test_numpy_fast_path_matches_the_generic_path)
    for ones, p, t in ((np.ones(n), pred, target), ([1.0] * n, pred.tolist(), target.tolist()),
                       (1.0, pred.tolist(), target.tolist())):
        for reduction in case.reductions:
            expected = loss(p, t, reduction=reduction)
            # a weighted kernel may add in another order: allow a few ulps of the summed magnitudes (poisson's
            # terms have both signs, so ulps of the result alone would be too strict)
            np.testing.assert_allclose(
                loss(p, t, reduction=reduction, sample_weight=ones), expected,
                rtol=1e-15, atol=_summation_atol(case, pred, target, reduction),
            )
            np.testing.assert_allclose(
                loss.grad(p, t, reduction=reduction, sample_weight=ones), loss.grad(p, t, reduction=reduction),
                rtol=1e-15, atol=0,
            )


def _summation_atol(case: Case, pred: np.ndarray, target: np.ndarray, reduction: str) -> float:
    """4 ulps of sum_i |l_i| (of the mean of |l_i| for the mean): the rounding any order of summation may leave."""
    if reduction == "none" or _rooted(case):
        return 0.0
    magnitude = float(np.sum(np.abs(np.asarray(case.loss(pred, target, reduction="none")))))
    if reduction == "mean":
        magnitude /= pred.shape[0]
    return 4 * np.finfo(np.float64).eps * magnitude


@params
@SETTINGS
@given(seed=seeds, n=sizes, k=widths)
def test_mean_sum_and_none_agree(case: Case, seed: int, n: int, k: int | None) -> None:
    pred, target = _draw(case, seed, n, k)
    loss = case.loss
    if _rooted(case):
        np.testing.assert_allclose(loss(pred, target), np.sqrt(np.mean(_per_example(case, pred, target))), rtol=1e-14)
        return
    per = np.asarray(loss(pred, target, reduction="none"))
    if "mean" not in case.reductions:  # a metric's max or median over the examples, per element column
        columns = np.abs(pred - target).reshape(n, -1)
        statistic = {"max": np.max, "median": np.median}[case.reductions[0]]
        np.testing.assert_allclose(loss(pred, target), np.mean(statistic(columns, axis=0)), rtol=1e-14)
        np.testing.assert_allclose(per, columns.mean(axis=1), rtol=1e-14)
        return
    total = float(loss(pred, target, reduction="sum"))
    mean = float(loss(pred, target, reduction="mean"))
    assert per.shape == (n,)
    np.testing.assert_allclose(per.sum(), total, rtol=1e-12, atol=1e-300)
    weight = n
    if case.weighted_by_class:  # class weights make the mean sum(w_i l_i) / sum(w_i)
        labels = np.argmax(target, axis=1) if target.ndim == 2 else target
        cw = case.params["class_weight"]
        weight = sum(cw.get(int(y), 1.0) for y in labels)
    # the mean divides each l_i by its divisor first (definition.mean_divisor: CTC's max(S_i, 1); else 1)
    divisor = mean_divisor(case.loss, pred, target)
    np.testing.assert_allclose(mean, np.sum(per / divisor) / weight, rtol=1e-12, atol=1e-300)
    # and the gradients: grad of the mean is grad of the sum / weight; 'none' gives the gradient of the sum
    g_sum = loss.grad(pred, target, reduction="sum")
    column = divisor.reshape((-1,) + (1,) * (g_sum.ndim - 1)) if g_sum.ndim > 1 else divisor
    np.testing.assert_allclose(loss.grad(pred, target, reduction="mean"), g_sum / column / weight, rtol=1e-12,
                               atol=1e-300)
    np.testing.assert_allclose(loss.grad(pred, target, reduction="none"), g_sum, rtol=1e-15, atol=0)


@params
@SETTINGS
@given(seed=seeds, n=sizes, k=widths)
def test_weighted_mean_is_np_average(case: Case, seed: int, n: int, k: int | None) -> None:
    if "mean" not in case.reductions:  # the metrics' weighted max and median: test_reference_order_metrics
        return
    pred, target = _draw(case, seed, n, k)
    rng = np.random.default_rng(seed + 7)
    w = rng.uniform(0.0, 3.0, n)
    w[rng.random(n) < 0.2] = 0.0
    if w.sum() == 0:
        w[0] = 1.0
    loss = case.loss
    if case.weighted_by_class:
        labels = np.argmax(target, axis=1) if target.ndim == 2 else target
        cw = np.array([case.params["class_weight"].get(int(y), 1.0) for y in labels])
        per = np.asarray(loss(pred, target, reduction="none")) / cw
        w_all = w * cw
    else:
        per = _per_example(case, pred, target)
        w_all = w
    expected = np.average(per / mean_divisor(case.loss, pred, target), weights=w_all)
    got = float(loss(pred, target, reduction="mean", sample_weight=w))
    if _rooted(case):
        expected = np.sqrt(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
    if "none" in case.reductions:
        np.testing.assert_allclose(loss(pred, target, reduction="none", sample_weight=w), per * w_all, rtol=1e-15)
    if "sum" in case.reductions:
        np.testing.assert_allclose(loss(pred, target, reduction="sum", sample_weight=w), np.sum(per * w_all),
                                   rtol=1e-12, atol=1e-300)


# ------------------------------------------------------------------------------------------------------ dtypes
def _float32_scales(case: Case, p: np.ndarray, t: np.ndarray, reduction: str, v: Any, g: np.ndarray
                    ) -> tuple[float, float]:
    """The magnitudes float32 rounding is relative to: of the result, or of the terms it is the difference of.

    KL and JS are differences of entropy-like sums (sum t log t - sum t log p): for near-equal rows the result is
    far smaller than its terms, and float32 rounds the terms. So does the JS gradient, (log p - log m) / 2.
    """
    scale = float(np.max(np.abs(v))) + 1e-30
    gscale = float(np.max(np.abs(g))) + 1e-30
    if case.name == "poisson":
        # p - t log p has both signs, so a mean of several can be far smaller than its terms (found by hypothesis:
        # seed 223, n=4 gives 3.4e-4 from terms near 1)
        log_input = case.params.get("log_input", False)
        terms = np.exp(p) + np.abs(t * p) if log_input else np.abs(p) + np.abs(t * np.log(p + 1e-8))
        scale = max(scale, float(terms.max() if reduction == "none" else terms.mean()))
    if case.name in {"kl_divergence", "js_divergence"}:
        per_row = np.sum(np.abs(t * np.log(p)) + np.abs(p * np.log(t)) + np.abs(t * np.log(t)), axis=1)
        div = p.shape[0] if reduction == "mean" else 1
        scale = max(scale, float(per_row.max() if reduction == "none" else per_row.sum() / div))
        gscale = max(gscale, float(np.max(np.abs(np.log(p)))) / div)
    return scale, gscale


@params
@SETTINGS
@given(seed=seeds, n=sizes, k=widths)
def test_float32_in_float32_out(case: Case, seed: int, n: int, k: int | None) -> None:
    pred, target = _draw(case, seed, n, k)
    p32, t32 = _f32(pred), _f32(target)
    # the float64 reference scores the very same (rounded) numbers
    p64, t64 = p32.astype(np.float64), (t32.astype(np.float64) if t32.dtype.kind == "f" else t32)
    loss = case.loss
    for reduction in case.reductions:
        v32 = loss(p32, t32, reduction=reduction)
        v64 = loss(p64, t64, reduction=reduction)
        assert v32.dtype == np.float32, reduction
        g32 = loss.grad(p32, t32, reduction=reduction)
        g64 = loss.grad(p64, t64, reduction=reduction)
        scale, gscale = _float32_scales(case, p64, t64, reduction, v64, g64)
        np.testing.assert_allclose(np.asarray(v32, dtype=np.float64), v64, rtol=2e-5, atol=2e-6 * scale)
        assert g32.dtype == np.float32 and g32.shape == p32.shape
        np.testing.assert_allclose(g32.astype(np.float64), g64, rtol=2e-4, atol=2e-5 * gscale)
    # a float32 prediction stays float32 even when the target arrives as a list of Python floats
    assert loss(p32, target.tolist()).dtype == np.float32


@params
@SETTINGS
@given(seed=seeds, n=sizes, k=widths)
def test_integer_inputs_give_float64(case: Case, seed: int, n: int, k: int | None) -> None:
    if not case.elementwise and k is None:
        k = 4
    pred, target = case.ints(np.random.default_rng(seed), n, k)
    assert pred.dtype.kind == "i" and target.dtype.kind == "i"
    loss = case.loss
    for reduction in case.reductions:
        value = loss(pred, target, reduction=reduction)
        assert value.dtype == np.float64
        expected = loss(pred.astype(np.float64), target.astype(np.float64) if case.elementwise else target,
                        reduction=reduction)
        np.testing.assert_allclose(value, expected, rtol=1e-14,  # to summation order
                                   atol=_summation_atol(case, pred.astype(np.float64), target, reduction))
    g = loss.grad(pred, target)
    assert g.dtype == np.float64 and g.shape == pred.shape
    # int32 and Python lists of ints too
    assert loss(pred.astype(np.int32), target.astype(np.int32)).dtype == np.float64
    assert isinstance(float(loss(pred.tolist(), target.tolist())), float)
    assert loss(pred.tolist(), target.tolist()).dtype == np.float64


@pytest.mark.parametrize("case", ELEMENTWISE, ids=[c.id for c in ELEMENTWISE])
@SETTINGS
@given(seed=seeds, n=sizes)
def test_column_pred_against_flat_target(case: Case, seed: int, n: int) -> None:
    pred, target = _draw(case, seed, n, None)
    loss = case.loss
    column_p, column_t = pred.reshape(n, 1), target.reshape(n, 1)
    for reduction in case.reductions:
        flat = loss(pred, target, reduction=reduction)
        np.testing.assert_array_equal(loss(column_p, target, reduction=reduction), flat)
        np.testing.assert_array_equal(loss(pred, column_t, reduction=reduction), flat)
        np.testing.assert_array_equal(loss(column_p, column_t, reduction=reduction), flat)
        g = loss.grad(column_p, target, reduction=reduction)
        assert g.shape == (n, 1)  # the gradient has the shape of pred, not of a broadcast (N, N)
        np.testing.assert_array_equal(g[:, 0], loss.grad(pred, target, reduction=reduction))


@params
@SETTINGS
@given(seed=seeds, n=sizes, k=widths)
def test_value_and_grad_match_the_separate_calls(case: Case, seed: int, n: int, k: int | None) -> None:
    pred, target = _draw(case, seed, n, k)
    loss = case.loss
    for reduction in case.reductions:
        value, g = loss.value_and_grad(pred, target, reduction=reduction)
        # the NumPy fast path may sum the value-only and the value-and-gradient kernels differently: a few ulps
        np.testing.assert_allclose(value, loss(pred, target, reduction=reduction), rtol=1e-15,
                                   atol=_summation_atol(case, pred, target, reduction))
        np.testing.assert_array_equal(g, loss.grad(pred, target, reduction=reduction))
    out = np.empty_like(pred)
    assert loss.grad(pred, target, out=out) is out
    np.testing.assert_array_equal(out, loss.grad(pred, target))


@params
@SETTINGS
@given(seed=seeds, n=sizes, k=widths)
def test_grad_matches_finite_differences(case: Case, seed: int, n: int, k: int | None) -> None:
    pred, target = _draw(case, seed, n, k)
    loss = case.loss
    reduction = "sum" if "sum" in case.reductions else definition(case.name).default_reduction
    g = loss.grad(pred, target, reduction=reduction)
    h = 1e-6
    numeric = np.zeros_like(pred)
    flat = pred.reshape(-1)
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += h
        down[i] -= h
        numeric.reshape(-1)[i] = (
            float(loss(up.reshape(pred.shape), target, reduction=reduction))
            - float(loss(down.reshape(pred.shape), target, reduction=reduction))
        ) / (2 * h)
    np.testing.assert_allclose(g, numeric, rtol=1e-4, atol=1e-5 * (1.0 + float(np.max(np.abs(numeric)))))


@params
@SETTINGS
@given(seed=seeds, n=st.integers(1, 300), k=widths, spread=st.sampled_from([0.05, 1.0, 30.0]))
def test_numpy_fast_path_matches_the_generic_path(case: Case, seed: int, n: int, k: int | None,
                                                   spread: float) -> None:
    """NumPy arrays may go through cache-blocked kernels; lists take the generic array-API path. Same numbers.

    Both are float64 evaluations of the same formulas, so they must agree to a few ulps (plus summation order).
    """
    pred, target = _draw(case, seed, n, k)
    if case.name in {"mse", "sse", "rmse", "mae", "huber", "smooth_l1", "log_cosh", "quantile"}:
        pred = target + spread * (pred - target) / 2.0  # errors from tiny to large
    loss = case.loss
    w = np.random.default_rng(seed).uniform(0.5, 2.0, n)
    for reduction in case.reductions:
        for sw in (None, w):
            fast = np.asarray(loss(pred, target, reduction=reduction, sample_weight=sw))
            generic = np.asarray(loss(pred.tolist(), target.tolist(), reduction=reduction,
                                      sample_weight=None if sw is None else sw.tolist()))
            atol = _summation_atol(case, pred, target, reduction) * (1.0 if sw is None else float(np.max(w)))
            np.testing.assert_allclose(fast, generic, rtol=4e-15, atol=atol,
                                       err_msg=f"{case.id} value, reduction={reduction}")
            g_fast = loss.grad(pred, target, reduction=reduction, sample_weight=sw)
            g_generic = np.asarray(loss.grad(pred.tolist(), target.tolist(), reduction=reduction,
                                             sample_weight=None if sw is None else sw.tolist()))
            gscale = float(np.max(np.abs(g_generic)))
            np.testing.assert_allclose(g_fast, g_generic, rtol=4e-15, atol=1e-15 * gscale,
                                       err_msg=f"{case.id} grad, reduction={reduction}")


@pytest.mark.parametrize(
    ("name", "params", "pred", "target"),
    [
        ("log_cosh", {}, [0.0583] * 4, [0.0] * 4),  # 0.05 < |e| < 1: |e| + log(1 + e^-2|e|) - log 2 cancels
        ("log_cosh", {}, [0.07, -0.09, 0.2], [0.0, 0.0, 0.0]),
        ("binary_cross_entropy", {"from_logits": True}, [-4.99261346], [0.0]),
    ],
)
def test_numpy_fast_path_keeps_full_precision(name: str, params: dict, pred: list, target: list) -> None:
    """Found by the property above: the NumPy fast path must be as accurate as the generic path (a few ulps)."""
    loss = losslab.get(name, **params)
    for reduction in ("mean", "sum", "none"):
        fast = np.asarray(loss(np.array(pred), np.array(target), reduction=reduction))
        generic = np.asarray(loss(pred, target, reduction=reduction))
        np.testing.assert_allclose(fast, generic, rtol=4e-15, atol=0, err_msg=f"{name} reduction={reduction}")
