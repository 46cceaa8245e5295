"""The exports are code the user copies: each is loaded here (tests may import generated files; the package never
does) and checked against the formula's own value, gradient and second derivative (1e-6), with the framework
when it is installed (PyTorch in CI) and as plain NumPy for the boosters' objectives."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

from losslab.formula import EXPORT_TARGETS, FormulaError, compile_formula, export

FORMULAS = [
    ("log(cosh(r))", {}, "regression"),
    ("where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))", {"delta": 1.0}, "regression"),
    ("delta^2*(sqrt(1 + (r/delta)^2) - 1)", {"delta": 0.5}, "regression"),
    ("max(q*(y - yhat), (q - 1)*(y - yhat))", {"q": 0.8}, "regression"),
    ("r^2/(2*y^2) + log1p(r^2)", {}, "regression"),
    ("softplus(yhat) - y*yhat", {}, "binary"),
    ("-(y*log(p) + (1 - y)*log(1 - p))", {}, "binary"),
]


def load(code: str, tmp_path: Path, name: str) -> ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def data(task: str, probability: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    if task == "binary":
        y = rng.integers(0, 2, size=32).astype(float)
        pred = rng.uniform(0.02, 0.98, size=32) if probability else rng.normal(scale=3, size=32)
        return pred, y
    y = rng.uniform(0.5, 3.0, size=32)
    return y + rng.normal(scale=2, size=32) + 0.013, y  # away from the kinks at r = 0 and |r| = delta


@pytest.mark.parametrize(("text", "params", "task"), FORMULAS)
def test_every_export_is_valid_python(text: str, params: dict, task: str) -> None:
    f = compile_formula(text, params, task)
    for target in EXPORT_TARGETS:
        code = export(f, target, "my_loss")
        compile(code, f"<{target}>", "exec")  # the test compiles the text; the package never runs it
        assert "losslab" in code.splitlines()[0]


@pytest.mark.parametrize(("text", "params", "task"), FORMULAS)
def test_torch_export(text: str, params: dict, task: str, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    f = compile_formula(text, params, task)
    module = load(export(f, "torch", "my_loss"), tmp_path, f"exp_torch_{abs(hash(text))}")
    pred, y = data(task, f.uses_probability)
    value, d1 = f.compute(np, pred, y, orders=(0, 1))
    tp = torch.tensor(pred, requires_grad=True)
    out = module.my_loss(tp, torch.tensor(y), reduction="sum")
    out.backward()
    np.testing.assert_allclose(float(out.detach()), value.sum(), rtol=1e-6)
    np.testing.assert_allclose(tp.grad.numpy(), d1, rtol=1e-6, atol=1e-9)
    mean = module.my_loss(torch.tensor(pred), torch.tensor(y))
    np.testing.assert_allclose(float(mean), value.mean(), rtol=1e-6)


@pytest.mark.parametrize(("text", "params", "task"), FORMULAS)
def test_jax_export(text: str, params: dict, task: str, tmp_path: Path) -> None:
    jax = pytest.importorskip("jax")
    f = compile_formula(text, params, task)
    module = load(export(f, "jax", "my_loss"), tmp_path, f"exp_jax_{abs(hash(text))}")
    pred, y = data(task, f.uses_probability)
    value, d1 = f.compute(np, pred, y, orders=(0, 1))
    with jax.enable_x64(True):  # float64 as NumPy, for this test only
        out = np.asarray(module.my_loss(pred, y))
        grad = np.asarray(jax.grad(lambda p: module.my_loss(p, y).sum())(pred))
    np.testing.assert_allclose(out, value, rtol=1e-6)
    np.testing.assert_allclose(grad, d1, rtol=1e-6, atol=1e-9)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")  # Keras's own, on NumPy 2
def test_keras_export_saves_and_reloads(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    f = compile_formula("where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))", {"delta": 1.0})
    module = load(export(f, "keras", "my_huber"), tmp_path, "exp_keras_huber")
    pred, y = data("regression", False)
    loss = module.MyHuber(delta=1.0)
    np.testing.assert_allclose(float(loss(y.reshape(-1, 1), pred.reshape(-1, 1))),
                               f.compute(np, pred, y)[0].mean(), rtol=1e-5)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss=loss)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert type(again.loss).__name__ == "MyHuber" and again.loss.delta == 1.0


def _booster_reference(f, pred: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d/dz and d²/dz² of the loss at the booster's raw score z: through the sigmoid when the formula reads p."""
    if f.task == "binary" and f.uses_probability:
        z = np.log(pred / (1 - pred))
        h = 1e-5
        d = [f.compute(np, 1 / (1 + np.exp(-(z + k * h))), y)[0] for k in (-1, 0, 1)]
        return (d[2] - d[0]) / (2 * h), (d[2] - 2 * d[1] + d[0]) / h**2
    _, d1, d2 = f.compute(np, pred, y, orders=(0, 1, 2))
    return d1, d2


