"""Speed of losslab's NumPy fast path against PyTorch CPU and against memory-bandwidth floors.

Run ``python benchmarks/bench_losses.py [--quick] [--json PATH]``. Everything runs on one thread.

For every loss, dtype (float32, float64) and size it times, warm, the median of several repeats of

- ``value``: ``loss(pred, target)`` (reduction "mean"; "sum" for sse),
- ``vg``: ``loss.value_and_grad(pred, target)`` (a new gradient array each call),
- ``vg_out``: the same with ``out=`` a preallocated gradient buffer,
- ``torch``: PyTorch's built-in loss on the same data (``torch.nn.functional``; a tensor expression where PyTorch
  has none, marked ``expr``), forward only and forward + ``backward()``,

and two floors: ``F``, the time to read the inputs once (the faster of ``np.add.reduce`` over each input and a
single-pass C sum over all of them, compiled here with the system C compiler when there is one), and ``Fw``, the
time to read the inputs and write one gradient (``np.subtract(pred, target, out=buf)``). It prints the ratios, a
summary of which targets are met, the peak extra memory of the fast path at N = 1e7 (tracemalloc, which sees
NumPy's allocations, as a fraction of one input) and the time of ``import losslab`` in a fresh interpreter.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import ctypes  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

try:
    import torch
    import torch.nn.functional as tF

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - the benchmark still runs, without the torch columns
    torch = None  # type: ignore[assignment]
    tF = None  # type: ignore[assignment]

import losslab  # noqa: E402
from losslab.losses.fast import _blocks as _fast  # noqa: E402

ARITHMETIC = ("mse", "sse", "mae", "huber", "smooth_l1", "quantile", "hinge", "squared_hinge")
EXPLOG = ("bce_logits", "bce_probs", "log_cosh", "poisson", "binary_focal", "kl_divergence")


# ------------------------------------------------------------------------------------------------- timing
CLOCK: Callable[[], float] = time.perf_counter
REPEATS = 7


def median_time(fn: Callable[[], Any], min_time: float = 0.02) -> float:
    """Seconds per call: warm up, pick a loop count whose run lasts >= min_time, take the median of repeats."""
    fn()
    t0 = CLOCK()
    fn()
    once = max(CLOCK() - t0, 1e-7)
    loops = max(1, min(1000, int(min_time / once)))
    repeats = min(REPEATS, 5) if once > 0.2 else REPEATS
    samples = []
    for _ in range(repeats):
        t0 = CLOCK()
        for _ in range(loops):
            fn()
        samples.append((CLOCK() - t0) / loops)
    return statistics.median(samples)


# ---------------------------------------------------------------------------------- compiled single-pass sum
_C_SOURCE = r"""
#include <stddef.h>
double sum_f64(const double *a, size_t n) { double s = 0; for (size_t i = 0; i < n; i++) s += a[i]; return s; }
double sum2_f64(const double *a, const double *b, size_t n)
{ double s = 0; for (size_t i = 0; i < n; i++) s += a[i] + b[i]; return s; }
float sum_f32(const float *a, size_t n) { float s = 0; for (size_t i = 0; i < n; i++) s += a[i]; return s; }
float sum2_f32(const float *a, const float *b, size_t n)
{ float s = 0; for (size_t i = 0; i < n; i++) s += a[i] + b[i]; return s; }
"""


def compiled_sum() -> Any:
    """The C sums as a ctypes library (vectorized by -O3 -march=native -ffast-math), or None without a compiler."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None
    folder = tempfile.mkdtemp(prefix="losslab-bench-")
    src = os.path.join(folder, "sums.c")
    lib = os.path.join(folder, "sums.so")
    with open(src, "w") as fh:
        fh.write(_C_SOURCE)
    try:
        subprocess.run([cc, "-O3", "-march=native", "-ffast-math", "-shared", "-fPIC", src, "-o", lib],
                       check=True, capture_output=True)
        so = ctypes.CDLL(lib)
    except (OSError, subprocess.CalledProcessError):
        return None
    for name, ct in (("f64", ctypes.c_double), ("f32", ctypes.c_float)):
        for fn, nargs in ((f"sum_{name}", 1), (f"sum2_{name}", 2)):
            f = getattr(so, fn)
            f.restype = ct
            f.argtypes = [ctypes.c_void_p] * nargs + [ctypes.c_size_t]
    return so


