"""The optional compiled tier (``losslab.losses._compiled``, ``_kernels.c``) under the NumPy fast path.

Where a C compiler is available, every covered loss must give the generic path's numbers (rtol 1e-13 in float64,
1e-5 in float32) for every reduction, with and without sample weights, for the value, the gradient and the
gradient written to ``out=``, and bad input must still raise the generic path's error. Without a compiler those
comparisons are skipped (with the reason); the fallback tests run either way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError
from losslab.losses import _compiled

from ._cases import generic_path

COVERED: list[tuple[str, str, dict[str, Any], str]] = [  # (id, loss, params, targets)
    ("mse", "mse", {}, "real"),
    ("sse", "sse", {}, "real"),
    ("rmse", "rmse", {}, "real"),
    ("mae", "mae", {}, "real"),
    ("huber", "huber", {"delta": 0.7}, "real"),
    ("smooth_l1", "smooth_l1", {"beta": 0.5}, "real"),
    ("smooth_l1_beta0", "smooth_l1", {"beta": 0.0}, "real"),
    ("quantile", "quantile", {"q": 0.3}, "real"),
    ("hinge_pm", "hinge", {}, "pm"),
    ("hinge_01", "hinge", {}, "01"),
    ("squared_hinge_pm", "squared_hinge", {}, "pm"),
    ("squared_hinge_01", "squared_hinge", {}, "01"),
]
DTYPES = [np.float64, np.float32]
N0 = _compiled.MIN_SIZE


def _inputs(rng: np.random.Generator, shape: tuple[int, ...], dt: Any, kind: str) -> tuple[np.ndarray, np.ndarray]:
    pred = 2.0 * rng.standard_normal(shape)
    if kind == "real":
        target = 2.0 * rng.standard_normal(shape)
        pred.flat[::97] = target.flat[::97]  # exact hits: the subgradient 0 of |e| and the pinball loss
    elif kind == "pm":
        target = rng.choice([-1.0, 1.0], shape)
        pred.flat[::89] = target.flat[::89]  # on the hinge (t p = 1)
    else:
        target = rng.choice([0.0, 1.0], shape)
    return pred.astype(dt), target.astype(dt)


def _tolerance(dt: Any) -> float:
    return 1e-13 if np.dtype(dt) == np.float64 else 1e-5


@pytest.fixture(scope="module")
def lib() -> Any:
    lib = _compiled.load()
    if lib is None:
        reason = f"compiled tier unavailable ({_compiled.reason()}): compiled-vs-generic comparisons skipped"
        print(f"\n{reason}")
        pytest.skip(reason)
    return lib


@pytest.fixture
def fresh_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A forgotten library and an empty cache folder; the module's state is restored afterwards."""
    saved = dict(_compiled._state)
    monkeypatch.setenv("LOSSLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("LOSSLAB_NO_COMPILE", raising=False)
    _compiled.reset()
    yield tmp_path
    _compiled._state.clear()
    _compiled._state.update(saved)


class _Spy:
    """Counts the calls of the compiled tier's entry point."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = _compiled.elementwise

        def spy(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(_compiled, "elementwise", spy)


# ------------------------------------------------------------------------------------------- same numbers
def _compare(loss: Any, pred: np.ndarray, target: np.ndarray, dt: Any, spy: _Spy) -> None:
    n = pred.shape[0]
    rng = np.random.default_rng(n)
    rtol = _tolerance(dt)
    for reduction in loss.definition.reductions:
        options: list[np.ndarray | None] = [None, rng.uniform(0.0, 2.0, size=(n,)).astype(dt)]
        for weights in options:
            kwargs: dict[str, Any] = {"reduction": reduction, "sample_weight": weights}
            before = spy.calls
            fast = loss(pred, target, **kwargs)
            assert spy.calls == before + 1, "the compiled tier was not used"
            generic = generic_path(lambda: loss(pred, target, **kwargs))  # noqa: B023 - called at once
            assert type(fast) is type(generic)
            assert np.asarray(fast).dtype == np.asarray(generic).dtype
            assert np.shape(fast) == np.shape(generic)
            np.testing.assert_allclose(fast, generic, rtol=rtol, atol=0, err_msg=f"value {reduction}")
            g_generic = generic_path(lambda: loss.grad(pred, target, **kwargs))  # noqa: B023
            g_fast = loss.grad(pred, target, **kwargs)
            atol = rtol * 1e-3 * float(np.max(np.abs(g_generic)))
            assert g_fast.dtype == g_generic.dtype and g_fast.shape == g_generic.shape
            np.testing.assert_allclose(g_fast, g_generic, rtol=rtol, atol=atol, err_msg=f"grad {reduction}")
            out = np.full_like(pred, np.nan)
            value, grad = loss.value_and_grad(pred, target, out=out, **kwargs)
            assert grad is out
            np.testing.assert_array_equal(out, g_fast)
            np.testing.assert_allclose(value, generic, rtol=rtol, atol=0, err_msg=f"value_and_grad {reduction}")


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize(("cid", "name", "params", "kind"), COVERED, ids=[c[0] for c in COVERED])
@pytest.mark.parametrize("shape", [(N0 + 1,), (N0 + 4099,), (21851, 3), (N0 + 7, 1)],
                         ids=["N0+1", "N0+4099", "21851x3", "col"])
def test_compiled_matchesgeneric_path(lib: Any, monkeypatch: pytest.MonkeyPatch, cid: str, name: str,
                                  params: dict[str, Any], kind: str, dt: Any, shape: tuple[int, ...]) -> None:
    spy = _Spy(monkeypatch)
    loss = losslab.get(name, **params)
    pred, target = _inputs(np.random.default_rng(zlib.crc32(repr((cid, shape)).encode())), shape, dt, kind)
    _compare(loss, pred, target, dt, spy)


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize(("cid", "name", "params", "kind"), COVERED, ids=[c[0] for c in COVERED])
def test_compiled_small_shapes(lib: Any, monkeypatch: pytest.MonkeyPatch, cid: str, name: str,
                               params: dict[str, Any], kind: str, dt: Any) -> None:
    """With the threshold lowered: tails shorter than a lane group, a leaf, and rows wider than a leaf."""
    monkeypatch.setattr(_compiled, "MIN_SIZE", 1)
    spy = _Spy(monkeypatch)
    loss = losslab.get(name, **params)
    rng = np.random.default_rng(7)
    for shape in [(1,), (7,), (17,), (513,), (1031,), (5, 3), (3, 1100), (40, 1)]:
        pred, target = _inputs(rng, shape, dt, kind)
        _compare(loss, pred, target, dt, spy)


def test_column_and_flat_agree(lib: Any) -> None:
    loss = losslab.get("mse")
    pred, target = _inputs(np.random.default_rng(3), (N0 + 11,), np.float64, "real")
    for reduction in ("mean", "sum", "none"):
        flat = loss(pred, target, reduction=reduction)
        np.testing.assert_array_equal(loss(pred[:, None], target, reduction=reduction), flat)
        np.testing.assert_array_equal(loss(pred, target[:, None], reduction=reduction), flat)
        g = loss.grad(pred[:, None], target, reduction=reduction)
        assert g.shape == (N0 + 11, 1)
        np.testing.assert_array_equal(g[:, 0], loss.grad(pred, target, reduction=reduction))


def test_threshold(lib: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = _Spy(monkeypatch)
    loss = losslab.get("mae")
    pred, target = _inputs(np.random.default_rng(4), (N0 + 1,), np.float64, "real")
    loss(pred[:-2], target[:-2])
    assert spy.calls == 0
    loss(pred, target)
    assert spy.calls == 1


# ------------------------------------------------------------------------------------------------ bad input
def _bad_inputs() -> list[tuple[str, str, dict[str, Any], Callable[[np.ndarray, np.ndarray], None]]]:
    def nan_pred(p: np.ndarray, t: np.ndarray) -> None:
        p[N0 // 2 + 3] = np.nan

    def inf_pred(p: np.ndarray, t: np.ndarray) -> None:
        p[-1] = np.inf

    def inf_target(p: np.ndarray, t: np.ndarray) -> None:
        t[12345] = -np.inf

    def mix(p: np.ndarray, t: np.ndarray) -> None:
        t[:] = 1.0
        t[10] = -1.0
        t[-10] = 0.0

    def half(p: np.ndarray, t: np.ndarray) -> None:
        t[777] = 0.5

    def two(p: np.ndarray, t: np.ndarray) -> None:
        t[-1] = 2.0

    cases: list[tuple[str, str, dict[str, Any], Callable[[np.ndarray, np.ndarray], None]]] = []
    for name, params in (("mse", {}), ("mae", {}), ("huber", {"delta": 0.7}), ("smooth_l1", {"beta": 0.5}),
                         ("quantile", {"q": 0.3}), ("hinge", {}), ("squared_hinge", {}), ("rmse", {})):
        for f in (nan_pred, inf_pred, inf_target):
            cases.append((name, f.__name__, params, f))
    for name in ("hinge", "squared_hinge"):
        for f in (mix, half, two):
            cases.append((name, f.__name__, {}, f))
    return cases


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize(("name", "what", "params", "spoil"), _bad_inputs(),
                         ids=[f"{c[0]}-{c[1]}" for c in _bad_inputs()])
def test_bad_input_raises_the_generic_error(lib: Any, name: str, what: str, params: dict[str, Any],
                                            spoil: Callable[[np.ndarray, np.ndarray], None], dt: Any) -> None:
    loss = losslab.get(name, **params)
    pred, target = _inputs(np.random.default_rng(5), (N0 + 5,), dt, "pm" if "hinge" in name else "real")
    spoil(pred, target)
    for call in (lambda: loss(pred, target), lambda: loss.grad(pred, target),
                 lambda: loss.value_and_grad(pred, target, out=np.empty_like(pred))):
        with pytest.raises(LossInputError) as fast:
            call()
        with pytest.raises(LossInputError) as generic:
            generic_path(call)
        assert str(fast.value) == str(generic.value)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_bad_weights_raise_the_generic_error(lib: Any, bad: float) -> None:
    loss = losslab.get("mse")
    pred, target = _inputs(np.random.default_rng(6), (N0 + 5,), np.float64, "real")
    w = np.ones(N0 + 5)
    w[100] = bad
    for reduction in ("mean", "sum", "none"):
        with pytest.raises(LossInputError) as fast:
            loss(pred, target, reduction=reduction, sample_weight=w)
        with pytest.raises(LossInputError) as generic:
            generic_path(lambda: loss(pred, target, reduction=reduction, sample_weight=w))  # noqa: B023
        assert str(fast.value) == str(generic.value)


def test_overflow_gives_the_generic_number(lib: Any) -> None:
    """Finite inputs whose loss overflows: not an error, the generic path's inf."""
    loss = losslab.get("mse")
    pred = np.full(N0 + 1, 1e300)
    target = -pred
    assert loss(pred, target) == generic_path(lambda: loss(pred, target)) == np.inf


# ---------------------------------------------------------------------------------------- build and fallback
def test_cache_is_reused(lib: Any, fresh_state: Path) -> None:
    first = _compiled.load()
    assert first is not None, _compiled.reason()
    built = list(fresh_state.iterdir())
    assert len(built) == 1 and built[0].name.startswith("kernels-")  # no temporary files left behind
    assert _compiled._state["compiled"] is True
    stamp = built[0].stat().st_mtime_ns
    _compiled.reset()
    assert _compiled.load() is not None
    assert _compiled._state["compiled"] is False  # loaded from the cache, not compiled again
    assert list(fresh_state.iterdir()) == built and built[0].stat().st_mtime_ns == stamp


def test_missing_compiler_falls_back(fresh_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compiled, "find_compiler", lambda: None)
    spy = _Spy(monkeypatch)
    assert _compiled.load() is None
    assert "compiler" in _compiled.reason()
    loss = losslab.get("huber")
    pred, target = _inputs(np.random.default_rng(8), (N0 + 3,), np.float64, "real")
    np.testing.assert_allclose(loss(pred, target), generic_path(lambda: loss(pred, target)), rtol=1e-12)
    assert spy.calls == 0
    assert list(fresh_state.iterdir()) == []


def test_compile_error_falls_back(fresh_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compiled, "find_compiler", lambda: [sys.executable, "-c", "raise SystemExit(1)"])
    assert _compiled.load() is None
    assert "CalledProcessError" in _compiled.reason()
    assert list(fresh_state.iterdir()) == []  # the temporary output was removed
    loss = losslab.get("mse")
    pred, target = _inputs(np.random.default_rng(9), (N0 + 3,), np.float32, "real")
    np.testing.assert_allclose(loss(pred, target), generic_path(lambda: loss(pred, target)), rtol=1e-5)


_PROBE = """
import numpy as np, losslab
from losslab.losses import _compiled
p = np.linspace(-1.0, 1.0, 100003); t = np.cos(p)
v = losslab.get("mse")(p, t)
print(_compiled.load() is None, float(v), _compiled.reason())
"""


@pytest.mark.parametrize("env", [{"LOSSLAB_NO_COMPILE": "1"}, {"PATH": "", "CC": ""}], ids=["no_compile", "no_cc"])
def test_fallback_in_a_fresh_process(tmp_path: Path, env: dict[str, str]) -> None:
    environ = {**os.environ, "LOSSLAB_CACHE_DIR": str(tmp_path), **env}
    res = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=environ, timeout=120,
                         check=True)
    unavailable, value, reason = res.stdout.split(maxsplit=2)
    assert unavailable == "True", reason
    p = np.linspace(-1.0, 1.0, 100003)
    np.testing.assert_allclose(float(value), np.mean((p - np.cos(p)) ** 2), rtol=1e-13)
    assert list(tmp_path.iterdir()) == []


def test_import_does_not_compile(tmp_path: Path) -> None:
    code = "import losslab, numpy as np; losslab.get('mse')(np.ones(10), np.zeros(10)); print('ok')"
    environ = {**os.environ, "LOSSLAB_CACHE_DIR": str(tmp_path)}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=120,
                         check=True)
    assert res.stdout.strip() == "ok"
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []
