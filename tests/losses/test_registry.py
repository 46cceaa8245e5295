"""The catalog: every loss listed and reachable by each of its names; user-defined losses registered and removed."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import losslab
from losslab import LossInputError
from losslab.losses import TASKS, definition

from ._cases import CASES, builtin_names, inputs_for_call

EXPECTED_BUILTINS = {
    "mse", "sse", "rmse", "mae", "huber", "smooth_l1", "log_cosh", "quantile", "msle", "mape", "poisson",
    "binary_cross_entropy", "binary_focal", "hinge", "squared_hinge",
    "categorical_cross_entropy", "sparse_categorical_cross_entropy", "categorical_focal", "categorical_hinge",
    "multi_margin",
    "kl_divergence", "js_divergence",
}
ALL_NAMES = sorted(
    (entry["name"], alias) for entry in losslab.catalog() for alias in [entry["name"], *entry["aliases"]]
)


def _case_for(name: str) -> Any:
    return next(c for c in CASES if c.name == name and not c.params)


# -------------------------------------------------------------------------------------------------------- catalog
def test_catalog_lists_every_builtin_loss() -> None:
    entries = losslab.catalog()
    names = [e["name"] for e in entries]
    assert len(names) == len(set(names))
    assert set(names) >= EXPECTED_BUILTINS
    assert set(builtin_names()) >= EXPECTED_BUILTINS  # losses are added without editing this list
    json.dumps(entries)  # plain data, JSON-ready


@pytest.mark.parametrize("entry", losslab.catalog(), ids=lambda e: e["name"])
def test_catalog_entry(entry: dict[str, Any]) -> None:
    assert isinstance(entry["name"], str) and entry["name"].isidentifier()
    assert isinstance(entry["aliases"], list) and all(isinstance(a, str) for a in entry["aliases"])
    assert entry["task"] in TASKS
    formula = entry["formula"]
    assert isinstance(formula["latex"], str) and formula["latex"].strip()
    assert isinstance(formula["plain"], str) and formula["plain"].strip()
    assert "\\" in formula["latex"] or "^" in formula["latex"] or "_" in formula["latex"]  # it is LaTeX
    assert entry["summary"].strip()
    assert entry["default_reduction"] in entry["reductions"]
    loss = losslab.get(entry["name"])
    assert loss.name == entry["name"] and loss.task == entry["task"]
    assert loss.formula == formula
    assert list(loss.aliases) == entry["aliases"]
    declared = {p.name for p in definition(entry["name"]).params}
    assert [p["name"] for p in entry["params"]] == [p.name for p in definition(entry["name"]).params]
    for p in entry["params"]:
        assert set(p) >= {"name", "default", "type", "doc"}
        assert p["doc"].strip()
        # the defaults are valid: get() with every default spelled out gives the same loss
    assert losslab.get(entry["name"], **{p.name: p.default for p in definition(entry["name"]).params}) == loss
    assert set(loss.params) == declared


def test_catalog_by_task() -> None:
    by_task = {task: {e["name"] for e in losslab.catalog(task=task)} for task in TASKS}
    assert {"mse", "huber", "poisson"} <= by_task["regression"]
    assert {"binary_cross_entropy", "hinge"} <= by_task["binary"]
    assert {"categorical_cross_entropy", "multi_margin"} <= by_task["multiclass"]
    assert by_task["distribution"] >= {"kl_divergence", "js_divergence"}
    assert set().union(*by_task.values()) == {e["name"] for e in losslab.catalog()}
    assert sum(len(v) for v in by_task.values()) == len(losslab.catalog())


def test_names_are_unique_across_losses() -> None:
    owners: dict[str, str] = {}
    for entry in losslab.catalog():
        for name in (entry["name"], *entry["aliases"]):
            assert name not in owners, f"{name!r} names both {owners.get(name)!r} and {entry['name']!r}"
            owners[name] = entry["name"]


# ----------------------------------------------------------------------------------------------- names, shortcuts
@pytest.mark.parametrize(("canonical", "name"), ALL_NAMES, ids=[n for _, n in ALL_NAMES])
def test_every_name_resolves_and_its_shortcut_matches(canonical: str, name: str) -> None:
    loss = losslab.get(name)
    assert loss.name == canonical
    assert loss == losslab.get(canonical)
    # spelling variants: case, dashes, spaces
    assert losslab.get(name.upper().replace("_", "-")).name == canonical
    assert losslab.get(f" {name.replace('_', ' ')} ").name == canonical
    case = _case_for(canonical)
    pred, target = case.make(np.random.default_rng(0), 6, 3)
    extra = inputs_for_call(definition(canonical), pred, target)  # the extra inputs, by keyword
    w = np.linspace(0.5, 2.0, 6)
    shortcut = getattr(losslab, name)
    assert callable(shortcut)
    assert name in dir(losslab)
    for reduction in definition(canonical).reductions:
        np.testing.assert_array_equal(
            shortcut(pred, target, reduction=reduction, sample_weight=w, **extra),
            losslab.get(canonical)(pred, target, reduction=reduction, sample_weight=w, **extra))
    np.testing.assert_array_equal(shortcut(pred, target, **extra), loss(pred, target, **extra))


@pytest.mark.parametrize("case", [c for c in CASES if c.params], ids=lambda c: c.id)
def test_shortcut_takes_parameters(case: Any) -> None:
    pred, target = case.make(np.random.default_rng(1), 5, 3)
    extra = inputs_for_call(case.loss.definition, pred, target)
    np.testing.assert_array_equal(getattr(losslab, case.name)(pred, target, **case.params, **extra),
                                  case.loss(pred, target))


def test_get_accepts_a_loss() -> None:
    huber = losslab.get("huber", delta=2.0)
    assert losslab.get(huber) is huber
    assert losslab.get(huber, delta=3.0) == losslab.get("huber", delta=3.0)
    assert huber.with_params(delta=0.5).params["delta"] == 0.5
    assert repr(huber) == "losslab.get('huber', delta=2.0)"
    assert hash(huber) == hash(losslab.get("huber", delta=2.0))
    assert huber != losslab.get("huber")


def test_builtin_losses_cannot_be_removed_or_shadowed() -> None:
    with pytest.raises(ValueError, match="built-in"):
        losslab.unregister("mse")
    with pytest.raises(ValueError, match="already"):
        losslab.register("mse", lambda xp, p, t: p - t)
    with pytest.raises(ValueError, match="already taken"):
        losslab.register("my_l2", lambda xp, p, t: p - t, aliases=["l2"])
    assert "my_l2" not in {e["name"] for e in losslab.catalog()}
    assert losslab.get("l2").name == "mse"


# -------------------------------------------------------------------------------------------------- user losses
def _cubic(xp: Any, pred: Any, target: Any, scale: float = 1.0) -> Any:
    e = pred - target
    return scale * xp.abs(e) * e * e


def _cubic_grad(xp: Any, pred: Any, target: Any, scale: float = 1.0) -> Any:
    e = pred - target
    return 3.0 * scale * xp.abs(e) * e


def _reference_cubic(pred: np.ndarray, target: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Per-example loss: the mean over an example's elements, as for built-in elementwise losses."""
    e = np.abs(pred - target) ** 3 * scale
    return e if e.ndim == 1 else e.mean(axis=1)


