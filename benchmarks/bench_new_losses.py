"""Speed of the losses added since commit f772de7 that PyTorch ships, against PyTorch CPU, one thread each.

Run ``python benchmarks/bench_new_losses.py [--quick] [--dtype float64 float32] [--only NAME ...]``: one Markdown
table. For every such loss, N = 1e5 and 1e6 input elements (rows of C = 10 for the row losses, N / 10 examples)
and each dtype it times, warm, the median of at least 7 repeats of

- ``value``: ``loss(pred, target)`` against PyTorch's loss, forward only;
- ``value+grad``: ``loss.value_and_grad(pred, target)`` (d/d pred) against PyTorch's forward + ``backward()``,

ours and PyTorch's run alternately (ours, torch, ours, torch ...) so that a change in the load of a shared machine
falls on both, and prints the ratio losslab / torch (below 1: losslab is faster) with the medians in ms. The values
are compared before they are timed. CTC has its own benchmark, ``benchmarks/bench_ctc.py``; the losses PyTorch has
no module for (contrastive, crps_ensemble, info_nce, nt_xent) are timed against tensor expressions by
``benchmarks/bench_extra_inputs.py``. A loss that this checkout does not have yet is listed as missing.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import losslab  # noqa: E402
from losslab import LossInputError  # noqa: E402

torch.set_num_threads(1)
C = 10  # classes (or vector length) of the row losses


@dataclass(frozen=True)
class Bench:
    """One loss: ``make(rng, n)`` gives NumPy (pred, target, extra inputs) for n elements; ``torch_loss`` the
    PyTorch call on tensors (pred, target, extra); ``params`` the losslab parameters that match PyTorch's."""

    name: str
    torch_call: str
    make: Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]]
    torch_loss: Callable[..., Any]
    params: dict[str, Any]


def _signs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.choice([-1.0, 1.0], shape)


def _index_rows(rng: np.random.Generator, rows: int) -> np.ndarray:
    """PyTorch's multi-label targets: the first k classes of a random order, then -1."""
    order = np.argsort(rng.uniform(size=(rows, C)), axis=1)
    k = rng.integers(0, C + 1, (rows, 1))
    return np.where(np.arange(C)[None, :] < k, order, -1)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