def floor_read(arrays: list[np.ndarray], so: Any) -> tuple[float, str, float]:
    """F: reading the float inputs once. Returns (seconds, which floor won, the np.add.reduce time)."""
    t_np = sum(median_time(lambda a=a: np.add.reduce(a, axis=None)) for a in arrays)
    if so is None:
        return t_np, "np.add.reduce", t_np
    name = "f64" if arrays[0].dtype == np.float64 else "f32"
    if len(arrays) == 2 and arrays[0].size == arrays[1].size:
        f2 = getattr(so, f"sum2_{name}")
        a, b = arrays
        t_c = median_time(lambda: f2(a.ctypes.data, b.ctypes.data, a.size))
    else:
        f1 = getattr(so, f"sum_{name}")
        t_c = sum(median_time(lambda a=a: f1(a.ctypes.data, a.size)) for a in arrays)
    return (t_c, "C sum", t_np) if t_c < t_np else (t_np, "np.add.reduce", t_np)


def floor_write(arrays: list[np.ndarray], like: np.ndarray) -> float:
    """Fw: read the inputs and write one gradient-sized array."""
    buf = np.empty_like(like)
    if len(arrays) == 2 and arrays[0].shape == arrays[1].shape:
        a, b = arrays
        return median_time(lambda: np.subtract(a, b, out=buf))
    a = arrays[0]
    return median_time(lambda: np.negative(a, out=buf))


# -------------------------------------------------------------------------------------------------- cases
@dataclass
class Case:
    label: str
    loss: Any  # losslab.Loss
    make: Callable[[np.random.Generator, tuple[int, ...], Any], tuple[np.ndarray, np.ndarray]]
    torch_fn: Callable[[Any, Any], Any] | None
    torch_kind: str = "builtin"  # or "expr": a tensor expression (PyTorch has no such loss)
    rows: int = 0  # > 0: a row loss laid out as (N / rows, rows)
    params: dict[str, Any] = field(default_factory=dict)