@pytest.fixture
def user_losses() -> Iterator[list[str]]:
    """Names registered during a test are removed after it, even when it fails."""
    names: list[str] = []
    yield names
    for name in names:
        with contextlib.suppress(KeyError, ValueError, LossInputError):
            losslab.unregister(name)


@pytest.mark.parametrize("with_grad", [True, False], ids=["analytic", "numeric"])
@pytest.mark.parametrize("k", [None, 3])
def test_user_elementwise_loss(user_losses: list[str], with_grad: bool, k: int | None) -> None:
    name = "cubic_analytic" if with_grad else "cubic_numeric"
    user_losses.append(name)
    d = losslab.register(name, _cubic, _cubic_grad if with_grad else None, params={"scale": 1.0},
                         aliases=[name + "_alias"], formula="l = scale |p - t|^3", latex=r"\ell = s|p - t|^3")
    assert d.name == name and not d.builtin
    entry = next(e for e in losslab.catalog() if e["name"] == name)
    assert entry["aliases"] == [name + "_alias"] and entry["task"] == "regression" and entry["builtin"] is False
    assert entry["formula"] == {"latex": r"\ell = s|p - t|^3", "plain": "l = scale |p - t|^3"}
    assert [p["name"] for p in entry["params"]] == ["scale"]

    rng = np.random.default_rng(0)
    shape = (8,) if k is None else (8, k)
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    w = rng.uniform(0.0, 2.0, 8)
    loss = losslab.get(name + "_alias", scale=2.0)
    per = _reference_cubic(pred, target, 2.0)
    np.testing.assert_allclose(loss(pred, target, reduction="none"), per, rtol=1e-14)
    np.testing.assert_allclose(loss(pred, target, reduction="sum"), per.sum(), rtol=1e-14)
    np.testing.assert_allclose(loss(pred, target), per.mean(), rtol=1e-14)
    np.testing.assert_allclose(loss(pred, target, sample_weight=w), np.average(per, weights=w), rtol=1e-14)
    np.testing.assert_allclose(loss(pred, target, reduction="sum", sample_weight=w), np.sum(per * w), rtol=1e-14)

    # the gradient of the weighted mean: d/dp of sum_i w_i mean_k l_ik / sum_i w_i
    k_elems = 1 if k is None else k
    analytic = 3.0 * 2.0 * np.abs(pred - target) * (pred - target) / k_elems
    expected = analytic * (w if k is None else w[:, None]) / w.sum()
    rtol = 1e-12 if with_grad else 1e-6
    g = loss.grad(pred, target, sample_weight=w)
    assert g.shape == pred.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, expected, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(loss.grad(pred, target, reduction="sum"), analytic, rtol=rtol, atol=1e-12)
    value, g2 = loss.value_and_grad(pred, target, reduction="none")
    np.testing.assert_allclose(value, per, rtol=1e-14)
    np.testing.assert_allclose(g2, analytic, rtol=rtol, atol=1e-12)

    # the shortcut and the machinery (validation, float32, nan_policy) work as for a built-in loss
    np.testing.assert_allclose(getattr(losslab, name)(pred, target, scale=2.0), per.mean(), rtol=1e-14)
    p32 = pred.astype(np.float32)
    assert loss(p32, target.astype(np.float32)).dtype == np.float32
    assert loss.grad(p32, target.astype(np.float32)).dtype == np.float32
    with pytest.raises(LossInputError) as info:
        loss(pred[:3], target)
    assert info.value.loss == name and info.value.argument == "target"
    with pytest.raises(LossInputError) as info:
        losslab.get(name, scael=1.0)
    assert info.value.argument == "scael" and "'scale'" in info.value.hint
    spoiled = pred.copy()
    spoiled[0] = np.nan
    with pytest.raises(LossInputError):
        loss(spoiled, target)
    np.testing.assert_allclose(loss(spoiled, target, nan_policy="omit"), per[1:].mean(), rtol=1e-14)

    losslab.unregister(name)
    assert name not in {e["name"] for e in losslab.catalog()}
    for gone in (name, name + "_alias"):
        with pytest.raises(LossInputError):
            losslab.get(gone)
        with pytest.raises(AttributeError):
            getattr(losslab, gone)


