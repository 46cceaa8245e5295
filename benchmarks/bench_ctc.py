"""Speed of losslab's CTC (NumPy, log space) against ``torch.nn.functional.ctc_loss`` on one CPU thread.

Run ``python benchmarks/bench_ctc.py [--quick] [--dtype float32|float64]``. For each shape (T frames, N sequences,
C classes, S the longest target; the sequences get mixed input lengths in [T/2, T] and target lengths in [S/2, S])
it times, warm, the best CPU time (``time.process_time``) of several repeats of

- ``value``: ``ctc_loss`` against torch's forward;
- ``vg``: ``ctc_value_and_grad`` (from_logits=False) against torch's forward + ``backward()`` on the log-probs,

and prints the ratio losslab / torch (below 1: losslab is faster). The two are timed alternately, so that a
change in the load of a shared machine falls on both. The last two rows have a total element count
T * N * C of about 1e5 and 1e6.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as tF  # noqa: E402

import losslab  # noqa: E402
from losslab.losses.sequence import ctc_loss, ctc_value_and_grad  # noqa: E402

torch.set_num_threads(1)

SHAPES = [  # (T, N, C, S)
    (50, 32, 20, 10),
    (100, 64, 30, 20),
    (200, 32, 50, 30),
    (100, 256, 20, 10),
    (200, 256, 50, 30),
    (50, 64, 32, 10),  # T * N * C ~ 1e5
    (200, 128, 40, 25),  # T * N * C ~ 1e6
]


def _time_pair(ours: Callable[[], object], ref: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best CPU times (``time.process_time``) of ``ours`` and ``ref``, run alternately: on a shared machine the
    CPU time of this process is what the wall clock would show on an idle one, and a change in the load falls on
    both alike."""
    ours()
    ref()
    mine, theirs = [], []
    for _ in range(repeats):
        start = time.process_time()
        ours()
        mine.append(time.process_time() - start)
        start = time.process_time()
        ref()
        theirs.append(time.process_time() - start)
    return min(mine), min(theirs)


def _inputs(shape: tuple[int, int, int, int], dtype: np.dtype, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t, n, c, s = shape
    z = rng.standard_normal((t, n, c))
    lp = (z - np.log(np.exp(z).sum(axis=2, keepdims=True))).astype(dtype)
    targets = rng.integers(1, c, (n, s))
    target_lengths = rng.integers(max(s // 2, 1), s + 1, n)
    input_lengths = rng.integers(max(t // 2, 2 * s + 1), t + 1, n)
    return lp, targets, input_lengths, target_lengths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(0)
    print(f"CTC, {args.dtype}, one thread; CPU times in ms (best of {repeats}); ratio = losslab / torch")
    print(f"{'T':>4} {'N':>4} {'C':>3} {'S':>3} {'T*N*C':>9} | {'value':>8} {'torch':>8} {'ratio':>6} | "
          f"{'v+grad':>8} {'torch':>8} {'ratio':>6} | {'catalog':>8} {'ratio':>6}")
    catalog = losslab.get("ctc")  # the catalog's call: batch-first (N, T, C), lengths as inputs
    for shape in SHAPES:
        lp, tg, il, tl = _inputs(shape, dtype, rng)
        lpt = torch.tensor(lp, requires_grad=True)
        tgt, ilt, tlt = (torch.tensor(a) for a in (tg, il, tl))

        def torch_value() -> object:
            with torch.no_grad():
                return tF.ctc_loss(lpt, tgt, ilt, tlt)  # noqa: B023

        def torch_vg() -> object:
            lpt.grad = None  # noqa: B023
            loss = tF.ctc_loss(lpt, tgt, ilt, tlt)  # noqa: B023
            loss.backward()
            return lpt.grad  # noqa: B023

        ours_v, ref_v = _time_pair(lambda: ctc_loss(lp, tg, il, tl), torch_value, repeats)  # noqa: B023
        ours_vg, ref_vg = _time_pair(lambda: ctc_value_and_grad(lp, tg, il, tl), torch_vg, repeats)  # noqa: B023
        first = np.ascontiguousarray(lp.transpose(1, 0, 2))
        cat_vg, ref_vg2 = _time_pair(
            lambda: catalog.value_and_grad(first, tg, input_lengths=il, target_lengths=tl),  # noqa: B023
            torch_vg, repeats)
        t, n, c, s = shape
        print(f"{t:>4} {n:>4} {c:>3} {s:>3} {t * n * c:>9,} | {ours_v * 1e3:8.2f} {ref_v * 1e3:8.2f} "
              f"{ours_v / ref_v:6.2f} | {ours_vg * 1e3:8.2f} {ref_vg * 1e3:8.2f} {ours_vg / ref_vg:6.2f} | "
              f"{cat_vg * 1e3:8.2f} {cat_vg / ref_vg2:6.2f}")


if __name__ == "__main__":
    main()
