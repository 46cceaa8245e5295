"""How fast a formula loss is: from text to everything the lab shows, and on a million elements.

    .venv/bin/python benchmarks/bench_formula.py [--json]

1. **First call** (a fresh process, imports included): ``import losslab`` and one formula compiled, its property
   report and a 1,000-point curve with both derivatives (target ≤ 1.5 s).
2. **Warm**: the same for formulas not seen before (so the compile cache does not help), median of 20
   (target ≤ 100 ms).
3. **10^6 elements**: value and gradient of the formula loss against the built-in it equals, in the same run
   (ratios; target ≤ 3×), and the value written by hand in NumPy op by op (what any unfused evaluation costs).
4. **Refusals**: the slowest of the fuzz corpus (tests/formula/test_fuzz.py) to be refused (target ≤ 10 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

FIRST_CALL = """
import time
t0 = time.perf_counter()
import numpy as np
import losslab
from losslab.formula import compile_formula, report
f = compile_formula("where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))", {"delta": 1.0})
report(f)
x = np.linspace(-5, 5, 1000)
f.compute(np, x, np.zeros_like(x), orders=(0, 1, 2))
print(time.perf_counter() - t0)
"""

def _huber(p: np.ndarray, t: np.ndarray) -> float:
    r = p - t
    a = np.abs(r)
    return float(np.mean(np.where(a <= 1.0, 0.5 * r**2, a - 0.5)))


# (formula, params, the built-in, its params, the same formula written by hand in NumPy, op by op: the floor of
# any evaluation that is not fused into one kernel)
PAIRS = [
    ("r^2", {}, "mse", {}, lambda p, t: float(np.mean((p - t) ** 2))),
    ("|r|", {}, "mae", {}, lambda p, t: float(np.mean(np.abs(p - t)))),
    ("log(cosh(r))", {}, "log_cosh", {}, None),
    ("where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))", {"delta": 1.0}, "huber", {"delta": 1.0}, _huber),
    ("delta^2*(sqrt(1 + (r/delta)^2) - 1)", {"delta": 1.0}, "pseudo_huber", {"delta": 1.0},
     lambda p, t: float(np.mean(np.sqrt(1 + (p - t) ** 2) - 1))),
    ("max(q*(y - yhat), (q - 1)*(y - yhat))", {"q": 0.9}, "quantile", {"q": 0.9},
     lambda p, t: float(np.mean(np.maximum(0.9 * (t - p), -0.1 * (t - p))))),
]


def best(fn: Any, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def warm(n: int = 20) -> dict[str, float]:
    from losslab.formula import compile_formula, report

    times = []
    x = np.linspace(-5, 5, 1000)
    for k in range(n):
        t0 = time.perf_counter()
        f = compile_formula(f"where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta)) + {k}*r^2/1000",
                            {"delta": 1.0})
        report(f)
        f.compute(np, x, np.zeros_like(x), orders=(0, 1, 2))
        times.append(time.perf_counter() - t0)
    return {"median_ms": 1e3 * statistics.median(times), "max_ms": 1e3 * max(times)}


def million() -> list[dict[str, Any]]:
    import losslab
    from losslab.losses import unregister

    rng = np.random.default_rng(0)
    t = rng.normal(size=1_000_000)
    p = t + rng.normal(scale=2, size=t.size)
    rows = []
    for text, params, name, builtin_params, by_hand in PAIRS:
        mine = losslab.custom(text, params=params, name="bench_formula")
        ref = losslab.get(name, **builtin_params)
        row = {"formula": text, "builtin": name}
        calls = {"value": (lambda m=mine: m(p, t), lambda r=ref: r(p, t)),
                 "value_and_grad": (lambda m=mine: m.value_and_grad(p, t), lambda r=ref: r.value_and_grad(p, t))}
        for what, (a, b) in calls.items():
            ta, tb = best(a), best(b)
            row[what] = {"formula_ms": 1e3 * ta, "builtin_ms": 1e3 * tb, "ratio": ta / tb}
        if by_hand is not None:
            row["value"]["numpy_by_hand_ms"] = 1e3 * best(lambda f=by_hand: f(p, t))
        rows.append(row)
        unregister("bench_formula")
    return rows


def refusals() -> dict[str, Any]:
    from formula.test_fuzz import PAYLOADS
    from losslab.formula import FormulaError, compile_formula

    worst, which = 0.0, ""
    for payload in PAYLOADS:
        t0 = time.perf_counter()
        with contextlib.suppress(FormulaError):
            compile_formula(payload)
        dt = time.perf_counter() - t0
        if dt > worst:
            worst, which = dt, payload[:40]
    return {"payloads": len(PAYLOADS), "slowest_ms": 1e3 * worst, "slowest": which}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    first = [float(subprocess.run([sys.executable, "-c", FIRST_CALL], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(3)]
    result = {"first_call_s": statistics.median(first), "warm": warm(), "million": million(), "refusals": refusals()}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"first call (fresh process, imports included): {result['first_call_s']:.2f} s (target ≤ 1.5 s)")
    w = result["warm"]
    print(f"warm compile + report + 1,000-point curve: median {w['median_ms']:.1f} ms, max {w['max_ms']:.1f} ms "
          "(target ≤ 100 ms)")
    print("10^6 elements, formula / built-in (target ≤ 3×):")
    for row in result["million"]:
        v, g = row["value"], row["value_and_grad"]
        hand = f"   (NumPy by hand {v['numpy_by_hand_ms']:.1f} ms)" if "numpy_by_hand_ms" in v else ""
        print(f"  {row['builtin']:<13} value {v['formula_ms']:7.1f} / {v['builtin_ms']:6.1f} ms = {v['ratio']:4.2f}×"
              f"   value+grad {g['formula_ms']:7.1f} / {g['builtin_ms']:6.1f} ms = {g['ratio']:4.2f}×{hand}")
    r = result["refusals"]
    print(f"refusals: {r['payloads']} payloads, slowest {r['slowest_ms']:.2f} ms ({r['slowest']!r}) (target ≤ 10 ms)")


if __name__ == "__main__":
    main()