def test_user_loss_on_other_backends(user_losses: list[str]) -> None:
    torch = pytest.importorskip("torch")
    user_losses.append("cubic_torch")
    losslab.register("cubic_torch", _cubic)  # numeric gradient only
    pred = np.array([0.5, -1.0, 2.0])
    target = np.array([0.0, 0.0, 1.0])
    p = torch.tensor(pred, requires_grad=True)
    value = losslab.get("cubic_torch")(p, torch.from_numpy(target))
    value.backward()  # autograd flows through the user's own array-API code
    np.testing.assert_allclose(p.grad.numpy(), 3.0 * np.abs(pred - target) * (pred - target) / 3, rtol=1e-12)
    np.testing.assert_allclose(losslab.get("cubic_torch").grad(p.detach(), torch.from_numpy(target)).numpy(),
                               p.grad.numpy(), rtol=1e-6)


def _row_value(xp: Any, pred: Any, target: Any) -> Any:
    return xp.sum((pred - target) ** 2, axis=1) / 2.0


def _row_grad(xp: Any, pred: Any, target: Any) -> Any:
    return pred - target


def test_user_rows_loss(user_losses: list[str]) -> None:
    user_losses.extend(["half_sq_rows", "rows_no_grad"])
    losslab.register("half_sq_rows", _row_value, _row_grad, task="multiclass", kind="rows")
    rng = np.random.default_rng(3)
    pred, target = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    w = rng.uniform(0.5, 2.0, 5)
    loss = losslab.get("half_sq_rows")
    per = 0.5 * ((pred - target) ** 2).sum(axis=1)
    np.testing.assert_allclose(loss(pred, target, reduction="none"), per, rtol=1e-14)
    np.testing.assert_allclose(loss(pred, target, sample_weight=w), np.average(per, weights=w), rtol=1e-14)
    np.testing.assert_allclose(loss.grad(pred, target, sample_weight=w), (pred - target) * w[:, None] / w.sum(),
                               rtol=1e-14)
    assert losslab.catalog(task="multiclass")[-1]["name"] == "half_sq_rows"
    # a row-wise loss has no numeric fallback: asking for its gradient is a clear error
    losslab.register("rows_no_grad", _row_value, kind="rows", task="multiclass")
    np.testing.assert_allclose(losslab.get("rows_no_grad")(pred, target, reduction="none"), per, rtol=1e-14)
    with pytest.raises(LossInputError) as info:
        losslab.get("rows_no_grad").grad(pred, target)
    assert info.value.loss == "rows_no_grad" and info.value.argument == "grad"


