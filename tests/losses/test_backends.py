"""One loss definition, many array libraries: array-api-strict, PyTorch (with autograd) and Dask (lazy, distributed).

Every backend must give NumPy's numbers, return its own array type in the input's dtype, and (PyTorch) let autograd
flow through the loss to the same gradient that ``loss.grad`` computes.
"""

from __future__ import annotations

import importlib
import itertools
import math
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import losslab
from losslab import LossInputError
from losslab.losses import definition

from ._cases import CASE_IDS, CASES, Case

params = pytest.mark.parametrize("case", CASES, ids=CASE_IDS)


def _inputs(case: Case, seed: int = 0, n: int = 7, k: int | None = 3) -> tuple[np.ndarray, np.ndarray]:
    return case.make(np.random.default_rng(seed), n, k)


def _as(x: np.ndarray, dtype: Any) -> np.ndarray:
    return x.astype(dtype) if x.dtype.kind == "f" else x


def assert_close(actual: Any, expected: Any, dtype: Any) -> None:
    """Equal to rounding: tight for float64; for float32 a few ulps of the largest magnitude (sums cancel)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if dtype == np.float64:
        np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-300)
    else:
        scale = float(np.max(np.abs(expected), initial=0.0))
        np.testing.assert_allclose(actual, expected, rtol=2e-6, atol=2e-6 * scale + 1e-30)


@pytest.fixture(scope="module")
def xps() -> Any:
    return pytest.importorskip("array_api_strict")


@pytest.fixture(scope="module")
def torch() -> Any:
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def da() -> Any:
    return pytest.importorskip("dask.array")


class TestArrayApiStrict:

    @params
    @pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
    def test_value_and_grad(self, xps: Any, case: Case, dtype: Any) -> None:
        xp = xps
        pred, target = _inputs(case)
        pred, target = _as(pred, dtype), _as(target, dtype)
        p, t = xp.asarray(pred), xp.asarray(target)
        w = np.random.default_rng(1).uniform(0.5, 2.0, pred.shape[0]).astype(dtype)
        expected_dtype = xp.float64 if dtype == np.float64 else xp.float32
        loss = case.loss
        for reduction in case.reductions:
            for sw in (None, w):
                sw_x = None if sw is None else xp.asarray(sw)
                value = loss(p, t, reduction=reduction, sample_weight=sw_x)
                g = loss.grad(p, t, reduction=reduction, sample_weight=sw_x)
                for result in (value, g):
                    assert type(result).__module__.startswith("array_api_strict"), type(result)
                    assert result.dtype == expected_dtype
                assert tuple(g.shape) == pred.shape
                expected_value = loss(pred, target, reduction=reduction, sample_weight=sw)
                expected_grad = loss.grad(pred, target, reduction=reduction, sample_weight=sw)
                assert_close(np.asarray(value), expected_value, dtype)
                assert_close(np.asarray(g), expected_grad, dtype)
        v, g = loss.value_and_grad(p, t)
        assert isinstance(float(v), float)
        assert_close(np.asarray(g), loss.grad(pred, target), dtype)

    @params
    def test_integer_input_gives_float64(self, xps: Any, case: Case) -> None:
        xp = xps
        pred, target = case.ints(np.random.default_rng(2), 5, 3)
        value = case.loss(xp.asarray(pred), xp.asarray(target))
        assert value.dtype == xp.float64
        np.testing.assert_allclose(np.asarray(value), case.loss(pred, target), rtol=1e-14)

    def test_errors_are_the_same(self, xps: Any) -> None:
        xp = xps
        with pytest.raises(LossInputError) as info:
            losslab.mse(xp.asarray([1.0, float("nan")]), xp.asarray([1.0, 2.0]))
        assert info.value.loss == "mse" and info.value.argument == "pred"
        with pytest.raises(LossInputError) as info:
            losslab.bce(xp.asarray([0.5, 2.0]), xp.asarray([0.0, 1.0]))
        assert "from_logits=True" in str(info.value)
        omitted = losslab.mse(xp.asarray([1.0, float("nan"), 3.0]), xp.asarray([1.0, 2.0, 5.0]), nan_policy="omit")
        assert float(omitted) == 2.0


# ---------------------------------------------------------------------------------------------------------- torch
class TestTorch:
    @params
    @pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
    def test_values_equal_numpy(self, torch: Any, case: Case, dtype: Any) -> None:
        pred, target = _inputs(case)
        pred, target = _as(pred, dtype), _as(target, dtype)
        torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
        p, t = torch.from_numpy(pred), torch.from_numpy(target)
        w = np.random.default_rng(1).uniform(0.5, 2.0, pred.shape[0]).astype(dtype)
        loss = case.loss
        for reduction in case.reductions:
            for sw in (None, w):
                sw_t = None if sw is None else torch.from_numpy(sw)
                value = loss(p, t, reduction=reduction, sample_weight=sw_t)
                g = loss.grad(p, t, reduction=reduction, sample_weight=sw_t)
                assert isinstance(value, torch.Tensor) and isinstance(g, torch.Tensor)
                assert value.dtype == torch_dtype and g.dtype == torch_dtype
                assert tuple(g.shape) == pred.shape
                assert_close(value.numpy(), loss(pred, target, reduction=reduction, sample_weight=sw), dtype)
                assert_close(g.numpy(), loss.grad(pred, target, reduction=reduction, sample_weight=sw), dtype)
        assert isinstance(float(loss(p, t)), float)

    @params
    @pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
    def test_autograd_matches_grad(self, torch: Any, case: Case, dtype: Any) -> None:
        # what lets a torch user train with a losslab loss: backward() through the loss gives loss.grad
        if not definition(case.name).autograd:  # metadata: computed in NumPy (ctc), tested in test_autograd.py
            pytest.skip(f"{case.name}: no autograd graph (definition.autograd=False); loss.grad gives the gradient")
        pred, target = _inputs(case, seed=3)
        pred, target = _as(pred, dtype), _as(target, dtype)
        t = torch.from_numpy(target)
        w = torch.from_numpy(np.random.default_rng(4).uniform(0.5, 2.0, pred.shape[0]).astype(dtype))
        loss = case.loss
        tol = {"rtol": 1e-10, "atol": 1e-13} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-6}
        for reduction in [r for r in case.reductions if r != "none"]:
            for sw in (None, w):
                p = torch.tensor(pred, requires_grad=True)
                value = loss(p, t, reduction=reduction, sample_weight=sw)
                assert value.requires_grad and value.dtype == p.dtype
                value.backward()
                assert p.grad is not None
                expected = loss.grad(torch.from_numpy(pred), t, reduction=reduction, sample_weight=sw)
                np.testing.assert_allclose(p.grad.numpy(), expected.numpy(), **tol)
        if "none" in case.reductions:
            # backward of sum(none) is the gradient of the sum, which is what grad(reduction="none") returns
            p = torch.tensor(pred, requires_grad=True)
            per = loss(p, t, reduction="none")
            assert per.shape == (pred.shape[0],)
            per.sum().backward()
            np.testing.assert_allclose(p.grad.numpy(), loss.grad(pred, _as(target, dtype), reduction="none"), **tol)

    def test_no_warning_for_a_tensor_that_requires_grad(self, torch: Any) -> None:
        # torch warns (once per process) when torch.asarray meets a tensor requiring grad: losslab must not do that
        code = (
            "import warnings; warnings.simplefilter('error')\n"
            "import torch, losslab\n"
            "p = torch.tensor([1.0, 2.0], requires_grad=True)\n"
            "losslab.mse(p, torch.tensor([0.0, 1.0]), sample_weight=torch.tensor([1.0, 2.0])).backward()\n"
            "losslab.get('mse').grad(p, torch.tensor([0.0, 1.0]))\n"
        )
        env = {**os.environ, "PYTHONWARNINGS": "error"}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr

    def test_list_target_with_tensor_pred(self, torch: Any) -> None:
        p = torch.tensor([0.5, 1.5], dtype=torch.float32, requires_grad=True)
        value = losslab.mse(p, [0.0, 1.0])
        assert isinstance(value, torch.Tensor) and value.dtype == torch.float32
        value.backward()
        np.testing.assert_allclose(p.grad.numpy(), [0.5, 0.5])

    def test_integer_tensors_give_float64(self, torch: Any) -> None:
        value = losslab.mse(torch.tensor([1, 2, 3]), torch.tensor([1, 2, 5]))
        assert isinstance(value, torch.Tensor) and value.dtype == torch.float64
        assert float(value) == pytest.approx(4 / 3)

    def test_errors_are_the_same(self, torch: Any) -> None:
        with pytest.raises(LossInputError) as info:
            losslab.cce(torch.tensor([[0.5, 3.0]]), torch.tensor([[0.0, 1.0]]))
        assert info.value.argument == "pred" and "from_logits=True" in str(info.value)
        with pytest.raises(LossInputError) as info:
            losslab.mse(torch.tensor([1.0, float("nan")]), torch.tensor([1.0, 2.0]))
        assert info.value.argument == "pred"

    def test_training_a_linear_model_with_losslab_mse(self, torch: Any) -> None:
        torch.manual_seed(0)
        x = torch.randn(256, 3)
        true_w = torch.tensor([[1.5], [-2.0], [0.5]])
        y = (x @ true_w)[:, 0] + 0.3 + 0.01 * torch.randn(256)  # (N,) targets against the model's (N, 1) output
        model = torch.nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        mse = losslab.get("mse")
        history = []
        for _ in range(60):
            optimizer.zero_grad()
            value = mse(model(x), y)
            assert isinstance(value, torch.Tensor) and value.dtype == torch.float32 and value.requires_grad
            value.backward()
            optimizer.step()
            history.append(float(value.detach()))
        assert history[-1] < 0.01 * history[0]
        assert all(b <= a * 1.0001 for a, b in itertools.pairwise(history))
        np.testing.assert_allclose(model.weight.detach().numpy(), true_w.T.numpy(), atol=0.05)
        np.testing.assert_allclose(model.bias.detach().numpy(), [0.3], atol=0.05)
        # the gradient the optimizer saw is torch's own MSE gradient
        model.zero_grad()
        mse(model(x), y).backward()
        ours = model.weight.grad.clone()
        model.zero_grad()
        torch.nn.functional.mse_loss(model(x)[:, 0], y).backward()
        np.testing.assert_allclose(ours.numpy(), model.weight.grad.numpy(), rtol=1e-5, atol=1e-7)


# ----------------------------------------------------------------------------------------------------------- dask
def _chunked(da: Any, x: np.ndarray, rows: int = 3, cols: int | None = None) -> Any:
    chunks = (rows,) if x.ndim == 1 else (rows, cols or x.shape[1], *x.shape[2:])
    return da.from_array(x, chunks=chunks)


class TestDask:
    @params
    def test_values_equal_numpy(self, da: Any, case: Case) -> None:
        import dask

        pred, target = _inputs(case, n=10)
        w = np.random.default_rng(5).uniform(0.5, 2.0, 10)
        loss = case.loss
        p, t = _chunked(da, pred, 3), _chunked(da, target, 4)
        lazy: list[Any] = []
        expected: list[Any] = []
        for reduction in case.reductions:
            lazy.extend(loss.value_and_grad(p, t, reduction=reduction))
            expected.extend(loss.value_and_grad(pred, target, reduction=reduction))
        # weights as a dask array; chunks that split the columns too; a dask pred against a NumPy target
        lazy.extend(loss.value_and_grad(p, t, sample_weight=da.from_array(w, chunks=5)))
        expected.extend(loss.value_and_grad(pred, target, sample_weight=w))
        if pred.ndim == 2:
            split = _chunked(da, target, 4, 2) if target.ndim == 2 else t
            lazy.append(loss(_chunked(da, pred, 3, 2), split))
            expected.append(loss(pred, target))
        lazy.append(loss(p, target, sample_weight=w.tolist()))
        expected.append(loss(pred, target, sample_weight=w))
        assert all(isinstance(x, da.Array) for x in lazy)  # still lazy: nothing computed yet
        for got, want in zip(dask.compute(*lazy, scheduler="synchronous"), expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
        assert isinstance(float(loss(p, t)), float)

    def test_float32_stays_float32(self, da: Any) -> None:
        p = da.from_array(np.array([0.5, 1.5, 2.5], dtype=np.float32), chunks=2)
        value = losslab.mse(p, np.array([0.0, 1.0, 2.0], dtype=np.float32))
        assert value.dtype == np.float32 and value.compute().dtype == np.float32

    def test_nan_raises_at_compute_time(self, da: Any) -> None:
        x = np.arange(10, dtype=float)
        x[7] = np.nan
        value = losslab.mse(da.from_array(x, chunks=3), np.zeros(10))  # no error yet: nothing is computed
        assert isinstance(value, da.Array)
        with pytest.raises(LossInputError) as info:
            value.compute()
        err = info.value
        assert err.loss == "mse" and err.argument == "pred" and err.expected == "finite numbers"
        # the failing chunk starts at row 6, and the position is given within it
        assert "the first nan" in err.got and "chunk that starts at index (6, 0)" in err.got, err.got
        with pytest.raises(LossInputError):
            losslab.get("mse").grad(da.from_array(x, chunks=3), np.zeros(10)).compute()

    def test_nan_policies(self, da: Any) -> None:
        x = da.from_array(np.array([1.0, np.nan, 3.0, 4.0]), chunks=2)
        t = np.array([1.0, 2.0, 5.0, 4.0])
        assert float(losslab.mse(x, t, nan_policy="omit")) == pytest.approx(4 / 3)
        np.testing.assert_array_equal(losslab.mse(x, t, nan_policy="omit", reduction="none").compute(), [0, 0, 4, 0])
        assert math.isnan(float(losslab.mse(x, t, nan_policy="propagate")))

    def test_bad_labels_raise_at_compute_time(self, da: Any) -> None:
        p = da.from_array(np.full((6, 3), 1 / 3), chunks=(2, 3))
        value = losslab.sparse_cce(p, da.from_array(np.array([0, 1, 2, 0, 3, 1]), chunks=2))
        with pytest.raises(LossInputError) as info:
            value.compute()
        assert info.value.argument == "target" and "0..2" in info.value.expected

    def test_all_zero_weights_with_mean_raise_at_compute_time(self, da: Any) -> None:
        # eager input refuses this (test_errors.test_all_zero_weights_with_mean); a lazy one must not return NaN
        value = losslab.mse(da.from_array(np.array([1.0, 2.0, 3.0]), chunks=2), np.zeros(3),
                            sample_weight=da.zeros(3, chunks=2))
        with pytest.raises(LossInputError) as info:
            value.compute()
        assert info.value.argument == "sample_weight"

    def test_hinge_label_mix_across_chunks(self, da: Any) -> None:
        # -1 in one chunk and 0 in another is the same ambiguous mix that eager input refuses
        t = da.from_array(np.array([-1.0, 1.0, 0.0, 1.0]), chunks=2)
        value = losslab.hinge(da.from_array(np.array([0.5, 0.5, 0.5, 0.5]), chunks=2), t)
        with pytest.raises(LossInputError) as info:
            value.compute()
        assert info.value.argument == "target" and "mix" in info.value.got


# ----------------------------------------------------------------------------------------------- dask.distributed
GiB = 2**30


@pytest.fixture(scope="module")
def distributed() -> Any:
    return pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client(distributed: Any) -> Any:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="2GiB",
                                       dashboard_address=None, silence_logs=40)
    with cluster, distributed.Client(cluster) as c:
        yield c


def _partial_squared_errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = a - b
    return np.atleast_1d(np.dot(d, d))


@pytest.mark.slow
def test_lazy_mse_over_1e8_elements_on_a_cluster(client: Any, distributed: Any, da: Any) -> None:
    n, chunk = 10**8, 10**7
    pred = da.random.default_rng(0).random(n, chunks=chunk)
    target = da.random.default_rng(1).random(n, chunks=chunk)
    value = losslab.mse(pred, target)
    # nothing has been computed: the loss is a task graph
    assert isinstance(value, da.Array) and value.shape == () and value.dtype == np.float64
    pids = client.run(os.getpid)
    sampler = importlib.import_module("distributed.diagnostics").MemorySampler()
    with sampler.sample("mse", measure="process", interval=0.1):
        result = float(value.compute())
    # the reference: the same numbers, chunk by chunk, accumulated by NumPy on the workers, summed exactly here
    partial = da.map_blocks(_partial_squared_errors, pred, target, chunks=(1,), dtype=np.float64)
    expected = math.fsum(partial.compute().tolist()) / n
    assert result == pytest.approx(expected, rel=1e-10)
    assert result == pytest.approx(1 / 6, rel=1e-3)  # E[(U - V)^2] for independent uniforms
    # memory stayed bounded: no worker was killed and restarted for exceeding its 2 GiB, and the whole cluster
    # never held more than a few 80 MB chunks per worker (the data is 1.6 GB)
    assert client.run(os.getpid) == pids
    peak = max(b for _, b in sampler.samples["mse"])
    assert peak < 2 * GiB, f"cluster process memory peaked at {peak / GiB:.2f} GiB"


def test_nan_raises_loss_input_error_on_a_cluster(client: Any, da: Any) -> None:
    x = np.arange(12, dtype=float)
    x[9] = np.nan
    value = losslab.mse(da.from_array(x, chunks=4), np.zeros(12))
    with pytest.raises(LossInputError) as info:
        client.compute(value).result()
    err = info.value
    assert (err.loss, err.argument, err.expected) == ("mse", "pred", "finite numbers")
    assert "chunk that starts at index (8, 0)" in err.got
