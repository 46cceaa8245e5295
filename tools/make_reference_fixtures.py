#!/usr/bin/env python
"""Generate ``tests/losses/fixtures/reference.json``: losslab's losses computed by independent libraries.

Run from the repository root::

    .venv/bin/python tools/make_reference_fixtures.py

References, all in float64:

- PyTorch: values from ``torch.nn.functional`` (or, where torch has no such loss, the loss's textbook formula in
  torch ops), gradients with autograd. Where torch has a native weighted reduction (``weight=``, ``ignore_index``,
  ``reduction='mean'/'sum'/'batchmean'``) the stored value and gradient come from it; otherwise sample weights are
  applied per losslab's contract (``none = w_i l_i``, ``sum = sum w_i l_i``, ``mean = sum w_i l_i / sum w_i``) in
  torch, and the generator asserts that the native and composed results agree wherever both exist.
- scikit-learn and SciPy: values only (``sklearn.metrics``, ``scipy.special``, ``scipy.stats``,
  ``scipy.spatial.distance``).
- Keras 3 (``KERAS_BACKEND=torch``, floatx float64), when it can be imported: values from the ``keras.losses``
  classes (``reduction=None`` and ``'sum'``; mean = sum / sum of weights, since Keras's own
  ``sum_over_batch_size`` divides by N) and gradients by autograd through them. Where Keras renormalizes
  probability rows (categorical cross-entropy and focal on probabilities) only the value is stored: the gradient
  of the renormalized loss differs from losslab's by design.

Inputs are seeded (each case's seed is the CRC32 of its id, so adding a case leaves the others unchanged) and kept
away from kinks (|error| = delta, margins, ties), from the probability clip, and from the inputs where Keras's
conventions differ from losslab's (target clipping in KL, max(0, .) in categorical hinge).

Each case records: id, loss (a catalog name or alias), params, pred, target (``target_dtype`` "int" for labels),
sample_weight, reductions, source (library and function), library (name and version), value (per reduction) and
grad (of "mean" and "sum", or null for value-only references).
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import scipy
import scipy.spatial.distance
import scipy.special
import scipy.stats
import sklearn
import sklearn.metrics as skm
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "losses" / "fixtures" / "reference.json"
EPS = 1e-7  # losslab's (and Keras's) probability clip
REDUCTIONS = ("mean", "sum", "none")

torch.set_default_dtype(torch.float64)

KERAS_SKIPPED: str | None = None
try:
    import keras

    if keras.backend.backend() != "torch":
        raise ImportError(f"Keras backend is {keras.backend.backend()!r}, not 'torch'")
    keras.backend.set_floatx("float64")
    # Keras's type promotion turns every 64-bit result into 32 bits (to mirror JAX's default), so e.g.
    # ops.maximum(float64, float64) is float32 and MSLE loses half its digits. References must be float64.
    from keras.src.backend.common import dtypes as _keras_dtypes

    _keras_dtypes.BIT64_TO_BIT32_DTYPE.clear()
except Exception as exc:  # pragma: no cover - depends on the environment
    keras = None
    KERAS_SKIPPED = f"{type(exc).__name__}: {exc}"

TORCH = f"torch {torch.__version__}"
SKLEARN = f"scikit-learn {sklearn.__version__}"
SCIPY = f"scipy {scipy.__version__}"
KERAS = f"keras {keras.__version__} (torch backend)" if keras is not None else None

CASES: list[dict[str, Any]] = []


# ------------------------------------------------------------------------------------------------------ helpers
def rng_for(cid: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(cid.encode()))


def tt(a: Any, *, grad: bool = False) -> torch.Tensor:
    x = torch.tensor(np.asarray(a, dtype=np.float64))
    return x.requires_grad_(grad)


def ex_mean(x: torch.Tensor) -> torch.Tensor:
    """Per-example mean over every non-batch axis (losslab's elementwise layout)."""
    return x.reshape(x.shape[0], -1).mean(dim=1) if x.ndim > 1 else x


def ex_sum(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], -1).sum(dim=1) if x.ndim > 1 else x


def jsonable(x: Any) -> Any:
    if isinstance(x, torch.Tensor):
        x = x.detach().numpy()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.floating | np.integer):
        return x.item()
    return x


def compose(per: torch.Tensor, w: np.ndarray | None, keep: np.ndarray | None = None) -> dict[str, torch.Tensor]:
    """losslab's weighting and reductions of per-example losses ``per`` (N,), in torch."""
    n = per.shape[0]
    wt = tt(np.ones(n) if w is None else w)
    if keep is not None:
        kt = torch.tensor(np.asarray(keep, dtype=bool))
        wt = torch.where(kt, wt, torch.zeros_like(wt))
        per = torch.where(kt, per, torch.zeros_like(per))
    weighted = per * wt
    return {"none": weighted, "sum": weighted.sum(), "mean": weighted.sum() / wt.sum()}


def add(case: dict[str, Any]) -> None:
    if any(c["id"] == case["id"] for c in CASES):
        raise ValueError(f"duplicate case id {case['id']}")
    CASES.append(case)


def record(cid: str, loss: str, params: dict[str, Any], pred: np.ndarray, target: np.ndarray,
           sample_weight: np.ndarray | None, source: str, library: str, value: dict[str, Any],
           grad: dict[str, Any] | None, reductions: tuple[str, ...]) -> None:
    target = np.asarray(target)
    add({
        "id": cid,
        "loss": loss,
        "params": {k: jsonable(v) for k, v in params.items()},
        "pred": jsonable(np.asarray(pred, dtype=np.float64)),
        "target": jsonable(target),
        "target_dtype": "int" if np.issubdtype(target.dtype, np.integer) else "float",
        "sample_weight": None if sample_weight is None else jsonable(np.asarray(sample_weight, dtype=np.float64)),
        "reductions": list(reductions),
        "source": source,
        "library": library,
        "value": {r: jsonable(value[r]) for r in reductions if r in value},
        "grad": None if grad is None else {r: jsonable(grad[r]) for r in grad},
    })


def close(a: Any, b: Any, what: str, rtol: float = 1e-11) -> None:
    a = np.asarray(jsonable(a), dtype=np.float64)
    b = np.asarray(jsonable(b), dtype=np.float64)
    if not np.allclose(a, b, rtol=rtol, atol=1e-13):
        raise AssertionError(f"{what}: native and composed references disagree:\n{a}\n{b}")