F = torch.nn.functional
BENCHES = [
    Bench("soft_margin", "nn.SoftMarginLoss", lambda r, n: (r.normal(size=n), _signs(r, (n,)), {}),
          lambda p, t, x: F.soft_margin_loss(p, t), {}),
    Bench("hinge_embedding", "nn.HingeEmbeddingLoss", lambda r, n: (r.uniform(0, 3, n), _signs(r, (n,)), {}),
          lambda p, t, x: F.hinge_embedding_loss(p, t), {}),
    Bench("multilabel_soft_margin", "nn.MultiLabelSoftMarginLoss",
          lambda r, n: (r.normal(size=(n // C, C)), r.integers(0, 2, (n // C, C)).astype(float), {}),
          lambda p, t, x: F.multilabel_soft_margin_loss(p, t), {}),
    Bench("nll", "nn.NLLLoss", lambda r, n: (_log_softmax(r.normal(size=(n // C, C))), r.integers(0, C, n // C), {}),
          lambda p, t, x: F.nll_loss(p, t), {}),
    Bench("multilabel_margin", "nn.MultiLabelMarginLoss",
          lambda r, n: (r.normal(size=(n // C, C)), _index_rows(r, n // C), {}),
          lambda p, t, x: F.multilabel_margin_loss(p, t), {}),
    Bench("cosine_similarity", "-F.cosine_similarity(...).mean()",
          lambda r, n: (r.normal(size=(n // C, C)), r.normal(size=(n // C, C)), {}),
          lambda p, t, x: -F.cosine_similarity(p, t, eps=1e-7).mean(), {}),
    Bench("margin_ranking", "nn.MarginRankingLoss",
          lambda r, n: (r.normal(size=n), r.normal(size=n), {"y": _signs(r, (n,))}),
          lambda p, t, x: F.margin_ranking_loss(p, t, x["y"]), {}),
    Bench("cosine_embedding", "nn.CosineEmbeddingLoss",
          lambda r, n: (r.normal(size=(n // C, C)), r.normal(size=(n // C, C)), {"y": _signs(r, (n // C,))}),
          lambda p, t, x: F.cosine_embedding_loss(p, t, x["y"]), {}),
    Bench("triplet_margin", "nn.TripletMarginLoss",
          lambda r, n: (r.normal(size=(n // C, C)), r.normal(size=(n // C, C)),
                        {"negative": r.normal(size=(n // C, C))}),
          lambda p, t, x: F.triplet_margin_loss(p, t, x["negative"]), {}),
    Bench("gaussian_nll", "nn.GaussianNLLLoss",
          lambda r, n: (r.normal(size=n), r.normal(size=n), {"var": r.uniform(0.1, 2.0, n)}),
          lambda p, t, x: F.gaussian_nll_loss(p, t, x["var"]), {}),
]


def time_pair(ours: Callable[[], object], ref: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median seconds of ``ours`` and ``ref``, alternately."""
    ours()
    ref()
    a, b = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref()
        b.append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def run(bench: Bench, n: int, dtype: Any, repeats: int) -> tuple[float, float, float, float] | None:
    try:
        loss = losslab.get(bench.name, **bench.params)
    except LossInputError:  # a loss this checkout does not have yet
        return None
    rng = np.random.default_rng(0)
    pred, target, extra = bench.make(rng, n)
    pred = pred.astype(dtype)
    target = target.astype(dtype) if target.dtype.kind == "f" else target
    extra = {k: v.astype(dtype) for k, v in extra.items()}
    tp = torch.from_numpy(pred)
    tt = torch.from_numpy(target)
    tx = {k: torch.from_numpy(v) for k, v in extra.items()}
    # the numbers agree before they are timed (float32: sums of 1e6 terms in different orders)
    ref = float(bench.torch_loss(tp, tt, tx))
    got = float(loss(pred, target, **extra))
    tol = 1e-8 if dtype == np.float64 else 1e-4
    assert abs(got - ref) <= tol * max(1.0, abs(ref)), (bench.name, got, ref)

    def ours_value() -> object:
        return loss(pred, target, **extra)

    def ours_vg() -> object:
        return loss.value_and_grad(pred, target, **extra)

    def torch_value() -> object:
        with torch.no_grad():
            return bench.torch_loss(tp, tt, tx)

    def torch_vg() -> object:
        p = tp.detach().requires_grad_(True)
        value = bench.torch_loss(p, tt, tx)
        value.backward()
        return p.grad

    v_ours, v_torch = time_pair(ours_value, torch_value, repeats)
    g_ours, g_torch = time_pair(ours_vg, torch_vg, repeats)
    return v_ours, v_torch, g_ours, g_torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="7 repeats everywhere (the least the table takes)")
    parser.add_argument("--dtype", nargs="*", default=["float64", "float32"], choices=["float64", "float32"])
    parser.add_argument("--only", nargs="*", help="the losses to run (default: all)")
    args = parser.parse_args()
    dtypes = [np.dtype(d) for d in args.dtype]
    print(f"losslab {losslab.__version__}, torch {torch.__version__}, NumPy {np.__version__}, 1 thread, "
          f"median of >= 7 alternating repeats; ratio = losslab / torch")
    print()
    print("| loss | PyTorch | N | dtype | value ratio | value+grad ratio | value ms (ours / torch) "
          "| value+grad ms (ours / torch) |")
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        for n in (10**5, 10**6):
            for dtype in dtypes:
                repeats = 7 if args.quick else (15 if n == 10**5 else 9)
                res = run(bench, n, dtype, repeats)
                if res is None:
                    print(f"| {bench.name} | {bench.torch_call} | {n:.0e} | {dtype} | missing | | | |")
                    continue
                vo, vt, go, gt = res
                print(f"| {bench.name} | {bench.torch_call} | {n:.0e} | {dtype} | {vo / vt:.2f} | {go / gt:.2f} | "
                      f"{1e3 * vo:.2f} / {1e3 * vt:.2f} | {1e3 * go:.2f} / {1e3 * gt:.2f} |", flush=True)


if __name__ == "__main__":
    main()
