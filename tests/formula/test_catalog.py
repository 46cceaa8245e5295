"""A formula loss is a catalog loss: where the formula *is* a built-in, the numbers are the built-in's (1e-12),
its gradients are PyTorch autograd's, and it works with weights, reductions, backends, explain and the trainer."""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError
from losslab.formula import FormulaError, compile_formula, custom
from losslab.losses import unregister

torch = pytest.importorskip("torch")

# (formula, its params, task, the built-in, the built-in's params)
SAME = [
    ("log(cosh(yhat - y))", {}, "regression", "log_cosh", {}),
    ("where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))", {"delta": 1.5}, "regression", "huber", {"delta": 1.5}),
    ("0.5 * r^2 if |r| <= delta else delta * (|r| - 0.5*delta)", {"delta": 0.3}, "regression", "huber",
     {"delta": 0.3}),
    ("δ² * (sqrt(1 + (r/δ)²) − 1)", {"delta": 0.7}, "regression", "pseudo_huber", {"delta": 0.7}),
    ("max(q*(y - yhat), (q - 1)*(y - yhat))", {"q": 0.9}, "regression", "quantile", {"q": 0.9}),
    ("softplus(yhat) - y*yhat", {}, "binary", "binary_cross_entropy", {"from_logits": True}),
    ("log(1 + exp(yhat)) - y*yhat", {}, "binary", "binary_cross_entropy", {"from_logits": True}),
    ("r^2", {}, "regression", "mse", {}),
    ("|r|", {}, "regression", "mae", {}),
]


def _inputs(task: str, delta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    if task == "binary":
        z = np.concatenate([rng.normal(scale=3, size=40), [0.0, 50.0, -50.0, 700.0, -700.0, 1e-9]])
        t = np.concatenate([rng.integers(0, 2, size=40), [1, 1, 0, 0, 1, 0]]).astype(float)
        return z.reshape(-1, 1), t.reshape(-1, 1)
    t = rng.normal(size=46)
    e = np.concatenate([rng.normal(scale=2, size=40), [0.0, delta, -delta, 1e3, -1e3, 1e-9]])
    return (t + e).reshape(-1, 2), t.reshape(-1, 2)


def _kinked(text: str) -> bool:
    return any(k in text for k in ("|", "max", "where", " if "))


@pytest.mark.parametrize(("text", "params", "task", "name", "builtin_params"), SAME, ids=[s[3] + str(i)
                                                                                      for i, s in enumerate(SAME)])
def test_the_same_numbers_as_the_builtin(text, params, task, name, builtin_params) -> None:
    mine = custom(text, params=params, task=task)
    ref = losslab.get(name, **builtin_params)
    p, t = _inputs(task, params.get("delta", 1.0))
    w = np.linspace(0.5, 2.0, p.shape[0])
    for reduction in ("none", "mean", "sum"):
        np.testing.assert_allclose(mine(p, t, reduction=reduction), ref(p, t, reduction=reduction), rtol=1e-12,
                                   atol=1e-12)
        np.testing.assert_allclose(mine(p, t, reduction=reduction, sample_weight=w),
                                   ref(p, t, reduction=reduction, sample_weight=w), rtol=1e-12, atol=1e-12)
    g_mine, g_ref = mine.grad(p, t), ref.grad(p, t)
    away = np.abs(p - t) > 1e-6 if _kinked(text) else np.ones_like(p, dtype=bool)
    np.testing.assert_allclose(g_mine[away], g_ref[away], rtol=1e-12, atol=1e-15)


AUTOGRAD = [
    ("log(cosh(r))", {}), ("exp(r) - 1 - r", {}), ("r^2/(1 + r^2)", {}), ("sqrt(1 + r^2) - 1", {}),
    ("|r|^q", {"q": 1.5}), ("tanh(r)^2", {}), ("sigmoid(r) * r", {}), ("log1p(r^2)", {}),
    ("softplus(r) + softplus(-r) - 2*log(2)", {}), ("min(r^2, delta)", {"delta": 2.0}),
    ("alpha * r^2 / (2*y^2)", {"alpha": 3.0}), ("cosh(r) - 1", {}), ("(yhat - y)^4 / 4 + r", {}),
]


@pytest.mark.parametrize(("text", "params"), AUTOGRAD)
def test_first_and_second_derivatives_are_autograds(text: str, params: dict) -> None:
    f = compile_formula(text, params)
    rng = np.random.default_rng(3)
    y = rng.uniform(0.5, 2.0, size=64)
    yhat = y + np.concatenate([rng.normal(scale=2, size=60), [1e-3, -1e-3, 4.0, -4.0]])
    value, d1, d2 = f.compute(np, yhat, y, orders=(0, 1, 2))
    tp = torch.tensor(yhat, requires_grad=True)
    tv = f.compute(torch, tp, torch.tensor(y), orders=(0,))[0]
    (g,) = torch.autograd.grad(tv.sum(), tp, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), tp)
    np.testing.assert_allclose(value, tv.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d1, g.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d2, h.numpy(), rtol=1e-9, atol=1e-10)