def test_register_replace_and_bad_names(user_losses: list[str]) -> None:
    user_losses.append("twice")
    losslab.register("twice", _cubic)
    with pytest.raises(ValueError, match="already registered"):
        losslab.register("twice", _cubic)
    losslab.register("twice", lambda xp, p, t: 2.0 * xp.abs(p - t), replace=True)
    assert float(losslab.get("twice")([1.0, 3.0], [0.0, 0.0])) == 4.0
    for bad in ("my loss", "2fast", "", "a-b"):
        with pytest.raises(LossInputError) as info:
            losslab.register(bad, _cubic)
        assert info.value.loss == "register" and info.value.argument == "name"
    with pytest.raises(LossInputError):
        losslab.unregister("never_registered")


def test_replacing_a_loss_replaces_it_on_every_input_type() -> None:
    """The NumPy kernel belongs to the definition, so a replaced loss has no stale kernel left behind."""
    from losslab.losses import definition, register, user_loss

    original = definition("huber")
    try:
        user_loss("huber", lambda xp, p, t, delta: (p - t) ** 4, lambda xp, p, t, delta: 4 * (p - t) ** 3,
                  params={"delta": 1.0}, replace=True)
        big = np.full(100_000, 2.0)
        assert float(losslab.get("huber")([2.0], [0.0])) == 16.0
        assert float(losslab.get("huber")(np.array([2.0]), np.array([0.0]))) == 16.0
        assert float(losslab.get("huber")(big, np.zeros_like(big))) == 16.0
        np.testing.assert_allclose(losslab.get("huber").grad(big[:3], np.zeros(3), reduction="sum"), [32.0] * 3)
    finally:
        register(original, replace=True)
    assert float(losslab.get("huber")(np.array([2.0]), np.array([0.0]))) == 1.5


def test_info_reports_how_losses_compute() -> None:
    import json

    report = losslab.info()
    json.dumps(report)
    assert report["losslab"] == losslab.__version__ and report["compiled_tier"] is None
    assert report["numpy_compute"] == "numpy-blocked" and "mse" in report["losses_with_numpy_kernel"]
    assert report["losses"] >= len(EXPECTED_BUILTINS)