def torch_case(cid: str, loss: str, params: dict[str, Any], pred: np.ndarray, target: np.ndarray,
               per_example: Callable[[torch.Tensor], torch.Tensor], *, source: str,
               sample_weight: np.ndarray | None = None, weights: np.ndarray | None = None,
               keep: np.ndarray | None = None,
               native: Callable[[torch.Tensor, str], torch.Tensor] | None = None,
               reductions: tuple[str, ...] = REDUCTIONS,
               finalize: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
    """A case whose reference is torch: ``per_example(p)`` gives the (N,) unweighted losses of the leaf ``p``.

    ``weights`` are the w_i of the contract (sample weight times class weight; ``sample_weight`` by default).
    ``native(p, reduction)``, when given, is torch's own reduced loss; it supplies the stored value and gradient
    for that reduction ("none" included) after a check against the composed one.
    """
    w = sample_weight if weights is None else weights

    def run(reduction: str) -> tuple[torch.Tensor, np.ndarray]:
        p = tt(pred, grad=True)
        out = compose(per_example(p), w, keep)[reduction]
        if finalize is not None:
            out = finalize(out)
        if native is not None:
            nat = native(p, reduction)
            close(nat, out, f"{cid} [{reduction}]")
            out = nat.reshape(out.shape)
        g = None
        if reduction != "none":
            (g,) = torch.autograd.grad(out, p)
            g = g.numpy()
        return out.detach(), g

    value, grad = {}, {}
    for r in reductions:
        value[r], g = run(r)
        if g is not None:
            grad[r] = g
    record(cid, loss, params, pred, target, sample_weight, source, TORCH, value, grad, reductions)


def values_case(cid: str, loss: str, params: dict[str, Any], pred: np.ndarray, target: np.ndarray,
                value: dict[str, Any], *, source: str, library: str, sample_weight: np.ndarray | None = None) -> None:
    record(cid, loss, params, pred, target, sample_weight, source, library, value, None, tuple(value))


def per_value_case(cid: str, loss: str, params: dict[str, Any], pred: np.ndarray, target: np.ndarray,
                   per: np.ndarray, *, source: str, library: str, sample_weight: np.ndarray | None = None) -> None:
    """Value-only case from per-example losses of a reference library, weighted per the contract."""
    per = np.asarray(per, dtype=np.float64)
    w = np.ones(per.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    value = {"mean": float(np.sum(w * per) / np.sum(w)), "sum": float(np.sum(w * per)), "none": w * per}
    values_case(cid, loss, params, pred, target, value, source=source, library=library, sample_weight=sample_weight)


def keras_case(cid: str, loss: str, params: dict[str, Any], pred: np.ndarray, target: np.ndarray,
               make: Callable[..., Any], *, source: str, sample_weight: np.ndarray | None = None,
               keep: np.ndarray | None = None, with_grad: bool = True, column: bool = False) -> None:
    """A case whose reference is a ``keras.losses`` class: ``make(reduction)`` builds it.

    ``column``: give Keras (N, 1) arrays for a flat (N,) input, since Keras averages over the last axis.
    """
    if keras is None:
        return
    n = np.asarray(pred).shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    total = float(np.sum(w if keep is None else w * keep))
    target = np.asarray(target)
    y_true = torch.tensor(target) if np.issubdtype(target.dtype, np.integer) else tt(target)
    if column:
        y_true = y_true.reshape(n, 1)
    sw = None if sample_weight is None else tt(sample_weight)
    value, grad = {}, {}
    for r in REDUCTIONS:
        p = tt(pred, grad=True)
        y_pred = p.reshape(n, 1) if column else p
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if r == "none":
                out = make(None)(y_true, y_pred, sample_weight=sw)
            else:
                out = make("sum")(y_true, y_pred, sample_weight=sw)
                if r == "mean":
                    out = out / total
        out = out.reshape(n) if r == "none" else out
        if out.dtype != torch.float64:
            raise AssertionError(f"{cid}: Keras returned {out.dtype}")
        value[r] = out.detach()
        if r != "none" and with_grad:
            (g,) = torch.autograd.grad(out, p)
            grad[r] = g.numpy()
    record(cid, loss, params, pred, target, sample_weight, source, KERAS or "", value, grad if with_grad else None,
           REDUCTIONS)


# --------------------------------------------------------------------------------------------- data generators
def magnitudes(rng: np.random.Generator, shape: tuple[int, ...], kinks: tuple[float, ...] = (),
               lo: float = 0.05, hi: float = 3.0, gap: float = 0.15) -> np.ndarray:
    """Uniform values in [lo, hi] at least ``gap`` away from every kink."""
    out = rng.uniform(lo, hi, size=shape)
    for _ in range(1000):
        bad = np.zeros(shape, dtype=bool)
        for k in kinks:
            bad |= np.abs(out - k) < gap
        if not bad.any():
            return out
        out[bad] = rng.uniform(lo, hi, size=int(bad.sum()))
    raise RuntimeError("could not avoid the kinks")


def regression(rng: np.random.Generator, shape: tuple[int, ...], kinks: tuple[float, ...] = (),
               hi: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    target = rng.normal(0.0, 2.0, size=shape)
    err = magnitudes(rng, shape, kinks, hi=hi) * rng.choice([-1.0, 1.0], size=shape)
    return target + err, target


def positive_regression(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.1, 5.0, size=shape), rng.uniform(0.1, 5.0, size=shape)


def weights(rng: np.random.Generator, n: int, zero: bool = True) -> np.ndarray:
    w = rng.uniform(0.2, 3.0, size=n)
    if zero:
        w[rng.integers(n)] = 0.0
    return w


def probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.02, 0.98, size=shape)


def binary_labels(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    y = rng.integers(0, 2, size=shape).astype(np.float64)
    y.flat[0], y.flat[-1] = 0.0, 1.0
    return y


def simplex(rng: np.random.Generator, n: int, c: int, scale: float = 1.0) -> np.ndarray:
    z = rng.normal(0.0, scale, size=(n, c))
    return scipy.special.softmax(z, axis=1)


def labels(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    y = rng.integers(0, c, size=n)
    y[:c] = np.arange(c)[: min(c, n)]
    rng.shuffle(y)
    return y.astype(np.int64)


def onehot(y: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[y]


def hinge_scores(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Scores p with t * p away from the hinge at 1 (t in {-1, +1})."""
    margin = rng.uniform(-2.0, 3.0, size=t.shape)
    margin = np.where(np.abs(margin - 1.0) < 0.15, margin + 0.4, margin)
    return margin * t


def crammer_singer_scores(rng: np.random.Generator, y: np.ndarray, c: int, positive_wrong: bool = False) -> np.ndarray:
    """Scores whose categorical-hinge argument 1 + max_wrong - true is away from 0, with no ties."""
    n = len(y)
    z = rng.normal(0.0, 1.5, size=(n, c))
    for i in range(n):
        for _ in range(1000):
            wrong = np.delete(z[i], y[i])
            arg = 1.0 + wrong.max() - z[i, y[i]]
            gaps = np.abs(np.subtract.outer(z[i], z[i]))[np.triu_indices(c, 1)]
            ok = abs(arg) > 0.15 and gaps.min() > 0.05 and (not positive_wrong or wrong.max() > 0.1)
            if ok:
                break
            z[i] = rng.normal(0.0, 1.5, size=c)
    return z


def weston_watkins_scores(rng: np.random.Generator, y: np.ndarray, c: int, margin: float) -> np.ndarray:
    n = len(y)
    z = rng.normal(0.0, 1.0, size=(n, c))
    for i in range(n):
        for _ in range(1000):
            h = margin - z[i, y[i]] + np.delete(z[i], y[i])
            if np.all(np.abs(h) > 0.1):
                break
            z[i] = rng.normal(0.0, 1.0, size=c)
    return z


def class_weight_array(cw: Any, c: int) -> np.ndarray:
    if isinstance(cw, dict):
        arr = np.ones(c)
        for k, v in cw.items():
            arr[int(k)] = v
        return arr
    return np.asarray(cw, dtype=np.float64)


# ------------------------------------------------------------------------------------------- regression (torch)
def regression_torch() -> None:
    shapes = {"1d": (12,), "2d": (9, 3), "3d": (7, 2, 3)}

    def both(name: str, loss: str, params: dict[str, Any], fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
             source: str, kinks: tuple[float, ...] = (), reduce: Callable[..., torch.Tensor] = ex_mean,
             native: Callable[[torch.Tensor, torch.Tensor, str], torch.Tensor] | None = None,
             gen: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None,
             dims: tuple[str, ...] = ("1d", "2d", "3d"), reductions: tuple[str, ...] = REDUCTIONS,
             finalize: Any = None) -> None:
        for dim in dims:
            for weighted in (False, True):
                cid = f"{name}/torch/{dim}" + ("/weighted" if weighted else "")
                rng = rng_for(cid)
                shape = shapes[dim]
                p, t = (gen or (lambda r, s: regression(r, s, kinks)))(rng, shape)
                sw = weights(rng, shape[0]) if weighted else None
                tt_ = tt(t)
                nat = None
                if native is not None and not weighted:
                    def nat(x: torch.Tensor, r: str, tt_: torch.Tensor = tt_) -> torch.Tensor:
                        return native(x, tt_, r)
                torch_case(cid, loss, params, p, t, lambda x, tt_=tt_: reduce(fn(x, tt_)), source=source,
                           sample_weight=sw, native=nat, reductions=reductions, finalize=finalize)

    def elementwise_native(f: Callable[..., torch.Tensor], per: Callable[..., torch.Tensor] = ex_mean,
                           **kw: Any) -> Callable[[torch.Tensor, torch.Tensor, str], torch.Tensor]:
        """torch's own 'mean' (over all elements = mean of per-example means) and 'none'."""
        def native(x: torch.Tensor, t: torch.Tensor, r: str) -> torch.Tensor:
            if r == "mean" and per is ex_mean:
                return f(x, t, reduction="mean", **kw)
            out = per(f(x, t, reduction="none", **kw))
            return {"none": out, "sum": out.sum(), "mean": out.mean()}[r]
        return native

    both("mse", "mse", {}, lambda x, t: F.mse_loss(x, t, reduction="none"), "torch.nn.functional.mse_loss",
         native=elementwise_native(F.mse_loss))
    both("sse", "sse", {}, lambda x, t: F.mse_loss(x, t, reduction="none"),
         "torch.nn.functional.mse_loss (summed over each example's elements)", reduce=ex_sum, dims=("1d", "2d"),
         native=elementwise_native(F.mse_loss, per=ex_sum))
    both("rmse", "rmse", {}, lambda x, t: F.mse_loss(x, t, reduction="none"),
         "torch.sqrt(torch.nn.functional.mse_loss(...))", reductions=("mean",), finalize=torch.sqrt,
         dims=("1d", "2d"))
    both("mae", "mae", {}, lambda x, t: F.l1_loss(x, t, reduction="none"), "torch.nn.functional.l1_loss",
         native=elementwise_native(F.l1_loss))
    for delta in (1.0, 0.5, 2.0):
        both(f"huber-delta{delta}", "huber", {"delta": delta},
             lambda x, t, d=delta: F.huber_loss(x, t, reduction="none", delta=d),
             "torch.nn.functional.huber_loss", kinks=(delta,),
             native=elementwise_native(F.huber_loss, delta=delta), dims=("1d", "2d") if delta != 1.0 else
             ("1d", "2d", "3d"))
    for beta in (1.0, 0.3, 0.0):
        both(f"smooth_l1-beta{beta}", "smooth_l1", {"beta": beta},
             lambda x, t, b=beta: F.smooth_l1_loss(x, t, reduction="none", beta=b),
             "torch.nn.functional.smooth_l1_loss", kinks=(beta,),
             native=elementwise_native(F.smooth_l1_loss, beta=beta), dims=("1d", "2d"))
    both("log_cosh", "log_cosh", {}, lambda x, t: torch.log(torch.cosh(x - t)),
         "torch.log(torch.cosh(p - t)) (Keras LogCosh formula, float64)")
    for q in (0.1, 0.5, 0.9):
        both(f"quantile-q{q}", "quantile", {"q": q},
             lambda x, t, q=q: torch.maximum(q * (t - x), (q - 1.0) * (t - x)),
             "torch.maximum(q (t - p), (q - 1)(t - p)) (pinball formula in torch ops)", dims=("1d", "2d"))

    def msle_gen(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        return rng.uniform(-0.6, 4.0, size=shape), rng.uniform(-0.6, 4.0, size=shape)

    both("msle", "msle", {}, lambda x, t: (torch.log1p(x) - torch.log1p(t)) ** 2,
         "(torch.log1p(p) - torch.log1p(t))**2", gen=msle_gen)

    def mape_gen(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        p, t = regression(rng, shape, kinks=(0.0,))
        t.flat[1] = 0.0  # |t| < eps: the denominator is eps
        t.flat[2] = 3e-8
        return p, t

    both("mape", "mape", {}, lambda x, t: 100.0 * torch.abs(t - x) / torch.clamp(torch.abs(t), min=EPS),
         "100 |t - p| / clamp(|t|, min=1e-7) in torch ops (Keras MAPE formula)", gen=mape_gen, dims=("1d", "2d"))
    # mape with a custom eps
    cid = "mape-eps0.5/torch/2d/weighted"
    rng = rng_for(cid)
    p, t = mape_gen(rng, (8, 3))
    sw = weights(rng, 8)
    tt_ = tt(t)
    torch_case(cid, "mape", {"eps": 0.5}, p, t,
               lambda x: ex_mean(100.0 * torch.abs(tt_ - x) / torch.clamp(torch.abs(tt_), min=0.5)),
               source="100 |t - p| / clamp(|t|, min=eps) in torch ops", sample_weight=sw)

    def counts(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        return rng.uniform(0.05, 6.0, size=shape), rng.poisson(2.0, size=shape).astype(np.float64)

    def log_counts(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        return rng.normal(0.5, 1.0, size=shape), rng.poisson(2.0, size=shape).astype(np.float64)

    for log_input, eps, gen in ((False, 1e-8, counts), (True, 1e-8, log_counts), (False, 0.5, counts)):
        params: dict[str, Any] = {"log_input": log_input}
        if eps != 1e-8:
            params["eps"] = eps
        both(f"poisson-log_input{log_input}-eps{eps}", "poisson", params,
             lambda x, t, li=log_input, e=eps: F.poisson_nll_loss(x, t, log_input=li, full=False, eps=e,
                                                                  reduction="none"),
             "torch.nn.functional.poisson_nll_loss(full=False)", gen=gen, dims=("1d", "2d"),
             native=elementwise_native(F.poisson_nll_loss, log_input=log_input, full=False, eps=eps))
    # aliases resolve to the same loss
    cid = "l2-alias/torch/2d"
    rng = rng_for(cid)
    p, t = regression(rng, (6, 4))
    tt_ = tt(t)
    torch_case(cid, "mean_squared_error", {}, p, t, lambda x: ex_mean(F.mse_loss(x, tt_, reduction="none")),
               source="torch.nn.functional.mse_loss")


# ---------------------------------------------------------------------------------------------- binary (torch)
def logit(p: torch.Tensor) -> torch.Tensor:
    return torch.log(p) - torch.log1p(-p)


def binary_torch() -> None:
    # -- binary cross-entropy on probabilities
    for name, shape, ls, pw, weighted, soft in (
        ("1d", (14,), 0.0, None, False, False),
        ("1d/weighted", (14,), 0.0, None, True, False),
        ("multilabel/weighted", (8, 4), 0.0, None, True, False),
        ("soft-targets", (8, 3), 0.0, None, True, True),
        ("label_smoothing0.1", (8, 3), 0.1, None, True, False),
        ("pos_weight2.5", (12,), 0.0, 2.5, True, False),
        ("pos_weight-per-label", (8, 3), 0.0, [0.5, 2.0, 3.0], True, False),
        ("pos_weight-per-label+smoothing", (8, 3), 0.2, [0.5, 2.0, 3.0], False, False),
    ):
        cid = f"bce/torch/probs/{name}"
        rng = rng_for(cid)
        p = probabilities(rng, shape)
        t = rng.uniform(0, 1, size=shape) if soft else binary_labels(rng, shape)
        sw = weights(rng, shape[0]) if weighted else None
        ts = tt(t * (1 - ls) + 0.5 * ls)
        params: dict[str, Any] = {}
        if ls:
            params["label_smoothing"] = ls
        if pw is not None:
            params["pos_weight"] = pw
            def fn(x: torch.Tensor, ts: torch.Tensor = ts, pwt: torch.Tensor = tt(pw)) -> torch.Tensor:  # noqa: B008
                return ex_mean(F.binary_cross_entropy_with_logits(logit(x), ts, pos_weight=pwt, reduction="none"))
            src = ("torch.nn.functional.binary_cross_entropy_with_logits(logit(p), t, pos_weight=...) "
                   "(autograd through the logit)")
        else:
            def fn(x: torch.Tensor, ts: torch.Tensor = ts, pwt: Any = None) -> torch.Tensor:
                return ex_mean(F.binary_cross_entropy(x, ts, reduction="none"))
            src = "torch.nn.functional.binary_cross_entropy" + (" on t(1 - ls) + ls/2" if ls else "")
        torch_case(cid, "binary_cross_entropy" if name != "1d" else "bce", params, p, t, fn, source=src,
                   sample_weight=sw)
    # -- binary cross-entropy on logits
    for name, shape, ls, pw, weighted in (
        ("1d", (14,), 0.0, None, False),
        ("multilabel/weighted", (8, 4), 0.0, None, True),
        ("label_smoothing0.2", (10,), 0.2, None, True),
        ("pos_weight3", (12,), 0.0, 3.0, True),
        ("pos_weight-per-label", (9, 4), 0.0, [0.25, 1.0, 2.0, 4.0], True),
        ("pos_weight+smoothing", (8, 2), 0.1, 1.5, False),
    ):
        cid = f"bce/torch/logits/{name}"
        rng = rng_for(cid)
        z = rng.normal(0.0, 3.0, size=shape)
        t = binary_labels(rng, shape)
        sw = weights(rng, shape[0]) if weighted else None
        ts = tt(t * (1 - ls) + 0.5 * ls)
        params = {"from_logits": True}
        if ls:
            params["label_smoothing"] = ls
        if pw is not None:
            params["pos_weight"] = pw
        pwt = None if pw is None else tt(pw)

        def fn(x: torch.Tensor, ts: torch.Tensor = ts, pwt: Any = pwt) -> torch.Tensor:
            return ex_mean(F.binary_cross_entropy_with_logits(x, ts, pos_weight=pwt, reduction="none"))

        nat = None
        if sw is None:
            def nat(x: torch.Tensor, r: str, ts: torch.Tensor = ts, pwt: Any = pwt) -> torch.Tensor:
                if r == "mean":
                    return F.binary_cross_entropy_with_logits(x, ts, pos_weight=pwt, reduction="mean")
                return fn(x) if r == "none" else fn(x).sum()
        torch_case(cid, "binary_cross_entropy", params, z, t, fn, sample_weight=sw, native=nat,
                   source="torch.nn.functional.binary_cross_entropy_with_logits")

    # -- binary focal (torchvision.ops.sigmoid_focal_loss, re-implemented in torch ops; alpha=None is alpha=-1)
    def sigmoid_focal(z: torch.Tensor, t: torch.Tensor, alpha: float, gamma: float) -> torch.Tensor:
        p = torch.sigmoid(z)
        ce = F.binary_cross_entropy_with_logits(z, t, reduction="none")
        p_t = p * t + (1 - p) * (1 - t)
        loss = ce * ((1 - p_t) ** gamma)
        if alpha >= 0:
            loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
        return loss

    def prob_focal(p: torch.Tensor, t: torch.Tensor, alpha: float, gamma: float) -> torch.Tensor:
        ce = F.binary_cross_entropy(p, t, reduction="none")
        p_t = p * t + (1 - p) * (1 - t)
        loss = ce * ((1 - p_t) ** gamma)
        if alpha >= 0:
            loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
        return loss

    for name, logits, shape, gamma, alpha, weighted, soft in (
        ("logits/gamma2", True, (14,), 2.0, None, False, False),
        ("logits/gamma2-alpha0.25/weighted", True, (14,), 2.0, 0.25, True, False),
        ("logits/gamma0-alpha0.75", True, (10,), 0.0, 0.75, False, False),
        ("logits/gamma1.5/multilabel/weighted", True, (8, 3), 1.5, None, True, False),
        ("logits/gamma2/soft-targets", True, (8, 3), 2.0, 0.4, True, True),
        ("probs/gamma2-alpha0.25", False, (14,), 2.0, 0.25, True, False),
        ("probs/gamma0.5", False, (8, 3), 0.5, None, True, False),
        ("probs/gamma3-alpha0.9/soft-targets", False, (8, 2), 3.0, 0.9, False, True),
    ):
        cid = f"binary_focal/torch/{name}"
        rng = rng_for(cid)
        x = rng.normal(0.0, 2.5, size=shape) if logits else probabilities(rng, shape)
        t = rng.uniform(0, 1, size=shape) if soft else binary_labels(rng, shape)
        sw = weights(rng, shape[0]) if weighted else None
        params = {"gamma": gamma, "alpha": alpha, "from_logits": logits}
        f = sigmoid_focal if logits else prob_focal
        tt_ = tt(t)
        torch_case(cid, "binary_focal", params, x, t,
                   lambda x, tt_=tt_, f=f, a=alpha, g=gamma: ex_mean(f(x, tt_, -1.0 if a is None else a, g)),
                   sample_weight=sw,
                   source="torchvision.ops.sigmoid_focal_loss formula in torch ops" + ("" if logits else
                          " with torch.nn.functional.binary_cross_entropy on probabilities"))

    # -- hinge and squared hinge
    for loss in ("hinge", "squared_hinge"):
        for name, shape, encoding, weighted in (
            ("pm1", (14,), "pm1", False),
            ("01/weighted", (14,), "01", True),
            ("multilabel-pm1/weighted", (8, 3), "pm1", True),
            ("multilabel-01", (8, 3), "01", False),
        ):
            cid = f"{loss}/torch/{name}"
            rng = rng_for(cid)
            t01 = binary_labels(rng, shape)
            signed = 2 * t01 - 1
            x = hinge_scores(rng, signed)
            t = signed if encoding == "pm1" else t01
            sw = weights(rng, shape[0]) if weighted else None
            st = tt(signed)
            power = 1 if loss == "hinge" else 2
            torch_case(cid, loss, {}, x, t, lambda x, st=st, k=power: ex_mean(torch.clamp(1 - st * x, min=0) ** k),
                       sample_weight=sw, source=f"torch.clamp(1 - t p, min=0)**{power} (t in {{-1, +1}})")


# ------------------------------------------------------------------------------------------ multiclass (torch)
def multiclass_torch() -> None:
    n, c = 10, 4
    # -- categorical cross-entropy, logits, dense targets
    for name, ls, cw, weighted, soft in (
        ("onehot", 0.0, None, False, False),
        ("onehot/weighted", 0.0, None, True, False),
        ("soft-targets/weighted", 0.0, None, True, True),
        ("label_smoothing0.1", 0.1, None, False, False),
        ("label_smoothing0.3/soft/weighted", 0.3, None, True, True),
        ("class_weight-list", 0.0, [1.0, 2.0, 0.5, 3.0], False, False),
        ("class_weight-dict/weighted", 0.0, {0: 2.0, 2: 0.25}, True, False),
    ):
        cid = f"cce/torch/logits/{name}"
        rng = rng_for(cid)
        z = rng.normal(0.0, 2.0, size=(n, c))
        y = labels(rng, n, c)
        t = simplex(rng, n, c) if soft else onehot(y, c)
        sw = weights(rng, n) if weighted else None
        params: dict[str, Any] = {"from_logits": True}
        if ls:
            params["label_smoothing"] = ls
        if cw is not None:
            params["class_weight"] = cw
        tt_ = tt(t)
        yt = torch.tensor(y)
        w = sw
        nat = None
        if cw is not None:
            cwa = class_weight_array(cw, c)
            w = cwa[y] * (1.0 if sw is None else sw)
            if sw is None:
                def nat(x: torch.Tensor, r: str, cwt: torch.Tensor = tt(cwa),  # noqa: B008
                        yt: torch.Tensor = yt) -> torch.Tensor:
                    return F.cross_entropy(x, yt, weight=cwt, reduction=r)
        elif sw is None:
            def nat(x: torch.Tensor, r: str, tt_: torch.Tensor = tt_, ls: float = ls) -> torch.Tensor:
                return F.cross_entropy(x, tt_, label_smoothing=ls, reduction=r)
        torch_case(cid, "categorical_cross_entropy" if name != "onehot" else "cce", params, z, t,
                   lambda x, tt_=tt_, ls=ls: F.cross_entropy(x, tt_, label_smoothing=ls, reduction="none"),
                   sample_weight=sw, weights=w, native=nat,
                   source="torch.nn.functional.cross_entropy" + (" (class-index targets, weight=)" if cw else
                                                                 " (probability targets)"))
    # one example, shape (C,)
    cid = "cce/torch/logits/one-example"
    rng = rng_for(cid)
    z1 = rng.normal(0.0, 2.0, size=(5,))
    t1 = simplex(rng, 1, 5)[0]
    t1t = tt(t1)
    torch_case(cid, "cce", {"from_logits": True}, z1, t1,
               lambda x: F.cross_entropy(x, t1t, reduction="none").reshape(1),
               source="torch.nn.functional.cross_entropy (unbatched input)")
    # -- categorical cross-entropy on probabilities (no renormalization: nll_loss of log p)
    for name, ls, cw, weighted, soft in (
        ("onehot", 0.0, None, False, False),
        ("onehot/weighted", 0.0, None, True, False),
        ("soft-targets/weighted", 0.0, None, True, True),
        ("label_smoothing0.2", 0.2, None, True, False),
        ("class_weight-list/weighted", 0.0, [0.5, 1.0, 2.0, 4.0], True, False),
    ):
        cid = f"cce/torch/probs/{name}"
        rng = rng_for(cid)
        p = simplex(rng, n, c)
        y = labels(rng, n, c)
        t = simplex(rng, n, c) if soft else onehot(y, c)
        sw = weights(rng, n) if weighted else None
        params = {}
        if ls:
            params["label_smoothing"] = ls
        if cw is not None:
            params["class_weight"] = cw
        w = sw
        if cw is not None:
            w = class_weight_array(cw, c)[y] * (1.0 if sw is None else sw)
        ts = tt(t * (1 - ls) + ls / c)
        yt = torch.tensor(y)
        if soft or ls:
            def fn(x: torch.Tensor, ts: torch.Tensor = ts) -> torch.Tensor:
                return -(ts * torch.log(x)).sum(dim=1)
            src = "-(t' * torch.log(p)).sum(1), t' = t (1 - ls) + ls / C"
        else:
            def fn(x: torch.Tensor, yt: torch.Tensor = yt) -> torch.Tensor:
                return F.nll_loss(torch.log(x), yt, reduction="none")
            src = "torch.nn.functional.nll_loss(torch.log(p), y)"
        nat = None
        if not (soft or ls) and sw is None:
            def nat(x: torch.Tensor, r: str, yt: torch.Tensor = yt) -> torch.Tensor:
                return F.nll_loss(torch.log(x), yt, reduction=r)
        torch_case(cid, "categorical_cross_entropy", params, p, t, fn, sample_weight=sw, weights=w, native=nat,
                   source=src)

    # -- sparse categorical cross-entropy
    for name, logits, ls, cw, ignore, weighted in (
        ("logits", True, 0.0, None, False, False),
        ("logits/weighted", True, 0.0, None, False, True),
        ("logits/ignore_index", True, 0.0, None, True, False),
        ("logits/ignore_index/weighted", True, 0.0, None, True, True),
        ("logits/class_weight", True, 0.0, [2.0, 1.0, 0.5, 1.5], False, False),
        ("logits/class_weight+ignore_index", True, 0.0, [2.0, 1.0, 0.5, 1.5], True, False),
        ("logits/class_weight-dict+ignore_index/weighted", True, 0.0, {1: 3.0, 3: 0.5}, True, True),
        ("logits/label_smoothing0.1", True, 0.1, None, False, False),
        ("logits/label_smoothing0.2+ignore_index", True, 0.2, None, True, False),
        ("probs", False, 0.0, None, False, False),
        ("probs/ignore_index/weighted", False, 0.0, None, True, True),
        ("probs/class_weight", False, 0.0, [1.0, 0.5, 2.0, 1.0], False, False),
    ):
        cid = f"sparse_cce/torch/{name}"
        rng = rng_for(cid)
        x = rng.normal(0.0, 2.0, size=(12, c)) if logits else simplex(rng, 12, c)
        y = labels(rng, 12, c)
        keep = None
        if ignore:
            y[[2, 7]] = -100
            keep = y != -100
        sw = weights(rng, 12) if weighted else None
        params = {"from_logits": logits}
        if ls:
            params["label_smoothing"] = ls
        if cw is not None:
            params["class_weight"] = cw
        if ignore:
            params["ignore_index"] = -100
        cwa = None if cw is None else class_weight_array(cw, c)
        w = sw
        if cwa is not None:
            w = cwa[np.where(y >= 0, y, 0)] * (1.0 if sw is None else sw)
        yt = torch.tensor(y)

        def per(x: torch.Tensor, yt: torch.Tensor = yt, ls: float = ls, logits: bool = logits) -> torch.Tensor:
            if logits:
                return F.cross_entropy(x, yt, ignore_index=-100, label_smoothing=ls, reduction="none")
            return F.nll_loss(torch.log(x), yt, ignore_index=-100, reduction="none")

        nat = None
        if sw is None:
            def nat(x: torch.Tensor, r: str, yt: torch.Tensor = yt, ls: float = ls, logits: bool = logits,
                    cwt: Any = None if cwa is None else tt(cwa)) -> torch.Tensor:  # noqa: B008
                if logits:
                    return F.cross_entropy(x, yt, weight=cwt, ignore_index=-100, label_smoothing=ls, reduction=r)
                return F.nll_loss(torch.log(x), yt, weight=cwt, ignore_index=-100, reduction=r)
        loss_name = "sparse_categorical_cross_entropy" if name != "logits" else "sparse_cce"
        torch_case(cid, loss_name, params, x, y, per, sample_weight=sw, weights=w, keep=keep, native=nat,
                   source=("torch.nn.functional.cross_entropy" if logits else
                           "torch.nn.functional.nll_loss(torch.log(p), y)") + ", ignore_index=-100"
                   + (", weight=class_weight" if cw is not None else ""))

    # -- categorical focal: -alpha sum_c t_c (1 - p_c)^gamma log p_c
    for name, logits, gamma, alpha, soft, weighted in (
        ("logits/gamma2-alpha0.25", True, 2.0, 0.25, False, False),
        ("logits/gamma2-alpha0.25/weighted", True, 2.0, 0.25, False, True),
        ("logits/gamma0-alpha1", True, 0.0, 1.0, False, False),
        ("logits/gamma0.5-alpha0.5/soft", True, 0.5, 0.5, True, True),
        ("probs/gamma2-alpha0.25", False, 2.0, 0.25, False, True),
        ("probs/gamma3-alpha1/soft", False, 3.0, 1.0, True, False),
    ):
        cid = f"categorical_focal/torch/{name}"
        rng = rng_for(cid)
        x = rng.normal(0.0, 2.0, size=(n, c)) if logits else simplex(rng, n, c)
        y = labels(rng, n, c)
        t = simplex(rng, n, c) if soft else onehot(y, c)
        sw = weights(rng, n) if weighted else None
        tt_ = tt(t)

        def focal(x: torch.Tensor, tt_: torch.Tensor = tt_, g: float = gamma, a: float = alpha,
                  logits: bool = logits) -> torch.Tensor:
            logp = torch.log_softmax(x, dim=1) if logits else torch.log(x)
            p = torch.softmax(x, dim=1) if logits else x
            return -a * (tt_ * (1 - p) ** g * logp).sum(dim=1)

        torch_case(cid, "categorical_focal", {"gamma": gamma, "alpha": alpha, "from_logits": logits}, x, t, focal,
                   sample_weight=sw, source="-alpha (t (1 - p)^gamma log p).sum(1) in torch ops"
                   + (" (p = softmax, log p = log_softmax)" if logits else ""))

    # -- categorical hinge (max over wrong classes; sklearn's multi-class hinge_loss semantics)
    for name, as_labels, weighted in (("labels", True, False), ("onehot/weighted", False, True)):
        cid = f"categorical_hinge/torch/{name}"
        rng = rng_for(cid)
        y = labels(rng, 12, c)
        z = crammer_singer_scores(rng, y, c)
        sw = weights(rng, 12) if weighted else None
        mask = torch.tensor(onehot(y, c) > 0)

        def ch(x: torch.Tensor, mask: torch.Tensor = mask) -> torch.Tensor:
            pos = (x * mask).sum(dim=1)
            neg = x.masked_fill(mask, -math.inf).max(dim=1).values
            return torch.clamp(1 + neg - pos, min=0)

        torch_case(cid, "categorical_hinge", {}, z, y if as_labels else onehot(y, c), ch, sample_weight=sw,
                   source="clamp(1 + max_{j != y} z_j - z_y, min=0) in torch ops")

    # -- multi-margin (torch MultiMarginLoss)
    for name, pw, margin, as_labels, weighted in (
        ("p1", 1, 1.0, True, False),
        ("p2/weighted", 2, 1.0, True, True),
        ("p1-margin0.5/onehot", 1, 0.5, False, True),
        ("p2-margin2", 2, 2.0, True, False),
    ):
        cid = f"multi_margin/torch/{name}"
        rng = rng_for(cid)
        y = labels(rng, 12, c)
        z = weston_watkins_scores(rng, y, c, margin)
        sw = weights(rng, 12) if weighted else None
        yt = torch.tensor(y)
        nat = None
        if sw is None:
            def nat(x: torch.Tensor, r: str, yt: torch.Tensor = yt, pw: int = pw, m: float = margin) -> torch.Tensor:
                return F.multi_margin_loss(x, yt, p=pw, margin=m, reduction=r)
        torch_case(cid, "multi_margin", {"p": pw, "margin": margin}, z, y if as_labels else onehot(y, c),
                   lambda x, yt=yt, pw=pw, m=margin: F.multi_margin_loss(x, yt, p=pw, margin=m, reduction="none"),
                   sample_weight=sw, native=nat, source="torch.nn.functional.multi_margin_loss")


# ---------------------------------------------------------------------------------------- distribution (torch)
def distribution_torch() -> None:
    n, c = 9, 5
    for name, zeros, weighted, eps in (
        ("dense", False, False, None),
        ("target-zeros/weighted", True, True, None),
        ("target-zeros", True, False, None),
        ("eps1e-3/weighted", False, True, 1e-3),
    ):
        cid = f"kl_divergence/torch/{name}"
        rng = rng_for(cid)
        p = simplex(rng, n, c)
        t = simplex(rng, n, c)
        if zeros:
            t[rng.uniform(size=t.shape) < 0.3] = 0.0
            t[:, 0] += 1e-3
            t /= t.sum(axis=1, keepdims=True)
        if eps is not None:
            p[0] = [0.9995, 0.0002, 0.0001, 0.0001, 0.0001]
            p[0] /= p[0].sum()
            t[0] = [0.5, 0.0, 0.0, 0.5, 0.0]  # mass where p is below the clip
        sw = weights(rng, n) if weighted else None
        tt_ = tt(t)
        params = {} if eps is None else {"eps": eps}
        if eps is None:
            def per(x: torch.Tensor, tt_: torch.Tensor = tt_) -> torch.Tensor:
                return F.kl_div(torch.log(x), tt_, reduction="none").sum(dim=1)
            src = "torch.nn.functional.kl_div(torch.log(p), t) (batchmean / sum)"
        else:
            def per(x: torch.Tensor, tt_: torch.Tensor = tt_, e: float = eps) -> torch.Tensor:
                return F.kl_div(torch.log(torch.clamp(x, min=e)), tt_, reduction="none").sum(dim=1)
            src = "torch.nn.functional.kl_div(torch.log(clamp(p, min=eps)), t)"
        nat = None
        if sw is None:
            def nat(x: torch.Tensor, r: str, tt_: torch.Tensor = tt_) -> torch.Tensor:
                if r == "none":
                    return F.kl_div(torch.log(x), tt_, reduction="none").sum(dim=1)
                return F.kl_div(torch.log(x), tt_, reduction="batchmean" if r == "mean" else "sum")
        torch_case(cid, "kl_divergence", params, p, t, per, sample_weight=sw, native=nat, source=src)
    cid = "kl_divergence/torch/one-example"
    rng = rng_for(cid)
    p1, t1 = simplex(rng, 1, 6)[0], simplex(rng, 1, 6)[0]
    t1t = tt(t1)
    torch_case(cid, "kld", {}, p1, t1, lambda x: F.kl_div(torch.log(x), t1t, reduction="sum").reshape(1),
               source="torch.nn.functional.kl_div(torch.log(p), t, reduction='sum')")

    for name, zeros, weighted in (("dense", False, False), ("target-zeros/weighted", True, True)):
        cid = f"js_divergence/torch/{name}"
        rng = rng_for(cid)
        p = simplex(rng, n, c)
        t = simplex(rng, n, c)
        if zeros:
            t[rng.uniform(size=t.shape) < 0.3] = 0.0
            t[:, 1] += 1e-3
            t /= t.sum(axis=1, keepdims=True)
        sw = weights(rng, n) if weighted else None
        tt_ = tt(t)

        def js(x: torch.Tensor, tt_: torch.Tensor = tt_) -> torch.Tensor:
            m = 0.5 * (x + tt_)
            return 0.5 * (torch.xlogy(tt_, tt_) - torch.xlogy(tt_, m) + torch.xlogy(x, x) - torch.xlogy(x, m)).sum(1)

        torch_case(cid, "js_divergence", {}, p, t, js, sample_weight=sw,
                   source="0.5 (xlogy(t, t) - xlogy(t, m) + xlogy(p, p) - xlogy(p, m)).sum(1) in torch ops")


# ------------------------------------------------------------------------------------------ scikit-learn, scipy
def sklearn_scipy() -> None:
    for dim, shape in (("1d", (15,)), ("2d", (10, 3))):
        for weighted in (False, True):
            suffix = f"{dim}" + ("/weighted" if weighted else "")
            rng = rng_for("sklearn-" + suffix)
            p, t = regression(rng, shape)
            pp, tp = positive_regression(rng, shape)
            sw = weights(rng, shape[0]) if weighted else None
            kw = {"sample_weight": sw}
            values_case(f"mse/sklearn/{suffix}", "mse", {}, p, t, {"mean": skm.mean_squared_error(t, p, **kw)},
                        source="sklearn.metrics.mean_squared_error", library=SKLEARN, sample_weight=sw)
            values_case(f"mae/sklearn/{suffix}", "mae", {}, p, t, {"mean": skm.mean_absolute_error(t, p, **kw)},
                        source="sklearn.metrics.mean_absolute_error", library=SKLEARN, sample_weight=sw)
            if dim == "1d":  # for (N, K) sklearn averages per-column RMSEs, a different quantity
                values_case(f"rmse/sklearn/{suffix}", "rmse", {}, p, t,
                            {"mean": skm.root_mean_squared_error(t, p, **kw)},
                            source="sklearn.metrics.root_mean_squared_error", library=SKLEARN, sample_weight=sw)
            for q in (0.1, 0.5, 0.8):
                values_case(f"quantile-q{q}/sklearn/{suffix}", "quantile", {"q": q}, p, t,
                            {"mean": skm.mean_pinball_loss(t, p, alpha=q, **kw)},
                            source=f"sklearn.metrics.mean_pinball_loss(alpha={q})", library=SKLEARN, sample_weight=sw)
            values_case(f"msle/sklearn/{suffix}", "msle", {}, pp, tp,
                        {"mean": skm.mean_squared_log_error(tp, pp, **kw)},
                        source="sklearn.metrics.mean_squared_log_error", library=SKLEARN, sample_weight=sw)
            values_case(f"mape/sklearn/{suffix}", "mape", {}, pp, tp,
                        {"mean": 100.0 * skm.mean_absolute_percentage_error(tp, pp, **kw)},
                        source="100 * sklearn.metrics.mean_absolute_percentage_error", library=SKLEARN,
                        sample_weight=sw)
    for weighted in (False, True):
        suffix = "weighted" if weighted else "plain"
        rng = rng_for("sklearn-classification-" + suffix)
        sw = weights(rng, 14) if weighted else None
        kw = {"sample_weight": sw}
        p = probabilities(rng, (14,))
        y = binary_labels(rng, (14,))
        values_case(f"bce/sklearn/{suffix}", "log_loss", {}, p, y, {"mean": skm.log_loss(y, p, labels=[0, 1], **kw)},
                    source="sklearn.metrics.log_loss", library=SKLEARN, sample_weight=sw)
        c = 4
        probs = simplex(rng, 14, c)
        yc = labels(rng, 14, c)
        ll = skm.log_loss(yc, probs, labels=list(range(c)), **kw)
        values_case(f"cce/sklearn/{suffix}", "cce", {}, probs, onehot(yc, c), {"mean": ll},
                    source="sklearn.metrics.log_loss", library=SKLEARN, sample_weight=sw)
        values_case(f"sparse_cce/sklearn/{suffix}", "sparse_cce", {}, probs, yc, {"mean": ll},
                    source="sklearn.metrics.log_loss", library=SKLEARN, sample_weight=sw)
        signed = 2 * binary_labels(rng, (14,)) - 1
        scores = hinge_scores(rng, signed)
        values_case(f"hinge/sklearn/{suffix}", "hinge", {}, scores, signed,
                    {"mean": skm.hinge_loss(signed, scores, **kw)},
                    source="sklearn.metrics.hinge_loss (binary)", library=SKLEARN, sample_weight=sw)
        ym = labels(rng, 14, c)
        zm = crammer_singer_scores(rng, ym, c)
        values_case(f"categorical_hinge/sklearn/{suffix}", "categorical_hinge", {}, zm, ym,
                    {"mean": skm.hinge_loss(ym, zm, labels=list(range(c)), **kw)},
                    source="sklearn.metrics.hinge_loss (multi-class, Crammer-Singer)", library=SKLEARN,
                    sample_weight=sw)

    # scipy: per-example values, weighted per the contract
    rng = rng_for("scipy")
    for delta in (1.0, 0.7):
        p, t = regression(rng, (9, 3), kinks=(delta,))
        sw = weights(rng, 9)
        per_value_case(f"huber-delta{delta}/scipy", "huber", {"delta": delta}, p, t,
                       scipy.special.huber(delta, p - t).mean(axis=1), source="scipy.special.huber",
                       library=SCIPY, sample_weight=sw)
    z = rng.normal(0.0, 3.0, size=(11, 3))
    y = binary_labels(rng, (11, 3))
    per_value_case("bce/scipy/logits", "bce", {"from_logits": True}, z, y,
                   -(y * scipy.special.log_expit(z) + (1 - y) * scipy.special.log_expit(-z)).mean(axis=1),
                   source="scipy.special.log_expit", library=SCIPY, sample_weight=weights(rng, 11))
    z = rng.normal(0.0, 2.0, size=(10, 5))
    t = simplex(rng, 10, 5)
    per_value_case("cce/scipy/logits", "cce", {"from_logits": True}, z, t,
                   -(t * scipy.special.log_softmax(z, axis=1)).sum(axis=1), source="scipy.special.log_softmax",
                   library=SCIPY, sample_weight=weights(rng, 10))
    p, t = simplex(rng, 10, 5), simplex(rng, 10, 5)
    t[t < 0.1] = 0.0
    t /= t.sum(axis=1, keepdims=True)
    per_value_case("kl_divergence/scipy/rel_entr", "kl_divergence", {}, p, t,
                   scipy.special.rel_entr(t, p).sum(axis=1), source="scipy.special.rel_entr", library=SCIPY,
                   sample_weight=weights(rng, 10))
    per_value_case("kl_divergence/scipy/entropy", "kl_divergence", {}, p, t, scipy.stats.entropy(t, p, axis=1),
                   source="scipy.stats.entropy(t, p)", library=SCIPY)
    for name, tt_ in (("dense", simplex(rng, 10, 5)), ("target-zeros", t)):
        p = simplex(rng, 10, 5)
        per_value_case(f"js_divergence/scipy/{name}", "js_divergence", {}, p, tt_,
                       scipy.spatial.distance.jensenshannon(p, tt_, axis=1) ** 2,
                       source="scipy.spatial.distance.jensenshannon(p, t) ** 2", library=SCIPY,
                       sample_weight=weights(rng, 10))
    # Poisson NLL up to log(t!): -logpmf(t; mu=p) - gammaln(t + 1); eps tiny so that p + eps == p
    p = rng.uniform(0.2, 6.0, size=(8, 3))
    t = rng.poisson(2.0, size=(8, 3)).astype(np.float64)
    per_value_case("poisson/scipy", "poisson", {"eps": 1e-300}, p, t,
                   (-scipy.stats.poisson.logpmf(t, p) - scipy.special.gammaln(t + 1)).mean(axis=1),
                   source="-scipy.stats.poisson.logpmf(t, mu=p) - scipy.special.gammaln(t + 1)", library=SCIPY,
                   sample_weight=weights(rng, 8))


# ---------------------------------------------------------------------------------------------------- Keras
def keras_references() -> None:
    if keras is None:
        return
    kl = keras.losses
    shape = (9, 3)

    def regression_keras(name: str, loss: str, params: dict[str, Any], make: Callable[..., Any],
                         gen: Callable[..., tuple[np.ndarray, np.ndarray]], src: str) -> None:
        for weighted in (False, True):
            cid = f"{name}/keras" + ("/weighted" if weighted else "")
            rng = rng_for(cid)
            p, t = gen(rng)
            sw = weights(rng, shape[0]) if weighted else None
            keras_case(cid, loss, params, p, t, make, source=src, sample_weight=sw)

    regression_keras("mse", "mse", {}, lambda r: kl.MeanSquaredError(reduction=r),
                     lambda rng: regression(rng, shape), "keras.losses.MeanSquaredError")
    regression_keras("mae", "mae", {}, lambda r: kl.MeanAbsoluteError(reduction=r),
                     lambda rng: regression(rng, shape), "keras.losses.MeanAbsoluteError")
    for delta in (1.0, 1.5):
        regression_keras(f"huber-delta{delta}", "huber", {"delta": delta},
                         lambda r, d=delta: kl.Huber(delta=d, reduction=r),
                         lambda rng, d=delta: regression(rng, shape, kinks=(d,)), f"keras.losses.Huber(delta={delta})")
    regression_keras("log_cosh", "log_cosh", {}, lambda r: kl.LogCosh(reduction=r),
                     lambda rng: regression(rng, shape, hi=6.0), "keras.losses.LogCosh")
    regression_keras("msle", "msle", {}, lambda r: kl.MeanSquaredLogarithmicError(reduction=r),
                     lambda rng: positive_regression(rng, shape), "keras.losses.MeanSquaredLogarithmicError")

    def mape_gen(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        p, t = regression(rng, shape, kinks=(0.0,))
        t[0, 0] = 0.0
        return p, t

    regression_keras("mape", "mape", {}, lambda r: kl.MeanAbsolutePercentageError(reduction=r), mape_gen,
                     "keras.losses.MeanAbsolutePercentageError")
    regression_keras("poisson", "poisson", {"eps": 1e-7}, lambda r: kl.Poisson(reduction=r),
                     lambda rng: (rng.uniform(0.05, 6.0, size=shape), rng.poisson(2.0, size=shape).astype(float)),
                     "keras.losses.Poisson (its epsilon is 1e-7)")

    # binary cross-entropy
    for name, logits, ls, flat, clipped in (
        ("probs", False, 0.0, True, False),
        ("probs/multilabel", False, 0.0, False, False),
        ("probs/label_smoothing0.1", False, 0.1, False, False),
        ("probs/clipped", False, 0.0, True, True),
        ("logits", True, 0.0, True, False),
        ("logits/label_smoothing0.2/multilabel", True, 0.2, False, False),
    ):
        cid = f"bce/keras/{name}"
        rng = rng_for(cid)
        shp = (12,) if flat else (8, 3)
        x = rng.normal(0.0, 3.0, size=shp) if logits else probabilities(rng, shp)
        t = binary_labels(rng, shp)
        if clipped:  # 0 and 1 exactly, and values beyond the clip: Keras and losslab both clip to [eps, 1 - eps]
            x[:4] = [0.0, 1.0, 1e-9, 1 - 1e-9]
            t[:4] = [1.0, 0.0, 0.0, 1.0]
        sw = weights(rng, shp[0])
        params: dict[str, Any] = {"from_logits": logits}
        if ls:
            params["label_smoothing"] = ls
        keras_case(cid, "binary_cross_entropy", params, x, t,
                   lambda r, lg=logits, ls=ls: kl.BinaryCrossentropy(from_logits=lg, label_smoothing=ls, reduction=r),
                   source="keras.losses.BinaryCrossentropy", sample_weight=sw, column=flat)
    # binary focal
    for name, logits, gamma, alpha, flat in (
        ("probs/gamma2", False, 2.0, None, True),
        ("probs/gamma2-alpha0.25/multilabel", False, 2.0, 0.25, False),
        ("logits/gamma1.5-alpha0.6", True, 1.5, 0.6, True),
        ("logits/gamma3/multilabel", True, 3.0, None, False),
    ):
        cid = f"binary_focal/keras/{name}"
        rng = rng_for(cid)
        shp = (12,) if flat else (8, 3)
        x = rng.normal(0.0, 2.5, size=shp) if logits else probabilities(rng, shp)
        t = binary_labels(rng, shp)
        sw = weights(rng, shp[0])
        keras_case(cid, "binary_focal", {"gamma": gamma, "alpha": alpha, "from_logits": logits}, x, t,
                   lambda r, lg=logits, g=gamma, a=alpha: kl.BinaryFocalCrossentropy(
                       apply_class_balancing=a is not None, alpha=0.25 if a is None else a, gamma=g, from_logits=lg,
                       reduction=r),
                   source="keras.losses.BinaryFocalCrossentropy(apply_class_balancing=alpha is not None)",
                   sample_weight=sw, column=flat)
    # hinge, squared hinge
    for loss, cls in (("hinge", kl.Hinge), ("squared_hinge", kl.SquaredHinge)):
        for encoding, flat in (("pm1", True), ("01", False)):
            cid = f"{loss}/keras/{encoding}"
            rng = rng_for(cid)
            shp = (12,) if flat else (8, 3)
            t01 = binary_labels(rng, shp)
            x = hinge_scores(rng, 2 * t01 - 1)
            t = 2 * t01 - 1 if encoding == "pm1" else t01
            keras_case(cid, loss, {}, x, t, lambda r, cls=cls: cls(reduction=r), source=f"keras.losses.{cls.__name__}",
                       sample_weight=weights(rng, shp[0]), column=flat)

    n, c = 10, 4
    # categorical cross-entropy and focal (Keras renormalizes probability rows: value only there)
    for name, logits, ls in (("logits", True, 0.0), ("logits/label_smoothing0.1", True, 0.1),
                             ("probs", False, 0.0), ("probs/label_smoothing0.2", False, 0.2)):
        cid = f"cce/keras/{name}"
        rng = rng_for(cid)
        x = rng.normal(0.0, 2.0, size=(n, c)) if logits else simplex(rng, n, c)
        t = onehot(labels(rng, n, c), c)
        params = {"from_logits": logits}
        if ls:
            params["label_smoothing"] = ls
        keras_case(cid, "categorical_cross_entropy", params, x, t,
                   lambda r, lg=logits, ls=ls: kl.CategoricalCrossentropy(from_logits=lg, label_smoothing=ls,
                                                                           reduction=r),
                   source="keras.losses.CategoricalCrossentropy", sample_weight=weights(rng, n), with_grad=logits)
    for name, logits, ignore in (("logits", True, False), ("logits/ignore_class", True, True), ("probs", False, False)):
        cid = f"sparse_cce/keras/{name}"
        rng = rng_for(cid)
        x = rng.normal(0.0, 2.0, size=(n, c)) if logits else simplex(rng, n, c)
        y = labels(rng, n, c)
        keep = None
        params = {"from_logits": logits}
        if ignore:
            y[[1, 6]] = -100
            keep = (y != -100).astype(np.float64)
            params["ignore_index"] = -100
        keras_case(cid, "sparse_categorical_cross_entropy", params, x, y,
                   lambda r, lg=logits, ig=ignore: kl.SparseCategoricalCrossentropy(
                       from_logits=lg, ignore_class=-100 if ig else None, reduction=r),
                   source="keras.losses.SparseCategoricalCrossentropy" + ("(ignore_class=-100)" if ignore else ""),
                   sample_weight=weights(rng, n), keep=keep, with_grad=logits)
    for name, logits, gamma, alpha in (("logits/gamma2-alpha0.25", True, 2.0, 0.25),
                                       ("logits/gamma0.5-alpha1", True, 0.5, 1.0),
                                       ("probs/gamma2-alpha0.25", False, 2.0, 0.25)):
        cid = f"categorical_focal/keras/{name}"
        rng = rng_for(cid)
        x = rng.normal(0.0, 2.0, size=(n, c)) if logits else simplex(rng, n, c)
        t = onehot(labels(rng, n, c), c)
        keras_case(cid, "categorical_focal", {"gamma": gamma, "alpha": alpha, "from_logits": logits}, x, t,
                   lambda r, lg=logits, g=gamma, a=alpha: kl.CategoricalFocalCrossentropy(
                       alpha=a, gamma=g, from_logits=lg, reduction=r),
                   source="keras.losses.CategoricalFocalCrossentropy", sample_weight=weights(rng, n),
                   with_grad=logits)
    # categorical hinge: Keras takes max((1 - t) z), equal to max over wrong classes when that is positive
    cid = "categorical_hinge/keras"
    rng = rng_for(cid)
    y = labels(rng, 12, c)
    z = crammer_singer_scores(rng, y, c, positive_wrong=True)
    keras_case(cid, "categorical_hinge", {}, z, onehot(y, c), lambda r: kl.CategoricalHinge(reduction=r),
               source="keras.losses.CategoricalHinge (inputs where the best wrong score is > 0)",
               sample_weight=weights(rng, 12))
    # KL divergence: Keras clips the target to [eps, 1] too, so targets here are >= eps
    cid = "kl_divergence/keras"
    rng = rng_for(cid)
    keras_case(cid, "kld", {}, simplex(rng, n, 5), simplex(rng, n, 5), lambda r: kl.KLDivergence(reduction=r),
               source="keras.losses.KLDivergence (targets > eps)", sample_weight=weights(rng, n))


# ------------------------------------------------------------------------------------------------------- main
def main() -> int:
    regression_torch()
    binary_torch()
    multiclass_torch()
    distribution_torch()
    sklearn_scipy()
    keras_references()
    meta = {
        "generator": "tools/make_reference_fixtures.py",
        "libraries": {"torch": torch.__version__, "scikit-learn": sklearn.__version__, "scipy": scipy.__version__,
                      "numpy": np.__version__, "keras": None if keras is None else keras.__version__},
        "keras_skipped": KERAS_SKIPPED,
        "tolerance": {"rtol": 1e-6, "atol": 1e-12},
        "count": len(CASES),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = ['{"meta": ' + json.dumps(meta, sort_keys=True) + ',', '"cases": [']
    lines += [json.dumps(case) + ("," if i < len(CASES) - 1 else "") for i, case in enumerate(CASES)]
    lines += ["]}"]
    OUT.write_text("\n".join(lines) + "\n")
    size = OUT.stat().st_size
    print(f"wrote {len(CASES)} cases to {OUT.relative_to(ROOT)} ({size / 1024:.0f} KiB)"
          + ("" if keras is not None else f"; Keras skipped: {KERAS_SKIPPED}"))
    if size > 2 * 1024 * 1024:
        print("fixture file exceeds 2 MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