def _normal(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal(shape, dtype=np.float64).astype(dt), rng.standard_normal(shape).astype(dt)


def _signs(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal(shape).astype(dt), (rng.integers(0, 2, shape) * 2 - 1).astype(dt)


def _logits01(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return (2.0 * rng.standard_normal(shape)).astype(dt), rng.integers(0, 2, shape).astype(dt)


def _probs01(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.001, 0.999, shape).astype(dt), rng.integers(0, 2, shape).astype(dt)


def _counts(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.1, 5.0, shape).astype(dt), rng.poisson(2.0, shape).astype(dt)


def _softmax_rows(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> np.ndarray:
    z = rng.standard_normal(shape)
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z.astype(dt)


def _distributions(rng: np.random.Generator, shape: tuple[int, ...], dt: Any) -> tuple[np.ndarray, np.ndarray]:
    return _softmax_rows(rng, shape, dt), _softmax_rows(rng, shape, dt)


def _torch_focal(z: Any, t: Any) -> Any:
    p = torch.sigmoid(z)
    ce = tF.binary_cross_entropy_with_logits(z, t, reduction="none")
    q = p * (1 - t) + (1 - p) * t
    return (q * q * ce).mean()


def cases() -> list[Case]:
    g = losslab.get
    return [
        Case("mse", g("mse"), _normal, lambda a, b: tF.mse_loss(a, b)),
        Case("sse", g("sse"), _normal, lambda a, b: tF.mse_loss(a, b, reduction="sum")),
        Case("rmse", g("rmse"), _normal, lambda a, b: torch.sqrt(tF.mse_loss(a, b))),
        Case("mae", g("mae"), _normal, lambda a, b: tF.l1_loss(a, b)),
        Case("huber", g("huber"), _normal, lambda a, b: tF.huber_loss(a, b, delta=1.0)),
        Case("smooth_l1", g("smooth_l1"), _normal, lambda a, b: tF.smooth_l1_loss(a, b, beta=1.0)),
        Case("quantile", g("quantile", q=0.3), _normal,
             lambda a, b: torch.maximum(0.3 * (b - a), -0.7 * (b - a)).mean(), "expr"),
        Case("hinge", g("hinge"), _signs, lambda a, b: torch.clamp(1 - b * a, min=0).mean(), "expr"),
        Case("squared_hinge", g("squared_hinge"), _signs,
             lambda a, b: torch.clamp(1 - b * a, min=0).square().mean(), "expr"),
        Case("log_cosh", g("log_cosh"), _normal,
             lambda a, b: ((a - b).abs() + tF.softplus(-2 * (a - b).abs()) - math.log(2.0)).mean(), "expr"),
        Case("poisson", g("poisson"), _counts, lambda a, b: tF.poisson_nll_loss(a, b, log_input=False, eps=1e-8)),
        Case("bce_logits", g("bce", from_logits=True), _logits01,
             lambda a, b: tF.binary_cross_entropy_with_logits(a, b)),
        Case("bce_probs", g("bce"), _probs01, lambda a, b: tF.binary_cross_entropy(a, b)),
        Case("binary_focal", g("binary_focal", from_logits=True), _logits01, _torch_focal, "expr"),
        Case("kl_divergence", g("kl_divergence"), _distributions,
             lambda a, b: tF.kl_div(torch.log(a), b, reduction="batchmean"), rows=100),
    ]


# ------------------------------------------------------------------------------------------------ running
def torch_times(fn: Callable[[Any, Any], Any] | None, p: np.ndarray, t: Any) -> tuple[float, float]:
    if torch is None or fn is None:
        return math.nan, math.nan
    tp = torch.from_numpy(p)
    tt = t if torch.is_tensor(t) else torch.from_numpy(t)

    def fwd() -> Any:
        with torch.no_grad():
            return fn(tp, tt)

    def fwd_bwd() -> Any:
        x = tp.detach().requires_grad_(True)
        fn(x, tt).backward()
        return x.grad

    return median_time(fwd), median_time(fwd_bwd)


def measure(loss: Any, p: np.ndarray, t: np.ndarray, floor_inputs: list[np.ndarray], so: Any,
            torch_fn: Callable[[Any, Any], Any] | None, torch_t: Any = None) -> dict[str, Any]:
    buf = np.empty_like(p)
    assert loss.definition.fast(loss, p, t, loss.definition.default_reduction, None, True, True, None) \
        is not NotImplemented, f"{loss.name}: the fast path declined the benchmark input"
    f, f_kind, f_np = floor_read(floor_inputs, so)
    fw = floor_write(floor_inputs, p)
    tv = median_time(lambda: loss(p, t))
    tvg = median_time(lambda: loss.value_and_grad(p, t))
    tvgo = median_time(lambda: loss.value_and_grad(p, t, out=buf))
    th_v, th_vg = torch_times(torch_fn, p, t if torch_t is None else torch_t)
    return {"F_ms": f * 1e3, "F_kind": f_kind, "F_np_ms": f_np * 1e3, "value/F_np": tv / f_np,
            "Fw_ms": fw * 1e3, "value_ms": tv * 1e3, "vg_ms": tvg * 1e3,
            "vg_out_ms": tvgo * 1e3, "torch_value_ms": th_v * 1e3, "torch_vg_ms": th_vg * 1e3,
            "value/F": tv / f, "vg/Fw": tvg / fw, "vg_out/Fw": tvgo / fw,
            "value/torch": tv / th_v if th_v == th_v else math.nan,
            "vg/torch": tvg / th_vg if th_vg == th_vg else math.nan}


def peak_memory(loss: Any, p: np.ndarray, t: np.ndarray) -> dict[str, float]:
    """Peak NumPy allocations of the fast path beyond its outputs, as a fraction of one input."""
    out: dict[str, float] = {}
    buf = np.empty_like(p)
    for what, call, output_bytes in (
        ("value", lambda: loss(p, t), 0),
        ("vg", lambda: loss.value_and_grad(p, t), p.nbytes),
        ("vg_out", lambda: loss.value_and_grad(p, t, out=buf), 0),
    ):
        _fast._LOCAL.__init__()  # type: ignore[misc]  # forget the scratch so that its allocation is counted
        tracemalloc.start()
        tracemalloc.reset_peak()
        result = call()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del result
        out[what] = max(0, peak - output_bytes) / p.nbytes
    return out


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import losslab; print(time.perf_counter() - t)"
    times = []
    for _ in range(5):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        times.append(float(res.stdout.strip()))
    return statistics.median(times)


FIRST_CALL = """
import time, numpy as np
t0 = time.perf_counter(); import losslab; t1 = time.perf_counter()
rng = np.random.default_rng(0); p = rng.standard_normal({n}); t = rng.standard_normal({n})
loss = losslab.get({name!r})
a = time.perf_counter(); loss.value_and_grad(p, t); b = time.perf_counter()
warm = min(__import__("timeit").repeat(lambda: loss.value_and_grad(p, t), number=1, repeat=5))
print(b - a, warm)
"""


def first_call(name: str, n: int) -> dict[str, Any]:
    """The first value_and_grad in a fresh interpreter with empty HOME and XDG_CACHE_HOME, against the warm call."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CACHE_HOME": os.path.join(home, "cache")}
        res = subprocess.run([sys.executable, "-c", FIRST_CALL.format(n=n, name=name)], capture_output=True,
                             text=True, check=True, env=env)
    first, warm = (float(x) for x in res.stdout.split())
    return {"loss": name, "n": n, "first_ms": first * 1e3, "warm_ms": warm * 1e3, "first/warm": first / warm}


def run(quick: bool) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    so = compiled_sum()
    sizes = [10**5, 10**6] if quick else [10**5, 10**6, 10**7]
    ce_shapes = [(1024, 1000), (10000, 100), (20000, 10)] if quick else [
        (64, 128000), (1024, 1000), (10000, 100), (100000, 10), (1000, 100)]
    results: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    for case in cases():
        for dt in (np.float32, np.float64):
            for n in sizes:
                shape = (n // case.rows, case.rows) if case.rows else (n,)
                p, t = case.make(rng, shape, dt)
                row = {"loss": case.label, "dtype": np.dtype(dt).name, "shape": list(shape), "N": n,
                       "torch_kind": case.torch_kind}
                row.update(measure(case.loss, p, t, [p, t], so, case.torch_fn))
                results.append(row)
                print(_line(row), flush=True)
                if n == 10**7:
                    memory.append({"loss": case.label, "dtype": row["dtype"], **peak_memory(case.loss, p, t)})
                del p, t
    for sparse in (True, False):
        label = "sparse_cce" if sparse else "cce"
        loss = losslab.get("sparse_categorical_cross_entropy" if sparse else "categorical_cross_entropy",
                           from_logits=True)
        for dt in (np.float32, np.float64):
            for n, c in ce_shapes:
                z = rng.standard_normal((n, c)).astype(dt)
                y = rng.integers(0, c, n)
                if sparse:
                    t = y
                    tt = torch.from_numpy(y) if torch is not None else None
                    inputs = [z]
                else:
                    t = np.zeros((n, c), dt)
                    t[np.arange(n), y] = 1.0
                    tt = None
                    inputs = [z, t]
                row = {"loss": label, "dtype": np.dtype(dt).name, "shape": [n, c], "N": n * c, "torch_kind": "builtin"}
                row.update(measure(loss, z, t, inputs, so, lambda a, b: tF.cross_entropy(a, b), tt))
                results.append(row)
                print(_line(row), flush=True)
                if n * c >= 8 * 10**6 and not quick:
                    memory.append({"loss": f"{label} {n}x{c}", "dtype": row["dtype"],
                                   **peak_memory(loss, z, t)})
                del z, t
    cold = [first_call(name, n) for name in ("mse", "huber", "log_cosh") for n in (10**5, 10**7)]
    return {"rows": results, "memory": memory, "cold": cold, "import_s": import_time(), "clock": CLOCK.__name__,
            "floor_F": (
        "faster of np.add.reduce and a compiled C sum" if so is not None else "np.add.reduce (no C compiler)"),
        "numpy": np.__version__, "torch": torch.__version__ if torch is not None else None, "quick": quick}


# ------------------------------------------------------------------------------------------------ reporting
HEADER = (f"{'loss':<14}{'dtype':<8}{'shape':<14}{'value ms':>10}{'v/F':>7}{'v/torch':>9}{'vg ms':>10}"
          f"{'vg/Fw':>7}{'vgo/Fw':>8}{'vg/torch':>9}{'torch v':>10}{'torch vg':>10}{'F ms':>9}{'Fw ms':>9}")


def _shape(row: dict[str, Any]) -> str:
    s = row["shape"]
    return f"{s[0]}x{s[1]}" if len(s) == 2 else f"{s[0]:.0e}".replace("+0", "")


def _line(row: dict[str, Any]) -> str:
    mark = "*" if row["torch_kind"] == "expr" else " "
    return (f"{row['loss']:<14}{row['dtype']:<8}{_shape(row):<14}{row['value_ms']:>10.3f}{row['value/F']:>7.2f}"
            f"{row['value/torch']:>8.2f}{mark}{row['vg_ms']:>10.3f}{row['vg/Fw']:>7.2f}{row['vg_out/Fw']:>8.2f}"
            f"{row['vg/torch']:>8.2f}{mark}{row['torch_value_ms']:>10.3f}{row['torch_vg_ms']:>10.3f}"
            f"{row['F_ms']:>9.3f}{row['Fw_ms']:>9.3f}")


def summary(report: dict[str, Any]) -> list[str]:
    rows = report["rows"]
    lines = []

    def check(title: str, items: list[tuple[str, float, float]]) -> None:
        failed = [f"{name} {value:.2f} > {limit:g}" for name, value, limit in items if not value <= limit]
        status = "MET" if not failed else f"NOT MET ({len(failed)} of {len(items)})"
        lines.append(f"- {title}: {status}")
        lines.extend(f"    {f}" for f in failed)

    def name(r: dict[str, Any]) -> str:
        return f"{r['loss']} {r['dtype']} {_shape(r)}"

    arith = [r for r in rows if r["loss"] in ARITHMETIC and r["N"] >= 10**6]
    check("arithmetic losses, value <= 1.3 x F (N >= 1e6)", [(name(r), r["value/F"], 1.3) for r in arith])
    check("  (for reference: value <= 1.3 x F_np, F_np = np.add.reduce alone)",
          [(name(r), r["value/F_np"], 1.3) for r in arith])
    check("arithmetic losses, value+grad <= 1.7 x Fw (N >= 1e6)", [(name(r), r["vg/Fw"], 1.7) for r in arith])
    check("arithmetic losses, value+grad with out= <= 1.2 x Fw (N >= 1e6)",
          [(name(r), r["vg_out/Fw"], 1.2) for r in arith])
    big = max(r["N"] for r in rows if r["loss"] in EXPLOG)
    explog = [r for r in rows if r["loss"] in EXPLOG and r["N"] == big]
    check(f"exp/log losses, value <= 7 x F (f64) / 10 x F (f32) at N = {big:.0e}",
          [(name(r), r["value/F"], 7.0 if r["dtype"] == "float64" else 10.0) for r in explog])
    ce = [r for r in rows if r["loss"] in ("cce", "sparse_cce") and r["shape"][1] >= 1000]
    check("softmax cross-entropy with C >= 1000, value <= 8 x F (f64) / 13 x F (f32)",
          [(name(r), r["value/F"], 8.0 if r["dtype"] == "float64" else 13.0) for r in ce])
    vs = [r for r in rows if (r["N"] in (10**5, 10**6) and len(r["shape"]) == 1)
          or (r["loss"] == "kl_divergence" and r["N"] in (10**5, 10**6))
          or (r["loss"] in ("cce", "sparse_cce") and r["shape"][1] <= 100)]
    check("no slower than torch (value), N = 1e5, 1e6 and CE with C <= 100",
          [(name(r), r["value/torch"], 1.0) for r in vs])
    check("no slower than torch (value+grad), N = 1e5, 1e6 and CE with C <= 100",
          [(name(r), r["vg/torch"], 1.0) for r in vs])
    if report["memory"]:
        check("extra memory <= 5% of one input at N = 1e7",
              [(f"{m['loss']} {m['dtype']} {what}", m[what] * 100, 5.0) for m in report["memory"]
               for what in ("value", "vg", "vg_out")])
    check("first call in a fresh process, empty caches <= 1.5 x the warm call",
          [(f"{c['loss']} N={c['n']:.0e}", c["first/warm"], 1.5) for c in report.get("cold", [])])
    check("import losslab < 0.3 s", [("import", report["import_s"], 0.3)])
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes 1e5 and 1e6 only, smaller CE shapes")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall: time.perf_counter (default); cpu: this process's CPU time (time.process_time), "
                         "which does not count the time other processes hold the core (for a busy machine)")
    ap.add_argument("--repeats", type=int, default=7, help="timed repeats per measurement (the median is kept)")
    args = ap.parse_args(argv)
    global CLOCK, REPEATS
    CLOCK = time.perf_counter if args.clock == "wall" else time.process_time
    REPEATS = args.repeats
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch is not None else '-'}, 1 thread, "
          f"{args.clock} clock; times are medians of {REPEATS}, ratios < 1 beat the reference "
          "(* = the torch column is a tensor expression: PyTorch has no such loss)")
    print(HEADER, flush=True)
    report = run(args.quick)
    print()
    print(f"F = {report['floor_F']}; Fw = np.subtract(pred, target, out=buf)")
    if report["memory"]:
        print("peak extra memory at N = 1e7 (fraction of one input; vg: beyond the returned gradient):")
        for m in report["memory"]:
            print(f"  {m['loss']:<24}{m['dtype']:<9} value {m['value']:6.2%}   vg {m['vg']:6.2%}   "
                  f"vg_out {m['vg_out']:6.2%}")
    print(f"import losslab: {report['import_s'] * 1e3:.0f} ms (fresh interpreter, median of 5)")
    print("targets:")
    for line in summary(report):
        print(line)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