def test_stable_forms_at_saturation() -> None:
    f = compile_formula("log(cosh(r))")
    x = np.array([-1e4, -800.0, -1e-8, 0.0, 1e-8, 800.0, 1e4])
    v, d1, d2 = f.compute(np, x, np.zeros_like(x), orders=(0, 1, 2))
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(d1)) and np.all(np.isfinite(d2))
    np.testing.assert_allclose(v[[0, -1]], 1e4 - np.log(2), rtol=1e-15)
    np.testing.assert_allclose(v[[2, 4]], 0.5e-16, rtol=1e-6)  # log cosh x ≈ x²/2, not 0 from cosh(x) = 1.0
    g = compile_formula("log(1 + exp(yhat)) - y*yhat", task="binary")
    v, d1 = g.compute(np, np.array([1000.0, -1000.0]), np.array([1.0, 0.0]), orders=(0, 1))
    np.testing.assert_allclose(v, [0.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(d1, [0.0, 0.0], atol=1e-300)


def test_registration_and_names() -> None:
    loss = custom("log(cosh(r))", name="test_mine_logcosh")
    try:
        assert losslab.get("test_mine_logcosh").definition is loss.definition
        info = next(e for e in losslab.catalog() if e["name"] == "test_mine_logcosh")
        assert info["origin"] == {"formula": "log(cosh(r))", "params": {}, "task": "regression"}
        assert info["builtin"] is False
        again = custom("r^2", name="test_mine_logcosh")  # a formula loss is redefined by its name
        assert float(again([2.0], [0.0])) == 4.0
    finally:
        unregister("test_mine_logcosh")
    with pytest.raises(FormulaError) as info:
        custom("r^2", name="mse")
    assert info.value.code == "name_taken" and info.value.argument == "name"
    with pytest.raises(FormulaError):
        custom("r^2", name="not a name")
    unnamed = custom("r^2 + r^4")
    assert unnamed.name.startswith("custom_") and custom("r^2 + r^4").name == unnamed.name


def test_parameters_work_like_builtin_ones() -> None:
    loss = custom("delta * r^2", params={"delta": 2.0}, name="test_scaled")
    try:
        assert float(loss([3.0], [1.0])) == 8.0
        assert float(loss.with_params(delta=0.5)([3.0], [1.0])) == 2.0
        assert loss.definition.param("delta").slider == (0.0, 6.0, 0.06)
        with pytest.raises(LossInputError):
            loss.with_params(delta=float("inf"))
        powered = custom("|r|^q", params={"q": 1.5}, name="test_power")
        with pytest.raises(LossInputError):
            powered.with_params(q=40.0)  # an exponent stays within ±16
    finally:
        unregister("test_scaled")
        unregister("test_power")


def test_never_a_silent_nan() -> None:
    loss = custom("log(yhat) - y", name="test_logpred")
    try:
        with pytest.raises(FormulaError) as info:
            loss([1.0, -2.0], [0.0, 0.0])
        assert info.value.code == "nan" and "-2" in str(info.value) and "element 1" in str(info.value)
    finally:
        unregister("test_logpred")


def test_probability_formulas_read_probabilities() -> None:
    bce = custom("-(y*log(p) + (1-y)*log(1-p))", task="binary", name="test_bce_p")
    try:
        ref = losslab.get("binary_cross_entropy")
        p, t = np.array([0.1, 0.7, 0.99]), np.array([0.0, 1.0, 1.0])
        np.testing.assert_allclose(bce(p, t), ref(p, t), rtol=1e-12)
        with pytest.raises(LossInputError):
            bce([1.5], [1.0])  # a probability outside [0, 1] is refused by the catalog's domain check
    finally:
        unregister("test_bce_p")


def test_torch_and_dask_arrays() -> None:
    loss = custom("log(cosh(r))", name="test_backends")
    try:
        p, t = _inputs("regression")
        ref = loss(p, t)
        tp = torch.tensor(p, requires_grad=True)
        out = loss(tp, torch.tensor(t))
        out.backward()
        assert abs(float(out.detach()) - float(ref)) < 1e-12
        np.testing.assert_allclose(tp.grad.numpy(), loss.grad(p, t), rtol=1e-10, atol=1e-15)
        da = pytest.importorskip("dask.array")
        lazy = loss(da.from_array(p, chunks=5), da.from_array(t, chunks=5))
        assert abs(float(lazy.compute()) - float(ref)) < 1e-12
    finally:
        unregister("test_backends")


def test_explain_and_training() -> None:
    from losslab.training import compare, loss_shares

    loss = custom("log(cosh(r))", name="test_train_me")
    try:
        e = loss.explain([1.0, 2.0], [0.0, 0.0])
        assert abs(e.value - float(loss([1.0, 2.0], [0.0, 0.0]))) < 1e-15
        result = compare("outliers", [loss, "mse"], epochs=20, seed=0)
        again = compare("outliers", [loss, "mse"], epochs=20, seed=0)
        mine, mse = result.rows
        assert mine.run.history["train_loss"] == again.rows[0].run.history["train_loss"]  # reproducible by seed
        shares = loss_shares(mine.run), loss_shares(mse.run)
        assert shares[0]["outliers"] == shares[1]["outliers"] > 0
        assert shares[0]["outlier_share"] < shares[1]["outlier_share"]  # robust: outliers carry less of it
    finally:
        unregister("test_train_me")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_blocked_kernel_gives_the_generic_numbers(dtype) -> None:
    from losslab.losses._core import fast_path

    rng = np.random.default_rng(5)
    t = rng.normal(size=(70_000, 3)).astype(dtype)
    p = (t + rng.normal(scale=2, size=t.shape)).astype(dtype)
    w = rng.uniform(0.1, 2.0, size=t.shape[0])
    loss = custom("where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))", params={"delta": 1.0})
    for kwargs in ({}, {"reduction": "sum"}, {"reduction": "none"}, {"sample_weight": w}):
        fast_v, fast_g = loss.value_and_grad(p, t, **kwargs)
        with fast_path(False):
            slow_v, slow_g = loss.value_and_grad(p, t, **kwargs)
        rtol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(fast_v, slow_v, rtol=rtol)
        np.testing.assert_allclose(fast_g, slow_g, rtol=rtol, atol=1e-12)
        assert np.asarray(fast_g).dtype == dtype
        np.testing.assert_allclose(loss(p, t, **kwargs), slow_v, rtol=rtol)


def test_the_blocked_kernel_hands_bad_input_to_the_checks() -> None:
    bce = custom("-(y*log(p) + (1-y)*log(1-p))", task="binary")
    p = np.full(50_000, 0.5)
    p[-1] = 1.5
    with pytest.raises(LossInputError):
        bce(p, np.ones_like(p))
    log_pred = custom("log(yhat) - y")
    x = np.ones(50_000)
    x[40_000] = -1.0
    with pytest.raises(FormulaError, match="element 40000"):
        log_pred(x, np.zeros_like(x))


def test_advice_evidence_trains_a_formula_loss_beside_the_candidates() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = 2 * X[:, 0] + rng.normal(size=200)
    y[:10] += 30  # outliers
    mine = custom("log(cosh(r))", name="test_advice_lc")
    r = losslab.recommend((X, y), evidence=True, folds=3, epochs=30, also=[mine])
    rows = {res.label: res for res in r.evidence.results}
    assert "test_advice_lc" in rows and rows["test_advice_lc"].error is None
    assert rows["test_advice_lc"].ranked is False
    assert rows["test_advice_lc"].metrics["mae"] < rows["mse"].metrics["mae"]  # robust: closer to the inliers
    with pytest.raises(LossInputError, match="also"):
        losslab.recommend((X, y), evidence=True, folds=3, epochs=5, also=[42])


def test_figures_draw_formula_losses() -> None:
    pytest.importorskip("altair")
    from losslab import figures

    mine = custom("log(cosh(r))", name="test_fig_lc")
    chart = figures.shapes(["mse", mine]).to_dict()
    assert "test_fig_lc" in str(chart)
    bce = custom("-(y*log(p) + (1-y)*log(1-p))", task="binary", name="test_fig_bce")
    assert "test_fig_bce" in str(figures.classification([bce, "binary_cross_entropy"]).to_dict())


@pytest.mark.parametrize("k", [3, 4, 5, 7, 16, -3, -16])
def test_whole_powers_by_squaring_equal_pow(k: int) -> None:
    x = np.linspace(-3, 3, 101)
    x = x[x != 0]
    f = compile_formula(f"r^{k}" if k > 0 else f"r^({k})")
    np.testing.assert_allclose(f.compute(np, x, np.zeros_like(x))[0], x ** float(k), rtol=4e-15 * abs(k))