@pytest.mark.parametrize(("text", "params", "task"), FORMULAS)
def test_booster_objectives(text: str, params: dict, task: str, tmp_path: Path) -> None:
    f = compile_formula(text, params, task)
    pred, y = data(task, f.uses_probability)
    margin = np.log(pred / (1 - pred)) if f.uses_probability else pred
    g_ref, h_ref = _booster_reference(f, pred, y)
    floored = np.maximum(h_ref, 1e-6)
    tol = {"rtol": 1e-4, "atol": 1e-5} if f.uses_probability else {"rtol": 1e-9, "atol": 1e-12}
    key = abs(hash(text))
    xgb = load(export(f, "xgboost", "my_loss"), tmp_path, f"exp_xgb_{key}")
    g, h = xgb.my_loss_objective(margin, SimpleNamespace(get_label=lambda: y))
    np.testing.assert_allclose(g, g_ref, **tol)
    np.testing.assert_allclose(h, floored, **tol)
    lgb = load(export(f, "lightgbm", "my_loss"), tmp_path, f"exp_lgb_{key}")
    g, h = lgb.my_loss_objective(y, margin)
    np.testing.assert_allclose(g, g_ref, **tol)
    cat = load(export(f, "catboost", "my_loss"), tmp_path, f"exp_cat_{key}")
    ders = cat.MyLossObjective().calc_ders_range(margin, y, None)
    np.testing.assert_allclose([d[0] for d in ders], -g_ref, **tol)  # CatBoost maximises: the opposite sign
    np.testing.assert_allclose([d[1] for d in ders], -h_ref, **tol)


def test_lightgbm_init_score_is_the_best_constant(tmp_path: Path) -> None:
    """LightGBM#6040: a custom objective starts from 0; the export says where to start instead."""
    y = np.array([1.0, 2.0, 2.5, 10.0, 40.0])
    mse = load(export(compile_formula("r^2"), "lightgbm", "sq"), tmp_path, "exp_init_sq")
    mae = load(export(compile_formula("|r|"), "lightgbm", "ab"), tmp_path, "exp_init_ab")
    bce = load(export(compile_formula("-(y*log(p) + (1-y)*log(1-p))", task="binary"), "lightgbm", "bc"),
               tmp_path, "exp_init_bc")
    assert mse.sq_init_score(y) == pytest.approx(y.mean(), abs=1e-6)
    assert mae.ab_init_score(y) == pytest.approx(np.median(y), abs=1e-6)
    labels = np.array([1.0, 0.0, 0.0, 0.0])
    assert bce.bc_init_score(labels) == pytest.approx(np.log(0.25 / 0.75), abs=1e-5)


def test_lightgbm_trains_with_it_from_the_init_score(tmp_path: Path) -> None:
    """LightGBM#6040 on numbers: a bounded-gradient loss started from 0 barely moves off 0 when the target is near
    100; started from the export's init_score it fits."""
    lightgbm = pytest.importorskip("lightgbm")
    f = compile_formula("log(cosh(r))")
    module = load(export(f, "lightgbm", "lc"), tmp_path, "exp_lgb_train")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = 100 + X[:, 0] * 3
    start = module.lc_init_score(y)
    fitted = lightgbm.LGBMRegressor(objective=module.lc_objective, n_estimators=50, verbose=-1)
    fitted.fit(X, y, init_score=np.full(len(y), start))
    from_zero = lightgbm.LGBMRegressor(objective=module.lc_objective, n_estimators=50, verbose=-1).fit(X, y)
    mae = np.mean(np.abs(fitted.predict(X, raw_score=True) + start - y))
    mae_from_zero = np.mean(np.abs(from_zero.predict(X, raw_score=True) - y))
    assert mae < 0.6 * np.std(y) and mae_from_zero > 90


def test_unknown_target() -> None:
    with pytest.raises(FormulaError) as info:
        export(compile_formula("r^2"), "sklearn")
    assert info.value.code == "bad_export" and "torch" in str(info.value)
